"""A real `readerfund worker` against a PostgreSQL server that is down when it starts and
goes down again while it runs: the worker waits, logs each outage once, and carries on
(issue 13, finding 3)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from readerfund.tests.postgres_server import postgres_server
from readerfund.tests.processes import READERFUND, clean_environment


def _until_file(path: Path, worker: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert worker.poll() is None, f"the worker exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"no task ran in {timeout} s:\n{log.read_text()}"
        time.sleep(0.1)


def _until_logged(text: str, times: int, worker: subprocess.Popen[bytes], log: Path) -> None:
    """Waits until the worker's log says `text` `times` times (a loaded machine starts a
    process slowly: waiting a fixed time could miss the outage altogether)."""
    deadline = time.monotonic() + 60
    while log.read_text().count(text) < times:
        assert worker.poll() is None, f"the worker exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"not logged {times}x: {text}\n{log.read_text()}"
        time.sleep(0.1)


def test_the_worker_outlives_database_outages_and_runs_tasks_when_it_is_back(tmp_path):
    with postgres_server() as database:
        env = clean_environment(
            READERFUND_DATA_DIR=str(tmp_path),
            DATABASE_URL=database.url,
            EMAIL_URL="consolemail://",
        )

        def manage(*args: str) -> None:
            subprocess.run([*READERFUND, "manage", *args], env=env, check=True, timeout=60)

        def enqueue(marker: Path) -> None:
            manage("shell", "-c", "from readerfund.tests.worker_tasks import write_marker; "
                   f"write_marker.enqueue({str(marker)!r}, 'ran')")  # fmt: skip

        # given a migrated database that is down when the worker starts
        database.start()
        manage("migrate", "--verbosity", "0")
        database.stop()
        log = tmp_path / "worker.log"
        with log.open("wb") as output:
            worker = subprocess.Popen(
                [*READERFUND, "worker", "--no-startup-delay", "--interval", "0.2"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            _until_logged("database unreachable", 1, worker, log)
            time.sleep(1)  # a few more reconnection attempts, each failing
            assert worker.poll() is None, f"the worker exited:\n{log.read_text()}"

            # when the database comes up, the worker runs what is queued
            database.start()
            enqueue(tmp_path / "first")
            _until_file(tmp_path / "first", worker, log, timeout=15)

            # and when the database goes away under the running worker and comes back
            database.stop()
            _until_logged("database unreachable", 2, worker, log)
            assert worker.poll() is None, f"the worker exited:\n{log.read_text()}"
            database.start()
            enqueue(tmp_path / "second")
            _until_file(tmp_path / "second", worker, log, timeout=15)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)

    # then each outage is logged once when it starts and once when it ends
    text = log.read_text()
    assert text.count("database unreachable") == 2, text
    assert text.count("database reachable again") == 2, text
    assert "Traceback" not in text
