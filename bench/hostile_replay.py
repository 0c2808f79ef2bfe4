"""Replay the hostile set of issue #17 against ONE running daemon and print what each did.

    python bench/hostile_replay.py [--keep]

Starts ``python -m monitor run`` on loopback (port 0, empty seeds, a fresh SQLite file, no
token, a copy of the rules, one folder root), serves the hostile feeds from a loopback server
(bench/hostile_feeds.py: the documents, bench/hostile_attacks.py: the raw-socket attacks),
and runs the attacks one after the other while a prober asks ``/healthz`` every 100 ms (its
worst latency and every non-200 are reported) and a sampler reads the daemon's RSS (and its
children's: the rule evaluators) from /proc. Ends with SIGTERM and the time the daemon took
to exit. Targets: /healthz ≤ 1 s, memory ≤ 500 MB. Every outcome is printed as it was,
whether or not a fix for it is merged.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hostile_attacks import big_body, half_sent, slow_clients  # noqa: E402
from bench.hostile_feeds import BOMB_RULE, feeds, folder  # noqa: E402
from monitor.testing import LoopbackServer  # noqa: E402


def rss_mb(pid: int) -> tuple[float, float]:
    """RSS of ``pid``, and the proportional set size (PSS: shared pages counted once) of
    ``pid`` with its descendants (MB), from /proc."""
    def one(p: int, field: str = "VmRSS:", where: str = "status") -> float:
        try:
            for line in Path(f"/proc/{p}/{where}").read_text().splitlines():
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def pss(p: int) -> float:
        return one(p, "Pss:", "smaps_rollup")

    own = one(pid)
    children: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            children += [int(c) for c in text]
    except OSError:
        pass
    grandchildren = []
    for c in children:  # the forkserver's workers are the daemon's grandchildren
        with contextlib.suppress(OSError):
            grandchildren += [int(g) for g in Path(f"/proc/{c}/task/{c}/children").read_text()
                              .split()]
    return own, pss(pid) + sum(pss(c) for c in [*children, *grandchildren])


class Watch:
    """Probes /healthz and samples memory until stopped."""

    def __init__(self, base: str, pid: int) -> None:
        self.base, self.pid = base, pid
        self.max_latency = 0.0
        self.failures: list[str] = []
        self.peak_own = self.peak_all = self.recent = self.last = 0.0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._probe, daemon=True),
                        threading.Thread(target=self._sample, daemon=True)]

    def start(self) -> Watch:
        for t in self.threads:
            t.start()
        return self

    def _probe(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    r = client.get("/healthz")
                    if r.status_code != 200:
                        self.failures.append(f"{r.status_code} {r.text[:120]}")
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc)[:120])
                self.max_latency = max(self.max_latency, time.monotonic() - started)
                time.sleep(0.1)

    def _sample(self) -> None:
        while not self.stop.is_set():
            own, everything = rss_mb(self.pid)
            self.peak_own, self.peak_all = max(self.peak_own, own), max(self.peak_all, everything)
            self.recent, self.last = max(self.recent, everything), everything
            time.sleep(0.05)

    def mark(self) -> tuple[float, int, float]:
        """The worst latency, how many probes failed so far, and the peak memory with the
        evaluators since the last mark (latency and peak are then reset)."""
        latency, failures, peak = self.max_latency, len(self.failures), self.recent
        self.max_latency, self.recent = 0.0, self.last  # a short attack may see no sample
        return latency, failures, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--poll-timeout", type=float, default=120.0,
                        help="seconds to wait for one feed's poll (default 120)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))
    (tmp / "seeds").mkdir()
    rules = tmp / "rules"
    shutil.copytree(ROOT / "rules", rules)
    inbox = folder(tmp / "roots")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONITOR_API_PORT": "0",
           "MONITOR_DATABASE_URL": f"sqlite:///{tmp / 'monitor.db'}",
           "MONITOR_SEEDS_DIR": str(tmp / "seeds"), "MONITOR_RULES_DIR": str(rules),
           "MONITOR_FOLDER_ROOTS": str(tmp / "roots"), "MONITOR_RELOAD_SECONDS": "1",
           "MONITOR_ALLOW_PRIVATE_NETWORKS": "127.0.0.1/32", "MONITOR_POLL_TICK_SECONDS": "3600",
           "MONITOR_LOG_LEVEL": "warning", "MONITOR_LOG_FORMAT": "json"}
    env.pop("MONITOR_API_TOKEN", None)
    errlog = open(tmp / "daemon.log", "w+")  # noqa: SIM115 (read after the daemon ends)
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run"], cwd=tmp, env=env,
                              stdout=subprocess.DEVNULL, stderr=errlog)
    base = ""
    for _ in range(600):
        errlog.seek(0)
        for line in errlog:
            if "API listening on" in line:
                base = line.rsplit(" ", 1)[1].strip()
        if base or daemon.poll() is not None:
            break
        time.sleep(0.1)
    if not base:
        errlog.seek(0)
        print("the daemon did not start:", errlog.read()[-2000:])
        return 1
    port = int(base.rsplit(":", 1)[1])
    print(f"daemon pid {daemon.pid} at {base}; files in {tmp}", flush=True)
    results: list[tuple[str, str, float, float, int]] = []
    watch = Watch(base, daemon.pid).start()
    client = httpx.Client(base_url=base, timeout=120)

    def attack(name: str, run: Any) -> None:
        watch.mark()
        started = time.monotonic()
        try:
            outcome = str(run())
        except Exception as exc:  # an attack that breaks the client is an outcome too
            outcome = f"client error: {exc!r}"[:300]
        took = time.monotonic() - started
        latency, failures, peak = watch.mark()
        results.append((name, outcome, took, latency, failures))
        print(f"- {name}: {outcome} [{took:.1f} s; /healthz max {latency * 1000:.0f} ms; "
              f"peak {peak:.0f} MB{f', {failures} probe failures so far' if failures else ''}]",
              flush=True)

    def answer(r: httpx.Response) -> str:
        try:
            body: Any = r.json()
        except ValueError:
            body = r.text
        return f"{r.status_code} {json.dumps(body)[:160]}"

    with LoopbackServer() as server:
        sizes = feeds(server)

        def poll(location: str, kind: str, size: str) -> str:
            r = client.post("/api/v1/sources", json={"url": location, "kind": kind})
            if r.status_code not in (200, 201):
                return answer(r)
            source = r.json()["id"]
            try:  # unbounded matching can take hours: give up waiting, say so, go on
                got = client.post(f"/api/v1/sources/{source}/poll", timeout=args.poll_timeout)
            except httpx.TimeoutException:
                return f"{size}: no answer within {args.poll_timeout:g} s"
            if got.status_code != 200:
                return answer(got)
            p = got.json()["poll"]
            error = f", error {str(p['error'])[:160]}" if p["error"] else ""
            stored = client.get("/api/v1/articles", params={"source": source}).json()["items"]
            values = (f"; longest title {max(len(a['title']) for a in stored)} chars, urls "
                      f"{sorted({str(a['url']) for a in stored})[:3]}" if stored else "")
            return (f"{size}: {p['status']}, {p['items']} items, {p['new_articles']} new, "
                    f"{len(p['alerts'])} alerts{error}{values}")

        for path in sizes:
            attack(f"feed {path}", lambda path=path: poll(server.url(path), "feed", sizes[path]))
        attack("folder source outside the root (inbox/../../../etc)", lambda: answer(
            client.post("/api/v1/sources", json={"url": f"{inbox}/" + "../" * 12 + "etc"})))
        attack("folder: front-matter alias bomb, link to /etc/passwd, 1 MB title, javascript:",
               lambda: poll(str(inbox), "folder", "4 files"))

        def dropped_bomb() -> str:
            (rules / "bomb.yaml").write_text(BOMB_RULE, "utf-8")
            deadline = time.monotonic() + 30
            while True:
                r = client.get("/readyz")
                rejected = r.json().get("reload", {}).get("rules_rejected")
                if rejected or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            (rules / "bomb.yaml").unlink()
            return f"/readyz {r.status_code}, {len(r.content)} bytes; {str(rejected)[:120]}"

        attack("303-byte alias bomb dropped into rules/ (hot reload)", dropped_bomb)
        for name, query in (("200 nested parentheses", "(" * 200 + "iran" + ")" * 200),
                            ("a 300-long NEAR chain", " NEAR/2 ".join(["iran"] * 300))):
            attack(f"{name} to /rules/validate", lambda q=query: answer(client.post(
                "/api/v1/rules/validate", json={"query": q})))
        attack("YAML alias bomb to /rules/validate", lambda: answer(client.post(
            "/api/v1/rules/validate", json={"yaml": BOMB_RULE})))
        query = " OR ".join(f"w{i:04d}*" for i in range(2000))
        words = " ".join(f"w{i % 2000:04d}x" for i in range(200_000))
        attack("2,000 prefix terms over 1.3 MB to /rules/test", lambda: answer(client.post(
            "/api/v1/rules/test", json={"query": query, "text": words[:1_300_000]})))
        attack("2,000 prefix terms over 0.9 MB (under the body cap)", lambda: answer(
            client.post("/api/v1/rules/test", json={"query": query, "text": words[:900_000]})))
        heavy = json.dumps({"query": query, "text": words[:900_000]}).encode()
        attack("6 slow rules/test from clients that disconnect",
               lambda: slow_clients(port, heavy, 6))
        attack("API right after them", lambda: " ".join(
            answer(client.get(p)).split(" ")[0] for p in ("/readyz", "/api/v1/sources")))
        attack("100 MB body", lambda: big_body(port, 100 * 2**20))
        attack("100,000 nested brackets", lambda: answer(client.post(
            "/api/v1/rules/validate", content=b"[" * 100_000,
            headers={"content-type": "application/json"})))
        attack("500 half-sent requests", lambda: half_sent(port, 500, 30))
        attack("cross-site text/plain POST, foreign Host", lambda: answer(client.post(
            "/api/v1/sources", content=json.dumps({"url": "https://evil.example/f.xml"}),
            headers={"content-type": "text/plain", "host": "rebind.evil.example"})))
        attack("cross-site text/plain POST, foreign Origin", lambda: answer(client.post(
            "/api/v1/sources", content=json.dumps({"url": "https://evil.example/f.xml"}),
            headers={"content-type": "text/plain", "origin": "https://evil.example"})))
        attack("cross-site JSON POST, foreign Origin", lambda: answer(client.post(
            "/api/v1/sources", json={"url": "https://evil.example/f.xml"},
            headers={"origin": "https://evil.example"})))

        def sigterm() -> str:
            # An evaluation running when the signal comes must not hold up the stop.
            threading.Thread(target=lambda: slow_clients(port, heavy, 1), daemon=True).start()
            time.sleep(0.5)
            started = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            try:
                code = daemon.wait(60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                return "still running 60 s after SIGTERM (killed)"
            return f"exit {code} in {time.monotonic() - started:.1f} s"

        watch.stop.set()
        attack("SIGTERM during an evaluation", sigterm)
    client.close()
    latency = max(r[3] for r in results[:-1])
    print(f"\n/healthz: max latency {latency * 1000:.0f} ms (target ≤ 1000), "
          f"{len(watch.failures)} failed probes{': ' if watch.failures else ''}"
          f"{'; '.join(sorted(set(watch.failures))[:5])}")
    print(f"memory: daemon peak RSS {watch.peak_own:.0f} MB, with its evaluator processes (PSS) "
          f"{watch.peak_all:.0f} MB (target ≤ 500)")
    ok = latency <= 1.0 and watch.peak_all <= 500 and not watch.failures
    print("verdict:", "within targets" if ok else "OUTSIDE targets")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
