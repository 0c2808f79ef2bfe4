"""A rule's ``breaking:`` option: its fields, their checks, and the typed value the rule keeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A breaking threshold's fields: their lowest values (the defaults are settings).
_BREAKING = {"min_sources": 2, "window_minutes": 1, "factor": 1, "baseline_days": 1}


@dataclass(frozen=True)
class Breaking:
    """A rule's ``breaking:`` threshold; a field left out takes its setting's value."""

    min_sources: int | None = None
    window_minutes: int | None = None
    factor: float | None = None
    baseline_days: int | None = None


def check_breaking(data: Any, bad: Callable[[str], bool]) -> bool:
    if isinstance(data, bool):
        return True
    if not isinstance(data, dict):
        return bad("breaking must be true, false or a mapping of "
                   + ", ".join(_BREAKING))
    for name, got in data.items():
        if name not in _BREAKING:
            return bad(f"unknown breaking field {name!r} (known: {', '.join(_BREAKING)})")
        whole = name != "factor"
        if (isinstance(got, bool) or not isinstance(got, int if whole else int | float)
                or got < _BREAKING[name]):
            kind = "a whole number" if whole else "a number"
            return bad(f"breaking.{name} must be {kind} ≥ {_BREAKING[name]}")
    return True


def read_breaking(data: Any) -> Breaking | None:
    if data is None or data is False:
        return None
    if data is True:
        return Breaking()
    factor = data.get("factor")
    return Breaking(data.get("min_sources"), data.get("window_minutes"),
                    None if factor is None else float(factor), data.get("baseline_days"))
