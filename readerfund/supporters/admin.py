"""Supporters in the admin: their gifts, plans and totals, and the data-rights actions (a
copy of their data, erasure)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from readerfund.core.csv_export import export_csv
from readerfund.payments.admin import (
    ContributionInline,
    PlanInline,
    ReadOnlyAdmin,
    admin_money,
    monthly_equivalent,
)
from readerfund.payments.models import ContributionStatus, PlanStatus, RecurringPlan
from readerfund.payments.selectors import plans_counted
from readerfund.supporters.models import Supporter
from readerfund.supporters.privacy import ErasureBlocked, supporter_erase, supporter_export


class ErasedFilter(admin.SimpleListFilter):
    title = _("erased")
    parameter_name = "erased"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(erased_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(erased_at__isnull=True)
        return queryset


@admin.register(Supporter)
class SupporterAdmin(ReadOnlyAdmin):
    list_display = [
        "email",
        "name",
        "gifts",
        "email_consent",
        "language",
        "created_at",
        "erased_at",
    ]
    list_filter = [ErasedFilter, "email_consent", "language"]
    search_fields = [
        "email", "name", "contributions__provider_payment_id", "plans__provider_plan_id",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["email", "name", "email_consent", "language", "created_at"]}),
        (_("Totals"), {"fields": ["totals"]}),
        (_("Erasure"), {"fields": ["erased_at"]}),
    ]
    readonly_fields = ["totals"]
    inlines = [PlanInline, ContributionInline]
    actions = [export_csv, "download_data", "erase_personal_data"]
    csv_fields = ["email", "name", "email_consent", "language", "created_at", "erased_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Supporter]:
        supporters: QuerySet[Supporter] = super().get_queryset(request)
        return supporters.annotate(gift_count=Count("contributions"))

    @admin.display(description=_("gifts"), ordering="gift_count")
    def gifts(self, obj: Supporter) -> int:
        return int(getattr(obj, "gift_count", 0))

    @admin.display(description=_("totals"))
    def totals(self, obj: Supporter) -> SafeString:
        """Per currency: received (net of refunds), awaited, refunded, and active plans."""
        received: dict[str, int] = defaultdict(int)
        pending: dict[str, int] = defaultdict(int)
        refunded: dict[str, int] = defaultdict(int)
        monthly: dict[str, int] = defaultdict(int)
        for c in obj.contributions.all():
            refunded[c.currency] += c.refunded_amount
            if c.status == ContributionStatus.SUCCEEDED:
                received[c.currency] += c.amount - c.refunded_amount
            elif c.status == ContributionStatus.PENDING:
                pending[c.currency] += c.amount
        for plan in plans_counted(obj.plans.all()):
            monthly[plan.currency] += monthly_equivalent(plan)
        lines = []
        for currency in sorted({*received, *pending, *refunded, *monthly}):
            parts = [
                gettext("%(amount)s received")
                % {"amount": admin_money(received[currency], currency)}
            ]
            if pending[currency]:
                parts.append(
                    gettext("%(amount)s awaited")
                    % {"amount": admin_money(pending[currency], currency)}
                )
            if refunded[currency]:
                parts.append(
                    gettext("%(amount)s refunded")
                    % {"amount": admin_money(refunded[currency], currency)}
                )
            if monthly[currency]:
                parts.append(
                    gettext("%(amount)s a month in active plans")
                    % {"amount": admin_money(monthly[currency], currency)}
                )
            lines.append((currency, "; ".join(parts)))
        if not lines:
            return format_html("{}", gettext("No gifts yet."))
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", lines))

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("supporters.change_supporter")

    @admin.action(description=_("Download the supporter's data (JSON)"))
    def download_data(
        self, request: HttpRequest, queryset: QuerySet[Supporter]
    ) -> HttpResponse | None:
        """What the supporter may ask for: everything readerfund holds about them."""
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Select one supporter to download their data."), messages.WARNING
            )
            return None
        supporter = queryset.get()
        body = json.dumps(supporter_export(supporter), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d")
        response["Content-Disposition"] = (
            f'attachment; filename="supporter-{supporter.pk}-{stamp}.json"'
        )
        return response

    @admin.action(description=_("Erase personal data…"), permissions=["erase"])
    def erase_personal_data(
        self, request: HttpRequest, queryset: QuerySet[Supporter]
    ) -> TemplateResponse | None:
        """Asks for confirmation first; then erases each supporter (see supporter_erase)."""
        if request.POST.get("confirm") != "yes":
            plans = RecurringPlan.objects.filter(supporter__in=queryset).exclude(
                status=PlanStatus.CANCELED
            )
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Erase personal data"),
                "opts": self.model._meta,
                "supporters": list(queryset),
                "plans": list(plans.select_related("supporter")),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/supporters/supporter/erase_confirmation.html", context
            )
        erased = 0
        for supporter in queryset:
            try:
                supporter_erase(supporter)
            except ErasureBlocked as error:
                self.message_user(request, f"{supporter}: {error}", messages.ERROR)
                continue
            self.log_change(request, supporter, gettext("Erased personal data"))
            erased += 1
        if erased:
            self.message_user(
                request,
                ngettext(
                    "The personal data of %(n)d supporter was erased.",
                    "The personal data of %(n)d supporters was erased.",
                    erased,
                )
                % {"n": erased},
                messages.SUCCESS,
            )
        return None
