"""Prometheus metrics at `/metrics` (docs/operations.md lists them and the alerts).

Two kinds, so that every figure is right however many processes serve:

- **In-process counters** (requests by route and status, their latency, webhook outcomes):
  prometheus-client objects in the process that answered. Under several gunicorn processes
  they are summed from PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode;
  `readerfund serve` sets it up); without it, a scrape sees one process's counts only.
- **Figures that live in the database** (queue depth, gifts, events, reminders, the goal):
  read at scrape time by collectors that the apps register here, so any process answers
  with the same figures and work done in the worker process is seen too.

Core imports no other app: each app declares its collectors in its own `monitoring.py`,
with `@metrics_register`; `monitoring_load` imports those modules once (like the admin's
autodiscovery), and core/health.py's `@readiness_register` works the same way.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from readerfund.core.health import monitoring_load, tasks_queue_state
from readerfund.core.heartbeat import heartbeat_latest

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

DatabaseMetrics = Callable[[], Iterable[Metric]]
_DATABASE_METRICS: list[DatabaseMetrics] = []


def metrics_register(function: DatabaseMetrics) -> DatabaseMetrics:
    """Declares a function that reads figures from the database at each scrape."""
    _DATABASE_METRICS.append(function)
    return function


def metrics_multiprocess_prepare() -> Path:
    """Before gunicorn starts: an emptied PROMETHEUS_MULTIPROC_DIR for its processes.

    The operator's own value if set, else `<data dir>/metrics`. Set in the environment
    that gunicorn's processes inherit (prometheus-client reads it when first imported).
    """
    directory = Path(os.environ.get(MULTIPROCESS_ENV) or settings.DATA_DIR / "metrics")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # counts of the previous run's processes
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(directory)
    return directory


# In-process: what only the process that answered knows. ---------------------------------

REQUESTS = Counter(
    "readerfund_http_requests",
    "HTTP requests answered, by route pattern, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "readerfund_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _route(request: HttpRequest) -> str:
    """The URL pattern, not the path: a bounded set of label values."""
    match = request.resolver_match
    if match is not None:
        return match.route or match.view_name
    if request.path.startswith(settings.STATIC_URL):
        return "(static)"
    return "(unmatched)"


class RequestMetricsMiddleware:
    """Counts and times every response (first in MIDDLEWARE, so static files too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request)
        LATENCY.labels(route).observe(time.perf_counter() - started)
        REQUESTS.labels(route, request.method or "", str(response.status_code)).inc()
        return response


# From the database, at scrape time. ---------------------------------------------------------


@metrics_register
def tasks_metrics() -> Iterator[Metric]:

    now = timezone.now()
    queued, oldest_age = tasks_queue_state(now=now)
    depth = GaugeMetricFamily(
        "readerfund_tasks_queued", "Background tasks due and waiting for a worker."
    )
    depth.add_metric([], queued)
    yield depth
    age = GaugeMetricFamily(
        "readerfund_tasks_oldest_queued_age_seconds",
        "How long the oldest due task has waited since it became due; 0 when none waits.",
    )
    age.add_metric([], oldest_age)
    yield age
    running = GaugeMetricFamily("readerfund_tasks_running", "Background tasks being run now.")
    running.add_metric([], DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count())
    yield running
    failed = GaugeMetricFamily(
        "readerfund_tasks_failed", "Background tasks that failed (kept in the task table)."
    )
    failed.add_metric([], DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count())
    yield failed
    beat = heartbeat_latest()
    heartbeat = GaugeMetricFamily(
        "readerfund_worker_heartbeat_age_seconds",
        "Seconds since the most recent heartbeat of any worker (absent: no worker ever beat).",
    )
    if beat is not None:
        heartbeat.add_metric([], (now - beat).total_seconds())
    yield heartbeat


class _DatabaseCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        monitoring_load()
        up = GaugeMetricFamily(
            "readerfund_database_up", "1 when the database answered this scrape's queries."
        )
        figures: list[Metric] = []
        try:
            for function in _DATABASE_METRICS:
                figures.extend(function())
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures


_DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
_DATABASE_REGISTRY.register(_DatabaseCollector())


def _process_registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def metrics_view(request: HttpRequest) -> HttpResponse:
    """`/metrics` for a scraper that sends `Authorization: Bearer <READERFUND_METRICS_TOKEN>`.

    404 while no token is set (the page does not exist), 403 for a missing or wrong token.
    """
    token = settings.READERFUND_METRICS_TOKEN
    if not token:
        raise Http404
    if not constant_time_compare(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    body = generate_latest(_process_registry()) + generate_latest(_DATABASE_REGISTRY)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
