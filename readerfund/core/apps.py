from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "readerfund.core"
    verbose_name = _("readerfund")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads
        # only after every app's module (AppConfig.ready is its hook for registrations).
        from django.contrib import admin

        from readerfund.core.admin_log import AdminLogPrivacy
        from readerfund.core.admin_login import ThrottledAdminAuthenticationForm
        from readerfund.core.privacy import privacy_step_register

        privacy_step_register(AdminLogPrivacy())
        admin.site.login_form = ThrottledAdminAuthenticationForm
