"""`readerfund backup` and `readerfund restore` as an operator runs them.

The round trip runs on the database the suite runs on: SQLite when DATABASE_URL is unset,
PostgreSQL when scripts/test runs the suite again with DATABASE_URL set (it does so whenever
PostgreSQL answers) — the same rule as the production-server test in readerfund/tests.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import closing
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from readerfund.campaigns.models import Campaign, Variant
from readerfund.campaigns.tests.factories import campaign_create
from readerfund.core.backup import (
    BackupError,
    backup_create,
    backup_restore,
    manifest_read,
    secrets_kept_separately,
)
from readerfund.payments.models import Contribution, RecurringPlan
from readerfund.reminders.models import Reminder
from readerfund.reminders.tests.factories import reminder_make
from readerfund.supporters.models import Supporter
from readerfund.supporters.tests.conftest import sandbox_gift
from readerfund.tests.processes import READERFUND, clean_environment

REPO = Path(__file__).resolve().parents[3]
SPRING_RU = "Весенний сбор"  # noqa: RUF001 (Russian)
ALL_ROWS = 'SELECT * FROM "{}"'  # table names come from the database's own catalogue


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """The DATABASE_URL of a Django database (the suite's test database)."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return (
        f"postgres://{settings_dict['USER']}{password}@{settings_dict['HOST']}:"
        f"{settings_dict['PORT']}/{settings_dict['NAME']}"
    )


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the kind the suite runs on, dropped afterwards."""
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        yield f"sqlite:///{tmp_path / 'restored' / 'readerfund.sqlite3'}"
        return
    name = f"bk_dst_{uuid.uuid4().hex[:12]}"
    server = database_url({**settings_dict, "NAME": "postgres"})
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url({**settings_dict, "NAME": name})
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and, on PostgreSQL, every sequence's position), read with
    the database's own driver, in a stable order."""
    if url.startswith("sqlite:///"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db:
            tables = [
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            found = {table: db.execute(ALL_ROWS.format(table)).fetchall() for table in tables}
    else:
        with psycopg.connect(url) as db:
            tables = [
                row[0]
                for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
            ]
            found = {table: db.execute(ALL_ROWS.format(table)).fetchall() for table in tables}
            found["(sequences)"] = db.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname='public'"
            ).fetchall()
    return {table: sorted(rows, key=repr) for table, rows in found.items()}


def readerfund(*args: str, database: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = clean_environment(DATABASE_URL=database, READERFUND_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [*READERFUND, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=180
    )


@pytest.mark.django_db(transaction=True)  # committed: the backup is another process
def test_a_snapshot_restores_into_an_empty_database_with_every_row_equal(
    tmp_path, empty_database_url
):
    # given supporters with a monthly and a one-off gift, campaigns and a reminder
    sandbox_gift(email="monthly@example.org", frequency="monthly", amount=500)
    sandbox_gift(email="once@example.org", frequency="one_off", amount=2500, currency="EUR")
    campaign_create(slug="spring", name=SPRING_RU, variants=("control", "b"))
    campaign_create(slug="notice", channel="header")
    reminder_make("later@example.org")
    source = database_url(connection.settings_dict)
    before = every_row(source)
    snapshot = tmp_path / "snapshot"

    # when the operator backs it up and restores the snapshot into a new, empty database
    backup = readerfund("backup", str(snapshot), database=source, tmp_path=tmp_path)
    restore = readerfund("restore", str(snapshot), database=empty_database_url, tmp_path=tmp_path)

    # then both succeed and every row of every table is there, equal
    assert backup.returncode == 0, backup.stderr
    assert restore.returncode == 0, restore.stderr
    after = every_row(empty_database_url)
    for model, count in [
        (Supporter, 2), (Contribution, 2), (RecurringPlan, 1), (Campaign, 2), (Variant, 3),
        (Reminder, 1),
    ]:  # fmt: skip
        assert len(before[model._meta.db_table]) == count, model
    assert sorted(after) == sorted(before)
    for table, rows in before.items():
        assert after[table] == rows, table

    # and the restored database is up to date with this code's migrations
    check = readerfund(
        "manage", "migrate", "--check", database=empty_database_url, tmp_path=tmp_path
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    # given a snapshot, and the suite's own database, which has readerfund's tables
    backup_create(destination=tmp_path / "snapshot")
    Supporter.objects.create(email="kept@example.org")

    # when the operator restores into it
    result = readerfund(
        "restore",
        str(tmp_path / "snapshot"),
        database=database_url(connection.settings_dict),
        tmp_path=tmp_path,
    )

    # then nothing is restored, and the message says why and what to do
    assert result.returncode == 1
    assert "the database is not empty" in result.stderr
    assert "create a new one" in result.stderr
    assert "Traceback" not in result.stderr
    assert Supporter.objects.filter(email="kept@example.org").exists()


@pytest.mark.django_db
def test_restore_refuses_a_damaged_snapshot(tmp_path):
    # given a snapshot whose database file lost a byte's worth of data
    manifest = backup_create(destination=tmp_path / "snapshot")
    (name,) = manifest.files
    damaged = tmp_path / "snapshot" / name
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))

    # when it is restored, then the checksum stops it before the database is looked at
    with pytest.raises(BackupError, match="does not match its checksum"):
        backup_restore(source=tmp_path / "snapshot")


@pytest.mark.django_db
def test_restore_refuses_a_snapshot_made_by_newer_code(tmp_path):
    # given a snapshot with a migration this code does not have
    backup_create(destination=tmp_path / "snapshot")
    manifest_path = tmp_path / "snapshot" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"]["payments"].append("0099_from_a_newer_release")
    manifest_path.write_text(json.dumps(manifest))

    # when it is restored, then it is refused, naming the migration
    with pytest.raises(BackupError, match=r"does not know: payments\.0099_from_a_newer_release"):
        backup_restore(source=tmp_path / "snapshot")


@pytest.mark.django_db
def test_backup_refuses_to_write_over_an_existing_snapshot(tmp_path):
    # given a directory that already holds something
    destination = tmp_path / "snapshot"
    destination.mkdir()
    (destination / "manifest.json").write_text("yesterday's")

    # when a backup is made there, then it is refused and the old file stays
    with pytest.raises(BackupError, match="already exists and is not empty"):
        backup_create(destination=destination)
    assert (destination / "manifest.json").read_text() == "yesterday's"
    assert [path.name for path in tmp_path.iterdir()] == ["snapshot"]  # no half-written copy


@pytest.mark.django_db
def test_manifest_describes_the_snapshot_and_names_secrets_without_their_values(
    tmp_path, monkeypatch
):
    # given production secrets in the environment
    values = {
        "SECRET_KEY": "secret-key-value-1234567890",
        "STRIPE_SECRET_KEY": "sk_live_value_1234567890",
        "STRIPE_WEBHOOK_SECRET": "whsec_value_1234567890",
        "EMAIL_URL": "smtp+tls://mailer:mail-password-123@mail.example.org:587",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    # when a backup is made
    manifest = backup_create(destination=tmp_path / "snapshot")

    # then the manifest tells the version, the vendor, the migrations and the checksums
    text = (tmp_path / "snapshot" / "manifest.json").read_text()
    assert manifest_read(source=tmp_path / "snapshot") == manifest
    assert manifest.readerfund_version == metadata.version("readerfund")
    assert manifest.vendor == {"sqlite": "sqlite", "postgresql": "postgresql"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = sorted(cursor.fetchall())
    assert sorted((app, name) for app, names in manifest.migrations.items() for name in names) == (
        applied
    )
    for name, checksum in manifest.files.items():
        assert hashlib.sha256((tmp_path / "snapshot" / name).read_bytes()).hexdigest() == checksum
    # and names what the operator keeps elsewhere, never the values
    assert set(values) | {"STRIPE_PUBLISHABLE_KEY"} <= set(manifest.secrets_kept_separately)
    assert manifest.secrets_kept_separately == secrets_kept_separately()
    for value in values.values():
        assert value not in text
    # and only its owner can read it (it holds supporters' addresses)
    assert (tmp_path / "snapshot").stat().st_mode & 0o777 == 0o700
