from django.apps import AppConfig
from django.core.management import call_command
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "readerfund.core"
    verbose_name = _("readerfund")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads
        # only after every app's module (AppConfig.ready is its hook for registrations).
        from django.contrib import admin
        from django.db.models.signals import post_migrate

        from readerfund.core.admin_log import AdminLogPrivacy
        from readerfund.core.admin_login import ThrottledAdminAuthenticationForm
        from readerfund.core.privacy import privacy_step_register

        privacy_step_register(AdminLogPrivacy())
        admin.site.login_form = ThrottledAdminAuthenticationForm
        post_migrate.connect(cache_table_create, sender=self)


def cache_table_create(sender: object, using: str = "default", **kwargs: object) -> None:
    """After every `migrate`: the database cache's table, where settings use one (production:
    rate limits shared by every app process). Creating it again changes nothing."""
    call_command("createcachetable", database=using, verbosity=0)
