"""Bank transfer: account details and a reference for the reader.

One provider package (provider class, routes, templates, scripts), registered through
the `readerfund.payment_providers` entry point in pyproject.toml."""
