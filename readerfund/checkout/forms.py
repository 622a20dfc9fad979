"""The give form: every value the reader sends is checked and recomputed here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from readerfund.core.money import amount_read
from readerfund.core.pages import return_url_allowed
from readerfund.payments.amounts import CURRENCIES, amount_limits
from readerfund.payments.models import Frequency


class GiveForm(forms.Form):
    frequency = forms.ChoiceField(choices=Frequency.choices)
    currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCIES])
    # Major units as typed ("5", "2.50"); converted to minor units in clean().
    amount = forms.CharField(max_length=12)
    # Required unless the reader gives without a trace (`no_trace`, where the method allows).
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    name = forms.CharField(label=_("Name (optional)"), max_length=200, required=False)
    anonymous = forms.BooleanField(label=_("Keep my gift anonymous"), required=False)
    no_trace = forms.BooleanField(label=_("Give without leaving a trace"), required=False)
    consent = forms.BooleanField(
        label=_("Send me occasional news about our work (you can unsubscribe at any time)"),
        required=False,
    )
    method = forms.CharField(max_length=30)
    payment_token = forms.CharField(max_length=200, required=False)
    campaign = forms.SlugField(max_length=60, required=False)
    variant = forms.RegexField(r"^[a-z0-9_-]{0,40}$", required=False)
    channel = forms.ChoiceField(
        choices=[("", ""), ("banner", "banner"), ("header", "header"), ("ask", "ask")],
        required=False,
    )
    return_to = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, own_host: str, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own_host = own_host
        self.language = language

    def clean_return_to(self) -> str:
        url: str = self.cleaned_data.get("return_to", "")
        return url if url and return_url_allowed(url, own_host=self.own_host) else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("no_trace"):
            # Nothing that could name the reader is kept, whatever else the form carried.
            data.update(email="", name="", consent=False, anonymous=True, return_to="")
        elif not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Enter your email address, like name@example.org."))
        currency, frequency = data.get("currency"), data.get("frequency")
        raw = str(data.get("amount", "")).strip()
        if not currency or not frequency or not raw:
            return data
        try:
            data["amount_minor"] = amount_read(
                text=raw,
                currency=currency,
                limits=amount_limits(currency=currency, frequency=frequency),
                language=self.language,
            )
        except ValidationError as error:
            self.add_error("amount", error)
        return data
