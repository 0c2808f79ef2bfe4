"""Time to load a large rules directory: parsed from YAML (no cache, or a cold cache) against
read from a warm cache of parsed rule files, and after one file is edited.

Usage: python bench/bench_rule_load.py [--files 10000] [--repeat 3] [--seed 1] [--tree PATH ...]

The directory holds ``--files`` rule files of the matcher benchmark's query shapes (with
frequent words, as in bench/bench_matcher.py's broad set) and the shipped concepts. Each figure
is the best of ``--repeat`` loads, wall and CPU time of this process (on a shared machine
the CPU time is the one to compare): ``load`` is
``Matcher.load`` (read and parse), ``+index`` adds compiling the English index, the work done
before the first article is matched. Each ``--tree`` (another checkout) is run in a process of
its own; a tree without the cache reports the uncached load only.
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("BENCH_RULE_LOAD_TREE"):
    sys.path.insert(0, os.environ["BENCH_RULE_LOAD_TREE"])

from bench.matcherwork import make_rules, vocabulary  # noqa: E402
from monitor.rules.matcher import Matcher  # noqa: E402


def write_rules(directory: Path, n: int, seed: int) -> None:
    shutil.copytree(ROOT / "rules" / "concepts", directory / "concepts")
    rng = random.Random(seed)
    for rule in make_rules(rng, vocabulary(rng, 200_000), n, 0.05):
        (directory / f"{rule.id}.yaml").write_text(
            f"id: {rule.id}\nname: Rule {rule.id}\nseverity: medium\ntags: [bench]\n"
            f"query: >-\n  {rule.query}\n", encoding="utf-8")


def best(repeat: int, step: Callable[[], object], before: Callable[[], None] | None = None
         ) -> tuple[float, float]:
    """The best wall time and the best CPU time of this process over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        start, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def measure(directory: Path, cache: Path, repeat: int) -> None:
    cached = "cache" in inspect.signature(Matcher.load).parameters

    def load(with_cache: bool, index: bool = False) -> Callable[[], object]:
        def step() -> object:
            m = (Matcher.load(directory, cache) if with_cache
                 else Matcher.load(directory))
            return m.index("en") if index else m
        return step

    def clear() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    rows = [("no cache", best(repeat, load(False)), best(repeat, load(False, True)))]
    if cached:
        rows.append(("cold cache", best(repeat, load(True), clear),
                     best(repeat, load(True, True), clear)))
        load(True)()
        rows.append(("warm cache", best(repeat, load(True)), best(repeat, load(True, True))))
        edited = directory / "r0.yaml"
        original = edited.read_text(encoding="utf-8")

        def edit() -> None:
            edited.write_text(original.replace("Rule r0", f"Rule r0 {time.time()}"),
                              encoding="utf-8")
        rows.append(("one file edited", best(repeat, load(True), edit),
                     best(repeat, load(True, True), edit)))
    for name, (load_s, load_cpu), (index_s, index_cpu) in rows:
        print(f"{name:>16}: load {load_s:.3f} s (CPU {load_cpu:.3f} s), "
              f"+index {index_s:.3f} s (CPU {index_cpu:.3f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tree", type=Path, action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "rules"
        directory.mkdir()
        write_rules(directory, args.files, args.seed)
        if os.environ.get("BENCH_RULE_LOAD_DIR"):  # a --tree run: the caller's files
            directory = Path(os.environ["BENCH_RULE_LOAD_DIR"])
        for tree in args.tree:
            print(f"== tree {tree}", flush=True)
            env = {**os.environ, "BENCH_RULE_LOAD_TREE": str(tree.resolve()),
                   "BENCH_RULE_LOAD_DIR": str(directory)}
            subprocess.run([sys.executable, __file__, "--files", "0",
                            "--repeat", str(args.repeat)], env=env, check=True)
        if not args.tree:
            import monitor

            print(f"{len(list(directory.glob('*.yaml')))} rule files, monitor from "
                  f"{Path(monitor.__file__).parent.parent}, Python {sys.version.split()[0]}")
            measure(directory, Path(tmp) / "cache", args.repeat)


if __name__ == "__main__":
    main()
