"""Backup and restore: a consistent snapshot of the database, with a manifest.

A snapshot is a directory that `backup_create` writes and `backup_restore` reads back:

    manifest.json       readerfund version, database vendor, applied migrations per app,
                        SHA-256 of every other file, when it was made, and the names of the
                        secrets that are *not* in it (the operator keeps those separately)
    database.sqlite3    SQLite: a copy made with SQLite's online backup API
    database.pgdump     PostgreSQL: `pg_dump --format=custom`

Both copies are consistent: SQLite's backup API copies one committed state of the file, and
`pg_dump` reads one transaction snapshot — the same snapshot from which the manifest's
migration list is read, so the manifest always describes the dump beside it.

A snapshot holds supporters' names and addresses: the directory is made readable by its
owner only (docs/backup.md).
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from readerfund.config import ENVIRONMENT

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
POSTGRESQL_FILE = "database.pgdump"


class BackupError(Exception):
    """A backup or restore was refused or failed; the message tells the operator why."""


def secrets_kept_separately() -> list[str]:
    """Names (never values) of the settings a restore needs that no snapshot contains.

    Derived from the settings table, so a new key or signing secret is listed here as soon as
    it is added there.
    """
    return [
        setting.name
        for setting in ENVIRONMENT
        if setting.name in {"SECRET_KEY", "EMAIL_URL"}
        or setting.name.endswith(("_KEY", "_SECRET", "_TOKEN"))
    ]


@dataclass(frozen=True)
class Manifest:
    format: int
    readerfund_version: str
    vendor: str
    created_at: str
    migrations: dict[str, list[str]]
    files: dict[str, str]
    secrets_kept_separately: list[str]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def manifest_read(*, source: Path) -> Manifest:
    path = source / MANIFEST
    try:
        data = json.loads(path.read_text())
        manifest = Manifest(**data)
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist: not a readerfund snapshot.") from None
    except (ValueError, TypeError) as error:
        raise BackupError(f"{path} is not a readerfund manifest: {error}") from None
    if manifest.format != FORMAT:
        raise BackupError(
            f"{path} has snapshot format {manifest.format}; this readerfund reads format {FORMAT}."
        )
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _readerfund_version() -> str:
    return metadata.version("readerfund")


def _vendor(settings_dict: Mapping[str, Any]) -> str:
    engine = str(settings_dict["ENGINE"])
    if engine == "django.db.backends.sqlite3":
        return "sqlite"
    if engine == "django.db.backends.postgresql":
        return "postgresql"
    raise BackupError(f"readerfund backs up SQLite and PostgreSQL, not {engine}.")


def _migrations_by_app(rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    by_app: dict[str, list[str]] = {}
    for app, name in sorted(rows):
        by_app.setdefault(app, []).append(name)
    return by_app


# ---- PostgreSQL ---------------------------------------------------------------------------


def postgresql_program(name: str) -> str:
    """Debian's client program `name` (pg_dump, pg_restore): on PATH, else the newest under
    /usr/lib/postgresql/*/bin (pg_dump must be at least as new as the server)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")

    def major(path: str) -> int:
        version = Path(path).parts[-3]
        return int(version) if version.isdigit() else 0

    if candidates:
        return max(candidates, key=major)
    raise BackupError(
        f"{name} not found on PATH or under /usr/lib/postgresql/*/bin; "
        "install Debian's postgresql-client."
    )


def _postgresql_environment(settings_dict: Mapping[str, Any]) -> dict[str, str]:
    """libpq's variables for this database: the password stays out of the command line."""
    env = dict(os.environ)
    values = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGSSLMODE": settings_dict.get("OPTIONS", {}).get("sslmode"),
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _postgresql_connect(settings_dict: Mapping[str, Any]) -> Any:
    import psycopg
    from psycopg.conninfo import make_conninfo

    params = {
        "dbname": settings_dict.get("NAME"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "sslmode": settings_dict.get("OPTIONS", {}).get("sslmode"),
    }
    given = {key: str(value) for key, value in params.items() if value}
    return psycopg.connect(make_conninfo(**given), autocommit=True)


def _run(argv: list[str], env: Mapping[str, str]) -> None:
    result = subprocess.run(argv, env=dict(env), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed:\n{result.stderr.strip()}")


def _postgresql_backup(settings_dict: Mapping[str, Any], directory: Path) -> list[tuple[str, str]]:
    pg_dump = postgresql_program("pg_dump")
    with closing(_postgresql_connect(settings_dict)) as connection:
        # One snapshot for both: the migrations listed are exactly those in the dump, even if
        # an upgrade migrates the database while the dump runs.
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        rows = connection.execute("SELECT app, name FROM django_migrations").fetchall()
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}",
             f"--file={directory / POSTGRESQL_FILE}"],
            _postgresql_environment(settings_dict),
        )  # fmt: skip
        connection.execute("ROLLBACK")
    return [(str(app), str(name)) for app, name in rows]


def _postgresql_restore(settings_dict: Mapping[str, Any], source: Path) -> None:
    pg_restore = postgresql_program("pg_restore")
    env = _postgresql_environment(settings_dict)
    # All or nothing (--single-transaction, --exit-on-error); the tables belong to whoever
    # restores, whatever role owned them on the old server (--no-owner, --no-privileges).
    _run(
        [pg_restore, "--single-transaction", "--exit-on-error", "--no-owner",
         "--no-privileges", f"--dbname={env['PGDATABASE']}", str(source / POSTGRESQL_FILE)],
        env,
    )  # fmt: skip


# ---- SQLite -------------------------------------------------------------------------------


def _sqlite_backup(settings_dict: Mapping[str, Any], directory: Path) -> list[tuple[str, str]]:
    source_path = Path(str(settings_dict["NAME"]))
    if not source_path.exists():
        raise BackupError(f"the SQLite database {source_path} does not exist.")
    target_path = directory / SQLITE_FILE
    # Its own connection, not Django's: the copy holds committed data only, whatever
    # transaction the calling process has open.
    with (
        closing(sqlite3.connect(source_path)) as source,
        closing(sqlite3.connect(target_path)) as target,
    ):
        source.backup(target)
        # One self-contained file: no write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        rows = target.execute("SELECT app, name FROM django_migrations").fetchall()
    return [(str(app), str(name)) for app, name in rows]


def _sqlite_restore(settings_dict: Mapping[str, Any], source: Path) -> None:
    target_path = Path(str(settings_dict["NAME"]))
    with (
        closing(sqlite3.connect(source / SQLITE_FILE)) as snapshot,
        closing(sqlite3.connect(target_path)) as target,
    ):
        snapshot.backup(target)
        target.execute("PRAGMA journal_mode=WAL")  # as readerfund runs it (settings.py)


# ---- services -----------------------------------------------------------------------------


@contextmanager
def _new_directory(destination: Path) -> Iterator[Path]:
    """A private directory that becomes `destination` only when complete: a half-written
    snapshot never looks like a finished one."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"{destination} already exists and is not empty; choose a new path.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        yield partial
        if destination.exists():
            destination.rmdir()
        partial.rename(destination)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def backup_create(*, destination: Path, using: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Writes a snapshot of database `using` into the new directory `destination`."""
    settings_dict = connections[using].settings_dict
    vendor = _vendor(settings_dict)
    with _new_directory(destination) as directory:
        if vendor == "sqlite":
            rows = _sqlite_backup(settings_dict, directory)
        else:
            rows = _postgresql_backup(settings_dict, directory)
        files = {}
        for path in sorted(directory.iterdir()):
            path.chmod(0o600)
            files[path.name] = _sha256(path)
        manifest = Manifest(
            format=FORMAT,
            readerfund_version=_readerfund_version(),
            vendor=vendor,
            created_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            migrations=_migrations_by_app(rows),
            files=files,
            secrets_kept_separately=secrets_kept_separately(),
        )
        (directory / MANIFEST).write_text(manifest.to_json())
        (directory / MANIFEST).chmod(0o600)
    return manifest


def _checksums_verify(manifest: Manifest, source: Path) -> None:
    expected = {SQLITE_FILE if manifest.vendor == "sqlite" else POSTGRESQL_FILE}
    if set(manifest.files) != expected:
        raise BackupError(f"the manifest lists {sorted(manifest.files)}, expected {expected}.")
    for name, checksum in manifest.files.items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{path} is missing from the snapshot.")
        if _sha256(path) != checksum:
            raise BackupError(f"{path} does not match its checksum: the snapshot is damaged.")


def _migrations_verify(manifest: Manifest) -> None:
    """Refuses a snapshot made by newer code: its schema has migrations this code lacks."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, names in manifest.migrations.items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            f"the snapshot was made by readerfund {manifest.readerfund_version} and has "
            f"migrations this readerfund ({_readerfund_version()}) does not know: "
            f"{', '.join(unknown)}. Install the version that made it (or newer) and restore "
            "with that."
        )


def _empty_verify(using: str) -> None:
    connection = connections[using]
    tables = connection.introspection.table_names()
    connection.close()
    if tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise BackupError(
            f"the database is not empty ({len(tables)} tables: {shown}). readerfund restores "
            "only into an empty database: create a new one, point DATABASE_URL at it and run "
            "the restore again."
        )


def backup_restore(*, source: Path, using: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Restores the snapshot in directory `source` into the empty database `using`.

    Checks, before writing anything: the files match their checksums, the snapshot is of
    this database vendor, this code knows every migration in it, and the database is empty.
    A snapshot older than the code is fine: `readerfund manage migrate` brings it up to date.
    """
    manifest = manifest_read(source=source)
    _checksums_verify(manifest, source)
    settings_dict = connections[using].settings_dict
    vendor = _vendor(settings_dict)
    if manifest.vendor != vendor:
        raise BackupError(
            f"the snapshot is of a {manifest.vendor} database and DATABASE_URL names a "
            f"{vendor} one; restore into a {manifest.vendor} database."
        )
    _migrations_verify(manifest)
    if vendor == "sqlite":
        Path(str(settings_dict["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    _empty_verify(using)
    if vendor == "sqlite":
        _sqlite_restore(settings_dict, source)
    else:
        _postgresql_restore(settings_dict, source)
    return manifest
