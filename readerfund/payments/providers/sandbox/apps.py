from readerfund.payments.providers.base import ProviderAppConfig


class SandboxConfig(ProviderAppConfig):
    name = "readerfund.payments.providers.sandbox"
    label = "payments_sandbox"
    verbose_name = "Sandbox (test mode)"
    providers = ("readerfund.payments.providers.sandbox.provider.SandboxProvider",)
