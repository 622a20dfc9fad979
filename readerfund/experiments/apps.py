from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExperimentsConfig(AppConfig):
    name = "readerfund.experiments"
    verbose_name = _("Experiments")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads only
        # after every app's module (AppConfig.ready is its hook for registrations).
        from django.core import checks

        from readerfund.core.playbook_parts import playbook_weights_register
        from readerfund.experiments import tasks  # noqa: F401  (registers the periodic jobs)
        from readerfund.experiments.checks import events_origins_check
        from readerfund.experiments.selectors import weights_published

        playbook_weights_register(weights_published)
        checks.register(events_origins_check)
