from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    name = "readerfund.payments.statements"
    label = "statements"
    verbose_name = _("Bank statements")

    def ready(self) -> None:
        # Imported here: the modules use models, loaded only once every app is.
        from readerfund.core.privacy import privacy_step_register
        from readerfund.payments.statements import tasks  # noqa: F401 (its periodic job)
        from readerfund.payments.statements.privacy import StatementPrivacy

        privacy_step_register(StatementPrivacy())
