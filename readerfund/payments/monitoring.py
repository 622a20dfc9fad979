"""What payments contribute to `/metrics` and `/readyz` (core/metrics.py, core/health.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from readerfund.core.health import readiness_register
from readerfund.core.metrics import metrics_register
from readerfund.payments.models import Contribution, PaymentAttempt, ProviderEvent

# In-process (the web server answers webhooks): outcome is applied, ignored (not ours or
# nothing to do), rejected (bad signature or version: 400) or deferred (503, retried).
WEBHOOKS = Counter(
    "readerfund_webhooks", "Provider webhooks received, by provider and outcome.",
    ["provider", "outcome"],
)  # fmt: skip


@metrics_register
def payments_metrics() -> Iterator[Metric]:
    started = CounterMetricFamily(
        "readerfund_checkouts_started", "Checkouts started (payment attempts), by provider.",
        labels=["provider"],
    )  # fmt: skip
    for row in PaymentAttempt.objects.values("provider").annotate(n=Count("id")):
        started.add_metric([row["provider"]], row["n"])
    yield started
    gifts = CounterMetricFamily(
        "readerfund_gifts", "Contributions recorded (any status), by provider and frequency.",
        labels=["provider", "frequency"],
    )  # fmt: skip
    amounts = CounterMetricFamily(
        "readerfund_gifts_amount_minor",
        "Sum of contributions recorded, in minor units, by provider and currency.",
        labels=["provider", "currency"],
    )
    by_frequency = Contribution.objects.values("provider", "frequency").annotate(n=Count("id"))
    for row in by_frequency:
        gifts.add_metric([row["provider"], row["frequency"]], row["n"])
    for row in Contribution.objects.values("provider", "currency").annotate(total=Sum("amount")):
        amounts.add_metric([row["provider"], row["currency"]], row["total"] or 0)
    yield gifts
    yield amounts
    last = GaugeMetricFamily(
        "readerfund_webhook_last_received_age_seconds",
        "Seconds since the last webhook stored from each provider.",
        labels=["provider"],
    )
    now = timezone.now()
    for row in ProviderEvent.objects.values("provider").annotate(at=Max("received_at")):
        last.add_metric([row["provider"]], (now - row["at"]).total_seconds())
    yield last


@readiness_register("webhooks")
def last_webhooks() -> dict[str, Any]:
    """The last webhook stored per provider: silence from a provider may mean a broken
    endpoint (reconciliation heals it, but the operator should know)."""

    now = timezone.now()
    last = ProviderEvent.objects.values("provider").annotate(at=Max("received_at"))
    return {
        row["provider"]: {
            "last_received_at": row["at"].isoformat(),
            "age_seconds": round((now - row["at"]).total_seconds(), 1),
        }
        for row in last.order_by("provider")
    }
