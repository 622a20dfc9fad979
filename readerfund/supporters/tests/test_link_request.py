"""The "email me my link" form: one answer for every address, a link only for
supporters, at most a few an hour per address, and a limit per network address."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from readerfund.supporters.emails import LINKS_PER_ADDRESS_PER_HOUR
from readerfund.supporters.models import ManageLinkRequest
from readerfund.supporters.services import LINK_REQUESTS_PER_IP_PER_HOUR
from readerfund.supporters.tests.conftest import local, sandbox_gift
from readerfund.supporters.views import SESSION_KEY

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs as in production

TASK = "readerfund.supporters.emails.manage_link_send"


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def _links() -> list[Any]:
    """The manage-link emails sent (the supporter's receipt goes out too)."""
    return [m for m in mail.outbox if "manage your support" in m.subject]


def _ask(client: Client, email: str, **headers: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/manage/", {"email": email}, headers=headers)
    return response, len(queries)


@pytest.fixture
def known():
    sandbox_gift(email="known@example.org")
    return "known@example.org"


def test_the_form_shows_without_a_session(client):
    page = client.get("/manage/")
    assert page.status_code == 200
    assert "Email me my link" in page.content.decode()
    assert page["Cache-Control"] == "no-store"


def test_known_and_unknown_addresses_get_the_same_answer(known):
    # given two fresh browsers, one asking for a supporter's address, one for a stranger's
    first, second = Client(), Client()
    first.get("/manage/")
    second.get("/manage/")

    # when each asks for a link
    answer_known, queries_known = _ask(first, "Known@Example.org")
    answer_unknown, queries_unknown = _ask(second, "nobody@example.org")

    # then the answers are byte for byte the same, after the same work: one task each
    assert answer_known.status_code == answer_unknown.status_code == 200
    assert answer_known.content == answer_unknown.content
    assert "Check your email" in answer_known.content.decode()
    assert queries_known == queries_unknown
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 2
    assert mail.outbox == []  # nothing is sent by the web request itself

    # and only the supporter gets an email, with a link that signs them in
    _run_worker()
    assert not ManageLinkRequest.objects.exists()  # the addresses are forgotten once handled
    for task in DBTaskResult.objects.filter(task_path=TASK):
        assert "@" not in json.dumps(task.args_kwargs)  # the queue keeps ids only
    assert [message.to for message in _links()] == [["known@example.org"]]
    link = re.search(r"https?://\S+/manage/\S+/(\?lang=\w+)?", _links()[0].body)
    assert link is not None
    browser = Client()
    assert browser.get(local(link.group(0))).status_code == 302
    assert SESSION_KEY in browser.session


def test_at_most_a_few_links_an_hour_go_to_one_address(client, known):
    for _ in range(LINKS_PER_ADDRESS_PER_HOUR + 2):
        response, _queries = _ask(client, known)
        assert response.status_code == 200
    _run_worker()

    assert len(_links()) == LINKS_PER_ADDRESS_PER_HOUR


def test_one_network_address_is_limited(client, known):
    for _ in range(LINK_REQUESTS_PER_IP_PER_HOUR):
        assert _ask(client, "someone@example.org")[0].status_code == 200

    refused, _queries = _ask(client, known)

    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert DBTaskResult.objects.filter(task_path=TASK).count() == LINK_REQUESTS_PER_IP_PER_HOUR
    # another network address is not held up
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _ask(other, known)[0].status_code == 200


def test_a_malformed_address_is_answered_with_the_form(client):
    response, _queries = _ask(client, "not an address")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_the_email_speaks_the_language_the_supporter_asked_in(client, known):
    client.post("/manage/?lang=ru", {"email": known})
    _run_worker()

    [message] = [m for m in mail.outbox if m.subject == "Ваша ссылка для управления поддержкой"]
    assert "?lang=ru" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert '<html lang="ru">' in html
