"""The ledger in the admin: read-mostly; money changes only through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    PaymentAttempt,
    ProviderEvent,
    RecurringPlan,
    Supporter,
)
from readerfund.payments.services import transfer_mark_received


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Ledger rows are written by the payment services, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Supporter)
class SupporterAdmin(ReadOnlyAdmin):
    list_display = ["email", "name", "email_consent", "language", "created_at"]
    search_fields = ["email", "name"]


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "supporter", "amount", "currency", "frequency", "status", "provider",
        "campaign", "variant",
    ]  # fmt: skip
    list_filter = ["status", "provider", "frequency", "currency"]
    search_fields = ["supporter__email", "provider_payment_id"]
    actions = ["mark_received"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("payments.change_contribution")  # for the action

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in Contribution._meta.fields]

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
        "supporter",
        "amount",
        "currency",
        "frequency",
        "status",
        "provider",
        "started_at",
    ]
    list_filter = ["status", "provider", "frequency"]
    search_fields = ["supporter__email", "provider_plan_id"]


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "email", "amount", "currency", "frequency", "provider", "status"]
    list_filter = ["status", "provider"]
    search_fields = ["email", "provider_reference"]


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "type", "event_id"]
    list_filter = ["provider", "type"]
    search_fields = ["event_id"]
