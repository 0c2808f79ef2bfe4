"""Browser tests of the console: Playwright for Python driving Debian's chromium against the
real daemon's HTTP app served by uvicorn on loopback. Under CI=true they never skip."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.browserhelp import (
    ARGS,
    ARTIFACTS,
    CHROMIUM,
    DESKTOP,
    PHONE,
    copy_rules,
    copy_seeds,
    need_browser,
    serve,
    shot,
)
from tests.web.consolehelp import TOKEN, settings_for

pytestmark = pytest.mark.slow  # started first when the tests run in parallel


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    """The daemon's HTTP app (API + console) on a loopback port, over polled seeds."""
    yield from serve(settings_for(tmp_path, rules_dir=copy_rules(tmp_path),
                                  seeds_dir=copy_seeds(tmp_path),
                                  webhook_url="http://127.0.0.1:9/hook"))


def test_console_flows_in_chromium(server: str) -> None:
    sync_playwright = need_browser()
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))

        page.goto(server + "/")
        assert "/login" in page.url
        shot(page, "login")
        page.get_by_label("API token").fill(TOKEN)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_selector("#alerts mark")
        shot(page, "alerts")

        # Triage by key and see the rule's precision change.
        rule = page.locator("#alerts .alert").first.locator(".badge").first.inner_text()
        page.goto(server + "/rules")
        before = page.locator("td.precision").all_inner_texts()
        page.goto(server + "/")
        page.keyboard.press("j")
        with page.expect_response(re.compile(r"/triage$")):
            page.keyboard.press("r")
        page.wait_for_selector(".alert.triaged-relevant")
        page.goto(server + "/rules")
        after = page.locator("td.precision").all_inner_texts()
        assert before != after and "100%" in after, (rule, before, after)
        shot(page, "rules")

        # Edit a rule: a syntax error at its line, fixed, then the backtest.
        page.goto(server + "/rules/edit?id=sanctions")
        page.fill("#yaml", "id: sanctions\nname: Sanctions\nquery: (embargo AND\n")
        page.wait_for_selector("#problems .problem[data-line='3']")
        # Every problem, each at the line and column written; a bare syntax error in a
        # block-scalar query at its own line; the link puts the caret there.
        page.fill("#yaml", "# still off\nid: sanctions\nenabled: false\nseverity: loud\n"
                  "query: >-\n  embargo OR\n  (asset freeze\n")
        page.wait_for_selector("#problems .problem[data-line='7']")
        found = page.locator("#problems .problem").all_inner_texts()
        assert found == ["line 4, column 11: severity must be one of info, low, medium, high, "
                         "critical", "line 7, column 3: unbalanced parenthesis: '(' is never "
                         "closed"], found
        page.locator("#problems .problem a").nth(1).click()
        caret = page.evaluate("[document.activeElement.id, "
                              "document.activeElement.selectionStart]")
        text = page.input_value("#yaml")
        assert caret[0] == "yaml" and text[caret[1]] == "(", (caret, text)
        page.locator("#workbench").scroll_into_view_if_needed()
        shot(page, "workbench")
        page.fill("#yaml", "id: sanctions\nname: Sanctions\nquery: embargo OR sanctions\n")
        page.wait_for_selector("#problems .valid")
        page.get_by_role("button", name="Backtest").click()
        page.wait_for_selector("#backtest")
        page.locator("#backtest").scroll_into_view_if_needed()
        shot(page, "backtest")

        # Pause a source.
        page.goto(server + "/sources")
        page.locator("td.actions button", has_text="pause").first.click()
        page.wait_for_selector(".badge.off")
        shot(page, "sources")

        page.goto(server + "/stories?all=1")
        shot(page, "stories")

        # Replay a dead delivery.
        page.goto(server + "/deliveries")
        page.get_by_role("button", name=re.compile("replay delivery")).first.click()
        page.wait_for_selector("text=queued again")
        shot(page, "deliveries")

        phone = browser.new_page(viewport=PHONE)
        phone.context.add_cookies(page.context.cookies())
        phone.goto(server + "/")
        shot(phone, "alerts-phone")
        browser.close()
    print(f"screenshots in {ARTIFACTS}")
    assert not errors, errors
