"""Django settings for readerfund, read from the environment (see `config.py`)."""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from readerfund.config import ConfigurationError, data_dir, env_value, is_production
from readerfund.plugins import provider_apps

PACKAGE_DIR = Path(__file__).resolve().parent
PRODUCTION = is_production()
DATA_DIR = data_dir()
DEBUG = False


def _demo_secret_key() -> str:
    """A random key made on the first demo run and reused after, so sessions survive."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _csv(name: str) -> list[str]:
    return [item.strip() for item in env_value(name).split(",") if item.strip()]


def _flag(name: str) -> bool:
    value = env_value(name).lower()
    if value not in {"true", "false", "1", "0", "yes", "no", "on", "off"}:
        raise ConfigurationError(f"{name} must be true or false, not {value!r}.")
    return value in {"true", "1", "yes", "on"}


SECRET_KEY = env_value("SECRET_KEY")
if not PRODUCTION and SECRET_KEY.startswith("("):
    SECRET_KEY = _demo_secret_key()

_database_url = env_value("DATABASE_URL")
if _database_url.startswith("sqlite:///<data dir>"):
    _database_url = f"sqlite:///{DATA_DIR / 'readerfund.sqlite3'}"
    DATA_DIR.mkdir(parents=True, exist_ok=True)
try:
    DATABASES = {"default": environ.Env.db_url_config(_database_url)}
except Exception as error:  # environ raises bare exceptions for unknown schemes
    raise ConfigurationError(f"DATABASE_URL is not a usable database URL: {error}") from error
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids
    # "database is locked" when two writers upgrade their locks at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Rate limits and the playbook's shared copy live in the cache. In production several app
# processes (and servers) must see one count, or each would allow the limit again: the
# cache is a table of the database they share (readerfund.core makes it after `migrate`).
# The demo is one process, whose memory is enough.
CACHE_TABLE = "readerfund_cache"
if PRODUCTION:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
        }
    }

ALLOWED_HOSTS = _csv("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = _csv("CSRF_TRUSTED_ORIGINS")
DEMO_SITE = _flag("READERFUND_DEMO_SITE")
READERFUND_NEWSROOM_NAME = env_value("READERFUND_NEWSROOM_NAME")
READERFUND_NEWSROOM_NAME_RU = env_value("READERFUND_NEWSROOM_NAME_RU")
READERFUND_NEWSROOM_URL = env_value("READERFUND_NEWSROOM_URL")
READERFUND_PUBLIC_URL = env_value("READERFUND_PUBLIC_URL")
READERFUND_EMBED_ORIGINS = _csv("READERFUND_EMBED_ORIGINS")
READERFUND_SUPPORTER_COOKIE_DOMAIN = env_value("READERFUND_SUPPORTER_COOKIE_DOMAIN").lstrip(".")
READERFUND_EVENTS_PER_MINUTE = int(env_value("READERFUND_EVENTS_PER_MINUTE"))
READERFUND_EXPERIMENT_VALUE_CAP = Decimal(env_value("READERFUND_EXPERIMENT_VALUE_CAP"))
READERFUND_COUNTRY_HEADER = env_value("READERFUND_COUNTRY_HEADER")
READERFUND_GEOIP_DATABASE = env_value("READERFUND_GEOIP_DATABASE")


def _payment_methods(value: str) -> dict[str, list[str]]:
    """'RU:bank_transfer;*:stripe,bank_transfer' → {'RU': [...], '*': [...]}."""
    rules: dict[str, list[str]] = {}
    for rule in filter(None, (part.strip() for part in value.split(";"))):
        countries, _, methods = rule.partition(":")
        if not methods:
            raise ConfigurationError(f"READERFUND_PAYMENT_METHODS: {rule!r} needs COUNTRY:methods")
        for country in countries.split(","):
            rules[country.strip().upper()] = [m.strip() for m in methods.split(",") if m.strip()]
    return rules


READERFUND_PAYMENT_METHODS = _payment_methods(env_value("READERFUND_PAYMENT_METHODS"))
# Test-mode providers (the sandbox) only where declared: in production a test card would
# let anyone "give" any amount and fake the public goal (docs/goal.md).
READERFUND_TEST_MODE = _flag("READERFUND_TEST_MODE")
READERFUND_BANK_DETAILS = [
    line.strip() for line in env_value("READERFUND_BANK_DETAILS").split(";") if line.strip()
]
try:
    READERFUND_STANDING_ORDER_GRACE_DAYS = int(env_value("READERFUND_STANDING_ORDER_GRACE_DAYS"))
except ValueError as error:
    raise ConfigurationError(
        "READERFUND_STANDING_ORDER_GRACE_DAYS must be a number of days."
    ) from error
if READERFUND_STANDING_ORDER_GRACE_DAYS < 0:
    raise ConfigurationError("READERFUND_STANDING_ORDER_GRACE_DAYS must be 0 or more.")
STRIPE_SECRET_KEY = env_value("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_value("STRIPE_PUBLISHABLE_KEY")
STRIPE_ACCOUNT_COUNTRY = env_value("STRIPE_ACCOUNT_COUNTRY").strip().upper()
STRIPE_WEBHOOK_SECRET = env_value("STRIPE_WEBHOOK_SECRET")
READERFUND_STRIPE_API_BASE = env_value("READERFUND_STRIPE_API_BASE")
READERFUND_STRIPE_JS_URL = env_value("READERFUND_STRIPE_JS_URL")
BTCPAY_URL = env_value("BTCPAY_URL").rstrip("/")
BTCPAY_STORE_ID = env_value("BTCPAY_STORE_ID")
BTCPAY_API_KEY = env_value("BTCPAY_API_KEY")
BTCPAY_WEBHOOK_SECRET = env_value("BTCPAY_WEBHOOK_SECRET")
if PRODUCTION and BTCPAY_URL and not BTCPAY_WEBHOOK_SECRET:
    raise ConfigurationError(
        "BTCPAY_WEBHOOK_SECRET is required in production when BTCPay is set up."
    )
if PRODUCTION and STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    # Fail closed: without the secret no webhook can be verified, and unverified events
    # must never touch the ledger.
    raise ConfigurationError(
        "STRIPE_WEBHOOK_SECRET is required in production when Stripe is set up."
    )

try:
    READERFUND_CHECKOUT_RETENTION_DAYS = int(env_value("READERFUND_CHECKOUT_RETENTION_DAYS"))
except ValueError as error:
    raise ConfigurationError(
        "READERFUND_CHECKOUT_RETENTION_DAYS must be a number of days."
    ) from error
if READERFUND_CHECKOUT_RETENTION_DAYS < 1:
    raise ConfigurationError("READERFUND_CHECKOUT_RETENTION_DAYS must be at least 1.")

# X-Forwarded-For is believed only where the operator declared a proxy: without one, every
# entry is the client's own choice, and a forged one would escape the per-address limits.
# Production's default of READERFUND_BEHIND_HTTPS_PROXY (true) is not a declaration.
_proxy_declared = bool(os.environ.get("READERFUND_BEHIND_HTTPS_PROXY", "").strip()) and _flag(
    "READERFUND_BEHIND_HTTPS_PROXY"
)
try:
    READERFUND_PROXY_HOPS = int(
        os.environ.get("READERFUND_PROXY_HOPS", "").strip() or ("1" if _proxy_declared else "0")
    )
except ValueError as error:
    raise ConfigurationError("READERFUND_PROXY_HOPS must be a whole number.") from error
if READERFUND_PROXY_HOPS < 0:
    raise ConfigurationError("READERFUND_PROXY_HOPS must be 0 or more.")

if _flag("READERFUND_BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_SSL_REDIRECT = False  # the proxy redirects; health checks may come over HTTP
    SILENCED_SYSTEM_CHECKS = ["security.W008"]  # the deploy check for the line above

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "readerfund.core",
    "readerfund.campaigns",
    "readerfund.events",
    "readerfund.experiments",
    "readerfund.payments",
    "readerfund.payments.statements",
    # every installed payment provider, readerfund's own included (readerfund/plugins.py)
    *provider_apps(),
    "readerfund.checkout",
    "readerfund.supporters",
    "readerfund.reminders",
    "readerfund.goals",
    "readerfund.demo",
]

MIDDLEWARE = [
    "readerfund.core.metrics.RequestMetricsMiddleware",  # first: counts and times everything
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "readerfund.urls"
WSGI_APPLICATION = "readerfund.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "readerfund.core.context_processors.test_mode",
                "readerfund.core.context_processors.newsroom",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_value("LANGUAGE_CODE")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_value("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names let whitenoise send far-future cache headers for every asset.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_email = environ.Env.email_url_config(env_value("EMAIL_URL"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if DEMO_SITE and not PRODUCTION and not os.environ.get("EMAIL_URL", "").strip():
    # The demo keeps what it sends and shows it at /demo/outbox/ (demo/outbox.py).
    EMAIL_BACKEND = "readerfund.demo.outbox.DemoOutboxBackend"
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_value("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
try:
    READERFUND_REMINDER_RETENTION_DAYS = int(env_value("READERFUND_REMINDER_RETENTION_DAYS"))
except ValueError as error:
    raise ConfigurationError(
        "READERFUND_REMINDER_RETENTION_DAYS must be a number of days."
    ) from error
if READERFUND_REMINDER_RETENTION_DAYS < 1:
    raise ConfigurationError("READERFUND_REMINDER_RETENTION_DAYS must be at least 1.")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
try:
    READERFUND_WORKER_HEARTBEAT_SECONDS = float(env_value("READERFUND_WORKER_HEARTBEAT_SECONDS"))
except ValueError as error:
    raise ConfigurationError(
        "READERFUND_WORKER_HEARTBEAT_SECONDS must be a number of seconds."
    ) from error
if not 0.1 <= READERFUND_WORKER_HEARTBEAT_SECONDS <= 300:
    raise ConfigurationError("READERFUND_WORKER_HEARTBEAT_SECONDS must be from 0.1 to 300.")
READERFUND_METRICS_TOKEN = env_value("READERFUND_METRICS_TOKEN")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Every handler redacts email addresses and email-link tokens (docs/privacy.md). Django's
# own loggers go to the same console; its default handlers (a console only in DEBUG, mail
# to ADMINS with the whole request) are replaced so that nothing writes unfiltered. The
# access logs of runserver (the demo) and gunicorn (`serve`) print request paths, which
# carry link tokens, so they pass the filter too. The same filter cuts client addresses to
# their network (a reader's address beside "/embed.js" shows what they read).
READERFUND_LOG_FULL_ADDRESSES = _flag("READERFUND_LOG_FULL_ADDRESSES")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_personal_data": {
            "()": "readerfund.core.logging.PersonalDataFilter",
            "full_addresses": READERFUND_LOG_FULL_ADDRESSES,
        }
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "message": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_personal_data"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["no_personal_data"],
        },
        "access": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "message",
            "filters": ["no_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "readerfund": {"level": env_value("LOG_LEVEL"), "propagate": True},
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
