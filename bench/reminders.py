"""Email reminders sent by the worker, beside the same emails built and sent in a plain loop.

2,000 reminders due today on a fresh database; the periodic send task runs in `db_worker
--batch` and hands the emails to Django's in-memory backend (no network: what is measured is
readerfund's own cost per reminder, claims and status updates included). The baseline builds
and sends the same emails (token, templates, headers) in a plain loop, without the worker,
the claims or any database write. Then two workers at once on the same 2,000 reminders:
every reminder sent exactly once. SQLite, and PostgreSQL when it answers.
"""

from __future__ import annotations

import json

from bench.common import postgres_reachable, production_env, readerfund, report

REMINDERS = 2000

# Runs inside `readerfund manage shell` on the bench database; prints one JSON line.
SCRIPT = """
import json, threading, time
from collections import Counter
from django.core import mail
from django.core.management import call_command
from django.db import connection
from readerfund.reminders.emails import reminder_email
from readerfund.reminders.models import Reminder
from readerfund.reminders.selectors import utc_today
from readerfund.reminders.services import reminders_send_due
from readerfund.reminders.tasks import send_due_periodically

N = {reminders}


def fill():
    Reminder.objects.all().delete()
    Reminder.objects.bulk_create(
        Reminder(email=f"reader{{i}}@example.org", remind_on=utc_today(),
                 campaign="end-of-article-ask", variant="control")
        for i in range(N)
    )
    mail.outbox = []


def delivered():
    counts = Counter(message.to[0] for message in mail.outbox)
    return {{"emails": len(mail.outbox), "addresses": len(counts),
             "duplicates": sum(c - 1 for c in counts.values()),
             "sent_rows": Reminder.objects.filter(status="sent").count()}}


# the baseline: the same emails, built and sent in a plain loop
fill()
rows = list(Reminder.objects.all())
start = time.perf_counter()
with mail.get_connection() as outgoing:
    for reminder in rows:
        outgoing.send_messages([reminder_email(reminder=reminder)])
baseline = time.perf_counter() - start

# through the worker: the periodic task, run by db_worker
fill()
send_due_periodically.enqueue()
start = time.perf_counter()
call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
worker = time.perf_counter() - start
one_worker = delivered()

# two workers at once, racing for the same reminders
fill()
barrier = threading.Barrier(2)
def race():
    try:
        barrier.wait()
        reminders_send_due()
    finally:
        connection.close()
threads = [threading.Thread(target=race) for _ in range(2)]
start = time.perf_counter()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
two = time.perf_counter() - start
two_workers = delivered()

print(json.dumps({{"baseline": baseline, "worker": worker, "one": one_worker,
                  "two": two, "two_workers": two_workers}}))
"""


def figures(database: str) -> None:
    mail = {"EMAIL_URL": "memorymail://"}
    with production_env(database, public_url="https://support.example.org", extra_env=mail) as env:
        script = SCRIPT.format(reminders=REMINDERS)
        output = readerfund("manage", "shell", "-v", "0", "-c", script, env=env).stdout
    result = json.loads(output.strip().splitlines()[-1])
    name = "SQLite" if database == "sqlite" else "PostgreSQL"
    one, two = result["one"], result["two_workers"]
    print(
        f"   {name}: one worker sent {one['emails']} emails to {one['addresses']} addresses "
        f"({one['sent_rows']} marked sent); two workers at once: {two['emails']} emails, "
        f"{two['duplicates']} duplicates, {two['sent_rows']} marked sent",
        flush=True,
    )
    ok = (
        one["emails"] == one["addresses"] == one["sent_rows"] == REMINDERS
        and two["emails"] == two["sent_rows"] == REMINDERS
        and two["duplicates"] == 0
    )
    print(f"   each reminder exactly once: {'OK' if ok else 'FAILED'}", flush=True)
    baseline = REMINDERS / result["baseline"]
    report(f"reminders sent/s by the worker, {name}", REMINDERS / result["worker"], "/s",
           "plain build+send loop", baseline)  # fmt: skip
    report(f"reminders sent/s, two workers at once, {name}", REMINDERS / result["two"], "/s",
           "plain build+send loop", baseline)  # fmt: skip


def run() -> None:
    figures("sqlite")
    if postgres_reachable():
        figures("postgres")
    else:
        print("   (PostgreSQL not reachable: SQLite only)", flush=True)
