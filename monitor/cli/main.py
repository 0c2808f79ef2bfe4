"""The command line: ``monitor run | match | sources | rules | alerts | stories``.

Only the parser is built at import: each command imports what it needs when it runs, so that
``monitor --help`` and ``--version`` answer without loading the store, the rules or the reader.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from monitor import __version__
from monitor.errors import ConfigError, MonitorError, RuleError, SourceError, StoreError
from monitor.logs import setup_logging

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.models import Article


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="monitor", description="Multilingual news-monitoring "
                                "alert daemon: polls sources, matches rules, sends webhooks.")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    p.add_argument("--version", action="version", version=f"monitor {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the daemon (poll, match, alert, deliver)")
    run.add_argument("--once", action="store_true", help="one full cycle, then exit")
    run.add_argument("--no-api", action="store_true", help="do not serve the HTTP API")
    run.add_argument("--demo", action="store_true", help="the sample source (seeds/) delivers "
                     "to targets too (MONITOR_DEMO)")

    match = sub.add_parser("match", help="match files or JSON Lines from stdin; stores nothing")
    match.add_argument("paths", nargs="+", metavar="PATH", help="files, or - for JSON Lines")
    match.add_argument("--json", action="store_true", help="one JSON line per article")
    match.add_argument("--rules", type=Path, help="rules directory (default: MONITOR_RULES_DIR)")

    sources = sub.add_parser("sources", help="manage sources").add_subparsers(
        dest="action", required=True)
    from monitor.cli.sources import add_commands as add_source_commands

    add_source_commands(sources)

    rules = sub.add_parser("rules", help="rule files").add_subparsers(dest="action",
                                                                       required=True)
    check = rules.add_parser("check", help="validate rule files")
    check.add_argument("directory", nargs="?", type=Path)
    from monitor.cli.rulestools import add_commands as add_rule_commands

    add_rule_commands(rules)

    bt = sub.add_parser("backtest", help="what a rule would have alerted on stored articles")
    bt.add_argument("rule", metavar="RULE_FILE_OR_ID")
    bt.add_argument("--since", default="30d", help="how far back: 30d, 12h, 2w, or a date")
    bt.add_argument("--examples", type=int, default=10, help="examples to show")
    bt.add_argument("--json", action="store_true")

    alerts = sub.add_parser("alerts", help="stored alerts").add_subparsers(dest="action",
                                                                          required=True)
    from monitor.cli.alerts import add_commands

    add_commands(alerts)

    stories = sub.add_parser("stories", help="stored stories: articles telling one story"
                             ).add_subparsers(dest="action", required=True)
    from monitor.cli.stories import add_commands as story_commands

    story_commands(stories)

    prune = sub.add_parser("prune", help="delete what is older than MONITOR_RETENTION_DAYS now")
    prune.add_argument("--days", type=int, help="retention in days (default: the setting)")
    return p


def _articles(paths: Sequence[str]) -> Iterator[tuple[str, Article]]:
    """Articles to match: each file's items, or JSON Lines from stdin for ``-``."""
    from monitor.models import RawItem
    from monitor.reader.article import extract
    from monitor.reader.parsers.folder import SUFFIXES, read_file

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
    from monitor.rules.language import warm_language_model
    from monitor.rules.rulecache import cache_dir

    cache = cache_dir(settings.rules_cache)
    # An article without a language needs the model, after the rules load.
    warm_language_model(None if cache is None else cache / "language")
    from monitor.rules import Matcher

    matcher = Matcher.load(args.rules or settings.rules_dir, cache)
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


def cmd_backtest(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.clock import utcnow
    from monitor.rules.backtest import backtest, matcher_for, parse_since, render
    from monitor.store import Store

    now = utcnow()
    since = parse_since(args.since, now)
    matcher, ids = matcher_for(args.rule, settings.rules_dir)
    store = Store.open(settings.database_url)
    try:
        result = backtest(store, matcher, ids, since=since, until=now, examples=args.examples)
    finally:
        store.close()
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(render(result))
    return 0


def cmd_rules(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.rules import Matcher
    from monitor.rules.rulecache import cache_dir

    directory = args.directory or settings.rules_dir
    if args.action != "check":
        from monitor.cli import rulestools

        run = rulestools.cmd_collisions if args.action == "collisions" else (
            rulestools.cmd_gazetteer)
        return run(args, directory)
    try:
        matcher = Matcher.load(directory, cache_dir(settings.rules_cache))
    except RuleError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    for warning in matcher.warnings:
        print(f"{warning.file}:{warning.line}:{warning.column}: warning: {warning.message}")
    print(f"{directory}: {len(matcher.rules)} rules OK (version {matcher.version})"
          + (f", {len(matcher.warnings)} warnings" if matcher.warnings else ""))
    return 0


def cmd_alerts(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.cli.alerts import cmd_alerts as run

    return run(args, settings)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        status = _main(argv)
        sys.stdout.flush()  # a closed pipe shows up here, not in the flush at exit
        return status
    except BrokenPipeError:
        # The reader went away (``monitor alerts list | head -1``): end quietly, as a command
        # killed by SIGPIPE would. Python flushes stdout again at exit, so point it at
        # /dev/null first (the recipe of the ``signal`` module's documentation).
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # not a real file (tests capture it)
            pass
        return 141


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)  # --help and --version end here, before the imports
    from monitor.config import load_settings, secret_values

    setup_logging(level="debug" if args.verbose else "warning")
    try:
        settings = load_settings()
        level = "debug" if args.verbose else settings.log_level
        long_running = args.command == "run" or getattr(args, "action", None) == "import"
        if not long_running:  # quick commands: say only what went wrong
            level = "debug" if args.verbose else "warning"
        setup_logging(level=level, fmt=settings.log_format, secrets=secret_values(settings))
        if args.command == "run":
            from monitor.cli.run import cmd_run

            if args.demo:
                settings = replace(settings, demo=True)
            return cmd_run(settings, once=args.once, no_api=args.no_api)
        if args.command == "backtest":
            return cmd_backtest(args, settings)
        if args.command == "match":
            return cmd_match(args, settings)
        if args.command == "sources":
            from monitor.cli.sources import cmd_sources

            return cmd_sources(args, settings)
        if args.command == "rules":
            return cmd_rules(args, settings)
        if args.command == "stories":
            from monitor.cli.stories import cmd_stories

            return cmd_stories(args, settings)
        if args.command == "prune":
            from monitor.cli.prune import cmd_prune

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
