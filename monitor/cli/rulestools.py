"""``monitor rules collisions`` and ``monitor rules gazetteer``: the tools that keep concept
term lists honest (what each term catches) and the generated ``actors`` concept current."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.rules.collisions import Vocabulary


def add_commands(rules: Any) -> None:
    """Add the subcommands to the ``rules`` subparsers object of the main parser."""
    col = rules.add_parser("collisions", help="frequent words each wildcard or stemmed concept "
                           "term catches, and which of them nobody reviewed (needs wordfreq)")
    col.add_argument("directory", nargs="?", type=Path, help="rules directory")
    col.add_argument("--concept", action="append", help="only this concept (repeatable)")
    col.add_argument("--language", action="append", help="only this language (repeatable)")
    col.add_argument("--all", action="store_true",
                     help="every catch, marked intended, excluded or NEW")
    col.add_argument("--accept", action="store_true", help="add the NEW catches to the "
                     "concepts' intended lists (read them first: a collision is not intended)")
    gaz = rules.add_parser("gazetteer", help="regenerate concepts/actors.yaml from CLDR and "
                           "the lists in gazetteer/, and the month names dates are read by "
                           "(needs Babel)")
    gaz.add_argument("directory", nargs="?", type=Path, help="rules directory")
    gaz.add_argument("--check", action="store_true",
                     help="only say whether the committed file is current (exit 1 if not)")


def vocabularies() -> Any:
    """A cached ``language → Vocabulary | None`` function over wordfreq's word lists."""
    import wordfreq

    from monitor.rules.collisions import TOP_WORDS, Vocabulary

    cache: dict[str, Vocabulary | None] = {}

    def get(language: str) -> Vocabulary | None:
        if language not in cache:
            try:
                words = wordfreq.top_n_list(language, TOP_WORDS)
            except LookupError:
                words = []
            cache[language] = Vocabulary(language, words) if words else None
        return cache[language]

    return get


def cmd_collisions(args: argparse.Namespace, directory: Path) -> int:
    from monitor.errors import RuleError, RuleProblem
    from monitor.rules.collisions import (
        accept,
        advice,
        excluded,
        find,
        load_reviewed,
        unreviewed,
    )
    from monitor.rules.concepts import load_concepts

    try:
        get = vocabularies()
    except ImportError:
        print("monitor: the collision check needs wordfreq (pip install 'monitor[test]')")
        return 2
    problems: list[RuleProblem] = []
    concepts = load_concepts(directory / "concepts", problems)
    if problems:
        raise RuleError(problems)
    chosen = [c for cid, c in sorted(concepts.items()) if not args.concept or cid in args.concept]
    wanted = set(args.language or ())

    def vocab(language: str) -> Vocabulary | None:
        return get(language) if not wanted or language in wanted else None

    status = 0
    for concept in chosen:
        reviewed = load_reviewed(directory / "concepts", concept.id)
        new = []
        found = find([concept], vocab)
        if args.accept:
            checked = [lang for lang in concept.languages() if vocab(lang) is not None]
            added = accept(directory / "concepts", concept.id, found, checked)
            print(f"{concept.id}: {added} words added to the intended list")
            continue
        for catch in found:
            fresh = unreviewed(catch, reviewed)
            if fresh:
                new.append((catch, fresh))
            if args.all:
                bad = set(excluded(catch, reviewed))
                marks = [f"{w} ({'NEW' if w in fresh else 'excluded' if w in bad else 'ok'})"
                         for w in catch.words]
                print(f"{concept.id} {catch.language} {catch.term}: {', '.join(marks)}")
        if new:
            status = 1
            print(advice(concept.id, new))
    if status == 0 and not (args.all or args.accept):
        print(f"{directory}: every catch of {len(chosen)} concepts is reviewed")
    return status


def cmd_gazetteer(args: argparse.Namespace, directory: Path) -> int:
    from monitor.reader import monthnames
    from monitor.rules.gazetteer import generate, target

    try:
        # The actors concept, and the month names dates in article text are read by.
        made = [(target(directory), generate(directory)),
                (monthnames.TARGET, monthnames.generate())]
    except ImportError:
        print("monitor: the gazetteer needs Babel (pip install 'monitor[gazetteer]')")
        return 2
    stale = 0
    for path, text in made:
        current = path.is_file() and path.read_text(encoding="utf-8") == text
        stale += not current
        if args.check:
            print(f"{path}: " + ("up to date" if current else
                                 "stale: run `monitor rules gazetteer` and commit the result"))
        else:
            if not current:
                path.write_text(text, encoding="utf-8")
            print(f"{path}: " + ("unchanged" if current else "written"))
    return 1 if args.check and stale else 0
