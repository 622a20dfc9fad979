"""Shared records: which single-use email links have been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
