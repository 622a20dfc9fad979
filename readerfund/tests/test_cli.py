"""The console script as an operator runs it: demo, serve, settings, start-up failures."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from readerfund.config import markdown_table
from readerfund.tests.processes import (
    READERFUND,
    clean_environment,
    fetch,
    free_port,
    start,
    wait_for_http,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_serve_refuses_to_start_without_a_required_production_setting(tmp_path, missing):
    # given a production environment with one required setting left out
    env = clean_environment(
        SECRET_KEY="x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="news.example.org",
        READERFUND_DATA_DIR=str(tmp_path),
    )
    del env[missing]

    # when the operator starts the production server
    result = _readerfund(env, "serve", "--port", str(free_port()))

    # then it exits at once, naming the missing setting
    assert result.returncode == 2
    assert f"{missing} is required in production" in result.stderr
    assert "Traceback" not in result.stderr


def _readerfund(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The readerfund command run to its end in env, its output captured."""
    return subprocess.run([*READERFUND, *args], env=env, capture_output=True, text=True, timeout=60)


def _production_with_secret_key(tmp_path: Path, secret_key: str) -> dict[str, str]:
    """A complete production configuration but for the SECRET_KEY given."""
    return clean_environment(
        READERFUND_ENV="production",
        SECRET_KEY=secret_key,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="news.example.org",
        READERFUND_PUBLIC_URL="https://news.example.org",
        READERFUND_DATA_DIR=str(tmp_path),
    )


@pytest.mark.parametrize(
    "secret_key",
    ["x", "short-" + "a" * 20, "django-insecure-" + "abcdefgh" * 6, "x" * 60],
)
def test_serve_refuses_a_weak_secret_key(tmp_path, secret_key):
    # given a complete production configuration whose SECRET_KEY is short or guessable
    env = _production_with_secret_key(tmp_path, secret_key)

    # when the operator starts the production server
    result = _readerfund(env, "serve", "--port", str(free_port()))

    # then Django's deploy check stops it, saying what is wrong and how to make a key
    assert result.returncode == 2
    assert "production refuses to start" in result.stderr
    assert "security.W009" in result.stderr and "SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr
    assert "Traceback" not in result.stderr
    assert "serving on" not in result.stdout


def test_a_production_worker_refuses_a_weak_secret_key_as_serve_does(tmp_path):
    # given a production configuration whose SECRET_KEY is guessable
    env = _production_with_secret_key(tmp_path, "django-insecure-" + "abcdefgh" * 6)

    # when the operator starts a worker (it signs the manage links it emails)
    result = _readerfund(env, "worker", "--batch", "--no-startup-delay")

    # then it exits at once with the same refusal, and systemd does not restart it (exit 2)
    assert result.returncode == 2
    assert "production refuses to start" in result.stderr
    assert "security.W009" in result.stderr
    assert "Traceback" not in result.stderr


def test_readme_carries_the_settings_table():
    readme = (REPO / "README.md").read_text()
    assert markdown_table() in readme


def test_settings_command_prints_every_variable():
    result = subprocess.run(
        [*READERFUND, "settings"], env=clean_environment(), capture_output=True, text=True
    )
    assert result.returncode == 0
    for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "READERFUND_DATA_DIR"):
        assert f"`{name}`" in result.stdout


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


def test_demo_starts_from_nothing_and_reuses_its_data_on_the_second_run(tmp_path):
    # given an empty data directory
    env = clean_environment(READERFUND_DATA_DIR=str(tmp_path / "data"))
    port = free_port()

    # when the demo starts for the first time
    first = start(["demo", "--port", str(port)], env, tmp_path)
    wait_for_http(f"http://127.0.0.1:{port}/demo/", first, timeout=120)
    status, _, body = fetch(f"http://127.0.0.1:{port}/demo/ru/")
    first_output = _stop(first)

    # then it served the newsroom, printed where and how to log in, and stopped cleanly
    assert status == 200 and 'lang="ru"' in body
    assert first.returncode == 0
    assert "readerfund demo stopped." in first_output
    assert f"http://127.0.0.1:{port}/admin/" in first_output
    password = re.search(r"Admin password: (\S+)", first_output)
    assert password is not None
    assert (tmp_path / "data" / "readerfund.sqlite3").exists()

    # when it starts again, it keeps the same database and admin password
    second = start(["demo", "--port", str(port)], env, tmp_path)
    wait_for_http(f"http://127.0.0.1:{port}/demo/", second, timeout=120)
    second_output = _stop(second)
    assert f"Admin password: {password.group(1)}" in second_output
    assert "Traceback" not in first_output + second_output


@pytest.fixture
def production_database_url(tmp_path) -> Iterator[str]:
    """A fresh, empty database of the kind the suite runs on (SQLite or PostgreSQL)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        yield f"sqlite:///{tmp_path / 'production.sqlite3'}"
        return
    name = f"readerfund_serve_{uuid.uuid4().hex[:12]}"
    dsn = f"postgresql://{database['USER']}@{database['HOST']}:{database['PORT']}/postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_serve_runs_gunicorn_on_the_production_database(tmp_path, production_database_url):
    # given a complete production configuration on an empty database
    port = free_port()
    env = clean_environment(
        SECRET_KEY="production-test-" + "k" * 40,
        DATABASE_URL=production_database_url,
        ALLOWED_HOSTS="127.0.0.1",
        READERFUND_PUBLIC_URL=f"http://127.0.0.1:{port}",
        READERFUND_DATA_DIR=str(tmp_path),
        READERFUND_DEMO_SITE="true",
        WEB_CONCURRENCY="1",
    )

    # when the operator serves it, migrating first
    server = start(["serve", "--port", str(port), "--migrate"], env, tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", server, timeout=120)
        status, _headers, body = fetch(f"http://127.0.0.1:{port}/demo/")
        stylesheet = re.search(r'href="(/static/demo/site\.[0-9a-f]{12}\.css)"', body)
        admin_status, _, admin_body = fetch(f"http://127.0.0.1:{port}/admin/login/")
        assert stylesheet is not None, "the page links a hashed stylesheet"
        css_status, css_headers, _ = fetch(f"http://127.0.0.1:{port}{stylesheet.group(1)}")
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)

    # then gunicorn served the site, and hashed static files are cached for a year or more
    assert "gunicorn" in output.lower()
    assert status == 200
    assert admin_status == 200 and "readerfund" in admin_body
    assert css_status == 200
    max_age = re.search(r"max-age=(\d+)", css_headers["Cache-Control"])
    assert max_age is not None and int(max_age.group(1)) >= 31_536_000


def test_worker_runs_queued_tasks_from_the_database(tmp_path):
    # given a migrated database with one task queued in it
    env = clean_environment(
        READERFUND_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'q.sqlite3'}"
    )
    marker = tmp_path / "marker.txt"

    def manage(*args: str) -> None:
        subprocess.run([*READERFUND, "manage", *args], env=env, check=True, timeout=120)

    manage("migrate", "--verbosity", "0")
    manage(
        "shell",
        "-c",
        "from readerfund.tests.worker_tasks import write_marker; "
        f"write_marker.enqueue({str(marker)!r}, 'done')",
    )
    assert not marker.exists()

    # when the worker runs through the queue
    subprocess.run(
        [*READERFUND, "worker", "--batch", "--no-startup-delay"], env=env, check=True, timeout=120
    )

    # then the task ran
    assert marker.read_text() == "done"


def _count_tries(env: dict[str, str], tmp_path: Path, tries: int) -> list[bool]:
    """Counts `tries` checkout starts of one address in a process of its own."""
    script = (
        "from readerfund.core.ratelimit import rate_counted; "
        f"print([rate_counted('checkout-ip', '203.0.113.7', limit=3, window=600) "
        f"for _ in range({tries})])"
    )
    result = subprocess.run(
        [sys.executable, "-m", "readerfund", "manage", "shell", "-v", "0", "-c", script],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return list(eval(result.stdout.strip().splitlines()[-1]))  # noqa: S307 (our own print)


def test_production_app_processes_share_one_rate_limit_count(tmp_path, production_database_url):
    # given a migrated production database (the cache table is made by migrate)
    env = clean_environment(
        READERFUND_ENV="production",
        SECRET_KEY="production-test-" + "k" * 40,
        DATABASE_URL=production_database_url,
        ALLOWED_HOSTS="127.0.0.1",
        READERFUND_PUBLIC_URL="http://127.0.0.1:8000",
        READERFUND_DATA_DIR=str(tmp_path),
    )
    subprocess.run(
        [sys.executable, "-m", "readerfund", "manage", "migrate", "-v", "0"],
        env=env, cwd=tmp_path, check=True, timeout=300,
    )  # fmt: skip

    # when one app process counts two tries of an address and another process two more
    first = _count_tries(env, tmp_path, 2)
    second = _count_tries(env, tmp_path, 2)

    # then the second process saw the first one's tries: the limit of 3 holds across them
    assert first == [True, True]
    assert second == [True, False]
