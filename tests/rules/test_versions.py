"""Rule changes reach every worker: a version in the database, each worker following it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.rules.matcher import Matcher
from monitor.rules.versions import RuleSync
from monitor.store import Store
from tests.conftest import RULES

pytestmark = pytest.mark.backends  # SQLite and PostgreSQL

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _rules(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(RULES, target)
    return target


def _edit(rules: Path, note: str) -> None:
    path = rules / "sanctions.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"\n# {note}\n", encoding="utf-8")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store.open(db_url)
    yield store
    store.close()


def test_a_new_rule_set_loaded_by_one_worker_is_followed_by_the_others(
        store: Store, tmp_path: Path) -> None:
    shared = _rules(tmp_path, "rules")  # one volume, or one image, for every worker
    a = RuleSync(store, shared, lambda: NOW, worker="a")
    b = RuleSync(store, shared, lambda: NOW, worker="b")
    a_rules = Matcher.load(shared)
    b_rules = Matcher.load(shared)
    first = a.publish(a_rules)
    assert b.publish(b_rules) == first  # same files: nothing new to announce
    assert first.generation == 1 and first.version == a_rules.version
    assert b.check(b_rules) is None

    _edit(shared, "changed")
    a_rules = Matcher.load(shared)  # what the file watcher of worker a does
    second = a.publish(a_rules)
    assert second.generation == 2 and second.worker == "a"
    followed = b.check(b_rules)
    assert followed is not None and followed.version == a_rules.version
    assert b.check(followed) is None  # followed once, not at every tick


def test_a_worker_with_other_files_keeps_its_rules_until_they_arrive(
        store: Store, tmp_path: Path) -> None:
    mine, theirs = _rules(tmp_path, "a"), _rules(tmp_path, "b")
    a = RuleSync(store, mine, lambda: NOW, worker="a")
    b = RuleSync(store, theirs, lambda: NOW, worker="b")
    b_rules = Matcher.load(theirs)
    b.publish(b_rules)
    _edit(mine, "new")
    a.publish(Matcher.load(mine))
    assert b.check(b_rules) is None  # its files do not give the announced version yet
    _edit(theirs, "new")  # the deployment catches up
    followed = b.check(b_rules)
    assert followed is not None and followed.version == Matcher.load(mine).version


def test_a_broken_local_rule_set_keeps_the_current_rules(store: Store, tmp_path: Path) -> None:
    shared = _rules(tmp_path, "rules")
    a = RuleSync(store, shared, lambda: NOW, worker="a")
    b = RuleSync(store, shared, lambda: NOW, worker="b")
    b_rules = Matcher.load(shared)
    b.publish(b_rules)
    _edit(shared, "new")
    a.publish(Matcher.load(shared))
    (shared / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    assert b.check(b_rules) is None
    assert b.following == 2  # not retried at every tick: the next announcement is
