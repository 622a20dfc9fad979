"""A real worker process killed in the middle of sending, then started again: no reader
gets a reminder twice, and every reminder the first worker did not reach goes out."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter

from readerfund.tests.processes import READERFUND, clean_environment

REMINDERS = 2000
KILL_AFTER = 100  # emails written by the first worker before it is killed

CREATE = f"""
from readerfund.reminders.models import Reminder
from readerfund.reminders.selectors import utc_today
from readerfund.reminders.tasks import send_due_periodically
Reminder.objects.bulk_create(
    Reminder(email=f"reader{{i}}@example.org", remind_on=utc_today()) for i in range({REMINDERS})
)
send_due_periodically.enqueue()
"""
ENQUEUE = """
from readerfund.reminders.tasks import send_due_periodically
send_due_periodically.enqueue()
"""


def _recipients(output: str) -> list[str]:
    return re.findall(r"^To: (\S+)$", output, flags=re.MULTILINE)


def test_a_worker_killed_mid_run_and_started_again_sends_no_reminder_twice(tmp_path):
    # given a database with 2,000 reminders due and the send task queued; the worker
    # "sends" to its console, which goes to a file
    database = tmp_path / "crash.sqlite3"
    env = clean_environment(
        READERFUND_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{database}",
        EMAIL_URL="consolemail://",
    )

    def manage(*args: str) -> None:
        subprocess.run([*READERFUND, "manage", *args], env=env, check=True, timeout=180)

    def worker(log):  # the worker command alone: only the queued task runs
        return subprocess.Popen(
            [*READERFUND, "manage", "db_worker", "--batch", "--no-startup-delay"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    manage("migrate", "--verbosity", "0")
    manage("shell", "-c", CREATE)

    # when the worker is killed (SIGKILL: no cleanup at all) while it is sending
    first_log = tmp_path / "first.log"
    with first_log.open("w") as log:
        first = worker(log)
        deadline = time.monotonic() + 120
        while len(_recipients(first_log.read_text())) < KILL_AFTER:
            assert first.poll() is None, "the worker ended before it could be killed"
            assert time.monotonic() < deadline, "the worker sent nothing for two minutes"
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    before_restart = _recipients(first_log.read_text())

    # and a worker runs again (the periodic chain died with it: the next start queues it)
    manage("shell", "-c", ENQUEUE)
    second_log = tmp_path / "second.log"
    with second_log.open("w") as log:
        assert worker(log).wait(timeout=600) == 0
    after_restart = _recipients(second_log.read_text())

    # then the first worker really stopped mid-run
    assert first.returncode == -signal.SIGKILL
    assert KILL_AFTER <= len(before_restart) < REMINDERS
    # and no address got two emails, across both workers
    delivered = Counter(before_restart + after_restart)
    assert delivered.most_common(1)[0][1] == 1
    assert not set(before_restart) & set(after_restart)
    # and every reminder is sent, except at most the one being sent when the worker died,
    # which is never sent again (at most once) and stays "sending" until it counts as failed
    with sqlite3.connect(database) as db:
        statuses = dict(
            db.execute("SELECT status, COUNT(*) FROM reminders_reminder GROUP BY status")
        )
        sent = {
            row[0]
            for row in db.execute("SELECT email FROM reminders_reminder WHERE status = 'sent'")
        }
    assert set(statuses) <= {"sent", "sending"}
    assert statuses.get("sending", 0) <= 1
    assert statuses["sent"] + statuses.get("sending", 0) == REMINDERS
    assert sent <= set(delivered)
    assert len(delivered) - len(sent) <= 1  # the one whose email left before its status
