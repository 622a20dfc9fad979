"""The test-mode stand-in for BTCPay's checkout page."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from readerfund.core.language import language_current, language_from_tag
from readerfund.core.money import money_format
from readerfund.core.pages import page_csp
from readerfund.core.tokens import TokenInvalid, token_read
from readerfund.payments.models import AttemptStatus, PaymentAttempt
from readerfund.payments.providers.btcpay.models import Pledge, PledgeStatus
from readerfund.payments.providers.btcpay.pledges import STOP_LINK_DAYS, STOP_PURPOSE, pledge_stop
from readerfund.payments.providers.btcpay.sandbox import (
    OUTCOMES,
    SANDBOX_SIGNATURE_HEADER,
    BTCPayTestProvider,
)
from readerfund.payments.registry import provider_allowed
from readerfund.payments.services import provider_event_apply


@require_http_methods(["GET", "POST"])
def test_invoice(request: HttpRequest, attempt: uuid.UUID) -> HttpResponse:
    """Pay the test invoice or let it expire; then the same road as BTCPay's webhook."""
    provider = BTCPayTestProvider()
    found = get_object_or_404(PaymentAttempt, public_id=attempt, provider=provider.identifier)
    if not provider_allowed(provider):
        raise Http404("test mode is off")  # no test money in a production ledger
    outcome = request.POST.get("outcome", "")
    if request.method == "POST" and outcome in OUTCOMES and found.status == AttemptStatus.STARTED:
        body, signature = provider.delivery_for(attempt=found, outcome=outcome)
        event = provider.parse_webhook(body=body, headers={SANDBOX_SIGNATURE_HEADER: signature})
        provider_event_apply(provider=provider.identifier, event=event)
        return redirect("checkout:thanks", attempt=found.public_id)
    context = {
        "attempt": found,
        "amount": money_format(found.amount, found.currency, language_current()),
        "test_mode": True,
    }
    response = render(request, "payments_btcpay/test_invoice.html", context)
    response["Content-Security-Policy"] = page_csp([])
    response["Referrer-Policy"] = "same-origin"
    return response


# Like an unsubscribe link: the signed token is the authority, so no CSRF check on its
# POST; a GET only shows the button (mail scanners follow links and must stop nothing).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def pledge_stop_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every pledge email: stop the invoices."""
    try:
        claims = token_read(token, purpose=STOP_PURPOSE, max_age_days=STOP_LINK_DAYS)
        pledge = Pledge.objects.get(pk=int(claims.subject))
    except (TokenInvalid, ValueError, Pledge.DoesNotExist):
        raise Http404("no such pledge") from None
    if request.method == "POST":
        pledge_stop(pledge_id=pledge.pk)
        pledge.refresh_from_db()
    context = {
        "stopped": pledge.status == PledgeStatus.STOPPED,
        "amount": money_format(pledge.amount, pledge.currency, pledge.language),
        "annual": pledge.frequency == "annual",
    }
    with translation.override(language_from_tag(pledge.language)):
        response = render(request, "payments_btcpay/pledge_stop.html", context)
    response["Content-Security-Policy"] = page_csp([])
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response
