"""The reminder API behind remind.js: the form's choices, asking, and what it never tells."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from readerfund.reminders.models import Reminder, ReminderDate, ReminderStatus
from readerfund.reminders.selectors import (
    date_long,
    months_later,
    utc_today,
)
from readerfund.reminders.services import RATE_LIMIT_PER_EMAIL, RATE_LIMIT_PER_IP
from readerfund.reminders.tests.factories import reminder_make
from readerfund.supporters.models import Supporter

pytestmark = pytest.mark.django_db

URL = "/api/reminders"


def _ask(client: Client, *, content_type: str = "text/plain;charset=UTF-8", **fields):
    body = {
        "email": "reader@example.org",
        "when": "next-month",
        "campaign": "end-of-article-ask",
        "variant": "urgent",
        "lang": "en-GB",
        **fields,
    }
    return client.post(URL, json.dumps(body), content_type=content_type)


# ---- the dates offered --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2027, 1, 15), 1, datetime.date(2027, 2, 15)),
        (datetime.date(2027, 1, 31), 1, datetime.date(2027, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 3), 1, datetime.date(2027, 1, 3)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
        (datetime.date(2027, 5, 31), 3, datetime.date(2027, 8, 31)),
    ],
)
def test_next_month_is_the_same_day_clamped_to_the_months_end(day, months, expected):
    assert months_later(day, months) == expected


def test_the_form_offers_next_month_three_months_and_the_operators_future_dates(client):
    today = utc_today()
    giving_day = ReminderDate.objects.create(
        date=today + datetime.timedelta(days=10), label_en="Giving Day", label_ru="День щедрости"
    )
    ReminderDate.objects.create(date=today, label_en="Today is not later")
    ReminderDate.objects.create(date=today - datetime.timedelta(days=1), label_en="Past")
    ReminderDate.objects.create(
        date=today + datetime.timedelta(days=20), label_en="Withdrawn", active=False
    )

    response = client.get(URL + "?lang=en-US")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["lang"] == "en"
    assert body["title"] == "Email me a reminder"
    assert body["email"] == "Your email address"
    assert body["submit"] == "Remind me"
    assert body["choices"] == [
        {"value": "next-month", "label": f"Next month, {date_long(months_later(today, 1), 'en')}"},
        {
            "value": "three-months",
            "label": f"In three months, {date_long(months_later(today, 3), 'en')}",
        },
        {
            "value": giving_day.date.isoformat(),
            "label": f"Giving Day, {date_long(giving_day.date, 'en')}",
        },
    ]


def test_dates_are_written_in_the_readers_language(client):
    today = utc_today()
    ReminderDate.objects.create(
        date=today + datetime.timedelta(days=10), label_en="Giving Day", label_ru="День щедрости"
    )

    body = client.get(URL + "?lang=ru").json()

    assert body["lang"] == "ru"
    labels = [choice["label"] for choice in body["choices"]]
    assert date_long(months_later(today, 1), "ru") in labels[0]
    assert labels[2].startswith("День щедрости, ")
    assert re.search(r"\d+ [а-я]+ \d{4}", labels[0])  # noqa: RUF001 (day, month in Russian, year)


def test_the_form_speaks_russian(client):
    """Passes once the Russian catalogue has this app's strings (docs/reminders.md)."""
    body = client.get(URL + "?lang=ru").json()

    assert body["title"] == "Напомнить по почте"
    assert body["choices"][0]["label"].startswith("Через месяц, ")


def test_an_unknown_language_falls_back_to_english(client):
    assert client.get(URL + "?lang=xx").json()["lang"] == "en"


# ---- asking -------------------------------------------------------------------------------


def test_asking_schedules_one_reminder_with_its_attribution(client):
    response = _ask(client, email="  Reader@Example.ORG ", when="three-months")

    expected = months_later(utc_today(), 3)
    assert response.status_code == 200
    assert response.json() == {
        "message": f"Thank you. We'll email you around {date_long(expected, 'en')}.",
        "date": expected.isoformat(),
    }
    reminder = Reminder.objects.get()
    assert reminder.email == "reader@example.org"
    assert reminder.remind_on == expected
    assert reminder.status == ReminderStatus.SCHEDULED
    assert (reminder.language, reminder.campaign, reminder.variant) == (
        "en",
        "end-of-article-ask",
        "urgent",
    )


def test_an_operator_date_is_accepted_by_its_iso_date(client):
    giving_day = ReminderDate.objects.create(
        date=utc_today() + datetime.timedelta(days=5), label_en="Giving Day"
    )

    response = _ask(client, when=giving_day.date.isoformat(), campaign=None, variant=None)

    assert response.status_code == 200
    reminder = Reminder.objects.get()
    assert reminder.remind_on == giving_day.date
    assert (reminder.campaign, reminder.variant) == ("", "")


def test_asking_again_replaces_the_date_rather_than_adding_a_reminder(client):
    _ask(client, when="next-month")
    _ask(client, email="READER@example.org", when="three-months", lang="ru")

    reminder = Reminder.objects.get()
    assert reminder.remind_on == months_later(utc_today(), 3)
    assert reminder.language == "ru"


def test_asking_again_after_a_sent_reminder_schedules_a_new_one(client):
    reminder_make(
        status=ReminderStatus.SENT, sent_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )

    _ask(client)

    reminder = Reminder.objects.get()
    assert reminder.status == ReminderStatus.SCHEDULED
    assert reminder.sent_at is None


def test_a_json_content_type_works_too_after_its_preflight(client):
    preflight = client.options(
        URL,
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://news.example"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert preflight["Access-Control-Allow-Headers"] == "Content-Type"

    response = _ask(client, content_type="application/json")

    assert response.status_code == 200
    assert Reminder.objects.count() == 1


def test_answers_carry_cors_for_the_newsrooms_origin(client, settings):
    settings.READERFUND_EMBED_ORIGINS = ["https://news.example"]

    allowed = client.get(URL, headers={"Origin": "https://news.example"})
    refused = client.post(
        URL,
        json.dumps({"email": "a@example.org", "when": "next-month"}),
        content_type="text/plain",
        headers={"Origin": "https://evil.example"},
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Origin" in allowed["Vary"]
    assert refused.status_code == 403
    assert Reminder.objects.count() == 0


# ---- bad input: 400 with a message, never 500 ----------------------------------------------

NO_EMAIL = "Please enter your email address."
BAD_EMAIL = "Please enter a valid email address."
NOT_OFFERED = "Please choose one of the dates offered."
NOT_JSON = "the body must be a JSON object"
EMAIL = "a@example.org"


def _body(**fields: object) -> str:
    return json.dumps(fields)


BAD = [
    ("not json", NOT_JSON, None),
    ('["a list"]', NOT_JSON, None),
    (b"\xff\xfe", NOT_JSON, None),
    (_body(when="next-month"), NO_EMAIL, "email"),
    (_body(email=42, when="next-month"), NO_EMAIL, "email"),
    (_body(email="nobody", when="next-month"), BAD_EMAIL, "email"),
    (_body(email="a" * 250 + "@example.org", when="next-month"), BAD_EMAIL, "email"),
    (_body(email=EMAIL), NOT_OFFERED, "when"),
    (_body(email=EMAIL, when="2030-01-01"), NOT_OFFERED, "when"),
    (_body(email=EMAIL, when=["next-month"]), NOT_OFFERED, "when"),
    (_body(email=EMAIL, when="tomorrow"), NOT_OFFERED, "when"),
    (
        _body(email=EMAIL, when="next-month", campaign={"x": 1}),
        "campaign must be an id of letters, digits, - and _ (at most 60).",
        None,
    ),
    (
        _body(email=EMAIL, when="next-month", variant="<script>"),
        "variant must be an id of letters, digits, - and _ (at most 40).",
        None,
    ),
    ("[" * 3000, "the body must be a JSON object", None),  # deeper than Python parses
]


@pytest.mark.parametrize(("body", "message", "field"), BAD)
def test_bad_input_is_refused_with_a_clear_message(client, body, message, field):
    response = client.post(URL, body, content_type="text/plain")

    assert response.status_code == 400
    assert response.json()["error"] == message
    assert response.json().get("field") == field
    assert Reminder.objects.count() == 0


def test_an_arbitrary_date_is_refused_even_when_it_is_a_withdrawn_operator_date(client):
    withdrawn = ReminderDate.objects.create(
        date=utc_today() + datetime.timedelta(days=5), label_en="Withdrawn", active=False
    )

    response = _ask(client, when=withdrawn.date.isoformat())

    assert response.status_code == 400
    assert response.json()["field"] == "when"


def test_a_huge_body_is_refused(client):
    response = client.post(URL, "x" * 5000, content_type="text/plain")
    assert response.status_code == 413


def test_errors_come_in_the_readers_language(client):
    """Passes once the Russian catalogue has this app's strings."""
    response = _ask(client, email="nobody", lang="ru")
    assert response.json()["error"] == "Введите правильный адрес электронной почты."


# ---- no enumeration, no timing tell --------------------------------------------------------


def _normalized(queries: list[dict[str, str]]) -> list[str]:
    """The statements with their values left out (the address and the moment differ)."""
    return [re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"]) for query in queries]


def test_new_pending_and_supporter_addresses_get_the_same_answer_after_the_same_work(client):
    # given an address with a reminder pending and a supporter's address
    reminder_make("pending@example.org", remind_on=utc_today() + datetime.timedelta(days=9))
    Supporter.objects.create(email="supporter@example.org", name="A Supporter")

    answers = []
    statements = []
    for email in ("new@example.org", "pending@example.org", "supporter@example.org"):
        with CaptureQueriesContext(connection) as queries:
            response = _ask(client, email=email, when="next-month")
        answers.append((response.status_code, response.content, sorted(response.items())))
        statements.append(_normalized(queries.captured_queries))

    # then the three answers are byte for byte the same, headers included
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    # and the server ran the same statements for each: one upsert, no lookup of the address
    assert statements[0] == statements[1] == statements[2]
    upserts = [sql for sql in statements[0] if '"reminders_reminder"' in sql]
    assert len(upserts) == 1 and "ON CONFLICT" in upserts[0]
    assert not any("supporters_supporter" in sql for sql in statements[0])
    # nothing is sent or queued now, for any of them
    assert DBTaskResult.objects.count() == 0
    assert Reminder.objects.filter(status=ReminderStatus.SCHEDULED).count() == 3


def test_no_email_leaves_when_asking(client, mailoutbox):
    _ask(client, email="new@example.org")
    reminder_make("old@example.org")
    _ask(client, email="old@example.org")

    assert mailoutbox == []


# ---- rate limits ---------------------------------------------------------------------------


def test_one_address_asking_too_often_is_told_to_wait(client):
    answers = [
        _ask(client, email="same@example.org").status_code for _ in range(RATE_LIMIT_PER_EMAIL + 1)
    ]

    assert answers == [200] * RATE_LIMIT_PER_EMAIL + [429]
    refused = _ask(client, email="same@example.org")
    assert refused.json() == {
        "error": "Too many requests. Please wait a few minutes and try again.",
        "field": None,
    }


def test_one_network_address_asking_for_many_emails_is_told_to_wait(client):
    answers = [
        _ask(client, email=f"reader{i}@example.org").status_code
        for i in range(RATE_LIMIT_PER_IP + 1)
    ]

    assert answers == [200] * RATE_LIMIT_PER_IP + [429]
    assert Reminder.objects.count() == RATE_LIMIT_PER_IP
    # another network address is not limited
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert _ask(other, email="someone@example.org").status_code == 200


def test_a_limited_address_answers_the_same_whether_known_or_not(client):
    reminder_make("known@example.org")
    for email in ("known@example.org", "unknown@example.org"):
        for _ in range(RATE_LIMIT_PER_EMAIL):
            _ask(Client(REMOTE_ADDR=f"198.51.100.{len(email)}"), email=email)

    known = _ask(Client(REMOTE_ADDR="192.0.2.1"), email="known@example.org")
    unknown = _ask(Client(REMOTE_ADDR="192.0.2.2"), email="unknown@example.org")

    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content
