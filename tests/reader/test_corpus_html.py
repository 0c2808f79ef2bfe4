"""Article pages from extraction libraries' test suites through PageSource + extract.

Checked against the expected outputs shipped with them: trafilatura's must-contain and
must-not-contain snippets, and the full expected texts of readability, newspaper4k and goose3
(word overlap). The agreement reached is printed (``pytest -s``) and held as a floor.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections import Counter
from pathlib import Path

import httpx

from monitor.models import Article
from monitor.reader.article import extract, html_to_text
from monitor.reader.fetcher import Fetcher, Validators
from monitor.reader.parsers.page import PageSource
from monitor.reader.urlpolicy import URLPolicy
from monitor.rules.analysis import normalise
from tests.conftest import CORPUS, needs_corpus

HTML = CORPUS / "html"
pytestmark = needs_corpus(HTML)


def _articles(paths: list[Path]) -> dict[Path, Article | None]:
    """Each page served over a mock transport and polled as a page source."""
    by_url = {f"/p{n}": p for n, p in enumerate(paths)}

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=by_url[request.url.path].read_bytes(),
                              headers={"content-type": "text/html"})

    async def go() -> dict[Path, Article | None]:
        out: dict[Path, Article | None] = {}
        async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as client:
            fetcher = Fetcher(client, policy=URLPolicy.from_setting("*"))
            for url, path in by_url.items():
                result = await PageSource(f"http://pages.test{url}", fetcher).poll(Validators())
                out[path] = extract(result.items[0]) if result.items else None
        return out

    return asyncio.run(go())


def _words(text: str) -> Counter[str]:
    words: list[str] = []
    for w in re.findall(r"\w+", normalise(text)):
        # Scripts written without spaces (zh, ja, th, my) compare by character.
        words.extend(list(w) if len(w) > 15 else [w])
    return Counter(words)


def _overlap(got: str, want: str) -> tuple[float, float]:
    """(recall, precision) of the expected words in the extracted text."""
    g, w = _words(got), _words(want)
    common = sum((g & w).values())
    return common / max(1, sum(w.values())), common / max(1, sum(g.values()))


def _text(a: Article | None) -> str:
    return f"{a.title}\n{a.body}" if a else ""


def test_trafilatura_snippets() -> None:
    cases = json.loads((HTML / "trafilatura" / "evaldata_subset.json").read_text("utf-8"))
    paths = [HTML / "trafilatura" / c["_path_in_repo"] for c in cases.values()]
    got = _articles(paths)
    found = total_with = absent = total_without = 0
    for case, path in zip(cases.values(), paths, strict=True):
        text = " ".join(_text(got[path]).split())
        for snippet in case["with"]:
            total_with += 1
            found += " ".join(snippet.split()) in text
        for snippet in case["without"]:
            total_without += 1
            absent += " ".join(snippet.split()) not in text
    print(f"\ntrafilatura: must-contain {found}/{total_with} "
          f"({100 * found / total_with:.0f}%), must-not-contain absent {absent}/{total_without} "
          f"({100 * absent / total_without:.0f}%)")
    assert found / total_with >= 0.85
    assert absent / total_without >= 0.85


def _expected_pairs() -> list[tuple[str, Path, str]]:
    pairs = []
    for page in sorted((HTML / "readability" / "test" / "test-pages").iterdir()):
        expected = html_to_text(html.unescape((page / "expected.html").read_text("utf-8")))[1]
        pairs.append(("readability", page / "source.html", expected))
    news = HTML / "newspaper4k" / "tests" / "data"
    for txt in sorted((news / "txt").glob("*.txt")):
        pairs.append(("newspaper4k", news / "html" / f"{txt.stem}.html",
                      txt.read_text("utf-8")))
    goose = HTML / "goose3" / "tests" / "data" / "content"
    for js in sorted(goose.glob("*.json")):
        data = json.loads(js.read_text("utf-8"))
        want = data.get("expected", data).get("cleaned_text", "")
        pairs.append(("goose3", js.with_suffix(".html"), want))
    return pairs


def test_expected_texts_of_readability_newspaper4k_goose3() -> None:
    pairs = _expected_pairs()
    got = _articles([p for _k, p, _w in pairs])
    scores: dict[str, list[tuple[float, float]]] = {}
    for kind, path, want in pairs:
        scores.setdefault(kind, []).append(_overlap(_text(got[path]), want))
    recalls = []
    for kind, vals in scores.items():
        r = sum(v[0] for v in vals) / len(vals)
        p = sum(v[1] for v in vals) / len(vals)
        recalls.extend(v[0] for v in vals)
        print(f"{kind}: {len(vals)} pages, word recall {100 * r:.0f}%, precision {100 * p:.0f}%")
    assert len(recalls) >= 23
    assert sum(recalls) / len(recalls) >= 0.75
    assert all(a is not None for a in got.values()), "a page gave no article at all"
