"""The console in chromium as a keyboard-only user and on a phone-sized screen: a skip link,
a visible focus on every stop, labelled controls, text contrast of at least 4.5:1 (marked
evidence too), no sideways scrolling; and every page's empty state on a new database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browserhelp import (
    DESKTOP,
    FOCUSED,
    LOW_CONTRAST,
    PHONE,
    UNLABELLED,
    copy_rules,
    copy_seeds,
    serve,
    shot,
)
from tests.web.consolehelp import TOKEN, settings_for

pytestmark = pytest.mark.slow  # started first when the tests run in parallel

PAGES = ["/", "/rules", "/rules/edit?id=sanctions", "/sources", "/stories?all=1",
         "/deliveries"]


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    yield from serve(settings_for(tmp_path, rules_dir=copy_rules(tmp_path),
                                  seeds_dir=copy_seeds(tmp_path),
                                  webhook_url="http://127.0.0.1:9/hook"))


@pytest.fixture()
def empty_server(tmp_path: Path) -> Iterator[str]:
    """A new database without seeds (no source, article, alert or story) and no rule."""
    (tmp_path / "norules").mkdir()
    yield from serve(settings_for(tmp_path, seeds_dir=tmp_path / "none",
                                  rules_dir=tmp_path / "norules"), polled=False)


def _log_in(page: Any, server: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("API token").fill(TOKEN)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")


def _problems_of(page: Any, phone: bool) -> list[str]:
    found = [f"low contrast: {x}" for x in page.evaluate(LOW_CONTRAST)]
    found += [f"no accessible name: {x}" for x in page.evaluate(UNLABELLED)]
    if phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            found.append(f"scrolls sideways: {width}px wide")
    return found


def test_pages_are_readable_labelled_and_fit_a_phone(chromium: Any, server: str) -> None:
    problems: list[str] = []
    for viewport in (DESKTOP, PHONE):
        page = chromium.new_page(viewport=viewport)
        page.goto(server + "/login")
        problems += [f"/login {viewport['width']}px: {x}"
                     for x in _problems_of(page, viewport is PHONE)]
        _log_in(page, server)
        page.locator("#alerts .alert").first.locator("button", has_text="False alarm")\
            .click()  # a triaged alert is drawn fainter: its text must stay readable
        page.wait_for_selector(".alert.triaged-false_alarm")
        assert page.locator("#alerts mark").count() > 0
        for path in PAGES:
            page.goto(server + path)
            problems += [f"{path} {viewport['width']}px: {x}"
                         for x in _problems_of(page, viewport is PHONE)]
        if viewport is PHONE:
            for path, name in (("/sources", "sources-phone"),
                               ("/rules/edit?id=sanctions", "workbench-phone")):
                page.goto(server + path)
                shot(page, name)
        page.close()
    assert not problems, "\n".join(problems)


def test_keyboard_only_skip_link_and_a_visible_focus_on_every_stop(chromium: Any,
                                                                    server: str) -> None:
    problems: list[str] = []
    page = chromium.new_page(viewport=DESKTOP)
    _log_in(page, server)
    for path in PAGES:
        page.goto(server + path)
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUSED)
        assert first and first["cls"] == "skip" and first["onscreen"] and first["ring"], \
            (path, first)
        page.keyboard.press("Enter")  # the skip link: the next stop is in the content
        page.keyboard.press("Tab")
        landed = page.evaluate(FOCUSED)
        assert landed and landed["inMain"], (path, landed)
        for _ in range(25):
            now = page.evaluate(FOCUSED)
            if now is None:
                break
            if not now["ring"]:
                problems.append(f"{path}: no visible focus on {now}")
            page.keyboard.press("Tab")
    # The inbox by keys alone: j selects the first alert, r marks it relevant.
    page.goto(server + "/")
    page.keyboard.press("j")
    current = page.evaluate(FOCUSED)
    assert current and "current" in current["cls"] and current["ring"], current
    page.keyboard.press("r")
    page.wait_for_selector(".alert.current.triaged-relevant")
    # f and m on the next one: a false alarm, then its story muted (every alert of it).
    page.keyboard.press("j")
    second = page.locator(".alert.current").get_attribute("data-id")
    page.keyboard.press("f")
    page.wait_for_selector(f"#alert-{second}.triaged-false_alarm")
    page.keyboard.press("m")
    page.wait_for_selector(f"#alert-{second}.triaged-muted")
    page.reload()  # stored, not only drawn
    assert "triaged-muted" in (page.locator(f"#alert-{second}").get_attribute("class") or "")
    assert page.locator(f"#alert-{second} .state").inner_text() == "Muted story"
    page.close()
    assert not problems, "\n".join(problems)


def test_every_page_has_a_clear_empty_state_on_a_new_database(chromium: Any,
                                                               empty_server: str) -> None:
    expected = {"/": "No alerts yet", "/rules": "No rules", "/sources": "No sources yet",
                "/stories": "No stories yet", "/deliveries": "No delivery target",
                "/rules/edit": "Rule workbench"}
    errors: list[str] = []
    page = chromium.new_page(viewport=DESKTOP)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(page, empty_server)
    for path, text in expected.items():
        page.goto(empty_server + path)
        assert text in page.locator("main").inner_text(), path
        assert not page.evaluate(LOW_CONTRAST), path
    page.goto(empty_server + "/")
    shot(page, "alerts-empty")
    page.close()
    assert not errors, errors


def test_without_javascript_every_page_reads_and_the_forms_still_work(chromium: Any,
                                                                      server: str) -> None:
    page = chromium.new_page(viewport=DESKTOP, java_script_enabled=False)
    assert page.evaluate("1") == 1  # (evaluate is Playwright's own: it runs without JS too)
    _log_in(page, server)
    assert page.locator("#alerts .alert").count() >= 3
    assert page.locator("#alerts .evidence mark").count() > 0
    for path, heading in (("/rules", "Rules"), ("/rules/edit?id=sanctions", "Rule workbench"),
                          ("/sources", "Sources"), ("/stories?all=1", "Stories"),
                          ("/deliveries", "Deliveries")):
        page.goto(server + path)
        assert page.locator("h1").inner_text().startswith(heading), path
        assert page.locator("main").inner_text().strip()
    # A verdict by the plain form: the server redirects back to the alert, marked.
    page.goto(server + "/")
    first = page.locator("#alerts .alert").first
    alert_id = first.get_attribute("data-id")
    first.get_by_role("button", name="Relevant").click()
    page.wait_for_url(f"**/#alert-{alert_id}")
    assert "triaged-relevant" in (page.locator(f"#alert-{alert_id}").get_attribute("class")
                                  or "")
    page.goto(server + "/rules")
    assert "100%" in page.locator("td.precision").all_inner_texts()
    # The workbench's buttons post the form: the check lists the problem at its line.
    page.goto(server + "/rules/edit?id=sanctions")
    page.fill("#yaml", "id: sanctions\nname: Sanctions\nquery: (embargo AND\n")
    page.get_by_role("button", name="Check").click()
    assert page.locator("#problems .problem[data-line='3']").count() == 1
    page.close()
