"""Reading the JSON body of a public endpoint (the embed's events, the reminder form):
a size limit before parsing, a nesting limit after, the content types a browser sends
without a CORS preflight, and one kind of error, which each endpoint answers as JSON
({"error": ...}) with its own CORS headers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

#: text/plain is what sendBeacon and a CORS-simple fetch send; no type at all is allowed
#: too (some clients send none); anything else (a form, multipart) is not ours.
CONTENT_TYPES = frozenset({"application/json", "text/plain", ""})
MAX_DEPTH = 8


class JsonBodyError(Exception):
    """The body cannot be read: `status` (400, 413 or 415) and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend(
                (child, depth) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def json_body(
    request: HttpRequest,
    *,
    max_bytes: int,
    max_depth: int = MAX_DEPTH,
    object_only: bool = False,
    content_types: Iterable[str] = CONTENT_TYPES,
) -> Any:
    """The parsed body; raises JsonBodyError: 415 for another content type, 413 above
    `max_bytes`, 400 when it is not JSON, nests deeper than `max_depth` or, with
    `object_only`, is not an object ("the body must be a JSON object")."""
    if (request.content_type or "") not in frozenset(content_types):
        raise JsonBodyError(415, "the body must be JSON, sent as application/json or text/plain")
    if len(request.body) > max_bytes:
        raise JsonBodyError(413, f"the body is at most {max_bytes} bytes")
    invalid = JsonBodyError(
        400, "the body must be a JSON object" if object_only else "the body must be JSON"
    )
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: not ours either
        raise invalid from None
    if _depth(payload) > max_depth or (object_only and not isinstance(payload, dict)):
        raise invalid
    return payload
