"""Two imports of the same statement at the same moment (two admins, or cron and an admin):
every transfer credited once, one receipt each. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from readerfund.payments.models import Contribution, ContributionStatus
from readerfund.payments.statements.models import StatementEntry
from readerfund.payments.statements.services import ImportReport, statement_import
from readerfund.payments.statements.tests.samples import (
    Credit,
    mt940_file,
    pending_transfers_many,
    references,
)
from readerfund.payments.tasks import receipts_send

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_statement_imported_twice_at_once_credits_each_transfer_once():
    # given 200 pending transfers and the statement that pays them
    codes = references(200)
    pending_transfers_many(codes, amount=500)
    data = mt940_file(
        Credit(datetime.date(2024, 3, 4), "5,00", code, bank_reference=f"B{n:04d}")
        for n, code in enumerate(codes)
    )
    reports: list[ImportReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def import_once() -> None:
        try:
            start.wait()
            reports.append(statement_import(data=data, filename="march.sta"))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    # when two imports run at the same moment
    threads = [threading.Thread(target=import_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then both finished, and between them every transfer was credited exactly once
    assert errors == []
    assert sorted(r.credited for r in reports) == [0, 200]
    assert sorted(r.known for r in reports) == [0, 200]
    assert StatementEntry.objects.count() == 200
    received = Contribution.objects.filter(status=ContributionStatus.SUCCEEDED).count()
    assert received == 200
    # and the receipts queued name each contribution once
    queued = [
        pk
        for result in DBTaskResult.objects.filter(task_path=receipts_send.module_path)
        for pk in result.args_kwargs["args"][0]
    ]
    assert sorted(queued) == sorted(Contribution.objects.values_list("pk", flat=True))
