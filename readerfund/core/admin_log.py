"""The admin's change log in a supporter's data rights (a step registered with core.privacy):
entries named after the supporter's address are renamed to its placeholder on erasure."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry

from readerfund.core.privacy import DataSubject, PrivacyStep


class AdminLogPrivacy(PrivacyStep):
    def erase(self, subject: DataSubject, prepared: Any) -> None:
        LogEntry.objects.filter(object_repr__iexact=subject.email).update(
            object_repr=subject.placeholder
        )
