"""Signed preview links: an editor sees one variant on any page, whatever the targeting."""

from __future__ import annotations

from typing import Any
from urllib.parse import urldefrag

from django.core import signing

from readerfund.campaigns.models import Campaign, Variant
from readerfund.campaigns.playbook import campaign_document

SALT = "readerfund.campaigns.preview"
MAX_AGE_SECONDS = 24 * 3600
FRAGMENT_KEY = "readerfund-preview"


class PreviewError(ValueError):
    pass


def preview_token(*, variant: Variant) -> str:
    return signing.dumps({"c": variant.campaign.slug, "v": variant.key}, salt=SALT)


def preview_url(*, page_url: str, variant: Variant) -> str:
    """The page with the preview in its fragment, which never leaves the editor's browser."""
    base, _ = urldefrag(page_url)
    return f"{base}#{FRAGMENT_KEY}={preview_token(variant=variant)}"


def preview_document(*, token: str) -> dict[str, Any]:
    """The campaign as the playbook would carry it, with only the previewed variant."""
    try:
        claims = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise PreviewError("this preview link has expired; make a new one in the admin") from error
    except signing.BadSignature as error:
        raise PreviewError("this preview link is not valid") from error
    variant = (
        Variant.objects.select_related("campaign")
        .filter(campaign__slug=claims.get("c"), key=claims.get("v"))
        .first()
    )
    if variant is None:
        raise PreviewError("the previewed variant no longer exists")
    campaign: Campaign = variant.campaign
    # alone, it takes every reader of the preview, whatever its weight among the others
    return campaign_document(campaign, [variant], weights={variant.key: 1})
