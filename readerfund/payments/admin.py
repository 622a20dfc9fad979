"""The ledger in the admin: read-mostly; money changes only through the services.

Every list exports to CSV. The inlines here show a supporter's gifts and plans on the
supporter's page (readerfund.supporters.admin).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from readerfund.core.csv_export import export_csv
from readerfund.core.money import money_format
from readerfund.payments import selectors
from readerfund.payments.models import (
    Contribution,
    PaymentAttempt,
    PaymentReview,
    ProviderEvent,
    RecurringPlan,
)
from readerfund.payments.registry import providers_all
from readerfund.payments.services import review_resolve


def _language() -> str:
    return translation.to_locale(translation.get_language() or "en")


def admin_money(amount: int, currency: str) -> str:
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


class ReadOnlyInline(admin.TabularInline[Any, Any]):
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
        return admin_money(obj.amount, obj.currency)


class PlanInline(ReadOnlyInline):
    model = RecurringPlan
    fields = readonly_fields = _PLAN_COLUMNS
    ordering = ["-started_at"]

    @admin.display(description=_("amount"))
    def amount_display(self, obj: RecurringPlan) -> str:
        return admin_money(obj.amount, obj.currency)


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
    actions = [export_csv]
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
        return admin_money(obj.amount, obj.currency)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """The list's own actions, and each provider's (e.g. bank transfers received)."""
        actions = super().get_actions(request)
        if self.has_change_permission(request):
            for provider in providers_all():
                for action in provider.contribution_actions():
                    found = self.get_action(action)
                    if found is not None:
                        actions[found[1]] = found
        return actions


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
        return admin_money(obj.amount, obj.currency)

    @admin.display(description=_("a month"))
    def monthly_display(self, obj: RecurringPlan) -> str:
        return admin_money(monthly_equivalent(obj), obj.currency)


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
        return admin_money(obj.amount, obj.currency)


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "type", "event_id"]
    list_filter = ["provider", "type"]
    search_fields = ["event_id"]

    def get_urls(self) -> list[URLPattern]:
        """Each provider's own pages (e.g. a check of its set-up), under this list."""
        pages = [
            path(page.route, self.admin_site.admin_view(page.view), name=f"payments_{page.name}")
            for provider in providers_all()
            for page in provider.admin_pages()
        ]
        return [*pages, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        pages = [
            (page.label, reverse(f"admin:payments_{page.name}"))
            for provider in providers_all()
            for page in provider.admin_pages()
        ]
        return super().changelist_view(request, {**(extra_context or {}), "provider_pages": pages})


@admin.register(PaymentReview)
class PaymentReviewAdmin(ReadOnlyAdmin):
    """Payments that arrived but did not match (crypto paid partly, over or late): each
    shows what was expected and what came; an admin credits what came, or dismisses it
    (the reader is refunded outside readerfund, or the money is kept without a record)."""

    list_display = [
        "noticed_at", "provider", "reason", "expected_display", "received_display", "received",
        "resolution",
    ]  # fmt: skip
    list_filter = ["reason", "provider", "resolution"]
    search_fields = ["provider_payment_id"]
    actions = [export_csv, "credit_received", "dismiss"]
    csv_fields = [
        "noticed_at", "provider", "provider_payment_id", "reason", "expected_amount",
        "received_amount", "currency", "received", "resolution", "resolved_at",
    ]  # fmt: skip

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("payments.change_paymentreview")  # for the actions

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in PaymentReview._meta.fields]

    @admin.display(description=_("expected"), ordering="expected_amount")
    def expected_display(self, obj: PaymentReview) -> str:
        return admin_money(obj.expected_amount, obj.currency)

    @admin.display(description=_("received (converted)"), ordering="received_amount")
    def received_display(self, obj: PaymentReview) -> str:
        return admin_money(obj.received_amount, obj.currency)

    def _resolve(self, request: HttpRequest, queryset: QuerySet[PaymentReview], how: str) -> None:
        done = sum(review_resolve(review_id=r.pk, resolution=how) for r in queryset)
        self.message_user(
            request,
            ngettext("%(n)d payment resolved.", "%(n)d payments resolved.", done) % {"n": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Credit the amount received"))
    def credit_received(self, request: HttpRequest, queryset: QuerySet[PaymentReview]) -> None:
        self._resolve(request, queryset, "credited")

    @admin.action(description=_("Dismiss (nothing is credited)"))
    def dismiss(self, request: HttpRequest, queryset: QuerySet[PaymentReview]) -> None:
        self._resolve(request, queryset, "dismissed")
