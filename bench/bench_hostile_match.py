"""Matching time of hostile and merely long articles against the shipped rules.

Usage: python bench/bench_hostile_match.py [--tree PATH] [--timeout 300] [--cases a,b,...]

Each case runs in its own process (``--tree`` puts another checkout first on PYTHONPATH, e.g.
an older commit to compare with) and prints the wall and CPU time of ``Matcher.match`` on one
article (CPU time is what counts on a shared machine), the rule ids that matched and the peak
memory of the process. Cases:

- ``russia-44k``, ``russia-88k``: "The embassy of Russia " repeated (44 KB, 88 KB): every
  mission word shares its one sentence with every state word, the worst case of ``SENT``;
- ``russia-10m``: the same, 10 MB (the body cap);
- ``real-10m``: 10 MB of real-looking news sentences (embassies, sanctions, talks, filler)
  in random order: many hits of every concept, many sentences.

A case that runs past ``--timeout`` seconds is reported as such and killed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SENTENCES = [
    "The embassy of Russia in Berlin said on Monday that two diplomats had been expelled.",
    "Canada expels Nicaraguan diplomats after the closure of its consulate in Managua.",
    "The European Union adopted a new package of sanctions against Iran's drone makers.",
    "Washington imposed an asset freeze on three Chinese firms accused of evading export bans.",
    "Peace talks between the two delegations resumed in Geneva under United Nations mediation.",
    "Ministers from Turkey and Egypt met in Cairo to discuss a ceasefire agreement for Gaza.",
    "The ambassador was summoned to the foreign ministry over remarks made at a press briefing.",
    "Local farmers say the rain came late this year and the harvest will be smaller than usual.",
    "The city council approved a new budget for road repairs and public libraries.",
    "Shares rose in early trading as investors weighed comments from the central bank.",
    "Tehran and Washington held indirect nuclear talks in Muscat, Omani officials said.",
    "The Treasury designated six individuals under its sanctions programme on Monday.",
    "Police said the road would remain closed until the investigation was complete.",
]


def article_text(case: str) -> str:
    if case.startswith("russia-"):
        size = {"russia-44k": 44_000, "russia-88k": 88_000, "russia-10m": 10_000_000}[case]
        unit = "The embassy of Russia "
        return (unit * (size // len(unit) + 1))[:size]
    rng = random.Random(1)
    out: list[str] = []
    total = 0
    while total < 10_000_000:
        s = rng.choice(SENTENCES)
        out.append(s)
        total += len(s) + 1
        if rng.random() < 0.1:
            out.append("\n\n")
    return " ".join(out)[:10_000_000]


def run_case(case: str) -> None:
    """The child: load the shipped rules, match one article, print JSON figures."""
    from monitor.models import Article
    from monitor.rules.matcher import Matcher

    matcher = Matcher.load(ROOT / "rules")
    body = article_text(case)
    warm = Article("Warm up", "The embassy of Russia in Berlin.", language="en")
    matcher.match(warm)
    t0, c0 = time.perf_counter(), time.process_time()
    found = matcher.match(Article("Report", body, language="en"))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"case": case, "bytes": len(body.encode()), "seconds": elapsed, "cpu": cpu,
                      "rules": [m.rule_id for m in found], "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="checkout whose monitor package is measured (default: this one)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--cases", default="russia-44k,russia-88k,russia-10m,real-10m")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args.case)
        return
    env = {**os.environ, "PYTHONPATH": str(args.tree.resolve())}
    print(f"tree: {args.tree.resolve()}")
    print(f"{'case':<12} {'bytes':>10} {'wall s':>9} {'CPU s':>7} {'peak MB':>8}  rules matched")
    for case in args.cases.split(","):
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--case", case], env=env, capture_output=True,
                text=True, timeout=args.timeout, check=False)
        except subprocess.TimeoutExpired:
            print(f"{case:<12} {'':>10} {'>' + format(args.timeout, '.0f'):>9} {'':>7} {'':>8}  "
                  "timed out (killed)")
            continue
        if done.returncode != 0:
            print(f"{case:<12} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        got = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{case:<12} {got['bytes']:>10} {got['seconds']:>9.3f} {got['cpu']:>7.3f} "
              f"{got['peak_mb']:>8.0f}  "
              f"{','.join(got['rules']) or '-'}")


if __name__ == "__main__":
    main()
