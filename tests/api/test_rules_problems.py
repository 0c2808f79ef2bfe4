"""The rules API's validate and test answers: problems of a bare query are located in the
query, every problem is listed, warnings come along, alias bombs are refused quickly, and a
candidate's backtest is checked within the evaluator's bounds."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from monitor.app import App
from monitor.config import Settings
from tests.apiclient import TOKEN, with_api

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "id: x\nquery: a\n*i : 1\n"


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return replace(settings, api_token=TOKEN)


def test_bare_query_problems_and_warnings_point_into_the_query(api_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        bad = (await client.post("/api/v1/rules/validate", json={
            "query": "iran NEAR/0 x**\nOR @nope lang:x1"})).json()
        assert bad["valid"] is False
        got = [(p["file"], p["line"], p["column"]) for p in bad["problems"]]
        assert got == [("query", 1, 6), ("query", 1, 13), ("query", 2, 10)]  # every one
        unknown = (await client.post("/api/v1/rules/validate", json={
            "query": "iran AND @nope"})).json()
        assert [p["text"] for p in unknown["problems"]] == [
            "query:1:10: unknown concept '@nope'"]
        warned = (await client.post("/api/v1/rules/validate", json={
            "query": "iran near/5 nuclear"})).json()
        assert warned["valid"] is True
        [warning] = warned["warnings"]
        assert (warning["file"], warning["line"], warning["column"]) == ("query", 1, 6)
        assert "NEAR/5" in warning["message"]
        tested = await client.post("/api/v1/rules/test", json={
            "query": "iran NEAR5 nuclear", "text": "Iran nuclear talks"})
        assert tested.status_code == 200
        assert [w["text"][:10] for w in tested.json()["warnings"]] == ["query:1:6:"]
        failed = await client.post("/api/v1/rules/test", json={"query": "iran (", "text": "x"})
        assert failed.status_code == 422
        assert failed.json()["error"]["problems"][0]["file"] == "query"
        ruled = (await client.post("/api/v1/rules/validate", json={
            "rule": {"query": "iran or nuclear"}})).json()
        assert [w["file"] for w in ruled["warnings"]] == ["candidate.yaml"]

    with_api(api_settings, scenario)


def test_a_yaml_alias_bomb_is_refused_with_a_located_short_problem(
        api_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        answer = await client.post("/api/v1/rules/validate", json={"yaml": BOMB})
        assert answer.status_code == 200 and len(answer.content) < 2000
        [problem] = answer.json()["problems"]
        assert (problem["line"], problem["column"]) == (2, 8)  # the first *a
        assert "aliases are not allowed" in problem["message"]

    with_api(api_settings, scenario)


def test_a_candidates_backtest_is_bounded_by_the_evaluator(api_settings: Settings) -> None:
    # Built in a daemon thread, a hostile candidate could hold it for minutes: it is checked
    # in a killable worker first, within the evaluator's deadline (a tiny one here).
    bounded = replace(api_settings, rule_test_timeout_seconds=0.01)

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        answer = await client.post("/api/v1/rules/backtest", json={"query": "iran"})
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "evaluation_timeout"
        shipped = await client.post("/api/v1/rules/backtest", json={"id": "sanctions"})
        assert shipped.status_code == 200, shipped.text  # the directory's rules: no candidate

    with_api(bounded, scenario)
