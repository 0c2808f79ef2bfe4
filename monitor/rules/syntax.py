"""The rule query language: tokenizer and parser from query text to a positioned AST.

Grammar (operators are upper case; lower-case ``and``/``or``/``not`` are ordinary words)::

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          juxtaposition means AND
    near    := unary (("NEAR/n" | "SENT") unary)*
    unary   := "NOT" unary | ("title:" | "body:") unary | primary
    primary := "(" or ")" | WORD | WORD* | "a phrase" | @concept | lang:xx

Every node keeps the offset of its first character in the query text, so errors point at the
offending token. Every problem of a query is reported, not only the first: a bad token is
recorded and parsing goes on; a broken structure (an unbalanced parenthesis, a dangling
operator) ends it. Nesting deeper than ``MAX_DEPTH`` is an error. The node types are in
monitor.rules.query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from monitor.rules.query import (
    MAX_DEPTH,
    And,
    Concept,
    Field,
    Lang,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    can_hit,
    concepts,
    has_not,
    too_deep,
)

# The tree's types are monitor.rules.query's; the rest of monitor imports them from here too.
__all__ = ["MAX_DEPTH", "And", "Concept", "Field", "Lang", "Near", "Node", "Not", "Or", "Phrase",
           "QuerySyntaxError", "Term", "can_hit", "concepts", "parse"]

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<lpar>\()
      | (?P<rpar>\))
      | (?P<phrase>"[^"]*"?)
      | (?P<scope>(?:title|body):)
      | (?P<lang>lang:\S*?(?=[\s()]|$))
      | (?P<concept>@[^\s()"]*)
      | (?P<near>NEAR/\S*?(?=[\s()"]|$))
      | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
_OPERATORS = {"AND", "OR", "NOT", "SENT", "NEAR"}
_CONCEPT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_LANG_CODE = re.compile(r"[a-z]{2,3}\Z")


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _lex(query: str, errors: list[tuple[int, str]]) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup or "word"
        if kind == "ws":
            continue
        text = m.group()
        if kind == "phrase" and (len(text) < 2 or not text.endswith('"')):
            errors.append((m.start(), "unterminated phrase: missing closing '\"'"))
            text += '"'  # read as if closed, so that the rest is checked too
        if kind == "word" and text in _OPERATORS:
            kind = text.lower()
        out.append(_Tok(kind, text, m.start()))
    out.append(_Tok("end", "", len(query)))
    return out


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.errors: list[tuple[int, str]] = []  # problems after which parsing goes on
        self.toks = _lex(query, self.errors)
        self.i = 0
        self.nesting = 0  # open parentheses, NOT and field prefixes around the current token

    def fail(self, pos: int, message: str) -> None:
        self.errors.append((pos, message))

    def nest(self, tok: _Tok) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise QuerySyntaxError(tok.pos, f"nested more than {MAX_DEPTH} levels deep "
                                            "(parentheses, NOT, title:/body:)")

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise QuerySyntaxError(0, "empty query")
        node = self.or_()
        tok = self.peek()
        if tok.kind == "rpar":
            raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: ')' without '('")
        if tok.kind != "end":
            raise QuerySyntaxError(tok.pos, f"unexpected {tok.text!r}")
        return node

    def or_(self) -> Node:
        first = self.and_()
        children = [first]
        while self.peek().kind == "or":
            self.take()
            children.append(self.and_())
        return first if len(children) == 1 else Or(tuple(children), _pos(first))

    def and_(self) -> Node:
        first = self.near()
        children = [first]
        while True:
            kind = self.peek().kind
            if kind == "and":
                self.take()
            elif kind in ("end", "rpar", "or"):
                break
            children.append(self.near())
        return first if len(children) == 1 else And(tuple(children), _pos(first))

    def near(self) -> Node:
        left = self.unary()
        links = 0
        while self.peek().kind in ("near", "sent"):
            op = self.take()
            links += 1
            if links > MAX_DEPTH:
                raise QuerySyntaxError(op.pos, f"more than {MAX_DEPTH} NEAR/SENT in a row: "
                                               "group them with parentheses, or use AND")
            distance: int | None = None
            if op.kind == "near":
                m = re.fullmatch(r"NEAR/(\d+)", op.text)
                if not m or not 0 < int(m.group(1)) <= 1000:
                    self.fail(op.pos, f"bad proximity {op.text!r}: write NEAR/n, "
                                      "n between 1 and 1000")
                distance = int(m.group(1)) if m else 1
            right = self.unary()
            for side in (right,) if links > 1 else (left, right):
                if has_not(side):
                    self.fail(_pos(side), f"NOT cannot be inside {op.text}")
            left = Near(left, right, distance, _pos(left))
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind in ("not", "scope"):
            self.take()
            self.nest(tok)
            child = self.unary()
            self.nesting -= 1
            if tok.kind == "not":
                return Not(child, tok.pos)
            return Field(tok.text[:-1], child, tok.pos)
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "lpar":
            if self.peek().kind == "rpar":
                raise QuerySyntaxError(self.peek().pos, "empty parentheses")
            self.nest(tok)
            node = self.or_()
            self.nesting -= 1
            close = self.peek()
            if close.kind != "rpar":
                raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: '(' is never closed")
            self.take()
            return node
        if tok.kind == "word":
            return _word(tok, self.fail)
        if tok.kind == "phrase":
            inner = tok.text[1:-1]
            if not inner.strip():
                self.fail(tok.pos, "empty phrase")
            elif "*" in inner.replace("* ", " ").rstrip("*"):
                self.fail(tok.pos, "'*' is only allowed at the end of a word")
            return Phrase(inner, tok.pos)
        if tok.kind == "concept":
            name = tok.text[1:]
            if not _CONCEPT_NAME.match(name):
                self.fail(tok.pos, f"bad concept name {tok.text!r}")
            return Concept(name, tok.pos)
        if tok.kind == "lang":
            code = tok.text[5:]
            if not _LANG_CODE.match(code):
                self.fail(tok.pos, f"bad language {tok.text!r}: write lang:xx "
                                   "with an ISO 639-1 code")
            return Lang(code, tok.pos)
        if tok.kind == "end":
            raise QuerySyntaxError(tok.pos, "query ends where a term was expected")
        if tok.kind == "rpar":
            raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: ')' without '('")
        raise QuerySyntaxError(tok.pos, f"{tok.text!r} needs a term before and after it")


def _word(tok: _Tok, fail: Callable[[int, str], None]) -> Term:
    text = tok.text
    if ":" in text:
        name = text.split(":", 1)[0]
        if re.fullmatch(r"[A-Za-z_]+", name):
            fail(tok.pos, f"unknown field {name!r}: use title: or body:")
    prefix = text.endswith("*")
    stem = text.rstrip("*")
    if "*" in stem or not stem:
        fail(tok.pos, "'*' is only allowed at the end of a word")
    elif prefix and len(stem) < 2:
        fail(tok.pos, "a wildcard needs at least 2 letters before '*'")
    return Term(stem or text, prefix, tok.pos)


def _pos(node: Node) -> int:
    return node.pos


def parse(query: str) -> Node:
    """Parse ``query``; raise QuerySyntaxError listing every problem found, with offsets."""
    parser = _Parser(query)
    errors = parser.errors
    try:
        node: Node | None = parser.parse()
    except QuerySyntaxError as exc:
        errors.append((exc.offset, exc.message))
        node = None
    if node is not None:
        deep = too_deep(node)
        if deep is not None:
            errors.append((deep.pos, f"nested more than {MAX_DEPTH} levels deep"))
        elif not can_hit(node):
            errors.append((node.pos, "the query only excludes or filters (NOT, lang:): "
                                     "add at least one term that must occur"))
    if errors:
        ordered = sorted(set(errors))
        raise QuerySyntaxError(*ordered[0], errors=ordered)
    assert node is not None
    return node
