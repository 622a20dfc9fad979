"""The sandbox: test-mode card payments without any account.

One provider package (provider class, routes, templates, scripts), registered through
the `readerfund.payment_providers` entry point in pyproject.toml."""
