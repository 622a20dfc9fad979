"""The unsubscribe link of the reminder email: one click by POST (RFC 8058), GET only asks."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from readerfund.core.tokens import token_make
from readerfund.reminders.emails import UNSUBSCRIBE_PURPOSE, unsubscribe_url
from readerfund.reminders.models import Reminder, ReminderStatus
from readerfund.reminders.tests.factories import reminder_make

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


def _path(reminder: Reminder) -> str:
    return "/" + unsubscribe_url(reminder_id=reminder.pk).split("/", 3)[3]


def _one_click(path: str):
    # As a mail program does it: no cookies, no CSRF token, the RFC 8058 body.
    client = Client(enforce_csrf_checks=True)
    return client.post(path, ONE_CLICK, content_type="application/x-www-form-urlencoded")


def test_one_click_post_unsubscribes_without_cookies_or_csrf_token():
    reminder = reminder_make(
        status=ReminderStatus.SENT, sent_at=datetime.datetime.now(datetime.UTC)
    )

    response = _one_click(_path(reminder))

    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.UNSUBSCRIBED
    assert reminder.sent_at is not None  # the record of sending stays


def test_unsubscribing_twice_answers_200_both_times():
    reminder = reminder_make()
    path = _path(reminder)

    first = _one_click(path)
    second = _one_click(path)

    assert (first.status_code, second.status_code) == (200, 200)
    assert Reminder.objects.get().status == ReminderStatus.UNSUBSCRIBED


def test_get_only_shows_a_button_and_changes_nothing(client):
    reminder = reminder_make()

    response = client.get(_path(reminder))

    assert response.status_code == 200
    body = response.content.decode()
    assert '<form method="post"' in body and ">Unsubscribe</button>" in body
    assert Reminder.objects.get().status == ReminderStatus.SCHEDULED
    # a page for a link: not cached, not sent on as a referrer, nothing inline
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_pages_button_unsubscribes(client):
    reminder = reminder_make()
    path = _path(reminder)

    response = client.post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert Reminder.objects.get().status == ReminderStatus.UNSUBSCRIBED
    # and the link then says so on GET
    assert "You are unsubscribed" in client.get(path).content.decode()


def test_the_page_speaks_the_readers_language(client):
    """Passes once the Russian catalogue has this app's strings."""
    reminder = reminder_make(language="ru")

    body = client.get(_path(reminder)).content.decode()

    assert 'lang="ru"' in body
    assert "Отписаться" in body


def test_a_link_to_a_reminder_already_deleted_answers_200():
    reminder = reminder_make()
    path = _path(reminder)
    reminder.delete()

    assert _one_click(path).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        token_make(purpose="manage", subject="1"),  # another purpose
        token_make(purpose=UNSUBSCRIBE_PURPOSE, subject="not a number"),
    ],
)
def test_an_invalid_link_is_not_found_and_changes_nothing(client, token):
    reminder_make()

    assert client.get(f"/reminders/unsubscribe/{token}/").status_code == 404
    assert _one_click(f"/reminders/unsubscribe/{token}/").status_code == 404
    assert Reminder.objects.get().status == ReminderStatus.SCHEDULED


def test_a_truncated_link_is_not_found():
    reminder = reminder_make()
    path = _path(reminder)

    assert _one_click(path[:-6] + "/").status_code == 404
    assert Reminder.objects.get().status == ReminderStatus.SCHEDULED


def test_a_link_for_one_reminder_leaves_other_addresses_alone():
    mine = reminder_make("mine@example.org")
    reminder_make("theirs@example.org")

    _one_click(_path(mine))

    statuses = dict(Reminder.objects.values_list("email", "status"))
    assert statuses == {"mine@example.org": "unsubscribed", "theirs@example.org": "scheduled"}
