"""The ledger in the admin: read-mostly; money changes only through the services.

Every list exports to CSV; a supporter's page shows their gifts, plans and totals, and
the supporter list carries the data-rights actions (a copy of their data, erasure).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from readerfund.core.csv_export import export_csv
from readerfund.core.money import money_format
from readerfund.payments import selectors
from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    PaymentAttempt,
    PlanStatus,
    ProviderEvent,
    RecurringPlan,
    Supporter,
)
from readerfund.payments.services import transfer_mark_received
from readerfund.supporters.privacy import ErasureBlocked, supporter_erase, supporter_export


def _language() -> str:
    return translation.to_locale(translation.get_language() or "en")


def _money(amount: int, currency: str) -> str:
    return money_format(amount, currency, _language())


def monthly_equivalent(plan: RecurringPlan) -> int:
    """What the plan brings in a month, in minor units, as the goal counts it."""
    return selectors.monthly_equivalent(amount=plan.amount, frequency=plan.frequency)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Ledger rows are written by the payment services, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline[Any, Supporter]):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


_CONTRIBUTION_COLUMNS = (
    "created_at", "amount_display", "frequency", "status", "provider", "campaign",
)  # fmt: skip
_PLAN_COLUMNS = (
    "started_at", "amount_display", "frequency", "status", "cancel_reason", "provider",
)  # fmt: skip


class ContributionInline(ReadOnlyInline):
    model = Contribution
    fields = readonly_fields = _CONTRIBUTION_COLUMNS
    ordering = ["-created_at"]

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Contribution) -> str:
        return _money(obj.amount, obj.currency)


class PlanInline(ReadOnlyInline):
    model = RecurringPlan
    fields = readonly_fields = _PLAN_COLUMNS
    ordering = ["-started_at"]

    @admin.display(description=_("amount"))
    def amount_display(self, obj: RecurringPlan) -> str:
        return _money(obj.amount, obj.currency)


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
        for plan in obj.plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.PAST_DUE]):
            monthly[plan.currency] += monthly_equivalent(plan)
        lines = []
        for currency in sorted({*received, *pending, *refunded, *monthly}):
            parts = [
                gettext("%(amount)s received") % {"amount": _money(received[currency], currency)}
            ]
            if pending[currency]:
                parts.append(
                    gettext("%(amount)s awaited") % {"amount": _money(pending[currency], currency)}
                )
            if refunded[currency]:
                parts.append(
                    gettext("%(amount)s refunded")
                    % {"amount": _money(refunded[currency], currency)}
                )
            if monthly[currency]:
                parts.append(
                    gettext("%(amount)s a month in active plans")
                    % {"amount": _money(monthly[currency], currency)}
                )
            lines.append((currency, "; ".join(parts)))
        if not lines:
            return format_html("{}", gettext("No gifts yet."))
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", lines))

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.change_supporter")

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
                request, "admin/payments/supporter/erase_confirmation.html", context
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


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "supporter", "amount_display", "frequency", "status", "provider",
        "campaign", "variant",
    ]  # fmt: skip
    list_filter = ["status", "frequency", "currency", "provider", "channel", "anonymous"]
    search_fields = [
        "supporter__email", "supporter__name", "provider_payment_id", "plan__provider_plan_id",
        "campaign",
    ]  # fmt: skip
    list_select_related = ["supporter"]
    actions = [export_csv, "mark_received"]
    csv_fields = [
        "created_at", "received_at", "supporter__email", "supporter__name", "amount",
        "refunded_amount", "currency", "frequency", "status", "anonymous", "provider",
        "provider_payment_id", "plan__provider_plan_id", "campaign", "variant", "channel",
    ]  # fmt: skip

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("payments.change_contribution")  # for the action

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in Contribution._meta.fields]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Contribution) -> str:
        return _money(obj.amount, obj.currency)

    @admin.action(description=_("Mark the selected bank transfers as received"))
    def mark_received(self, request: HttpRequest, queryset: QuerySet[Contribution]) -> None:
        pending = queryset.filter(status=ContributionStatus.PENDING)
        marked = sum(transfer_mark_received(contribution_id=c.pk) for c in pending)
        self.message_user(
            request,
            ngettext("%(n)d transfer marked received.", "%(n)d transfers marked received.", marked)
            % {"n": marked},
            messages.SUCCESS,
        )


@admin.register(RecurringPlan)
class RecurringPlanAdmin(ReadOnlyAdmin):
    list_display = [
        "supporter", "amount_display", "frequency", "monthly_display", "status",
        "cancel_reason", "provider", "started_at", "canceled_at",
    ]  # fmt: skip
    list_filter = ["status", "frequency", "currency", "provider", "cancel_reason"]
    search_fields = ["supporter__email", "supporter__name", "provider_plan_id", "campaign"]
    list_select_related = ["supporter"]
    actions = [export_csv]
    csv_fields = [
        "started_at", "supporter__email", "supporter__name", "amount", "currency", "frequency",
        "status", "canceled_at", "cancel_reason", "cancel_note", "provider", "provider_plan_id",
        "campaign", "variant", "channel",
    ]  # fmt: skip

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: RecurringPlan) -> str:
        return _money(obj.amount, obj.currency)

    @admin.display(description=_("a month"))
    def monthly_display(self, obj: RecurringPlan) -> str:
        return _money(monthly_equivalent(obj), obj.currency)


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "email", "amount_display", "frequency", "provider", "status", "campaign",
    ]  # fmt: skip
    list_filter = ["status", "provider", "frequency", "currency"]
    search_fields = ["email", "name", "provider_reference", "public_id"]
    actions = [export_csv]
    csv_fields = [
        "created_at", "public_id", "email", "name", "amount", "currency", "frequency",
        "provider", "provider_reference", "status", "anonymous", "email_consent", "language",
        "campaign", "variant", "channel",
    ]  # fmt: skip

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: PaymentAttempt) -> str:
        return _money(obj.amount, obj.currency)


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "type", "event_id"]
    list_filter = ["provider", "type"]
    search_fields = ["event_id"]
