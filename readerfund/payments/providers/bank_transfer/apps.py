from readerfund.payments.providers.base import ProviderAppConfig


class BankTransferConfig(ProviderAppConfig):
    name = "readerfund.payments.providers.bank_transfer"
    label = "payments_bank_transfer"
    verbose_name = "Bank transfer"
    providers = ("readerfund.payments.providers.bank_transfer.provider.BankTransferProvider",)
