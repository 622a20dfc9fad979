from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "readerfund.events"
    verbose_name = _("Message statistics")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads
        # only after every app's module (AppConfig.ready is its hook for registrations).
        from readerfund.core.playbook_parts import playbook_endpoint_register

        playbook_endpoint_register("events", lambda: "/api/events")
