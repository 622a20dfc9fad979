"""The ingestion endpoint for the embed's batched, anonymous events."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from readerfund.campaigns.playbook import playbook_current
from readerfund.core.embedding import allow_embedding_origin, origin_allowed
from readerfund.core.geo import client_ip
from readerfund.core.jsonbody import JsonBodyError, json_body
from readerfund.core.ratelimit import rate_counted
from readerfund.events.services import EventBatchError, events_parse, events_record

MAX_BODY_BYTES = 16 * 1024


def _error(request: HttpRequest, status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    allow_embedding_origin(request, response)
    return response


# No CSRF token: the embed posts from the newsroom's origins with no cookies, and an event
# changes nothing but an anonymous counter. Origins are checked against the allowlist.
@csrf_exempt
@require_POST
def ingest(request: HttpRequest) -> HttpResponse:
    campaigns = playbook_current().document["campaigns"]
    # Once traffic follows the counts, a report must come from a page of the newsroom's:
    # a request without an Origin (a script, not a browser on the site) counts nothing.
    optimised = any(campaign.get("optimised") for campaign in campaigns)
    if not origin_allowed(request) or (optimised and not request.headers.get("Origin")):
        return _error(request, 403, "this origin may not report events")
    try:
        payload = json_body(request, max_bytes=MAX_BODY_BYTES)
    except JsonBodyError as error:
        return _error(request, error.status, error.message)
    known = {
        campaign["id"]: (campaign["channel"], frozenset(v["id"] for v in campaign["variants"]))
        for campaign in campaigns
    }
    try:
        batch = events_parse(payload, known=known)
    except EventBatchError as error:
        return _error(request, 400, str(error))
    # A budget per address (the proxy-hop rule of core.geo), so that one client cannot
    # cheaply skew a test; a batch over it counts nothing.
    if not rate_counted(
        "events",
        client_ip(request),
        limit=settings.READERFUND_EVENTS_PER_MINUTE,
        window=60,
        amount=len(batch.counted) + batch.ignored,
    ):
        return _error(request, 429, "too many events from this address; try again in a minute")
    events_record(events=batch.counted)
    response = JsonResponse({"counted": len(batch.counted), "ignored": batch.ignored})
    allow_embedding_origin(request, response)
    return response
