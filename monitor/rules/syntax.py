"""The rule query language: tokenizer and parser from query text to a positioned AST.

Grammar (operators are upper case; lower-case ``and``/``or``/``not`` are ordinary words)::

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          juxtaposition means AND
    near    := unary (("NEAR/n" | "SENT") unary)*
    unary   := "NOT" unary | ("title:" | "body:") unary | primary
    primary := "(" or ")" | WORD | WORD* | "a phrase" | @concept | lang:xx

Every node keeps the offset of its first character in the query text, so errors point at the
offending token. The node types are in monitor.rules.query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.rules.query import (
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
)

# The tree's types are monitor.rules.query's; the rest of monitor imports them from here too.
__all__ = ["And", "Concept", "Field", "Lang", "Near", "Node", "Not", "Or", "Phrase",
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


def _lex(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup or "word"
        if kind == "ws":
            continue
        text = m.group()
        if kind == "phrase" and (len(text) < 2 or not text.endswith('"')):
            raise QuerySyntaxError(m.start(), "unterminated phrase: missing closing '\"'")
        if kind == "word" and text in _OPERATORS:
            kind = text.lower()
        out.append(_Tok(kind, text, m.start()))
    out.append(_Tok("end", "", len(query)))
    return out


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _lex(query)
        self.i = 0

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
        while self.peek().kind in ("near", "sent"):
            op = self.take()
            distance: int | None = None
            if op.kind == "near":
                m = re.fullmatch(r"NEAR/(\d+)", op.text)
                if not m or not 0 < int(m.group(1)) <= 1000:
                    raise QuerySyntaxError(op.pos, f"bad proximity {op.text!r}: write NEAR/n, "
                                                   "n between 1 and 1000")
                distance = int(m.group(1))
            right = self.unary()
            for side in (left, right):
                if has_not(side):
                    raise QuerySyntaxError(_pos(side), f"NOT cannot be inside {op.text}")
            left = Near(left, right, distance, _pos(left))
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "not":
            self.take()
            return Not(self.unary(), tok.pos)
        if tok.kind == "scope":
            self.take()
            return Field(tok.text[:-1], self.unary(), tok.pos)
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "lpar":
            if self.peek().kind == "rpar":
                raise QuerySyntaxError(self.peek().pos, "empty parentheses")
            node = self.or_()
            close = self.peek()
            if close.kind != "rpar":
                raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: '(' is never closed")
            self.take()
            return node
        if tok.kind == "word":
            return _word(tok)
        if tok.kind == "phrase":
            inner = tok.text[1:-1]
            if not inner.strip():
                raise QuerySyntaxError(tok.pos, "empty phrase")
            if "*" in inner.replace("* ", " ").rstrip("*"):
                raise QuerySyntaxError(tok.pos, "'*' is only allowed at the end of a word")
            return Phrase(inner, tok.pos)
        if tok.kind == "concept":
            name = tok.text[1:]
            if not _CONCEPT_NAME.match(name):
                raise QuerySyntaxError(tok.pos, f"bad concept name {tok.text!r}")
            return Concept(name, tok.pos)
        if tok.kind == "lang":
            code = tok.text[5:]
            if not _LANG_CODE.match(code):
                raise QuerySyntaxError(tok.pos, f"bad language {tok.text!r}: write lang:xx "
                                                "with an ISO 639-1 code")
            return Lang(code, tok.pos)
        if tok.kind == "end":
            raise QuerySyntaxError(tok.pos, "query ends where a term was expected")
        if tok.kind == "rpar":
            raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: ')' without '('")
        raise QuerySyntaxError(tok.pos, f"{tok.text!r} needs a term before and after it")


def _word(tok: _Tok) -> Term:
    text = tok.text
    if ":" in text:
        name = text.split(":", 1)[0]
        if re.fullmatch(r"[A-Za-z_]+", name):
            raise QuerySyntaxError(tok.pos, f"unknown field {name!r}: use title: or body:")
    prefix = text.endswith("*")
    stem = text.rstrip("*")
    if "*" in stem or not stem:
        raise QuerySyntaxError(tok.pos, "'*' is only allowed at the end of a word")
    if prefix and len(stem) < 2:
        raise QuerySyntaxError(tok.pos, "a wildcard needs at least 2 letters before '*'")
    return Term(stem, prefix, tok.pos)


def _pos(node: Node) -> int:
    return node.pos


def parse(query: str) -> Node:
    """Parse ``query``; raise QuerySyntaxError at the first problem, with its offset."""
    node = _Parser(query).parse()
    if not can_hit(node):
        raise QuerySyntaxError(node.pos, "the query only excludes or filters (NOT, lang:): "
                                         "add at least one term that must occur")
    return node
