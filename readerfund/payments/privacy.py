"""The ledger's part in a supporter's data rights (a step registered with
readerfund.core.privacy): their gifts, plans, checkouts and the providers' events about
them in an export; on erasure, plans stopped at their providers first, then addresses,
names, notes and return pages removed while amounts, dates and attribution stay for the
accounts. Also the retention of abandoned checkouts. See docs/privacy.md.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from readerfund.core.money import money_format
from readerfund.core.periodic import periodic, periodic_next
from readerfund.core.privacy import DataSubject, ErasureBlocked, PrivacyStep
from readerfund.payments.models import (
    AttemptStatus,
    Contribution,
    PaymentAttempt,
    PlanStatus,
    ProviderEvent,
    RecurringPlan,
)
from readerfund.payments.providers.base import Fact
from readerfund.payments.registry import provider_get
from readerfund.payments.services import facts_apply

logger = logging.getLogger(__name__)

_TERMS_PER_QUERY = 200
# What an address is made of (RFC 5322's atext, and the dots): one found with such a
# character right before or after it is a piece of another address (anne@… in marianne@…).
_ADDRESS_CHAR = r"[\w.!#$%&'*+/=?^`{|}~-]"
# Providers' ids are runs of letters, digits and underscores (pi_…, sbx_pay_…).
_ID_CHAR = r"\w"


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _attempts_of(*, supporter_id: int, email: str) -> QuerySet[PaymentAttempt]:
    """Attempts made with the supporter's address, and those their gifts came from."""
    linked = Q(contribution__supporter_id=supporter_id) | Q(
        recurringplan__supporter_id=supporter_id
    )
    ids = PaymentAttempt.objects.filter(Q(email__iexact=email) | linked).values("pk")
    return PaymentAttempt.objects.filter(pk__in=ids)


def _address_pattern(email: str) -> re.Pattern[str]:
    """The whole address, in any case, and not as a part of a longer one."""
    escaped = re.escape(email.strip())
    return re.compile(rf"(?<!{_ADDRESS_CHAR}){escaped}(?!{_ADDRESS_CHAR})", re.IGNORECASE)


def _ids_pattern(ids: Iterable[str]) -> re.Pattern[str] | None:
    """Any of the ids, whole and exactly as written (providers' ids are case-sensitive)."""
    alternatives = "|".join(re.escape(i) for i in sorted(set(ids)) if i)
    if not alternatives:
        return None
    return re.compile(rf"(?<!{_ID_CHAR})(?:{alternatives})(?!{_ID_CHAR})")


def _strings(value: Any) -> Iterator[str]:
    """Every string value of a JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _events_of(*, email: str, provider_ids: list[str]) -> list[ProviderEvent]:
    """Stored provider events about the supporter: a string of their payload holds the
    address (any case) or one of the ids, whole.

    The database narrows the events down with a text search over the JSON as stored: each
    string as it is and as JSON escapes it, a few hundred at a time (databases limit the
    length of one condition). A substring is not enough (anne@… is in marianne@…), so each
    event found is then checked here. Slow on a large table, but it runs only for an
    export or an erasure.
    """
    needles = [email, *provider_ids]
    terms = sorted({t for n in needles if n for t in (n, json.dumps(n)[1:-1])})
    searchable = ProviderEvent.objects.annotate(
        payload_text=Cast("payload", output_field=TextField())
    )
    found: set[int] = set()
    for start in range(0, len(terms), _TERMS_PER_QUERY):
        query = Q()
        for term in terms[start : start + _TERMS_PER_QUERY]:
            query |= Q(payload_text__icontains=term)
        found.update(searchable.filter(query).values_list("pk", flat=True))
    patterns = [
        p for p in (_address_pattern(email) if email else None, _ids_pattern(provider_ids)) if p
    ]
    candidates = ProviderEvent.objects.filter(pk__in=found).order_by("received_at", "pk")
    return [
        event
        for event in candidates
        if any(p.search(text) for text in _strings(event.payload) for p in patterns)
    ]


def _provider_ids(*, supporter_id: int, email: str) -> list[str]:
    """The ids under which providers' events name this supporter's payments and plans."""
    attempts = _attempts_of(supporter_id=supporter_id, email=email)
    return [
        *Contribution.objects.filter(supporter_id=supporter_id).values_list(
            "provider_payment_id", flat=True
        ),
        *RecurringPlan.objects.filter(supporter_id=supporter_id).values_list(
            "provider_plan_id", flat=True
        ),
        *(str(public_id) for public_id in attempts.values_list("public_id", flat=True)),
        *attempts.exclude(provider_reference="").values_list("provider_reference", flat=True),
    ]


def _plan_stop(plan: RecurringPlan) -> list[Fact]:
    """Cancels the plan at its provider and returns what the provider answered.

    Raises ErasureBlocked when the plan cannot be stopped.
    """
    provider = provider_get(plan.provider)
    if provider is None:
        raise ErasureBlocked(
            _(
                "The plan %(plan)s belongs to “%(provider)s”, a payment provider this "
                "installation does not have: cancel it there first. Nothing was erased."
            )
            % {"plan": plan.provider_plan_id, "provider": plan.provider}
        )
    try:
        return provider.cancel_plan(plan=plan) or []
    except NotImplementedError as error:
        if provider.test_mode:
            return []  # a test-mode plan charges nobody: recording it canceled is enough
        raise ErasureBlocked(
            _(
                "%(provider)s plans cannot be canceled from readerfund: cancel %(plan)s at "
                "%(provider)s first, then erase again. Nothing was erased."
            )
            % {"plan": plan.provider_plan_id, "provider": provider.label}
        ) from error
    except Exception as error:
        # Unreachable, refused, or a bug: in every case the plan may still charge, and an
        # erased supporter could then neither be reached nor identified. Nothing is erased.
        logger.warning(
            "erasure of supporter %s blocked: %s plan %s not canceled: %r",
            plan.supporter_id, plan.provider, plan.provider_plan_id, error,
        )  # fmt: skip
        raise ErasureBlocked(
            _(
                "%(provider)s could not cancel the plan %(plan)s (%(error)s). Nothing was "
                "erased. Try again later."
            )
            % {
                "plan": plan.provider_plan_id,
                "provider": provider.label,
                "error": type(error).__name__,
            }
        ) from error


def _redacted(
    value: Any,
    *,
    address: re.Pattern[str],
    names: frozenset[str],
    name_keys: frozenset[str],
    placeholder: str,
    key: str = "",
) -> Any:
    """The JSON value of an event about the supporter with their address replaced and
    their names (casefolded) blanked where its provider puts names (`payload_name_keys`)."""
    if isinstance(value, (dict, list)):

        def inner(item: Any, key: str = "") -> Any:
            return _redacted(
                item, address=address, names=names, name_keys=name_keys,
                placeholder=placeholder, key=key,
            )  # fmt: skip

        if isinstance(value, dict):
            return {k: inner(v, k) for k, v in value.items()}
        return [inner(v) for v in value]
    if isinstance(value, str):
        if key in name_keys and value.strip().casefold() in names:
            return ""
        return address.sub(lambda _: placeholder, value)
    return value


class LedgerPrivacy(PrivacyStep):
    """Gifts, plans, checkouts and provider events of one supporter."""

    def export(self, subject: DataSubject) -> dict[str, Any]:
        """Amounts are integers in minor units with their currency, plus the amount
        formatted in the supporter's language; moments are ISO 8601 in UTC."""
        language = subject.language
        supporter_id, email = subject.supporter_id, subject.email
        plans = list(
            RecurringPlan.objects.filter(supporter_id=supporter_id).order_by("started_at", "pk")
        )
        contributions = list(
            Contribution.objects.filter(supporter_id=supporter_id)
            .select_related("plan")
            .order_by("created_at")
        )
        attempts = list(
            _attempts_of(supporter_id=supporter_id, email=email).order_by("created_at", "pk")
        )
        events = _events_of(
            email=email, provider_ids=_provider_ids(supporter_id=supporter_id, email=email)
        )
        return {
            "contributions": [
                {
                    "amount": c.amount,
                    "currency": c.currency,
                    "amount_formatted": money_format(c.amount, c.currency, language),
                    "refunded_amount": c.refunded_amount,
                    "frequency": c.frequency,
                    "status": c.status,
                    "anonymous": c.anonymous,
                    "provider": c.provider,
                    "provider_payment_id": c.provider_payment_id,
                    "plan": c.plan.provider_plan_id if c.plan else None,
                    "received_at": _iso(c.received_at),
                    "created_at": _iso(c.created_at),
                    "campaign": c.campaign,
                    "variant": c.variant,
                    "channel": c.channel,
                }
                for c in contributions
            ],
            "recurring_plans": [
                {
                    "amount": p.amount,
                    "currency": p.currency,
                    "amount_formatted": money_format(p.amount, p.currency, language),
                    "frequency": p.frequency,
                    "status": p.status,
                    "provider": p.provider,
                    "provider_plan_id": p.provider_plan_id,
                    "started_at": _iso(p.started_at),
                    "canceled_at": _iso(p.canceled_at),
                    "cancel_reason": p.cancel_reason,
                    "cancel_note": p.cancel_note,
                    "campaign": p.campaign,
                    "variant": p.variant,
                    "channel": p.channel,
                }
                for p in plans
            ],
            "payment_attempts": [
                {
                    "id": str(a.public_id),
                    "created_at": _iso(a.created_at),
                    "status": a.status,
                    "amount": a.amount,
                    "currency": a.currency,
                    "frequency": a.frequency,
                    "provider": a.provider,
                    "email": a.email,
                    "name": a.name,
                    "anonymous": a.anonymous,
                    "email_consent": a.email_consent,
                    "language": a.language,
                    "return_to": a.return_to,
                    "campaign": a.campaign,
                    "variant": a.variant,
                    "channel": a.channel,
                }
                for a in attempts
            ],
            "provider_events": [
                {
                    "provider": e.provider,
                    "type": e.type,
                    "event_id": e.event_id,
                    "received_at": _iso(e.received_at),
                }
                for e in events
            ],
        }

    def erase_prepare(self, subject: DataSubject) -> dict[int, tuple[str, list[Fact]]]:
        """Every plan that may still charge is canceled at its provider, before anything
        is erased (ErasureBlocked if one cannot be). Returns the providers' answers."""
        stopped: dict[int, tuple[str, list[Fact]]] = {}
        plans = RecurringPlan.objects.filter(supporter_id=subject.supporter_id)
        for plan in plans.exclude(status=PlanStatus.CANCELED):
            stopped[plan.pk] = (plan.provider, _plan_stop(plan))
        return stopped

    def erase(self, subject: DataSubject, prepared: dict[int, tuple[str, list[Fact]]]) -> None:
        """Attempts lose address, name and return page; plans lose the note the supporter
        wrote and are recorded canceled; stored provider events have the address replaced
        and the name blanked."""
        supporter_id, email = subject.supporter_id, subject.email
        stopped = prepared
        plans = RecurringPlan.objects.filter(supporter_id=supporter_id)
        if plans.exclude(status=PlanStatus.CANCELED).exclude(pk__in=stopped).exists():
            raise ErasureBlocked(_("A plan started while erasing. Nothing was erased. Try again."))
        provider_ids = _provider_ids(supporter_id=supporter_id, email=email)
        attempts = _attempts_of(supporter_id=supporter_id, email=email)
        # Every name they gave, on the record and in each checkout.
        given = attempts.values_list("name", flat=True)
        names = subject.names | frozenset(n.strip().casefold() for n in given if n.strip())
        now = timezone.now()

        attempts.update(email=subject.placeholder, name="", return_to="")
        # The provider's answer first (its moment of cancellation), then the plans it
        # said nothing about: their cancel call succeeded, so they are canceled.
        for provider, facts in stopped.values():
            facts_apply(provider=provider, facts=facts)
        RecurringPlan.objects.filter(pk__in=stopped).exclude(status=PlanStatus.CANCELED).update(
            status=PlanStatus.CANCELED, canceled_at=now, status_at=now
        )
        plans.exclude(cancel_note="").update(cancel_note="")
        address = _address_pattern(email)
        for event in _events_of(email=email, provider_ids=provider_ids):
            source = provider_get(event.provider)
            payload = _redacted(
                event.payload,
                address=address,
                names=names,
                name_keys=source.payload_name_keys if source else frozenset(),
                placeholder=subject.placeholder,
            )
            if payload != event.payload:
                ProviderEvent.objects.filter(pk=event.pk).update(payload=payload)


# ---- retention ---------------------------------------------------------------------------


def abandoned_checkouts_purge(*, days: int | None = None) -> int:
    """Forgets who started a checkout that never became a gift, after `days` days.

    Attempts still started or failed (no contribution, no plan) lose the address, name
    and return page; amounts and attribution stay for the statistics. Returns how many
    attempts were purged; running it again purges nothing more.
    """
    keep = settings.READERFUND_CHECKOUT_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=keep)
    abandoned = (
        PaymentAttempt.objects.filter(
            status__in=[AttemptStatus.STARTED, AttemptStatus.FAILED], created_at__lt=cutoff
        )
        .filter(contribution__isnull=True, recurringplan__isnull=True)
        .exclude(email="", name="", return_to="")
    )
    return PaymentAttempt.objects.filter(pk__in=abandoned.values("pk")).update(
        email="", name="", return_to=""
    )


RETENTION_EVERY = datetime.timedelta(days=1)


@periodic
@task()
def retention_periodically() -> None:
    """Purges abandoned checkouts past the retention period, then schedules the next run."""
    try:
        purged = abandoned_checkouts_purge()
        if purged:
            logger.info("forgot the reader of %d abandoned checkouts", purged)
    finally:
        periodic_next(retention_periodically, RETENTION_EVERY)
