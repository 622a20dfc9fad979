"""The supporter mark follows the ledger: it lasts the paid period plus a grace, names
nobody, and a visit to the manage page renews or clears it."""

from __future__ import annotations

import datetime
import uuid
from http.cookies import SimpleCookie

import pytest
from django.test import Client
from django.utils import timezone

from readerfund.core.supporter_token import COOKIE_NAME, supporter_token_expiry
from readerfund.payments.models import PaymentAttempt
from readerfund.payments.providers.base import (
    PaymentRefunded,
    PaymentSucceeded,
    PlanChanged,
    ProviderEventData,
)
from readerfund.payments.selectors import SUPPORTER_GRACE, supporter_until
from readerfund.payments.services import provider_event_apply
from readerfund.supporters.tests.conftest import sign_in, supporter_of

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY = datetime.timedelta(days=1)


def _event(*facts) -> None:
    provider_event_apply(
        provider="sandbox",
        event=ProviderEventData(f"evt_{uuid.uuid4().hex}", "test", {}, list(facts)),
    )


def monthly_gift(email: str, *, paid_at: datetime.datetime) -> PaymentAttempt:
    """A monthly plan started and paid at `paid_at`, by the ledger's own facts."""
    attempt = PaymentAttempt.objects.create(
        provider="sandbox", frequency="monthly", amount=500, currency="USD", email=email
    )
    plan_id = f"plan_{attempt.public_id.hex}"
    _event(
        PlanChanged(plan_id, "active", paid_at, attempt_id=str(attempt.public_id)),
        PaymentSucceeded(
            f"pay_{attempt.public_id.hex}", 500, "USD", paid_at,
            attempt_id=str(attempt.public_id), plan_id=plan_id,
        ),
    )  # fmt: skip
    return attempt


def renewal(attempt: PaymentAttempt, *, paid_at: datetime.datetime) -> None:
    _event(
        PaymentSucceeded(
            f"pay_{uuid.uuid4().hex}", 500, "USD", paid_at,
            plan_id=f"plan_{attempt.public_id.hex}",
        )
    )  # fmt: skip


def mark_of(client: Client) -> SimpleCookie:
    return client.get("/manage/").cookies


def test_a_monthly_supporter_counts_for_the_paid_month_plus_the_grace():
    # given a monthly plan paid today
    monthly_gift("a@example.org", paid_at=NOW)
    # then they count as a supporter for the month and the grace, no longer
    until = supporter_until(supporter_id=supporter_of("a@example.org").pk)
    assert until == NOW + datetime.timedelta(days=31) + SUPPORTER_GRACE


def test_each_renewal_carries_the_mark_one_period_further():
    # given a plan paid 30 days ago and renewed today
    attempt = monthly_gift("a@example.org", paid_at=NOW - 30 * DAY)
    renewal(attempt, paid_at=NOW)
    # then the supporter counts from today's payment
    until = supporter_until(supporter_id=supporter_of("a@example.org").pk)
    assert until == NOW + datetime.timedelta(days=31) + SUPPORTER_GRACE


def test_a_canceled_plan_stops_counting_when_its_paid_period_and_grace_are_over():
    # given a plan whose last payment was 40 days ago, canceled since
    attempt = monthly_gift("a@example.org", paid_at=NOW - 40 * DAY)
    _event(PlanChanged(f"plan_{attempt.public_id.hex}", "canceled", NOW - DAY))
    # then the supporter no longer counts
    until = supporter_until(supporter_id=supporter_of("a@example.org").pk)
    assert until is not None and until < NOW


def test_a_refunded_gift_makes_nobody_a_supporter():
    attempt = monthly_gift("a@example.org", paid_at=NOW)
    _event(PaymentRefunded(f"pay_{attempt.public_id.hex}", 500, NOW))
    assert supporter_until(supporter_id=supporter_of("a@example.org").pk) is None


def test_a_manage_visit_renews_the_mark_to_what_the_ledger_says(client):
    # given a supporter whose plan renewed today
    attempt = monthly_gift("a@example.org", paid_at=NOW - 30 * DAY)
    renewal(attempt, paid_at=NOW)
    sign_in(client, supporter_of("a@example.org"))

    # when they open their page
    cookie = mark_of(client)[COOKIE_NAME]

    # then the mark lasts until the end of the renewed period's last day of grace
    expiry = supporter_token_expiry(cookie.value)
    end = NOW + datetime.timedelta(days=31) + SUPPORTER_GRACE
    assert expiry is not None and 0 < expiry - end.timestamp() <= 86400
    assert cookie["samesite"] == "Lax" and not cookie["httponly"]


def test_a_manage_visit_clears_the_mark_once_the_plan_has_ended(client):
    # given a supporter whose plan failed for good after its last paid month
    attempt = monthly_gift("a@example.org", paid_at=NOW - 60 * DAY)
    _event(PlanChanged(f"plan_{attempt.public_id.hex}", "canceled", NOW - 20 * DAY))
    sign_in(client, supporter_of("a@example.org"))

    # when they open their page
    response = client.get("/manage/")

    # then the mark is cleared and no link offers to stop asking
    assert response.cookies[COOKIE_NAME].value == ""
    assert response.cookies[COOKIE_NAME]["max-age"] == 0
    assert "readerfund-supporter=" not in response.content.decode()


def test_two_supporters_until_the_same_date_carry_the_same_mark(settings):
    # given two people who gave monthly on the same day, hours apart
    settings.READERFUND_SUPPORTER_COOKIE_DOMAIN = "example.org"
    morning = NOW.replace(hour=8, minute=5, second=1)
    monthly_gift("first@example.org", paid_at=morning)
    monthly_gift("second@example.org", paid_at=morning + datetime.timedelta(hours=9, seconds=7))
    marks = []
    for email in ("first@example.org", "second@example.org"):
        client = Client()
        sign_in(client, supporter_of(email))
        marks.append(mark_of(client)[COOKIE_NAME])

    # then their marks are byte for byte the same, on the shared domain
    assert marks[0].value == marks[1].value != ""
    assert marks[0]["domain"] == marks[1]["domain"] == "example.org"
