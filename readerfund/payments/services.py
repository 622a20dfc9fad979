"""Applying money facts to the ledger: exactly once, in any order, never backwards."""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from readerfund.payments.models import (
    AttemptStatus,
    Contribution,
    ContributionStatus,
    Frequency,
    PaymentAttempt,
    PaymentReview,
    PlanStatus,
    ProviderEvent,
    RecurringPlan,
)
from readerfund.payments.providers.base import (
    AttemptClosed,
    Fact,
    PaymentDisputed,
    PaymentHeld,
    PaymentRefunded,
    PaymentSucceeded,
    PlanChanged,
    ProviderEventData,
)
from readerfund.payments.tasks import receipt_send, receipts_send

logger = logging.getLogger(__name__)


class FactNotYetApplicable(Exception):
    """A fact refers to something this ledger has not seen yet (events arrive in any order).

    Raised out of the transaction, so nothing is stored; the webhook answers 5xx and the
    provider retries later, or reconciliation applies it.
    """


@dataclass(frozen=True)
class EventOutcome:
    applied: bool  # False: this event had been applied before
    contributions_created: int


class SupporterFinder(Protocol):
    """Finds or creates the supporter a gift belongs to (see `supporter_finder_register`)."""

    def __call__(self, *, email: str, name: str, consent: bool, language: str) -> Any: ...


_supporter_finder: SupporterFinder | None = None


def supporter_finder_register(finder: SupporterFinder) -> None:
    """Who gave is the supporters app's business: it registers, when Django starts, how a
    gift finds its supporter, so the ledger keeps only the link and imports nothing above it."""
    global _supporter_finder
    _supporter_finder = finder


def supporter_for(
    *, email: str, name: str = "", consent: bool = False, language: str = "en"
) -> Any:
    """The supporter (a `supporters.Supporter`) a gift from this address belongs to; None
    for a gift without a trace (no address: nobody is recorded)."""
    if not email:
        return None
    if _supporter_finder is None:
        raise ImproperlyConfigured("readerfund.supporters is not installed: gifts need it")
    return _supporter_finder(email=email, name=name, consent=consent, language=language)


def _attempt(attempt_id: str) -> PaymentAttempt | None:
    try:
        return PaymentAttempt.objects.filter(public_id=uuid.UUID(attempt_id)).first()
    except ValueError:
        return None


def _plan_for(*, provider: str, plan_id: str, attempt: PaymentAttempt | None) -> RecurringPlan:
    plan = RecurringPlan.objects.filter(provider=provider, provider_plan_id=plan_id).first()
    if plan is not None:
        return plan
    if attempt is None:
        raise FactNotYetApplicable(f"plan {plan_id} is not known yet")
    try:
        with transaction.atomic():
            return RecurringPlan.objects.create(
                supporter=supporter_for(
                    email=attempt.email, name=attempt.name, consent=attempt.email_consent,
                    language=attempt.language,
                ),
                attempt=attempt, provider=provider, provider_plan_id=plan_id,
                frequency=attempt.frequency, amount=attempt.amount, currency=attempt.currency,
                campaign=attempt.campaign, variant=attempt.variant, channel=attempt.channel,
            )  # fmt: skip
    except IntegrityError:  # created concurrently by the other path (webhook vs return)
        return RecurringPlan.objects.get(provider=provider, provider_plan_id=plan_id)


def _payment_succeeded(provider: str, fact: PaymentSucceeded) -> int:
    attempt = _attempt(fact.attempt_id) if fact.attempt_id else None
    plan = (
        _plan_for(provider=provider, plan_id=fact.plan_id, attempt=attempt)
        if fact.plan_id
        else None
    )
    if attempt is None and plan is not None:
        attempt = plan.attempt
    if attempt is None:
        raise FactNotYetApplicable(f"payment {fact.payment_id} has no known attempt or plan")
    supporter = plan.supporter if plan else supporter_for(
        email=attempt.email, name=attempt.name, consent=attempt.email_consent,
        language=attempt.language,
    )  # fmt: skip
    try:
        # The unique (provider, provider_payment_id) constraint, not an "exists?" check,
        # is what makes this exactly-once under concurrency.
        with transaction.atomic():
            contribution = Contribution.objects.create(
                supporter=supporter, plan=plan, attempt=attempt, provider=provider,
                provider_payment_id=fact.payment_id,
                frequency=plan.frequency if plan else Frequency.ONE_OFF,
                amount=fact.amount, currency=fact.currency.upper(),
                anonymous=attempt.anonymous, campaign=attempt.campaign,
                variant=attempt.variant, channel=attempt.channel, received_at=fact.occurred_at,
            )  # fmt: skip
    except IntegrityError:
        return 0
    if attempt.status != AttemptStatus.SUCCEEDED:
        attempt.status = AttemptStatus.SUCCEEDED
        attempt.save(update_fields=["status"])
    if plan and plan.status == PlanStatus.INCOMPLETE:
        _plan_status(plan, PlanStatus.ACTIVE, fact.occurred_at)
    # Queued in this transaction (database task backend): the receipt exists if and only if
    # the contribution does, and the worker sends it once. A gift without a trace has
    # nobody to send one to.
    if supporter is not None:
        receipt_send.enqueue(contribution.pk)
    return 1


def _plan_status(plan: RecurringPlan, status: str, at: datetime.datetime) -> None:
    if plan.status == PlanStatus.CANCELED:
        return  # terminal: a late "active" must not revive a canceled plan
    if plan.status_at is not None and at < plan.status_at:
        return  # older than what we know
    plan.status = status
    plan.status_at = at
    if status == PlanStatus.CANCELED:
        plan.canceled_at = at
    plan.save(update_fields=["status", "status_at", "canceled_at"])


def _plan_changed(provider: str, fact: PlanChanged) -> None:
    """The plan as the provider says it was at `fact.occurred_at`: status and amount.

    `status_at` is the provider's moment of the newest state applied, for the amount as
    for the status, so events in any order end in the newest state: active and paused may
    alternate, an older event changes nothing, and canceled stays canceled. Equal moments
    (Stripe counts whole seconds) are applied in the order they arrive.
    """
    attempt = _attempt(fact.attempt_id) if fact.attempt_id else None
    found = _plan_for(provider=provider, plan_id=fact.plan_id, attempt=attempt)
    # Locked: two events of one plan applied at once (a webhook and the supporter's own
    # change) must not both read the old state and the older one write last.
    plan = RecurringPlan.objects.select_for_update().get(pk=found.pk)
    if plan.status == PlanStatus.CANCELED:
        return
    if plan.status_at is not None and fact.occurred_at < plan.status_at:
        return
    if fact.amount is not None and fact.amount != plan.amount:
        plan.amount = fact.amount
        plan.save(update_fields=["amount"])
    _plan_status(plan, fact.status, fact.occurred_at)


def _recorded_payment(provider: str, payment_id: str, what: str) -> Contribution | None:
    """The contribution a refund or dispute is about, locked; None when it is not recorded.

    Not recorded and ours (one of our attempts started it): not yet applicable — 503, the
    provider retries. Not ours (another product on the same account): ignored, since a
    retry would not help.
    """
    contribution = (
        Contribution.objects.select_for_update()
        .filter(provider=provider, provider_payment_id=payment_id)
        .first()
    )
    if contribution is not None:
        return contribution
    if PaymentAttempt.objects.filter(provider=provider, provider_reference=payment_id).exists():
        raise FactNotYetApplicable(f"{what} of payment {payment_id} before the payment itself")
    logger.info("ignoring the %s of payment %s, which is not ours", what, payment_id)
    return None


def _refunded(provider: str, fact: PaymentRefunded) -> None:
    contribution = _recorded_payment(provider, fact.payment_id, "refund")
    if contribution is None:
        return
    refunded = max(contribution.refunded_amount, min(fact.refunded_amount, contribution.amount))
    contribution.refunded_amount = refunded
    if refunded >= contribution.amount:
        contribution.status = ContributionStatus.REFUNDED
    contribution.save(update_fields=["refunded_amount", "status"])


def _disputed(provider: str, fact: PaymentDisputed) -> None:
    contribution = _recorded_payment(provider, fact.payment_id, "dispute")
    if contribution is not None and contribution.status == ContributionStatus.SUCCEEDED:
        contribution.status = ContributionStatus.DISPUTED
        contribution.save(update_fields=["status"])


def _held(provider: str, fact: PaymentHeld) -> None:
    """Recorded once per payment; a later fact about the same payment (more arrived: now
    over, not partial) updates what the admin sees, unless they already decided."""
    attempt = _attempt(fact.attempt_id) if fact.attempt_id else None
    review, created = PaymentReview.objects.get_or_create(
        provider=provider,
        provider_payment_id=fact.payment_id,
        defaults={
            "attempt": attempt, "reason": fact.reason, "expected_amount": fact.expected_amount,
            "currency": fact.currency.upper(), "received": fact.received,
            "received_amount": fact.received_amount, "noticed_at": fact.occurred_at,
        },
    )  # fmt: skip
    if not created and review.resolved_at is None and fact.occurred_at >= review.noticed_at:
        review.reason, review.received = fact.reason, fact.received
        review.received_amount, review.noticed_at = fact.received_amount, fact.occurred_at
        review.save(update_fields=["reason", "received", "received_amount", "noticed_at"])


def _closed(fact: AttemptClosed) -> None:
    attempt = _attempt(fact.attempt_id)
    if attempt is not None:
        # Only a started attempt closes: a paid one stays paid, whatever arrives late.
        PaymentAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.STARTED).update(
            status=AttemptStatus.FAILED
        )


def facts_apply(*, provider: str, facts: list[Fact]) -> int:
    """Applies facts (inside the caller's transaction); returns contributions created."""
    created = 0
    for fact in facts:
        if isinstance(fact, PaymentSucceeded):
            created += _payment_succeeded(provider, fact)
        elif isinstance(fact, PlanChanged):
            _plan_changed(provider, fact)
        elif isinstance(fact, PaymentRefunded):
            _refunded(provider, fact)
        elif isinstance(fact, PaymentDisputed):
            _disputed(provider, fact)
        elif isinstance(fact, PaymentHeld):
            _held(provider, fact)
        elif isinstance(fact, AttemptClosed):
            _closed(fact)
    return created


def provider_event_apply(*, provider: str, event: ProviderEventData) -> EventOutcome:
    """Stores the event once and applies its facts, in one transaction.

    Inserting the ProviderEvent row first makes a concurrent duplicate fail on the unique
    constraint (or wait for the first transaction, then fail) before any effect happens.
    """
    try:
        with transaction.atomic():
            ProviderEvent.objects.create(
                provider=provider, event_id=event.event_id, type=event.type, payload=event.payload
            )
            created = facts_apply(provider=provider, facts=event.facts)
    except IntegrityError:
        if ProviderEvent.objects.filter(provider=provider, event_id=event.event_id).exists():
            return EventOutcome(applied=False, contributions_created=0)
        raise
    return EventOutcome(applied=True, contributions_created=created)


@transaction.atomic
def attempt_confirm(*, attempt: PaymentAttempt, facts: list[Fact]) -> int:
    """The reader's return from checkout: the same facts as the webhook, applied once."""
    return facts_apply(provider=attempt.provider, facts=facts)


@transaction.atomic
def transfer_mark_received(*, contribution_id: int) -> bool:
    """An admin saw the bank transfer on the statement. True if this call recorded it."""
    contribution = Contribution.objects.select_for_update().get(pk=contribution_id)
    if contribution.status != ContributionStatus.PENDING:
        return False  # already received (or refunded): marking twice changes nothing
    contribution.status = ContributionStatus.SUCCEEDED
    contribution.received_at = timezone.now()
    contribution.save(update_fields=["status", "received_at"])
    if contribution.attempt_id:
        PaymentAttempt.objects.filter(pk=contribution.attempt_id).update(
            status=AttemptStatus.SUCCEEDED
        )
    if contribution.supporter_id is not None:
        receipt_send.enqueue(contribution.pk)
    return True


@transaction.atomic
def review_resolve(*, review_id: int, resolution: str) -> bool:
    """An admin's decision on a payment to review: "credited" records the amount received as
    the gift (once: the payment's id is the contribution's), "dismissed" records nothing.
    True if this call decided it; a decided review changes no more."""
    review = PaymentReview.objects.select_for_update().get(pk=review_id)
    if review.resolved_at is not None:
        return False
    if resolution == "credited":
        attempt_id = str(review.attempt.public_id) if review.attempt else ""
        fact = PaymentSucceeded(
            payment_id=review.provider_payment_id,
            amount=review.received_amount or review.expected_amount,
            currency=review.currency,
            occurred_at=timezone.now(),
            attempt_id=attempt_id,
        )
        facts_apply(provider=review.provider, facts=[fact])
    elif resolution != "dismissed":
        raise ValueError(f"unknown resolution {resolution!r}")
    review.resolved_at = timezone.now()
    review.resolution = resolution
    review.save(update_fields=["resolved_at", "resolution"])
    return True


#: Rows per statement of the bulk update and per queued receipt batch.
_BATCH = 500


@transaction.atomic
def transfers_mark_received(*, contribution_ids: list[int]) -> list[int]:
    """`transfer_mark_received` for many transfers at once (an imported bank statement):
    the same rule — only a pending transfer becomes received, each once — in a few
    statements instead of several per transfer. Returns the ids this call recorded.

    The rows are locked first, so a concurrent mark (an admin's action, another import)
    waits and then finds them received.
    """
    marked: list[int] = []
    now = timezone.now()
    for start in range(0, len(contribution_ids), _BATCH):
        batch = contribution_ids[start : start + _BATCH]
        pending = list(
            Contribution.objects.select_for_update()
            .filter(pk__in=batch, status=ContributionStatus.PENDING)
            .values_list("pk", "attempt_id")
        )
        ids = [pk for pk, _attempt in pending]
        Contribution.objects.filter(pk__in=ids).update(
            status=ContributionStatus.SUCCEEDED, received_at=now
        )
        PaymentAttempt.objects.filter(pk__in=[a for _pk, a in pending if a]).update(
            status=AttemptStatus.SUCCEEDED
        )
        if ids:
            # Queued in this transaction, like each single receipt: they exist if and only
            # if the transfers are received.
            receipts_send.enqueue(ids)
        marked += ids
    if marked:
        # A bulk update sends no post_save: one, for the last row, tells those who keep
        # aggregates of the ledger (the funding goal) that it changed.
        last = Contribution.objects.get(pk=marked[-1])
        post_save.send(sender=Contribution, instance=last, created=False, update_fields=None)
    return marked
