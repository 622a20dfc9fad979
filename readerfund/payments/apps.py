from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "readerfund.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from readerfund.payments.checks import payment_setup_check

        checks.register(payment_setup_check)
