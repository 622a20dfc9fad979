"""Rebuild the playbook after any change to a campaign or a variant is committed, and when
another app says a part it publishes there changed (core.playbook_parts.playbook_stale)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from readerfund.campaigns.models import Campaign, Variant
from readerfund.campaigns.playbook import playbook_rebuild
from readerfund.core.playbook_parts import playbook_stale


@receiver([post_save, post_delete], sender=Campaign)
@receiver([post_save, post_delete], sender=Variant)
def campaign_changed(sender: type, **kwargs: Any) -> None:
    # After commit: readers must never get a playbook with half of an editor's change.
    transaction.on_commit(playbook_rebuild)


@receiver(playbook_stale)
def part_changed(sender: object, **kwargs: Any) -> None:
    transaction.on_commit(playbook_rebuild)


def rebuild_after_migrate(sender: object, **kwargs: Any) -> None:
    playbook_rebuild()
