"""One negotiation of the language: `?lang=`, then the cookie or Accept-Language (Django's
LocaleMiddleware), and the page's or the stored language reduced to one we speak."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import translation

from readerfund.core.language import (
    language_current,
    language_from_tag,
    language_or_default,
    language_supported,
    localized,
)


@pytest.mark.parametrize(("code", "supported"), [("en", True), ("ru", True), ("ru-RU", False),
                                                 ("de", False), ("", False)])  # fmt: skip
def test_supported_languages_are_exactly_the_settings(code, supported):
    assert language_supported(code) is supported


def test_a_stored_language_not_spoken_falls_back_to_english():
    assert (language_or_default("ru"), language_or_default("de")) == ("ru", "en")


@pytest.mark.parametrize(("active", "expected"), [("ru", "ru"), ("ru-ru", "ru"), ("de", "en")])
def test_the_active_language_as_one_of_ours(active, expected):
    with translation.override(active):
        assert language_current() == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("ru", "ru"), ("ru-RU", "ru"), ("ru_RU", "ru"), ("RU", "ru"), ("de-DE", "en"),
     (None, "en"), (["ru"], "en"), ("", "en")],
)  # fmt: skip
def test_a_page_s_language_tag_reduced_to_one_of_ours(tag, expected):
    with translation.override("en"):
        assert language_from_tag(tag) == expected


def test_a_page_s_unknown_tag_keeps_the_request_s_language():
    with translation.override("ru"):
        assert language_from_tag("de") == "ru"


@localized
def _page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(language_current())


def test_lang_in_the_query_sets_this_page_and_the_cookie(settings):
    with translation.override("en"):
        response = _page(RequestFactory().get("/give/?lang=ru"))

    assert response.content == b"ru"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


@pytest.mark.parametrize("query", ["", "?lang=de", "?lang=ru-RU"])
def test_without_a_lang_we_speak_the_request_s_language_stays(settings, query):
    with translation.override("en"):
        response = _page(RequestFactory().get("/give/" + query))

    assert response.content == b"en"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_accept_language_decides_without_lang(client):
    response = client.get("/give/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})

    assert response.status_code == 200
    assert '<html lang="ru"' in response.content.decode()
