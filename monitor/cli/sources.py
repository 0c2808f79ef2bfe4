"""``monitor sources add|list|import|export|pause|resume|remove|poll``: prints what the
subscriptions service and the store operations the API uses did."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.errors import SourceError

if TYPE_CHECKING:  # the commands import them when they run: `monitor --help` stays quick
    from monitor.config import Settings
    from monitor.store import SourceInfo, Store
    from monitor.subscriptions import ImportReport, Subscriptions


def add_commands(sources: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = sources.add_parser("add", help="add a feed URL or a folder")
    add.add_argument("location", metavar="URL_OR_PATH")
    add.add_argument("--interval", type=int, help="seconds between polls")
    add.add_argument("--label", action="append", default=[], help="a label rules can filter on")
    add.add_argument("--kind", help="feed, page, sitemap or folder (default: a folder for a "
                     "directory, else read from the content at the first poll)")
    ls = sources.add_parser("list", help="list sources with their state")
    ls.add_argument("--json", action="store_true")
    imp = sources.add_parser("import", help="add the sources of an OPML list (- for stdin) or "
                             "of a YAML/TOML sources file")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--interval", type=int, help="seconds between polls")
    imp.add_argument("--label", action="append", default=[], help="a label for every source")
    exp = sources.add_parser("export", help="write the sources as OPML (stdout by default)")
    exp.add_argument("file", nargs="?", metavar="FILE")
    for action, text in (("pause", "stop polling these sources (kept, with their articles)"),
                         ("resume", "poll these paused sources again, from the next tick"),
                         ("remove", "delete these sources with their articles and alerts"),
                         ("poll", "poll these sources now, whatever their schedule")):
        one = sources.add_parser(action, help=text)
        one.add_argument("ids", type=int, nargs="+", metavar="ID")
        one.add_argument("--json", action="store_true", help="one JSON object per line")


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.app import url_policy  # the wiring: loaded only when a command needs it
    from monitor.store import Store
    from monitor.subscriptions import FolderAccess, Subscriptions

    store = Store.open(settings.database_url)
    try:
        # The command line is the machine's user: any folder, with a warning outside cwd.
        service = Subscriptions(store, url_policy(settings),
                                default_interval=settings.default_interval_seconds,
                                folders=FolderAccess(trusted=True))
        if args.action == "add":
            return _add(service, args)
        if args.action == "import":
            return _import(service, args)
        if args.action == "export":
            return _export(service, args.file)
        if args.action in ("pause", "resume", "remove"):
            return _change(store, settings, args)
        if args.action == "poll":
            return _poll(settings, args.ids, as_json=args.json)
        return _list(store, as_json=args.json)
    finally:
        store.close()


def _add(service: Subscriptions, args: argparse.Namespace) -> int:
    added = service.add(args.location, kind=args.kind, interval=args.interval,
                        labels=args.label)
    if added.warning:
        print(f"monitor: warning: {added.warning}", file=sys.stderr)
    row = added.source
    print(f"source {row.id}: {row.kind} {row.url} every {row.interval_seconds}s"
          + (f" labels {row.labels}" if row.labels else "")
          + ("" if added.created else " (already present)"))
    return 0


def _import(service: Subscriptions, args: argparse.Namespace) -> int:
    from monitor.cli.progress import Progress
    from monitor.subscriptions import is_sources_file

    path: str = args.file
    with Progress(sys.stderr, "importing") as progress:
        if is_sources_file(path):
            report = service.import_file(Path(path), interval=args.interval,
                                         labels=args.label, progress=progress)
        else:
            report = service.import_opml(_read(path), interval=args.interval,
                                         labels=args.label, progress=progress)
    _print_skips(path, report)
    if is_sources_file(path):
        print(f"{path}: {report.listed} sources, {len(report.added)} added, "
              f"{len(report.present)} already present, {len(report.skipped)} skipped")
    else:
        print(f"{path}: {len(report.added)} sources added, {len(report.present)} already "
              f"present, {len(report.skipped)} skipped")
    return 0


def _read(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None


def _print_skips(path: str, report: ImportReport) -> None:
    for problem in report.problems:
        print(f"{path}: {problem}")
    for what, why in report.skipped:
        print(f"skipped {what}: {why}")
    for what, why in report.warnings:
        print(f"monitor: warning: {what}: {why}", file=sys.stderr)


def _export(service: Subscriptions, path: str | None) -> int:
    """Every URL source as OPML 2.0, to ``path`` or to standard output."""
    exported = service.export_opml()
    if path and path != "-":
        Path(path).write_bytes(exported.data)
        print(f"{path}: {exported.written} sources written", file=sys.stderr)
    else:
        sys.stdout.write(exported.data.decode("utf-8"))
        sys.stdout.flush()
    if exported.folders:
        print(f"monitor: {exported.folders} folder sources left out (OPML lists URLs only)",
              file=sys.stderr)
    return 0


def _list(store: Store, *, as_json: bool) -> int:
    from monitor.subscriptions import source_dict

    infos = store.list_sources()
    if as_json:
        for info in infos:  # JSON Lines: one source per line, as GET /api/sources has them
            print(json.dumps(source_dict(info), ensure_ascii=False))
        return 0
    for info in infos:
        d = source_dict(info)
        state = d["last_status"] or "never polled"
        if d["last_error"]:
            state += f" ({d['last_error']})"
        if not d["enabled"]:
            state += f"  DISABLED ({d['disabled_reason'] or 'by hand'})"
        elif d["unhealthy"]:
            state += f"  UNHEALTHY: failing since {d['failing_since']}, retried rarely"
        print(f"{d['id']:>4}  {d['kind']:<7} {d['url']}\n      last poll: "
              f"{d['last_poll'] or '-'}  status: {state}  "
              f"articles: {d['articles']}")
    return 0


def _info(store: Store, source_id: int) -> SourceInfo | None:
    from monitor.store import sourcelist

    found = sourcelist.sources_page(store, limit=1, after=source_id - 1)
    return found[0] if found and found[0].source.id == source_id else None


def _missing(ids: list[int]) -> int:
    if ids:
        print(f"monitor: no source {', '.join(map(str, ids))}", file=sys.stderr)
    return 1 if ids else 0


def _change(store: Store, settings: Settings, args: argparse.Namespace) -> int:
    """Pause, resume or remove each source, as the API's POST .../pause|resume and DELETE."""
    from monitor.clock import utcnow
    from monitor.store import sourcelist
    from monitor.subscriptions import source_dict

    missing: list[int] = []
    for sid in args.ids:
        if args.action == "remove":
            if not sourcelist.delete_source(store, sid):
                missing.append(sid)
            elif args.json:
                print(json.dumps({"id": sid, "removed": True}))
            else:
                print(f"source {sid}: removed, with its articles and alerts")
            continue
        row = sourcelist.set_enabled(store, sid, args.action == "resume", utcnow())
        info = _info(store, sid) if row is not None else None
        if info is None:
            missing.append(sid)
        elif args.json:
            print(json.dumps(source_dict(info), ensure_ascii=False))
        else:
            print(f"source {sid}: {'paused' if args.action == 'pause' else 'resumed'} "
                  f"({info.source.url})")
    return _missing(missing)


def _poll(settings: Settings, ids: list[int], *, as_json: bool) -> int:
    """Poll each source now, as the API's POST /api/sources/ID/poll; the alerts are queued
    for the targets (a running daemon, or ``monitor run --once``, sends them)."""
    import asyncio
    from contextlib import AsyncExitStack
    from datetime import timedelta

    from monitor.app import open_app
    from monitor.cli.run import print_alert
    from monitor.store import sourcelist
    from monitor.subscriptions import source_dict

    async def go() -> int:
        missing: list[int] = []
        busy = 0
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            for sid in ids:
                if await asyncio.to_thread(app.store.get_source, sid) is None:
                    missing.append(sid)
                    continue
                row = await asyncio.to_thread(
                    sourcelist.claim_source, app.store, sid, worker=settings.worker_id,
                    now=app.clock(), lease=timedelta(seconds=settings.lease_seconds))
                if row is None:
                    print(f"monitor: source {sid} is being polled right now", file=sys.stderr)
                    busy += 1
                    continue
                r = await app.pipeline.poll(row)
                if as_json:
                    info = await asyncio.to_thread(_info, app.store, sid)
                    print(json.dumps({**(source_dict(info) if info else {"id": sid}), "poll": {
                        "status": r.status, "items": r.items, "new_articles": r.new_articles,
                        "alerts": [{"id": a.alert_id, "rule": a.rule_id,
                                    "title": a.article_title} for a in r.alerts],
                        "error": r.error}}, ensure_ascii=False))
                    continue
                for alert in r.alerts:
                    print_alert(alert, sys.stdout)
                print(f"source {sid}: {r.status}, {r.items} items, {r.new_articles} new "
                      f"articles, {len(r.alerts)} alerts" + (f" ({r.error})" if r.error else ""))
        return max(_missing(missing), 1 if busy else 0)

    return asyncio.run(go())
