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
    left = max(0, start - width)
    right = min(len(text), end + width)
    pre = ("…" if left else "") + text[left:start]
    post = text[end:right] + ("…" if right < len(text) else "")
    out = f"{pre}«{text[start:end]}»{post}"
    # Every whitespace character but the space is unprintable, so a printable excerpt without
    # a double space or one at either end is already what split and join would make of it:
    # most are, in running text, and splitting one into its ~20 words is most of the cost.
    if out.isprintable() and "  " not in out and out[0] != " " and out[-1] != " ":
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
    made, cited, quotes = doc.cited.get, doc.cited, doc.quotes
    out = []
    for start, end, leaf in hits:
        key = (start, end, id(leaf))
        evidence = made(key)
        if evidence is None:
            got = quotes.get((start, end))
            if got is None:
                got = quotes[(start, end)] = _quote(doc, start, end)
            evidence = cited[key] = Evidence(
                leaf.label, got[0], got[1], got[2], got[3], got[4], leaf.concept, leaf.weight,
                "context" if leaf.context else "topic")
        out.append(evidence)
    return tuple(out)


def _quote(doc: Document, start: int, end: int) -> Quote:
    field, text = ("title", doc.title) if start < doc.body_start else ("body", doc.body)
    a, b = doc.char_span(start)
    if end - start > 1:
        b = doc.char_span(end - 1)[1]
    return field, a, b, text[a:b], snippet(text, a, b)
