"""``monitor alerts send|replay``: alerts and deliveries queued again, to the chosen targets."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from monitor.clock import utcnow
from monitor.errors import ConfigError

if TYPE_CHECKING:  # imported when a command runs: `monitor --help` stays quick
    from monitor.config import Settings
    from monitor.store import Store


def replay(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from monitor.store import alertlist  # loaded when the command runs

    if not args.ids and not args.failed:
        raise ConfigError("replay", "name alert or delivery ids, or --failed for every dead "
                          "delivery")
    now = utcnow()
    missing: list[str] = []
    queued = 0
    if args.failed:
        queued += store.replay(now, failed=True)
    alerts = [n for kind, n in args.ids if kind == "a"]
    if alerts:
        targets = chosen_targets(settings, args.target)
        for alert_id in alerts:
            rows = alertlist.replay_alert(store, alert_id, targets, now)
            if rows is None:
                missing.append(f"alert {alert_id}")
            else:
                queued += sum(r.status == "pending" for r in rows)
    for kind, number in args.ids:
        if kind != "d":
            continue
        row = alertlist.get_delivery(store, number)
        if row is None:
            missing.append(f"delivery {number}")
        elif row.status in ("held", "digested"):
            print(f"delivery {number} is {row.status}: its digest carries it", file=sys.stderr)
        elif row.status == "pending":
            print(f"delivery {number} is pending already", file=sys.stderr)
        else:
            queued += store.replay(now, ids=[number])
    print(f"{queued} deliveries queued again (same webhook-id; `monitor run` sends them)")
    if missing:
        print("not found: " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0 if queued or args.failed else 1


def chosen_targets(settings: Settings, name: str | None) -> list[str]:
    """The configured targets (or the one named): where ``send`` and alert replays go."""
    from monitor.app import targets_of

    configured = list(targets_of(settings))
    if name is not None:
        if name not in configured:
            raise ConfigError("--target", f"no target {name!r} is configured (configured: "
                              f"{', '.join(configured) or 'none'})")
        return [name]
    if not configured:
        raise ConfigError("targets", "no target is configured: set MONITOR_WEBHOOK_URL, or "
                          "add a [targets.NAME] table to monitor.toml")
    return configured


def send(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from monitor.store import alertlist  # loaded when the command runs

    targets = chosen_targets(settings, args.target)
    now = utcnow()
    missing: list[str] = []
    for kind, number in args.ids:
        if kind != "a":
            raise ConfigError("send", f"d{number} is a delivery: `monitor alerts replay "
                              f"d{number}` sends it again")
        queued = alertlist.send_alert(store, number, targets, now)
        if queued is None:
            missing.append(f"alert {number}")
        elif queued:
            print(f"alert {number}: queued to {', '.join(queued)}")
        else:
            print(f"alert {number}: every target has it already (`monitor alerts replay "
                  f"a{number}` sends it again)")
    if missing:
        print("not found: " + ", ".join(missing), file=sys.stderr)
        return 1
    print("`monitor run` (or the running daemon) sends them")
    return 0
