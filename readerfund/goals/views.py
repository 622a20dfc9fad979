"""`GET /api/goal.json`: the public figure, for a newsroom's own pages and widgets."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from readerfund.campaigns.playbook import playbook_current
from readerfund.campaigns.serving import CACHE_CONTROL
from readerfund.core.embedding import allow_embedding_origin
from readerfund.core.http import etag_for, etag_matches
from readerfund.goals.selectors import goal_formatted


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
