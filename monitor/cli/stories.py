"""``monitor stories list|show``: stories with their members, sources, languages and first
and last seen, filtered like ``GET /api/v1/stories`` and printed in its shape with ``--json``
(one story per line)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a command runs: `monitor --help` stays quick
    from monitor.config import Settings
    from monitor.store.storylist import StoryView


def add_commands(stories: Any) -> None:
    """Add the subcommands to the ``stories`` subparsers object of the main parser."""
    ls = stories.add_parser("list", help="stories, newest first, with their sources")
    ls.add_argument("--since", help="last seen since: 30d, 12h, 2w, or a date")
    ls.add_argument("--rule", help="stories a rule alerted on")
    ls.add_argument("--language", help="stories with a member in this language")
    ls.add_argument("--min-sources", type=int, default=None, metavar="N",
                    help="stories told by at least N distinct sources")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--before", type=int, default=None, metavar="ID",
                    help="stories older than this one (the next page)")
    ls.add_argument("--json", action="store_true")
    show = stories.add_parser("show", help="one story and all its members")
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true")


def _print(view: StoryView, *, every: bool) -> None:
    d = view.to_dict()
    languages = ", ".join(d["languages"]) or "unknown"
    flag = " BREAKING" if d["breaking"] else ""
    print(f"{d['id']:>6} {d['title']}{flag}")
    print(f"       {d['articles']} articles, {len(d['sources'])} sources, languages: "
          f"{languages}; first {d['first_seen']}, last {d['last_seen']}"
          + (f"; rules: {', '.join(d['rules'])}" if d["rules"] else ""))
    if every:
        for m in d["members"]:
            print(f"       - [{m['language'] or '?'}] {m['source']}: {m['title']}"
                  + (f" {m['url']}" if m["url"] else ""))
        for b in d["breaking"]:
            print(f"       breaking for {b['rule']} at {b['at']} (alert {b['alert']})")
    else:
        print(f"       sources: {', '.join(s['name'] for s in d['sources'])}")


def cmd_stories(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.clock import utcnow
    from monitor.rules.backtest import parse_since
    from monitor.store import Store, storylist

    store = Store.open(settings.database_url)
    try:
        if args.action == "show":
            view = storylist.get_story(store, args.id)
            kept = storylist.merged_into(store, args.id) if view is None else None
            if kept is not None:
                print(f"monitor: story {args.id} was merged into story {kept}", file=sys.stderr)
                view = storylist.get_story(store, kept)
            if view is None:
                print(f"monitor: no story {args.id}", file=sys.stderr)
                return 1
            views = [view]
        else:
            f = storylist.StoryFilter(
                since=parse_since(args.since, utcnow()) if args.since else None,
                rule=args.rule, language=args.language, min_sources=args.min_sources)
            views = storylist.stories_page(store, f, limit=max(1, args.limit),
                                           before=args.before)
    finally:
        store.close()
    for v in views:
        if args.json:
            print(json.dumps(v.to_dict(), ensure_ascii=False))
        else:
            _print(v, every=args.action == "show")
    return 0
