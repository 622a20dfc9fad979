"""Reads of the stored figure: what readers are served (never a live computation)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_percent
from django.conf import settings
from django.utils import timezone
from django.utils.translation import override, pgettext

from readerfund.core.money import money_format
from readerfund.goals.models import SINGLE_ROW, GoalFigure
from readerfund.goals.services import goal_gap, goal_percent, month_bounds


def figure_public(
    figure: GoalFigure | None, *, now: datetime.datetime | None = None
) -> dict[str, Any] | None:
    """The playbook's `goal` (docs/embed.md), in the base currency's minor units.

    None while no goal is set, and while nothing has been raised this month: copy that says
    "$0 of $10,000" would discourage more than it informs (the reference scenario shows the
    covered share "once donations exist"). The embed then leaves the goal copy and ticker out.
    Also None when the stored figure is of an earlier month (the worker has not run since
    the month began): last month's total must not pass for "this month".
    """
    if figure is None or figure.raised == 0:
        return None
    if figure.month != month_bounds(now or timezone.now())[0].date():
        return None
    return {
        "currency": figure.currency,
        "target": figure.target,
        "raised": figure.raised,
        "gap": goal_gap(raised=figure.raised, target=figure.target),
        "percent": goal_percent(raised=figure.raised, target=figure.target),
    }


def goal_public(*, now: datetime.datetime | None = None) -> dict[str, Any] | None:
    """The stored figure as readers see it (one query; the playbook build carries it)."""
    return figure_public(GoalFigure.objects.filter(pk=SINGLE_ROW).first(), now=now)


@lru_cache(maxsize=8)
def _formatted(currency: str, target: int, raised: int, gap: int, percent: int) -> dict[str, Any]:
    formatted = {}
    for code, _name in settings.LANGUAGES:
        with override(code):
            values = {
                "target": money_format(target, currency, code),
                "raised": money_format(raised, currency, code),
                "gap": money_format(gap, currency, code),
                "percent": format_percent(Decimal(percent) / 100, locale=code),
            }
            # The embed's own goal line, from the same catalogue entry.
            line = pgettext("embed", "{goalRaised} of {goalTarget} this month")
            values["text"] = line.format(goalRaised=values["raised"], goalTarget=values["target"])
        formatted[code] = values
    return formatted


def goal_formatted(goal: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The public figure's amounts as text in every language readerfund speaks."""
    return _formatted(
        goal["currency"], goal["target"], goal["raised"], goal["gap"], goal["percent"]
    )
