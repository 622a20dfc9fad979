"""Reminders in the admin: found by address, filtered, exported; the offered dates edited."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User

from readerfund.reminders.models import ReminderDate
from readerfund.reminders.tests.factories import reminder_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


def test_reminders_are_found_by_address_and_filtered_by_status(admin_client):
    reminder_make("alice@example.org")
    reminder_make("bob@example.org", status="sent")

    found = admin_client.get("/admin/reminders/reminder/?q=alice").content.decode()
    sent = admin_client.get("/admin/reminders/reminder/?status__exact=sent").content.decode()

    assert "alice@example.org" in found and "bob@example.org" not in found
    assert "bob@example.org" in sent and "alice@example.org" not in sent


def test_reminders_export_as_csv(admin_client):
    first = reminder_make("alice@example.org", remind_on=datetime.date(2027, 2, 1))
    reminder_make("=cmd@example.org", remind_on=datetime.date(2027, 3, 1))

    response = admin_client.post(
        "/admin/reminders/reminder/",
        {"action": "export_csv", "_selected_action": [first.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "email,remind_on,status,language,campaign,variant,created_at,sent_at"
    assert lines[1].startswith("alice@example.org,2027-02-01,scheduled,en,end-of-article-ask,")
    assert len(lines) == 2


def test_the_operator_offers_a_date(admin_client):
    response = admin_client.post(
        "/admin/reminders/reminderdate/add/",
        {"date": "2027-12-03", "label_en": "Giving Day", "label_ru": "", "active": "on"},
    )

    assert response.status_code == 302
    offered = ReminderDate.objects.get()
    assert offered.label("ru") == "Giving Day"  # no Russian label: the English one


def test_reminders_cannot_be_added_or_edited_by_hand(admin_client):
    reminder = reminder_make()

    assert admin_client.get("/admin/reminders/reminder/add/").status_code == 403
    page = admin_client.get(f"/admin/reminders/reminder/{reminder.pk}/change/")
    assert page.status_code == 200  # view only
    assert 'name="email"' not in page.content.decode()
