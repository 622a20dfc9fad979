"""The "Bank statements" admin page: upload a statement, see what the last imports did,
and settle the entries that did not match exactly — assign one to a pending transfer
(choose it, press "Credit": two clicks) or say it is no gift."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from readerfund.payments.admin import admin_money
from readerfund.payments.models import Contribution, ContributionStatus
from readerfund.payments.statements.entries import StatementRefused
from readerfund.payments.statements.forms import AssignForm, StatementUploadForm
from readerfund.payments.statements.models import Outcome, Statement, StatementEntry
from readerfund.payments.statements.services import (
    PROVIDER,
    AssignRefused,
    entry_assign,
    entry_dismiss,
    statement_import,
)

#: Review entries shown on the page, and pending transfers offered for each.
REVIEW_SHOWN = 100
CHOICES_SHOWN = 15

# Importing and assigning move money: the same permission as "mark received".
MONEY_PERMISSION = "payments.change_contribution"


def _money(amount: int, currency: str) -> str:
    return admin_money(amount, currency)


def _choices(entry: StatementEntry) -> list[tuple[str, str]]:
    """Pending transfers the entry may pay, likeliest first: the reference its text names,
    then those of its exact amount, then the others of its currency."""
    pending = Contribution.objects.filter(
        provider=PROVIDER, status=ContributionStatus.PENDING, currency=entry.currency
    ).select_related("supporter")
    named = list(pending.filter(provider_payment_id=entry.reference)) if entry.reference else []
    same = list(pending.filter(amount=entry.amount).exclude(provider_payment_id=entry.reference))
    others = list(
        pending.exclude(amount=entry.amount)
        .exclude(provider_payment_id=entry.reference)
        .order_by("-created_at")[:CHOICES_SHOWN]
    )
    found = (named + same + others)[:CHOICES_SHOWN]
    return [
        (
            c.provider_payment_id,
            f"{c.provider_payment_id} · {_money(c.amount, c.currency)} · "
            f"{c.supporter.email if c.supporter else '-'} · {c.created_at:%Y-%m-%d}",
        )
        for c in found
    ]


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin[Statement]):
    """The changelist is the "Bank statements" page itself."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(MONEY_PERMISSION)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="statements_upload"),
            path("entry/<int:entry_id>/assign/", wrap(self.assign_view), name="statements_assign"),
            path(
                "entry/<int:entry_id>/dismiss/", wrap(self.dismiss_view), name="statements_dismiss"
            ),
            *super().get_urls(),
        ]

    def _page(self) -> str:
        return reverse("admin:statements_statement_changelist")

    def _allowed(self, request: HttpRequest) -> None:
        if request.method != "POST" or not request.user.has_perm(MONEY_PERMISSION):
            raise PermissionDenied

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        review = list(StatementEntry.objects.filter(outcome=Outcome.REVIEW)[:REVIEW_SHOWN])
        context = {
            **self.admin_site.each_context(request),
            "title": gettext_lazy("Bank statements"),
            "opts": self.model._meta,
            "upload_form": StatementUploadForm(),
            "statements": Statement.objects.all()[:10],
            "review": [
                {"entry": e, "amount": _money(e.amount, e.currency), "choices": _choices(e)}
                for e in review
            ],
            "review_total": StatementEntry.objects.filter(outcome=Outcome.REVIEW).count(),
        }
        return TemplateResponse(request, "admin/statements/statements.html", context)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        self._allowed(request)
        form = StatementUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for error in form.errors.get("file", []):
                self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(self._page())
        upload = form.files.get("file")
        name = getattr(upload, "name", None) or "statement"
        try:
            report = statement_import(
                data=form.cleaned_data["file"], filename=name, user=request.user
            )
        except StatementRefused as refused:
            self.message_user(
                request,
                _("The file %(file)s was refused and nothing of it was imported: %(why)s")
                % {"file": name, "why": refused},
                messages.ERROR,
            )
            return HttpResponseRedirect(self._page())
        self.message_user(
            request,
            _(
                "Imported %(file)s: %(entries)d entries read; %(credited)d transfers credited, "
                "%(orders)d standing order payments, %(review)d to review, "
                "%(known)d imported before."
            )
            % {
                "file": name,
                "entries": report.entries,
                "credited": report.credited,
                "orders": report.standing_orders,
                "review": report.to_review,
                "known": report.known,
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._page())

    def assign_view(self, request: HttpRequest, entry_id: int) -> HttpResponse:
        self._allowed(request)
        get_object_or_404(StatementEntry, pk=entry_id)
        form = AssignForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request, _("Choose the transfer this payment is for."), messages.ERROR
            )
            return HttpResponseRedirect(self._page())
        try:
            contribution = entry_assign(entry_id=entry_id, reference=form.cleaned_data["reference"])
        except AssignRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(self._page())
        self.message_user(
            request,
            _("Credited: %(reference)s is received, %(amount)s.")
            % {
                "reference": contribution.provider_payment_id,
                "amount": _money(contribution.amount, contribution.currency),
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._page())

    def dismiss_view(self, request: HttpRequest, entry_id: int) -> HttpResponse:
        self._allowed(request)
        get_object_or_404(StatementEntry, pk=entry_id)
        if entry_dismiss(entry_id=entry_id):
            self.message_user(request, _("Marked as not a gift."), messages.SUCCESS)
        return HttpResponseRedirect(self._page())


@admin.register(StatementEntry)
class StatementEntryAdmin(admin.ModelAdmin[StatementEntry]):
    """Every imported credit and what became of it (read only)."""

    list_display = ["booked_on", "amount_display", "reference", "payer", "outcome", "reason"]
    list_filter = ["outcome", "reason", "currency", "account"]
    search_fields = ["reference", "remittance", "payer", "key"]
    date_hierarchy = "booked_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_display(self, obj: StatementEntry) -> str:
        return _money(obj.amount, obj.currency)
