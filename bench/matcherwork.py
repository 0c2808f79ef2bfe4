"""The matcher benchmark's synthetic workload: a Zipf vocabulary, ~800-word articles drawn from
it, rule sets of the usual query shapes, and the naive regex baseline they are compared with.

A selective rule set draws its words from the rare tail of the vocabulary, the way topic rules
name specific words ("embassy"): an article reaches few rules. A broad one also names, with a
small probability per term, words from the head ("Russia", "talks", "government"): an article
then reaches and matches many rules, as real rule sets do.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from itertools import accumulate

from monitor.models import Article
from monitor.rules.files import Rule
from monitor.rules.syntax import And, Near, Node, Not, Or, Phrase, Term

SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"] + ["an", "er", "is", "on"]
TAIL = 5000  # words past this rank are each in ~0.01-1 % of articles
HEAD = (30, 1000)  # the frequent words a broad rule set names: in most articles


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4)))))
    return sorted(words, key=lambda w: (len(w), w))  # short words are the common ones


class Corpus:
    """Zipf-distributed text over ``vocab``."""

    def __init__(self, rng: random.Random, vocab: list[str]) -> None:
        self.rng, self.vocab = rng, vocab
        self.cum = list(accumulate(1.0 / (rank + 1) ** 1.07 for rank in range(len(vocab))))

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=n)

    def article(self, n: int = 800) -> Article:
        out: list[str] = []
        for i, w in enumerate(self.words(n)):
            out.append(w.capitalize() if i % 16 == 0 else w)
            if i % 16 == 15:
                out[-1] += "."
        return Article(" ".join(self.words(10)).capitalize(), " ".join(out), language="en")


def make_rules(rng: random.Random, vocab: list[str], n: int,
               frequent: float = 0.0) -> tuple[Rule, ...]:
    """``n`` rules; each term is a frequent word with probability ``frequent``."""
    tail, head = vocab[TAIL:], vocab[HEAD[0]:HEAD[1]]

    def w() -> str:
        return rng.choice(head if rng.random() < frequent else tail)

    def wild() -> str:
        word = rng.choice(tail)
        return word[: max(5, len(word) - 1)] + "*"

    shapes: list[Callable[[], str]] = [
        lambda: f"{w()} OR {w()} OR {w()}",
        lambda: f"{w()} {w()}",
        lambda: f"({w()} OR {w()}) AND ({w()} OR {w()})",
        lambda: f'"{w()} {w()}" OR {w()}',
        lambda: f"{wild()} OR {w()}",
        lambda: f"{w()} NEAR/5 ({w()} OR {wild()})",
        lambda: f"({w()} OR {w()}) NOT {w()}",
        lambda: f'title:{w()} OR "{w()} {w()} {w()}"',
    ]
    return tuple(Rule(id=f"r{i}", name=f"r{i}", query=rng.choice(shapes)()) for i in range(n))


# ---- naive baseline: one regex per term, one rule at a time ----

Pred = Callable[[str, str], bool]


def _regex(node: Term | Phrase) -> re.Pattern[str]:
    if isinstance(node, Phrase):
        body = r"\s+".join(re.escape(p.rstrip("*")) + (r"\w*" if p.endswith("*") else "")
                           for p in node.text.split())
    else:
        body = re.escape(node.text) + (r"\w*" if node.prefix else "")
    return re.compile(rf"\b{body}\b", re.IGNORECASE)


def naive(node: Node) -> Pred:
    if isinstance(node, Term | Phrase):
        rx = _regex(node)
        return lambda title, body: rx.search(title) is not None or rx.search(body) is not None
    if isinstance(node, And):
        kids = [naive(c) for c in node.children]
        return lambda t, b: all(k(t, b) for k in kids)
    if isinstance(node, Or):
        kids = [naive(c) for c in node.children]
        return lambda t, b: any(k(t, b) for k in kids)
    if isinstance(node, Not):
        kid = naive(node.child)
        return lambda t, b: not kid(t, b)
    if isinstance(node, Near):
        left, right = _leaves(node.left), _leaves(node.right)
        reach = 8 * (node.distance or 30)

        def near(t: str, b: str) -> bool:
            a = [m.start() for rx in left for m in rx.finditer(b)]
            c = [m.start() for rx in right for m in rx.finditer(b)]
            return any(abs(x - y) <= reach for x in a for y in c)
        return near
    if hasattr(node, "child"):  # title:/body: scopes: the baseline looks at the whole article
        return naive(node.child)
    return lambda t, b: True


def _leaves(node: Node) -> list[re.Pattern[str]]:
    if isinstance(node, Term | Phrase):
        return [_regex(node)]
    kids = getattr(node, "children", None) or [getattr(node, "child", None),
                                               getattr(node, "left", None),
                                               getattr(node, "right", None)]
    return [rx for k in kids if k is not None for rx in _leaves(k)]
