"""The evidence of a match: which hits are reported, in what order (topic before context),
and where each one is in the article's text, with its snippet.

A term's role comes from the query's shape: the right side of ``NEAR/n`` or ``SENT`` says who
or where (context), everything else says what (topic). See docs/rules.md, "Evidence".
"""

from __future__ import annotations

from monitor.models import Evidence
from monitor.rules.document import Document, Hit, Quote


def snippet(text: str, start: int, end: int, width: int = 60) -> str:
    """The hit in its context, marked with « », trimmed to about ``width`` chars each side."""
    size = len(text)
    left = start - width if start > width else 0
    right = end + width if end + width < size else size
    # The marks and the ellipses only add characters that are not whitespace, so the excerpt
    # has no whitespace to collapse when the plain text around the hit has none: every
    # whitespace character but the space is unprintable, so printable text without a double
    # space, or one at an end the excerpt keeps, is left as it is. Most text is, and the
    # plain slice (one byte a character, as most news) is cheaper to check than the excerpt.
    plain = text[left:right]
    out = (f"{'…' if left else ''}{text[left:start]}«{text[start:end]}»{text[end:right]}"
           f"{'…' if right < size else ''}")
    if (plain.isprintable() and "  " not in plain and (left or plain[:1] != " ")
            and (right < size or plain[-1:] != " ")):
        return out
    return " ".join(out.split())


def stretches(hits: list[Hit]) -> list[Hit]:
    """The hits to report: longest first at each start, none inside an earlier one."""
    if len(hits) < 2:
        return hits
    out: list[Hit] = []
    reach = -1
    # A hit inside an earlier one ("kedutaan" inside "kedutaan besar") adds nothing, so each
    # stretch of text is reported once.
    for hit in sorted(hits, key=lambda h: (h[0], -h[1])):
        if hit[1] > reach:
            reach = hit[1]
            out.append(hit)
    return out


def one_term_in_order(hits: list[Hit]) -> bool:
    """Whether ``hits`` are one leaf's, each starting and ending after the one before: then
    ``stretches`` and ``ordered`` leave them as they are (the usual several hits of a rule:
    one word, several times). ``hits`` is not empty."""
    leaf = hits[0][2]
    last_start = last_end = -1
    for start, end, other in hits:
        if other is not leaf or start <= last_start or end <= last_end:
            return False
        last_start, last_end = start, end
    return True


def ordered(hits: list[Hit]) -> list[Hit]:
    """The first hit of each term, topic before context, then the repeats, each group in text
    order: the first lines of an alert say what happened, then who was there, and not the same
    word three times."""
    if len(hits) < 2:
        return hits
    seen: set[tuple[str, str | None]] = set()
    keys = []
    for _s, _e, leaf in hits:
        term = (leaf.label, leaf.concept)
        keys.append((term in seen, leaf.context))
        seen.add(term)
    order = sorted(range(len(hits)), key=keys.__getitem__)
    return [hits[i] for i in order]


def build_evidence(doc: Document, hits: list[Hit]) -> tuple[Evidence, ...]:
    """Evidence of ``hits``, in their order. Only matches get here, and each hit of a leaf is
    made into evidence once per article, however many rules cite it (leaves are shared:
    monitor.rules.compiler), each stretch of text located and quoted once."""
    cited, quotes = doc.cited, doc.quotes
    out = []
    for start, end, leaf in hits:
        key = (start, end, id(leaf))
        evidence = cited.get(key)
        if evidence is None:
            span = (start, end)
            got = quotes.get(span)
            if got is None:
                got = quotes[span] = _quote(doc, start, end)
            evidence = cited[key] = evidence_of(
                leaf.label, *got, leaf.concept, leaf.weight,
                "context" if leaf.context else "topic")
        out.append(evidence)
    return tuple(out)


def evidence_of(term: str, field: str, start: int, end: int, text: str, snippet: str,
                concept: str | None, weight: float, role: str) -> Evidence:
    """``Evidence(...)``, made at a third of the cost: a frozen dataclass's ``__init__`` sets
    its fields one ``object.__setattr__`` call at a time, and a broad rule set makes a hundred
    of these per article. The same object (tests compare the two ways field by field)."""
    made: Evidence = object.__new__(Evidence)
    # object's own __setattr__: the frozen dataclass's refuses, as it should to anyone else.
    object.__setattr__(made, "__dict__", {
        "term": term, "field": field, "start": start, "end": end, "text": text,
        "snippet": snippet, "concept": concept, "weight": weight, "role": role})
    return made


def _quote(doc: Document, start: int, end: int) -> Quote:
    field, text = ("title", doc.title) if start < doc.body_start else ("body", doc.body)
    a, b = doc.char_range(start, end)
    return field, a, b, text[a:b], snippet(text, a, b)
