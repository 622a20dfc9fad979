"""Reads for the editors' pages and the playbook: aggregates only, a few queries each."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Count, F, Max, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from readerfund import stats
from readerfund.campaigns.models import Campaign, Status
from readerfund.experiments.analysis import (
    HOLDOUT,
    expected_impressions,
    reference_of,
    srm,
    variants_analyse,
    verdict,
)
from readerfund.experiments.models import DailyResult, WeightUpdate
from readerfund.experiments.services import Rates, rates_current, variant_summaries
from readerfund.goals.models import SINGLE_ROW, Goal
from readerfund.goals.services import month_bounds
from readerfund.payments.models import Contribution, ContributionStatus, PlanStatus, RecurringPlan
from readerfund.payments.selectors import monthly_equivalent, plans_counted
from readerfund.supporters.models import Supporter

DIRECT = "direct"  # money that no campaign led to
#: A day whose impressions or click-through lie this many times beyond the variant's
#: median is flagged as implausible.
IMPLAUSIBLE_FACTOR = 5.0


def weights_published() -> dict[str, dict[str, float]]:
    """The newest weights of every live optimised campaign (the playbook carries them)."""
    slugs = list(
        Campaign.objects.filter(status=Status.LIVE, optimise=True).values_list("slug", flat=True)
    )
    newest = (
        WeightUpdate.objects.filter(campaign__in=slugs)
        .values("campaign")
        .annotate(at=Max("computed_at"))
    )
    published: dict[str, dict[str, float]] = {}
    for row in newest:
        update = WeightUpdate.objects.filter(
            campaign=row["campaign"], computed_at=row["at"]
        ).first()
        if update is not None:
            published[update.campaign] = {k: float(v) for k, v in update.weights.items()}
    return published


# ---- a campaign's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelRow:
    variant: str
    impressions: int
    clicks: int
    checkouts: int
    gifts: int
    new_monthly: int
    new_annual: int
    money: int
    value: int


@dataclass(frozen=True)
class Flag:
    variant: str
    day: datetime.date
    what: str  # "impressions" or "click-through"
    seen: float
    usual: float


@dataclass
class CampaignReport:
    campaign: Campaign
    currency: str
    funnel: list[FunnelRow]
    statistics: list[stats.VariantSummary]
    reference: str | None
    verdict: tuple[str, bool]  # (sentence, strong enough to act on)
    srm: stats.SampleRatioCheck | None
    weights_history: list[WeightPoint]
    flags: list[Flag]
    daily: list[dict[str, Any]] = field(default_factory=list)
    demo: bool = False


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def implausible_days(rows: list[dict[str, Any]]) -> list[Flag]:
    """Days on which a variant's impressions or click-through lie far outside its own
    history (IMPLAUSIBLE_FACTOR times its median day, either way), e.g. a flood of fake
    impressions. Needs a week of history."""
    by_variant: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_variant[row["variant"]].append(row)
    flags = []
    for variant, days in by_variant.items():
        if len(days) < 7:
            continue
        usual_views = _median([d["impressions"] for d in days])
        rates = [d["clicks"] / d["impressions"] for d in days if d["impressions"]]
        usual_rate = _median(rates)
        for d in days:
            views = d["impressions"]
            if usual_views and not (
                usual_views / IMPLAUSIBLE_FACTOR <= views <= usual_views * IMPLAUSIBLE_FACTOR
            ):
                flags.append(Flag(variant, d["day"], "impressions", views, usual_views))
            elif (
                views >= 100
                and usual_rate
                and d["clicks"] / views > usual_rate * IMPLAUSIBLE_FACTOR
            ):
                flags.append(
                    Flag(variant, d["day"], "click-through", d["clicks"] / views, usual_rate)
                )
    return sorted(flags, key=lambda f: (f.day, f.variant))


def _intended_shares(campaign: Campaign) -> dict[str, float]:
    share = campaign.control_share / 100
    variants = list(campaign.variants.values_list("key", "weight"))
    total = sum(weight for _, weight in variants) or 1
    intended = {key: (1 - share) * weight / total for key, weight in variants}
    if share:
        intended[HOLDOUT] = share
    return intended


class WeightPoint(NamedTuple):
    computed_at: datetime.datetime
    weights: dict[str, float]


#: The weights table and chart show every update of the last week and, before it, the last
#: update of each day: a year of hourly updates would be 8,760 rows.
HOURLY_FOR = datetime.timedelta(days=7)


def weights_thinned(history: list[WeightPoint]) -> list[WeightPoint]:
    if not history:
        return []
    recent = history[-1].computed_at - HOURLY_FOR
    daily: dict[datetime.date, WeightPoint] = {}
    for point in history:
        if point.computed_at < recent:
            daily[point.computed_at.astimezone(datetime.UTC).date()] = point  # the day's last
    return [*daily.values(), *(p for p in history if p.computed_at >= recent)]


def _expected_split(
    campaign: Campaign, daily: list[dict[str, Any]], history: list[WeightPoint]
) -> dict[str, float]:
    """The split the campaign meant: its weights, or, when optimised, each weights period's
    weights times that period's impressions (the shares move with every update)."""
    intended = _intended_shares(campaign)
    if not campaign.optimise:
        return intended
    views: dict[datetime.date, int] = defaultdict(int)
    for row in daily:
        views[row["day"]] += row["impressions"] or 0
    share = campaign.control_share / 100
    return expected_impressions(
        daily_views=views,
        updates=history,
        initial={k: v / max(1 - share, 1e-9) for k, v in intended.items() if k != HOLDOUT},
        control_share=share,
    )


def _name(variant: str | None) -> str:
    return _("showing nothing") if variant == HOLDOUT else str(variant)


def _views_needed(found: stats.Verdict) -> str:
    """ "; at this rate about N more views are needed", or nothing when no estimate."""
    if found.views_needed is None:
        return ""
    return ngettext(
        "; at this rate about %(views)s more view is needed",
        "; at this rate about %(views)s more views are needed",
        found.views_needed,
    ) % {"views": number_format(found.views_needed, force_grouping=True)}


def _percent(fraction: float) -> str:
    return number_format(round(fraction * 100))


def verdict_sentence(found: stats.Verdict | None) -> tuple[str, bool]:
    """The verdict in the editor's language, built from its pieces (readerfund.stats stays
    free of Django, its own `sentence` is English only); (sentence, strong enough to act on)."""
    if found is None:
        return _("No views to compare yet."), False
    if found.kind is stats.VerdictKind.TOO_EARLY or found.lift is None:
        early = ngettext(
            "Too early to compare: every variant needs at least %(min)s gift (%(short)s not yet)",
            "Too early to compare: every variant needs at least %(min)s gifts (%(short)s not yet)",
            found.min_conversions,
        ) % {
            "min": found.min_conversions,
            "short": ", ".join(_name(v) for v in found.short_of_gifts),
        }
        return early + _views_needed(found) + ".", False
    values = {
        "leader": _name(found.leader),
        "other": _name(found.runner_up),
        "lift": _percent(found.lift.estimate),
        "low": _percent(found.lift.low),
        "high": _percent(found.lift.high),
        "confidence": round(found.confidence * 100),
    }
    if found.kind is stats.VerdictKind.WINNER:
        return _(
            "%(leader)s raises %(lift)s %% more per 1,000 views than %(other)s, "
            "%(confidence)s %% interval %(low)s %% to %(high)s %%; "
            "the evidence is strong enough to act on."
        ) % values, True
    compared = (
        _(
            "%(leader)s raises %(lift)s %% more per 1,000 views than %(other)s so far, "
            "%(confidence)s %% interval %(low)s %% to %(high)s %%"
        )
        % values
    )
    if found.views_needed is None:
        return compared + _(
            "; not enough evidence yet, and at this rate no clear difference is in sight: "
            "the variants may raise about the same."
        ), False
    return compared + _("; not enough evidence yet") + _views_needed(found) + ".", False


def campaign_report(*, campaign: Campaign) -> CampaignReport:
    rates = rates_current()
    totals = (
        DailyResult.objects.filter(campaign=campaign.slug)
        .order_by()
        .values("variant")
        .annotate(
            impressions=Sum("impressions"),
            clicks=Sum("clicks"),
            checkouts=Sum("checkouts"),
            gifts=Sum("gifts"),
            new_monthly=Sum("new_monthly"),
            new_annual=Sum("new_annual"),
            money=Sum("money"),
            value=Sum("value"),
        )
    )
    order = {key: i for i, key in enumerate(campaign.variants.values_list("key", flat=True))}
    funnel = sorted(
        (FunnelRow(**{k: row[k] or 0 for k in row}) for row in totals),  # type: ignore[arg-type]
        key=lambda r: (r.variant != HOLDOUT, order.get(r.variant, len(order)), r.variant),
    )
    summaries = variant_summaries(campaign=campaign.slug)
    summaries.sort(key=lambda s: (s.variant != HOLDOUT, order.get(s.variant, len(order))))
    statistics = variants_analyse(summaries)
    daily = list(
        DailyResult.objects.filter(campaign=campaign.slug)
        .order_by()
        .values("day", "variant")
        .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"), value=Sum("value"))
        .order_by("day", "variant")
    )
    history = [
        WeightPoint(at, weights)
        for at, weights in WeightUpdate.objects.filter(campaign=campaign.slug)
        .order_by("computed_at")
        .values_list("computed_at", "weights")
    ]
    srm_found = srm(
        observed={s.variant: s.impressions for s in summaries},
        intended=_expected_split(campaign, daily, history),
    )
    reference = reference_of(summaries)
    return CampaignReport(
        campaign=campaign,
        currency=rates.base,
        funnel=funnel,
        statistics=statistics,
        reference=reference.variant if reference else None,
        verdict=verdict_sentence(verdict(summaries)),
        srm=srm_found,
        weights_history=weights_thinned(history),
        flags=implausible_days(daily),
        daily=daily,
        demo=DailyResult.objects.filter(campaign=campaign.slug, demo=True).exists(),
    )


# ---- the month's overview -------------------------------------------------------------------


@dataclass
class Overview:
    month: datetime.date
    currency: str
    target: int | None
    money_by_channel: dict[str, int]
    money_by_campaign: dict[str, int]
    new_supporters: int
    active_plans: int
    active_monthly_value: int
    cancellations: int
    days: list[datetime.date]
    money_by_day: list[int]  # received each day, base currency minor units
    cumulative: list[int]


def _convert_sum(rates: Rates, rows: list[tuple[str, str, int]]) -> dict[str, int]:
    """(key, currency, amount) rows → {key: amount in the base currency}, each currency's
    sum converted once; currencies without a rate are left out."""
    by_key: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, currency, amount in rows:
        by_key[key][currency] += int(amount)
    return {
        key: sum(c for cur, a in parts.items() if (c := rates.convert(a, cur)) is not None)
        for key, parts in by_key.items()
    }


def month_overview(*, now: datetime.datetime | None = None) -> Overview:
    now = now or timezone.now()
    rates = rates_current()
    start, end = month_bounds(now)
    received = Contribution.objects.filter(
        status=ContributionStatus.SUCCEEDED, received_at__gte=start, received_at__lt=end
    ).order_by()
    grouped = list(
        received.annotate(day=TruncDate("received_at", tzinfo=datetime.UTC))
        .values_list("day", "channel", "campaign", "currency")
        .annotate(net=Sum(F("amount") - F("refunded_amount")))
    )
    by_channel = _convert_sum(rates, [(ch or DIRECT, cur, n) for _, ch, _c, cur, n in grouped])
    by_campaign = _convert_sum(rates, [(c or DIRECT, cur, n) for _, _ch, c, cur, n in grouped])
    by_day = _convert_sum(rates, [(d.isoformat(), cur, n) for d, _ch, _c, cur, n in grouped])
    days = [
        start.date() + datetime.timedelta(days=i)
        for i in range((min(end, now + datetime.timedelta(days=1)) - start).days)
    ]
    money_by_day = [by_day.get(d.isoformat(), 0) for d in days]
    cumulative, running = [], 0
    for amount in money_by_day:
        running += amount
        cumulative.append(running)
    plans = list(
        plans_counted()
        .order_by()
        .values_list("currency", "frequency")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    monthly_value = _convert_sum(
        rates,
        [
            ("all", cur, monthly_equivalent(amount=int(total), frequency=freq))
            for cur, freq, total, _n in plans
        ],
    ).get("all", 0)
    goal = Goal.objects.filter(pk=SINGLE_ROW).first()
    return Overview(
        month=start.date(),
        currency=rates.base,
        target=goal.monthly_cost if goal else None,
        money_by_channel=dict(sorted(by_channel.items(), key=lambda kv: -kv[1])),
        money_by_campaign=dict(sorted(by_campaign.items(), key=lambda kv: -kv[1])),
        new_supporters=Supporter.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        active_plans=sum(n for *_rest, n in plans),
        active_monthly_value=monthly_value,
        cancellations=RecurringPlan.objects.filter(
            status=PlanStatus.CANCELED, canceled_at__gte=start, canceled_at__lt=end
        ).count(),
        days=days,
        money_by_day=money_by_day,
        cumulative=cumulative,
    )
