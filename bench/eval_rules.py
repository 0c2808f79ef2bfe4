"""Precision, recall and F1 of the rules over labelled sets, per rule and language.

Usage: python bench/eval_rules.py [--rules DIR] [--labelled DIR ...] [--detect] [--errors]

Every ``*.jsonl`` file under each ``--labelled`` folder counts (default: the real-news
evaluation corpus's dev split, ``seeds/eval/dev``; its ``seeds/eval/test`` split is the
held-out one: evaluate on it, never tune on it). A line is a positive for the rules in its
``expect`` and a negative for those in ``expect_not``. Besides each language, the figures are
summed over the ten languages the rules were first written for and over the fifteen added
later. ``--detect`` ignores the declared language and lets the matcher detect it;
``--errors`` lists every false alarm and miss. ``--half even`` (or ``odd``) keeps the lines whose
id ends in an even (odd) number: tune on one half, check on the other whether a change holds
for lines it was not made from.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's monitor, not the installed one: a figure
# compared across two checkouts is theirs

from monitor.models import Article  # noqa: E402
from monitor.rules.matcher import Matcher  # noqa: E402

FIRST_TEN = ("en", "id", "ru", "uk", "fr", "de", "es", "pt", "ar", "zh")
ADDED = ("it", "pl", "nl", "sv", "cs", "ro", "tr", "fa", "ur", "hi", "ja", "ko", "vi", "th", "he")
Counts = Counter[tuple[str, str, str]]  # (rule, language, tp|fp|fn|tn) -> lines


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  - "


def _f1(tp: int, fp: int, fn: int) -> str:
    return _ratio(2 * tp, 2 * tp + fp + fn)


def _in_half(line_id: str, half: str | None) -> bool:
    digits = re.findall(r"\d+", line_id)
    return half is None or (bool(digits) and int(digits[-1]) % 2 == (half == "odd"))


def evaluate(matcher: Matcher, folders: list[Path], detect: bool,
             errors: list[str], half: str | None = None) -> tuple[Counts, list[str]]:
    """Counts per (rule, language, outcome), and the languages in the order met."""
    counts: Counts = Counter()
    languages: list[str] = []
    for folder in folders:
        for path in sorted(folder.rglob("*.jsonl")):
            for raw in path.read_text(encoding="utf-8").splitlines():
                if not raw.strip():
                    continue
                line = json.loads(raw)
                if not _in_half(str(line.get("id", "")), half):
                    continue
                lang = line["language"]
                if lang not in languages:
                    languages.append(lang)
                article = Article(line["title"], line["body"],
                                  language=None if detect else lang)
                got = {m.rule_id for m in matcher.match(article)}
                what = f"{line.get('id', '?')}: {(line['title'] or line['body'])[:90]!r}"
                for rule in line["expect"]:
                    hit = rule in got
                    counts[(rule, lang, "tp" if hit else "fn")] += 1
                    if not hit:
                        errors.append(f"miss        {rule:<13} {what}")
                for rule in line["expect_not"]:
                    hit = rule in got
                    counts[(rule, lang, "fp" if hit else "tn")] += 1
                    if hit:
                        errors.append(f"false alarm {rule:<13} {what}")
    return counts, languages


def _row(counts: Counts, rule: str, label: str, pick: list[str]) -> str:
    tp, fp, fn, tn = (sum(counts[(rule, x, k)] for x in pick) for k in ("tp", "fp", "fn", "tn"))
    return (f"{rule:<14}{label:<9}{_ratio(tp, tp + fp):>6}{_ratio(tp, tp + fn):>6}"
            f"{_f1(tp, fp, fn):>6}{tp:>5}{fp:>5}{fn:>5}{tn:>5}")


def report(counts: Counts, languages: list[str]) -> None:
    rules = sorted({r for r, _l, _k in counts})
    groups = {"first10": [x for x in languages if x in FIRST_TEN],
              "added15": [x for x in languages if x in ADDED],
              "all": languages}
    header = f"{'rule':<14}{'lang':<9}{'P':>6}{'R':>6}{'F1':>6}{'tp':>5}{'fp':>5}{'fn':>5}{'tn':>5}"
    print(header)
    print("-" * len(header))
    for rule in rules:
        for lang in languages:
            print(_row(counts, rule, lang, [lang]))
        for name, pick in groups.items():
            if pick:
                print(_row(counts, rule, name, pick))
        print("-" * len(header))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--labelled", type=Path, action="append",
                        help="a folder of labelled .jsonl files (repeatable); "
                             "default: seeds/eval/dev")
    parser.add_argument("--detect", action="store_true", help="detect languages instead")
    parser.add_argument("--errors", action="store_true", help="list false alarms and misses")
    parser.add_argument("--half", choices=["even", "odd"],
                        help="only the lines whose id ends in an even (odd) number")
    args = parser.parse_args()
    errors: list[str] = []
    counts, languages = evaluate(Matcher.load(args.rules),
                                 args.labelled or [ROOT / "seeds" / "eval" / "dev"],
                                 args.detect, errors, args.half)
    report(counts, languages)
    if args.errors:
        print("\n".join(errors))


if __name__ == "__main__":
    main()
