"""Anonymous, aggregate counts of what the embed reports. No reader identifier exists here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    IMPRESSION = "impression", _("Impression")
    CLICK = "click", _("Click")
    DISMISS = "dismiss", _("Dismissal")
    SNOOZE = "snooze", _("Remind me later")


class EventCount(models.Model):
    day = models.DateField(_("day"))
    campaign = models.CharField(_("campaign"), max_length=60)
    variant = models.CharField(_("variant"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10)
    type = models.CharField(_("event"), max_length=12, choices=EventType.choices)
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("event count")
        verbose_name_plural = _("event counts")
        ordering = ["-day", "campaign", "variant", "type"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "campaign", "variant", "channel", "type"],
                name="event_count_unique_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.campaign}/{self.variant} {self.type}: {self.count}"
