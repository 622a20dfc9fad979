"""A receipt the mail server refuses: the task fails where the operator sees it, and the
task table, which holds no personal data, does not get the address from the error."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from readerfund.payments.models import Contribution, PaymentAttempt
from readerfund.payments.providers.sandbox.provider import SIGNATURE_HEADER, SandboxProvider
from readerfund.payments.services import provider_event_apply
from readerfund.payments.tests.conftest import RECEIPT_TASK, task_table_text

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs as in production

READER = "refused.reader@example.org"


def test_a_refused_receipt_fails_its_task_without_the_address_in_the_task_table(settings, caplog):
    # given a gift whose receipt waits for the worker, and a server that refuses the reader
    attempt = PaymentAttempt.objects.create(
        provider="sandbox", frequency="one_off", amount=500, currency="USD", email=READER,
        name="Refused Reader",
    )  # fmt: skip
    provider = SandboxProvider()
    body, signature = provider.event_for(attempt=attempt, paid=True)
    event = provider.parse_webhook(body=body, headers={SIGNATURE_HEADER: signature})
    provider_event_apply(provider="sandbox", event=event)
    contribution = Contribution.objects.get()
    settings.EMAIL_BACKEND = "readerfund.core.tests.mail_backends.RefusesEveryRecipient"

    # when the worker sends it
    with caplog.at_level(logging.INFO, logger="readerfund"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    # then the task failed, saying which receipt and why, and not to whom
    assert mail.outbox == []
    result = DBTaskResult.objects.get(task_path=RECEIPT_TASK)
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == "readerfund.core.mail.EmailNotSent"
    assert (
        f"EmailNotSent: receipt of contribution {contribution.pk} not sent: "
        "SMTPRecipientsRefused" in result.traceback
    )
    stored = task_table_text()
    assert READER not in stored
    assert "refused.reader" not in stored
    # and the log says the same
    assert f"receipt of contribution {contribution.pk} not sent" in caplog.text
    assert "refused.reader" not in caplog.text
