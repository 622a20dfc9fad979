from readerfund.payments.providers.base import ProviderAppConfig


class BTCPayConfig(ProviderAppConfig):
    name = "readerfund.payments.providers.btcpay"
    label = "payments_btcpay"
    verbose_name = "BTCPay Server"
    providers = (
        "readerfund.payments.providers.btcpay.provider.BTCPayProvider",
        "readerfund.payments.providers.btcpay.sandbox.BTCPayTestProvider",
    )

    def ready(self) -> None:
        # Imported here: the job's module uses models, loaded only once every app is.
        from readerfund.core.privacy import privacy_step_register
        from readerfund.payments.providers.btcpay import pledges  # noqa: F401 (its job)
        from readerfund.payments.providers.btcpay.privacy import PledgePrivacy

        privacy_step_register(PledgePrivacy())
