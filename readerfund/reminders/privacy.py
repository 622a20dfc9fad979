"""Email reminders in a supporter's data rights (a step registered with core.privacy): listed
in their export, deleted on erasure."""

from __future__ import annotations

from typing import Any

from readerfund.core.privacy import DataSubject, PrivacyStep
from readerfund.reminders.services import reminders_export, reminders_forget


class ReminderPrivacy(PrivacyStep):
    def export(self, subject: DataSubject) -> dict[str, Any]:
        return {"reminders": reminders_export(subject.email)}

    def erase(self, subject: DataSubject, prepared: Any) -> None:
        reminders_forget(subject.email)
