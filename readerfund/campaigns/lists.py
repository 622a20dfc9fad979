"""Comma-separated list fields of a campaign, and the values they may hold."""

from __future__ import annotations

import re

COUNTRY_CODE = re.compile(r"[A-Z]{2}")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
PAGE_TYPES = frozenset({"article", "front", "section", "tag", "other"})
DEVICE_CLASSES = frozenset({"mobile", "tablet", "desktop"})
PAYMENT_MARKS = frozenset(
    {
        "visa",
        "mastercard",
        "amex",
        "paypal",
        "sepa",
        "ideal",
        "apple-pay",
        "google-pay",
        "bank",
        "crypto",
    }
)


def split_list(value: str) -> list[str]:
    """'RU, BY,' → ['RU', 'BY']: the stored form of every list field is comma-separated."""
    return [item.strip() for item in value.split(",") if item.strip()]


def join_list(items: list[str]) -> str:
    return ", ".join(items)
