"""Crypto through the newsroom's BTCPay Server, and its test-mode stand-in.

One provider package (providers, Greenfield client, routes, templates), registered through
the `readerfund.payment_providers` entry point in pyproject.toml."""
