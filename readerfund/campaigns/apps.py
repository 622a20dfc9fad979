from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "readerfund.campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from readerfund.campaigns import signals

        # An upgrade may change the playbook's format: every deploy migrates, then rebuilds.
        post_migrate.connect(signals.rebuild_after_migrate, sender=self)
