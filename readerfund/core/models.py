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
