"""Public, cacheable answers to the embed: its code with the playbook, and the country."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from readerfund.campaigns.preview import PreviewError, preview_document
from readerfund.campaigns.serving import playbook_answer
from readerfund.core.embedding import allow_embedding_origin
from readerfund.core.geo import country_from_request


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
