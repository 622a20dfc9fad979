"""Which of readerfund's languages (settings.LANGUAGES) a page or an email speaks.

In order: `?lang=` on a page (the embed passes the article's language; it then sticks
through a cookie), else the cookie or the browser's Accept-Language (Django's
LocaleMiddleware, which activates a language for every request), else English. A
language stored with a gift or a reminder, or sent by the embed as the page's lang, is
reduced to its primary subtag ('ru-RU' → 'ru') when readerfund speaks that.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

DEFAULT = "en"

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def language_supported(code: str) -> bool:
    """Whether readerfund speaks exactly this language code ('ru' yes, 'ru-RU' no)."""
    return code in dict(settings.LANGUAGES)


def language_or_default(code: str) -> str:
    """`code` when readerfund speaks it, else English: for a stored choice (a supporter's,
    a reminder's), which was supported when it was stored."""
    return code if language_supported(code) else DEFAULT


def language_current() -> str:
    """The active language (the request's, or the one an email overrides) as a supported
    code: 'ru-ru' → 'ru'; English when it is not one of ours."""
    return language_or_default((translation.get_language() or DEFAULT).split("-")[0])


def language_from_tag(tag: object) -> str:
    """A supported language from a page's language tag ('ru-RU', 'ru_RU' → 'ru'); else the
    active one (language_current)."""
    primary = str(tag or "").split("-")[0].split("_")[0].lower()
    return primary if language_supported(primary) else language_current()


def localized(view: View[P]) -> View[P]:
    """`?lang=ru` sets the language of this page and of the next ones (a cookie); without
    it, or with a language readerfund does not speak, the cookie or Accept-Language decides."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        lang = request.GET.get("lang", "")
        if not language_supported(lang):
            return view(request, *args, **kwargs)
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = view(request, *args, **kwargs)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, lang, samesite="Lax", secure=request.is_secure()
        )
        return response

    return wrapper
