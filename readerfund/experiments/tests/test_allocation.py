"""Optimised campaigns: weights after the burn-in, published in the playbook, kept as
history; a flood of events from one address cannot move them."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client

from readerfund.campaigns.playbook import playbook_current, playbook_rebuild
from readerfund.campaigns.tests.factories import campaign_create
from readerfund.experiments.models import DailyResult, WeightUpdate
from readerfund.experiments.services import results_refresh, weights_update, weights_update_due

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 20, 12, tzinfo=datetime.UTC)
SITE = "https://news.example"


def history(campaign: str, *, a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    """(impressions, gifts, value in cents) per variant, on an earlier day."""
    for variant, (n, gifts, value) in (("a", a), ("b", b)):
        DailyResult.objects.create(
            day=datetime.date(2026, 3, 1), campaign=campaign, variant=variant, channel="ask",
            impressions=n, gifts=gifts, value=value, value_squares=gifts * (value / gifts) ** 2,
            currency="USD",
        )  # fmt: skip


def playbook_weights(slug: str) -> dict[str, float]:
    document = playbook_current().document
    [campaign] = [c for c in document["campaigns"] if c["id"] == slug]
    return {v["id"]: v["weight"] for v in campaign["variants"]}


def test_after_an_update_the_playbook_carries_the_new_weights(django_capture_on_commit_callbacks):
    # given: an optimised ask whose variant b raises clearly more per view
    campaign = campaign_create(slug="ask", channel="ask", variants=("a", "b"), optimise=True)
    history("ask", a=(50_000, 50, 50 * 3000), b=(50_000, 120, 120 * 3000))
    playbook_rebuild()
    assert playbook_weights("ask") == {"a": 1, "b": 1}

    # when: the update commits (the playbook is rebuilt after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        update = weights_update(campaign=campaign, now=NOW)

    # then
    assert update is not None
    weights = playbook_weights("ask")
    assert weights == update.weights
    assert weights["b"] > 0.9 and weights["a"] >= 0.01  # toward b, a keeps its floor
    assert abs(sum(weights.values()) - 1) < 1e-3


def test_during_the_burn_in_the_editors_weights_stay():
    # given: b has not been seen often enough yet
    campaign = campaign_create(slug="ask", channel="ask", variants=("a", "b"), optimise=True)
    history("ask", a=(50_000, 50, 150_000), b=(500, 5, 15_000))

    # when
    update = weights_update(campaign=campaign, now=NOW)
    playbook_rebuild()

    # then
    assert update is None
    assert playbook_weights("ask") == {"a": 1, "b": 1}


def test_updates_follow_each_campaigns_interval():
    # given
    campaign_create(slug="ask", channel="ask", variants=("a", "b"), optimise=True)
    campaign_create(slug="fixed", channel="banner", variants=("a", "b"))  # not optimised
    history("ask", a=(5_000, 5, 15_000), b=(5_000, 9, 27_000))

    # when: twice within the hour, then an hour later
    weights_update_due(now=NOW)
    weights_update_due(now=NOW + datetime.timedelta(minutes=30))
    weights_update_due(now=NOW + datetime.timedelta(minutes=60))

    # then
    assert list(WeightUpdate.objects.values_list("campaign", flat=True)) == ["ask", "ask"]


def test_a_flood_from_one_address_leaves_the_weights_unchanged(settings):
    # given: an optimised ask with weeks of history, reports allowed from the site only
    settings.READERFUND_EMBED_ORIGINS = [SITE]
    campaign = campaign_create(slug="ask", channel="ask", variants=("a", "b"), optimise=True)
    history("ask", a=(40_000, 60, 60 * 3000), b=(40_000, 70, 70 * 3000))
    before = weights_update(campaign=campaign, now=NOW)
    assert before is not None
    playbook_rebuild()

    # when: one address reports 20,000 impressions of b (to make b look worse per view),
    # with the site's Origin and without one
    client = Client(REMOTE_ADDR="203.0.113.9")
    batch = json.dumps([["ask", "b", "ask", "impression"]] * 50)
    answers = [
        client.post("/api/events", batch, content_type="text/plain", HTTP_ORIGIN=SITE).status_code
        for _ in range(400)
    ]
    no_origin = client.post("/api/events", batch, content_type="text/plain").status_code
    results_refresh(since=datetime.date.today())
    after = weights_update(campaign=campaign, now=NOW)

    # then: the budget took 120 events a minute and refused the rest; the weights hold
    assert answers.count(200) == 2 and answers.count(429) == 398
    assert no_origin == 403
    assert after is not None
    assert all(abs(after.weights[k] - before.weights[k]) < 0.01 for k in ("a", "b"))


def test_an_update_that_moves_no_weight_leaves_the_playbook_alone(
    django_capture_on_commit_callbacks,
):
    # given: four variants past the burn-in, each held at a 25 % floor (the weights cannot move)
    campaign = campaign_create(
        slug="ask", channel="ask", variants=("a", "b", "c", "d"), optimise=True,
        optimise_floor=25,
    )  # fmt: skip
    for variant in "abcd":
        DailyResult.objects.create(
            day=datetime.date(2026, 3, 1), campaign="ask", variant=variant, channel="ask",
            impressions=5_000, gifts=5, value=15_000, value_squares=5 * 3000.0**2,
            currency="USD",
        )  # fmt: skip
    with django_capture_on_commit_callbacks() as first:
        weights_update(campaign=campaign, now=NOW)

    # when: the next hour's update computes the same weights
    with django_capture_on_commit_callbacks() as second:
        update = weights_update(campaign=campaign, now=NOW + datetime.timedelta(hours=1))

    # then: it is kept in the history, but no playbook rebuild is queued
    assert update is not None and update.weights == {k: 0.25 for k in "abcd"}
    assert WeightUpdate.objects.filter(campaign="ask").count() == 2
    assert len(first) == 1
    assert second == []
