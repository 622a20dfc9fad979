"""What an operator's load balancer and Prometheus see: /healthz, /readyz and /metrics."""

from __future__ import annotations

import datetime
import re
import signal
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from django.utils import timezone

from readerfund.core.heartbeat import heartbeat_beat
from readerfund.core.models import WorkerHeartbeat
from readerfund.payments.models import ProviderEvent
from readerfund.tests.processes import clean_environment, fetch, free_port, start, wait_for_http
from readerfund.tests.worker_tasks import write_marker

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"


def _beat(ago: datetime.timedelta) -> None:
    heartbeat_beat(worker_id="w1", started_at=timezone.now() - ago)
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - ago)


def test_healthz_answers_without_asking_anything_else(client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")


def test_readyz_is_503_while_no_worker_has_ever_beaten(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert body["database"] == {"ok": True}
    assert body["migrations"] == {"ok": True, "pending": 0}
    assert body["worker"]["ok"] is False
    assert body["worker"]["last_heartbeat_age_seconds"] is None


def test_readyz_is_200_with_a_fresh_heartbeat_and_reports_queue_and_webhooks(client):
    # given a worker that beat 5 s ago, a task waiting for it and a stored webhook
    _beat(datetime.timedelta(seconds=5))
    write_marker.enqueue("/dev/null", "x")
    ProviderEvent.objects.create(provider="stripe", event_id="evt_1", type="t", payload={})

    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ready"] is True
    assert 4 <= body["worker"]["last_heartbeat_age_seconds"] < 60
    assert body["tasks"]["queued"] == 1
    assert body["tasks"]["oldest_queued_age_seconds"] >= 0
    assert set(body["webhooks"]) == {"stripe"}
    assert body["webhooks"]["stripe"]["age_seconds"] < 60


def test_readyz_is_503_when_the_last_heartbeat_is_older_than_two_minutes(client):
    _beat(datetime.timedelta(minutes=3))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False


def test_metrics_do_not_exist_while_no_token_is_set(client, settings):
    settings.READERFUND_METRICS_TOKEN = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(client, settings):
    settings.READERFUND_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 403
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403
    assert b"readerfund" not in wrong.content


def _sandbox_gift(client: Client) -> None:
    client.get("/give/")
    started = client.post(
        "/give/start",
        {"frequency": "one_off", "currency": "USD", "amount": "5", "method": "sandbox",
         "email": "reader@example.org", "name": "A Reader", "consent": "on"},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert started.status_code == 200, started.content
    paid = client.post(started.json()["next"], {"outcome": "pay"})
    assert paid.status_code == 302


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus's text format, or None when absent."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
            if all(found.get(key) == value for key, value in labels.items()):
                return float(match.group(2))
    return None


def test_metrics_count_a_sandbox_gift_its_checkout_its_requests_and_its_queued_receipt(
    client, settings
):
    # given a scraper with the right token, and what it saw before
    settings.READERFUND_METRICS_TOKEN = TOKEN
    scrape = {"Authorization": f"Bearer {TOKEN}"}
    before = client.get("/metrics", headers=scrape).content.decode()
    starts_before = _sample(
        before, "readerfund_http_requests_total", route="give/start", status="200"
    )

    # when a reader gives with the sandbox
    _sandbox_gift(client)

    # then the scrape shows the gift by provider, its checkout, the request and the receipt
    response = client.get("/metrics", headers=scrape)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert _sample(before, "readerfund_gifts_total", provider="sandbox") is None
    assert _sample(text, "readerfund_gifts_total", provider="sandbox", frequency="one_off") == 1
    assert _sample(text, "readerfund_gifts_amount_minor_total", provider="sandbox") == 500
    assert _sample(text, "readerfund_checkouts_started_total", provider="sandbox") == 1
    starts = _sample(text, "readerfund_http_requests_total", route="give/start", status="200")
    assert starts == (starts_before or 0) + 1
    assert _sample(text, "readerfund_tasks_queued") == 1  # the receipt, waiting for a worker
    assert _sample(text, "readerfund_database_up") == 1
    last_webhook = _sample(text, "readerfund_webhook_last_received_age_seconds", provider="sandbox")
    assert last_webhook is not None and last_webhook < 60
    assert _sample(text, "readerfund_http_request_duration_seconds_count", route="give/start")


def _scrape(base: str) -> str:
    authorized = {"Authorization": f"Bearer {TOKEN}"}
    request = urllib.request.Request(f"{base}/metrics", headers=authorized)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return str(response.read().decode())


def test_request_counts_are_summed_over_the_processes_of_readerfund_serve(tmp_path):
    # given `readerfund serve` with two gunicorn processes and a metrics token
    port = free_port()
    env = clean_environment(
        SECRET_KEY="production-test-" + "k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        READERFUND_PUBLIC_URL=f"http://127.0.0.1:{port}",
        READERFUND_DATA_DIR=str(tmp_path),
        READERFUND_METRICS_TOKEN=TOKEN,
        WEB_CONCURRENCY="2",
    )
    server = start(["serve", "--port", str(port), "--migrate"], env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", server, timeout=120)
        # (counted so far: the wait's own checks, more than one when the loaded machine let
        # an early one time out before the server answered it)
        before = _sample(_scrape(base), "readerfund_http_requests_total", route="healthz")

        # when health checks arrive, 8 at a time, until both processes have answered some
        def processes() -> set[str]:
            return {path.name.split("_")[1] for path in (tmp_path / "metrics").glob("counter_*")}

        def burst() -> list[int]:
            return list(pool.map(lambda _: fetch(f"{base}/healthz")[0], range(40)))

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = burst()  # at least one burst, even if the scrape already woke both
            while len(processes()) < 2 and len(statuses) < 3000:
                statuses += burst()
        scrapes = [_scrape(base) for _ in range(3)]
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)

    # then both processes answered, and every scrape counts all the health checks,
    # whichever process it reached
    assert len(processes()) >= 2, "one process answered everything: nothing was summed"
    assert set(statuses) == {200}
    counts = [_sample(text, "readerfund_http_requests_total", route="healthz") for text in scrapes]
    # (at least: a check of the wait that timed out may be answered, and counted, later)
    assert before is not None and counts[0] is not None
    assert counts[0] >= before + len(statuses)
    assert counts == [counts[0]] * 3
