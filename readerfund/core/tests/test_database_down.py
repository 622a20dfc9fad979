"""While the database cannot be reached, web requests answer 503 with Retry-After, not 500
(issue 13, finding 6). The database really is unreachable here: the connection is pointed
at a port nothing listens on (PostgreSQL) or a file that cannot be opened (SQLite)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from readerfund.tests.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "https://news.example"


@contextmanager
def _unreachable_database(tmp_path: Path) -> Iterator[None]:
    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


@pytest.fixture
def database_down(tmp_path) -> Iterator[None]:
    with _unreachable_database(tmp_path):
        yield


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False)  # answer as production does


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert int(response["Retry-After"]) > 0
    assert "briefly unavailable" in response.content.decode()


def test_the_give_page_answers_503(browser, database_down):
    _assert_unavailable(browser.get("/give/"))


def test_the_manage_link_request_answers_503(browser, database_down):
    _assert_unavailable(browser.post("/manage/", {"email": "reader@example.org"}))


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/events", [["a", "b", "ask", "click"]]),
        ("/api/reminders", {"email": "reader@example.org", "when": "next-month"}),
    ],
)
def test_the_embed_api_answers_503_json_with_cors_headers(
    browser, settings, database_down, path, body
):
    settings.READERFUND_EMBED_ORIGINS = [ORIGIN]

    response = browser.post(
        path, json.dumps(body), content_type="text/plain", headers={"Origin": ORIGIN}
    )

    _assert_unavailable(response)
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "briefly unavailable" in response.json()["error"]


def test_other_failures_still_answer_500(browser, settings):
    # a bug is not an outage: no Retry-After that would hide it
    settings.READERFUND_PAYMENT_METHODS = None  # the give page cannot read its rules

    response = browser.get("/give/")

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_the_pages_work_again_once_the_database_is_back(browser, tmp_path):
    with _unreachable_database(tmp_path):
        _assert_unavailable(browser.get("/give/"))

    assert browser.get("/give/").status_code == 200


def test_the_message_is_in_russian_for_a_russian_reader(database_down):
    browser = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="ru")

    response = browser.get("/give/")

    assert response.status_code == 503
    assert "Сервис ненадолго недоступен" in response.content.decode()
