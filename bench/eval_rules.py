"""Precision and recall of the shipped rules over the labelled set, per rule and language.

Usage: python bench/eval_rules.py [--rules DIR] [--labelled DIR] [--detect]

Only labelled pairs count: a line is a positive for the rules in its ``expect`` and a negative
for those in ``expect_not``. ``--detect`` ignores the declared language and lets the matcher
detect it.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from monitor.models import Article
from monitor.rules.matcher import Matcher

ROOT = Path(__file__).parents[1]


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  - "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--labelled", type=Path, default=ROOT / "seeds" / "labelled")
    parser.add_argument("--detect", action="store_true", help="detect languages instead")
    args = parser.parse_args()
    matcher = Matcher.load(args.rules)
    counts: Counter[tuple[str, str, str]] = Counter()  # (rule, language, tp|fp|fn)
    languages: list[str] = []
    for path in sorted(args.labelled.glob("*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            line = json.loads(raw)
            lang = line["language"]
            if lang not in languages:
                languages.append(lang)
            article = Article(line["title"], line["body"],
                              language=None if args.detect else lang)
            got = {m.rule_id for m in matcher.match(article)}
            for rule in line["expect"]:
                counts[(rule, lang, "tp" if rule in got else "fn")] += 1
            for rule in line["expect_not"]:
                counts[(rule, lang, "fp" if rule in got else "tn")] += 1
    rules = sorted({r for r, _l, _k in counts})
    header = f"{'rule':<14}{'lang':<6}{'P':>6}{'R':>6}{'tp':>5}{'fp':>5}{'fn':>5}{'tn':>5}"
    print(header)
    print("-" * len(header))
    for rule in rules:
        for lang in [*languages, "all"]:
            pick = languages if lang == "all" else [lang]
            tp, fp, fn, tn = (sum(counts[(rule, x, k)] for x in pick)
                              for k in ("tp", "fp", "fn", "tn"))
            print(f"{rule:<14}{lang:<6}{_ratio(tp, tp + fp):>6}{_ratio(tp, tp + fn):>6}"
                  f"{tp:>5}{fp:>5}{fn:>5}{tn:>5}")
    print("-" * len(header))
    for lang in languages:
        tp, fp, fn = (sum(counts[(r, lang, k)] for r in rules) for k in ("tp", "fp", "fn"))
        print(f"{'all rules':<14}{lang:<6}{_ratio(tp, tp + fp):>6}{_ratio(tp, tp + fn):>6}"
              f"{tp:>5}{fp:>5}{fn:>5}")


if __name__ == "__main__":
    main()
