"""The newsroom's face as readers' pages and emails show it: the admin's Newsroom row, else
the settings table's defaults. Read once per change (cached), never per page element."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from readerfund.core.models import NEWSROOM_CACHE_KEY, Newsroom

LOGO_TYPES = {"image/png", "image/jpeg", "image/webp"}  # no SVG: it may carry script
LOGO_MAX_BYTES = 200_000


@dataclass(frozen=True)
class NewsroomFace:
    name: str
    sender_name: str
    site_url: str  # absolute, or ""
    logo_url: str  # absolute, or ""
    accent: str  # "#rrggbb", or "" for readerfund's own
    accent_dark: str
    version: int  # changes with every save: cache-busting for the theme and logo

    @property
    def themed(self) -> bool:
        return bool(self.accent or self.accent_dark)


def _absolute(url: str) -> str:
    return urljoin(settings.READERFUND_PUBLIC_URL.rstrip("/") + "/", url) if url else ""


def _row() -> Newsroom | None:
    found = cache.get(NEWSROOM_CACHE_KEY)
    if found is None:
        found = Newsroom.objects.filter(pk=1).first() or False
        cache.set(NEWSROOM_CACHE_KEY, found, 300)
    return found or None


def newsroom_forget() -> None:
    """After a change: the next page reads the row again."""
    cache.delete(NEWSROOM_CACHE_KEY)


def newsroom_face(*, language: str) -> NewsroomFace:
    row = _row()
    russian = language.lower().startswith("ru")
    if row is None:
        name = settings.READERFUND_NEWSROOM_NAME
        if russian:
            name = settings.READERFUND_NEWSROOM_NAME_RU or name
        site = _absolute(settings.READERFUND_NEWSROOM_URL)
        return NewsroomFace(name, name, site, "", "", "", 0)
    name = (row.name_ru if russian else "") or row.name
    sender = (row.sender_name_ru if russian else "") or row.sender_name or name
    version = int(row.updated_at.timestamp()) if row.updated_at else 0
    logo = row.logo_url
    if row.logo_type:
        logo = _absolute(f"{reverse('newsroom-logo')}?v={version}")
    return NewsroomFace(name, sender, row.site_url, logo, row.accent, row.accent_dark, version)


def newsroom_sender(*, language: str) -> str:
    """DEFAULT_FROM_EMAIL's address under the newsroom's sender name, if it has one."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    sender = newsroom_face(language=language).sender_name
    return formataddr((sender, address)) if sender and address else settings.DEFAULT_FROM_EMAIL


def newsroom_logo_origin() -> str:
    """The origin a logo on another site is loaded from (for the pages' CSP), or ""."""
    row = _row()
    if row is None or row.logo_type or not row.logo_url:
        return ""
    parts = urlsplit(row.logo_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} else ""


def newsroom_theme_css(face: NewsroomFace) -> str:
    """The accent colours as page.css's custom properties (validated #rrggbb only)."""
    rules = []
    if face.accent:
        rules.append(
            f":root{{--accent:{face.accent};--accent-hover:{face.accent};--accent-fg:#ffffff}}"
        )
    if face.accent_dark:
        rules.append(
            "@media (prefers-color-scheme: dark){:root{"
            f"--accent:{face.accent_dark};--accent-hover:{face.accent_dark};--accent-fg:#111111}}}}"
        )
    return "\n".join(rules) + "\n"
