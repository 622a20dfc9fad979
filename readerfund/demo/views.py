"""Pages of the demo newsroom: a host site for the embed, in English and Russian."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from readerfund.demo.outbox import KeptEmail, outbox_enabled, outbox_get, outbox_list
from readerfund.demo.selectors import (
    LANGUAGES,
    Article,
    Newsroom,
    Section,
    demo_url,
    newsroom_get,
)

LANGUAGE_LABELS = {"en": "English", "ru": "Русский"}
DEMO_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@dataclass(frozen=True)
class OtherLanguage:
    code: str
    label: str
    url: str


@dataclass(frozen=True)
class SectionRow:
    section: Section
    articles: list[Article]


def _newsroom(lang: str) -> Newsroom:
    if lang not in LANGUAGES:
        raise Http404("No such language")
    return newsroom_get(lang=lang)


def _render(
    request: HttpRequest,
    template: str,
    newsroom: Newsroom,
    other_url: str,
    context: dict[str, Any],
) -> HttpResponse:
    other = "ru" if newsroom.lang == "en" else "en"
    with translation.override(newsroom.lang):
        response = render(
            request,
            template,
            {
                "lang": newsroom.lang,
                "site": newsroom.site,
                "sections": newsroom.sections,
                "urls": {"front": demo_url("front", newsroom.lang)},
                "other_language": OtherLanguage(other, LANGUAGE_LABELS[other], other_url),
                "current_section": "",
                "outbox_url": reverse("demo:outbox") if outbox_enabled() else "",
                **context,
            },
        )
    response.headers["Content-Language"] = newsroom.lang
    # As strict as a careful newsroom's own policy: readerfund's embed must work under it.
    response.headers["Content-Security-Policy"] = DEMO_CONTENT_SECURITY_POLICY
    return response


def _switch(lang: str, url_for_other: Any) -> str:
    other = "ru" if lang == "en" else "en"
    return str(url_for_other(newsroom_get(lang=other)))


def front(request: HttpRequest, lang: str = "en") -> HttpResponse:
    newsroom = _newsroom(lang)
    lead, *rest = newsroom.articles
    rows = [SectionRow(s, newsroom.in_section(s.slug)[:4]) for s in newsroom.sections]
    return _render(
        request,
        "demo/front.html",
        newsroom,
        _switch(lang, lambda other: demo_url("front", other.lang)),
        {
            "lead": lead,
            "articles": rest[:6],
            "sections_with_articles": rows,
            "page_context": {"lang": lang, "pageType": "front"},
        },
    )


def section(request: HttpRequest, section: str, lang: str = "en") -> HttpResponse:
    newsroom = _newsroom(lang)
    found = newsroom.section(section)
    if found is None:
        raise Http404("No such section")
    return _render(
        request,
        "demo/listing.html",
        newsroom,
        _switch(lang, lambda other: other.section(section).url),
        {
            "title": found.name,
            "is_tag": False,
            "current_section": found.slug,
            "articles": newsroom.in_section(found.slug),
            "page_context": {"lang": lang, "pageType": "section", "section": found.slug},
        },
    )


def tag(request: HttpRequest, tag: str, lang: str = "en") -> HttpResponse:
    newsroom = _newsroom(lang)
    found = newsroom.tag(tag)
    if found is None:
        raise Http404("No such tag")
    return _render(
        request,
        "demo/listing.html",
        newsroom,
        _switch(lang, lambda other: other.tag(tag).url),
        {
            "title": found.name,
            "is_tag": True,
            "articles": newsroom.with_tag(found.slug),
            "page_context": {"lang": lang, "pageType": "tag", "tags": [found.slug]},
        },
    )


def article(request: HttpRequest, section: str, slug: str, lang: str = "en") -> HttpResponse:
    newsroom = _newsroom(lang)
    found = newsroom.article(section, slug)
    if found is None:
        raise Http404("No such article")
    related = [a for a in newsroom.in_section(section) if a.slug != slug][:3]
    return _render(
        request,
        "demo/article.html",
        newsroom,
        _switch(lang, lambda other: other.article(section, slug).url),
        {
            "article": found,
            "current_section": found.section.slug,
            "related": related,
            "page_context": {
                "lang": lang,
                "pageType": "article",
                "section": found.section.slug,
                "tags": found.tag_slugs,
            },
        },
    )


# ---- the demo's outbox: what the demo sent, for a visitor to follow ------------------------


def _outbox_open() -> None:
    if not outbox_enabled():
        raise Http404("The outbox exists in demo mode only.")


def _email_row(email: KeptEmail) -> dict[str, Any]:
    return {**email.__dict__, "when": datetime.datetime.fromtimestamp(email.sent_at, datetime.UTC)}


def _outbox_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, template, context)
    response.headers["Content-Security-Policy"] = DEMO_CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def outbox(request: HttpRequest) -> HttpResponse:
    _outbox_open()
    emails = [_email_row(email) for email in outbox_list()]
    return _outbox_page(request, "demo/outbox/list.html", {"emails": emails})


def outbox_email(request: HttpRequest, email_id: str) -> HttpResponse:
    _outbox_open()
    found = outbox_get(email_id)
    if found is None:
        raise Http404("No such email")
    return _outbox_page(request, "demo/outbox/email.html", {"email": _email_row(found)})


def outbox_html(request: HttpRequest, email_id: str) -> HttpResponse:
    """The email's HTML as sent: its own inline styles, no script, no forms."""
    _outbox_open()
    found = outbox_get(email_id)
    if found is None or not found.html:
        raise Http404("No such email")
    response = HttpResponse(found.html)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
        "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
