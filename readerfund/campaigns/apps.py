from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "readerfund.campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads
        # only after every app's module (AppConfig.ready is its hook for registrations).
        from django.db.models.signals import post_migrate

        from readerfund.campaigns import signals
        from readerfund.core.playbook_parts import playbook_endpoint_register

        # An upgrade may change the playbook's format: every deploy migrates, then rebuilds.
        post_migrate.connect(signals.rebuild_after_migrate, sender=self)
        playbook_endpoint_register("geo", lambda: "/api/geo")
        playbook_endpoint_register("preview", lambda: "/api/preview")
        playbook_endpoint_register(
            "previewScript", lambda: f"{settings.STATIC_URL}readerfund/preview.js"
        )
