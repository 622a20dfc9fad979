"""Test helpers for integrators too: make a live campaign with one variant in one call."""

from __future__ import annotations

from typing import Any

from readerfund.campaigns.models import Campaign, Status, Variant


def campaign_create(
    *,
    slug: str = "test-banner",
    channel: str = "banner",
    variants: tuple[str, ...] = ("control",),
    variant_fields: dict[str, Any] | None = None,
    **fields: Any,
) -> Campaign:
    campaign = Campaign.objects.create(
        slug=slug, name=fields.pop("name", slug), channel=channel,
        status=fields.pop("status", Status.LIVE), **fields
    )  # fmt: skip
    for key in variants:
        Variant.objects.create(
            campaign=campaign,
            key=key,
            **{"heading": f"{slug} {key} heading", **(variant_fields or {})},
        )
    return campaign


def targeting_everyone() -> dict[str, Any]:
    """A campaign's targeting as the playbook carries it, matching every reader (a fresh
    dict: tests override its rules)."""
    return {
        "countries": {"include": [], "exclude": []},
        "languages": [],
        "sections": {"include": [], "exclude": []},
        "tags": {"include": [], "exclude": []},
        "pageTypes": [],
        "articleCount": {"min": 0, "days": 30},  # no "max": no upper bound
        "supporters": [],  # the reader's supporter status: any
        "devices": [],
    }
