"""Pay and Fail pressed on one sandbox attempt at once (issue 13, finding 7): a paid
attempt stays paid, beside its one contribution, whichever lands first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client

from readerfund.payments.models import AttemptStatus, Contribution, PaymentAttempt, ProviderEvent

JSON = {"Accept": "application/json"}


def _sandbox_page(client: Client) -> str:
    client.get("/give/")
    started = client.post(
        "/give/start",
        {"frequency": "one_off", "currency": "USD", "amount": "5", "consent": "on",
         "email": "reader@example.org", "name": "A Reader", "method": "sandbox"},
        headers=JSON,
    )  # fmt: skip
    assert started.status_code == 200, started.content
    return str(started.json()["next"])


@contextmanager
def _when_event_stored(event_type: str, action: Callable[[], object]) -> Iterator[None]:
    """Runs `action` once, right after the sandbox stores an event of `event_type`: the other
    button's request lands in the middle of this one, after it read the attempt."""
    done: list[bool] = []

    def handler(sender: type, instance: ProviderEvent, created: bool, **kwargs: object) -> None:
        if created and instance.type == event_type and not done:
            done.append(True)
            action()

    post_save.connect(handler, sender=ProviderEvent, weak=False)
    try:
        yield
    finally:
        post_save.disconnect(handler, sender=ProviderEvent)
    assert done, f"no {event_type} event was stored"


@pytest.mark.django_db
def test_a_pay_landing_inside_a_fail_leaves_the_attempt_paid():
    # given a started sandbox attempt
    reader, other_tab = Client(), Client()
    page = _sandbox_page(reader)
    other_tab.cookies = reader.cookies

    # when "Fail" is pressed, and "Pay" in another tab lands after Fail read the attempt
    with _when_event_stored("payment.failed", lambda: other_tab.post(page, {"outcome": "pay"})):
        failed = reader.post(page, {"outcome": "fail"})

    # then the gift is recorded once, the attempt says paid, and Fail leads to the thanks
    attempt = PaymentAttempt.objects.get()
    assert Contribution.objects.filter(attempt=attempt).count() == 1
    assert attempt.status == AttemptStatus.SUCCEEDED
    assert failed["Location"] == f"/give/thanks/{attempt.public_id}/"


@pytest.mark.django_db
def test_a_fail_landing_inside_a_pay_leaves_the_attempt_paid():
    reader, other_tab = Client(), Client()
    page = _sandbox_page(reader)
    other_tab.cookies = reader.cookies

    with _when_event_stored("payment.succeeded", lambda: other_tab.post(page, {"outcome": "fail"})):
        paid = reader.post(page, {"outcome": "pay"})

    attempt = PaymentAttempt.objects.get()
    assert Contribution.objects.filter(attempt=attempt).count() == 1
    assert attempt.status == AttemptStatus.SUCCEEDED
    assert paid["Location"] == f"/give/thanks/{attempt.public_id}/"


@pytest.mark.django_db
@pytest.mark.parametrize("first", ["pay", "fail"])
def test_pay_and_fail_one_after_the_other_keep_the_first_outcome(first):
    reader = Client()
    page = _sandbox_page(reader)

    reader.post(page, {"outcome": first})
    reader.post(page, {"outcome": "fail" if first == "pay" else "pay"})

    attempt = PaymentAttempt.objects.get()
    contributions = Contribution.objects.filter(attempt=attempt).count()
    if first == "pay":
        assert (attempt.status, contributions) == (AttemptStatus.SUCCEEDED, 1)
    else:
        assert (attempt.status, contributions) == (AttemptStatus.FAILED, 0)


PAIRS = 12


@pytest.mark.django_db(transaction=True)
def test_pay_and_fail_from_two_threads_never_leave_a_paid_attempt_failed():
    # given a dozen started attempts
    # (from as many addresses: the per-address limit on payment starts is not tested here)
    pages = [_sandbox_page(Client(REMOTE_ADDR=f"192.0.2.{n}")) for n in range(PAIRS)]

    # when Pay and Fail are pressed on each at the same moment, from two threads
    def press(page: str, outcome: str, barrier: threading.Barrier) -> None:
        try:
            barrier.wait(timeout=10)
            Client().post(page, {"outcome": outcome})
        finally:
            connection.close()

    for page in pages:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=press, args=(page, outcome, barrier))
            for outcome in ("pay", "fail")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    # then no attempt with a contribution says failed, and none has two
    for attempt in PaymentAttempt.objects.all():
        contributions = Contribution.objects.filter(attempt=attempt).count()
        assert contributions <= 1
        assert (attempt.status == AttemptStatus.SUCCEEDED) == (contributions == 1), attempt.status
