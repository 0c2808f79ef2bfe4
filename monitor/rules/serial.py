"""Parsed rules as JSON and back: the form in which monitor.rules.rulecache keeps them on disk.

Plain JSON, never pickle: a cache entry is data to check, not code to run. Decoding checks
every type it reads and raises ValueError on anything else, so that a damaged entry is
recognised and rebuilt instead of reaching the matcher.
"""

from __future__ import annotations

from typing import Any

from monitor.errors import RuleProblem
from monitor.rules import query as q
from monitor.rules.breakingspec import Breaking
from monitor.rules.concepts import ConceptDef, ConceptTerm
from monitor.rules.files import Rule, Weighted
from monitor.rules.query import MAX_DEPTH

Problems = list[tuple[int, int, str]]  # line, column, message: the file is the entry's own


def encode_node(node: q.Node) -> list[Any]:
    if isinstance(node, q.Term):
        return ["t", node.text, node.prefix, node.pos]
    if isinstance(node, q.Phrase):
        return ["p", node.text, node.pos]
    if isinstance(node, q.Concept):
        return ["c", node.name, node.pos]
    if isinstance(node, q.Lang):
        return ["l", node.code, node.pos]
    if isinstance(node, q.Field):
        return ["f", node.field, encode_node(node.child), node.pos]
    if isinstance(node, q.Not):
        return ["n", encode_node(node.child), node.pos]
    if isinstance(node, q.And | q.Or):
        return ["a" if isinstance(node, q.And) else "o",
                [encode_node(c) for c in node.children], node.pos]
    return ["s", encode_node(node.left), encode_node(node.right), node.distance, node.pos]


def _of(kind: type | tuple[type, ...], value: Any) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ValueError(f"expected {kind}, got {type(value).__name__}")
    return value


def decode_node(data: Any, depth: int = 0) -> q.Node:
    if depth > MAX_DEPTH + 1 or not isinstance(data, list) or not data:
        raise ValueError("not a query node")
    tag, args, pos = data[0], data[1:-1], _of(int, data[-1])
    if tag == "t" and len(args) == 2:
        return q.Term(_of(str, args[0]), _of(bool, args[1]), pos)
    if tag == "p" and len(args) == 1:
        return q.Phrase(_of(str, args[0]), pos)
    if tag == "c" and len(args) == 1:
        return q.Concept(_of(str, args[0]), pos)
    if tag == "l" and len(args) == 1:
        return q.Lang(_of(str, args[0]), pos)
    if tag == "f" and len(args) == 2:
        return q.Field(_of(str, args[0]), decode_node(args[1], depth + 1), pos)
    if tag == "n" and len(args) == 1:
        return q.Not(decode_node(args[0], depth + 1), pos)
    if tag in ("a", "o") and len(args) == 1:
        kids = tuple(decode_node(c, depth + 1) for c in _of(list, args[0]))
        return q.And(kids, pos) if tag == "a" else q.Or(kids, pos)
    if tag == "s" and len(args) == 3:
        distance = None if args[2] is None else _of(int, args[2])
        return q.Near(decode_node(args[0], depth + 1), decode_node(args[1], depth + 1),
                      distance, pos)
    raise ValueError(f"unknown query node {tag!r}")


def encode_rule(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "query": rule.query, "line": rule.line,
            "description": rule.description, "languages": list(rule.languages),
            "sources": list(rule.sources), "min_score": rule.min_score,
            "severity": rule.severity, "tags": list(rule.tags), "notify": list(rule.notify),
            "enabled": rule.enabled, "threshold": rule.threshold,
            "weights": [[w.query, w.weight, encode_node(w.ast)] for w in rule.weights],
            "breaking": None if rule.breaking is None else [
                rule.breaking.min_sources, rule.breaking.window_minutes, rule.breaking.factor,
                rule.breaking.baseline_days],
            "ast": None if rule.ast is None else encode_node(rule.ast)}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(_of(str, v) for v in _of(list, value))


def _optional(kind: type | tuple[type, ...], value: Any) -> Any:
    return None if value is None else _of(kind, value)


def _breaking(value: Any) -> Breaking | None:
    if value is None:
        return None
    low, window, factor, days = _of(list, value)
    return Breaking(_optional(int, low), _optional(int, window),
                    None if factor is None else float(_of((int, float), factor)),
                    _optional(int, days))


def decode_rule(data: Any, file: str) -> Rule:
    d = _of(dict, data)
    threshold = d["threshold"]
    weights = tuple(Weighted(_of(str, w[0]), float(_of((int, float), w[1])), decode_node(w[2]))
                    for w in _of(list, d["weights"]))
    return Rule(id=_of(str, d["id"]), name=_of(str, d["name"]), query=_of(str, d["query"]),
                file=file, line=_of(int, d["line"]), description=_of(str, d["description"]),
                languages=_strings(d["languages"]), sources=_strings(d["sources"]),
                min_score=float(_of((int, float), d["min_score"])),
                severity=_of(str, d["severity"]), tags=_strings(d["tags"]),
                notify=_strings(d["notify"]), enabled=_of(bool, d["enabled"]),
                weights=weights,
                threshold=None if threshold is None else float(_of((int, float), threshold)),
                breaking=_breaking(d["breaking"]),
                ast=None if d["ast"] is None else decode_node(d["ast"]))


def encode_problems(problems: list[RuleProblem]) -> Problems:
    return [(p.line, p.column, p.message) for p in problems]


def decode_problems(data: Any, file: str) -> list[RuleProblem]:
    return [RuleProblem(file, _of(int, line), _of(int, column), _of(str, message))
            for line, column, message in _of(list, data)]


def encode_concept(concept: ConceptDef | None) -> Any:
    if concept is None:
        return None
    return {"id": concept.id, "line": concept.line, "description": concept.description,
            "terms": {lang: [[t.text, t.weight, t.party] for t in terms]
                      for lang, terms in concept.terms.items()}}


def decode_concept(data: Any, file: str) -> ConceptDef | None:
    if data is None:
        return None
    d = _of(dict, data)
    terms = {_of(str, lang): tuple(
        ConceptTerm(_of(str, text), float(_of((int, float), weight)), _optional(str, party))
        for text, weight, party in _of(list, entries))
        for lang, entries in _of(dict, d["terms"]).items()}
    return ConceptDef(_of(str, d["id"]), file, _of(int, d["line"]),
                      _of(str, d["description"]), terms)
