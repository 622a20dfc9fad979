"""What the supporters app stores itself: when manage links were emailed on request."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from readerfund.payments.models import Supporter


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
