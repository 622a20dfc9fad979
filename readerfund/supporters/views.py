"""The manage pages (docs/self-service.md): sign in through an emailed link, see gifts and
receipts, change or stop a regular gift, take or erase one's data.

Signing in stores the supporter's id in the session, for these pages only; no page shows
a valid token in its address. Every answer is `Cache-Control: no-store` under the
checkout's strict CSP. The sign-in redirect is `Referrer-Policy: no-referrer`; the pages
are `same-origin`: no other site ever gets a Referer from them, while their own form
posts keep their Origin (under `no-referrer` Chromium sends `Origin: null`, which the
CSRF check rightly refuses).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from readerfund.core.geo import client_ip
from readerfund.core.language import language_current, language_supported, localized
from readerfund.core.money import minor_to_text, money_format
from readerfund.core.pages import page_csp
from readerfund.core.supporter_token import supporter_cookie_set, supporter_token_issue
from readerfund.core.tokens import TokenInvalid
from readerfund.payments.amounts import AMOUNTS
from readerfund.payments.emails import MANAGE_LINK_DAYS
from readerfund.payments.models import Contribution, Frequency, PlanStatus, RecurringPlan
from readerfund.payments.providers.base import (
    PaymentProvider,
    ProviderRefused,
    ProviderUnavailable,
    SupporterItemNotFound,
)
from readerfund.payments.registry import provider_get, provider_is_test_mode
from readerfund.payments.selectors import supporter_until
from readerfund.supporters import selectors, services
from readerfund.supporters.forms import AmountForm, CancelForm, LinkRequestForm
from readerfund.supporters.models import Supporter
from readerfund.supporters.privacy import ErasureBlocked, supporter_export

SESSION_KEY = "readerfund.manage"
#: How long signing in through a link lasts, from the click.
SESSION_HOURS = 12
CARD_SESSION_KEY = "readerfund.manage.card"

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def _private(
    response: HttpResponse,
    providers: Iterable[PaymentProvider] = (),
    *,
    referrer: str = "same-origin",
) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = referrer
    response["Content-Security-Policy"] = page_csp(list(providers))
    return response


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    providers: Iterable[PaymentProvider] = (),
) -> HttpResponse:
    return _private(render(request, template, context, status=status), providers)


# ---- the session -------------------------------------------------------------------------


def _session_start(request: HttpRequest, supporter: Supporter) -> None:
    request.session.cycle_key()  # a new session id: one planted before the click is useless
    request.session[SESSION_KEY] = {"supporter": supporter.pk, "since": int(time.time())}
    request.session.set_expiry(SESSION_HOURS * 3600)


def _session_supporter(request: HttpRequest) -> Supporter | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("since", 0)) > SESSION_HOURS * 3600:
        del request.session[SESSION_KEY]
        return None
    found = Supporter.objects.filter(pk=int(data.get("supporter", 0)), erased_at__isnull=True)
    return found.first()


SupporterView = Callable[Concatenate[HttpRequest, Supporter, P], HttpResponse]


def signed_in(view: SupporterView[P]) -> View[P]:
    """Passes the signed-in supporter; without one, the page that sends a link."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        supporter = _session_supporter(request)
        if supporter is None:
            return _private(redirect("supporters:manage"))
        return view(request, supporter, *args, **kwargs)

    return wrapper


# ---- signing in, and "email me my link" -----------------------------------------------------


@localized
@require_GET
def login(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: signs the supporter in, then moves to /manage/, so the token
    leaves the address bar (and the history, and any Referer)."""
    try:
        supporter = services.manage_link_supporter(token=token)
    except TokenInvalid:
        return _link_form(request, expired=True, status=404)
    _session_start(request, supporter)
    response = redirect("supporters:manage")
    if (
        "lang" not in request.GET
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        and language_supported(supporter.language)
    ):
        # The language the supporter gave in, unless they chose one here before.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            supporter.language,
            samesite="Lax",
            secure=request.is_secure(),
        )
    # The link's address (with its token) is sent to nobody, not even to /manage/.
    return _private(response, referrer="no-referrer")


def _link_form(
    request: HttpRequest,
    *,
    form: LinkRequestForm | None = None,
    expired: bool = False,
    limited: bool = False,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form or LinkRequestForm(),
        "expired": expired,
        "limited": limited,
        "days": MANAGE_LINK_DAYS,
    }
    return _page(request, "supporters/request_link.html", context, status=status)


def _link_request(request: HttpRequest) -> HttpResponse:
    """The same answer for every well-formed address, known or not (see services)."""
    if not services.link_request_allowed(client_ip=client_ip(request)):
        return _link_form(request, form=LinkRequestForm(request.POST), limited=True, status=429)
    form = LinkRequestForm(request.POST)
    if not form.is_valid():
        return _link_form(request, form=form, status=400)
    services.manage_link_request(email=form.cleaned_data["email"], language=language_current())
    return _page(request, "supporters/link_sent.html", {"days": MANAGE_LINK_DAYS})


@localized
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """The supporter's page when signed in; otherwise the form that emails a link."""
    if request.method == "POST":
        return _link_request(request)
    supporter = _session_supporter(request)
    if supporter is None:
        return _link_form(request)
    return _dashboard(request, supporter)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return _private(redirect("supporters:manage"))


# ---- the supporter's page ------------------------------------------------------------------


def _plan_row(plan: RecurringPlan, language: str) -> dict[str, Any]:
    provider = provider_get(plan.provider)
    offered = provider.plan_actions if provider is not None else frozenset()
    rule = AMOUNTS.get(plan.currency, {}).get(plan.frequency)
    return {
        "plan": plan,
        "amount": money_format(plan.amount, plan.currency, language),
        "amount_value": minor_to_text(plan.amount, plan.currency),
        "minimum": money_format(rule.minimum, plan.currency, language) if rule else "",
        "test_mode": provider is not None and provider.test_mode,
        "can_amount": "amount" in offered and plan.status in services.AMOUNT_STATUSES,
        "can_card": "card" in offered and plan.status in services.CARD_STATUSES,
        "can_pause": "pause" in offered and plan.status in services.PAUSE_STATUSES,
        "can_resume": "pause" in offered and plan.status in services.RESUME_STATUSES,
        "can_cancel": "cancel" in offered and plan.status in services.CANCEL_STATUSES,
    }


def _dashboard(
    request: HttpRequest,
    supporter: Supporter,
    *,
    errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    language = language_current()
    plans = [_plan_row(plan, language) for plan in selectors.supporter_plans(supporter)]
    for row in plans:
        row["errors"] = (errors or {}).get(row["plan"].pk, [])
    items = [
        {"provider": provider.identifier, "item": item, "test_mode": provider.test_mode}
        for provider, item in selectors.supporter_items(supporter, language=language)
    ]
    contributions: list[dict[str, Any]] = [
        {
            "contribution": c,
            "amount": money_format(c.amount, c.currency, language),
            "refunded": money_format(c.refunded_amount, c.currency, language)
            if c.refunded_amount
            else "",
        }
        for c in selectors.supporter_contributions(supporter)
    ]
    site = selectors.site_for(supporter, own_host=request.get_host())
    until = supporter_until(supporter_id=supporter.pk)
    supporting = until is not None and until > timezone.now()
    # The supporter token travels in the fragment, which no server (ours included) sees.
    token = supporter_token_issue(until=until) if supporting and until else ""
    stop_asking = f"{site}#readerfund-supporter={token}" if site and token else ""
    context = {
        "supporter": supporter,
        "plans": plans,
        "items": items,
        "contributions": contributions,
        "years": selectors.summary_years(supporter),
        "stop_asking_url": stop_asking,
        "test_mode": any(row["test_mode"] for row in [*plans, *items])
        or any(provider_is_test_mode(c["contribution"].provider) for c in contributions),
    }
    response = _page(request, "supporters/manage.html", context, status=status)
    # Each visit renews the mark to what the ledger says now, or clears it once the last
    # paid period is over (a plan canceled or failed for good).
    supporter_cookie_set(response, request=request, until=until)
    return response


def _run(request: HttpRequest, change: Callable[[], object], success: str = "") -> bool:
    """Runs a change; the message for the supporter's page says how it went."""
    try:
        change()
    except (services.PlanNotFound, SupporterItemNotFound) as error:
        raise Http404 from error
    except TokenInvalid:
        messages.warning(
            request,
            _("This form was already sent, or it is too old. Nothing was changed again.")
            + " "
            + _("This page shows how things stand now."),
        )
    except (services.ActionRefused, NotImplementedError):
        messages.error(request, _("This gift cannot be changed that way now."))
    except ProviderUnavailable:
        messages.error(
            request,
            _("The payment service is not answering. Nothing was changed.")
            + " "
            + _("Please try again in a few minutes."),
        )
    except ProviderRefused:
        messages.error(
            request,
            _("The payment service did not accept the change. Nothing was changed."),
        )
    else:
        if success:
            messages.success(request, success)
        return True
    return False


def _after(request: HttpRequest, change: Callable[[], object], success: str) -> HttpResponse:
    """Runs a change, then shows the supporter's page (a redirect: reloading it sends
    nothing again)."""
    _run(request, change, success)
    return _private(redirect("supporters:manage"))


def _own_plan(supporter: Supporter, plan_id: int) -> RecurringPlan:
    return get_object_or_404(RecurringPlan, pk=plan_id, supporter=supporter)


@localized
@require_POST
@signed_in
def plan_amount(request: HttpRequest, supporter: Supporter, plan_id: int) -> HttpResponse:
    plan = _own_plan(supporter, plan_id)
    language = language_current()
    form = AmountForm(request.POST, plan=plan, language=language)
    if not form.is_valid():
        errors = {plan.pk: [str(message) for message in form.errors["amount"]]}
        return _dashboard(request, supporter, errors=errors, status=400)
    amount = form.cleaned_data["amount"]
    label = money_format(amount, plan.currency, language)
    if plan.frequency == Frequency.ANNUAL:
        success = _("Thank you! From the next payment on, you give %(amount)s a year.")
    else:
        success = _("Thank you! From the next payment on, you give %(amount)s a month.")
    return _after(
        request,
        lambda: services.plan_amount_change(
            supporter=supporter,
            plan_id=plan.pk,
            amount=amount,
            action_token=request.POST.get("action_token", ""),
        ),
        success % {"amount": label},
    )


@localized
@require_POST
@signed_in
def plan_pause(request: HttpRequest, supporter: Supporter, plan_id: int) -> HttpResponse:
    return _after(
        request,
        lambda: services.plan_pause(
            supporter=supporter,
            plan_id=plan_id,
            action_token=request.POST.get("action_token", ""),
        ),
        _("Your regular gift is paused. Nothing will be charged until you resume it."),
    )


@localized
@require_POST
@signed_in
def plan_resume(request: HttpRequest, supporter: Supporter, plan_id: int) -> HttpResponse:
    return _after(
        request,
        lambda: services.plan_resume(
            supporter=supporter,
            plan_id=plan_id,
            action_token=request.POST.get("action_token", ""),
        ),
        _("Welcome back! Your regular gift continues from the next payment."),
    )


@localized
@require_http_methods(["GET", "POST"])
@signed_in
def plan_cancel(request: HttpRequest, supporter: Supporter, plan_id: int) -> HttpResponse:
    """GET: are you sure, and why (optional); POST: cancel."""
    plan = _own_plan(supporter, plan_id)
    if request.method == "GET":
        if plan.status not in services.CANCEL_STATUSES:
            return _private(redirect("supporters:manage"))
        context = {
            "supporter": supporter,
            "plan": plan,
            "amount": money_format(plan.amount, plan.currency, language_current()),
            "form": CancelForm(),
            "test_mode": provider_is_test_mode(plan.provider),
        }
        return _page(request, "supporters/cancel.html", context)
    form = CancelForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    return _after(
        request,
        lambda: services.plan_cancel(
            supporter=supporter,
            plan_id=plan.pk,
            action_token=request.POST.get("action_token", ""),
            reason=data.get("reason", ""),
            note=data.get("note", ""),
        ),
        _("Your regular gift is canceled: nothing more will be charged.")
        + " "
        + _("Thank you for your support."),
    )


@localized
@require_POST
@signed_in
def plan_card_start(request: HttpRequest, supporter: Supporter, plan_id: int) -> HttpResponse:
    """Prepares the card change at the provider, then shows the card form (PRG: the
    setup's secret waits in the session, never in an address)."""
    started: dict[str, Any] = {}

    def start() -> None:
        update = services.plan_card_start(
            supporter=supporter,
            plan_id=plan_id,
            action_token=request.POST.get("action_token", ""),
        )
        started.update(
            plan=plan_id,
            secret=update.client_secret,
            reference=update.reference,
            context=update.page_context,
        )

    if not _run(request, start):
        return _private(redirect("supporters:manage"))
    request.session[CARD_SESSION_KEY] = started
    return _private(redirect("supporters:card", plan_id=plan_id))


@localized
@require_GET
@signed_in
def plan_card(request: HttpRequest, supporter: Supporter, plan_id: int) -> HttpResponse:
    """The new-card form: the provider's own card fields (its `card_template`, e.g. Stripe
    Elements confirmed in the browser by Stripe.js); card data never reaches readerfund."""
    pending = request.session.get(CARD_SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("plan") != plan_id:
        return _private(redirect("supporters:manage"))
    plan = _own_plan(supporter, plan_id)
    provider = provider_get(plan.provider)
    if provider is None or not provider.card_template:
        raise Http404
    context = {
        "supporter": supporter,
        "plan": plan,
        "amount": money_format(plan.amount, plan.currency, language_current()),
        "card_template": provider.card_template,
        "client_secret": pending["secret"],
        "reference": pending["reference"],
        "page_context": pending.get("context") or {},
        "test_mode": provider.test_mode,
    }
    return _page(request, "supporters/card.html", context, providers=[provider])


@localized
@require_POST
@signed_in
def plan_card_finish(request: HttpRequest, supporter: Supporter, plan_id: int) -> HttpResponse:
    pending = request.session.get(CARD_SESSION_KEY)
    reference = request.POST.get("setup_reference", "")
    if not isinstance(pending, dict) or pending.get("plan") != plan_id:
        return _private(redirect("supporters:manage"))
    if reference != pending.get("reference"):
        messages.error(request, _("The card could not be saved. Nothing was changed."))
        return _private(redirect("supporters:manage"))
    finished = _run(
        request,
        lambda: services.plan_card_finish(
            supporter=supporter,
            plan_id=plan_id,
            setup_reference=reference,
            action_token=request.POST.get("action_token", ""),
        ),
        _("Your new card is saved: the next payments use it."),
    )
    if finished:
        request.session.pop(CARD_SESSION_KEY, None)
    return _private(redirect("supporters:manage"))


@localized
@require_http_methods(["GET", "POST"])
@signed_in
def item_stop(request: HttpRequest, supporter: Supporter, provider: str, key: str) -> HttpResponse:
    """GET: are you sure; POST: stop. For what a provider lists on the supporter's page
    besides plans (a crypto pledge); the provider says what it is and what stopping does."""
    found = selectors.supporter_item(
        supporter, provider=provider, key=key, language=language_current()
    )
    if request.method == "GET":
        if found is None:  # stopped meanwhile (or never theirs): the page shows how things are
            return _private(redirect("supporters:manage"))
        owner, item = found
        context = {
            "supporter": supporter,
            "provider": owner.identifier,
            "item": item,
            "test_mode": owner.test_mode,
        }
        return _page(request, "supporters/item_stop.html", context)
    stopped: list[bool] = []
    done = _run(
        request,
        lambda: stopped.append(
            services.provider_item_stop(
                supporter=supporter,
                provider=provider,
                key=key,
                action_token=request.POST.get("action_token", ""),
            )
        ),
    )
    if done and stopped[0] and found is not None:
        messages.success(request, found[1].stopped_note)
    elif done:  # another tab's form stopped it first
        messages.info(request, _("It was stopped already. Nothing was changed."))
    return _private(redirect("supporters:manage"))


# ---- receipts and yearly summaries ------------------------------------------------------------


@localized
@require_GET
@signed_in
def receipt(request: HttpRequest, supporter: Supporter, contribution_id: int) -> HttpResponse:
    try:
        contribution = selectors.receipt_get(supporter, contribution_id)
    except Contribution.DoesNotExist as error:
        raise Http404 from error
    language = language_current()
    currency = contribution.currency
    context = {
        "supporter": supporter,
        "contribution": contribution,
        "amount": money_format(contribution.amount, currency, language),
        "refunded": money_format(contribution.refunded_amount, currency, language)
        if contribution.refunded_amount
        else "",
        "test_mode": provider_is_test_mode(contribution.provider),
    }
    return _page(request, "supporters/receipt.html", context)


@localized
@require_GET
@signed_in
def summary(request: HttpRequest, supporter: Supporter, year: int) -> HttpResponse:
    if not 2000 <= year <= timezone.now().year:
        raise Http404
    found = selectors.year_summary(supporter, year)
    language = language_current()
    context = {
        "supporter": supporter,
        "year": year,
        "gifts": [
            (contribution, money_format(kept, contribution.currency, language))
            for contribution, kept in found.gifts
        ],
        "totals": [
            money_format(total, currency, language) for currency, total in found.totals.items()
        ],
        "test_mode": any(provider_is_test_mode(c.provider) for c, _kept in found.gifts),
    }
    return _page(request, "supporters/summary.html", context)


# ---- the supporter's data -----------------------------------------------------------------


@require_POST
@signed_in
def export(request: HttpRequest, supporter: Supporter) -> HttpResponse:
    """Everything readerfund holds about the supporter, as a JSON file."""
    response = JsonResponse(
        supporter_export(supporter), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    day = timezone.now().date().isoformat()
    response["Content-Disposition"] = f'attachment; filename="readerfund-my-data-{day}.json"'
    return _private(response)


@localized
@require_http_methods(["GET", "POST"])
@signed_in
def erase(request: HttpRequest, supporter: Supporter) -> HttpResponse:
    """GET: what erasure does, and a confirmation; POST: erase, then sign out."""
    if request.method == "GET":
        regular = supporter.plans.exclude(status=PlanStatus.CANCELED).exists()
        return _page(request, "supporters/erase.html", {"supporter": supporter, "regular": regular})
    try:
        services.supporter_erase_request(
            supporter=supporter, action_token=request.POST.get("action_token", "")
        )
    except TokenInvalid:
        messages.warning(request, _("This form was already sent, or it is too old."))
        return _private(redirect("supporters:manage"))
    except ErasureBlocked:
        messages.error(
            request,
            _("We could not stop your regular gift at the payment service.")
            + " "
            + _("Nothing was erased.")
            + " "
            + _("Please try again in a few minutes."),
        )
        return _private(redirect("supporters:manage"))
    request.session.flush()
    return _page(request, "supporters/erased.html", {})
