"""Set-up of the demo box: the admin account the demo command prints."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from readerfund.campaigns.files import campaigns_load
from readerfund.campaigns.models import Campaign
from readerfund.core.models import Newsroom
from readerfund.demo.selectors import newsroom_get
from readerfund.experiments.services import results_demo_seed
from readerfund.goals.services import goal_demo_seed

DEMO_ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class DemoAdmin:
    username: str
    password: str


DEMO_CAMPAIGNS = Path(__file__).parent / "content" / "campaigns.yaml"


def demo_seed() -> DemoAdmin:
    """Creates the demo admin and campaigns on the first run; later runs reuse them.

    The password is random per installation and kept (mode 0600) in the data directory
    so the demo command can print it again.
    """
    password_file = settings.DATA_DIR / "demo-admin-password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(12))
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    user_model = get_user_model()
    if not user_model.objects.filter(username=DEMO_ADMIN_USERNAME).exists():
        user_model.objects.create_superuser(
            username=DEMO_ADMIN_USERNAME, email="admin@localhost", password=password
        )
    if not Campaign.objects.exists():
        campaigns_load(text=DEMO_CAMPAIGNS.read_text(encoding="utf-8"))
    goal_demo_seed()  # the reference scenario's $10,000 a month
    newsroom_demo_seed()
    results_demo_seed()  # weeks of made-up, marked figures for the editors' pages
    return DemoAdmin(DEMO_ADMIN_USERNAME, password)


def newsroom_demo_seed() -> None:
    """The Far Shore's face on the checkout, a supporter's pages and emails (its masthead's
    red, which carries white text at 7.6:1), unless the operator has set one."""
    english, russian = newsroom_get(lang="en").site.name, newsroom_get(lang="ru").site.name
    Newsroom.objects.get_or_create(
        pk=1,
        defaults={
            "name": english, "name_ru": russian, "sender_name": english,
            "sender_name_ru": russian,
            "site_url": settings.READERFUND_PUBLIC_URL.rstrip("/") + "/demo/",
            "accent": "#a4161a", "accent_dark": "#ff8a80",
        },
    )  # fmt: skip
