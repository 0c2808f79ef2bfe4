"""Cost of a rule set as shipped: its concept terms, the time to load and compile it, and the
time to match real articles (the corpus feeds, in many languages) against it.

Usage: python bench/bench_rules.py [--rules DIR]... [--corpus DIR] [--limit 3000] [--repeat 3]

Give ``--rules`` twice to compare two rule sets (an old checkout's ``rules/`` and this one) on
the same articles with the same code. Times are CPU time of this process (time.process_time),
the best of ``--repeat`` passes, so that neighbours on a shared machine do not count.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's monitor, not the installed one: a figure
# compared across two checkouts is theirs

from monitor.models import Article  # noqa: E402
from monitor.reader.article import extract  # noqa: E402
from monitor.reader.parsers.folder import SUFFIXES, read_file  # noqa: E402
from monitor.rules.concepts import load_concepts  # noqa: E402
from monitor.rules.matcher import Matcher  # noqa: E402


def articles(corpus: Path, limit: int) -> list[Article]:
    out: list[Article] = []
    for path in sorted(p for p in corpus.rglob("*") if p.suffix.lower() in SUFFIXES):
        try:
            items = read_file(path)
        except Exception:  # the corpus holds deliberately broken feeds too
            continue
        out.extend(a for a in map(extract, items) if a.body or a.title)
        if len(out) >= limit:
            break
    return out[:limit]


def _best(repeat: int, run: object) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        run()  # type: ignore[operator]
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, action="append")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "feeds")
    parser.add_argument("--limit", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sample = articles(args.corpus, args.limit)
    languages = Counter(a.language or "?" for a in sample)
    print(f"{len(sample)} articles from {args.corpus}; languages: "
          + ", ".join(f"{k} {v}" for k, v in languages.most_common(12)))
    print(f"{'rules':<28} {'terms':>7} {'langs':>5} {'load ms':>8} {'first ms':>9} "
          f"{'match ms':>9} {'us/article':>10} {'matches':>7}")
    for rules in args.rules or [ROOT / "rules"]:
        concepts = load_concepts(rules / "concepts", [])
        terms = sum(len(v) for c in concepts.values() for v in c.terms.values())
        langs = len({k for c in concepts.values() for k in c.terms})
        load = _best(args.repeat, lambda r=rules: Matcher.load(r))
        matcher = Matcher.load(rules)
        start = time.process_time()  # the first pass compiles each language's index
        found = sum(len(matcher.match(a)) for a in sample)
        cold = time.process_time() - start
        spent = _best(args.repeat, lambda m=matcher: [m.match(a) for a in sample])
        print(f"{str(rules)[-28:]:<28} {terms:>7} {langs:>5} {load * 1000:>8.0f} "
              f"{cold * 1000:>9.0f} {spent * 1000:>9.0f} "
              f"{spent / max(len(sample), 1) * 1e6:>10.0f} {found:>7}")


if __name__ == "__main__":
    main()
