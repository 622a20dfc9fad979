"""The sandbox's own page: the test-mode stand-in for a card form."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from readerfund.core.language import language_current
from readerfund.core.money import money_format
from readerfund.core.pages import page_csp
from readerfund.payments.models import AttemptStatus, PaymentAttempt
from readerfund.payments.providers.sandbox.provider import SIGNATURE_HEADER, SandboxProvider
from readerfund.payments.registry import provider_allowed
from readerfund.payments.services import provider_event_apply


@require_http_methods(["GET", "POST"])
def page(request: HttpRequest, attempt: uuid.UUID) -> HttpResponse:
    """The test-mode payment page: pay or fail, then the same event road as a real provider."""
    provider = SandboxProvider()
    found = get_object_or_404(PaymentAttempt, public_id=attempt, provider=provider.identifier)
    if not provider_allowed(provider):
        # Production without READERFUND_TEST_MODE: no test payment may reach the ledger.
        raise Http404("test mode is off")
    if request.method == "POST" and found.status == AttemptStatus.STARTED:
        paid = request.POST.get("outcome") == "pay"
        body, signature = provider.event_for(attempt=found, paid=paid)
        event = provider.parse_webhook(body=body, headers={SIGNATURE_HEADER: signature})
        provider_event_apply(provider=provider.identifier, event=event)
        if not paid:
            # Only a started attempt may fail. A Pay on the same attempt may have won a
            # race since `found` was read: the ledger then made it `succeeded` beside its
            # contribution, and saving the stale instance would turn it back to `failed`.
            PaymentAttempt.objects.filter(pk=found.pk, status=AttemptStatus.STARTED).update(
                status=AttemptStatus.FAILED
            )
            found.refresh_from_db(fields=["status"])
            if found.status == AttemptStatus.SUCCEEDED:
                return redirect("checkout:thanks", attempt=found.public_id)
            return redirect(reverse("checkout:give") + "?failed=1")
        return redirect("checkout:thanks", attempt=found.public_id)
    context = {
        "attempt": found,
        "amount": money_format(found.amount, found.currency, language_current()),
        "frequency": found.get_frequency_display(),
        "test_mode": True,
    }
    response = render(request, "payments_sandbox/page.html", context)
    response["Content-Security-Policy"] = page_csp([])
    response["Referrer-Policy"] = "same-origin"
    return response
