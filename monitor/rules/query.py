"""The rule query's AST: one node type per construct, each with its offset in the query text,
the error that points at an offset, and the walks over a tree that parser and files share.

monitor.rules.syntax builds these trees from text; monitor.rules.compiler turns them into
programs.
"""

from __future__ import annotations

from dataclasses import dataclass


class QuerySyntaxError(Exception):
    """A query cannot be parsed; ``offset`` is the 0-based character position in the query."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass(frozen=True)
class Term:
    text: str  # as written, without the trailing ``*``
    prefix: bool
    pos: int


@dataclass(frozen=True)
class Phrase:
    text: str  # inside the quotes; words may end with ``*``
    pos: int


@dataclass(frozen=True)
class Concept:
    name: str
    pos: int


@dataclass(frozen=True)
class Lang:
    code: str
    pos: int


@dataclass(frozen=True)
class Field:
    field: str
    child: Node
    pos: int


@dataclass(frozen=True)
class Not:
    child: Node
    pos: int


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    pos: int


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    pos: int


@dataclass(frozen=True)
class Near:
    """``left NEAR/n right`` (at most n words between) or ``left SENT right`` (same sentence)."""

    left: Node
    right: Node
    distance: int | None  # None: same sentence
    pos: int


Node = Term | Phrase | Concept | Lang | Field | Not | And | Or | Near


def has_not(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, And | Or):
        return any(has_not(c) for c in node.children)
    if isinstance(node, Field):
        return has_not(node.child)
    if isinstance(node, Near):
        return has_not(node.left) or has_not(node.right)
    return False


def can_hit(node: Node) -> bool:
    """Whether ``node`` can produce evidence (NOT and lang: only filter)."""
    if isinstance(node, Term | Phrase | Concept):
        return True
    if isinstance(node, Lang | Not):
        return False
    if isinstance(node, Field):
        return can_hit(node.child)
    if isinstance(node, Near):
        return True
    if isinstance(node, And):
        return any(can_hit(c) for c in node.children)
    return all(can_hit(c) for c in node.children)


def concepts(node: Node) -> list[Concept]:
    """Every concept reference in ``node``, in query order."""
    if isinstance(node, Concept):
        return [node]
    if isinstance(node, Field | Not):
        return concepts(node.child)
    if isinstance(node, Near):
        return concepts(node.left) + concepts(node.right)
    if isinstance(node, And | Or):
        return [c for child in node.children for c in concepts(child)]
    return []
