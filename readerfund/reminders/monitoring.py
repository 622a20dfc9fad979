"""What reminders contribute to `/metrics` (core/metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from readerfund.core.metrics import metrics_register
from readerfund.reminders.models import Reminder


@metrics_register
def reminders_metrics() -> Iterator[Metric]:

    # A gauge, not a counter: finished reminders are deleted after their retention period.
    reminders = GaugeMetricFamily(
        "readerfund_reminders",
        "Email reminders kept, by status (sent ones until READERFUND_REMINDER_RETENTION_DAYS).",
        labels=["status"],
    )
    for row in Reminder.objects.values("status").annotate(n=Count("id")).order_by("status"):
        reminders.add_metric([row["status"]], row["n"])
    yield reminders
