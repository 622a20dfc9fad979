"""Ledger changes that can move the figure queue a (debounced) recompute after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from readerfund.goals.tasks import goal_recompute_soon
from readerfund.payments.models import Contribution, Frequency, RecurringPlan


def _after_commit() -> None:
    transaction.on_commit(goal_recompute_soon)


@receiver([post_save, post_delete], sender=RecurringPlan)
def plan_changed(sender: type, **kwargs: Any) -> None:
    _after_commit()


@receiver([post_save, post_delete], sender=Contribution)
def contribution_changed(sender: type, instance: Contribution, **kwargs: Any) -> None:
    # A recurring plan's single payment does not move the figure: the plan counts instead.
    if instance.frequency == Frequency.ONE_OFF:
        _after_commit()
