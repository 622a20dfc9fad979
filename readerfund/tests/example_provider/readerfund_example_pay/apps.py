from readerfund.payments.providers.base import ProviderAppConfig


class ExamplePayConfig(ProviderAppConfig):
    name = "readerfund_example_pay"
    label = "readerfund_example_pay"
    verbose_name = "Example Pay"
    providers = ("readerfund_example_pay.provider.ExamplePayProvider",)
