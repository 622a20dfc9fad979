"""Public, cacheable answers to the embed: its code with the playbook, and the country."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.views.decorators.http import require_GET

from readerfund.campaigns.playbook import playbook_current
from readerfund.campaigns.preview import PreviewError, preview_document
from readerfund.core.embedding import allow_embedding_origin
from readerfund.core.geo import country_from_request

# Short enough that an editor's change reaches readers within a minute; long enough that a
# CDN absorbs the traffic. ETag makes the revalidation a 304 of a few bytes.
PLAYBOOK_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"


def _cacheable(request: HttpRequest, body: bytes, etag: str, content_type: str) -> HttpResponse:
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = PLAYBOOK_CACHE_CONTROL
    allow_embedding_origin(request, response)
    return response


@require_GET
def embed_js(request: HttpRequest) -> HttpResponse:
    playbook = playbook_current()
    return _cacheable(
        request, playbook.embed_js, playbook.embed_etag, "text/javascript; charset=utf-8"
    )


@require_GET
def playbook_json(request: HttpRequest) -> HttpResponse:
    playbook = playbook_current()
    return _cacheable(request, playbook.json, playbook.etag, "application/json")


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
