from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "readerfund.events"
    verbose_name = _("Message statistics")

    def ready(self) -> None:
        from readerfund.core.playbook_parts import playbook_endpoint_register

        playbook_endpoint_register("events", lambda: "/api/events")
