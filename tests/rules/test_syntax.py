"""Parser and per-operator semantics of the query language."""

from __future__ import annotations

import pytest

from monitor.models import Article
from monitor.rules.files import make_rule
from monitor.rules.matcher import Matcher
from monitor.rules.syntax import And, Near, Not, Or, Phrase, QuerySyntaxError, Term, parse


@pytest.mark.parametrize(("query", "expected"), [
    ("a", Term("a", False, 0)),
    ("sanksi*", Term("sanksi", True, 0)),
    ('"asset freeze"', Phrase("asset freeze", 0)),
    ("a b", And((Term("a", False, 0), Term("b", False, 2)), 0)),
    ("a AND b", And((Term("a", False, 0), Term("b", False, 6)), 0)),
    ("a OR b c", Or((Term("a", False, 0), And((Term("b", False, 5), Term("c", False, 7)), 5)),
                    0)),
    ("a NOT b", And((Term("a", False, 0), Not(Term("b", False, 6), 2)), 0)),
    ("a NEAR/3 b", Near(Term("a", False, 0), Term("b", False, 9), 3, 0)),
    ("a SENT b", Near(Term("a", False, 0), Term("b", False, 7), None, 0)),
    ("(a OR b) c", And((Or((Term("a", False, 1), Term("b", False, 6)), 1),
                        Term("c", False, 9)), 1)),
])
def test_parse_shapes(query: str, expected: object) -> None:
    assert parse(query) == expected


@pytest.mark.parametrize(("query", "offset", "message"), [
    ("(a OR b", 0, "unbalanced parenthesis"),
    ("a OR b)", 6, "unbalanced parenthesis"),
    ("a OR", 4, "query ends"),
    ("a NEAR/x b", 2, "bad proximity"),
    ("a NEAR/2 NOT b", 9, "NOT cannot be inside"),
    ('a "unterminated', 2, "unterminated phrase"),
    ("a sub:b", 2, "unknown field 'sub'"),
    ("NOT a", 0, "only excludes"),
    ("lang:english a", 0, "bad language"),
    ("a * b", 2, "'*' is only allowed"),
    ("a OR ()", 6, "empty parentheses"),
    ("", 0, "empty query"),
    ("a OR @Bad", 5, "bad concept name"),
])
def test_syntax_errors_point_at_the_token(query: str, offset: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert info.value.offset == offset
    assert message in info.value.message


TEXT = Article(
    title="Embassy closed after protest",
    body=("The embassy in Jakarta was closed on Monday. Officials said protesters attacked "
          "the building. Talks on sanctions relief resume next week. Asset freezes remain."),
    language="en",
)


@pytest.mark.parametrize(("query", "matches"), [
    ("embassy", True),
    ("embassies", True),  # stems compare equal
    ("consulate", False),
    ("embassy jakarta", True),
    ("embassy consulate", False),
    ("consulate OR jakarta", True),
    ("embassy NOT consulate", True),
    ("embassy NOT jakarta", False),
    ('"asset freezes"', True),
    ('"asset freeze"', False),  # phrases are exact words
    ('"asset freez*"', True),
    ('"freezes asset"', False),
    ("protest*", True),
    ("protesta*", False),
    ("embassy NEAR/3 jakarta", True),
    ("embassy NEAR/1 closed", True),
    ("jakarta NEAR/2 attacked", False),
    ("protesters SENT building", True),
    ("jakarta SENT attacked", False),
    ("title:closed", True),
    ("title:jakarta", False),
    ("body:jakarta", True),
    ("title:(embassy protest)", True),
    ("embassy lang:en", True),
    ("embassy lang:fr", False),
    ("(embassy OR consulate) (talks OR negotiations) NOT (hotel OR suites)", True),
])
def test_operator_semantics(query: str, matches: bool) -> None:
    matcher = Matcher((make_rule("r", query),), "v")
    assert bool(matcher.match(TEXT)) is matches


def test_near_does_not_cross_fields() -> None:
    matcher = Matcher((make_rule("r", "protest NEAR/5 embassy"),), "v")
    article = Article(title="A protest", body="embassy staff", language="en")
    assert matcher.match(article) == []


def test_phrases_do_not_cross_fields() -> None:
    matcher = Matcher((make_rule("r", '"protest embassy"'),), "v")
    assert matcher.match(Article(title="A protest", body="embassy", language="en")) == []
