"""The admin's "Stripe webhook" page: whether Stripe's live endpoint for this server
matches what readerfund needs, and the command that repairs it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from readerfund.payments.providers.stripe import STRIPE_API_VERSION
from readerfund.payments.providers.stripe.setup import (
    STRIPE_WEBHOOK_EVENTS,
    EndpointCheck,
    StripeSetupError,
    stripe_endpoint_check,
    stripe_webhook_url,
)


def stripe_webhook_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("payments.view_providerevent"):
        raise PermissionDenied
    check: EndpointCheck | None = None
    error = ""
    if settings.STRIPE_SECRET_KEY:
        try:
            check = stripe_endpoint_check()
        except StripeSetupError as refused:
            error = str(refused)
    context = {
        **admin.site.each_context(request),
        "title": _("Stripe webhook"),
        "configured": bool(settings.STRIPE_SECRET_KEY),
        "check": check,
        "error": error,
        "url": stripe_webhook_url(),
        "api_version": STRIPE_API_VERSION,
        "events": STRIPE_WEBHOOK_EVENTS,
    }
    return TemplateResponse(request, "admin/payments/stripe_webhook.html", context)
