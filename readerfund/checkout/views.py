"""The checkout: the give page, starting a payment, thanks."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from readerfund.checkout.forms import GiveForm
from readerfund.checkout.services import checkout_start, rate_limit_check
from readerfund.core.geo import client_ip, country_from_request
from readerfund.core.language import language_current, localized
from readerfund.core.money import currency_digits, money_format
from readerfund.core.pages import page_csp
from readerfund.core.ratelimit import RateLimited
from readerfund.core.supporter_token import supporter_cookie_set, supporter_token_issue
from readerfund.payments.amounts import AMOUNTS, CURRENCIES, MAXIMUM, currency_for_country
from readerfund.payments.models import AttemptStatus, Contribution, Frequency, PaymentAttempt
from readerfund.payments.providers.base import ProviderUnavailable
from readerfund.payments.registry import provider_get, providers_for_country
from readerfund.payments.selectors import gift_supporter_until
from readerfund.payments.services import attempt_confirm


def _with_csp(response: HttpResponse, providers: list[Any]) -> HttpResponse:
    response["Content-Security-Policy"] = page_csp(providers)
    response["Referrer-Policy"] = "same-origin"
    return response


def _amount_table(language: str) -> dict[str, Any]:
    return {
        currency: {
            frequency: {
                "choices": [[a, money_format(a, currency, language)] for a in rule.choices],
                "default": rule.default,
                "min": rule.minimum,
                "minLabel": money_format(rule.minimum, currency, language),
                "max": MAXIMUM,
            }
            for frequency, rule in rules.items()
        }
        for currency, rules in AMOUNTS.items()
    }


def _give_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    language = language_current()
    country = country_from_request(request)
    providers = providers_for_country(country)
    query = request.POST if request.method == "POST" else request.GET
    currency = query.get("currency", "")
    if currency not in CURRENCIES:
        currency = currency_for_country(country)
    frequency = query.get("frequency", "monthly")
    if frequency not in Frequency.values:
        frequency = "monthly"
    rule = AMOUNTS[currency][frequency]
    try:
        preselected = int(query.get("amount", rule.default))
    except ValueError:
        preselected = rule.default
    if preselected < rule.minimum:
        preselected = rule.default
    request.session.setdefault("checkout", True)  # a session for the per-session limit
    context = {
        "providers": providers,
        "test_mode": any(p.test_mode for p in providers),
        "any_traceless": any(p.allows_anonymous for p in providers),
        "amounts": _amount_table(language),
        # Each with its number of decimals: give.js reads amounts with the currency's own.
        "currencies": [(code, currency_digits(code)) for code in CURRENCIES],
        "frequencies": dict(Frequency.choices),
        "error": error,
        "initial": {
            "currency": currency,
            "frequency": frequency,
            "amount": preselected,
            "campaign": query.get("rf_campaign", query.get("campaign", ""))[:60],
            "variant": query.get("rf_variant", query.get("variant", ""))[:40],
            "channel": query.get("rf_channel", query.get("channel", ""))[:10],
            # The article the reader came from (the browser's Referer, or an explicit
            # return_to); the form checks it against the allowlist before using it.
            "return_to": query.get("return_to", request.headers.get("Referer", ""))[:500],
            "email": query.get("email", "")[:254] if request.method == "POST" else "",
            "no_trace": bool(query.get("no_trace")) if request.method == "POST" else False,
        },
        "provider_context": {k: v for p in providers for k, v in p.page_context().items()},
    }
    response = render(request, "checkout/give.html", context, status=status)
    return _with_csp(response, providers)


@localized
def give(request: HttpRequest) -> HttpResponse:
    """The give page. `?lang=ru` (the embed passes the article's language) sets the language
    for this and the following checkout pages."""
    return _give_page(request)


def _answer(request: HttpRequest, body: dict[str, Any], status: int = 200) -> HttpResponse:
    """JSON for the page's script; without JavaScript, the next page or the form again."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(body, status=status)
    if status >= 400:
        return _give_page(request, error=str(body.get("error", "")), status=status)
    return redirect(body["next"])


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Starts a payment. 4xx with a message for anything wrong, never 500."""
    return _start(request)


def _start(request: HttpRequest) -> HttpResponse:
    language = language_current()
    form = GiveForm(request.POST, own_host=request.get_host(), language=language)
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        message = " ".join(e for errs in errors.values() for e in errs)
        return _answer(request, {"error": message, "fields": errors}, 400)
    provider = provider_get(form.cleaned_data["method"])
    offered = providers_for_country(country_from_request(request))
    if provider is None or provider not in offered:
        return _answer(request, {"error": _("This payment method is not available.")}, 400)
    if form.cleaned_data["frequency"] != "one_off" and not provider.supports_recurring:
        return _answer(request, {"error": _("This payment method is for one-off gifts only.")}, 400)
    if form.cleaned_data["no_trace"] and not provider.allows_anonymous:
        message = _("This payment method needs your email address.")
        return _answer(request, {"error": message}, 400)
    try:
        rate_limit_check(
            client_ip=client_ip(request), session_key=request.session.session_key or "none"
        )
    except RateLimited:
        message = _("Too many attempts. Please wait a few minutes and try again.")
        return _answer(request, {"error": message}, 429)
    try:
        started = checkout_start(data=form.cleaned_data, provider=provider, language=language)
    except ProviderUnavailable:
        message = _("The payment service is not answering. Please try again shortly.")
        return _answer(request, {"error": message}, 503)
    result, attempt = started.result, started.attempt
    thanks = reverse("checkout:thanks", args=[attempt.public_id])
    body: dict[str, Any] = {"outcome": result.outcome, "next": thanks}
    if result.outcome == "requires_action":
        body["clientSecret"] = result.client_secret
    elif result.outcome == "redirect":
        body["next"] = result.redirect_url
    elif result.outcome == "failed":
        return _answer(request, {"error": result.message or _("The payment failed.")}, 402)
    return _answer(request, body)


def _demo_outbox_url() -> str:
    """Where the demo shows the receipt it just sent (its outbox), outside demo mode ""."""
    if not settings.DEMO_SITE or settings.PRODUCTION:
        return ""
    try:
        return reverse("demo:outbox")
    except NoReverseMatch:
        return ""


def thanks(request: HttpRequest, attempt: uuid.UUID) -> HttpResponse:
    found = get_object_or_404(PaymentAttempt, public_id=attempt)
    provider = provider_get(found.provider)
    if provider is not None and found.status == AttemptStatus.STARTED:
        # Unreachable provider: the webhook or reconciliation records it; the page says so.
        with contextlib.suppress(ProviderUnavailable):
            attempt_confirm(attempt=found, facts=provider.confirm(attempt=found))
        found.refresh_from_db()
    contribution = Contribution.objects.filter(attempt=found).first()
    received = found.status == AttemptStatus.SUCCEEDED
    until = gift_supporter_until(contribution) if contribution else None
    # The return address came with the ask's link (checked against the allowlist when the
    # payment started), so it does not depend on the host page's Referrer-Policy.
    back = found.return_to or (reverse("demo:front") if settings.DEMO_SITE else "")
    token = supporter_token_issue(until=until) if received and until else ""
    context = {
        "attempt": found,
        "contribution": contribution,
        "received": received,
        "pending_transfer": contribution is not None and contribution.status == "pending",
        # Given without a trace: no address was kept, so no receipt and no manage link.
        "traceless": not found.email,
        "amount": money_format(found.amount, found.currency, language_current()),
        "frequency": found.get_frequency_display(),
        # The supporter token travels in the fragment: it never reaches a server log.
        "back_url": f"{back}#readerfund-supporter={token}" if back and token else back,
        "test_mode": provider is not None and provider.test_mode,
        "bank_details": settings.READERFUND_BANK_DETAILS,
        "demo_outbox_url": _demo_outbox_url(),
    }
    response = render(request, "checkout/thanks.html", context)
    response["Cache-Control"] = "no-store"
    if token:
        # The same mark as a cookie on the shared domain: the supporter is recognised on
        # whatever page of the site they open next, by the link back or any other way.
        supporter_cookie_set(response, request=request, until=until)
    return _with_csp(response, [])
