"""Supporters: the people behind the ledger's gifts, "email me my link" requests until the
worker has answered them, and when links were sent, to send at most a few an hour."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Supporter(models.Model):
    """A person who gave: one row per address, linked from their contributions and plans."""

    email = models.EmailField(_("email"), unique=True)  # stored lower-cased
    name = models.CharField(_("name"), max_length=200, blank=True)
    email_consent = models.BooleanField(_("agreed to emails"), default=False)
    language = models.CharField(_("language"), max_length=8, default="en")
    created_at = models.DateTimeField(_("first gift"), auto_now_add=True)
    # Set when the supporter asked for erasure: personal data replaced, amounts kept.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")

    def __str__(self) -> str:
        return self.email


class ManageLinkRequest(models.Model):
    """An address someone typed into "email me my link", known or not.

    Kept only until the worker handles it (seconds): the task's arguments, which the task
    queue keeps, then carry this row's id instead of the address.
    """

    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("manage link request")
        verbose_name_plural = _("manage link requests")

    def __str__(self) -> str:
        return f"{self.pk} {self.created_at:%Y-%m-%d %H:%M}"


class ManageLinkSent(models.Model):
    """One "email me my link" message sent: counted to send at most a few an hour."""

    supporter = models.ForeignKey(
        Supporter, on_delete=models.CASCADE, related_name="manage_links_sent"
    )
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("manage link sent")
        verbose_name_plural = _("manage links sent")

    def __str__(self) -> str:
        return f"{self.supporter_id} {self.sent_at:%Y-%m-%d %H:%M}"
