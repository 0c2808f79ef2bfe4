"""The cross-language story index (``story_terms``): recent articles by name skeleton or figure.

Data access only: the terms are made, and weighed, by ``monitor.reader.linking``. A lookup
reads each term's newest entries through the ``(term, created_at, ...)`` index, which covers
every column read (no table row is visited), at most ``cap`` of them: a term with more (a
country, a year, a head of state in a busy week) is reported crowded, tells no event apart,
and costs no further reading.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as core_select

from monitor.store.records import PollArticle, StoryCandidates
from monitor.store.storytables import StoryTermRow, StoryVectorRow
from monitor.store.tables import ArticleRow

TERM_CAP = 200  # entries read per term; more: crowded
# Newest vectors read as candidates sharing no term: a burst of retellings arrives within
# minutes of the first report, and a poll reads them once for all its articles (1 KiB each).
RECENT_VECTORS = 200
# Term candidates whose vectors are read: those sharing the most terms (a candidate sharing
# one common-ish name with the article is one of hundreds; its vector costs a read each).
VECTOR_CANDIDATES = 100

_CHUNK = 500  # ids per statement
_TERMS = StoryTermRow.__table__  # type: ignore[attr-defined]
_ARTICLES = ArticleRow.__table__  # type: ignore[attr-defined]
_OWN = core_select(_ARTICLES.c.id).where(_ARTICLES.c.id.in_(bindparam("ids", expanding=True)),
                                         _ARTICLES.c.source_id == bindparam("source"))
_VECTORS = StoryVectorRow.__table__  # type: ignore[attr-defined]
_VECTORS_OF = core_select(_VECTORS.c.article_id, _VECTORS.c.vector).where(
    _VECTORS.c.article_id.in_(bindparam("ids", expanding=True)))
# The newest vectors in the window, newest first, through ``ix_story_vectors_recent``.
_RECENT = (core_select(_VECTORS.c.story_id, _VECTORS.c.article_id, _VECTORS.c.language,
                       _VECTORS.c.terms, _VECTORS.c.figures, _VECTORS.c.dates,
                       _VECTORS.c.vector)
           .where(_VECTORS.c.created_at >= bindparam("since"),
                  _VECTORS.c.story_id.is_not(None))
           .order_by(_VECTORS.c.created_at.desc())
           .limit(bindparam("limit")))
_BY_TERM = (core_select(_TERMS.c.story_id, _TERMS.c.article_id, _TERMS.c.language,
                        _TERMS.c.terms, _TERMS.c.figures, _TERMS.c.dates)
            .where(_TERMS.c.term == bindparam("term"),
                   _TERMS.c.created_at >= bindparam("since"))
            .order_by(_TERMS.c.created_at.desc())
            .limit(bindparam("limit")))
# Whether a term is crowded: its entry past the cap exists. Stepping over the index in the
# database is cheaper than handing every entry to Python to count them.
_PAST_CAP = (core_select(_TERMS.c.article_id)
             .where(_TERMS.c.term == bindparam("term"),
                    _TERMS.c.created_at >= bindparam("since"))
             .order_by(_TERMS.c.created_at.desc())
             .limit(1).offset(bindparam("cap")))


def find_terms(conn: Connection, found: StoryCandidates, items: Sequence[PollArticle],
               since: datetime, cap: int = TERM_CAP, source_id: int | None = None) -> None:
    """Fill ``found.by_term`` and ``found.crowded`` for the terms of these articles and, when
    they have vectors, ``found.recent`` and ``found.vectors`` (the newest articles', and the
    term candidates' sharing the most terms). ``source_id``: the polled source, whose own
    earlier articles are no candidates (a blog names itself and its products in every post,
    a podcast its show: one source's posts are items of their own, not retellings)."""
    for term in sorted({t for i in items for t in i.terms}):
        if conn.execute(_PAST_CAP, {"term": term, "since": since, "cap": cap}).first():
            found.crowded.add(term)
            continue
        rows = conn.execute(_BY_TERM, {"term": term, "since": since, "limit": cap}).all()
        if rows:
            found.by_term[term] = [(int(r[0]), int(r[1]), r[2], int(r[3]), int(r[4]), r[5])
                                   for r in rows]
    newest = (conn.execute(_RECENT, {"since": since, "limit": RECENT_VECTORS}).all()
              if any(i.vector is not None for i in items) else [])
    if source_id is not None:
        own = _own(conn, {hit[1] for hits in found.by_term.values() for hit in hits}
                   | {int(r[1]) for r in newest}, source_id)
        for term in list(found.by_term):
            found.by_term[term] = [hit for hit in found.by_term[term] if hit[1] not in own]
            if not found.by_term[term]:
                del found.by_term[term]
        newest = [r for r in newest if int(r[1]) not in own]
    if newest:
        found.recent.extend((r[0], r[1], r[2], r[3], r[4], r[5]) for r in newest)
        found.vectors.update((r[1], bytes(r[6])) for r in newest)
    if any(i.vector is not None for i in items):
        shared = Counter(hit[1] for hits in found.by_term.values() for hit in hits
                         if hit[1] not in found.vectors)
        ids = [article for article, _n in shared.most_common(VECTOR_CANDIDATES)]
        if ids:
            for article_id, vector in conn.execute(_VECTORS_OF, {"ids": ids}):
                found.vectors[int(article_id)] = bytes(vector)


def _own(conn: Connection, ids: set[int], source_id: int) -> set[int]:
    """Which of these articles the source gave."""
    wanted = sorted(ids)
    return {int(i) for start in range(0, len(wanted), _CHUNK)
            for i in conn.execute(_OWN, {"ids": wanted[start:start + _CHUNK],
                                         "source": source_id}).scalars()}


def counts(terms: Iterable[str]) -> tuple[int, int]:
    """An article's numbers of names and figures together, and of figures other than days:
    what an overlap is measured against (its cited pages apart: a link is evidence of its
    own), and whether its figures can clash (its days are weighed apart, with a margin)."""
    kinds = [t[:3] if t.startswith("f:d") else t[:2] for t in terms]  # a day: f:d
    return kinds.count("n:") + kinds.count("f:") + kinds.count("f:d"), kinds.count("f:")


def term_rows(item: PollArticle, article_id: int, story_id: int,
              now: datetime) -> Iterable[dict[str, object]]:
    """The index rows of one stored article."""
    terms, figures = counts(item.terms)
    return ({"term": term, "article_id": article_id, "story_id": story_id,
             "language": item.article.language, "terms": terms, "figures": figures,
             "dates": " ".join(item.dates), "created_at": now} for term in item.terms)


def vector_row(item: PollArticle, article_id: int, story_id: int,
               now: datetime) -> dict[str, object]:
    """The ``story_vectors`` row of one stored article with a vector."""
    terms, figures = counts(item.terms)
    return {"article_id": article_id, "vector": item.vector, "created_at": now,
            "story_id": story_id, "language": item.article.language, "terms": terms,
            "figures": figures, "dates": " ".join(item.dates)}


def insert_terms(conn: Connection, rows: Sequence[dict[str, object]],
                 vectors: Sequence[dict[str, object]] = ()) -> None:
    if rows:
        conn.execute(_TERMS.insert(), rows)
    if vectors:
        conn.execute(_VECTORS.insert(), vectors)
