"""Card payments through Stripe.

One provider package (provider class, routes, templates, scripts), registered through
the `readerfund.payment_providers` entry point in pyproject.toml."""

# The Stripe API version readerfund speaks (localstripe's); events of another are refused.
STRIPE_API_VERSION = "2017-08-15"
