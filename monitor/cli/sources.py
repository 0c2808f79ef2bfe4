"""``monitor sources add|list|import|export``: prints what the subscriptions service did."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from monitor.config import Settings
from monitor.errors import SourceError
from monitor.store import Store
from monitor.subscriptions import (
    FolderAccess,
    ImportReport,
    Subscriptions,
    is_sources_file,
    source_dict,
)


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


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.app import url_policy  # the wiring: loaded only when a command needs it

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
    infos = store.list_sources()
    if as_json:
        print(json.dumps([source_dict(i) for i in infos], ensure_ascii=False, indent=1))
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
