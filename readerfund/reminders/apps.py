from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "readerfund.reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from readerfund.core.privacy import privacy_step_register
        from readerfund.reminders import tasks  # noqa: F401 (registers the periodic jobs)
        from readerfund.reminders.privacy import ReminderPrivacy

        privacy_step_register(ReminderPrivacy())
