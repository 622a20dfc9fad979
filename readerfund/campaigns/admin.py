"""Editing campaigns: targeting, schedule and frequency in fieldsets, variants inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from readerfund.campaigns.models import Campaign, Status, Variant
from readerfund.campaigns.preview import preview_url


class VariantInline(admin.StackedInline[Variant, Campaign]):
    model = Variant
    extra = 0
    min_num = 1
    fieldsets = [
        (None, {"fields": [("key", "weight")]}),
        (_("Copy"), {"fields": ["heading", "body", "highlight"]}),
        (
            _("Actions"),
            {"fields": [("cta_label", "cta_url"), ("secondary", "secondary_label")]},
        ),
        (_("Amounts (asks)"), {"fields": ["currency", "amounts", "payment_marks", "ticker"]}),
    ]


class PreviewForm(forms.Form):
    variant = forms.ModelChoiceField(queryset=Variant.objects.none(), label=_("Variant"))
    page_url = forms.URLField(
        label=_("Page"),
        help_text=_("Any page of your site that carries the readerfund script."),
        assume_scheme="https",
    )


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin[Campaign]):
    list_display = ["name", "channel", "status", "priority", "starts_at", "ends_at", "preview"]
    list_filter = ["status", "channel"]
    search_fields = ["name", "slug", "variants__heading"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VariantInline]
    actions = ["make_live", "archive", "reset_assignment"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "channel", "status", "priority"]}),
        (_("Schedule (UTC)"), {"fields": [("starts_at", "ends_at")]}),
        (
            _("Who sees it"),
            {
                "fields": [
                    "languages",
                    ("countries_include", "countries_exclude"),
                    ("sections_include", "sections_exclude"),
                    ("tags_include", "tags_exclude"),
                    "page_types",
                    "devices",
                    ("article_count_min", "article_count_max", "article_count_days"),
                    "supporters",
                ]
            },
        ),
        (
            _("How often"),
            {
                "fields": [
                    ("max_views", "max_views_days"),
                    "min_days_between",
                    ("dismiss_days", "snooze_days"),
                ]
            },
        ),
        (
            _("Experiment"),
            {
                "fields": [
                    "control_share",
                    "optimise",
                    ("optimise_floor", "optimise_burn_in", "optimise_every_minutes"),
                ]
            },
        ),
    ]

    @admin.display(description=_("Preview"))
    def preview(self, campaign: Campaign) -> str:
        url = reverse("admin:campaigns_campaign_preview", args=[campaign.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview…"))

    @admin.action(description=_("Make the selected campaigns live"))
    def make_live(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:  # save() per object: the playbook rebuild follows saves
            campaign.status = Status.LIVE
            campaign.save(update_fields=["status", "updated_at"])

    @admin.action(description=_("Archive the selected campaigns"))
    def archive(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            campaign.status = Status.ARCHIVED
            campaign.save(update_fields=["status", "updated_at"])

    @admin.action(description=_("Reset readers' variants (each device draws again)"))
    def reset_assignment(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:  # the embed forgets a device's variant when the round moves
            campaign.assignment_round += 1
            campaign.save(update_fields=["assignment_round", "updated_at"])

    def get_urls(self) -> list[URLPattern]:
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:pk>/preview/", preview, name="campaigns_campaign_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_view_permission(request, campaign):
            return HttpResponse(status=403)
        default_page = (
            request.build_absolute_uri(reverse("demo:front")) if settings.DEMO_SITE else ""
        )
        form = PreviewForm(request.POST or None, initial={"page_url": default_page})
        variants: Any = form.fields["variant"]
        variants.queryset = campaign.variants.all()
        if request.method == "POST" and form.is_valid():
            url = preview_url(
                page_url=form.cleaned_data["page_url"], variant=form.cleaned_data["variant"]
            )
            messages.info(request, _("Opening the preview; the link works for 24 hours."))
            return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview %(name)s") % {"name": campaign.name},
            "campaign": campaign,
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/campaigns/preview.html", context)
