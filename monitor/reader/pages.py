"""The article pages behind new news-sitemap entries: fetched once, their main text extracted.

A news sitemap names an article (URL, title, date, keywords) but holds none of its text, so a
rule could only ever match the title. The page of an entry is read when the entry is new (after
deduplication: a known entry is never fetched again), newest first and a bounded number per
poll, through the shared fetcher (URL policy, size limits, per-host politeness). An entry whose
page cannot be read keeps what the sitemap said, and the reason is reported: nothing is lost.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from monitor.errors import SourceError
from monitor.models import Article, RawItem
from monitor.reader.article import extract, extract_page
from monitor.reader.fetcher import Fetcher

_OLDEST = datetime.min.replace(tzinfo=UTC)


async def read_pages(fetcher: Fetcher, entries: list[tuple[RawItem, Article]], limit: int
                     ) -> tuple[list[Article], list[str]]:
    """The articles of new ``entries`` (each as the sitemap gave it and as cleaned), in order,
    the ``limit`` newest with the text of their pages; one problem line per page not read."""
    articles = [a for _item, a in entries]
    wanted = sorted((i for i, a in enumerate(articles) if a.url),
                    key=lambda i: articles[i].published or _OLDEST, reverse=True)[:limit]
    out = list(articles)
    problems: list[str] = []
    results = await asyncio.gather(*(_read(fetcher, *entries[i]) for i in wanted))
    for i, (article, problem) in zip(wanted, results, strict=True):
        out[i] = article
        if problem:
            problems.append(problem)
    if len(articles) > len(wanted):
        left = sum(1 for a in articles if a.url) - len(wanted)
        if left > 0:
            problems.append(f"{left} older new entries kept the sitemap's title only "
                            f"(at most {limit} pages are read per poll)")
    return out, problems


async def _read(fetcher: Fetcher, item: RawItem, article: Article
                ) -> tuple[Article, str | None]:
    assert article.url is not None
    try:
        result = await fetcher.get(article.url)
        if result.outcome != "ok":
            return article, f"{article.url}: page not read ({result.outcome})"
        # Extraction is CPU work on a large tree: keep it off the event loop.
        page = await asyncio.to_thread(extract_page, result.content, result.url)
    except SourceError as exc:
        return article, f"{article.url}: page not read: {exc}"
    if page is None or not page.content:
        return article, f"{article.url}: no article text in the page"
    return _merge(item, article, page), None


def _merge(item: RawItem, entry: Article, page: RawItem) -> Article:
    """The entry with the page's text: what the sitemap declared (identity, title, date,
    language) wins; the page fills in the rest."""
    merged = replace(item, title=item.title or page.title, content=page.content,
                     content_type="text/plain", published=item.published or page.published,
                     author=item.author or page.author, language=item.language or page.language)
    article = extract(merged, source_id=entry.source_id, labels=entry.source_labels)
    return replace(article, published=entry.published)  # the time we first saw an undated one
