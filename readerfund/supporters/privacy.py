"""A supporter's data rights: a copy of everything readerfund holds about them (export),
anonymization on request (erasure), and forgetting abandoned checkouts (retention).

Erasure keeps the accounts: amounts, currencies, dates, statuses and campaign attribution
stay, so totals, the funding gap and campaign statistics do not change; what could name
the person (address, name, notes they wrote, the page they came from) goes. See
docs/privacy.md for what is stored where and for how long.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from readerfund.core.money import money_format
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
from readerfund.reminders.services import reminders_export, reminders_forget
from readerfund.supporters.models import Supporter

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "readerfund.supporter-export"
EXPORT_VERSION = 1

#: The domain of erased addresses: `.invalid` is reserved (RFC 2606), so no mail can
#: ever be delivered to one, and none can belong to a real reader.
ERASED_DOMAIN = "erased.invalid"

# Keys under which provider payloads carry a person's name (Stripe: customer, billing
# details, invoice); only string values equal to the supporter's name are blanked there.
_NAME_KEYS = frozenset({"name", "customer_name"})
_TERMS_PER_QUERY = 200
# What an address is made of (RFC 5322's atext, and the dots): one found with such a
# character right before or after it is a piece of another address (anne@… in marianne@…).
_ADDRESS_CHAR = r"[\w.!#$%&'*+/=?^`{|}~-]"
# Providers' ids are runs of letters, digits and underscores (pi_…, sbx_pay_…).
_ID_CHAR = r"\w"


class ErasureBlocked(Exception):
    """A recurring plan could not be stopped at its provider, so nothing was erased.

    Erasing first would leave a plan that keeps charging a person nobody can identify or
    reach any more; the operator tries again later (or cancels the plan at the provider).
    """


def erased_email(supporter_id: int) -> str:
    """The unique, undeliverable address an erased supporter keeps (email is unique)."""
    return f"erased-{supporter_id}@{ERASED_DOMAIN}"


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _language(supporter: Supporter) -> str:
    return supporter.language if supporter.language in dict(settings.LANGUAGES) else "en"


def _attempts_of(supporter: Supporter) -> QuerySet[PaymentAttempt]:
    """Attempts made with the supporter's address, and those their gifts came from."""
    linked = Q(contribution__supporter=supporter) | Q(recurringplan__supporter=supporter)
    ids = PaymentAttempt.objects.filter(Q(email__iexact=supporter.email) | linked).values("pk")
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


def _provider_ids(supporter: Supporter) -> list[str]:
    """The ids under which providers' events name this supporter's payments and plans."""
    attempts = _attempts_of(supporter)
    return [
        *Contribution.objects.filter(supporter=supporter).values_list(
            "provider_payment_id", flat=True
        ),
        *RecurringPlan.objects.filter(supporter=supporter).values_list(
            "provider_plan_id", flat=True
        ),
        *(str(public_id) for public_id in attempts.values_list("public_id", flat=True)),
        *attempts.exclude(provider_reference="").values_list("provider_reference", flat=True),
    ]


# ---- export ------------------------------------------------------------------------------


def supporter_export(supporter: Supporter) -> dict[str, Any]:
    """Everything readerfund holds about the supporter, as JSON-ready data (format 1).

    Amounts are integers in minor units with their currency, plus the amount formatted in
    the supporter's language; moments are ISO 8601 in UTC.
    """
    language = _language(supporter)
    plans = list(supporter.plans.order_by("started_at", "pk"))
    contributions = list(supporter.contributions.select_related("plan").order_by("created_at"))
    attempts = list(_attempts_of(supporter).order_by("created_at", "pk"))
    events = _events_of(email=supporter.email, provider_ids=_provider_ids(supporter))
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "supporter": {
            "email": supporter.email,
            "name": supporter.name,
            "language": supporter.language,
            "email_consent": supporter.email_consent,
            "created_at": _iso(supporter.created_at),
            "erased_at": _iso(supporter.erased_at),
        },
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
        "reminders": reminders_export(supporter.email),
        # The provider's own messages about these payments, kept as received for the
        # accounts; listed here, their content is the provider's record.
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


# ---- erasure -----------------------------------------------------------------------------


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
    value: Any, *, address: re.Pattern[str], names: frozenset[str], placeholder: str, key: str = ""
) -> Any:
    """The JSON value of an event about the supporter with their address replaced and
    their names (casefolded) blanked where a provider puts names."""
    if isinstance(value, dict):
        return {
            k: _redacted(v, address=address, names=names, placeholder=placeholder, key=k)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redacted(v, address=address, names=names, placeholder=placeholder) for v in value]
    if isinstance(value, str):
        if key in _NAME_KEYS and value.strip().casefold() in names:
            return ""
        return address.sub(lambda _: placeholder, value)
    return value


def supporter_erase(supporter: Supporter) -> None:
    """Anonymizes the supporter's personal data everywhere; keeps the amounts.

    1. Every plan that may still charge is canceled at its provider, before anything is
       erased (ErasureBlocked if one cannot be: then nothing is erased).
    2. In one transaction: the supporter's address becomes an undeliverable placeholder,
       name and consent go; their payment attempts lose address, name and return page;
       plans lose the note they wrote and are recorded canceled; email reminders are
       deleted; stored provider events have the address replaced and the name blanked;
       admin log entries that name the address are renamed.

    Idempotent: erasing again finds nothing more to change. A later gift from the same
    address makes a new supporter (the old record no longer carries the address).
    """
    stopped: dict[int, tuple[str, list[Fact]]] = {}
    for plan in supporter.plans.exclude(status=PlanStatus.CANCELED):
        stopped[plan.pk] = (plan.provider, _plan_stop(plan))

    now = timezone.now()
    with transaction.atomic():
        locked = Supporter.objects.select_for_update().get(pk=supporter.pk)
        if locked.plans.exclude(status=PlanStatus.CANCELED).exclude(pk__in=stopped).exists():
            raise ErasureBlocked(_("A plan started while erasing. Nothing was erased. Try again."))
        email = locked.email.strip().lower()
        placeholder = erased_email(locked.pk)
        provider_ids = _provider_ids(locked)
        attempts = _attempts_of(locked)
        # Every name they gave, on the record and in each checkout.
        given = [locked.name, *attempts.values_list("name", flat=True)]
        names = frozenset(n.strip().casefold() for n in given if n.strip())

        attempts.update(email=placeholder, name="", return_to="")
        # The provider's answer first (its moment of cancellation), then the plans it
        # said nothing about: their cancel call succeeded, so they are canceled.
        for provider, facts in stopped.values():
            facts_apply(provider=provider, facts=facts)
        RecurringPlan.objects.filter(pk__in=stopped).exclude(status=PlanStatus.CANCELED).update(
            status=PlanStatus.CANCELED, canceled_at=now, status_at=now
        )
        RecurringPlan.objects.filter(supporter=locked).exclude(cancel_note="").update(
            cancel_note=""
        )
        reminders_forget(email)
        address = _address_pattern(email)
        for event in _events_of(email=email, provider_ids=provider_ids):
            payload = _redacted(
                event.payload, address=address, names=names, placeholder=placeholder
            )
            if payload != event.payload:
                ProviderEvent.objects.filter(pk=event.pk).update(payload=payload)
        LogEntry.objects.filter(object_repr__iexact=email).update(object_repr=placeholder)

        locked.email = placeholder
        locked.name = ""
        locked.email_consent = False
        locked.erased_at = locked.erased_at or now
        locked.save(update_fields=["email", "name", "email_consent", "erased_at"])
    supporter.refresh_from_db()
    logger.info("erased the personal data of supporter %s", supporter.pk)


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
