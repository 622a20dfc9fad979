"""Campaigns as code: every live and draft campaign as YAML, and back.

The schema is the table of paths below: each model field has one place in the file. A file
is checked whole before anything is written; one error anywhere and nothing is loaded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readerfund.campaigns.lists import join_list, split_list
from readerfund.campaigns.models import Campaign, Status, Variant

FILE_VERSION = 1

# (path in the file, model field, kind). kind "list" is a YAML list stored comma-separated;
# "datetime" is an ISO 8601 timestamp (UTC when no offset is given); "decimal" a YAML number.
CAMPAIGN_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("slug", "slug", "value"),
    ("name", "name", "value"),
    ("channel", "channel", "value"),
    ("status", "status", "value"),
    ("priority", "priority", "value"),
    ("schedule.starts", "starts_at", "datetime"),
    ("schedule.ends", "ends_at", "datetime"),
    ("control_share", "control_share", "value"),
    ("allocation.optimise", "optimise", "value"),
    ("allocation.floor_percent", "optimise_floor", "decimal"),
    ("allocation.burn_in", "optimise_burn_in", "value"),
    ("allocation.every_minutes", "optimise_every_minutes", "value"),
    ("allocation.round", "assignment_round", "value"),
    ("targeting.languages", "languages", "list"),
    ("targeting.countries.include", "countries_include", "list"),
    ("targeting.countries.exclude", "countries_exclude", "list"),
    ("targeting.sections.include", "sections_include", "list"),
    ("targeting.sections.exclude", "sections_exclude", "list"),
    ("targeting.tags.include", "tags_include", "list"),
    ("targeting.tags.exclude", "tags_exclude", "list"),
    ("targeting.page_types", "page_types", "list"),
    ("targeting.devices", "devices", "list"),
    ("targeting.article_count.min", "article_count_min", "value"),
    ("targeting.article_count.max", "article_count_max", "value"),
    ("targeting.article_count.days", "article_count_days", "value"),
    ("targeting.supporters", "supporters", "value"),
    ("frequency.max_views", "max_views", "value"),
    ("frequency.per_days", "max_views_days", "value"),
    ("frequency.min_days_between", "min_days_between", "value"),
    ("frequency.dismiss_days", "dismiss_days", "value"),
    ("frequency.snooze_days", "snooze_days", "value"),
)
VARIANT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("key", "key", "value"),
    ("weight", "weight", "value"),
    ("heading", "heading", "value"),
    ("body", "body", "value"),
    ("highlight", "highlight", "value"),
    ("cta.label", "cta_label", "value"),
    ("cta.url", "cta_url", "value"),
    ("secondary.action", "secondary", "value"),
    ("secondary.label", "secondary_label", "value"),
    ("currency", "currency", "value"),
    ("amounts", "amounts", "value"),
    ("payment_marks", "payment_marks", "list"),
    ("ticker", "ticker", "value"),
)
REQUIRED_CAMPAIGN_PATHS = {"slug", "name", "channel"}
REQUIRED_VARIANT_PATHS = {"key"}


class CampaignFileError(ValueError):
    """The file was rejected whole; `errors` name the place and the reason of each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class LoadResult:
    created: list[str]
    updated: list[str]


# ---- dump -------------------------------------------------------------------------------


def _to_file(value: Any, kind: str) -> Any:
    if kind == "list":
        return split_list(value)
    if kind == "datetime":
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z") if value else None
    if kind == "decimal":
        return float(value)
    return value


def _nest(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for path, value in pairs:
        *parents, leaf = path.split(".")
        node = document
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return document


def campaigns_dump() -> str:
    """YAML of every live and draft campaign (archived ones stay in the database only)."""
    campaigns = (
        Campaign.objects.exclude(status=Status.ARCHIVED)
        .prefetch_related("variants")
        .order_by("slug")
    )
    documents = []
    for campaign in campaigns:
        document = _nest(
            [(p, _to_file(getattr(campaign, f), kind)) for p, f, kind in CAMPAIGN_FIELDS]
        )
        document["variants"] = [
            _nest([(p, _to_file(getattr(variant, f), kind)) for p, f, kind in VARIANT_FIELDS])
            for variant in campaign.variants.all()
        ]
        documents.append(document)
    return yaml.safe_dump(
        {"version": FILE_VERSION, "campaigns": documents},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )


# ---- load -------------------------------------------------------------------------------

_MISSING = object()


def _flatten(document: Any, where: str, errors: list[str], known: set[str]) -> dict[str, Any]:
    """{'a': {'b': 1}} → {'a.b': 1}, reporting keys the schema does not know."""
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if path in known:
                flat[path] = value
            elif isinstance(value, dict) and any(k.startswith(path + ".") for k in known):
                walk(value, path + ".")
            else:
                errors.append(f"{where}.{path}: unknown field")

    if not isinstance(document, dict):
        errors.append(f"{where}: expected a mapping")
        return flat
    walk(document, "")
    return flat


def _from_file(value: Any, kind: str, where: str, errors: list[str]) -> Any:
    if kind == "list":
        if value is None:
            return ""
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            errors.append(f"{where}: expected a list of strings")
            return ""
        return join_list(value)
    if kind == "datetime":
        if value is None or isinstance(value, datetime.datetime):
            moment = value
        else:
            try:
                moment = datetime.datetime.fromisoformat(str(value))
            except ValueError:
                errors.append(f"{where}: expected an ISO 8601 date and time")
                return None
        if moment is not None and timezone.is_naive(moment):
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(f"{where}: expected a number")
            return None
        return Decimal(str(value))
    return value


def _apply(
    instance: Any,
    flat: dict[str, Any],
    fields: tuple[tuple[str, str, str], ...],
    where: str,
    errors: list[str],
) -> None:
    for path, field, kind in fields:
        value = flat.get(path, _MISSING)
        if value is _MISSING:
            continue  # absent: the model's default
        setattr(instance, field, _from_file(value, kind, f"{where}.{path}", errors))


def _validate(
    instance: Any,
    fields: tuple[tuple[str, str, str], ...],
    where: str,
    errors: list[str],
    exclude: list[str],
) -> None:
    path_of = {field: path for path, field, _ in fields}
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            place = path_of.get(field, field)
            for message in messages:
                errors.append(f"{where}.{place}: {message}")
    except (TypeError, ValueError) as error:  # e.g. a mapping where a number belongs
        errors.append(f"{where}: {error}")


@dataclass
class _Planned:
    campaign: Campaign
    variants: list[Variant]


def _plan(text: str) -> list[_Planned]:
    """Parses and validates the whole file; raises CampaignFileError listing every problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CampaignFileError([f"not valid YAML: {error}"]) from error
    errors: list[str] = []
    if not isinstance(document, dict) or set(document) - {"version", "campaigns"}:
        raise CampaignFileError(["expected a mapping with 'version' and 'campaigns'"])
    if document.get("version") != FILE_VERSION:
        raise CampaignFileError([f"version: expected {FILE_VERSION}"])
    if not isinstance(document.get("campaigns"), list):
        raise CampaignFileError(["campaigns: expected a list"])

    existing = {c.slug: c for c in Campaign.objects.all()}
    planned: list[_Planned] = []
    seen_slugs: set[str] = set()
    campaign_paths = {path for path, _, _ in CAMPAIGN_FIELDS} | {"variants"}
    variant_paths = {path for path, _, _ in VARIANT_FIELDS}
    for index, raw in enumerate(document["campaigns"]):
        slug = raw.get("slug") if isinstance(raw, dict) else None
        where = f"campaigns[{index}] ({slug})" if isinstance(slug, str) else f"campaigns[{index}]"
        flat = _flatten(raw, where, errors, campaign_paths)
        for required in sorted(REQUIRED_CAMPAIGN_PATHS - set(flat)):
            errors.append(f"{where}.{required}: required")
        if isinstance(slug, str):
            if slug in seen_slugs:
                errors.append(f"{where}.slug: appears twice in the file")
            seen_slugs.add(slug)
        campaign = existing.get(slug) if isinstance(slug, str) else None
        campaign = campaign or Campaign()
        _apply(campaign, flat, CAMPAIGN_FIELDS, where, errors)
        _validate(campaign, CAMPAIGN_FIELDS, where, errors, exclude=[])

        raw_variants = flat.get("variants")
        if not isinstance(raw_variants, list) or not raw_variants:
            errors.append(f"{where}.variants: at least one variant is required")
            raw_variants = []
        variants, keys = [], set()
        for variant_index, raw_variant in enumerate(raw_variants):
            variant_where = f"{where}.variants[{variant_index}]"
            variant_flat = _flatten(raw_variant, variant_where, errors, variant_paths)
            for required in sorted(REQUIRED_VARIANT_PATHS - set(variant_flat)):
                errors.append(f"{variant_where}.{required}: required")
            key = variant_flat.get("key")
            if key in keys:
                errors.append(f"{variant_where}.key: appears twice in this campaign")
            keys.add(key)
            variant = Variant()
            _apply(variant, variant_flat, VARIANT_FIELDS, variant_where, errors)
            _validate(variant, VARIANT_FIELDS, variant_where, errors, exclude=["campaign"])
            variants.append(variant)
        planned.append(_Planned(campaign, variants))
    if errors:
        raise CampaignFileError(errors)
    return planned


@transaction.atomic
def campaigns_load(*, text: str) -> LoadResult:
    """Creates or updates each campaign in the file (matched by slug) with exactly the
    variants the file lists. Campaigns not in the file are left alone. All or nothing."""
    planned = _plan(text)
    created: list[str] = []
    updated: list[str] = []
    for item in planned:
        is_new = item.campaign.pk is None
        item.campaign.save()
        (created if is_new else updated).append(item.campaign.slug)
        item.campaign.variants.exclude(key__in=[v.key for v in item.variants]).delete()
        current = {v.key: v for v in item.campaign.variants.all()}
        for variant in item.variants:
            if variant.key in current:
                variant.pk = current[variant.key].pk
            variant.campaign = item.campaign
            variant.save()
    return LoadResult(created, updated)
