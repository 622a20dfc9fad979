"""Bank statement import: 10,000 credits of one MT940 file, each paying a pending bank
transfer, parsed + matched + credited (receipts queued, entries stored), beside parsing the
same file alone, in the same run; on SQLite and on PostgreSQL (where one answers).
Target: the import within 5 s. A second import of the same file (everything known) too.

`scripts/bench rails` (this is its statements part) or `python -m bench statements`.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tempfile
import time

from bench.common import (
    bench_database,
    median,
    postgres_reachable,
    production_environment,
    report,
)

ENTRIES = 10_000
PARSE_RUNS = 3
TARGET_SECONDS = 5.0


def run() -> None:
    kinds = ["sqlite"] + (["postgres"] if postgres_reachable() else [])
    if "postgres" not in kinds:
        print("statements: PostgreSQL not reachable, SQLite only", flush=True)
    for kind in kinds:
        with (
            tempfile.TemporaryDirectory(prefix="readerfund-bench-statements-") as data,
            bench_database(kind, data) as url,
        ):
            os.makedirs(os.path.join(data, "static"))  # whitenoise warns without it
            env = production_environment(data, url, BENCH_DATABASE_KIND=kind)
            subprocess.run([sys.executable, "-m", "bench.statements"], env=env, check=True)


def _inside() -> None:
    # Django is set up first: the modules below use models.
    import django

    django.setup()
    from django.core.management import call_command

    from readerfund.payments.models import Contribution, ContributionStatus
    from readerfund.payments.statements.services import statement_import, statement_read
    from readerfund.payments.statements.tests.samples import (
        Credit,
        mt940_file,
        pending_transfers_many,
        references,
    )

    kind = os.environ["BENCH_DATABASE_KIND"]
    call_command("migrate", verbosity=0)
    codes = references(ENTRIES)
    pending_transfers_many(codes, amount=500)
    day = datetime.date(2024, 3, 4)
    data = mt940_file(
        Credit(day, "5,00", f"SPENDE {code}", bank_reference=f"B{n:06d}")
        for n, code in enumerate(codes)
    )

    parse = []
    for _ in range(PARSE_RUNS):
        started = time.perf_counter()
        _kind, lines = statement_read(data=data)
        parse.append(time.perf_counter() - started)
    assert len(lines) == ENTRIES

    started = time.perf_counter()
    first = statement_import(data=data, filename="bench.sta")
    imported = time.perf_counter() - started
    started = time.perf_counter()
    again = statement_import(data=data, filename="bench.sta")
    reimported = time.perf_counter() - started

    received = Contribution.objects.filter(status=ContributionStatus.SUCCEEDED).count()
    assert (first.credited, again.credited, received) == (ENTRIES, 0, ENTRIES), (
        first.credited, again.credited, received,
    )  # fmt: skip
    parsed = median(parse)
    report(f"[{kind}] import {ENTRIES:,} (parse+match+credit)", imported, "s", "parse only", parsed)
    report(f"[{kind}] the same file again (all known)", reimported, "s", "parse only", parsed)
    verdict = "within" if imported <= TARGET_SECONDS else "OVER"
    print(f"[{kind}] import {verdict} the {TARGET_SECONDS:.0f} s target", flush=True)


if __name__ == "__main__":
    _inside()
