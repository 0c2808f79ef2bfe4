"""The command line: ``monitor run | match | sources | rules | alerts``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from monitor.clock import utcnow
from monitor.config import Settings, load_settings
from monitor.errors import ConfigError, MonitorError, RuleError, SourceError, StoreError
from monitor.extract import extract
from monitor.matcher import Matcher
from monitor.models import Article, RawItem
from monitor.sources import guess_kind
from monitor.sources.folder import SUFFIXES, read_file
from monitor.store import Store


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="monitor", description="Multilingual news-monitoring "
                                "alert daemon: polls sources, matches rules, sends webhooks.")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the daemon (poll, match, alert, deliver)")
    run.add_argument("--once", action="store_true", help="one full cycle, then exit")

    match = sub.add_parser("match", help="match files or JSON Lines from stdin; stores nothing")
    match.add_argument("paths", nargs="+", metavar="PATH", help="files, or - for JSON Lines")
    match.add_argument("--json", action="store_true", help="one JSON line per article")
    match.add_argument("--rules", type=Path, help="rules directory (default: MONITOR_RULES_DIR)")

    sources = sub.add_parser("sources", help="manage sources").add_subparsers(
        dest="action", required=True)
    add = sources.add_parser("add", help="add a feed URL or a folder")
    add.add_argument("location", metavar="URL_OR_PATH")
    add.add_argument("--interval", type=int, help="seconds between polls")
    add.add_argument("--label", action="append", default=[], help="a label rules can filter on")
    ls = sources.add_parser("list", help="list sources with their state")
    ls.add_argument("--json", action="store_true")

    rules = sub.add_parser("rules", help="rule files").add_subparsers(dest="action",
                                                                       required=True)
    check = rules.add_parser("check", help="validate rule files")
    check.add_argument("directory", nargs="?", type=Path)

    alerts = sub.add_parser("alerts", help="stored alerts").add_subparsers(dest="action",
                                                                          required=True)
    al = alerts.add_parser("list", help="recent alerts and their deliveries")
    al.add_argument("--json", action="store_true")
    al.add_argument("--limit", type=int, default=50)

    prune = sub.add_parser("prune", help="delete what is older than MONITOR_RETENTION_DAYS now")
    prune.add_argument("--days", type=int, help="retention in days (default: the setting)")
    return p


def _articles(paths: Sequence[str]) -> Iterator[tuple[str, Article]]:
    """Articles to match: each file's items, or JSON Lines from stdin for ``-``."""
    for path in paths:
        if path == "-":
            for n, line in enumerate(sys.stdin, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError("not an object")
                except ValueError as exc:
                    raise SourceError(f"stdin line {n}: not a JSON object: {exc}") from exc
                item = RawItem(title=str(obj.get("title") or ""),
                               content=str(obj.get("body") or ""),
                               url=obj.get("url"), language=obj.get("language"))
                art = extract(item)
                yield str(obj.get("id", n)), _with_id(art, str(obj.get("id", n)))
            continue
        p = Path(path)
        if p.suffix.lower() not in SUFFIXES:
            known = ", ".join(sorted(SUFFIXES))
            raise SourceError(f"{path}: unsupported file type (known: {known})")
        items = read_file(p)
        for i, item in enumerate(items):
            ident = path if len(items) == 1 else f"{path}#{i + 1}"
            yield ident, _with_id(extract(item), ident)


def _with_id(article: Article, ident: str) -> Article:
    from dataclasses import replace

    return replace(article, id=ident)


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    matcher = Matcher.load(args.rules or settings.rules_dir)
    status = 0
    try:
        for ident, article in _articles(args.paths):
            matches = matcher.match(article)
            if args.json:
                print(json.dumps({"id": ident, "language": article.language,
                                  "matches": [m.to_dict() for m in matches]},
                                 ensure_ascii=False))
                continue
            names = ", ".join(m.rule_id for m in matches) or "no match"
            print(f"{ident} [{article.language or '?'}]: {names}")
            for m in matches:
                for ev in m.evidence[:3]:
                    print(f"  {m.rule_id}: {ev.field} {ev.term!r}: {ev.snippet}")
    except SourceError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        status = 1
    return status


def _source_dict(info: Any) -> dict[str, Any]:
    s = info.source
    return {"id": s.id, "url": s.url, "kind": s.kind, "title": s.title, "enabled": s.enabled,
            "interval": s.interval_seconds,
            "labels": [x for x in s.labels.split(",") if x],
            "last_poll": s.last_polled_at.isoformat() if s.last_polled_at else None,
            "last_status": s.last_status, "last_error": s.last_error,
            "unhealthy": s.unhealthy, "articles": info.articles}


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    store = Store.open(settings.database_url)
    try:
        if args.action == "add":
            kind = guess_kind(args.location)
            location = str(Path(args.location).resolve()) if kind == "folder" else args.location
            interval = args.interval or settings.default_interval_seconds
            if interval < 1:
                raise ConfigError("--interval", "must be a positive number of seconds")
            row = store.add_source(kind, location, interval=interval, now=utcnow(),
                                   labels=args.label)
            print(f"source {row.id}: {row.kind} {row.url} every {row.interval_seconds}s")
            return 0
        infos = store.list_sources()
        if args.json:
            print(json.dumps([_source_dict(i) for i in infos], ensure_ascii=False, indent=1))
            return 0
        for info in infos:
            d = _source_dict(info)
            state = d["last_status"] or "never polled"
            if d["last_error"]:
                state += f" ({d['last_error']})"
            print(f"{d['id']:>4}  {d['kind']:<7} {d['url']}\n      last poll: "
                  f"{d['last_poll'] or '-'}  status: {state}  articles: {d['articles']}")
        return 0
    finally:
        store.close()


def cmd_rules(args: argparse.Namespace, settings: Settings) -> int:
    directory = args.directory or settings.rules_dir
    try:
        matcher = Matcher.load(directory)
    except RuleError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    print(f"{directory}: {len(matcher.rules)} rules OK (version {matcher.version})")
    return 0


def cmd_alerts(args: argparse.Namespace, settings: Settings) -> int:
    store = Store.open(settings.database_url)
    try:
        rows = store.alerts(limit=args.limit)
        deliveries: dict[int, list[str]] = {}
        for d in store.deliveries():
            deliveries.setdefault(d.alert_id, []).append(f"{d.target}:{d.status}")
        for a in rows:
            if args.json:
                print(json.dumps({"id": a.id, "rule": a.rule_id, "article": a.article_id,
                                  "created": a.created_at.isoformat(),
                                  "deliveries": deliveries.get(a.id or 0, [])}))
            else:
                title = json.loads(a.payload)["data"]["article"]["title"]
                print(f"{a.id:>5} {a.created_at:%Y-%m-%d %H:%M} [{a.rule_id}] {title} "
                      f"{' '.join(deliveries.get(a.id or 0, []))}")
        return 0
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s %(message)s", stream=sys.stderr)
    try:
        settings = load_settings()
        if args.command == "run":
            from monitor.daemon import run_forever, run_once

            return asyncio.run(run_once(settings) if args.once else run_forever(settings))
        if args.command == "match":
            return cmd_match(args, settings)
        if args.command == "sources":
            return cmd_sources(args, settings)
        if args.command == "rules":
            return cmd_rules(args, settings)
        if args.command == "prune":
            from monitor.retention import cmd_prune

            return cmd_prune(settings, args.days)
        return cmd_alerts(args, settings)
    except RuleError as exc:
        print("monitor: the rule set is broken:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (ConfigError, StoreError, SourceError, MonitorError) as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
