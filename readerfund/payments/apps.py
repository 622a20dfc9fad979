from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "readerfund.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Imported here, not at the top: these modules use models, which Django loads
        # only after every app's module (AppConfig.ready is its hook for registrations).
        from readerfund.core.playbook_parts import playbook_section_register
        from readerfund.core.privacy import privacy_step_register
        from readerfund.payments import reconcile  # noqa: F401 (registers its periodic job)
        from readerfund.payments.checks import payment_setup_check
        from readerfund.payments.privacy import LedgerPrivacy
        from readerfund.payments.registry import payment_marks_by_country

        privacy_step_register(LedgerPrivacy())
        # the marks an ask may show, per reader country (docs/embed.md, "methods")
        playbook_section_register("methods", payment_marks_by_country)
        checks.register(payment_setup_check)
