"""A real worker killed (SIGKILL) while it sends a receipt, then another worker started: the
reader gets that receipt exactly once (issue 13, finding 2)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable

from readerfund.tests.processes import READERFUND, clean_environment
from readerfund.tests.smtp_server import smtp_server

GIFT = """
from readerfund.payments.models import Contribution
from readerfund.payments.tasks import receipt_send
Supporter = Contribution._meta.get_field("supporter").related_model
supporter = Supporter.objects.create(email="reader@example.org", name="A Reader")
contribution = Contribution.objects.create(
    supporter=supporter, provider="sandbox", provider_payment_id="sbx_1", frequency="one_off",
    amount=1000, currency="USD",
)
receipt_send.enqueue(contribution.pk)
"""


def _until(condition: Callable[[], bool], what: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"the worker exited ({process.returncode}):\n{output}")
        assert time.monotonic() < deadline, f"waited a minute for {what}"
        time.sleep(0.05)


def test_a_receipt_interrupted_by_a_killed_worker_is_sent_once_by_the_next(tmp_path):
    # given a recorded gift whose receipt is queued, a mail server, and workers that beat
    # every half second (so a dead one is noticed after 3 s instead of a minute)
    database = tmp_path / "crash.sqlite3"
    with smtp_server() as mail:
        env = clean_environment(
            READERFUND_DATA_DIR=str(tmp_path),
            DATABASE_URL=f"sqlite:///{database}",
            EMAIL_URL=f"smtp://127.0.0.1:{mail.port}",
            READERFUND_WORKER_HEARTBEAT_SECONDS="0.5",
        )

        def manage(*args: str) -> None:
            subprocess.run([*READERFUND, "manage", *args], env=env, check=True, timeout=180)

        def worker() -> subprocess.Popen[str]:
            return subprocess.Popen(
                [*READERFUND, "worker", "--no-startup-delay"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )

        def receipt_task_status() -> str:
            with sqlite3.connect(database) as db:
                row = db.execute(
                    "SELECT status FROM django_tasks_database_dbtaskresult WHERE task_path = ?",
                    ("readerfund.payments.tasks.receipt_send",),
                ).fetchone()
            return str(row[0])

        manage("migrate", "--verbosity", "0")
        manage("shell", "-c", GIFT)

        # when the worker is killed while it talks to the (slow) mail server
        mail.hold()
        first = worker()
        _until(lambda: mail.connections >= 1, "the worker to connect to the mail server", first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL
        assert receipt_task_status() == "RUNNING"  # what used to stay so for good
        assert mail.messages == []

        # and a new worker starts while the mail server answers again
        mail.release()
        second = worker()
        try:
            _until(lambda: len(mail.messages) >= 1, "the receipt", second)
            _until(lambda: receipt_task_status() == "SUCCESSFUL", "the task to finish", second)
            time.sleep(2)  # several heartbeats and recovery rounds more: nothing is sent again
        finally:
            second.send_signal(signal.SIGTERM)
            output, _ = second.communicate(timeout=30)

    # then the reader got exactly one receipt, and the worker said what it recovered
    assert [message["To"] for message in mail.messages] == ["reader@example.org"]
    assert "requeued: worker" in output
    # and the send is recorded, so no later run of that task can send it again
    with sqlite3.connect(database) as db:
        sent = db.execute("SELECT sent_at FROM core_emaildispatch WHERE key = 'receipt:1'")
        assert sent.fetchone()[0] is not None
