from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "readerfund.reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads
        # only after every app's module (AppConfig.ready is its hook for registrations).
        from readerfund.core.playbook_parts import playbook_endpoint_register
        from readerfund.core.privacy import privacy_step_register
        from readerfund.reminders import tasks  # noqa: F401 (registers the periodic jobs)
        from readerfund.reminders.privacy import ReminderPrivacy

        privacy_step_register(ReminderPrivacy())
        # The form behind "remind me later", loaded by the embed only when asked for.
        playbook_endpoint_register(
            "remindScript", lambda: f"{settings.STATIC_URL}readerfund/remind.js"
        )
