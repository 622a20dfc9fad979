from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    name = "readerfund.payments.statements"
    label = "statements"
    verbose_name = _("Bank statements")

    def ready(self) -> None:
        # Imported here: the module uses models, loaded only once every app is.
        from readerfund.payments.statements import tasks  # noqa: F401 (its periodic job)
