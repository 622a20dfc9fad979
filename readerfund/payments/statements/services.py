"""Importing a statement: read it whole, store each credit once, credit exact matches,
keep the rest for review; standing orders become monthly plans, which lapse when the
money stops."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    Frequency,
    PlanStatus,
    RecurringPlan,
)
from readerfund.payments.providers.bank_transfer.provider import BankTransferProvider
from readerfund.payments.services import transfer_mark_received, transfers_mark_received
from readerfund.payments.statements.camt import camt_read
from readerfund.payments.statements.entries import StatementLine, StatementRefused, entry_keys
from readerfund.payments.statements.matching import (
    Expected,
    Verdict,
    entry_judge,
    references_find,
)
from readerfund.payments.statements.models import Outcome, Reason, Statement, StatementEntry
from readerfund.payments.statements.mt940 import mt940_read
from readerfund.payments.tasks import receipt_send

PROVIDER = BankTransferProvider.identifier

#: Bigger files are refused before reading: a year of a busy account is far smaller.
MAX_STATEMENT_BYTES = 50 * 1024 * 1024

#: What a lapsed standing order's plan says in `cancel_reason`.
LAPSED = "lapsed"

_KEY_BATCH = 500  # keys per "already imported?" query (below every database's limits)


@dataclass
class ImportReport:
    statement: Statement | None = None
    format: str = ""
    entries: int = 0  # credits and debits read
    debits: int = 0
    known: int = 0  # credits imported before (this file again, or an overlapping one)
    credited: int = 0
    standing_orders: int = 0
    to_review: int = 0
    reviews: list[StatementEntry] = field(default_factory=list)


def statement_read(*, data: bytes) -> tuple[str, list[StatementLine]]:
    """("camt" or "mt940", every entry); StatementRefused names what is wrong."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise StatementRefused(f"the file is larger than {MAX_STATEMENT_BYTES // 2**20} MB")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "camt", camt_read(data)
    return "mt940", mt940_read(data)


def _known_keys(keys: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(keys), _KEY_BATCH):
        batch = keys[start : start + _KEY_BATCH]
        known.update(StatementEntry.objects.filter(key__in=batch).values_list("key", flat=True))
    return known


def _transfers(references: Iterable[str]) -> dict[str, Contribution]:
    """The bank-transfer gifts these references name (their first payment)."""
    found: dict[str, Contribution] = {}
    wanted = sorted(set(references))
    for start in range(0, len(wanted), _KEY_BATCH):
        # Only what matching reads (a standing order's payment loads the rest, rarely).
        for contribution in Contribution.objects.filter(
            provider=PROVIDER, provider_payment_id__in=wanted[start : start + _KEY_BATCH]
        ).only("provider_payment_id", "amount", "currency", "status", "received_at"):
            found[contribution.provider_payment_id] = contribution
    return found


def _last_paid_on(reference: str, contribution: Contribution) -> datetime.date | None:
    """The booking date of the latest payment under `reference` (a hand-marked transfer
    has none on a statement: its day of receipt stands in)."""
    latest = StatementEntry.objects.filter(
        reference=reference,
        outcome__in=[Outcome.CREDITED, Outcome.STANDING_ORDER, Outcome.ASSIGNED],
    ).aggregate(latest=Max("booked_on"))["latest"]
    if latest is not None:
        return latest  # type: ignore[no-any-return]
    received = contribution.received_at
    return received.date() if received else None


def _expected(reference: str, contribution: Contribution | None) -> Expected | None:
    if contribution is None:
        return None
    pending = contribution.status == ContributionStatus.PENDING
    return Expected(
        amount=contribution.amount,
        currency=contribution.currency,
        pending=pending,
        last_paid_on=None if pending else _last_paid_on(reference, contribution),
    )


def statement_import(*, data: bytes, filename: str, user: Any = None) -> ImportReport:
    """Imports a statement file all or nothing: a file that cannot be read whole changes
    nothing (StatementRefused). Importing it again, or a file that overlaps it, adds only
    the entries not seen before."""
    kind, lines = statement_read(data=data)
    for attempt in range(_ATTEMPTS):
        try:
            return _lines_import(kind, lines, filename=filename, user=user)
        except IntegrityError:
            # An import of overlapping entries committed meanwhile: our transaction rolled
            # back whole; again, its entries are now known.
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


_ATTEMPTS = 3


@transaction.atomic
def _lines_import(
    kind: str, lines: list[StatementLine], *, filename: str, user: Any
) -> ImportReport:
    report = ImportReport(format=kind, entries=len(lines))
    credits = [line for line in lines if line.credit]
    report.debits = len(lines) - len(credits)
    keys = entry_keys(credits)
    statement = Statement.objects.create(
        filename=filename[:200], format=kind, imported_by=user, entries=len(lines)
    )
    report.statement = statement
    known = _known_keys(keys)
    found = {
        key: references_find(line.remittance)
        for key, line in zip(keys, credits, strict=True)
        if key not in known
    }
    transfers = _transfers(r for refs in found.values() for r in refs)
    claimed: set[int] = set()  # transfers an earlier entry of this file pays
    now = timezone.now()
    entries: list[StatementEntry] = []
    for key, line in zip(keys, credits, strict=True):
        if key in known:
            report.known += 1
            continue
        references = found[key]
        reference = next((r for r in references if r in transfers), "")
        contribution = transfers.get(reference)
        verdict = entry_judge(
            amount=line.amount, currency=line.currency, booked_on=line.booked_on,
            expected=_expected(reference, contribution),
        )  # fmt: skip
        if not references:
            verdict = Verdict("review", Reason.NO_REFERENCE)
        elif verdict.outcome != "review" and contribution and contribution.pk in claimed:
            verdict = Verdict("review", Reason.REPEAT)  # the same transfer paid twice today
        credit = verdict.outcome == "credit" and contribution is not None
        if verdict.outcome != "review" and contribution is not None:
            claimed.add(contribution.pk)
        entries.append(
            StatementEntry(
                key=key, statement_id=statement.pk, account=line.account[:34],
                booked_on=line.booked_on, amount=line.amount, currency=line.currency,
                remittance=line.remittance[:500], payer=line.payer[:200],
                reference=reference or (references[0] if references else ""),
                # A standing order's payment is settled below, entry by entry.
                outcome=Outcome.CREDITED if credit else Outcome.REVIEW,
                reason=verdict.reason,
                contribution_id=contribution.pk if credit and contribution else None,
                resolved_at=now if credit else None,
            )
        )  # fmt: skip
        if verdict.outcome == "standing_order":
            entries[-1].reason = Reason.REPEAT  # until its payment is recorded
    # The unique key makes each entry once: an overlapping import that committed since
    # `_known_keys` fails this insert, and the whole import is tried again.
    StatementEntry.objects.bulk_create(entries, batch_size=_KEY_BATCH)
    to_credit = {e.contribution_id: e for e in entries if e.outcome == Outcome.CREDITED}
    marked = set(transfers_mark_received(contribution_ids=[c for c in to_credit if c]))
    for contribution_id, entry in to_credit.items():
        if contribution_id not in marked:  # received meanwhile (by hand): not twice
            StatementEntry.objects.filter(pk=entry.pk).update(
                outcome=Outcome.REVIEW, reason=Reason.REPEAT, contribution=None, resolved_at=None
            )
            entry.outcome, entry.reason = Outcome.REVIEW, Reason.REPEAT
    report.credited = len(marked)
    for entry in entries:
        contribution = transfers.get(entry.reference)
        if entry.outcome == Outcome.REVIEW and entry.reason == Reason.REPEAT and contribution:
            expected = _expected(entry.reference, contribution)
            verdict = entry_judge(
                amount=entry.amount, currency=entry.currency, booked_on=entry.booked_on,
                expected=expected,
            )  # fmt: skip
            if verdict.outcome == "standing_order" and _standing_order_payment(
                entry=entry, first=contribution
            ):
                report.standing_orders += 1
                continue
        if entry.outcome == Outcome.REVIEW:
            report.to_review += 1
            report.reviews.append(entry)
    statement.new_credits = len(entries)
    statement.credited = report.credited + report.standing_orders
    statement.to_review = report.to_review
    statement.known = report.known
    statement.save(update_fields=["new_credits", "credited", "to_review", "known"])
    return report


def _resolved(entry: StatementEntry, outcome: str, contribution: Contribution) -> None:
    entry.outcome = outcome
    entry.reason = Reason.NONE
    entry.contribution = contribution
    entry.resolved_at = timezone.now()
    entry.save(update_fields=["outcome", "reason", "contribution", "resolved_at"])


def _standing_order_payment(*, entry: StatementEntry, first: Contribution) -> bool:
    """The same reference, the same amount, a month on: the reader set up a standing order.
    Its plan (one per reference) counts toward the goal every month while it is active;
    each payment is a contribution of the plan, with its receipt. False: the plan was
    ended otherwise than by lapsing (an admin's decision stands)."""
    now = timezone.now()
    plan, _created = RecurringPlan.objects.get_or_create(
        provider=PROVIDER,
        provider_plan_id=entry.reference,
        defaults={
            "supporter_id": first.supporter_id, "attempt_id": first.attempt_id,
            "frequency": Frequency.MONTHLY, "amount": first.amount,
            "currency": first.currency, "status": PlanStatus.ACTIVE, "status_at": now,
            "campaign": first.campaign, "variant": first.variant, "channel": first.channel,
        },
    )  # fmt: skip
    plan = RecurringPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == PlanStatus.CANCELED:
        if plan.cancel_reason != LAPSED:
            return False
        # Payments resumed after a lapse: the standing order is alive again.
        plan.status, plan.status_at, plan.canceled_at, plan.cancel_reason = (
            PlanStatus.ACTIVE, now, None, "",
        )  # fmt: skip
        plan.save(update_fields=["status", "status_at", "canceled_at", "cancel_reason"])
    contribution = Contribution.objects.create(
        supporter_id=plan.supporter_id, plan=plan, attempt_id=first.attempt_id,
        provider=PROVIDER, provider_payment_id=f"{entry.reference}/{entry.pk}",
        frequency=Frequency.MONTHLY, amount=entry.amount, currency=entry.currency,
        anonymous=first.anonymous, campaign=plan.campaign, variant=plan.variant,
        channel=plan.channel, received_at=now,
    )  # fmt: skip
    receipt_send.enqueue(contribution.pk)
    _resolved(entry, Outcome.STANDING_ORDER, contribution)
    return True


class AssignRefused(Exception):
    """The entry cannot go to that transfer; the message says why, for the admin."""


@transaction.atomic
def entry_assign(*, entry_id: int, reference: str) -> Contribution:
    """An admin says which transfer a reviewed entry pays. The transfer is credited with
    the amount that arrived (a partial or larger payment is what the newsroom received),
    once: the entry and the transfer are each locked and checked first."""
    entry = StatementEntry.objects.select_for_update().get(pk=entry_id)
    if entry.outcome != Outcome.REVIEW:
        raise AssignRefused("this entry was already dealt with")
    wanted = references_find(reference)
    contribution = (
        Contribution.objects.select_for_update()
        .filter(provider=PROVIDER, provider_payment_id=wanted[0] if wanted else "")
        .first()
    )
    if contribution is None:
        raise AssignRefused(f"no bank transfer has the reference {reference.strip()!r}")
    if contribution.status != ContributionStatus.PENDING:
        raise AssignRefused(f"{contribution.provider_payment_id} was already received")
    if contribution.currency != entry.currency:
        raise AssignRefused(
            f"{contribution.provider_payment_id} is in {contribution.currency}, "
            f"the entry in {entry.currency}"
        )
    if contribution.amount != entry.amount:
        contribution.amount = entry.amount
        contribution.save(update_fields=["amount"])
    transfer_mark_received(contribution_id=contribution.pk)
    entry.reference = contribution.provider_payment_id
    entry.save(update_fields=["reference"])
    _resolved(entry, Outcome.ASSIGNED, contribution)
    return contribution


@transaction.atomic
def entry_dismiss(*, entry_id: int) -> bool:
    """An admin says a reviewed entry is no gift (a refund to us, a fee returned…)."""
    entry = StatementEntry.objects.select_for_update().get(pk=entry_id)
    if entry.outcome != Outcome.REVIEW:
        return False
    entry.outcome = Outcome.DISMISSED
    entry.resolved_at = timezone.now()
    entry.save(update_fields=["outcome", "resolved_at"])
    return True


def standing_orders_lapse(*, now: datetime.datetime | None = None) -> int:
    """Ends the plans of standing orders whose money stopped: no payment for a month and
    READERFUND_STANDING_ORDER_GRACE_DAYS. Returns how many lapsed."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=31 + settings.READERFUND_STANDING_ORDER_GRACE_DAYS)
    stale = (
        RecurringPlan.objects.filter(provider=PROVIDER, status=PlanStatus.ACTIVE)
        .annotate(last=Max("payments__received_at"))
        .filter(last__lt=cutoff)
    )
    lapsed = 0
    for plan in stale:
        with transaction.atomic():
            locked = RecurringPlan.objects.select_for_update().get(pk=plan.pk)
            if locked.status != PlanStatus.ACTIVE:
                continue
            locked.status, locked.status_at, locked.canceled_at = PlanStatus.CANCELED, now, now
            locked.cancel_reason = LAPSED
            locked.save(update_fields=["status", "status_at", "canceled_at", "cancel_reason"])
            lapsed += 1
    return lapsed
