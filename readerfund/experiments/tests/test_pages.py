"""The editors' pages: staff only; every table's CSV holds what the table shows."""

from __future__ import annotations

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model

from readerfund.campaigns.tests.factories import campaign_create
from readerfund.experiments.models import DailyResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    client.force_login(get_user_model().objects.create_user("ed", is_staff=True))
    return client


def cells(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table id="table-{table}">(.*?)</table>', html, re.S)
    assert body, table
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [
        [unescape(c.strip()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
        for r in rows
    ]


def test_a_reader_without_staff_rights_is_sent_to_the_login(client):
    campaign_create(slug="ask", channel="ask")
    assert client.get("/admin/insights/").status_code == 302
    assert client.get("/admin/insights/ask/").status_code == 302


def test_the_campaign_page_shows_the_funnel_and_its_csv_equals_the_table(editor):
    # given
    campaign_create(slug="ask", channel="ask", variants=("a", "b"))
    for variant, n, clicks, gifts in (("a", 2000, 80, 4), ("b", 2100, 95, 9)):
        DailyResult.objects.create(
            day=datetime.date(2026, 3, 1), campaign="ask", variant=variant, channel="ask",
            impressions=n, clicks=clicks, gifts=gifts, value=gifts * 2500, money=gifts * 2500,
            value_squares=gifts * 2500.0**2, currency="USD",
        )  # fmt: skip

    # when
    page = editor.get("/admin/insights/ask/").content.decode()

    # then
    funnel = cells(page, "funnel")
    assert funnel[1][:5] == ["a", "2000", "80", "0", "4"]
    assert funnel[2][-2:] == ["225.00", "225.00"]
    assert 'id="verdict"' in page
    for table in ("funnel", "value", "daily"):
        response = editor.get(f"/admin/insights/ask/?csv={table}")
        text = b"".join(response.streaming_content).decode()
        # the formula guard (core.csv_export) quotes a leading minus: '-12.50
        rows = [[c.removeprefix("'") for c in row] for row in csv.reader(io.StringIO(text))]
        assert rows == cells(page, table)


def test_the_overview_answers_and_an_unknown_table_is_a_404(editor):
    assert editor.get("/admin/insights/").status_code == 200
    assert editor.get("/admin/insights/?csv=nothing").status_code == 404


TOO_EARLY_RU = "Сравнивать рано: каждому варианту нужно хотя бы 10 пожертвований (у a пока меньше)"  # noqa: RUF001 (Russian)


def verdict_of(page: str) -> str:
    found = re.search(r'<p class="rf-verdict[^"]*" id="verdict">(.*?)</p>', page, re.S)
    assert found, "no verdict on the page"
    return unescape(found.group(1)).strip()


def results_create(rows: tuple[tuple[str, int, int], ...]) -> None:
    for variant, impressions, gifts in rows:
        DailyResult.objects.create(
            day=datetime.date(2026, 3, 1), campaign="ask", variant=variant, channel="ask",
            impressions=impressions, gifts=gifts, value=gifts * 2500, money=gifts * 2500,
            value_squares=gifts * 2500.0**2, currency="USD",
        )  # fmt: skip


def test_an_editor_reading_russian_sees_the_winner_declared_in_russian(editor):
    # given: b brings four times the gifts of a over 40,000 views
    campaign_create(slug="ask", channel="ask", variants=("a", "b"))
    results_create((("a", 20_000, 20), ("b", 20_000, 80)))

    # when
    page = editor.get("/admin/insights/ask/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    # then
    verdict = verdict_of(page)
    assert verdict.startswith("b приносит на 1000 показов на ")
    assert "больше, чем a, 95-процентный интервал от " in verdict
    assert verdict.endswith("данных достаточно, чтобы действовать.")


def test_too_early_in_russian_counts_the_gifts_in_the_right_plural(editor):
    # given: a has 3 gifts, fewer than the verdict needs
    campaign_create(slug="ask", channel="ask", variants=("a", "b"))
    results_create((("a", 5_000, 3), ("b", 5_000, 12)))

    # when
    page = editor.get("/admin/insights/ask/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    # then
    assert verdict_of(page).startswith(TOO_EARLY_RU)
    assert '<h2 id="t-verdict">Вывод</h2>' in page
