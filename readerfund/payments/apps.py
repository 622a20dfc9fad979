from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "readerfund.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from readerfund.core.privacy import privacy_step_register
        from readerfund.payments import tasks  # noqa: F401 (registers the periodic jobs)
        from readerfund.payments.privacy import LedgerPrivacy

        privacy_step_register(LedgerPrivacy())
