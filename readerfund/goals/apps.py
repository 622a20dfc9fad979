from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "readerfund.goals"
    verbose_name = _("Funding goal")

    def ready(self) -> None:
        from readerfund.goals import signals  # noqa: F401 (connects the receivers)
