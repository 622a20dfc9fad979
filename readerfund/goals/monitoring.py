"""What the funding goal contributes to `/metrics` (core/metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from readerfund.core.metrics import metrics_register
from readerfund.goals.models import SINGLE_ROW, GoalFigure


@metrics_register
def goal_metrics() -> Iterator[Metric]:
    """The stored figure, as readers are served it (absent while no goal is set)."""

    figure = GoalFigure.objects.filter(pk=SINGLE_ROW).first()
    raised = GaugeMetricFamily(
        "readerfund_goal_raised_minor", "This month's money raised, in the goal's minor units.",
        labels=["currency"],
    )  # fmt: skip
    target = GaugeMetricFamily(
        "readerfund_goal_target_minor", "The monthly goal, in its currency's minor units.",
        labels=["currency"],
    )  # fmt: skip
    computed = GaugeMetricFamily(
        "readerfund_goal_computed_age_seconds",
        "Seconds since the worker last computed the figure (it does so periodically).",
    )
    if figure is not None:
        raised.add_metric([figure.currency], figure.raised)
        target.add_metric([figure.currency], figure.target)
        computed.add_metric([], (timezone.now() - figure.computed_at).total_seconds())
    yield raised
    yield target
    yield computed
