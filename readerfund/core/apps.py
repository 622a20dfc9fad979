from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "readerfund.core"
    verbose_name = _("readerfund")

    def ready(self) -> None:
        from django.contrib import admin

        from readerfund.core.admin_login import ThrottledAdminAuthenticationForm

        admin.site.login_form = ThrottledAdminAuthenticationForm
