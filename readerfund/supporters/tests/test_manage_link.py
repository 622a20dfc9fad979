"""The emailed link /manage/<token>/: signs in for the manage pages and leaves the address
bar at once; expired, tampered or foreign tokens get a friendly 404 that offers a new link."""

from __future__ import annotations

import time
import types

import pytest
from django.core import signing
from django.test import Client

from readerfund.core.tokens import token_make
from readerfund.payments.emails import MANAGE_LINK_DAYS, MANAGE_PURPOSE, manage_url
from readerfund.supporters.tests.conftest import local, sandbox_gift, sign_in, supporter_of
from readerfund.supporters.views import SESSION_KEY

pytestmark = pytest.mark.django_db

DAY = 86400


def _signed_at(moment: float, monkeypatch: pytest.MonkeyPatch, **claims: str) -> str:
    """A token signed while the clock said `moment` (Django's signer reads time.time)."""
    with monkeypatch.context() as patch:
        patch.setattr(signing, "time", types.SimpleNamespace(time=lambda: moment))
        return token_make(**claims)


@pytest.fixture
def supporter():
    sandbox_gift(frequency="monthly", amount=500)
    return supporter_of()


def _assert_private(response, referrer: str = "same-origin") -> None:
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == referrer
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_link_signs_in_and_moves_to_manage_without_the_token(client: Client, supporter):
    # given the link from a receipt
    link = local(manage_url(supporter_id=supporter.pk))
    token = link.split("/")[2]
    session_before = client.session.session_key

    # when the supporter follows it
    response = client.get(link)

    # then they are signed in under a new session id and sent to /manage/, token-free
    assert response.status_code == 302
    assert response["Location"] == "/manage/"
    _assert_private(response, referrer="no-referrer")
    assert client.session[SESSION_KEY]["supporter"] == supporter.pk
    assert client.session.session_key != session_before
    page = client.get("/manage/")
    assert page.status_code == 200
    _assert_private(page)
    body = page.content.decode()
    assert "reader@example.org" in body and "$5 a month" in body
    assert token not in body


def test_the_link_works_for_the_documented_lifetime(client, supporter, monkeypatch):
    now = time.time()
    claims = {"purpose": MANAGE_PURPOSE, "subject": str(supporter.pk)}
    almost = _signed_at(now - MANAGE_LINK_DAYS * DAY + 60, monkeypatch, **claims)
    expired = _signed_at(now - MANAGE_LINK_DAYS * DAY - 60, monkeypatch, **claims)

    assert client.get(f"/manage/{almost}/").status_code == 302
    client.session.flush()
    refused = client.get(f"/manage/{expired}/")

    assert refused.status_code == 404
    assert "This link has expired" in refused.content.decode()
    assert "Email me my link" in refused.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("reminder-unsubscribe", id="a reminder's unsubscribe token"),
        pytest.param("manage-action", id="a form's action token"),
        pytest.param("garbage", id="not a token"),
        pytest.param("truncated", id="a manage token cut short"),
    ],
)
def test_a_wrong_purpose_or_broken_token_signs_nobody_in(client, supporter, token):
    if token == "truncated":
        token = token_make(purpose=MANAGE_PURPOSE, subject=str(supporter.pk))[:-3]
    elif token != "garbage":
        token = token_make(purpose=token, subject=str(supporter.pk))

    response = client.get(f"/manage/{token}/")

    assert response.status_code == 404
    _assert_private(response)
    assert SESSION_KEY not in client.session
    assert 'name="email"' in response.content.decode()  # "email me a new link"


def test_a_link_to_an_erased_supporter_signs_nobody_in(client, supporter):
    link = local(manage_url(supporter_id=supporter.pk))
    supporter.erased_at = supporter.created_at
    supporter.save(update_fields=["erased_at"])

    assert client.get(link).status_code == 404


def test_the_session_ends_after_its_hours(client, supporter, monkeypatch):
    from readerfund.supporters import views

    sign_in(client, supporter)
    later = time.time() + views.SESSION_HOURS * 3600 + 1
    monkeypatch.setattr(views, "time", types.SimpleNamespace(time=lambda: later))

    page = client.get("/manage/")

    assert "Email me my link" in page.content.decode()
    assert "reader@example.org" not in page.content.decode()


def test_signing_out_ends_the_session(client, supporter):
    sign_in(client, supporter)
    response = client.post("/manage/logout/")

    assert response.status_code == 302
    assert "reader@example.org" not in client.get("/manage/").content.decode()


def test_a_russian_supporters_link_opens_the_page_in_russian(client):
    # given a supporter who gave from a Russian page
    sandbox_gift(email="chitatel@example.org", language="ru")
    supporter = supporter_of("chitatel@example.org")
    supporter.language = "ru"
    supporter.save(update_fields=["language"])

    # when they follow the link of their (Russian) receipt
    response = client.get(local(manage_url(supporter_id=supporter.pk, language="ru")))
    page = client.get(response["Location"])

    # then the page is in Russian, with amounts formatted for Russian
    body = page.content.decode()
    assert '<html lang="ru">' in body
    assert "Ваша поддержка" in body
    assert "5\xa0$" in body  # Babel's Russian format for $5
