"""Shared records: which single-use email links have been used."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _

from readerfund.core.colour import accent_dark_validate, accent_validate


class LinkUse(models.Model):
    """A state-changing email link, used once: its token's nonce, stored on first use."""

    nonce = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=40)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("used link")
        verbose_name_plural = _("used links")

    def __str__(self) -> str:
        return f"{self.purpose} {self.used_at:%Y-%m-%d}"


class WorkerHeartbeat(models.Model):
    """A running `readerfund worker`: it rewrites `beat_at` every few seconds from a thread,
    so a worker busy with a long task still looks alive; a stale row means it died."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class EmailDispatch(models.Model):
    """One email that must leave at most once, by a key of ids only ("receipt:42").

    Created (claimed) just before the message is handed to the mail server and marked
    `sent_at` just after; docs/operations.md explains the one window in between.
    """

    key = models.CharField(max_length=100, unique=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("email dispatch")
        verbose_name_plural = _("email dispatches")

    def __str__(self) -> str:
        return self.key


NEWSROOM_CACHE_KEY = "readerfund:newsroom"


class Newsroom(models.Model):
    """The newsroom's own face on readers' pages and in every email: name, logo, accent
    colours, sender name, the link back to its site. One row (pk=1), or none: then the
    settings table's defaults (READERFUND_NEWSROOM_*) apply (core/newsroom.py)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    name = models.CharField(_("name"), max_length=100)
    name_ru = models.CharField(_("name in Russian"), max_length=100, blank=True)
    sender_name = models.CharField(
        _("sender name"), max_length=100, blank=True, help_text=_("Empty: the name.")
    )
    sender_name_ru = models.CharField(_("sender name in Russian"), max_length=100, blank=True)
    site_url = models.URLField(_("link back to the site"), blank=True)
    logo_url = models.URLField(_("logo address"), blank=True)
    # An uploaded logo (PNG, JPEG or WebP), kept in the database: no media storage to set up.
    logo_data = models.BinaryField(blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    accent = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[accent_validate],
        help_text=_("Buttons and links, with white text on them, e.g. #a4161a."),
    )
    accent_dark = models.CharField(
        _("accent colour in dark mode"),
        max_length=7,
        blank=True,
        validators=[accent_dark_validate],
        help_text=_("With black text on it, e.g. #ff8a80."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("newsroom")
        verbose_name_plural = _("newsroom")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        cache.delete(NEWSROOM_CACHE_KEY)  # the next page shows the change

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        cache.delete(NEWSROOM_CACHE_KEY)
        return super().delete(*args, **kwargs)
