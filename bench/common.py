"""Shared pieces of the benchmarks: a real server in a subprocess, medians, the report line."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("READERFUND_CHROMIUM", "/usr/bin/chromium")
POSTGRES_URL = os.environ.get(
    "READERFUND_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)


def report(name: str, value: float, unit: str, baseline_name: str, baseline: float) -> None:
    """One line per figure: the figure, what it is compared with, and the ratio."""
    ratio = f"{value / baseline:.2f}" if baseline else ("1.00" if value == baseline else "-")
    print(
        f"{name:<44} {value:>10.2f} {unit:<8} | {baseline_name}: {baseline:.2f} {unit}"
        f" | ratio {ratio}",
        flush=True,
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def postgres_reachable() -> bool:
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]


def readerfund(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "readerfund", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


@contextlib.contextmanager
def bench_database(kind: str, data_dir: str) -> Iterator[str]:
    """A fresh database of the kind asked for ('sqlite' or 'postgres'), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{data_dir}/bench.sqlite3"
        return
    import psycopg

    name = f"readerfund_bench_{os.getpid()}"
    admin = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_environment(data_dir: str, database_url: str, **extra: str) -> dict[str, str]:
    """A production process's environment for a benchmark: this one's without readerfund's
    and Django's own variables, a throwaway data directory and database, DEBUG off (no
    query log in memory); `extra` comes last."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("READERFUND_", "DJANGO_"))},
        "READERFUND_ENV": "production",
        "READERFUND_DATA_DIR": data_dir,
        "SECRET_KEY": "bench-secret-key-" + "x0y1z2" * 8,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "READERFUND_PUBLIC_URL": "http://127.0.0.1",
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "readerfund.settings",
        **extra,
    }


@contextlib.contextmanager
def production_env(
    database: str = "sqlite", *, public_url: str, extra_env: Mapping[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """A production environment on a migrated, empty database of the kind asked for (and a
    throwaway data directory); `extra_env` comes last."""
    with (
        tempfile.TemporaryDirectory(prefix="readerfund-bench-") as data,
        bench_database(database, data) as database_url,
    ):
        env = production_environment(
            data,
            database_url,
            READERFUND_PUBLIC_URL=public_url,
            # The load comes from one address; a reader's budget would turn it into 429s.
            READERFUND_EVENTS_PER_MINUTE="100000000",
            **(extra_env or {}),
        )
        readerfund("manage", "migrate", "-v", "0", env=env)
        yield env


@contextlib.contextmanager
def production_server(
    *, database: str = "sqlite", workers: int = 2, extra_env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """`readerfund serve` (gunicorn) on a fresh database, with the demo campaigns loaded.

    `extra_env` is added to the server's environment last (e.g. Stripe keys).
    """
    extra = {
        "READERFUND_DEMO_SITE": "true",
        "WEB_CONCURRENCY": str(workers),
        # the demo campaigns' payment marks (visa, mastercard, crypto, bank) must be offered
        # for the campaigns to load: the demo's methods, with the test-mode stand-ins for the
        # card and crypto
        "READERFUND_TEST_MODE": "on",
        "READERFUND_BANK_DETAILS": "Account holder: The Far Shore (bench); IBAN: DE00 0000",
        "READERFUND_PAYMENT_METHODS": "RU:btcpay,bank_transfer;*:stripe,btcpay,bank_transfer",
        **(extra_env or {}),
    }
    with production_env(database, public_url="http://127.0.0.1", extra_env=extra) as env:
        readerfund(
            "campaigns", "load", str(REPO / "readerfund/demo/content/campaigns.yaml"), env=env
        )
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "readerfund", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url + "/healthz")
            yield Server(url, env)
        finally:
            process.terminate()
            process.wait(timeout=30)


def bench_server_url() -> str:
    """The PostgreSQL server the database benchmarks use (READERFUND_BENCH_POSTGRES_URL)."""
    return os.environ.get("READERFUND_BENCH_POSTGRES_URL", POSTGRES_URL)


@contextlib.contextmanager
def bench_postgres_database(name: str) -> Iterator[str]:
    """A fresh database `name` on that server, dropped afterwards; yields its URL."""
    import psycopg

    server = bench_server_url().rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child_on_bench_postgres(label: str, module: str, database: str) -> None:
    """Runs `python -m module` as a production process on a fresh database `database` of the
    benchmarks' PostgreSQL server (dropped afterwards), so that it never meets the test
    suite's; exits naming `label` when that server is not reachable."""
    import psycopg

    try:
        psycopg.connect(bench_server_url(), connect_timeout=3).close()
    except psycopg.Error as error:
        raise SystemExit(
            f"{label}: PostgreSQL is not reachable at {bench_server_url()}: {error}"
        ) from None
    with (
        tempfile.TemporaryDirectory(prefix=f"readerfund-bench-{label}-") as data,
        bench_postgres_database(database) as url,
    ):
        os.makedirs(os.path.join(data, "static"))  # whitenoise warns without it
        env = production_environment(data, url)
        subprocess.run([sys.executable, "-m", module], env=env, check=True)
