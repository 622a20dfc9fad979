"""A supporter whose bank transfer a statement credited: the entry is in their export, and
their erasure clears the payer's name and text from it (the amount stays)."""

from __future__ import annotations

import pytest

from readerfund.payments.statements.models import StatementEntry
from readerfund.payments.statements.services import statement_import
from readerfund.payments.statements.tests.samples import FILES, pending_transfer
from readerfund.supporters.privacy import supporter_erase, supporter_export

pytestmark = pytest.mark.django_db


def test_a_credited_entry_is_exported_and_its_payer_erased_with_the_supporter():
    # given Maria's €25 transfer, credited from the day's statement
    maria = pending_transfer("RF-AB12-CD34", amount=2500, email="maria@example.org")
    statement_import(data=(FILES / "camt053.xml").read_bytes(), filename="camt053.xml")
    assert maria.supporter is not None

    # then her export lists the entry as the bank wrote it
    (entry,) = supporter_export(maria.supporter)["bank_statement_entries"]
    assert (entry["payer"], entry["amount"], entry["reference"]) == (
        "Maria Ivanova", 2500, "RF-AB12-CD34",
    )  # fmt: skip

    # when she has her data erased
    supporter_erase(maria.supporter)

    # then her name and text are gone from the entry; the amount and date stay; others'
    # entries (the anonymous €50) are untouched
    erased = StatementEntry.objects.get(reference="RF-AB12-CD34")
    assert (erased.payer, erased.remittance, erased.amount) == ("", "", 2500)
    assert StatementEntry.objects.get(amount=5000).payer == "Anonymous friend"
