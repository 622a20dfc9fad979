from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "readerfund.goals"
    verbose_name = _("Funding goal")

    def ready(self) -> None:
        # Imported for their effect: signals connect the receivers, tasks registers the
        # periodic recompute (AppConfig.ready is where Django wants both).
        from readerfund.goals import signals, tasks  # noqa: F401
