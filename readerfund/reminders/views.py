"""The reminder API for remind.js (GET: labels and choices; POST: ask for a reminder) and
the unsubscribe link of the reminder email."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from readerfund.core.embedding import allow_embedding_origin, origin_allowed
from readerfund.core.geo import client_ip
from readerfund.core.jsonbody import JsonBodyError, json_body
from readerfund.core.language import language_from_tag
from readerfund.core.ratelimit import RateLimited
from readerfund.core.tokens import TokenInvalid, token_read
from readerfund.reminders.emails import UNSUBSCRIBE_LINK_DAYS, UNSUBSCRIBE_PURPOSE
from readerfund.reminders.models import Reminder, ReminderStatus
from readerfund.reminders.selectors import (
    Choice,
    date_long,
    reminder_choice,
    reminder_choices,
    utc_today,
)
from readerfund.reminders.services import (
    reminder_rate_limit_check,
    reminder_request,
    reminder_unsubscribe,
)

MAX_BODY_BYTES = 4096
EMAIL_MAX_LENGTH = 254
ATTRIBUTION = {"campaign": 60, "variant": 40}  # the ledger's column lengths
ATTRIBUTION_ID = re.compile(r"[A-Za-z0-9_-]*")
# Every page of the unsubscribe link: our own files only, nothing inline, no framing.
UNSUBSCRIBE_CSP = (
    "default-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _json(request: HttpRequest, body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    allow_embedding_origin(request, response)
    return response


# No CSRF token: remind.js posts from the newsroom's origins without cookies, as a
# CORS-simple request (text/plain JSON, no preflight). Origins are checked against the
# allowlist; what a forged request can do is what the form does, and it is rate-limited.
@csrf_exempt
@require_http_methods(["GET", "POST", "OPTIONS"])
def api(request: HttpRequest) -> HttpResponse:
    if not origin_allowed(request):
        return _json(request, {"error": "this origin may not ask for reminders"}, 403)
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method == "GET":
        return _form(request)
    return _ask(request)


def _preflight(request: HttpRequest) -> HttpResponse:
    """For clients that post `application/json` (remind.js posts text/plain and needs none)."""
    response = HttpResponse(status=204)
    allow_embedding_origin(request, response)
    response["Access-Control-Allow-Methods"] = "GET, POST"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _form(request: HttpRequest) -> JsonResponse:
    """The form's labels and choices in the page's language (`?lang=`)."""
    language = language_from_tag(request.GET.get("lang"))
    choices = reminder_choices(today=utc_today(), language=language)
    with translation.override(language):
        body = {
            "lang": language,
            "title": _("Email me a reminder"),
            "email": _("Your email address"),
            "when": _("When should we remind you?"),
            "submit": _("Remind me"),
            "privacy": _(
                "We send one email on that day and keep your address only for it. "
                "No account, and you can unsubscribe in one click."
            ),
            "failed": _("Something went wrong. Please try again."),
            "missing": _("Please enter your email address."),
            "invalid": _("Please enter a valid email address."),
            "choices": [{"value": c.value, "label": c.label} for c in choices],
        }
    return _json(request, body)


class _Invalid(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class _Asked:
    email: str
    choice: Choice
    language: str
    campaign: str
    variant: str


def _email(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(_("Please enter your email address."), "email")
    email = value.strip()
    try:
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise _Invalid(_("Please enter a valid email address."), "email") from None
    return email


def _attribution(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name) or ""
    limit = ATTRIBUTION[name]
    if not isinstance(value, str) or len(value) > limit or not ATTRIBUTION_ID.fullmatch(value):
        raise _Invalid(f"{name} must be an id of letters, digits, - and _ (at most {limit}).")
    return value


def _parsed(payload: dict[str, Any], language: str) -> _Asked:
    """The request, checked. Messages a reader can cause are in their language."""
    email = _email(payload.get("email"))
    when = payload.get("when")
    choice = (
        reminder_choice(when=when, today=utc_today(), language=language)
        if isinstance(when, str)
        else None
    )
    if choice is None:
        raise _Invalid(_("Please choose one of the dates offered."), "when")
    return _Asked(
        email=email,
        choice=choice,
        language=language,
        campaign=_attribution(payload, "campaign"),
        variant=_attribution(payload, "variant"),
    )


def _ask(request: HttpRequest) -> JsonResponse:
    """Schedules a reminder. The answer and the work are the same for a new address, one
    with a reminder pending and a supporter's: nothing tells whether an address is known."""
    try:
        payload = json_body(request, max_bytes=MAX_BODY_BYTES, object_only=True)
    except JsonBodyError as error:
        return _json(request, {"error": error.message}, error.status)
    language = language_from_tag(payload.get("lang"))
    with translation.override(language):
        try:
            asked = _parsed(payload, language)
        except _Invalid as error:
            return _json(request, {"error": error.message, "field": error.field}, 400)
        try:
            reminder_rate_limit_check(client_ip=client_ip(request), email=asked.email)
        except RateLimited:
            message = _("Too many requests. Please wait a few minutes and try again.")
            return _json(request, {"error": message, "field": None}, 429)
        reminder_request(
            email=asked.email,
            remind_on=asked.choice.date,
            language=asked.language,
            campaign=asked.campaign,
            variant=asked.variant,
        )
        date = date_long(asked.choice.date, language)
        message = _("Thank you. We'll email you around %(date)s.") % {"date": date}
    return _json(request, {"message": message, "date": asked.choice.date.isoformat()})


# RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" with no cookies and no
# token of ours, so no CSRF check; the signed link is the authority. GET only shows a
# button: mail scanners follow links, and a GET must never unsubscribe.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        claims = token_read(token, purpose=UNSUBSCRIBE_PURPOSE, max_age_days=UNSUBSCRIBE_LINK_DAYS)
        reminder_id = int(claims.subject)
    except (TokenInvalid, ValueError):
        raise Http404 from None
    reminder = Reminder.objects.filter(pk=reminder_id).first()
    if request.method == "POST":
        reminder_unsubscribe(reminder_id=reminder_id)
        done = True
    else:
        # Deleted after the retention period: nothing is left to stop.
        done = reminder is None or reminder.status == ReminderStatus.UNSUBSCRIBED
    language = language_from_tag(reminder.language if reminder else None)
    with translation.override(language):
        response = render(request, "reminders/unsubscribe.html", {"done": done})
    response["Content-Security-Policy"] = UNSUBSCRIBE_CSP
    response["Referrer-Policy"] = "no-referrer"  # the link is in the address
    response["Cache-Control"] = "no-store"
    return response
