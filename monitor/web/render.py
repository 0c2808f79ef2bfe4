"""Rendering for the console: the Jinja2 environment (autoescaped), evidence highlighting, the
backtest chart as inline SVG, and the page response every handler returns."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

HERE = Path(__file__).parent
NAV = (("/", "Alerts"), ("/rules", "Rules"), ("/sources", "Sources"), ("/stories", "Stories"),
       ("/deliveries", "Deliveries"))
# Evidence of these concepts says who or where; the terms of the topic itself come first
# (for alerts stored before the matcher gave each evidence item its role).
CONTEXT_CONCEPTS = ("actor", "place", "countr", "capital", "bloc", "state")


def when(value: datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def topic_first(evidence: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    def context(e: Mapping[str, Any]) -> bool:
        if "role" in e:  # the matcher says it (alerts stored before it did: by concept name)
            return bool(e["role"] == "context")
        concept = str(e.get("concept") or "").lower()
        return any(word in concept for word in CONTEXT_CONCEPTS)

    return sorted(evidence, key=context)  # stable: the matcher's order within each group


def highlight(snippet: str, terms: Sequence[str]) -> Markup:
    """``snippet`` escaped, with every occurrence of ``terms`` wrapped in ``<mark>``."""
    words = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return escape(snippet)
    # Whole words only: "as" must not light up inside "indikasi".
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words),
                         re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(snippet):
        out.append(str(escape(snippet[last:m.start()])))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(str(escape(snippet[last:])))
    return Markup("".join(out))


def evidence_lines(evidence: Sequence[Mapping[str, Any]], limit: int = 4) -> list[Markup]:
    """One highlighted snippet per distinct snippet, topic terms first; every term of the
    evidence is marked in every line, so a line shows the topic and its context together."""
    ordered = topic_first(evidence)
    terms = [str(e.get("text") or e.get("term") or "") for e in ordered]
    seen: list[str] = []
    for e in ordered:
        snippet = str(e.get("snippet") or e.get("text") or "")
        if snippet and snippet not in seen:
            seen.append(snippet)
    return [highlight(s, terms) for s in seen[:limit]]


def svg_chart(per_day: Sequence[Mapping[str, Any]], width: int = 640, height: int = 160
              ) -> Markup:
    """Counts per day as bars, with the day and count in each bar's title (for screen readers
    too: the figure has a text summary beside it)."""
    if not per_day:
        return Markup("")
    top = max(int(d["alerts"]) for d in per_day) or 1
    step = width / max(len(per_day), 14)  # a day or two must not fill the chart with one bar
    bars = []
    for i, d in enumerate(per_day):
        h = (height - 20) * int(d["alerts"]) / top
        bars.append(f'<rect x="{i * step + 1:.1f}" y="{height - 16 - h:.1f}" '
                    f'width="{max(step - 2, 1):.1f}" height="{h:.1f}" class="bar">'
                    f'<title>{escape(d["day"])}: {int(d["alerts"])}</title></rect>')
    first, last = escape(per_day[0]["day"]), escape(per_day[-1]["day"])
    end = (f'<text x="{max(len(per_day) * step, width / 3):.1f}" y="{height - 2}" '
           f'text-anchor="end">{last}</text>') if len(per_day) > 1 else ""
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="alerts per day from {first} to {last}, at most {top} a day">'
        f'{"".join(bars)}<text x="0" y="{height - 2}">{first}</text>{end}</svg>')


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = when
    # A rule's file by its name in the rules directory: the server's paths are not the
    # reader's business (and the workbench names it the same way).
    env.filters["filename"] = lambda path: Path(str(path)).name
    env.globals.update(nav=NAV, evidence_lines=evidence_lines, svg_chart=svg_chart)
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)  # compiled now, at start, rather than in someone's first request
    return env


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.jinja
    sid = request.scope.get("state", {}).get("sid")
    csrf = request.app.state.sessions.csrf(sid) if sid else ""
    html = env.get_template(template).render(
        request=request, csrf=csrf, path=request.url.path,
        login_needed=request.app.state.sessions.token is not None, **context)
    return HTMLResponse(html, status_code=status)
