"""Campaigns: a message with its targeting, schedule, frequency rules and copy variants."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from readerfund.campaigns.amounts import amounts_validate
from readerfund.campaigns.lists import (
    COUNTRY_CODE,
    DEVICE_CLASSES,
    LANGUAGE_CODE,
    PAGE_TYPES,
    PAYMENT_MARKS,
    SLUG,
    split_list,
)
from readerfund.payments.registry import payment_marks_offered


class Channel(models.TextChoices):
    BANNER = "banner", _("Banner (docked at the bottom, or in the site's slot)")
    HEADER = "header", _("Header notice (one line)")
    ASK = "ask", _("Ask (end of article)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LIVE = "live", _("Live")
    ARCHIVED = "archived", _("Archived")


class SupporterTargeting(models.TextChoices):
    NON_SUPPORTERS = "non-supporters", _("Readers who do not support us yet")
    SUPPORTERS = "supporters", _("Supporters only")
    EVERYONE = "everyone", _("Everyone")


class SecondaryAction(models.TextChoices):
    REMIND = "remind", _("Remind me later")
    DISMISS = "dismiss", _("Dismiss")
    NONE = "none", _("None")


@deconstructible
class ListValidator:
    """Each entry of a comma-separated list matches `pattern` (and is in `allowed`, if given)."""

    def __init__(self, pattern: str, allowed: tuple[str, ...] = ()) -> None:
        self.pattern = pattern
        self.allowed = allowed

    def __call__(self, value: str) -> None:
        for item in split_list(value):
            if not re.fullmatch(self.pattern, item) or (self.allowed and item not in self.allowed):
                raise ValidationError(_("“%(item)s” is not a valid entry."), params={"item": item})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ListValidator) and (self.pattern, self.allowed) == (
            other.pattern,
            other.allowed,
        )

    def __hash__(self) -> int:
        return hash((self.pattern, self.allowed))


def _list_validator(
    pattern: re.Pattern[str], allowed: frozenset[str] = frozenset()
) -> ListValidator:
    return ListValidator(pattern.pattern, tuple(sorted(allowed)))


class Campaign(models.Model):
    slug = models.SlugField(
        _("identifier"),
        max_length=60,
        unique=True,
        help_text=_("Stable name used in the playbook, the statistics and campaign files."),
    )
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    priority = models.IntegerField(
        _("priority"), default=0, help_text=_("Higher wins when several campaigns match.")
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    control_share = models.PositiveSmallIntegerField(
        _("control share (%)"),
        default=0,
        validators=[MaxValueValidator(90)],
        help_text=_("Readers held out as a control group: they see nothing from this campaign."),
    )

    # Adaptive allocation (docs/experiments.md): the worker moves traffic toward the variants
    # that raise the most per view; the variants' own weights apply until the burn-in ends.
    optimise = models.BooleanField(
        _("optimise"),
        default=False,
        help_text=_("Move traffic toward the variants that raise the most per view."),
    )
    optimise_floor = models.DecimalField(
        _("floor per variant (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("25"))],
        help_text=_("Every variant keeps at least this share of readers."),
    )
    optimise_burn_in = models.PositiveIntegerField(
        _("burn-in (impressions per variant)"),
        default=1000,
        help_text=_("Traffic moves only once every variant has been seen this often."),
    )
    optimise_every_minutes = models.PositiveIntegerField(
        _("update every (minutes)"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(7 * 24 * 60)],
    )
    # Bumped by the editor's "reset readers' variants": a device keeps the variant it was
    # first shown until this changes.
    assignment_round = models.PositiveIntegerField(_("assignment round"), default=0)

    # Targeting. Lists are comma-separated; empty means "any".
    languages = models.CharField(
        _("languages"), max_length=200, blank=True, validators=[_list_validator(LANGUAGE_CODE)]
    )
    countries_include = models.CharField(
        _("only in countries"),
        max_length=1000,
        blank=True,
        validators=[_list_validator(COUNTRY_CODE)],
        help_text=_("ISO 3166 codes, e.g. RU, BY."),
    )
    countries_exclude = models.CharField(
        _("not in countries"),
        max_length=1000,
        blank=True,
        validators=[_list_validator(COUNTRY_CODE)],
    )
    sections_include = models.CharField(
        _("only in sections"), max_length=1000, blank=True, validators=[_list_validator(SLUG)]
    )
    sections_exclude = models.CharField(
        _("not in sections"), max_length=1000, blank=True, validators=[_list_validator(SLUG)]
    )
    tags_include = models.CharField(
        _("only with tags"), max_length=1000, blank=True, validators=[_list_validator(SLUG)]
    )
    tags_exclude = models.CharField(
        _("not with tags"), max_length=1000, blank=True, validators=[_list_validator(SLUG)]
    )
    page_types = models.CharField(
        _("page types"),
        max_length=200,
        blank=True,
        validators=[_list_validator(SLUG, PAGE_TYPES)],
        help_text=_("article, front, section, tag, other."),
    )
    devices = models.CharField(
        _("devices"),
        max_length=100,
        blank=True,
        validators=[_list_validator(SLUG, DEVICE_CLASSES)],
        help_text=_("mobile, tablet, desktop."),
    )
    article_count_min = models.PositiveIntegerField(_("articles read, at least"), default=0)
    article_count_max = models.PositiveIntegerField(
        _("articles read, at most"), null=True, blank=True
    )
    article_count_days = models.PositiveSmallIntegerField(
        _("counting articles over (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    supporters = models.CharField(
        _("supporters"),
        max_length=20,
        choices=SupporterTargeting.choices,
        default=SupporterTargeting.NON_SUPPORTERS,
    )

    # Frequency.
    max_views = models.PositiveSmallIntegerField(
        _("at most this many views"), null=True, blank=True
    )
    max_views_days = models.PositiveSmallIntegerField(
        _("… per days"), default=30, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    min_days_between = models.PositiveSmallIntegerField(
        _("days between views, at least"), default=0, validators=[MaxValueValidator(90)]
    )
    dismiss_days = models.PositiveSmallIntegerField(
        _("hidden after dismissal (days)"), default=30, validators=[MaxValueValidator(90)]
    )
    snooze_days = models.PositiveSmallIntegerField(
        _("hidden after “remind me later” (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "slug"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(starts_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must come after the start.")
        if self.article_count_max is not None and self.article_count_max < self.article_count_min:
            errors["article_count_max"] = _("The maximum must not be below the minimum.")
        if errors:
            raise ValidationError(errors)


# The copy placeholders the embed fills in. It leaves out any element whose placeholder has no
# value, so an unknown name would hide the element for every reader: refuse it here.
PLACEHOLDERS = ("articleCount", "goalRaised", "goalTarget", "goalGap", "goalPercent")


def placeholders_validate(text: str) -> None:
    unknown = sorted(set(re.findall(r"\{(\w+)\}", text)) - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("Unknown placeholder %(names)s; known: %(known)s."),
            params={
                "names": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            },
        )


class Variant(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    key = models.CharField(
        _("identifier"),
        max_length=40,
        validators=[
            RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lowercase letters, digits, dashes."))
        ],
        help_text=_("Stable name, e.g. control or urgent-copy."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Share of readers relative to the other variants."),
    )
    heading = models.CharField(
        _("heading"), max_length=200, blank=True, validators=[placeholders_validate]
    )
    body = models.TextField(
        _("body"),
        blank=True,
        validators=[placeholders_validate],
        help_text=_(
            "Markdown: *emphasis*, **strong**, [links](https://…), lists. Placeholders: "
            "{articleCount}, {goalRaised}, {goalTarget}, {goalGap}, {goalPercent}."
        ),
    )
    highlight = models.CharField(
        _("highlighted sentence"), max_length=300, blank=True, validators=[placeholders_validate]
    )
    cta_label = models.CharField(_("button label"), max_length=80, default="Support us")
    cta_url = models.CharField(
        _("button destination"),
        max_length=500,
        default="/give/",
        validators=[
            RegexValidator(
                r"^(https://|/(?!/))", _("Use an https:// address or a path on this server.")
            )
        ],
        help_text=_("A path on this server (/give/) or an https:// address."),
    )
    secondary = models.CharField(
        _("secondary action"),
        max_length=10,
        choices=SecondaryAction.choices,
        default=SecondaryAction.DISMISS,
    )
    secondary_label = models.CharField(_("secondary label"), max_length=80, blank=True)
    currency = models.CharField(
        _("currency shown"),
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("A three-letter ISO 4217 code."))],
    )
    amounts = models.JSONField(
        _("amounts"),
        default=dict,
        blank=True,
        help_text=_(
            'Per currency and frequency, in minor units: {"USD": {"monthly": {"choices": '
            '[200, 500], "default": 500, "min": 200}}}.'
        ),
    )
    payment_marks = models.CharField(
        _("payment marks"),
        max_length=200,
        blank=True,
        validators=[_list_validator(SLUG, PAYMENT_MARKS)],
        help_text=_("Shown under an ask, e.g. visa, mastercard, paypal, sepa."),
    )
    ticker = models.BooleanField(_("show the goal ticker"), default=False)

    class Meta:
        ordering = ["campaign", "key"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="variant_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.slug}/{self.key}"

    def clean(self) -> None:
        problems: dict[str, list[str]] = {}
        amount_problems = amounts_validate(self.amounts)
        if amount_problems:
            problems["amounts"] = amount_problems
        mark_problems = _marks_not_offered(split_list(self.payment_marks))
        if mark_problems:
            problems["payment_marks"] = mark_problems
        if problems:
            raise ValidationError(problems)


def _marks_not_offered(marks: list[str]) -> list[str]:
    """A variant may narrow the marks the checkout offers, never add one: the ask would
    promise a way to pay that no reader is offered."""
    offered = payment_marks_offered()
    listed = ", ".join(offered) or _("none")
    return [
        _(
            "%(mark)s: no reader's checkout offers it (READERFUND_PAYMENT_METHODS and the "
            "configured providers offer: %(offered)s)."
        )
        % {"mark": mark, "offered": listed}
        for mark in marks
        if mark in PAYMENT_MARKS and mark not in offered
    ]


class PlaybookBuild(models.Model):
    """The compiled playbook, rebuilt whenever a campaign changes.

    Kept in the database so every app server serves the same document; each process holds
    it in its cache and reads this row at most once per cache period, never per page view.
    """

    # The JSON text, not a JSONField: PostgreSQL's jsonb would reorder the keys, and with
    # them the order of the ask's frequencies and the bytes behind the ETag.
    document_json = models.TextField()
    etag = models.CharField(max_length=64)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("playbook build")

    def __str__(self) -> str:
        return f"playbook {self.etag} built {self.built_at:%Y-%m-%d %H:%M}"
