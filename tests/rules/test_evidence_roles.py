"""Evidence ordered by role: the topic terms that made a rule fire first, the context (who,
where: the right side of NEAR/SENT) after, on the seed article and on a user's own rule, in
every place that shows it (CLI, webhook payload, chat message, console)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.delivery.notifiers.apprise import render
from monitor.delivery.payload import alert_payload
from monitor.models import Article, Evidence, Match
from monitor.reader.article import extract
from monitor.reader.parsers.folder import read_file
from monitor.rules.files import make_rule
from monitor.rules.matcher import Matcher
from monitor.web.render import topic_first
from tests.conftest import CLI, ROOT, RULES

SEED = ROOT / "seeds" / "000_6dba894c3f267814.txt"
# The concepts each shipped rule is about (the left side of its NEAR/SENT, or alone).
TOPICS = {"sanctions": {"sanctions", "sanction_measures", "sanction_designations"},
          "negotiations": {"talks", "conflict_talks", "talk_cues", "agreements"},
          "embassies": {"diplomatic_missions", "expulsions"}}


def _seed_matches() -> dict[str, Match]:
    [item] = read_file(SEED)
    return {m.rule_id: m for m in Matcher.load(RULES).match(extract(item))}


def _first_hits(evidence: tuple[Evidence, ...]) -> list[Evidence]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for e in evidence:
        if (e.term, e.concept) not in seen:
            seen.add((e.term, e.concept))
            out.append(e)
    return out


def test_the_seed_alerts_lead_with_their_topic_term() -> None:
    matches = _seed_matches()
    assert set(matches) == set(TOPICS)
    for rule, match in matches.items():
        first = match.evidence[0]
        assert first.role == "topic" and first.concept in TOPICS[rule], (rule, first)
        roles = [e.role for e in _first_hits(match.evidence)]
        # Every term's first hit, topics before context; repeats only after them.
        assert roles == sorted(roles, key=lambda r: r == "context"), (rule, roles)
        assert len({(e.term, e.concept) for e in match.evidence[:len(roles)]}) == len(roles)
        for e in match.evidence:
            assert (e.role == "topic") == (e.concept in TOPICS[rule]), (rule, e)
    # The alert that read "why: 'AS' 'rusia' 'pemerintah*'" now starts with the sanction.
    sanctions = matches["sanctions"].evidence
    assert sanctions[0].text.lower() == "sanksi"
    assert {e.term for e in sanctions[1:3]} == {"AS", "rusia"}


def test_a_user_rule_gets_its_roles_from_the_query_shape() -> None:
    article = Article(title="", language="en",
                      body="Russia said little. Talks and then more talks: Russia, the summit "
                           "and the talks again.")
    rule = make_rule("mine", "(talks OR summit) SENT russia")
    [match] = Matcher((rule,), "test").match(article)
    got = [(e.term, e.role, e.start) for e in match.evidence]
    body = article.body
    # "Russia said little." is another sentence: the context is the later Russia.
    assert got[:3] == [("talks", "topic", body.index("Talks")),
                       ("summit", "topic", body.index("summit")),
                       ("russia", "context", body.index("Russia,"))]
    assert [(t, r) for t, r, _s in got[3:]] == [("talks", "topic"), ("talks", "topic")]
    # Outside NEAR/SENT every term is topic: nothing is held back.
    [plain] = Matcher((make_rule("p", "russia AND talks"),), "test").match(article)
    assert {e.role for e in plain.evidence} == {"topic"}
    assert plain.evidence[0].term == "russia"


def test_the_cli_prints_the_topic_first(cli: CLI) -> None:
    out = cli("match", str(SEED))
    assert out.returncode == 0, out.stderr
    firsts: dict[str, str] = {}
    for line in out.stdout.splitlines()[1:]:
        rule, rest = line.strip().split(": ", 1)
        firsts.setdefault(rule, rest.split("'")[1])
    assert firsts["sanctions"] == "sanksi*"
    assert firsts["embassies"] == "kedutaan*"
    assert firsts["negotiations"] in {'"pembicaraan"', "negosiasi", "pembicaraan"}


def test_payload_chat_message_and_console_lead_with_the_topic() -> None:
    [item] = read_file(SEED)
    article = extract(item)
    match = _seed_matches()["sanctions"]
    payload = alert_payload(match, article, 1, "seeds", datetime(2025, 2, 18, tzinfo=UTC))
    evidence = payload["data"]["evidence"]
    assert evidence[0]["term"] == "sanksi*" and evidence[0]["role"] == "topic"
    assert {e["role"] for e in evidence} == {"topic", "context"}
    _title, body = render(payload, "msg_1", body="$snippet | $terms")
    snippet, terms = body.split(" | ")
    assert "«sanksi»" in snippet
    assert terms.startswith("sanksi*, ")
    # The console orders by the role it is given, even against the stored order...
    assert topic_first(list(reversed(evidence)))[0]["role"] == "topic"
    # ...and by concept name for alerts stored before evidence had a role.
    old = [{"term": "AS", "concept": "actors"}, {"term": "sanksi*", "concept": "sanctions"}]
    assert [e["term"] for e in topic_first(old)] == ["sanksi*", "AS"]


def _two_rules(tmp_path: Path, context_first: bool) -> Matcher:
    (tmp_path / "concepts").mkdir()
    (tmp_path / "concepts" / "measure.yaml").write_text(
        "id: measure\nterms:\n  en: [embargo]\n", encoding="utf-8")
    (tmp_path / "concepts" / "state.yaml").write_text(
        "id: state\nterms:\n  en: [russia]\n", encoding="utf-8")
    # One rule reads the measure as context (right of NEAR), the other as its topic.
    names = ("a", "b") if context_first else ("b", "a")
    (tmp_path / f"{names[0]}.yaml").write_text(
        f"id: {names[0]}\nname: Context\nquery: '@state NEAR/5 @measure'\n", encoding="utf-8")
    (tmp_path / f"{names[1]}.yaml").write_text(
        f"id: {names[1]}\nname: Topic\nquery: '@measure'\n", encoding="utf-8")
    return Matcher.load(tmp_path)


@pytest.mark.parametrize("context_first", [True, False])
def test_a_concepts_role_is_each_rules_own(tmp_path: Path, context_first: bool) -> None:
    # Concept hits are looked up once per article and shared between rules; the role of their
    # words must still be the one each rule gives them.
    matcher = _two_rules(tmp_path, context_first)
    found = {m.rule_id: m for m in matcher.match(Article("Embargo on Russia", "", language="en"))}
    topic = found["b" if context_first else "a"]
    context = found["a" if context_first else "b"]
    assert [(e.text, e.role) for e in topic.evidence] == [("Embargo", "topic")]
    assert ("Embargo", "context") in [(e.text, e.role) for e in context.evidence]
