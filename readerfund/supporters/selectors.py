"""What the manage pages read: a supporter's own plans and gifts, what providers add to
them (a crypto pledge), receipts, yearly totals, and where "stop asking me on this device"
leads."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urldefrag

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from readerfund.core.pages import return_url_allowed
from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    PaymentAttempt,
    RecurringPlan,
)
from readerfund.payments.providers.base import PaymentProvider, SupporterItem
from readerfund.payments.registry import provider_get, providers_all
from readerfund.supporters.models import Supporter


def supporter_plans(supporter: Supporter) -> QuerySet[RecurringPlan]:
    return supporter.plans.order_by("-started_at", "-pk")


def supporter_items(
    supporter: Supporter, *, language: str
) -> list[tuple[PaymentProvider, SupporterItem]]:
    """What each installed provider lists on the supporter's page besides plans and gifts
    (`PaymentProvider.supporter_items`), with the provider it belongs to."""
    return [
        (provider, item)
        for provider in providers_all()
        for item in provider.supporter_items(supporter_id=supporter.pk, language=language)
    ]


def supporter_item(
    supporter: Supporter, *, provider: str, key: str, language: str
) -> tuple[PaymentProvider, SupporterItem] | None:
    """One item the supporter's page lists, if it still does (not stopped, their own)."""
    found = provider_get(provider)
    if found is None:
        return None
    for item in found.supporter_items(supporter_id=supporter.pk, language=language):
        if item.key == key:
            return found, item
    return None


def supporter_contributions(supporter: Supporter) -> QuerySet[Contribution]:
    return supporter.contributions.order_by("-created_at", "-pk")


def receipt_get(supporter: Supporter, contribution_id: int) -> Contribution:
    """One of the supporter's own gifts that was received (a pending bank transfer has no
    receipt yet). Contribution.DoesNotExist otherwise: another supporter's gift is as
    unknown as one that does not exist."""
    return Contribution.objects.select_related("plan").get(
        pk=contribution_id, supporter=supporter, received_at__isnull=False
    )


def _kept(contribution: Contribution) -> int:
    """What the newsroom kept of a gift: received, less any refund; disputed gifts
    count nothing until the dispute is decided."""
    if contribution.status != ContributionStatus.SUCCEEDED:
        return 0
    return max(contribution.amount - contribution.refunded_amount, 0)


@dataclass(frozen=True)
class YearSummary:
    year: int
    gifts: list[tuple[Contribution, int]]  # each gift with the amount kept
    totals: dict[str, int] = field(default_factory=dict)  # per currency, minor units


def year_summary(supporter: Supporter, year: int) -> YearSummary:
    """The gifts received in a calendar year (in settings.TIME_ZONE) and their totals per
    currency, for tax records: refunded money is not counted."""
    gifts = []
    totals: dict[str, int] = {}
    received = supporter.contributions.filter(received_at__year=year).order_by("received_at")
    for contribution in received:
        kept = _kept(contribution)
        if kept <= 0:
            continue
        gifts.append((contribution, kept))
        totals[contribution.currency] = totals.get(contribution.currency, 0) + kept
    return YearSummary(year=year, gifts=gifts, totals=dict(sorted(totals.items())))


def summary_years(supporter: Supporter) -> list[int]:
    """Years with at least one received gift, newest first."""
    dates = supporter.contributions.filter(
        received_at__isnull=False, status=ContributionStatus.SUCCEEDED
    ).dates("received_at", "year", order="DESC")
    return [moment.year for moment in dates]


def site_for(supporter: Supporter, *, own_host: str) -> str:
    """The news site to send the supporter back to with their supporter token: the page
    they last gave from (if its site is still allowed), else the demo's front page on a
    demo installation, else the first of READERFUND_EMBED_ORIGINS. Empty when none."""
    attempts = PaymentAttempt.objects.filter(email=supporter.email).exclude(return_to="")
    for return_to in attempts.order_by("-created_at").values_list("return_to", flat=True)[:1]:
        if return_url_allowed(return_to, own_host=own_host):
            return urldefrag(return_to).url
    if settings.DEMO_SITE:
        return reverse("demo:front")
    origins = [origin for origin in settings.READERFUND_EMBED_ORIGINS if origin != "*"]
    return origins[0].rstrip("/") + "/" if origins else ""
