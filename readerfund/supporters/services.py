"""Supporter self-service: the emailed link, "email me my link", and the changes a supporter
makes to their own plans (docs/self-service.md).

Every change is a form carrying a single-use action token, used inside the transaction
that makes the change: a replayed or double-submitted form finds its token used and
changes nothing a second time, and a change that fails (the provider is unreachable)
leaves the token unused, so the same form can be sent again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from readerfund.core.ratelimit import rate_counted
from readerfund.core.tokens import TokenInvalid, token_make, token_read, token_use
from readerfund.payments.emails import MANAGE_LINK_DAYS, MANAGE_PURPOSE
from readerfund.payments.models import PlanStatus, RecurringPlan
from readerfund.payments.providers.base import (
    CardUpdate,
    Fact,
    PaymentProvider,
    SupporterItemNotFound,
)
from readerfund.payments.registry import provider_get
from readerfund.payments.services import facts_apply
from readerfund.supporters.emails import manage_link_send
from readerfund.supporters.models import ManageLinkRequest, Supporter
from readerfund.supporters.privacy import supporter_erase

#: The purpose of the single-use token in every form of the manage pages.
ACTION_PURPOSE = "manage-action"
#: A manage page's forms work for a day; after that, reloading the page makes new ones.
ACTION_TOKEN_DAYS = 1

#: "Email me my link": at most this many requests per hour from one network address (and
#: at most emails.LINKS_PER_ADDRESS_PER_HOUR to one address).
LINK_REQUESTS_PER_IP_PER_HOUR = 10

#: Which plans allow which change, by ledger status.
AMOUNT_STATUSES = frozenset({PlanStatus.ACTIVE, PlanStatus.PAST_DUE, PlanStatus.PAUSED})
CARD_STATUSES = AMOUNT_STATUSES
PAUSE_STATUSES = frozenset({PlanStatus.ACTIVE, PlanStatus.PAST_DUE})
RESUME_STATUSES = frozenset({PlanStatus.PAUSED})
CANCEL_STATUSES = frozenset(
    {PlanStatus.INCOMPLETE, PlanStatus.ACTIVE, PlanStatus.PAST_DUE, PlanStatus.PAUSED}
)


def supporter_for(*, email: str, name: str, consent: bool, language: str) -> Supporter:
    """The supporter a gift from this address belongs to, created on the first gift.

    Registered with payments (SupportersConfig.ready): the ledger links each gift here. A
    later gift may add a name or consent, never take one away.
    """
    supporter, created = Supporter.objects.get_or_create(
        email=email.strip().lower(),
        defaults={"name": name, "email_consent": consent, "language": language},
    )
    if not created and ((consent and not supporter.email_consent) or (name and not supporter.name)):
        supporter.email_consent = supporter.email_consent or consent
        supporter.name = supporter.name or name
        supporter.save(update_fields=["email_consent", "name"])
    return supporter


class ActionRefused(Exception):
    """The plan is not in a state for this change, or its provider cannot make it."""


class PlanNotFound(Exception):
    """No such plan among the supporter's own (another supporter's plan looks the same)."""


# ---- signing in through the emailed link ---------------------------------------------------


def manage_link_supporter(*, token: str) -> Supporter:
    """The supporter an emailed manage link names. TokenInvalid when the link is expired,
    tampered with, made for another purpose, or names nobody (erased or unknown)."""
    claims = token_read(token, purpose=MANAGE_PURPOSE, max_age_days=MANAGE_LINK_DAYS)
    try:
        return Supporter.objects.get(pk=int(claims.subject), erased_at__isnull=True)
    except (ValueError, Supporter.DoesNotExist) as error:
        raise TokenInvalid("the link names no supporter") from error


# ---- "email me my link" --------------------------------------------------------------------


def link_request_allowed(*, client_ip: str) -> bool:
    """Counts one request from this network address; False past the hourly limit."""
    return rate_counted(
        "manage-link-ip", client_ip, limit=LINK_REQUESTS_PER_IP_PER_HOUR, window=3600
    )


def manage_link_request(*, email: str, language: str) -> None:
    """Queues the email with a manage link, whoever the address belongs to.

    The web request neither looks the address up nor waits for anything that depends on
    it: known and unknown addresses get the same answer, after the same two writes, in
    the same time. The worker decides (emails.manage_link_deliver). The address waits in a row
    of its own, not in the task's arguments, so that it is gone once handled.
    """
    with transaction.atomic():
        request = ManageLinkRequest.objects.create(email=email.strip().lower(), language=language)
        manage_link_send.enqueue(request.pk)


# ---- action tokens -----------------------------------------------------------------------


def action_token_make(*, supporter: Supporter) -> str:
    """A single-use token for one form of the supporter's manage pages."""
    return token_make(purpose=ACTION_PURPOSE, subject=str(supporter.pk))


def _action_token_use(*, supporter: Supporter, token: str) -> None:
    """Checks the form's token and marks it used; raises TokenInvalid when it is expired,
    made for another supporter, or used before. Call inside the change's transaction."""
    claims = token_read(token, purpose=ACTION_PURPOSE, max_age_days=ACTION_TOKEN_DAYS)
    if claims.subject != str(supporter.pk):
        raise TokenInvalid("made for another supporter")
    token_use(claims)


# ---- changes to a plan -------------------------------------------------------------------


def _own_plan(supporter: Supporter, plan_id: int) -> RecurringPlan:
    plan = RecurringPlan.objects.select_for_update().filter(pk=plan_id, supporter=supporter).first()
    if plan is None:
        raise PlanNotFound(plan_id)
    return plan


def _provider(plan: RecurringPlan, action: str, statuses: frozenset[str]) -> PaymentProvider:
    provider = provider_get(plan.provider)
    if plan.status not in statuses:
        raise ActionRefused(f"plan {plan.pk} is {plan.status}")
    if provider is None or action not in provider.plan_actions:
        raise ActionRefused(f"{plan.provider} cannot {action} plans")
    return provider


def _plan_change(
    *,
    supporter: Supporter,
    plan_id: int,
    action_token: str,
    action: str,
    statuses: frozenset[str],
    change: Callable[[PaymentProvider, RecurringPlan], list[Fact]],
) -> RecurringPlan:
    """The one road of every change: token, the supporter's own plan, the provider, the
    ledger. The provider's answer is applied as facts, like a webhook's; the provider's
    own event follows and is applied once more to no effect.

    One transaction around the provider's call: if the provider fails, the token and the
    ledger stay as they were. The provider's changes are idempotent settings (an amount,
    a pause, a default card, a cancellation), so a retry after a lost answer is safe.
    """
    with transaction.atomic():
        _action_token_use(supporter=supporter, token=action_token)
        plan = _own_plan(supporter, plan_id)
        provider = _provider(plan, action, statuses)
        facts_apply(provider=plan.provider, facts=change(provider, plan))
    plan.refresh_from_db()
    return plan


def plan_amount_change(
    *, supporter: Supporter, plan_id: int, amount: int, action_token: str
) -> RecurringPlan:
    """Sets a new amount for the plan's later payments (checked by the form against the
    checkout's minimum and maximum for the plan's currency and frequency)."""
    return _plan_change(
        supporter=supporter, plan_id=plan_id, action_token=action_token, action="amount",
        statuses=AMOUNT_STATUSES,
        change=lambda provider, plan: provider.plan_amount_change(plan=plan, amount=amount),
    )  # fmt: skip


def plan_pause(*, supporter: Supporter, plan_id: int, action_token: str) -> RecurringPlan:
    return _plan_change(
        supporter=supporter, plan_id=plan_id, action_token=action_token, action="pause",
        statuses=PAUSE_STATUSES,
        change=lambda provider, plan: provider.plan_pause(plan=plan),
    )  # fmt: skip


def plan_resume(*, supporter: Supporter, plan_id: int, action_token: str) -> RecurringPlan:
    return _plan_change(
        supporter=supporter, plan_id=plan_id, action_token=action_token, action="pause",
        statuses=RESUME_STATUSES,
        change=lambda provider, plan: provider.plan_resume(plan=plan),
    )  # fmt: skip


def plan_cancel(
    *, supporter: Supporter, plan_id: int, action_token: str, reason: str = "", note: str = ""
) -> RecurringPlan:
    """Cancels the plan at its provider; the reason and note the supporter gave (if any)
    are kept on the plan for the newsroom."""

    def cancel(provider: PaymentProvider, plan: RecurringPlan) -> list[Fact]:
        facts = provider.cancel_plan(plan=plan)
        plan.cancel_reason = reason[:40]
        plan.cancel_note = note[:500]
        plan.save(update_fields=["cancel_reason", "cancel_note"])
        return facts

    return _plan_change(
        supporter=supporter, plan_id=plan_id, action_token=action_token, action="cancel",
        statuses=CANCEL_STATUSES, change=cancel,
    )  # fmt: skip


def plan_card_start(*, supporter: Supporter, plan_id: int, action_token: str) -> CardUpdate:
    """Prepares a card change at the provider; the browser confirms it next."""
    with transaction.atomic():
        _action_token_use(supporter=supporter, token=action_token)
        plan = _own_plan(supporter, plan_id)
        provider = _provider(plan, "card", CARD_STATUSES)
        return provider.card_update_start(plan=plan)


def plan_card_finish(
    *, supporter: Supporter, plan_id: int, setup_reference: str, action_token: str
) -> RecurringPlan:
    """Makes the card the browser confirmed the one the plan is charged on."""
    return _plan_change(
        supporter=supporter, plan_id=plan_id, action_token=action_token, action="card",
        statuses=CARD_STATUSES,
        change=lambda provider, plan: provider.card_update_finish(
            plan=plan, setup_reference=setup_reference
        ),
    )  # fmt: skip


# ---- what a provider lists on the supporter's page (a crypto pledge) ---------------------


def provider_item_stop(*, supporter: Supporter, provider: str, key: str, action_token: str) -> bool:
    """Stops one of the supporter's own items of a provider (`supporter_items`), once per
    form. True if this call stopped it, False if it was stopped already (another tab's
    form): nothing changes then. SupporterItemNotFound when it is not the supporter's; the
    form's token stays unused then, like after any refused change."""
    found = provider_get(provider)
    if found is None:
        raise SupporterItemNotFound(provider)
    with transaction.atomic():
        _action_token_use(supporter=supporter, token=action_token)
        return found.supporter_item_stop(supporter_id=supporter.pk, key=key)


# ---- the supporter's data --------------------------------------------------------------------


def supporter_erase_request(*, supporter: Supporter, action_token: str) -> None:
    """Erases the supporter's personal data (privacy.supporter_erase, which first cancels
    every plan that may still charge) once per confirmed form. Raises what erasure
    raises (ErasureBlocked: nothing was erased, the form can be sent again)."""
    with transaction.atomic():
        _action_token_use(supporter=supporter, token=action_token)
        supporter_erase(supporter)
