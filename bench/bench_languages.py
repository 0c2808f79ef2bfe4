"""Matching time per article in each language, with a rule set, over labelled JSON Lines.

Usage: python bench/bench_languages.py --labelled DIR [--rules DIR] [--repeat 5] [--scale 4]

Each line of ``DIR/*.jsonl`` gives ``language``, ``title`` and ``body`` (the evaluation format
of bench/eval_rules.py). Every article is matched once to warm the compiled indexes, then
``--repeat`` times; the best pass is reported as CPU time (time.process_time) per article and
per 1,000 characters, so that languages tokenised per character (Chinese, Japanese, Korean,
Thai) can be compared with the others. ``--scale`` repeats each body to make articles of a
realistic length out of short excerpts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's monitor, not the installed one: a figure
# compared across two checkouts is theirs

from monitor.models import Article  # noqa: E402
from monitor.rules.matcher import Matcher  # noqa: E402


def _articles(directory: Path, scale: int) -> dict[str, list[Article]]:
    out: dict[str, list[Article]] = defaultdict(list)
    for path in sorted(directory.glob("*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                line = json.loads(raw)
                body = "\n\n".join([line["body"]] * scale)
                out[line["language"]].append(
                    Article(title=line["title"], body=body, language=line["language"]))
    return out


def _best_pass(matcher: Matcher, articles: list[Article], repeat: int) -> float:
    for article in articles:
        matcher.match(article)
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for article in articles:
            matcher.match(article)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, required=True)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=int, default=4)
    args = parser.parse_args()
    matcher = Matcher.load(args.rules)
    by_language = _articles(args.labelled, args.scale)
    print(f"{'lang':5} {'articles':>8} {'chars/art':>9} {'ms/art':>7} {'ms/1k chars':>11}")
    for language in sorted(by_language):
        articles = by_language[language]
        seconds = _best_pass(matcher, articles, args.repeat)
        chars = sum(len(a.title) + len(a.body) for a in articles)
        print(f"{language:5} {len(articles):8d} {chars / len(articles):9.0f} "
              f"{1000 * seconds / len(articles):7.2f} {1e6 * seconds / chars:11.2f}")


if __name__ == "__main__":
    main()
