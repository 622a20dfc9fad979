"""A supporter's crypto pledges on their manage page: listed while active (amount, period,
next invoice), stopped from there after a confirmation, once, and only their own. The
pledges are made and paid through the crypto test mode's real road (its signed delivery
through the webhook pipeline); the page knows them only through the provider's hook."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from readerfund.core.money import money_format
from readerfund.payments.models import Frequency
from readerfund.payments.providers.btcpay.models import Pledge, PledgeInvoice, PledgeStatus
from readerfund.payments.providers.btcpay.pledges import pledge_stop, pledges_invoice
from readerfund.payments.providers.btcpay.tests.fixtures import crypto_pledge
from readerfund.supporters.tests.conftest import action_token, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(client: Client) -> Pledge:
    """$5 a month in crypto, its supporter signed in on `client`."""
    found = crypto_pledge()
    sign_in(client, found.supporter)
    return found


def _stop_path(pledge: Pledge) -> str:
    return f"/manage/items/btcpay_test/{pledge.pk}/stop/"


def _page(client: Client, path: str = "/manage/") -> str:
    return client.get(path).content.decode()


def _stop(client: Client, pledge: Pledge) -> str:
    """Confirms the stop as the supporter does; returns the page it leads to."""
    token = action_token(_page(client, _stop_path(pledge)), "stop")
    response = client.post(_stop_path(pledge), {"action_token": token})
    assert response.status_code == 302
    assert response["Location"] == "/manage/"
    return _page(client)


def _after_next_invoice_day(pledge: Pledge) -> datetime.date:
    return pledge.next_due + datetime.timedelta(days=1)


def test_an_active_pledge_is_listed_with_its_amount_period_and_next_invoice(client, pledge):
    page = _page(client)

    assert "$5 a month in crypto</h3>" in page
    assert f"Next invoice on {date_format(pledge.next_due, 'DATE_FORMAT')}" in page
    assert f'href="{_stop_path(pledge)}"' in page
    assert "Test mode" in page  # the test-mode provider's pledge is labelled as such


def test_a_yearly_pledge_says_a_year(client):
    pledge = crypto_pledge(frequency=Frequency.ANNUAL, amount=6000)
    sign_in(client, pledge.supporter)

    assert "$60 a year in crypto</h3>" in _page(client)


def test_the_stop_asks_first_and_changes_nothing_until_confirmed(client, pledge):
    confirm = client.get(_stop_path(pledge))

    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Stop your regular gift" in text
    assert "You pledged $5 a month in crypto." in text
    assert "After you stop, we send no more invoices for this gift." in text
    assert 'href="/manage/">Keep it</a>' in text
    assert confirm["Cache-Control"] == "no-store"
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE


def test_stopping_from_the_page_ends_the_invoices(client, pledge):
    # when the supporter confirms the stop
    page = _stop(client, pledge)

    # then the page says so and no longer offers the pledge
    assert "Done: we will send no more invoices for this gift." in page
    assert "a month in crypto" not in page
    assert _stop_path(pledge) not in page
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.STOPPED and pledge.stopped_at is not None
    # and when its next invoice would be due, none is made or emailed
    emails = len(mail.outbox)
    assert pledges_invoice(today=_after_next_invoice_day(pledge)) == 0
    assert not PledgeInvoice.objects.exists()
    assert len(mail.outbox) == emails


def test_an_active_pledge_still_gets_its_invoice(client, pledge):
    # the counterpart of the test above: the job would have emailed this one
    assert pledges_invoice(today=_after_next_invoice_day(pledge)) == 1


def test_a_second_stop_is_harmless(client, pledge):
    # given the confirmation open in two tabs
    first = action_token(_page(client, _stop_path(pledge)), "stop")
    second = action_token(_page(client, _stop_path(pledge)), "stop")
    client.post(_stop_path(pledge), {"action_token": first})
    pledge.refresh_from_db()
    stopped_at = pledge.stopped_at

    # when the second tab's form is sent, and the first one's again
    again = client.post(_stop_path(pledge), {"action_token": second})
    told = _page(client)
    replayed = client.post(_stop_path(pledge), {"action_token": first})

    # then nothing changes, and the page says why
    assert again.status_code == 302 and replayed.status_code == 302
    assert "It was stopped already. Nothing was changed." in told
    assert "This form was already sent" in _page(client)
    pledge.refresh_from_db()
    assert (pledge.status, pledge.stopped_at) == (PledgeStatus.STOPPED, stopped_at)


def test_another_supporters_pledge_cannot_be_stopped(client, pledge):
    # given another supporter's pledge, and a valid form of this supporter's
    theirs = crypto_pledge(email="someone.else@example.org")
    token = action_token(_page(client, _stop_path(pledge)), "stop")

    # when this supporter asks to see and to stop it
    shown = client.get(_stop_path(theirs))
    sent = client.post(_stop_path(theirs), {"action_token": token})

    # then it is neither shown nor stopped
    assert shown.status_code == 302 and shown["Location"] == "/manage/"
    assert sent.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == PledgeStatus.ACTIVE and theirs.stopped_at is None
    assert f"/manage/items/btcpay_test/{theirs.pk}/" not in _page(client)
    # and the refused form was not spent: it still stops the supporter's own pledge
    client.post(_stop_path(pledge), {"action_token": token})
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.STOPPED


@pytest.mark.parametrize(
    "path",
    [
        "/manage/items/btcpay_test/not-a-number/stop/",
        "/manage/items/no_such_provider/1/stop/",
        "/manage/items/btcpay/{pk}/stop/",  # the pledge's, under the other crypto provider
    ],
)
def test_an_item_that_is_not_the_supporters_is_not_found(client, pledge, path):
    token = action_token(_page(client, _stop_path(pledge)), "stop")

    response = client.post(path.format(pk=pledge.pk), {"action_token": token})

    assert response.status_code == 404
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE


def test_a_stop_needs_the_sign_in_and_the_csrf_token(pledge):
    # without the manage session: the sign-in form, nothing stopped
    anonymous = Client()
    assert anonymous.post(_stop_path(pledge))["Location"] == "/manage/"
    # signed in, but a form from elsewhere without Django's CSRF token: refused
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, pledge.supporter)
    token = action_token(_page(browser, _stop_path(pledge)), "stop")
    assert browser.post(_stop_path(pledge), {"action_token": token}).status_code == 403
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE


def test_a_pledge_stopped_from_its_email_is_no_longer_offered(client, pledge):
    # given the pledge stopped through the link in one of its emails
    pledge_stop(pledge_id=pledge.pk)

    page = _page(client)
    confirm = client.get(_stop_path(pledge))

    assert "a month in crypto" not in page and _stop_path(pledge) not in page
    assert confirm.status_code == 302 and confirm["Location"] == "/manage/"


def test_the_page_and_the_stop_in_russian(client, pledge):
    with translation.override("ru"):
        amount = money_format(500, "USD", "ru")
        next_due = date_format(pledge.next_due, "DATE_FORMAT")

    page = _page(client, "/manage/?lang=ru")
    assert f"{amount} в месяц криптовалютой</h3>" in page
    assert f"Следующий счёт — {next_due}" in page
    assert "Остановить…" in page

    confirm = _page(client, _stop_path(pledge))
    assert "Остановить регулярное пожертвование" in confirm
    assert "После этого мы больше не пришлём счетов" in confirm
    assert re.search(r"<button[^>]*>Остановить</button>", confirm)

    assert "Готово: больше счетов по этой поддержке не будет." in _stop(client, pledge)
    assert Pledge.objects.get().status == PledgeStatus.STOPPED
