"""Start-up check: once traffic follows the counts, who may report them matters."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError

from readerfund.campaigns.models import Campaign, Status


def events_origins_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION or "*" not in settings.READERFUND_EMBED_ORIGINS:
        return []
    try:
        optimised = Campaign.objects.filter(status=Status.LIVE, optimise=True).exists()
    except DatabaseError:  # not migrated yet: nothing is optimised
        return []
    if not optimised:
        return []
    return [
        Warning(
            "A live campaign optimises its traffic, but READERFUND_EMBED_ORIGINS is `*`: "
            "any web page can report impressions and clicks, and so move readers between "
            "variants.",
            hint="List the newsroom's sites in READERFUND_EMBED_ORIGINS, e.g. "
            "https://news.example,https://mirror.example.",
            id="readerfund.W010",
        )
    ]
