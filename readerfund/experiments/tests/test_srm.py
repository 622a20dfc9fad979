"""The sample-ratio check of an optimised campaign: the split it meant is each weights
period's weights times that period's impressions, and the campaign page warns when the
observed split is far from it."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model

from readerfund.campaigns.tests.factories import campaign_create
from readerfund.experiments.analysis import HOLDOUT, expected_impressions
from readerfund.experiments.models import DailyResult, WeightUpdate
from readerfund.experiments.selectors import WeightPoint, weights_thinned

DAY_ONE = datetime.date(2026, 3, 1)
DAY_TWO = datetime.date(2026, 3, 2)
NOON = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
MISMATCH = "Sample ratio mismatch"


def test_expected_impressions_weigh_each_period_by_its_views():
    # given: 50/50 until noon of day one, then 90/10; 1,000 views each day
    views = {DAY_ONE: 1000, DAY_TWO: 1000}
    updates = [(NOON, {"a": 0.9, "b": 0.1})]

    # when
    expected = expected_impressions(
        daily_views=views, updates=updates, initial={"a": 0.5, "b": 0.5}, control_share=0
    )

    # then: day one is half 50/50, half 90/10 (700 / 300); day two 900 / 100
    assert expected == pytest.approx({"a": 1600, "b": 400})


def test_the_control_slice_keeps_its_share_whatever_the_weights():
    expected = expected_impressions(
        daily_views={DAY_ONE: 1000, DAY_TWO: 1000},
        updates=[(NOON, {"a": 0.9, "b": 0.1})],
        initial={"a": 0.5, "b": 0.5},
        control_share=0.1,
    )
    assert expected == pytest.approx({"a": 1440, "b": 360, HOLDOUT: 200})


def test_an_update_before_the_first_counted_day_applies_from_its_start():
    expected = expected_impressions(
        daily_views={DAY_TWO: 1000},
        updates=[(NOON, {"a": 0.8, "b": 0.2})],
        initial={"a": 0.5, "b": 0.5},
        control_share=0,
    )
    assert expected == pytest.approx({"a": 800, "b": 200})


def _optimised_ask(*, a: tuple[int, int], b: tuple[int, int]) -> None:
    """An optimised ask, 50/50 on day one and 90/10 from day two; impressions (day one,
    day two) per variant."""
    campaign_create(slug="ask", channel="ask", variants=("a", "b"), optimise=True)
    WeightUpdate.objects.create(
        campaign="ask",
        computed_at=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
        weights={"a": 0.9, "b": 0.1},
    )
    for variant, counts in (("a", a), ("b", b)):
        for day, impressions in zip((DAY_ONE, DAY_TWO), counts, strict=True):
            DailyResult.objects.create(
                day=day, campaign="ask", variant=variant, channel="ask",
                impressions=impressions, currency="USD",
            )  # fmt: skip


@pytest.fixture
def editor(client):
    client.force_login(get_user_model().objects.create_user("ed", is_staff=True))
    return client


@pytest.mark.django_db
def test_an_optimised_campaign_that_followed_its_weights_shows_no_warning(editor):
    # given: 5,000 / 5,000 on the 50/50 day, 9,000 / 1,000 on the 90/10 day
    _optimised_ask(a=(5000, 9000), b=(5000, 1000))

    # when
    page = editor.get("/admin/insights/ask/").content.decode()

    # then
    assert MISMATCH not in page


@pytest.mark.django_db
def test_an_optimised_campaign_whose_split_ignored_the_new_weights_is_flagged(editor):
    # given: still 50/50 on the day the weights said 90/10 (b 2,000 views over)
    _optimised_ask(a=(5000, 7000), b=(5000, 3000))

    # when
    page = editor.get("/admin/insights/ask/").content.decode()

    # then
    assert MISMATCH in page


def test_the_weights_table_keeps_the_last_week_hourly_and_one_update_a_day_before():
    # given: ten days of hourly updates
    end = datetime.datetime(2026, 3, 11, tzinfo=datetime.UTC)
    history = [
        WeightPoint(end - datetime.timedelta(hours=h), {"a": 0.5, "b": 0.5})
        for h in range(10 * 24 - 1, -1, -1)
    ]

    # when
    shown = weights_thinned(history)

    # then: a week of hourly updates (and the newest), and the last update of each earlier day
    recent = [p for p in shown if p.computed_at >= end - datetime.timedelta(days=7)]
    earlier = [p for p in shown if p.computed_at < end - datetime.timedelta(days=7)]
    assert len(recent) == 7 * 24 + 1
    assert [p.computed_at.hour for p in earlier] == [23, 23, 23]
    assert shown == sorted(shown)
