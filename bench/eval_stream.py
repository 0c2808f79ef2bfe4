"""Alert precision of the rules on a realistic stream: the real feeds plus the evaluation corpus.

Usage: python bench/eval_stream.py [--rules DIR] [--feeds DIR] [--eval DIR] [--show-errors]

The stream is every item of the corpus's real feeds (bench/streamfeeds.py says which, labelled
in ``<eval>/stream.jsonl`` by key) and every item of the evaluation corpus
(``<eval>/<split>/<lang>.jsonl``, labelled in the line itself). Each item is matched the way the
daemon matches it: through the feed parser and extraction, then ``Matcher.match``; a copy of an
earlier item (same content hash) is counted once, as the daemon alerts once per story. An alert is
right when the item's label expects the rule, false when it expects the rule not to match, and
unjudged when the item has no label for the rule: unjudged alerts are counted and listed apart,
never taken as right. Figures are printed for the feeds alone and for feeds plus the corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.streamfeeds import StreamItem, feed_items, stream_feeds  # noqa: E402
from monitor.models import RawItem  # noqa: E402
from monitor.reader.article import extract  # noqa: E402
from monitor.rules.matcher import Matcher  # noqa: E402

STREAM_LABELS = "stream.jsonl"


@dataclass(frozen=True)
class Label:
    """What an item must and must not raise."""

    expect: frozenset[str]
    expect_not: frozenset[str]


@dataclass(frozen=True)
class Entry:
    """One listed alert or miss: which item, which rule."""

    key: str
    rule: str
    title: str


@dataclass
class Tally:
    """Alerts judged against labels over one scope of the stream."""

    items: int = 0
    right: Counter[str] = field(default_factory=Counter)
    positives: Counter[str] = field(default_factory=Counter)
    false: list[Entry] = field(default_factory=list)
    unjudged: list[Entry] = field(default_factory=list)
    misses: list[Entry] = field(default_factory=list)
    copies: int = 0  # items with the content of an earlier one: one story, one alert
    unlabelled: list[str] = field(default_factory=list)  # keys of items with no label at all

    def add(self, key: str, title: str, label: Label | None, got: set[str]) -> None:
        self.items += 1
        if label is None:
            self.unlabelled.append(key)
        expect = label.expect if label else frozenset()
        expect_not = label.expect_not if label else frozenset()
        for rule in sorted(got):
            if rule in expect:
                self.right[rule] += 1
            elif rule in expect_not:
                self.false.append(Entry(key, rule, title))
            else:
                self.unjudged.append(Entry(key, rule, title))
        for rule in sorted(expect):
            self.positives[rule] += 1
            if rule not in got:
                self.misses.append(Entry(key, rule, title))

    def counts(self, rule: str | None) -> tuple[int, int, int, int]:
        """(right, false, unjudged, labelled positives) for one rule, or all when None."""
        def pick(entries: list[Entry]) -> int:
            return sum(1 for e in entries if rule is None or e.rule == rule)
        right = sum(self.right.values()) if rule is None else self.right[rule]
        positives = sum(self.positives.values()) if rule is None else self.positives[rule]
        return right, pick(self.false), pick(self.unjudged), positives


def load_stream_labels(path: Path) -> dict[str, tuple[Label, str]]:
    """key -> (label, title) from a stream label file; a missing file labels nothing."""
    out: dict[str, tuple[Label, str]] = {}
    if not path.is_file():
        return out
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            line = json.loads(raw)
            out[line["key"]] = (Label(frozenset(line["expect"]), frozenset(line["expect_not"])),
                                line.get("title", ""))
    return out


def eval_items(eval_dir: Path) -> Iterator[tuple[StreamItem, Label]]:
    """Each evaluation corpus item as the daemon would read it, with its label."""
    # The dev and test splits; the story-linking set beside them has no topic labels.
    for path in sorted([*eval_dir.glob("dev/*.jsonl"), *eval_dir.glob("test/*.jsonl")]):
        origin = f"eval/{path.parent.name}/{path.name}"
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            line = json.loads(raw)
            item = RawItem(title=line["title"], content=line["body"], url=line.get("url") or None,
                           guid=line["id"], language=line["language"])
            label = Label(frozenset(line["expect"]), frozenset(line["expect_not"]))
            yield StreamItem(line["id"], origin, extract(item)), label


def evaluate(matcher: Matcher, feeds: Path, eval_dir: Path,
             feed_paths: list[str] | None = None) -> tuple[Tally, Tally, list[str]]:
    """(feeds alone, feeds + eval corpus, stream labels whose item is gone)."""
    labels = load_stream_labels(eval_dir / STREAM_LABELS)
    alone, both = Tally(), Tally()
    seen: set[str] = set()
    stories: set[str] = set()

    def judge(item: StreamItem, label: Label | None, tallies: Iterable[Tally]) -> None:
        if item.article.content_hash in stories:
            for tally in tallies:
                tally.copies += 1
            return
        stories.add(item.article.content_hash)
        got = {m.rule_id for m in matcher.match(item.article)}
        for tally in tallies:
            tally.add(item.key, item.article.title, label, got)

    for item in feed_items(feeds, feed_paths):
        seen.add(item.key)
        found = labels.get(item.key)
        judge(item, found[0] if found else None, (alone, both))
    for item, label in eval_items(eval_dir):
        judge(item, label, (both,))
    return alone, both, sorted(set(labels) - seen)


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f} ({a}/{b})" if b else "-"


def table(tally: Tally, rules: list[str]) -> list[str]:
    """Per rule and overall: alerts, right, false, unjudged, precision, recall."""
    head = (f"{'rule':<14}{'alerts':>7}{'right':>7}{'false':>7}{'unjudged':>10}"
            f"{'precision':>16}{'labelled+':>11}{'recall':>16}")
    lines = [head, "-" * len(head)]
    for rule in [*rules, None]:
        right, false, unjudged, positives = tally.counts(rule)
        lines.append(f"{rule or 'overall':<14}{right + false + unjudged:>7}{right:>7}{false:>7}"
                     f"{unjudged:>10}{_ratio(right, right + false):>16}{positives:>11}"
                     f"{_ratio(right, positives):>16}")
    return lines


def _listing(title: str, entries: list[Entry]) -> list[str]:
    lines = [f"{title}: {len(entries)}"]
    lines += [f"  [{e.rule}] {e.key} | {e.title[:120]}" for e in entries]
    return lines


def report(alone: Tally, both: Tally, stale: list[str], rules: list[str],
           show_errors: bool) -> list[str]:
    """The printed report: both scopes' tables, then what is unjudged and, asked, the errors."""
    lines = [f"feeds alone: {alone.items} items (+{alone.copies} copies)", *table(alone, rules),
             "", f"feeds + eval corpus: {both.items} items (+{both.copies} copies)",
             *table(both, rules), ""]
    if both.unlabelled:
        lines += [f"items without a label (unjudged): {len(both.unlabelled)}",
                  *(f"  {key}" for key in both.unlabelled)]
    if stale:
        lines += [f"stream labels whose item is gone: {len(stale)}", *(f"  {k}" for k in stale)]
    if both.unjudged:
        lines += _listing("unjudged alerts", both.unjudged)
    if show_errors:
        lines += _listing("false alarms", both.false) + _listing("misses", both.misses)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--feeds", type=Path,
                        default=ROOT.parent / "shared" / "corpus" / "feeds")
    parser.add_argument("--eval", type=Path, default=ROOT / "seeds" / "eval")
    parser.add_argument("--show-errors", action="store_true",
                        help="list every false alarm and miss")
    args = parser.parse_args()
    matcher = Matcher.load(args.rules)
    paths = stream_feeds(args.feeds)
    alone, both, stale = evaluate(matcher, args.feeds, args.eval, paths)
    labelled = {*alone.positives, *both.positives, *both.right,
                *(e.rule for e in both.false + both.unjudged)}
    rules = sorted({r.id for r in matcher.rules if r.enabled} | labelled)
    print(f"rules {args.rules} (version {matcher.version}); feeds {args.feeds}; "
          f"eval corpus {args.eval}")
    print("\n".join(report(alone, both, stale, rules, args.show_errors)))


if __name__ == "__main__":
    main()
