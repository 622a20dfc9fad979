"""The event endpoint: valid batches counted, bad ones rejected whole, no identifier kept."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from readerfund.campaigns.tests.factories import campaign_create
from readerfund.events.models import EventCount

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def live_campaign():
    return campaign_create(slug="ask-one", channel="ask", variants=("a", "b"))


def _event(**overrides):
    """One event as the embed reports it: [campaign, variant, channel, type]."""
    fields = {"campaign": "ask-one", "variant": "a", "channel": "ask", "type": "impression"}
    fields.update(overrides)
    return [fields["campaign"], fields["variant"], fields["channel"], fields["type"]]


def _post(client, payload, **headers):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    # sendBeacon posts a string body as text/plain, which needs no CORS preflight
    return client.post("/api/events", body, content_type="text/plain", headers=headers)


def _counts():
    return {(row.campaign, row.variant, row.type): row.count for row in EventCount.objects.all()}


def test_a_batch_is_aggregated_per_campaign_variant_and_type(client):
    response = _post(
        client,
        [
            _event(),
            _event(),
            _event(variant="b"),
            _event(type="click"),
            _event(variant=None),  # a reader held out as the control
            _event(variant="_holdout"),
        ],
    )

    assert response.status_code == 200
    assert response.json() == {"counted": 6, "ignored": 0}
    assert _counts() == {
        ("ask-one", "a", "impression"): 2,
        ("ask-one", "b", "impression"): 1,
        ("ask-one", "a", "click"): 1,
        ("ask-one", "_holdout", "impression"): 2,
    }


def test_a_batch_in_the_shape_of_an_embed_cached_before_the_list_still_counts(client):
    # an embed built before playbook version 3 sent objects, "_holdout" for the control
    response = _post(
        client,
        {
            "events": [
                {"campaign": "ask-one", "variant": "a", "channel": "ask", "type": "click"},
                {
                    "campaign": "ask-one",
                    "variant": "_holdout",
                    "channel": "ask",
                    "type": "impression",
                },
            ]
        },
    )

    assert response.status_code == 200
    assert _counts() == {("ask-one", "a", "click"): 1, ("ask-one", "_holdout", "impression"): 1}


def test_counts_accumulate_across_batches(client):
    for _ in range(3):
        _post(client, [_event(type="dismiss")])
    assert _counts() == {("ask-one", "a", "dismiss"): 3}


def test_the_table_holds_no_reader_identifier():
    columns = {field.name for field in EventCount._meta.get_fields()}
    assert columns == {"id", "day", "campaign", "variant", "channel", "type", "count"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "must be JSON"),
        (b"[" * 3000, "must be JSON"),  # deeper than Python parses
        ([], "1 to 50"),
        ([_event()] * 51, "1 to 50"),
        ({"events": "all"}, "expected a list"),
        ({"events": [{"campaign": "ask-one", "channel": "ask"}]}, "events[0].variant"),
        ([_event(type="purchase")], "events[0].type"),
        ([_event(), _event(campaign="<script>")], "events[1].campaign"),
        ([_event(channel="popup")], "events[0].channel"),
        ([_event(variant=None, type="click")], "only has impressions"),
        ([_event(variant="_holdout", type="click")], "only has impressions"),
        ([_event()[:3]], "events[0]: expected [campaign, variant, channel, type]"),
        ([{"campaign": "ask-one"}], "events[0]: expected"),
        ([1, 2], "expected"),
    ],
)
def test_a_malformed_batch_is_rejected_whole_with_a_message(client, payload, message):
    response = _post(client, payload)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not EventCount.objects.exists()


@pytest.mark.parametrize("field", ["channel", "type"])
@pytest.mark.parametrize("value", [["ask"], {"ask": 1}, 1, None])
def test_a_channel_or_type_that_is_not_a_string_is_a_400_with_cors_headers(
    client, settings, field, value
):
    # given the newsroom's site embedding from its own origin
    settings.READERFUND_EMBED_ORIGINS = ["https://news.example"]

    # when it reports an event whose channel or type is a list, an object or a number
    response = _post(client, [_event(**{field: value})], Origin="https://news.example")

    # then the batch is refused with a message the page's script may read, nothing counted
    assert response.status_code == 400
    assert f"events[0].{field}" in response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "https://news.example"
    assert not EventCount.objects.exists()


def test_events_of_a_campaign_no_longer_live_are_ignored_not_errors(client):
    response = _post(client, [_event(), _event(campaign="gone-yesterday")])
    assert response.json() == {"counted": 1, "ignored": 1}


def test_an_oversized_body_is_refused(client):
    response = _post(client, b"{" + b" " * 20_000 + b"}")
    assert response.status_code == 413


def test_only_get_and_post_methods(client):
    assert client.get("/api/events").status_code == 405


def test_origins_outside_the_allowlist_are_refused(client, settings):
    settings.READERFUND_EMBED_ORIGINS = ["https://news.example", "https://mirror.example"]

    allowed = _post(client, [_event()], Origin="https://mirror.example")
    refused = _post(client, [_event()], Origin="https://evil.example")

    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == "https://mirror.example"
    assert refused.status_code == 403
    assert _counts() == {("ask-one", "a", "impression"): 1}


def test_concurrent_batches_lose_no_increment(settings):
    # given eight readers reporting at the same moment, 25 batches of 20 each (from one
    # address here: its budget is raised, this is about increments)
    settings.READERFUND_EVENTS_PER_MINUTE = 10_000

    def report():
        client = Client()
        for _ in range(25):
            assert _post(client, [_event()] * 20).status_code == 200
        connection.close()

    threads = [threading.Thread(target=report) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert _counts() == {("ask-one", "a", "impression"): 8 * 25 * 20}
