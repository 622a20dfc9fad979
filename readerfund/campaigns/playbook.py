"""The playbook: every live campaign compiled into one cacheable document, and the embed
bundle that carries it (`/embed.js` = the embed's code called with the playbook)."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import override, pgettext

from readerfund.campaigns.lists import split_list
from readerfund.campaigns.models import (
    Campaign,
    PlaybookBuild,
    SecondaryAction,
    Status,
    SupporterTargeting,
    Variant,
)
from readerfund.core.http import etag_for
from readerfund.core.playbook_parts import (
    playbook_endpoints,
    playbook_sections,
    playbook_weights,
)
from readerfund.core.richtext import copy_to_html_blocks, plain_text
from readerfund.payments.models import Frequency

# 2: strings; an ask's amounts compiled for its currency; no secondary action is null.
# 3: the schedule in unix seconds; open bounds left out; codes in one case; only variants
# with a weight; campaigns highest priority first; supporters as a list of statuses; the
# body in blocks; tickerLine; the secondary action names the embed's act.
PLAYBOOK_VERSION = 3
CACHE_KEY = f"readerfund:playbook:v{PLAYBOOK_VERSION}"
# How stale another app server's copy may be after an editor saves (seconds). Within one
# process the cache is replaced at once; this bounds the database reads to one per period.
CACHE_SECONDS = 30
# Built by js/build.mjs from js/embed/ (ES modules and embed.css) and committed, so that
# installing readerfund needs no Node; scripts/test fails when it is stale.
EMBED_BUNDLE = Path(__file__).parent / "bundle" / "embed.js"
PLAYBOOK_PLACE = "__READERFUND_PLAYBOOK__"
# A campaign's supporter rule as a list of the reader's `supporter` status it shows to
# (empty: any), so that the embed matches it like every other list.
SUPPORTER_STATUSES = {
    SupporterTargeting.NON_SUPPORTERS: [False],
    SupporterTargeting.SUPPORTERS: [True],
    SupporterTargeting.EVERYONE: [],
}

# Names of brands, the same in every language; any other mark (the bank transfer) is
# translated in embed_strings.
BRAND_MARKS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "Amex",
    "paypal": "PayPal",
    "sepa": "SEPA",
    "ideal": "iDEAL",
    "apple-pay": "Apple Pay",
    "google-pay": "Google Pay",
}


@dataclass(frozen=True)
class Playbook:
    document: dict[str, Any]
    json: bytes
    etag: str
    embed_js: bytes
    embed_js_gzip: bytes  # compressed once per build, not per request
    embed_etag: str


def _iso(moment: Any) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _unix(moment: Any) -> int | None:
    return int(moment.timestamp()) if moment else None


def _bounds(**bounds: int | None) -> dict[str, int]:
    """The bounds that are set. An open bound is left out: the embed tests a bound as "not
    beyond it", e.g. `!(now >= end)`, which an absent bound never fails."""
    return {name: bound for name, bound in bounds.items() if bound is not None}


def _include_exclude(
    include: str, exclude: str, case: Callable[[str], str] = str
) -> dict[str, list[str]]:
    return {
        "include": [case(code) for code in split_list(include)],
        "exclude": [case(code) for code in split_list(exclude)],
    }


def _ask_amounts(variant: Variant) -> dict[str, dict[str, Any]]:
    """The choices in the variant's currency, per frequency that has any, in the order the
    ask shows them; each with the amount preselected (its default, else the first)."""
    offered = (variant.amounts or {}).get(variant.currency) or {}
    amounts = {}
    for frequency in Frequency.values:
        choices = (offered.get(frequency) or {}).get("choices") or []
        if choices:
            default = offered[frequency].get("default")
            amounts[frequency] = {
                "choices": choices,
                "default": default if default in choices else choices[0],
            }
    return amounts


def variant_document(variant: Variant, *, weight: float | None = None) -> dict[str, Any]:
    amounts = _ask_amounts(variant)
    heading, highlight = plain_text(variant.heading), plain_text(variant.highlight)
    body = copy_to_html_blocks(variant.body)
    return {
        "id": variant.key,
        "weight": variant.weight if weight is None else weight,
        "heading": heading,
        "body": body,
        "highlight": highlight,
        "cta": {"label": plain_text(variant.cta_label), "url": variant.cta_url},
        # act: what the embed records, "snooze" (remind me later) or "dismiss"
        "secondary": None
        if variant.secondary == SecondaryAction.NONE
        else {
            "act": "snooze" if variant.secondary == SecondaryAction.REMIND else "dismiss",
            "label": plain_text(variant.secondary_label),
        },
        "currency": variant.currency,
        "amounts": amounts,
        # preselected: monthly where offered
        "frequency": "monthly" if "monthly" in amounts else next(iter(amounts), None),
        "paymentMarks": split_list(variant.payment_marks),
        "ticker": variant.ticker,
        # the goal figure is written once per message: the ticker's line only where the
        # copy does not state it
        "tickerLine": variant.ticker and "{goal" not in "".join([heading, *body, highlight]),
    }


def campaign_document(
    campaign: Campaign, variants: list[Variant], *, weights: dict[str, float] | None = None
) -> dict[str, Any]:
    """`weights`: computed weights (an optimised campaign's) replacing the variants' own.
    A variant without weight (0) reaches no reader and is left out."""
    weights = weights or {}
    documents = [variant_document(variant, weight=weights.get(variant.key)) for variant in variants]
    return {
        "id": campaign.slug,
        "channel": campaign.channel,
        "priority": campaign.priority,
        # unix seconds, start <= now < end; either may be absent (open)
        **_bounds(start=_unix(campaign.starts_at), end=_unix(campaign.ends_at)),
        "controlShare": campaign.control_share,
        # a device keeps the variant it was first shown while the round stays the same
        "round": campaign.assignment_round,
        "optimised": campaign.optimise,
        "targeting": {
            # as /api/geo answers them, upper case
            "countries": _include_exclude(
                campaign.countries_include, campaign.countries_exclude, str.upper
            ),
            # the embed lower-cases the page's language tag to compare
            "languages": [code.lower() for code in split_list(campaign.languages)],
            "sections": _include_exclude(campaign.sections_include, campaign.sections_exclude),
            "tags": _include_exclude(campaign.tags_include, campaign.tags_exclude),
            "pageTypes": split_list(campaign.page_types),
            "articleCount": {
                "min": campaign.article_count_min,
                **_bounds(max=campaign.article_count_max),
                "days": campaign.article_count_days,
            },
            "supporters": SUPPORTER_STATUSES[SupporterTargeting(campaign.supporters)],
            "devices": split_list(campaign.devices),
        },
        "frequency": {
            **_bounds(maxViews=campaign.max_views),
            "perDays": campaign.max_views_days,
            "minDaysBetween": campaign.min_days_between,
            "dismissDays": campaign.dismiss_days,
            "snoozeDays": campaign.snooze_days,
        },
        "variants": [document for document in documents if document["weight"] > 0],
    }


def _embed_strings_here() -> dict[str, Any]:
    """The embed's own labels in the active language. Placeholders in braces are filled by
    the embed: {goalRaised} and {goalTarget} as in campaign copy, {amount} the chosen gift."""
    return {
        "close": pgettext("embed", "Close"),
        "later": pgettext("embed", "We'll ask again later."),
        "often": pgettext("embed", "How often"),
        "amount": pgettext("embed", "Amount"),
        "methods": pgettext("embed", "Payment methods"),
        # opens a banner shown in one line on a small screen
        "more": pgettext("embed", "More"),
        "goal": pgettext("embed", "{goalRaised} of {goalTarget} this month"),
        "freq": {
            "one_off": pgettext("embed", "Once"),
            "monthly": pgettext("embed", "Monthly"),
            "annual": pgettext("embed", "Yearly"),
        },
        "give": {
            "one_off": pgettext("embed", "Give {amount} once"),
            "monthly": pgettext("embed", "Give {amount} a month"),
            "annual": pgettext("embed", "Give {amount} a year"),
        },
        # a label for each of PAYMENT_MARKS
        "marks": {
            **BRAND_MARKS,
            "bank": pgettext("embed", "Bank transfer"),
            "crypto": pgettext("embed", "Crypto"),
        },
    }


def embed_strings() -> dict[str, dict[str, Any]]:
    """The embed's labels in every language readerfund speaks, keyed by language code; the
    embed picks the page's language, else English. They belong to the code, not to the
    campaigns: the translation catalogue is their source."""
    strings = {}
    for code, _name in settings.LANGUAGES:
        with override(code):
            strings[code] = _embed_strings_here()
    return strings


def playbook_document() -> dict[str, Any]:
    """All live campaigns that have not ended and have a variant to show, highest priority
    first (the embed takes the first match of each channel; ties: by id)."""
    now = timezone.now()
    campaigns = (
        Campaign.objects.filter(status=Status.LIVE)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .prefetch_related("variants")
        .order_by("-priority", "slug")
    )
    weights = playbook_weights()
    documents = [
        campaign_document(
            campaign, list(campaign.variants.all()), weights=weights.get(campaign.slug)
        )
        for campaign in campaigns
    ]
    documents = [document for document in documents if document["variants"]]
    # what each app registered (readerfund.core.playbook_parts): sections such as the goal's
    # stored figure and the payment marks offered per country, never a live computation
    sections = playbook_sections()
    marks_per_country = {tuple(marks) for marks in (sections.get("methods") or {}).values()}
    return {
        "version": PLAYBOOK_VERSION,
        "generated": _iso(now),
        "endpoints": playbook_endpoints(),
        # the country is looked up only where it changes what a reader sees
        "needsCountry": any(
            doc["targeting"]["countries"]["include"]
            or doc["targeting"]["countries"]["exclude"]
            or (
                len(marks_per_country) > 1
                and any(variant["paymentMarks"] for variant in doc["variants"])
            )
            for doc in documents
        ),
        **sections,
        "strings": embed_strings(),
        "campaigns": documents,
    }


@cache
def embed_code() -> str:
    """The embed's built code, its stylesheet inside (read once per process)."""
    return EMBED_BUNDLE.read_text(encoding="utf-8").strip()


def embed_bundle(document: dict[str, Any]) -> bytes:
    """What /embed.js serves: the embed's code with the playbook in its place."""
    encoded = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    before, after = embed_code().split(PLAYBOOK_PLACE)
    return (before + encoded + after + "\n").encode()


def _package(document: dict[str, Any]) -> Playbook:
    encoded = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    bundle = embed_bundle(document)
    return Playbook(
        document, encoded, etag_for(encoded), bundle, gzip.compress(bundle, 9), etag_for(bundle)
    )


# This process's copy, so that serving needs neither a query nor a cache round trip
# (the cache unpickles on every read). Replaced on rebuild; trusted for CACHE_SECONDS.
_local: tuple[float, Playbook] | None = None


def _remember(playbook: Playbook) -> Playbook:
    global _local
    _local = (time.monotonic() + CACHE_SECONDS, playbook)
    django_cache.set(CACHE_KEY, playbook, CACHE_SECONDS)
    return playbook


def playbook_forget() -> None:
    """Drops this process's copies (tests; an operator's shell after a manual change)."""
    global _local
    _local = None
    django_cache.delete(CACHE_KEY)


def playbook_rebuild() -> Playbook:
    """Compiles the playbook, stores it for every app server and refreshes this process."""
    document = playbook_document()
    playbook = _package(document)
    with transaction.atomic():
        PlaybookBuild.objects.update_or_create(
            pk=1,
            defaults={
                "document_json": json.dumps(document, ensure_ascii=False),
                "etag": playbook.etag,
                "built_at": timezone.now(),
            },
        )
    return _remember(playbook)


def playbook_current() -> Playbook:
    """The playbook to serve: this process's copy, else the cache, else one read of the build."""
    if _local is not None and _local[0] > time.monotonic():
        return _local[1]
    playbook: Playbook | None = django_cache.get(CACHE_KEY)
    if playbook is not None:
        return _remember(playbook)
    build = PlaybookBuild.objects.filter(pk=1).first()
    stored = json.loads(build.document_json) if build is not None else {}
    if build is None or stored.get("version") != PLAYBOOK_VERSION:
        return playbook_rebuild()  # none yet, or stored by a release with another format
    if f"{build.built_at:%Y-%m}" != f"{timezone.now():%Y-%m}":
        # Built last month (UTC): the goal it carries was last month's. Normally the worker
        # rebuilds as the month turns; without it, the first read of the month does.
        return playbook_rebuild()
    # The labels as this release translates them (they belong to the code, not the campaigns).
    return _remember(_package({**stored, "strings": embed_strings()}))
