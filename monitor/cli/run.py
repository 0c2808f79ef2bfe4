"""``monitor run [--once]``: the daemon, or one cycle, with its alerts printed for people."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from monitor.cli.progress import PollProgress
from monitor.config import Settings
from monitor.models import NewAlert
from monitor.reader.poller import PollReport


def print_alert(alert: NewAlert, out: TextIO) -> None:
    """One alert for people at a console: rule, title, source, and the first evidence."""
    label = "BREAKING" if alert.kind == "breaking" else "ALERT"
    print(f"{label} [{alert.rule_id}] {alert.article_title}", file=out)
    print(f"  source: {alert.source}" + (f"  url: {alert.article_url}" if alert.article_url
                                         else ""), file=out)
    for ev in alert.evidence[:3]:
        print(f"  why: {ev.field} {ev.term!r}: {ev.snippet}", file=out)
    out.flush()


def print_polls(reports: list[PollReport], out: TextIO, err: TextIO) -> None:
    """The alerts of these polls on ``out``, and the sources that failed on ``err``."""
    for r in reports:
        for alert in r.alerts:
            print_alert(alert, out)
        if r.status == "error" or r.error:
            print(f"source {r.source_id} ({r.location}): {r.error}", file=err)


def cmd_run(settings: Settings, *, once: bool, no_api: bool) -> int:
    # The daemon's lifecycle is imported here: the quick commands never load uvicorn.
    from monitor.daemon import run_forever, run_once

    if not once:
        return asyncio.run(run_forever(
            settings, polled=lambda reports: print_polls(reports, sys.stdout, sys.stderr),
            api=False if no_api else None))
    with PollProgress(sys.stderr) as progress:
        cycle = asyncio.run(run_once(settings, claimed=progress.start,
                                     polled=progress.advance))
    print_polls(cycle.polls, sys.stdout, sys.stderr)
    alerts = sum(len(r.alerts) for r in cycle.polls)
    errors = sum(r.status == "error" for r in cycle.polls)
    d = cycle.delivery
    print(f"polled {len(cycle.polls)} sources: {alerts} new alerts, {errors} failed; "
          f"delivered {d.delivered}, pending {d.failed}, dead {d.dead}", file=sys.stderr)
    return 0
