"""``monitor alerts ...``: list and show alerts and deliveries, send, replay,
targets."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from monitor.cli.resend import replay, send

if TYPE_CHECKING:  # imported when a command runs: `monitor --help` stays quick
    from monitor.config import Settings
    from monitor.store import Store
    from monitor.store.tables import DeliveryRow


def add_commands(alerts: Any) -> None:
    """Add the subcommands to the ``alerts`` subparsers object of the main parser."""
    al = alerts.add_parser("list", help="recent alerts and their deliveries")
    al.add_argument("--json", action="store_true")
    al.add_argument("--limit", type=int, default=50)
    state = al.add_mutually_exclusive_group()
    state.add_argument("--failed", action="store_true",
                       help="dead deliveries (gave up, or refused for good): replay them")
    state.add_argument("--pending", action="store_true", help="deliveries still to be sent")
    show = alerts.add_parser("show", help="one alert (aN) or delivery (dN, or N) and every "
                             "attempt to send it")
    show.add_argument("id", type=_ref("d"), metavar="ID")
    show.add_argument("--json", action="store_true")
    replay = alerts.add_parser("replay", help="send alerts (aN) or deliveries (dN, or N) again; "
                               "a delivery keeps its webhook-id")
    replay.add_argument("ids", type=_ref("d"), nargs="*", metavar="ID")
    replay.add_argument("--failed", action="store_true", help="every dead delivery")
    replay.add_argument("--target", help="an alert's delivery to this target only")
    send = alerts.add_parser("send", help="queue alerts (N or aN) to the targets that have no "
                             "delivery of them yet; `monitor run` sends them")
    send.add_argument("ids", type=_ref("a"), nargs="+", metavar="ALERT_ID")
    send.add_argument("--target", help="this configured target only (default: every one)")
    targets = alerts.add_parser("targets", help="configured targets and their queues")
    targets.add_argument("--json", action="store_true")
    enable = alerts.add_parser("enable", help="switch a target disabled by a 410 back on")
    enable.add_argument("target")


def _ref(default: str) -> Callable[[str], tuple[str, int]]:
    """An id on the command line: ``a12`` an alert, ``d45`` a delivery, a bare number the
    command's own kind (``default``)."""

    def parse(text: str) -> tuple[str, int]:
        kind, digits = (text[0].lower(), text[1:]) if text[:1].isalpha() else (default, text)
        if kind not in "ad" or not digits.isdigit():
            raise argparse.ArgumentTypeError(
                f"{text!r}: expected an alert id (a12), a delivery id (d45) or a number")
        return kind, int(digits)

    return parse


def _name(ref: tuple[str, int]) -> str:
    return f"{'alert' if ref[0] == 'a' else 'delivery'} {ref[1]}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def delivery_dict(d: DeliveryRow) -> dict[str, Any]:
    return {"id": d.id, "alert": d.alert_id, "kind": d.kind, "target": d.target,
            "webhook_id": d.webhook_id, "status": d.status, "attempts": d.attempts,
            "created": _iso(d.created_at), "next_attempt": _iso(d.next_attempt_at),
            "last_attempt": _iso(d.last_attempt_at), "last_status_code": d.last_status_code,
            "last_error": d.last_error, "delivered": _iso(d.delivered_at),
            "digest": d.digest_id}


def _list(args: argparse.Namespace, store: Store) -> int:
    if args.failed or args.pending:
        rows = store.deliveries("dead" if args.failed else "pending", limit=args.limit)
        for d in rows:
            if args.json:
                print(json.dumps(delivery_dict(d), ensure_ascii=False))
            else:
                what = f"alert {d.alert_id}" if d.alert_id else d.kind
                print(f"{d.id:>6} {d.target:<12} {what:<12} {d.status:<8} tries {d.attempts:<3} "
                      f"{d.webhook_id}  {d.last_error or ''}")
        return 0
    per_alert: dict[int, list[DeliveryRow]] = {}
    for d in store.deliveries():
        if d.alert_id is not None:
            per_alert.setdefault(d.alert_id, []).append(d)
    alerts = store.alerts(limit=args.limit)
    copies = store.alert_copies([a.id for a in alerts if a.id is not None])
    for a in alerts:
        also = [{"source": c.source, "url": c.url, "title": c.title, "article": c.article_id,
                 "language": c.language} for c in copies.get(a.id or 0, [])]
        article = json.loads(a.payload)["data"]["article"]
        sent = per_alert.get(a.id or 0, [])
        if args.json:
            # The fields of GET /api/alerts (article with title and url, evidence, deliveries),
            # plus the story and its other copies.
            print(json.dumps({"id": a.id, "kind": a.kind, "rule": a.rule_id,
                              "rule_name": a.rule_name,
                              "score": a.score, "created": _iso(a.created_at),
                              "title": article.get("title"), "url": article.get("url"),
                              "article": article, "evidence": json.loads(a.evidence),
                              "deliveries": [delivery_dict(d) for d in sent],
                              "story": a.story_id, "also_reported_by": also},
                             ensure_ascii=False))
        else:
            labels = [f"{d.target}:{d.status}#{d.id}" for d in sent]
            print(f"{a.id:>5} {a.created_at:%Y-%m-%d %H:%M} [{a.rule_id}] {article['title']} "
                  f"{' '.join(labels)}")
            for c in also:
                print(f"      also reported by {c['source']}"
                      + (f" ({c['language']})" if c["language"] else "")
                      + (f": {c['url']}" if c["url"] else ""))
    return 0


def _attempts(store: Store, delivery_id: int) -> list[dict[str, Any]]:
    return [{"at": _iso(a.at), "status_code": a.status_code, "latency_ms": a.latency_ms,
             "error": a.error, "outcome": a.outcome, "next_attempt": _iso(a.next_attempt_at),
             "worker": a.worker}
            for a in store.attempts_of(delivery_id)]


def _print_delivery(d: DeliveryRow, attempts: list[dict[str, Any]]) -> None:
    for key, value in delivery_dict(d).items():
        print(f"{key:>17}: {value if value is not None else '-'}")
    for a in attempts:
        print(f"  {a['at']}  {a['outcome'] or '?':<9} {a['status_code'] or '-':<4} "
              f"{(a['latency_ms'] or 0):8.1f} ms  {a['error'] or ''}"
              + (f"  next {a['next_attempt']}" if a["next_attempt"] else ""))


def _show(args: argparse.Namespace, store: Store) -> int:
    from monitor.store import alertlist  # loaded when the command runs
    kind, number = args.id
    if kind == "a":
        return _show_alert(args, store, number)
    row = alertlist.get_delivery(store, number)
    if row is None:
        print(f"no {_name(args.id)}", file=sys.stderr)
        return 1
    attempts = _attempts(store, number)
    if args.json:
        print(json.dumps({**delivery_dict(row), "history": attempts}, ensure_ascii=False))
    else:
        _print_delivery(row, attempts)
    return 0


def _show_alert(args: argparse.Namespace, store: Store, alert_id: int) -> int:
    from monitor.store import alertlist  # loaded when the command runs
    alert = alertlist.get_alert(store, alert_id)
    if alert is None:
        print(f"no alert {alert_id}", file=sys.stderr)
        return 1
    article = json.loads(alert.payload)["data"]["article"]
    info = {"id": alert.id, "rule": alert.rule_id, "title": article.get("title"),
            "url": article.get("url"), "created": _iso(alert.created_at),
            "evidence": json.loads(alert.evidence)}
    deliveries = [(d, _attempts(store, d.id or 0))
                  for d in alertlist.deliveries_of(store, [alert_id]).get(alert_id, [])]
    if args.json:
        print(json.dumps({**info, "deliveries": [{**delivery_dict(d), "history": h}
                                                 for d, h in deliveries]},
                         ensure_ascii=False))
        return 0
    for key in ("id", "rule", "title", "url", "created"):
        print(f"{key:>17}: {info[key] if info[key] is not None else '-'}")
    for ev in info["evidence"][:3]:
        print(f"{'why':>17}: {ev.get('field')} {ev.get('term')!r}: {ev.get('snippet')}")
    if not deliveries:
        print(f"no deliveries: `monitor alerts send a{alert_id}` queues it to the configured "
              "targets")
    for d, history in deliveries:
        print()
        _print_delivery(d, history)
    return 0


def _targets(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from monitor.app import targets_of

    configured = targets_of(settings)
    disabled = store.disabled_targets()
    counts = Counter((d.target, d.status) for d in store.deliveries())
    names = sorted(set(configured) | {t for t, _ in counts} | set(disabled))
    for name in names:
        t = configured.get(name)
        info = {"name": name, "configured": t is not None, "kind": t.kind if t else None,
                "disabled": disabled.get(name),
                **{s: counts[(name, s)] for s in ("pending", "held", "delivered", "dead")}}
        if args.json:
            print(json.dumps(info))
        else:
            state = ("DISABLED: " + disabled[name] if name in disabled else
                     "not configured" if t is None else "on")
            print(f"{name:<16} {info['kind'] or '-':<8} {state:<24} pending {info['pending']} "
                  f"held {info['held']} delivered {info['delivered']} dead {info['dead']}")
    return 0


def cmd_alerts(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.store import Store

    store = Store.open(settings.database_url)
    try:
        if args.action == "show":
            return _show(args, store)
        if args.action == "replay":
            return replay(args, settings, store)
        if args.action == "send":
            return send(args, settings, store)
        if args.action == "targets":
            return _targets(args, settings, store)
        if args.action == "enable":
            found = store.enable_target(args.target)
            print(f"target {args.target}: " + ("enabled again; `monitor alerts replay "
                                               "--failed` resends what it missed"
                                               if found else "was not disabled"))
            return 0
        return _list(args, store)
    finally:
        store.close()
