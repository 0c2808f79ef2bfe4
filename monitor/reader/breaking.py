"""Breaking stories: which rules watch for them, and when a story is one.

A story alerted by a rule is *breaking* when the distinct sources that reported it within the
rule's window reach both ``min_sources`` and ``factor`` times the usual: the median number of
distinct sources of the rule's stories alerted within its baseline period (at least 1, the
usual story being told by one source). Two numbers anyone can check against the story's
members; the store gathers them when an article joins the story and raises one ``breaking``
alert per rule and story.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from monitor.rules.files import Rule
from monitor.store.records import BreakingPayload, BreakingRule, BreakingStory


@dataclass(frozen=True)
class BreakingDefaults:
    """The settings' thresholds, for the fields a rule's ``breaking:`` leaves out, and the
    alert's body (the delivery stage's)."""

    min_sources: int = 4
    window: timedelta = timedelta(minutes=60)
    factor: float = 3.0
    baseline: timedelta = timedelta(days=14)
    payload: BreakingPayload | None = None


def breaking_rules(rules: Iterable[Rule], defaults: BreakingDefaults, targets: Sequence[str],
                   route: Callable[[Sequence[str], Sequence[str]], list[str]]
                   ) -> dict[str, BreakingRule]:
    """The enabled rules that opted in, by id, with their thresholds and targets (``route``
    applies the rule's ``notify:`` to this poll's ``targets``, as for its other alerts)."""
    out: dict[str, BreakingRule] = {}
    for r in rules:
        b = getattr(r, "breaking", None)
        if b is None or not r.enabled:
            continue
        window = (timedelta(minutes=b.window_minutes) if b.window_minutes
                  else defaults.window)
        baseline = (timedelta(days=b.baseline_days) if b.baseline_days
                    else defaults.baseline)
        out[r.id] = BreakingRule(r.id, r.name, r.severity, b.min_sources or defaults.min_sources,
                                 window, b.factor or defaults.factor, baseline,
                                 tuple(route(targets, r.notify)))
    return out


def threshold(story: BreakingStory) -> float:
    """The distinct sources within the window that make this story breaking."""
    usual = max(story.median, 1.0)
    return max(float(story.rule.min_sources), story.rule.factor * usual)


def breaks(story: BreakingStory) -> bool:
    return story.in_window >= threshold(story)
