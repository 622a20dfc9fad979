from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "readerfund.campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from readerfund.campaigns import signals  # noqa: F401 (connects the receivers)
