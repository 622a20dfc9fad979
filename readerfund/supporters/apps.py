from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportersConfig(AppConfig):
    name = "readerfund.supporters"
    verbose_name = _("Supporters")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads
        # only after every app's module (AppConfig.ready is its hook for registrations).
        from readerfund.payments.services import supporter_finder_register
        from readerfund.supporters.services import supporter_for

        supporter_finder_register(supporter_for)
