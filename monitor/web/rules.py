"""The rule workbench: rules with their triage precision, a YAML editor checked as you type,
test on a text or URL, a backtest with a chart, and saving into the rules directory.

A candidate rule is checked and tested in the API's evaluator (monitor.sandbox), with its
deadline, memory cap and concurrency bound: the YAML and the text are anyone's input, and the
same few KB that stalled ``rules/test`` would stall the console's worker threads."""

from __future__ import annotations

import asyncio
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.app import App, make_fetcher
from monitor.errors import ConfigError, SourceError
from monitor.evaluations import workbench_check, workbench_test
from monitor.models import RawItem
from monitor.rules import Matcher
from monitor.rules.backtest import backtest, parse_since
from monitor.rules.candidate import candidate_matcher
from monitor.sandbox import Evaluator, Refused
from monitor.store import triage
from monitor.web.auth import checked_form
from monitor.web.render import page

WINDOW = timedelta(days=30)
NEW_RULE = """id: my_rule
name: My rule
severity: medium
query: >-
  (sanction OR embargo) NEAR/10 (minister OR government)
"""


def _app(request: Request) -> App:
    app: App = request.app.state.monitor
    return app


async def _precision(app: App) -> dict[str, dict[str, Any]]:
    counts = await asyncio.to_thread(triage.triage_counts, app.store, app.clock() - WINDOW)
    return {rule: {**c, "precision": triage.precision(c)} for rule, c in counts.items()}


async def list_rules(request: Request) -> Response:
    app = _app(request)
    status = app.reloader.status.to_dict() if app.reloader else {}
    return page(request, "rules.html", rules=app.matcher.rules,
                judged=await _precision(app), version=app.matcher.version,
                rejected=status.get("rules_rejected") or [])


def _file_of(app: App, rule_id: str) -> Path | None:
    for rule in app.matcher.rules:
        if rule.id == rule_id:
            return app.settings.rules_dir / Path(rule.file).name
    return None


def _writable(app: App, path: Path) -> str | None:
    """Why saving to ``path`` cannot work, or None when it can."""
    directory = app.settings.rules_dir
    if not directory.is_dir():
        return f"the rules directory {directory} does not exist"
    if not os.access(directory, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return (f"the rules directory {directory} is read-only for the daemon (a read-only "
                "mount?): copy this YAML into the rule's file and the daemon reloads it")
    return None


async def edit_rule(request: Request) -> Response:
    app = _app(request)
    rule_id = request.query_params.get("id", "")
    path = _file_of(app, rule_id) if rule_id else None
    text = await asyncio.to_thread(path.read_text, "utf-8") if path and path.is_file() \
        else NEW_RULE
    return await _workbench(request, text=text, rule_id=rule_id)


async def _workbench(request: Request, *, text: str, rule_id: str, status: int = 200,
                     **results: Any) -> Response:
    app = _app(request)
    path = _file_of(app, rule_id) if rule_id else None
    judged = (await _precision(app)).get(rule_id) if rule_id else None
    save_block = _writable(app, path or app.settings.rules_dir / "new.yaml")
    return page(request, "workbench.html", status=status, yaml=text, rule_id=rule_id,
                file=path.name if path else None, judged=judged, save_block=save_block,
                **results)


def _build(app: App, text: str) -> Matcher:
    return candidate_matcher(app.settings.rules_dir, text, "rule.yaml")


async def _evaluate(request: Request, fn: Any, *args: Any) -> dict[str, Any]:
    evaluator: Evaluator = request.app.state.evaluator
    result: dict[str, Any] = await evaluator.run(fn, *args, gone=request.is_disconnected)
    return result


async def check_rule(request: Request) -> Response:
    """What the editor asks as you type: the problems of the YAML, at line and column."""
    app = _app(request)
    form = await checked_form(request)
    try:
        return JSONResponse(await _evaluate(request, workbench_check, app.settings.rules_dir,
                                            str(form.get("yaml") or "")))
    except Refused as exc:
        return JSONResponse({"error": {"code": exc.code, "message": str(exc)}},
                            status_code=exc.status)


async def run_workbench(request: Request) -> Response:
    """The workbench form's buttons: check, test, backtest, save."""
    app = _app(request)
    form = await checked_form(request)
    text = str(form.get("yaml") or "")
    rule_id = str(form.get("rule_id") or "")
    action = str(form.get("action") or "check")
    try:
        if action == "test":
            tested = await _test(request, app, text, form)
            status = 422 if "problems" in tested else 200
            return await _workbench(request, text=text, rule_id=rule_id, action=action,
                                    status=status, sample=str(form.get("sample") or ""),
                                    url=str(form.get("url") or ""), **tested)
        checked = await _evaluate(request, workbench_check, app.settings.rules_dir, text)
    except Refused as exc:
        return await _workbench(request, text=text, rule_id=rule_id, status=exc.status,
                                action=action, message=str(exc))
    if not checked["valid"]:
        return await _workbench(request, text=text, rule_id=rule_id, status=422,
                                problems=checked["problems"], action=action)
    if action not in ("backtest", "save"):
        return await _workbench(request, text=text, rule_id=rule_id, action=action,
                                message=f"valid: {', '.join(checked['rules'])}")
    # Checked within the evaluator's bounds: building it here costs what it cost there.
    matcher = await asyncio.to_thread(_build, app, text)
    if action == "backtest":
        since_text = str(form.get("since") or "30d")
        try:
            since = parse_since(since_text, app.clock(), setting="since")
        except ConfigError as exc:
            return await _workbench(request, text=text, rule_id=rule_id, status=422,
                                    action=action, message=str(exc))
        result = await asyncio.to_thread(backtest, app.store, matcher, None, since=since,
                                         until=app.clock(), examples=10)
        return await _workbench(request, text=text, rule_id=rule_id, action=action,
                                since=since_text, backtest=result.to_dict())
    return await _save(request, app, matcher, text, rule_id)


async def _test(request: Request, app: App, text: str, form: Any) -> dict[str, Any]:
    # An invalid rule fetches nothing (as the API's rules/test): it is checked first.
    checked = await _evaluate(request, workbench_check, app.settings.rules_dir, text)
    if not checked["valid"]:
        return {"problems": checked["problems"]}
    url, sample = str(form.get("url") or "").strip(), str(form.get("sample") or "")
    if url:
        try:
            got = await make_fetcher(app.http, app.settings).get(url)
        except SourceError as exc:  # the URL policy and fetch failures alike
            return {"message": f"could not read {url}: {exc}"}
        item = RawItem(title="", content=got.content.decode("utf-8", errors="replace"),
                       content_type="text/html", url=got.url)
    elif sample.strip():
        item = RawItem(title="", content=sample)
    else:
        return {"message": "give a text or a URL to test the rule on"}
    return await _evaluate(request, workbench_test, app.settings.rules_dir, text, item)


def _file_name(rule_id: str, matcher: Matcher) -> str:
    ident = rule_id or (matcher.rules[0].id if matcher.rules else "rule")
    return re.sub(r"[^A-Za-z0-9_.-]", "_", ident) + ".yaml"


async def _save(request: Request, app: App, matcher: Matcher, text: str,
                rule_id: str) -> Response:
    path = _file_of(app, rule_id) if rule_id else None
    if path is None:
        path = app.settings.rules_dir / _file_name(rule_id, matcher)
        if path.exists():  # a new rule never overwrites another rule's file
            return await _workbench(request, text=text, rule_id=rule_id, status=409,
                                    action="save", message=f"not saved: {path.name} already "
                                    "exists; open that rule to change it, or give this one "
                                    "another id")
    why = _writable(app, path)
    if why:
        return await _workbench(request, text=text, rule_id=rule_id, status=409,
                                action="save", message=f"not saved: {why}")

    def write_and_reload() -> list[str]:
        old = path.read_text("utf-8") if path.exists() else None
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(text, "utf-8")
            os.replace(tmp, path)
        except OSError:
            if tmp.is_file():  # half written: not left beside the rules
                tmp.unlink()
            raise
        if app.reloader is None:
            return []
        app.reloader.check_rules()  # the hot reload, now rather than at the next tick
        rejected = list(app.reloader.status.rules_rejected)
        if rejected:  # the directory as a whole refused it (a duplicate id): put it back
            if old is None:
                path.unlink()
            else:
                path.write_text(old, "utf-8")
            app.reloader.check_rules()
        return rejected

    try:
        rejected = await asyncio.to_thread(write_and_reload)
    except OSError as exc:  # writable a moment ago, yet the write failed (disk full, ...)
        return await _workbench(request, text=text, rule_id=rule_id, status=409,
                                action="save", message=f"not saved: could not write "
                                f"{path.name} in {app.settings.rules_dir}: {exc.strerror}")
    saved_id = matcher.rules[0].id if matcher.rules else rule_id
    if rejected:
        return await _workbench(request, text=text, rule_id=rule_id, status=422,
                                action="save", message="not saved: " + "; ".join(rejected))
    return await _workbench(request, text=text, rule_id=saved_id, action="save",
                            message=f"saved to {path.name}; rule set "
                                    f"{app.matcher.version} is in force")


routes = [
    Route("/rules", list_rules, methods=["GET"]),
    Route("/rules/edit", edit_rule, methods=["GET"]),
    Route("/rules/check", check_rule, methods=["POST"]),
    Route("/rules/edit", run_workbench, methods=["POST"]),
]
