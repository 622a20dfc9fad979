"""The "Bank statements" admin page: upload, the refusal said plainly, and settling the
entries to review."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from readerfund.payments.models import ContributionStatus
from readerfund.payments.statements.models import Outcome, StatementEntry
from readerfund.payments.statements.tests.samples import FILES, pending_transfer
from readerfund.payments.statements.tests.test_refused import EXTERNAL_ENTITY

pytestmark = pytest.mark.django_db

PAGE = "/admin/statements/statement/"


def _upload(client, name: str, data: bytes):
    return client.post(PAGE + "upload/", {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_an_uploaded_statement_credits_and_lists_what_needs_review(operator):
    # given a pending €5 transfer of which only €3 arrived
    pending = pending_transfer("RF-0F0F-1234", amount=500)

    # when the day's statement is uploaded
    response = _upload(operator, "camt053.xml", (FILES / "camt053.xml").read_bytes())

    # then the page says what the import did and lists the €3 with the transfer offered
    page = response.content.decode()
    assert "Imported camt053.xml: 5 entries read; 0 transfers credited" in page
    assert "4 payments to review" in page
    assert "RF-0F0F-1234 · €5" in page

    # when the admin credits it to that transfer
    entry = StatementEntry.objects.get(reference="RF-0F0F-1234")
    response = operator.post(
        PAGE + f"entry/{entry.pk}/assign/", {"reference": "RF-0F0F-1234"}, follow=True
    )

    # then the transfer is received with what arrived
    assert "Credited: RF-0F0F-1234 is received, €3" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.SUCCEEDED


def test_a_hostile_upload_is_refused_with_a_clear_message(operator):
    response = _upload(operator, "evil.xml", EXTERNAL_ENTITY)

    assert response.status_code == 200
    assert (
        "The file evil.xml was refused and nothing of it was imported" in response.content.decode()
    )
    assert not StatementEntry.objects.exists()


def test_an_entry_that_is_no_gift_is_dismissed(operator):
    _upload(operator, "statement.sta", (FILES / "statement.sta").read_bytes())
    entry = StatementEntry.objects.get(outcome=Outcome.REVIEW, amount=5000)

    operator.post(PAGE + f"entry/{entry.pk}/dismiss/")

    entry.refresh_from_db()
    assert entry.outcome == Outcome.DISMISSED


def test_staff_without_the_money_permission_cannot_import(client):
    # given a staff member who may only read the admin
    user = get_user_model().objects.create_user("viewer", "v@newsroom.example", "pw")
    user.is_staff = True
    user.save()
    client.force_login(user)

    # then neither the page nor an upload is theirs
    assert client.get(PAGE).status_code == 403
    response = client.post(PAGE + "upload/", {})
    assert response.status_code == 403
