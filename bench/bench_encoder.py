"""Cost of the optional encoder (``monitor[semantic]``): milliseconds of one core per title
and lead, embedded one at a time (a poll of one new article) and in one batch (a poll's new
articles), over real multilingual news: the labelled story set's lines.

Usage: python bench/bench_encoder.py [FILE.jsonl ...] [--rounds 3]

Prints the median of the rounds for each way, and the texts' languages and mean length.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's monitor, not the installed one: a figure
# compared across two checkouts is theirs

from monitor.reader import semantic  # noqa: E402

DEFAULT = [Path(__file__).parent.parent / "seeds/eval/stories" / f"{name}.jsonl"
           for name in ("dev", "test")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="*", default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not semantic.available():
        parser.error("the optional encoder is not installed: pip install 'monitor[semantic]'")
    lines = [json.loads(raw) for path in args.files
             for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]
    texts = [(str(x.get("title") or ""), str(x.get("body") or "")) for x in lines]
    semantic.vectors(texts[:1])  # the model's load is paid once per process, not per text
    one, batch = [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for text in texts:
            semantic.vectors([text])
        one.append((time.perf_counter() - start) / len(texts) * 1000)
        start = time.perf_counter()
        semantic.vectors(texts)
        batch.append((time.perf_counter() - start) / len(texts) * 1000)
    chars = statistics.mean(len(f"{t}\n{b[:semantic.LEAD]}") for t, b in texts)
    print(f"{len(texts)} titles and leads, {len({x.get('language') for x in lines})} "
          f"languages, {chars:.0f} characters on average")
    print(f"one at a time: {statistics.median(one):.1f} ms per text (median of "
          f"{args.rounds} rounds: {', '.join(f'{v:.1f}' for v in one)})")
    print(f"one batch:     {statistics.median(batch):.1f} ms per text (median of "
          f"{args.rounds} rounds: {', '.join(f'{v:.1f}' for v in batch)})")


if __name__ == "__main__":
    main()
