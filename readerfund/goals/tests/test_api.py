"""GET /api/goal.json: the figure the embed shows, formatted per language, cacheable."""

from __future__ import annotations

import pytest

from readerfund.campaigns.playbook import playbook_rebuild
from readerfund.goals.services import goal_refresh, goal_set
from readerfund.goals.tests.ledger import gift_make, plan_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def figure():
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})
    plan_make(600_000)
    gift_make(24_000)
    goal_refresh()
    playbook_rebuild()  # on commit in production; the test's transaction never commits


def test_the_figure_with_its_amounts_formatted_in_english_and_russian(client, figure):
    response = client.get("/api/goal.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    goal = response.json()["goal"]
    assert {k: goal[k] for k in ("currency", "target", "raised", "gap", "percent")} == {
        "currency": "USD", "target": 1_000_000, "raised": 624_000, "gap": 376_000, "percent": 62,
    }  # fmt: skip
    assert goal["formatted"]["en"] == {
        "target": "$10,000", "raised": "$6,240", "gap": "$3,760", "percent": "62%",
        "text": "$6,240 of $10,000 this month",
    }  # fmt: skip
    ru = goal["formatted"]["ru"]
    assert (ru["target"], ru["raised"], ru["percent"]) == (
        "10\xa0000\xa0$", "6\xa0240\xa0$", "62\xa0%",
    )  # fmt: skip


def test_the_russian_goal_line_is_translated(client, figure):
    text = client.get("/api/goal.json").json()["goal"]["formatted"]["ru"]["text"]
    assert text == "6\xa0240\xa0$ из 10\xa0000\xa0$ в этом месяце"


def test_it_is_the_same_figure_as_the_playbook_and_runs_no_query(
    client, figure, django_assert_num_queries
):
    playbook_goal = client.get("/api/playbook.json").json()["goal"]

    with django_assert_num_queries(0):
        goal = client.get("/api/goal.json").json()["goal"]

    assert {k: goal[k] for k in playbook_goal} == playbook_goal


def test_cacheable_revalidated_with_an_etag_and_readable_from_the_newsrooms_origins(
    client, figure, settings
):
    settings.READERFUND_EMBED_ORIGINS = ["https://news.example"]

    first = client.get("/api/goal.json", headers={"Origin": "https://news.example"})
    again = client.get("/api/goal.json", headers={"If-None-Match": first["ETag"]})
    stranger = client.get("/api/goal.json", headers={"Origin": "https://elsewhere.example"})

    assert first["Cache-Control"].startswith("public, max-age=60")
    assert first["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Origin" in first["Vary"]
    assert again.status_code == 304 and again.content == b""
    assert "Access-Control-Allow-Origin" not in stranger


def test_an_if_none_match_that_only_contains_the_etag_gets_the_figure(client, figure):
    tag = client.get("/api/goal.json")["ETag"]

    response = client.get("/api/goal.json", headers={"If-None-Match": f"xx{tag}yy"})

    assert response.status_code == 200
    assert response.json()["goal"]["raised"] == 624_000


def test_no_goal_is_null(client):
    playbook_rebuild()

    response = client.get("/api/goal.json")

    assert response.status_code == 200
    assert response.json() == {"goal": None}


def test_only_get(client):
    assert client.post("/api/goal.json").status_code == 405
