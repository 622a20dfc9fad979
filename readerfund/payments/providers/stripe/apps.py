from readerfund.payments.providers.base import ProviderAppConfig


class StripeConfig(ProviderAppConfig):
    name = "readerfund.payments.providers.stripe"
    label = "payments_stripe"
    verbose_name = "Stripe"
    providers = ("readerfund.payments.providers.stripe.provider.StripeProvider",)
