"""Public, cacheable answers to the embed: its code with the playbook, the country, and the
goal the playbook carries (`/api/goal.json`, for a newsroom's own pages and widgets)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from readerfund.campaigns.playbook import playbook_current
from readerfund.campaigns.preview import PreviewError, preview_document
from readerfund.campaigns.serving import CACHE_CONTROL, playbook_answer
from readerfund.core.embedding import allow_embedding_origin
from readerfund.core.geo import country_from_request
from readerfund.core.http import etag_for, etag_matches
from readerfund.goals.selectors import goal_formatted


def _from_answer(request: HttpRequest, path: str) -> HttpResponse:
    answer = playbook_answer(
        path=path,
        if_none_match=request.headers.get("If-None-Match", ""),
        accept_encoding=request.headers.get("Accept-Encoding", ""),
        origin=request.headers.get("Origin"),
    )
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response


# Usually answered by PlaybookFastPath before Django sees the request; these views serve
# the same answer when readerfund runs under another entry point (tests, runserver).
@require_GET
def embed_js(request: HttpRequest) -> HttpResponse:
    return _from_answer(request, "/embed.js")


@require_GET
def playbook_json(request: HttpRequest) -> HttpResponse:
    return _from_answer(request, "/api/playbook.json")


@require_GET
def geo(request: HttpRequest) -> JsonResponse:
    """The reader's country only; the embed keeps it on the device for a day."""
    response = JsonResponse({"country": country_from_request(request)})
    response["Cache-Control"] = "private, no-store"
    allow_embedding_origin(request, response)
    return response


@require_GET
def preview(request: HttpRequest) -> JsonResponse:
    """The previewed campaign for a signed token (the embed asks for it on a preview link)."""
    try:
        document = preview_document(token=request.GET.get("token", ""))
    except PreviewError as error:
        response = JsonResponse({"error": str(error)}, status=400)
    else:
        response = JsonResponse({"campaign": document})
    response["Cache-Control"] = "private, no-store"
    allow_embedding_origin(request, response)
    return response


@require_GET
def goal_json(request: HttpRequest) -> HttpResponse:
    """The figure the playbook carries (so this page and the embed never disagree, and no
    query runs), with its amounts formatted per language. `{"goal": null}` without one."""
    goal = playbook_current().document.get("goal")
    document = {"goal": None if goal is None else {**goal, "formatted": goal_formatted(goal)}}
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    etag = etag_for(body)
    if etag_matches(etag=etag, if_none_match=request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    allow_embedding_origin(request, response)
    response["Vary"] = "Origin"
    return response
