"""The goal in the admin: the monthly running cost, the exchange rates inline, and the
stored figure with its breakdown (recomputed on save, or with the "recompute now" action)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision
from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext, to_locale
from django.utils.translation import gettext_lazy as _

from readerfund.core.csv_export import csv_response
from readerfund.core.money import money_format
from readerfund.goals.models import SINGLE_ROW, ExchangeRate, Goal, GoalFigure, currency_validate
from readerfund.goals.services import amount_convert, goal_gap, goal_percent, goal_refresh


def _locale() -> str:
    return to_locale(get_language() or "en")


def _money(amount: int, currency: str) -> str:
    return money_format(amount, currency, _locale())


def _figure() -> GoalFigure | None:
    return GoalFigure.objects.filter(pk=SINGLE_ROW).first()


class GoalForm(forms.ModelForm[Goal]):
    """The cost is typed in major units (10000 for $10,000) and stored in minor units."""

    cost = forms.DecimalField(
        label=_("Monthly running cost"),
        min_value=Decimal("0.01"),
        max_digits=15,
        help_text=_("In the base currency, e.g. 10000 for 10,000 US dollars."),
    )

    class Meta:
        model = Goal
        fields = ["currency"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.monthly_cost is not None:
            precision = get_currency_precision(self.instance.currency)
            self.initial["cost"] = Decimal(self.instance.monthly_cost).scaleb(-precision)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cost, currency = cleaned.get("cost"), cleaned.get("currency")
        if cost is None or currency is None:
            return cleaned
        try:
            minor = cost.scaleb(get_currency_precision(currency))
            exact = minor == minor.to_integral_value() and minor >= 1
        except InvalidOperation:
            exact = False
        if not exact:
            self.add_error("cost", _("Use at most the currency's decimals."))
        else:
            self.instance.monthly_cost = int(minor)
        return cleaned


class ExchangeRateForm(forms.ModelForm[ExchangeRate]):
    class Meta:
        model = ExchangeRate
        fields = ["currency", "rate"]

    def clean_currency(self) -> str:
        code = str(self.cleaned_data["currency"]).strip().upper()
        currency_validate(code)
        return code


class ExchangeRateInline(admin.TabularInline[ExchangeRate, Goal]):
    model = ExchangeRate
    form = ExchangeRateForm
    extra = 0
    verbose_name_plural = _(
        "Exchange rates — set by you, never fetched: money in a currency without a rate is "
        "left out of the figure"
    )


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin[Goal]):
    form = GoalForm
    inlines = [ExchangeRateInline]
    fields = ["cost", "currency", "figure"]
    readonly_fields = ["figure"]
    list_display = ["__str__", "cost_display", "raised_display", "percent_display", "computed"]
    actions = ["recompute_now"]

    # ---- the single row ---------------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not Goal.objects.exists()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        goal_refresh()  # the operator sees the new figure on the next page

    def delete_model(self, request: HttpRequest, obj: Goal) -> None:
        super().delete_model(request, obj)
        goal_refresh()  # no goal: the figure goes, readers see none

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Goal]) -> None:
        super().delete_queryset(request, queryset)
        goal_refresh()

    # ---- the figure -------------------------------------------------------------------------

    @admin.display(description=_("Monthly running cost"))
    def cost_display(self, goal: Goal) -> str:
        return _money(goal.monthly_cost, goal.currency)

    @admin.display(description=_("Raised this month"))
    def raised_display(self, goal: Goal) -> str:
        figure = _figure()
        return _money(figure.raised, figure.currency) if figure else "—"

    @admin.display(description=_("Covered"))
    def percent_display(self, goal: Goal) -> str:
        figure = _figure()
        return f"{goal_percent(raised=figure.raised, target=figure.target)} %" if figure else "—"

    @admin.display(description=_("Computed"))
    def computed(self, goal: Goal) -> Any:
        figure = _figure()
        return figure.computed_at if figure else "—"

    @admin.display(description=_("This month"))
    def figure(self, goal: Goal) -> SafeString | str:
        figure = _figure()
        if goal._state.adding or figure is None:
            return str(_("Computed when the goal is saved."))
        base = figure.currency
        summary = format_html(
            "<p><strong>{}</strong></p>",
            _("%(raised)s of %(target)s (%(percent)s %%); the gap is %(gap)s.")
            % {
                "raised": _money(figure.raised, base),
                "target": _money(figure.target, base),
                "percent": goal_percent(raised=figure.raised, target=figure.target),
                "gap": _money(goal_gap(raised=figure.raised, target=figure.target), base),
            },
        )
        parts = [
            (_("Recurring plans (monthly equivalent)"), _money(figure.recurring, base)),
            (_("One-off gifts"), _money(figure.one_off, base)),
            (_("Bank transfers received"), _money(figure.bank_transfers, base)),
        ]
        excluded = [row for row in figure.by_currency if row["rate"] is None]
        parts.append(
            (
                _("Left out (no exchange rate)"),
                ", ".join(
                    _money(
                        row["recurring"] + row["one_off"] + row["bank_transfers"], row["currency"]
                    )
                    for row in excluded
                )
                or "—",
            )
        )
        table = format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", parts),
        )
        csv_url = reverse("admin:goals_goal_breakdown", args=[goal.pk])
        footer = format_html(
            '<p class="help">{} <a href="{}">{}</a></p>',
            _("Month %(month)s (UTC), computed %(at)s.")
            % {
                "month": figure.month.strftime("%Y-%m"),
                "at": timezone.localtime(figure.computed_at).strftime("%Y-%m-%d %H:%M:%S"),
            },
            csv_url,
            _("Breakdown by currency (CSV)"),
        )
        return summary + table + footer

    def _warn_excluded(self, request: HttpRequest) -> None:
        figure = _figure()
        if figure is None:
            return
        missing = [row["currency"] for row in figure.by_currency if row["rate"] is None]
        if missing:
            messages.warning(
                request,
                ngettext(
                    "Money in %(codes)s is left out of the figure: it has no exchange rate.",
                    "Money in %(codes)s is left out of the figure: they have no exchange rate.",
                    len(missing),
                )
                % {"codes": ", ".join(missing)},
            )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            self._warn_excluded(request)
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            self._warn_excluded(request)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Recompute this month's figure now"))
    def recompute_now(self, request: HttpRequest, queryset: QuerySet[Goal]) -> None:
        figure = goal_refresh()
        if figure is not None:
            self.message_user(
                request,
                _("Recomputed: %(raised)s of %(target)s.")
                % {
                    "raised": _money(figure.raised, figure.currency),
                    "target": _money(figure.target, figure.currency),
                },
                messages.SUCCESS,
            )

    # ---- the breakdown as CSV ---------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        breakdown = self.admin_site.admin_view(self.breakdown_csv)
        return [
            path("<int:pk>/breakdown.csv", breakdown, name="goals_goal_breakdown"),
            *super().get_urls(),
        ]

    def breakdown_csv(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        goal = get_object_or_404(Goal, pk=pk)
        if not self.has_view_permission(request, goal):
            return HttpResponse(status=403)
        figure = _figure()
        base = figure.currency if figure else goal.currency
        rows = []
        for row in figure.by_currency if figure else []:
            rate = None if row["rate"] is None else Decimal(row["rate"])
            for part in ("recurring", "one_off", "bank_transfers"):
                counted = (
                    amount_convert(row[part], currency=row["currency"], base=base, rate=rate)
                    if rate is not None
                    else ""
                )
                rows.append([row["currency"], part, row[part], row["rate"] or "", counted])
        month = figure.month.strftime("%Y-%m") if figure else "none"
        return csv_response(
            filename=f"goal-{month}.csv",
            header=[
                "currency",
                "part",
                "amount_minor",
                "rate",
                f"counted_minor_{base}",
            ],
            rows=rows,
        )
