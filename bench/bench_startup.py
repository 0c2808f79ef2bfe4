"""Wall time of the quick commands, as a user at a shell sees it: ``monitor --help`` and
``monitor match`` on the seed article with the shipped rules (each a fresh process).

Usage: python bench/bench_startup.py [--runs 10] [--tree PATH ...]

Each ``--tree`` (a checkout; default: this one) runs with its own ``monitor`` package first on
PYTHONPATH and this checkout's rules and seed, so that an older commit is measured on the same
input. The minimum and the median of ``--runs`` runs are printed: on a shared machine the
minimum is the command's own cost, the median what a user waits; the CPU time (user + system,
all threads) is what it costs the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_6dba894c3f267814.txt"


def wall(argv: list[str], env: dict[str, str], runs: int, cwd: str
         ) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each run."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # Run elsewhere than a checkout: ``python -m`` puts the working directory first on
        # sys.path, before PYTHONPATH, and this checkout's package would shadow the tree's.
        subprocess.run([sys.executable, "-m", "monitor", *argv], env=env, check=True, cwd=cwd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


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
                wall(argv, env, 1, tmp)  # warm: page cache, .pyc files, the rule cache
                got, cpu = wall(argv, env, args.runs, tmp)
                print(f"{tree}: monitor {name}: wall min {min(got):.3f} s, median "
                      f"{statistics.median(got):.3f} s; CPU min {min(cpu):.3f} s "
                      f"({args.runs} runs)", flush=True)


if __name__ == "__main__":
    main()
