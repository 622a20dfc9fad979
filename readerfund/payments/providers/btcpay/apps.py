from readerfund.payments.providers.base import ProviderAppConfig


class BTCPayConfig(ProviderAppConfig):
    name = "readerfund.payments.providers.btcpay"
    label = "payments_btcpay"
    verbose_name = "BTCPay Server"
    providers = (
        "readerfund.payments.providers.btcpay.provider.BTCPayProvider",
        "readerfund.payments.providers.btcpay.sandbox.BTCPayTestProvider",
    )
