"""The admin's sign-in is throttled per address and per user name (issue 13, finding 4)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from readerfund.core.admin_login import LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # a test account
THROTTLED = "Too many failed sign-ins"


@pytest.fixture
def editor() -> User:
    return User.objects.create_superuser("editor", "editor@example.org", PASSWORD)


def _sign_in(client: Client, password: str, username: str = "editor"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, editor):
    # given five wrong passwords from one address
    for attempt in range(LOGIN_FAILURES_ALLOWED):
        wrong = _sign_in(client, f"guess-{attempt}")
        assert wrong.status_code == 200 and THROTTLED not in wrong.content.decode()

    # when the right password comes next
    right = _sign_in(client, PASSWORD)

    # then it is refused with a clear message, and nobody is signed in
    assert THROTTLED in right.content.decode()
    assert not _signed_in(client)


def test_the_limit_is_per_user_name_across_addresses(editor):
    for attempt in range(LOGIN_FAILURES_ALLOWED):
        _sign_in(Client(REMOTE_ADDR=f"192.0.2.{attempt}"), "wrong")

    right = _sign_in(Client(REMOTE_ADDR="198.51.100.7"), PASSWORD)

    assert THROTTLED in right.content.decode()


def test_the_limit_is_per_address_across_user_names(client, editor):
    for attempt in range(LOGIN_FAILURES_ALLOWED):
        _sign_in(client, "wrong", username=f"someone-{attempt}")

    right = _sign_in(client, PASSWORD)

    assert THROTTLED in right.content.decode()
    assert not _signed_in(client)


def test_fewer_wrong_passwords_still_let_the_editor_in(client, editor):
    for _ in range(LOGIN_FAILURES_ALLOWED - 1):
        _sign_in(client, "wrong")

    right = _sign_in(client, PASSWORD)

    assert right.status_code == 302
    assert _signed_in(client)


def test_the_right_password_works_again_once_the_window_passed(client, editor, monkeypatch):
    for _ in range(LOGIN_FAILURES_ALLOWED):
        _sign_in(client, "wrong")
    assert THROTTLED in _sign_in(client, PASSWORD).content.decode()

    # when the clock moves past the window
    later = time.time() + LOGIN_WINDOW
    monkeypatch.setattr(time, "time", lambda: later)

    assert _sign_in(client, PASSWORD).status_code == 302
    assert _signed_in(client)


def test_the_message_is_in_russian_for_a_russian_admin(editor):
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    for _ in range(LOGIN_FAILURES_ALLOWED):
        _sign_in(client, "wrong")

    refused = _sign_in(client, PASSWORD).content.decode()

    assert "Слишком много неудачных попыток входа" in refused
