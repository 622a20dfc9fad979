"""Every environment variable readerfund reads, in one table.

`settings.py` reads its values through `env_value`; `readerfund settings` prints this
table as Markdown, and the README carries that exact table (a test keeps them equal).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class ConfigurationError(Exception):
    """A setting is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class EnvSetting:
    name: str
    demo_default: str
    production_default: str | None  # None: required in production
    description: str


ENVIRONMENT: tuple[EnvSetting, ...] = (
    EnvSetting(
        "READERFUND_ENV",
        "demo",
        "production",
        "`demo` (safe single-box defaults) or `production` (`readerfund serve` forces it).",
    ),
    EnvSetting(
        "READERFUND_DATA_DIR",
        "~/.local/share/readerfund",
        "~/.local/share/readerfund",
        "Where the SQLite database, the demo secret key and collected static files live.",
    ),
    EnvSetting(
        "SECRET_KEY",
        "(generated once into the data directory)",
        None,
        "Django's signing key. Required in production; keep it secret and stable.",
    ),
    EnvSetting(
        "DATABASE_URL",
        "sqlite:///<data dir>/readerfund.sqlite3",
        None,
        "Database URL, e.g. `postgres://user:pass@host:5432/readerfund`. Required in production.",
    ),
    EnvSetting(
        "ALLOWED_HOSTS",
        "localhost,127.0.0.1,[::1]",
        None,
        "Comma-separated host names this server answers for. Required in production.",
    ),
    EnvSetting(
        "READERFUND_PUBLIC_URL",
        "http://127.0.0.1:8000",
        None,
        "The public address of this server, used in emailed links, e.g. `https://support.example.org`.",
    ),
    EnvSetting(
        "CSRF_TRUSTED_ORIGINS",
        "",
        "",
        "Comma-separated origins (scheme + host) allowed to post forms, e.g. behind a CDN.",
    ),
    EnvSetting(
        "READERFUND_BEHIND_HTTPS_PROXY",
        "false",
        "true",
        "Trust `X-Forwarded-Proto` from the reverse proxy and send secure cookies and HSTS.",
    ),
    EnvSetting(
        "READERFUND_PROXY_HOPS",
        "0",
        "0",
        "Behind the HTTPS proxy: how many proxies append to `X-Forwarded-For` (e.g. 2 for a "
        "CDN in front of nginx); the reader's address is that many entries from the right. "
        "**Unset, it is 0 (X-Forwarded-For ignored, limits key on the connecting address) "
        "unless `READERFUND_BEHIND_HTTPS_PROXY=true` is declared in the environment, then 1. "
        "Without a proxy every X-Forwarded-For entry is the client's own choice: a value "
        "above 0 would let anyone escape the per-address limits.**",
    ),
    EnvSetting(
        "READERFUND_DEMO_SITE",
        "true",
        "false",
        "Serve the demo newsroom under `/demo/`.",
    ),
    EnvSetting(
        "READERFUND_EMBED_ORIGINS",
        "*",
        "*",
        "Comma-separated origins of the newsroom's sites (mirrors too) allowed to embed and "
        "report events, e.g. `https://news.example,https://mirror.example`; `*` allows any.",
    ),
    EnvSetting(
        "READERFUND_COUNTRY_HEADER",
        "CF-IPCountry",
        "CF-IPCountry",
        "Request header in which the CDN or proxy passes the reader's country (ISO code).",
    ),
    EnvSetting(
        "READERFUND_GEOIP_DATABASE",
        "",
        "",
        "Path to a MaxMind GeoLite2-Country `.mmdb` file, used when the header is absent.",
    ),
    EnvSetting(
        "READERFUND_PAYMENT_METHODS",
        "RU:bank_transfer;*:stripe,bank_transfer",
        "*:stripe,bank_transfer",
        "Methods offered per reader country: `RU:bank_transfer;*:stripe,bank_transfer` "
        "(`*` is everyone else). Without Stripe keys the sandbox stands in for cards where "
        "`READERFUND_TEST_MODE` allows it; otherwise no card is offered.",
    ),
    EnvSetting(
        "READERFUND_TEST_MODE",
        "on",
        "off",
        "`on` offers the sandbox, a test-mode card that moves no real money, in place of cards "
        "while Stripe is not set up. **Production refuses the sandbox unless this is `on`**; "
        'then every page says "Test mode" and test gifts never count toward the goal.',
    ),
    EnvSetting(
        "READERFUND_BANK_DETAILS",
        "Account holder: The Far Shore (demo); IBAN: DE00 0000 0000 0000 0000 00; BIC: DEMODEFF",
        "",
        "Account details shown for bank transfers (`;` starts a new line); empty disables them.",
    ),
    EnvSetting(
        "STRIPE_SECRET_KEY",
        "",
        "",
        "Stripe secret key; with the publishable key it enables card payments through Stripe.",
    ),
    EnvSetting("STRIPE_PUBLISHABLE_KEY", "", "", "Stripe publishable key."),
    EnvSetting(
        "STRIPE_ACCOUNT_COUNTRY",
        "",
        "",
        "Two-letter country of the Stripe account, e.g. `DE`; with it the checkout offers Apple "
        "Pay or Google Pay where the reader's browser has one (register the domain with Stripe).",
    ),
    EnvSetting(
        "STRIPE_WEBHOOK_SECRET",
        "",
        "",
        "Signing secret of the Stripe webhook endpoint `/payments/webhooks/stripe/`; required "
        "in production when Stripe is configured.",
    ),
    EnvSetting(
        "READERFUND_STRIPE_API_BASE",
        "",
        "",
        "Another Stripe API address (tests use a local stand-in); empty for Stripe itself.",
    ),
    EnvSetting(
        "READERFUND_STRIPE_JS_URL",
        "https://js.stripe.com/v3/",
        "https://js.stripe.com/v3/",
        "Where the checkout page loads Stripe.js from.",
    ),
    EnvSetting(
        "READERFUND_CHECKOUT_RETENTION_DAYS",
        "30",
        "30",
        "Days after which an unfinished or failed checkout forgets the reader's email, name "
        "and return address (docs/privacy.md).",
    ),
    EnvSetting(
        "EMAIL_URL",
        "consolemail://",
        "smtp://localhost:25",
        "Outgoing mail, e.g. `smtp+tls://user:pass@mail.example.org:587`.",
    ),
    EnvSetting(
        "DEFAULT_FROM_EMAIL",
        "readerfund@localhost",
        "readerfund@localhost",
        "Sender address of receipts and reminders.",
    ),
    EnvSetting(
        "READERFUND_REMINDER_RETENTION_DAYS",
        "30",
        "30",
        "Days after which a sent, failed or unsubscribed email reminder is deleted, address "
        "and all (docs/reminders.md).",
    ),
    EnvSetting(
        "LANGUAGE_CODE",
        "en",
        "en",
        "Default language of the admin and of emails (`en` or `ru`).",
    ),
    EnvSetting(
        "TIME_ZONE",
        "UTC",
        "UTC",
        "Time zone used to display dates in the admin.",
    ),
    EnvSetting(
        "READERFUND_LOG_FULL_ADDRESSES",
        "false",
        "false",
        "Keep readers' whole IP addresses in the logs; by default IPv4 keeps its /24 and IPv6 "
        "its /48 (docs/privacy.md).",
    ),
    EnvSetting(
        "LOG_LEVEL",
        "INFO",
        "INFO",
        "Python log level for readerfund's own loggers.",
    ),
    EnvSetting(
        "READERFUND_WORKER_HEARTBEAT_SECONDS",
        "10",
        "10",
        "How often each worker records that it is alive; a worker silent for 6 beats counts "
        "as dead and its running tasks are queued again (docs/operations.md).",
    ),
    EnvSetting(
        "READERFUND_METRICS_TOKEN",
        "",
        "",
        "Token that a Prometheus scraper sends as `Authorization: Bearer <token>` to read "
        "`/metrics`; empty: `/metrics` answers 404.",
    ),
    EnvSetting(
        "WEB_CONCURRENCY",
        "-",
        "2",
        "Number of gunicorn worker processes started by `readerfund serve`.",
    ),
)

SETTINGS_BY_NAME = {setting.name: setting for setting in ENVIRONMENT}


def is_production() -> bool:
    mode = os.environ.get("READERFUND_ENV", "demo")
    if mode not in {"demo", "production"}:
        raise ConfigurationError(f"READERFUND_ENV must be 'demo' or 'production', not {mode!r}.")
    return mode == "production"


def env_value(name: str) -> str:
    """The variable's value, or its default for the current mode.

    Raises ConfigurationError in production when a required variable is unset, so the
    process refuses to start instead of running with a guessed secret or database.
    """
    setting = SETTINGS_BY_NAME[name]
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if is_production():
        if setting.production_default is None:
            raise ConfigurationError(f"{name} is required in production: {setting.description}")
        return setting.production_default
    return setting.demo_default


def data_dir() -> Path:
    return Path(env_value("READERFUND_DATA_DIR")).expanduser()


def markdown_table() -> str:
    """The settings table as printed by `readerfund settings` and kept in the README."""
    lines = [
        "| variable | demo default | production default | meaning |",
        "|---|---|---|---|",
    ]
    for setting in ENVIRONMENT:
        production = (
            "**required**" if setting.production_default is None else setting.production_default
        )
        lines.append(
            f"| `{setting.name}` | {setting.demo_default or '(empty)'} "
            f"| {production or '(empty)'} | {setting.description} |"
        )
    return "\n".join(lines)
