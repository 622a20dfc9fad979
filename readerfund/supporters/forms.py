"""The manage pages' forms: each value is checked here, on the server."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from readerfund.core.money import amount_read
from readerfund.payments.amounts import amount_limits
from readerfund.payments.models import RecurringPlan

#: Why a supporter stops (RecurringPlan.cancel_reason): short, so the newsroom can count.
CANCEL_REASONS = [
    ("afford", pgettext_lazy("cancel reason", "I can't afford it right now")),
    ("once", pgettext_lazy("cancel reason", "I'd rather give once in a while")),
    ("coverage", pgettext_lazy("cancel reason", "I'm not happy with the coverage")),
    ("elsewhere", pgettext_lazy("cancel reason", "I support other causes now")),
    ("other", pgettext_lazy("cancel reason", "Another reason")),
]


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


class AmountForm(forms.Form):
    """A plan's new amount in major units ("5", "12.50"), within the checkout's limits for
    the plan's currency and frequency."""

    amount = forms.CharField(
        label=_("New amount"), max_length=12,
        error_messages={"required": _("Enter an amount, like 5 or 12.50.")},
    )  # fmt: skip

    def __init__(self, *args: Any, plan: RecurringPlan, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.language = language

    def clean_amount(self) -> int:
        currency = self.plan.currency
        return amount_read(
            text=str(self.cleaned_data.get("amount", "")),
            currency=currency,
            limits=amount_limits(currency=currency, frequency=self.plan.frequency),
            language=self.language,
        )


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Would you tell us why? (optional)"), choices=CANCEL_REASONS, required=False,
        widget=forms.RadioSelect(attrs={"class": "check__input"}),
    )  # fmt: skip
    note = forms.CharField(
        label=_("Anything else you would like us to know? (optional)"), max_length=500,
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
