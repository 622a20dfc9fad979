"""`scripts/cluster`: a throwaway production topology on loopback, loaded and broken on purpose.

Its own PostgreSQL (Debian's server binaries, a temporary cluster on a free port), two
`readerfund serve`, two `readerfund worker`, Debian's nginx balancing the two app servers,
and a small SMTP server that keeps every message. A supervisor here restarts any process
that dies, as systemd's `Restart=always` does in production (deploy/systemd/).

Then bounded load — readers (the embed and its events), gifts (test-mode card and bank
transfer, each provider webhook delivered twice, the reader's return racing it), due email
reminders — while it kills one app server and one worker with SIGKILL and stops PostgreSQL
for 10 seconds. At the end it checks and prints: every acknowledged event counted; every
paid attempt exactly one contribution and one receipt; no reminder sent twice; the stored
goal equal to the ledger; no 500 while the database was down; every process back.

`--short` (CI, about two minutes) runs fewer gifts and readers; the full run also compares
requests and events per second through nginx with two app servers against one.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import REPO, report
from readerfund.tests.postgres_server import PostgresServer, postgres_server
from readerfund.tests.processes import free_port
from readerfund.tests.smtp_server import SMTPServer, smtp_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DB_OUTAGE_SECONDS = 10
HEARTBEAT_SECONDS = 1  # the workers' heartbeat: a dead worker's tasks return after 6 beats


@dataclass(frozen=True)
class Plan:
    gifts: int
    transfers: int
    readers: int
    load_seconds: int  # gifts spread over this long; the faults fall inside it
    reminders: int
    throughput_seconds: int


SHORT = Plan(
    gifts=120, transfers=20, readers=3, load_seconds=30, reminders=40, throughput_seconds=0
)
FULL = Plan(
    gifts=500, transfers=60, readers=6, load_seconds=75, reminders=200, throughput_seconds=10
)


# ---- processes -------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        log = self.log.open("ab")
        # A session of its own: a kill takes gunicorn's master and its workers together.
        self.popen = subprocess.Popen(
            self.args,
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def dead(self) -> bool:
        return self.popen is None or self.popen.poll() is not None


class Supervisor:
    """Restarts any process that exits, like `Restart=always` (no manual step)."""

    def __init__(self, processes: list[Process]) -> None:
        self.processes = processes
        self.restarted_at: dict[str, list[float]] = collections.defaultdict(list)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        for process in self.processes:
            process.start()
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for process in self.processes:
                if process.dead():
                    process.restarts += 1
                    self.restarted_at[process.name].append(time.monotonic())
                    process.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        for process in self.processes:
            process.stop()


# ---- HTTP from many reader addresses -----------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Client:
    """One reader's browser: its own loopback address (nginx passes it on), its cookies."""

    port: int
    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, *, body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:  # fmt: skip
        sent = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Answer(response.status, data, {k.lower(): v for k, v in response.getheaders()})
        except OSError:
            return Answer(0, b"", {})  # refused or reset: an app server or nginx restarting
        finally:
            connection.close()


class Statuses:
    """Every answer's status, with when it came, to judge the database outage."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[float, str, int]] = []

    def add(self, path: str, status: int) -> None:
        with self.lock:
            self.seen.append((time.monotonic(), path, status))


def until_answered(
    call: Callable[[], Answer], statuses: Statuses, path: str, *, deadline: float
) -> Answer:
    """Retries what a client would retry (refused, 502, 503), as a provider retries a
    webhook; returns the first other answer."""
    pause = 0.2
    while True:
        answer = call()
        statuses.add(path, answer.status)
        if answer.status not in {0, 502, 503, 504} or time.monotonic() > deadline:
            return answer
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


# ---- the topology ------------------------------------------------------------------------


def nginx_config(directory: Path, *, port: int, upstreams: list[int]) -> Path:
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in upstreams)
    config = directory / "nginx.conf"
    config.write_text(
        f"""
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {directory}/body;
  proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi;
  uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  upstream readerfund_app {{
{servers}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://readerfund_app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      # Replaces what the client sent: the rightmost entry is the address nginx saw.
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"""
    )
    return config


@contextlib.contextmanager
def nginx(directory: Path, *, port: int, upstreams: list[int]) -> Iterator[int]:
    directory.mkdir(parents=True, exist_ok=True)
    config = nginx_config(directory, port=port, upstreams=upstreams)
    command = [NGINX, "-p", str(directory), "-c", str(config), "-g", "daemon off;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_http(port, "/healthz")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def wait_http(port: int, path: str, timeout: float = 90) -> float:
    """Seconds until `path` answers 200 on this port."""
    started = time.monotonic()
    client = Client(port, "127.0.0.1")
    while time.monotonic() - started < timeout:
        if client.request("GET", path).status == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"127.0.0.1:{port}{path} did not answer")


def cluster_environment(*, database_url: str, smtp_port: int, public_port: int) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {
        **kept,
        "PYTHONPATH": str(REPO),
        "READERFUND_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "READERFUND_PUBLIC_URL": f"http://127.0.0.1:{public_port}",
        "READERFUND_TEST_MODE": "on",
        "READERFUND_PROXY_HOPS": "1",
        # the demo campaigns' marks (cards, crypto, bank) must each be offered to load them
        "READERFUND_PAYMENT_METHODS": "*:stripe,btcpay,bank_transfer",
        "READERFUND_BANK_DETAILS": "Account holder: Cluster test;IBAN: DE00 0000 0000 0000 0000 00",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEFAULT_FROM_EMAIL": "cluster@readerfund.invalid",
        "WEB_CONCURRENCY": "2",
        "READERFUND_WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        # A few reader addresses stand for thousands of readers: no per-reader budget.
        "READERFUND_EVENTS_PER_MINUTE": "100000000",
        "LOG_LEVEL": "WARNING",
    }


def django_setup(env: dict[str, str], data_dir: Path) -> None:
    """This process reads and checks the cluster's database through readerfund's models."""
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    os.environ["READERFUND_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "readerfund.settings"
    import django

    django.setup()


def readerfund(env: dict[str, str], data_dir: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "readerfund", *args],
        env={**env, "READERFUND_DATA_DIR": str(data_dir)},
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


# ---- the load ----------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    events_acknowledged: int = 0
    events_before: int = 0  # counted before the load (the throughput runs post events too)
    paid_attempts: set[str] = field(default_factory=set)  # card gifts whose webhook answered
    transfer_attempts: set[str] = field(default_factory=set)
    gifts_refused: collections.Counter[int] = field(default_factory=collections.Counter)


def live_messages(port: int) -> list[tuple[str, str, str]]:
    playbook = Client(port, "127.0.0.1").request("GET", "/api/playbook.json").json()
    return [(c["id"], v["id"], c["channel"]) for c in playbook["campaigns"] for v in c["variants"]]


def reader(port: int, address: str, until: threading.Event, messages: list[tuple[str, str, str]],
           tally: Tally, statuses: Statuses, deadline: float) -> None:  # fmt: skip
    """Page views of one reader address: the embed now and then, a batch of events each."""
    client = Client(port, address)
    number = 0
    while not until.wait(0.02):
        number += 1
        if number % 5 == 0:
            statuses.add("/embed.js", client.request("GET", "/embed.js").status)
        campaign, variant, channel = random.choice(messages)
        kinds = ["impression"] * 4 + ["click"]
        # as the embed sends them: [campaign, variant, channel, type]
        body = json.dumps([[campaign, variant, channel, kind] for kind in kinds]).encode()
        post = functools.partial(
            client.request,
            "POST",
            "/api/events",
            body=body,
            headers={"Content-Type": "text/plain"},
        )
        answer = until_answered(
            post,
            statuses,
            "/api/events",
            deadline=deadline,
        )
        if answer.status == 200:
            with tally.lock:
                tally.events_acknowledged += int(answer.json()["counted"])


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def gift(number: int, port: int, method: str, tally: Tally, statuses: Statuses,
         deliver: Callable[[str], list[int]], deadline: float) -> None:  # fmt: skip
    """A reader gives $5 once: the give page, Pay, then (card) the provider's webhook twice
    and the reader's return, racing each other."""
    # Four gifts per address (and their retries) stay under the per-address checkout limit.
    client = Client(port, f"127.0.{10 + number // 4}.{1 + number % 4}")
    page = until_answered(
        lambda: client.request("GET", "/give/"), statuses, "/give/", deadline=deadline
    )
    found = CSRF.search(page.body)
    if page.status != 200 or found is None:
        tally.gifts_refused[page.status] += 1
        return
    form = urllib.parse.urlencode(
        {
            "frequency": "one_off",
            "currency": "USD",
            "amount": "5",
            "method": method,
            "email": f"gift{number}@cluster.example",
            "csrfmiddlewaretoken": found.group(1).decode(),
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    started = until_answered(
        lambda: client.request("POST", "/give/start", body=form, headers=headers),
        statuses,
        "/give/start",
        deadline=deadline,
    )
    if started.status != 200:
        tally.gifts_refused[started.status] += 1
        return
    attempt = started.json()["next"].rstrip("/").rsplit("/", 1)[-1]
    if method == "bank_transfer":
        with tally.lock:
            tally.transfer_attempts.add(attempt)
        return
    answers: list[int] = []
    webhook = threading.Thread(target=lambda: answers.extend(deliver(attempt)))
    webhook.start()
    until_answered(
        lambda: client.request("GET", f"/give/thanks/{attempt}/"),
        statuses,
        "/give/thanks/",
        deadline=deadline,
    )
    webhook.join()
    if any(200 <= status < 300 for status in answers):
        with tally.lock:
            tally.paid_attempts.add(attempt)


def webhook_deliverer(port: int, statuses: Statuses, deadline: float) -> Callable[[str], list[int]]:
    """Delivers the sandbox's signed "paid" event of an attempt twice, at once, retrying
    each until the server acknowledges it, as a provider does."""
    from readerfund.payments.models import PaymentAttempt
    from readerfund.payments.providers.sandbox.provider import SIGNATURE_HEADER, SandboxProvider

    provider = SandboxProvider()

    def deliver(attempt_id: str) -> list[int]:
        # What every gift here is ($5 once); made without a query, as the database may be
        # down while the provider keeps delivering.
        attempt = PaymentAttempt(
            public_id=uuid.UUID(attempt_id), frequency="one_off", amount=500, currency="USD"
        )
        body, signature = provider.event_for(attempt=attempt, paid=True)
        headers = {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}
        client = Client(port, "127.0.0.2")
        answers: list[int] = []

        def once() -> None:
            answer = until_answered(
                lambda: client.request(
                    "POST", "/payments/webhooks/sandbox/", body=body, headers=headers
                ),
                statuses,
                "/payments/webhooks/",
                deadline=deadline,
            )
            answers.append(answer.status)

        twice = [threading.Thread(target=once) for _ in range(2)]
        for thread in twice:
            thread.start()
        for thread in twice:
            thread.join()
        return answers

    return deliver


# ---- the run -----------------------------------------------------------------------------


@dataclass
class Faults:
    app_killed_at: float = 0.0
    worker_killed_at: float = 0.0
    database_stopped_at: float = 0.0
    database_started_at: float = 0.0
    recovered: dict[str, float] = field(default_factory=dict)


def inject_faults(*, started: float, seconds: int, app: Process, worker: Process,
                  database: PostgresServer, app_port: int, faults: Faults) -> None:  # fmt: skip
    """At fixed shares of the load: an app server killed, a worker killed (receipts are
    being sent all along), then PostgreSQL stopped for DB_OUTAGE_SECONDS."""

    def at(share: float) -> None:
        time.sleep(max(0.0, started + seconds * share - time.monotonic()))

    at(0.15)
    faults.app_killed_at = time.monotonic()
    app.kill()
    faults.recovered["app server (kill -9)"] = wait_http(app_port, "/healthz", timeout=120)
    at(0.3)
    faults.worker_killed_at = time.monotonic()
    worker.kill()
    at(0.45)
    faults.database_stopped_at = time.monotonic()
    database.stop()
    time.sleep(DB_OUTAGE_SECONDS)
    database.start()
    faults.database_started_at = time.monotonic()


def throughput(port_two: int, port_one: int, seconds: int) -> None:
    """Events per second through nginx with two app servers, and straight to one of them."""
    if not seconds or shutil.which("wrk") is None:
        print("throughput: skipped (short run, or wrk not installed: scripts/bench installs it)")
        return
    from bench import throughput as bench_throughput

    bench_throughput.DURATION = f"{seconds}s"
    script = (
        f"wrk.method = 'POST'\nwrk.body = {json.dumps(bench_throughput.BATCH)}\n"
        "wrk.headers['Content-Type'] = 'text/plain'\n"
    )
    two, _, errors_two = bench_throughput.wrk(f"http://127.0.0.1:{port_two}/api/events", script)
    one, _, errors_one = bench_throughput.wrk(f"http://127.0.0.1:{port_one}/api/events", script)
    report("event batches/s, nginx + 2 app servers", two, "req/s", "1 app server", one)
    embed_two, _, _ = bench_throughput.wrk(f"http://127.0.0.1:{port_two}/embed.js")
    embed_one, _, _ = bench_throughput.wrk(f"http://127.0.0.1:{port_one}/embed.js")
    report("/embed.js, nginx + 2 app servers", embed_two, "req/s", "1 app server", embed_one)
    print(f"non-2xx during the throughput runs: {errors_two + errors_one}")


def run(plan: Plan) -> int:
    directory = Path(tempfile.mkdtemp(prefix="readerfund-cluster-"))
    started = time.monotonic()
    failures = 1
    with smtp_server() as smtp, postgres_server() as database:
        database.start()
        public_port, app_ports = free_port(), [free_port(), free_port()]
        env = cluster_environment(
            database_url=database.url, smtp_port=smtp.port, public_port=public_port
        )
        data = directory / "orchestrator"
        readerfund(env, data, "manage", "migrate", "-v", "0")
        readerfund(
            env, data, "campaigns", "load", str(REPO / "readerfund/demo/content/campaigns.yaml")
        )
        django_setup(env, data)
        seed(plan)

        processes = [
            Process(f"app{n}", [sys.executable, "-m", "readerfund", "serve", "--host", "127.0.0.1",
                                "--port", str(port)],
                    {**env, "READERFUND_DATA_DIR": str(directory / f"app{n}")},
                    directory / f"app{n}.log")
            for n, port in enumerate(app_ports, 1)
        ] + [
            Process(f"worker{n}", [sys.executable, "-m", "readerfund", "worker"],
                    {**env, "READERFUND_DATA_DIR": str(directory / f"worker{n}")},
                    directory / f"worker{n}.log")
            for n in (1, 2)
        ]  # fmt: skip
        supervisor = Supervisor(processes)
        supervisor.start()
        try:
            for port in app_ports:
                wait_http(port, "/healthz", timeout=120)
            with nginx(directory / "nginx", port=public_port, upstreams=app_ports):
                print(
                    f"cluster up in {time.monotonic() - started:.1f} s: nginx :{public_port}, "
                    f"app servers :{app_ports[0]} :{app_ports[1]}, 2 workers, PostgreSQL "
                    f":{database.port}",
                    flush=True,
                )
                throughput(public_port, app_ports[1], plan.throughput_seconds)
                outcome = load_with_faults(plan, public_port, app_ports, processes, database)
                outcome.drained = drain(plan, outcome)
                failures = verify(plan, outcome, smtp, processes, app_ports, public_port)
            return failures
        finally:
            supervisor.stop()
            if failures:
                print(f"logs kept in {directory}")
            else:
                shutil.rmtree(directory, ignore_errors=True)


def seed(plan: Plan) -> None:
    """A goal, and reminders due today, before any worker starts (the first periodic run
    sends them, while a worker is killed)."""
    from decimal import Decimal

    from django.utils import timezone

    from readerfund.goals.services import goal_set
    from readerfund.reminders.models import Reminder

    goal_set(monthly_cost=1_000_000, currency="USD", rates={"EUR": Decimal("1.1")})
    today = timezone.now().date()
    Reminder.objects.bulk_create(
        Reminder(email=f"reminder{n}@cluster.example", remind_on=today)
        for n in range(plan.reminders)
    )


@dataclass
class Outcome:
    tally: Tally
    statuses: Statuses
    faults: Faults
    seconds: float
    drained: bool = False


def load_with_faults(plan: Plan, port: int, app_ports: list[int], processes: list[Process],
                     database: PostgresServer) -> Outcome:  # fmt: skip
    from django.db import connections
    from django.db.models import Sum

    from readerfund.events.models import EventCount
    from readerfund.payments.services import transfer_mark_received

    tally, statuses, faults = Tally(), Statuses(), Faults()
    tally.events_before = EventCount.objects.aggregate(n=Sum("count"))["n"] or 0
    messages = live_messages(port)
    started = time.monotonic()
    deadline = started + 240
    deliver = webhook_deliverer(port, statuses, deadline)
    done = [0]
    lock = threading.Lock()

    def give(number: int) -> None:
        method = "bank_transfer" if number % (plan.gifts // plan.transfers) == 0 else "sandbox"
        gift(number, port, method, tally, statuses, deliver, deadline)
        with lock:
            done[0] += 1

    readers_stop = threading.Event()
    readers = [
        threading.Thread(target=reader, args=(port, f"127.0.1.{n + 1}", readers_stop, messages,
                                             tally, statuses, deadline))
        for n in range(plan.readers)
    ]  # fmt: skip
    numbers = iter(range(plan.gifts))
    number_lock = threading.Lock()

    def giver() -> None:
        while True:
            with number_lock:
                number = next(numbers, None)
            if number is None:
                return
            # Spread over the load phase, so that gifts are under way during every fault.
            time.sleep(
                max(0.0, started + number * plan.load_seconds / plan.gifts - time.monotonic())
            )
            give(number)

    givers = [threading.Thread(target=giver) for _ in range(8)]
    fault_thread = threading.Thread(
        target=inject_faults,
        kwargs={
            "started": started,
            "seconds": plan.load_seconds,
            "app": processes[0],
            "worker": processes[2],
            "database": database,
            "app_port": app_ports[0],
            "faults": faults,
        },
    )
    for thread in [*readers, *givers, fault_thread]:
        thread.start()
    for thread in [*givers, fault_thread]:
        thread.join()
    readers_stop.set()
    for thread in readers:
        thread.join()
    connections.close_all()  # this process's connection did not survive the outage
    # An operator marks the bank transfers received (Contributions → action), as the
    # statement shows them; the goal counts them, unlike test-mode card money.
    from readerfund.payments.models import Contribution

    for contribution in Contribution.objects.filter(attempt__public_id__in=tally.transfer_attempts):
        transfer_mark_received(contribution_id=contribution.pk)
    return Outcome(tally, statuses, faults, time.monotonic() - started)


def drain(plan: Plan, outcome: Outcome, timeout: float = 120) -> bool:
    """Waits until the task queue is empty: receipts sent, interrupted tasks recovered."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from readerfund.goals.services import goal_refresh

    deadline = time.monotonic() + timeout
    busy = [TaskResultStatus.READY, TaskResultStatus.RUNNING]
    one_off = ["readerfund.payments.tasks.receipt_send", "readerfund.goals.tasks.goal_recompute"]
    while time.monotonic() < deadline:
        if not DBTaskResult.objects.filter(status__in=busy, task_path__in=one_off).exists():
            goal_refresh()  # what the periodic recompute would store next
            return True
        time.sleep(0.5)
    return False


def verify(plan: Plan, outcome: Outcome, smtp: SMTPServer, processes: list[Process],
           app_ports: list[int], public_port: int) -> int:  # fmt: skip
    from django.db.models import Count, Q, Sum
    from django.utils import timezone

    from readerfund.events.models import EventCount
    from readerfund.goals.models import SINGLE_ROW, GoalFigure
    from readerfund.payments.models import Contribution, ContributionStatus, PaymentAttempt
    from readerfund.reminders.models import Reminder, ReminderStatus

    tally, statuses, faults = outcome.tally, outcome.statuses, outcome.faults
    failures = 0

    def check(ok: bool, line: str) -> None:
        nonlocal failures
        failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {line}", flush=True)

    with smtp.lock:
        recipients = collections.Counter(str(m["To"]) for m in smtp.messages)

    counted = (EventCount.objects.aggregate(n=Sum("count"))["n"] or 0) - tally.events_before
    check(
        counted >= tally.events_acknowledged,
        f"events: {tally.events_acknowledged} acknowledged, {counted} counted "
        f"({counted - tally.events_acknowledged} counted whose answer was lost to a kill)",
    )

    paid = PaymentAttempt.objects.filter(public_id__in=tally.paid_attempts).annotate(
        n=Count("contribution")
    )
    per_attempt = collections.Counter(a.n for a in paid)
    check(
        per_attempt == collections.Counter({1: len(tally.paid_attempts)}),
        f"card gifts: {len(tally.paid_attempts)} paid attempts, contributions per attempt "
        f"{dict(per_attempt)} (each webhook delivered twice, the return racing it)",
    )
    doubled = Contribution.objects.values("attempt").annotate(n=Count("id")).filter(n__gt=1)
    check(not doubled.exists(), f"contributions doubled: {doubled.count()}")

    gifts = Contribution.objects.select_related("supporter")
    receipts = [recipients[c.supporter.email] for c in gifts if c.supporter is not None]
    lost = sum(1 for n in receipts if n == 0)
    twice = sum(1 for n in receipts if n > 1)
    check(
        lost == 0 and twice == 0 and outcome.drained,
        f"receipts: {len(receipts)} contributions, {lost} receipts lost, {twice} sent twice "
        f"(queue drained: {outcome.drained})",
    )

    reminders = Reminder.objects.aggregate(
        sent=Count("id", filter=Q(status=ReminderStatus.SENT)), all=Count("id")
    )
    reminder_mail = [recipients[f"reminder{n}@cluster.example"] for n in range(plan.reminders)]
    check(
        max(reminder_mail, default=0) <= 1,
        f"reminders: {plan.reminders} due, {reminders['sent']} sent, "
        f"{sum(1 for n in reminder_mail if n > 1)} sent twice, "
        f"{sum(1 for n in reminder_mail if n == 0)} not sent (a claim held by the killed worker "
        "is never resent: at most once)",
    )

    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    received = Contribution.objects.filter(
        provider="bank_transfer", status=ContributionStatus.SUCCEEDED, frequency="one_off",
        received_at__gte=month_start,
    ).aggregate(total=Sum("amount"))["total"] or 0  # fmt: skip
    figure = GoalFigure.objects.filter(pk=SINGLE_ROW).first()
    raised = figure.raised if figure else None
    test_money = Contribution.objects.filter(provider="sandbox").aggregate(t=Sum("amount"))["t"]
    check(
        raised == received,
        f"goal: {raised} raised in the stored figure, {received} received by bank transfer in "
        f"the ledger ({test_money or 0} of test-mode card money kept out, as production does)",
    )

    outage = [s for t, path, s in statuses.seen
              if faults.database_stopped_at <= t <= faults.database_started_at + 3]  # fmt: skip
    outage_codes = collections.Counter(outage)
    all_codes = collections.Counter(s for _t, _p, s in statuses.seen)
    check(
        outage_codes[500] == 0 and all_codes[500] == 0,
        f"answers while PostgreSQL was down: {dict(outage_codes)}; 500s in the whole run: "
        f"{all_codes[500]}",
    )
    errors = collections.Counter(path for _t, path, s in statuses.seen if s >= 500 and s != 503)
    print(f"     5xx other than 503 by path: {dict(errors)}")
    print(
        f"     every answer of the run: {dict(sorted(all_codes.items()))} "
        "(0 = refused while an app server restarted)"
    )

    alive = all(not p.dead() for p in processes)
    for port in app_ports:
        wait_http(port, "/healthz", timeout=60)
    ready = Client(public_port, "127.0.0.1").request("GET", "/readyz")
    check(
        alive and ready.status == 200,
        f"every process back without a manual step: restarts "
        f"{ {p.name: p.restarts for p in processes} }, /readyz {ready.status}",
    )

    recover_database = first_success_after(statuses, faults.database_started_at)
    report(
        "seconds to recover: app server killed (/healthz)",
        faults.recovered.get("app server (kill -9)", 0),
        "s",
        "supervisor's poll",
        0.5,
    )
    report(
        "seconds to recover: PostgreSQL restarted",
        recover_database,
        "s",
        "outage",
        DB_OUTAGE_SECONDS,
    )
    report("load phase with faults", outcome.seconds, "s", "outage", DB_OUTAGE_SECONDS)
    print(f"refused gifts by status: {dict(outcome.tally.gifts_refused)}")
    print(f"{'all checks passed' if not failures else f'{failures} checks FAILED'}")
    return failures


def first_success_after(statuses: Statuses, moment: float) -> float:
    """Seconds from `moment` to the first success of a request that needs the database."""
    needs_database = {"/api/events", "/give/start", "/payments/webhooks/"}
    later = [
        t for t, path, status in statuses.seen
        if t >= moment and path in needs_database and 200 <= status < 400
    ]  # fmt: skip
    return (min(later) - moment) if later else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI run (about two minutes)")
    args = parser.parse_args(argv)
    return run(SHORT if args.short else FULL)


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
