"""The rule query's AST: one node type per construct, each with its offset in the query text,
the error that points at an offset, and the walks over a tree that parser and files share.

monitor.rules.syntax builds these trees from text; monitor.rules.compiler turns them into
programs.
"""

from __future__ import annotations

from dataclasses import dataclass

# Nesting of parentheses, NOT and field prefixes, and the length of a NEAR/SENT chain: deeper
# trees are refused (docs/rules.md), so that no walk over a query can exhaust Python's stack.
MAX_DEPTH = 64


class QuerySyntaxError(Exception):
    """A query cannot be parsed; ``offset`` is the 0-based character position in the query of
    the first problem, ``errors`` every problem found as (offset, message), in query order."""

    def __init__(self, offset: int, message: str,
                 errors: list[tuple[int, str]] | None = None) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.errors = errors or [(offset, message)]


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


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, And | Or):
        return node.children
    if isinstance(node, Field | Not):
        return (node.child,)
    if isinstance(node, Near):
        return (node.left, node.right)
    return ()


def has_not(node: Node) -> bool:
    stack = [node]  # iterative: the parser asks this of trees it has not bounded yet
    while stack:
        got = stack.pop()
        if isinstance(got, Not):
            return True
        stack.extend(children(got))
    return False


def too_deep(node: Node, limit: int = MAX_DEPTH) -> Node | None:
    """The first node deeper than ``limit`` levels, or None (an iterative walk)."""
    stack = [(node, 1)]
    while stack:
        got, depth = stack.pop()
        if depth > limit:
            return got
        stack.extend((c, depth + 1) for c in children(got))
    return None


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
