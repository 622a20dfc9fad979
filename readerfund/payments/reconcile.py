"""Reconciliation: the providers' own event lists heal webhooks that never arrived.

It goes through the same door as a webhook (`provider_event_apply`), so an event that was
delivered is skipped by the unique constraint, and running it twice changes nothing.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.utils import timezone
from django_tasks import task

from readerfund.core.periodic import periodic, periodic_next
from readerfund.payments.providers.base import ProviderEventData, ProviderUnavailable
from readerfund.payments.registry import providers_all
from readerfund.payments.services import FactNotYetApplicable, provider_event_apply

logger = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    events_seen: int = 0
    events_applied: int = 0  # new to the ledger: their webhook had not been applied
    events_known: int = 0  # applied before (by their webhook or an earlier run)
    events_deferred: int = 0  # refer to something the ledger does not know yet; next run
    contributions_created: int = 0
    unavailable: list[str] = field(default_factory=list)  # providers that did not answer


def _apply(provider: str, events: list[ProviderEventData], report: ReconcileReport) -> None:
    # Events come oldest first, but several share a second and arrive in any order; a fact
    # that needs an earlier one (a refund before its payment) gets a second pass.
    pending = events
    for _pass in range(2):
        deferred: list[ProviderEventData] = []
        for event in pending:
            try:
                outcome = provider_event_apply(provider=provider, event=event)
            except FactNotYetApplicable:
                deferred.append(event)
                continue
            if outcome.applied:
                report.events_applied += 1
                report.contributions_created += outcome.contributions_created
            else:
                report.events_known += 1
        pending = deferred
    for event in pending:
        logger.warning("%s event %s cannot be applied yet", provider, event.event_id)
    report.events_deferred += len(pending)


def payments_reconcile(*, since: datetime.datetime) -> ReconcileReport:
    """Applies every configured provider's events since `since` that the ledger lacks."""
    report = ReconcileReport()
    for provider in providers_all():
        if not provider.is_configured():
            continue
        try:
            events = provider.recent_events(since=since)
        except ProviderUnavailable as error:
            logger.warning("reconciliation skipped %s: %s", provider.identifier, error)
            report.unavailable.append(provider.identifier)
            continue
        report.events_seen += len(events)
        _apply(provider.identifier, events, report)
    return report


RECONCILE_EVERY = datetime.timedelta(hours=1)
RECONCILE_WINDOW = datetime.timedelta(hours=72)  # as long as Stripe retries a webhook


@periodic
@task()
def reconcile_periodically() -> None:
    """Heals missed webhooks, then schedules its next run (the worker is the clock)."""
    try:
        payments_reconcile(since=timezone.now() - RECONCILE_WINDOW)
    finally:
        periodic_next(reconcile_periodically, RECONCILE_EVERY)
