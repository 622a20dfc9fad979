"""Provider webhooks: verify, store once, apply — and answer so that retries help."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from readerfund.payments.monitoring import WEBHOOKS
from readerfund.payments.providers.base import ProviderUnavailable, WebhookRejected
from readerfund.payments.registry import provider_allowed, provider_get
from readerfund.payments.services import FactNotYetApplicable, provider_event_apply

logger = logging.getLogger(__name__)


# CSRF does not apply: the provider authenticates with the signature, not a cookie.
@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    handler = provider_get(provider)
    if handler is None or not provider_allowed(handler):
        WEBHOOKS.labels("(unknown)", "unknown provider").inc()
        return JsonResponse({"error": "unknown provider"}, status=404)
    try:
        event = handler.parse_webhook(body=request.body, headers=request.headers)
    except WebhookRejected as error:
        # 400 before any write: a forged or replayed request changes nothing.
        logger.warning("rejected %s webhook: %s", provider, error)
        WEBHOOKS.labels(provider, "rejected").inc()
        return JsonResponse({"error": str(error)}, status=400)
    except ProviderUnavailable as error:
        # Verified, but the provider's API (asked for the authoritative object) did not
        # answer: nothing is stored, the provider delivers again.
        logger.warning("deferred %s webhook: %s", provider, error)
        WEBHOOKS.labels(provider, "deferred").inc()
        return JsonResponse({"error": "try again later"}, status=503)
    try:
        outcome = provider_event_apply(provider=provider, event=event)
    except (FactNotYetApplicable, ProviderUnavailable, DatabaseError) as error:
        # 503: nothing was stored; the provider retries, or reconciliation heals it later.
        logger.warning("deferred %s event %s: %s", provider, event.event_id, error)
        WEBHOOKS.labels(provider, "deferred").inc()
        return JsonResponse({"error": "try again later"}, status=503)
    # 200 also for events that are not ours or carry nothing to do: a retry would not help.
    WEBHOOKS.labels(provider, "applied" if outcome.applied else "ignored").inc()
    return JsonResponse({"applied": outcome.applied})
