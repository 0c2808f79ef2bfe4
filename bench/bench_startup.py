"""Wall time of the quick commands, as a user at a shell sees it: ``monitor --help`` and
``monitor match`` on the seed article with the shipped rules (each a fresh process).

Usage: python bench/bench_startup.py [--runs 10] [--tree PATH ...]

Each ``--tree`` (a checkout; default: this one) runs with its own ``monitor`` package first on
PYTHONPATH and this checkout's rules and seed, so that an older commit is measured on the same
input. The minimum and the median of ``--runs`` runs are printed: on a shared machine the
minimum is the command's own cost, the median what a user waits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_6dba894c3f267814.txt"


def wall(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "monitor", *argv], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tree", type=Path, action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for tree in args.tree or [ROOT]:
            env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
            env.update(PYTHONPATH=str(tree.resolve()), MONITOR_RULES_DIR=str(ROOT / "rules"),
                       MONITOR_DATABASE_URL=f"sqlite:///{tmp}/unused.db",
                       MONITOR_RULES_CACHE=str(Path(tmp) / "cache"))
            for name, argv in (("--help", ["--help"]), ("match", ["match", str(SEED)])):
                wall(argv, env, 1)  # warm: page cache, .pyc files, the rule cache
                got = wall(argv, env, args.runs)
                print(f"{tree}: monitor {name}: min {min(got):.3f} s, "
                      f"median {statistics.median(got):.3f} s ({args.runs} runs)", flush=True)


if __name__ == "__main__":
    main()
