"""A manage link the mail server refuses: the task fails where the operator sees it, and
the task table, which holds no personal data, does not get the address from the error."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from readerfund.payments.tests.conftest import task_table_text
from readerfund.supporters.tests.conftest import sandbox_gift, supporter_of

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs as in production

READER = "refused.reader@example.org"
LINK_TASK = "readerfund.supporters.emails.manage_link_send"


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def test_a_refused_manage_link_fails_its_task_without_the_address_in_the_task_table(
    client: Client, settings, caplog
):
    # given a supporter whose receipt went out, then a server that refuses them
    sandbox_gift(email=READER)
    _run_worker()
    assert [m.to for m in mail.outbox] == [[READER]]
    settings.EMAIL_BACKEND = "readerfund.core.tests.mail_backends.RefusesEveryRecipient"

    # when they ask for their link and the worker sends it
    client.get("/manage/")
    response = client.post("/manage/", {"email": READER})
    assert "Check your email" in response.content.decode()
    with caplog.at_level(logging.INFO, logger="readerfund"):
        _run_worker()

    # then the task failed, saying which link and why, and not to whom
    result = DBTaskResult.objects.get(task_path=LINK_TASK)
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == "readerfund.core.mail.EmailNotSent"
    supporter = supporter_of(READER)
    assert (
        f"EmailNotSent: manage link for supporter {supporter.pk} not sent: "
        "SMTPRecipientsRefused" in result.traceback
    )
    stored = task_table_text()
    assert READER not in stored
    assert "refused.reader" not in stored
    # and the log says the same
    assert f"manage link for supporter {supporter.pk} not sent" in caplog.text
    assert "refused.reader" not in caplog.text
