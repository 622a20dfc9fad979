"""What message statistics contribute to `/metrics` (core/metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Sum
from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics_core import Metric

from readerfund.core.metrics import metrics_register
from readerfund.events.models import EventCount


@metrics_register
def events_metrics() -> Iterator[Metric]:

    ingested = CounterMetricFamily(
        "readerfund_events_ingested", "Anonymous embed events counted, by type.", labels=["type"]
    )
    for row in EventCount.objects.values("type").annotate(total=Sum("count")).order_by("type"):
        ingested.add_metric([row["type"]], row["total"] or 0)
    yield ingested
