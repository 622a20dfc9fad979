"""What the supporter's page shows and hands out: receipts and yearly summaries with the
right totals (only their own), the "stop asking me on this device" link, their data."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from readerfund.core.supporter_token import supporter_token_is_valid
from readerfund.payments.models import Contribution, ContributionStatus
from readerfund.supporters.models import Supporter
from readerfund.supporters.tests.conftest import (
    action_token,
    received_on,
    sandbox_gift,
    sign_in,
    supporter_of,
)
from readerfund.supporters.views import SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(client: Client) -> Supporter:
    """Gifts over two years, one partly refunded, one fully refunded; signed in."""
    gifts = [
        (500, "USD", dict(year=2024, month=3, day=1)),
        (1000, "USD", dict(year=2025, month=1, day=15)),
        (2500, "USD", dict(year=2025, month=6, day=2)),  # $10 of it refunded
        (700, "USD", dict(year=2025, month=7, day=2)),  # refunded in full
        (2000, "EUR", dict(year=2025, month=12, day=31, hour=12)),
    ]
    for amount, currency, moment in gifts:
        attempt = sandbox_gift(frequency="one_off", amount=amount, currency=currency)
        received_on(Contribution.objects.get(attempt=attempt), **moment)
    Contribution.objects.filter(amount=2500).update(refunded_amount=1000)
    Contribution.objects.filter(amount=700).update(
        refunded_amount=700, status=ContributionStatus.REFUNDED
    )
    supporter = supporter_of()
    sign_in(client, supporter)
    return supporter


def test_the_yearly_summary_totals_what_was_kept_per_currency(client, history):
    page = client.get("/manage/summary/2025/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "Your gifts in 2025" in body
    # $10 + ($25 - $10) = $25; the refunded $7 is not counted; euros apart
    assert '<td class="num total">€20<br>$25</td>' in body  # by currency code
    assert "$7" not in body
    assert "$5" not in body  # 2024's gift
    # the page's style sheet prints it without the page's controls
    assert 'href="/static/supporters/manage.css"' in body
    stylesheet = Path(str(finders.find("supporters/manage.css"))).read_text()
    assert "@media print" in stylesheet and ".no-print" in stylesheet


def test_the_summary_years_are_listed_on_the_page(client, history):
    page = client.get("/manage/").content.decode()
    assert 'href="/manage/summary/2025/">2025</a>, <a href="/manage/summary/2024/">2024</a>' in page


def test_a_receipt_shows_one_own_gift(client, history):
    contribution = Contribution.objects.get(amount=2500)

    page = client.get(f"/manage/receipts/{contribution.pk}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "$25" in body and "$10" in body  # the amount and what was refunded
    assert contribution.provider_payment_id in body
    assert "reader@example.org" in body
    assert page["Cache-Control"] == "no-store"


def test_another_supporters_receipt_is_not_found(client, history):
    stranger = sandbox_gift(email="stranger@example.org", frequency="one_off", amount=900)
    theirs = Contribution.objects.get(attempt=stranger)

    assert client.get(f"/manage/receipts/{theirs.pk}/").status_code == 404
    assert client.get("/manage/receipts/999999/").status_code == 404
    # and their gifts count in no summary of ours
    assert "$9" not in client.get("/manage/summary/2025/").content.decode()


def test_receipts_need_a_session(history):
    contribution = Contribution.objects.get(amount=500)
    response = Client().get(f"/manage/receipts/{contribution.pk}/")
    assert response.status_code == 302 and response["Location"] == "/manage/"


def test_stop_asking_goes_to_the_page_the_supporter_gave_from_with_a_valid_token(client, settings):
    settings.READERFUND_EMBED_ORIGINS = ["https://news.example"]
    sandbox_gift(return_to="https://news.example/2025/story#comments")
    sign_in(client, supporter_of())

    page = client.get("/manage/").content.decode()

    href = page.split('rel="noreferrer"')[0].rsplit('href="', 1)[1].split('"')[0]
    parts = urlsplit(href.replace("&amp;", "&"))
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "news.example", "/2025/story")
    name, token = parts.fragment.split("=", 1)
    assert name == "readerfund-supporter"
    assert supporter_token_is_valid(token)


def test_stop_asking_falls_back_to_the_demo_then_the_first_embed_origin(client, settings):
    sandbox_gift()
    sign_in(client, supporter_of())
    assert 'href="/demo/#readerfund-supporter=' in client.get("/manage/").content.decode()

    settings.DEMO_SITE = False
    settings.READERFUND_EMBED_ORIGINS = ["*", "https://news.example", "https://mirror.example"]

    page = client.get("/manage/").content.decode()
    assert 'href="https://news.example/#readerfund-supporter=' in page


def test_export_downloads_the_supporters_data(client, history):
    response = client.post("/manage/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="readerfund-my-data-')
    data = json.loads(response.content)
    assert data["supporter"]["email"] == "reader@example.org"
    assert len(data["contributions"]) == 5


def test_export_is_a_post_of_the_signed_in_supporter():
    assert Client().post("/manage/export/").status_code == 302
    assert Client().get("/manage/export/").status_code == 405


def test_erase_asks_first_then_erases_and_signs_out(client, history):
    confirm = client.get("/manage/erase/")
    assert confirm.status_code == 200
    token = action_token(confirm.content.decode(), "erase")

    done = client.post("/manage/erase/", {"action_token": token})

    assert done.status_code == 200
    assert "Your data is erased" in done.content.decode()
    history.refresh_from_db()
    assert history.erased_at is not None
    assert history.email != "reader@example.org"
    assert SESSION_KEY not in client.session
    assert "Email me my link" in client.get("/manage/").content.decode()


def test_a_russian_page_renders(client, history):
    page = client.get("/manage/?lang=ru")

    body = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ru">' in body
    assert "Регулярные" in body or "Платежи" in body  # section titles in Russian
    assert "20\xa0€" in body  # Babel's Russian money
    assert page.cookies["django_language"].value == "ru"
    summary = client.get("/manage/summary/2025/").content.decode()
    assert '<html lang="ru">' in summary
