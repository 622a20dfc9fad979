"""`readerfund manage payments stripe-setup`: Stripe's webhook endpoint created or repaired
through Stripe's API (served from recorded responses: localstripe has no such endpoint),
and the admin page that says whether the live one matches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from readerfund.payments.providers.stripe import STRIPE_API_VERSION
from readerfund.payments.providers.stripe.setup import STRIPE_WEBHOOK_EVENTS
from readerfund.payments.tests.stripe_endpoints import stripe_endpoints_serve

pytestmark = pytest.mark.django_db

URL = "https://support.example.org/payments/webhooks/stripe/"


@pytest.fixture
def stripe_endpoints(settings):
    with stripe_endpoints_serve(settings) as stand_in:
        yield stand_in


def _setup(capsys, *args: str) -> str:
    call_command("payments", "stripe-setup", *args)
    out: str = capsys.readouterr().out
    return out


def test_a_new_endpoint_is_created_with_the_pinned_version_and_events(stripe_endpoints, capsys):
    # when the operator runs the set-up on a Stripe account without our endpoint
    out = _setup(capsys)

    # then Stripe has exactly one endpoint, as readerfund needs it
    (endpoint,) = stripe_endpoints.endpoints.values()
    assert endpoint["url"] == URL
    assert endpoint["api_version"] == STRIPE_API_VERSION
    assert sorted(endpoint["enabled_events"]) == sorted(STRIPE_WEBHOOK_EVENTS)
    # and the operator is told the signing secret to set
    secret = re.search(r"STRIPE_WEBHOOK_SECRET=(whsec_\w+)", out)
    assert secret is not None
    assert f"webhook endpoint {endpoint['id']}: created" in out


def test_a_matching_endpoint_is_left_alone(stripe_endpoints, capsys):
    # given the endpoint as readerfund needs it
    existing = stripe_endpoints.add(
        url=URL, api_version=STRIPE_API_VERSION, enabled_events=list(STRIPE_WEBHOOK_EVENTS)
    )

    # when the set-up runs again
    out = _setup(capsys)

    # then nothing is written at Stripe and the secret stays
    assert [m for m, _p, _f in stripe_endpoints.requests if m != "GET"] == []
    assert f"{existing['id']}: unchanged" in out
    assert "STRIPE_WEBHOOK_SECRET stays" in out


def test_missing_events_and_a_disabled_endpoint_are_repaired_in_place(stripe_endpoints, capsys):
    # given our endpoint, disabled, with two of the events
    existing = stripe_endpoints.add(
        url=URL, api_version=STRIPE_API_VERSION, status="disabled",
        enabled_events=["payment_intent.succeeded", "invoice.paid"],
    )  # fmt: skip

    out = _setup(capsys)

    # then the same endpoint (same secret) now has every event and is enabled
    endpoint = stripe_endpoints.endpoints[existing["id"]]
    assert endpoint["status"] == "enabled"
    assert sorted(endpoint["enabled_events"]) == sorted(STRIPE_WEBHOOK_EVENTS)
    assert "updated" in out and "events missing: invoice.payment_succeeded" in out
    assert "STRIPE_WEBHOOK_SECRET stays" in out


def test_an_endpoint_of_another_api_version_is_replaced(stripe_endpoints, capsys):
    # given our endpoint, created with the account's newer default version
    wrong = stripe_endpoints.add(
        url=URL, api_version="2024-06-20", enabled_events=list(STRIPE_WEBHOOK_EVENTS)
    )
    other = stripe_endpoints.add(url="https://elsewhere.example/hook", api_version="2024-06-20")

    out = _setup(capsys)

    # then a new endpoint with the pinned version replaces it, and its new secret is printed;
    # another product's endpoint on the same account is untouched
    assert wrong["id"] not in stripe_endpoints.endpoints
    assert other["id"] in stripe_endpoints.endpoints
    (ours,) = [e for e in stripe_endpoints.endpoints.values() if e["url"] == URL]
    assert ours["api_version"] == STRIPE_API_VERSION
    assert "recreated (API version is 2024-06-20, not 2017-08-15)" in out
    assert "STRIPE_WEBHOOK_SECRET=whsec_" in out


def test_check_only_fails_on_a_wrong_endpoint_without_changing_it(stripe_endpoints):
    stripe_endpoints.add(url=URL, api_version="2024-06-20", enabled_events=["*"])

    with pytest.raises(CommandError, match="API version is 2024-06-20") as failed:
        call_command("payments", "stripe-setup", "--check")

    assert "every event type" in str(failed.value)
    assert [m for m, _p, _f in stripe_endpoints.requests if m != "GET"] == []


def test_the_admin_page_shows_whether_the_live_endpoint_matches(stripe_endpoints, admin_client):
    # given no endpoint yet
    page = admin_client.get("/admin/payments/providerevent/stripe-webhook/").content.decode()
    assert "The live endpoint does not match" in page
    assert f"Stripe has no webhook endpoint for {URL}" in page

    # when it is set up
    call_command("payments", "stripe-setup")

    # then the page says it matches
    page = admin_client.get("/admin/payments/providerevent/stripe-webhook/").content.decode()
    assert "The live endpoint matches." in page


def test_readme_lists_the_events_the_setup_creates():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    paragraph = readme[readme.index("**Stripe webhook.**") :].split("\n\n")[0]
    for event in STRIPE_WEBHOOK_EVENTS:
        name = event.rsplit(".", 1)
        assert event in paragraph or name[1] in paragraph, event
