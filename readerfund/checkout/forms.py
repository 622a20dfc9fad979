"""The give form: every value the reader sends is checked and recomputed here."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from readerfund.checkout.amounts import AMOUNTS, CURRENCIES, MAXIMUM
from readerfund.core.money import money_format
from readerfund.payments.models import Frequency

AMOUNT_PATTERN = re.compile(r"\d{1,7}([.,]\d{1,2})?")


def return_url_allowed(url: str, *, own_host: str) -> bool:
    """Only http(s) pages of this server or of the newsroom's listed origins."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.username:
        return False
    # "*" in READERFUND_EMBED_ORIGINS lets any site embed, but never redirects anywhere:
    # a return address must be this server or an origin the operator named.
    listed = [origin for origin in settings.READERFUND_EMBED_ORIGINS if origin != "*"]
    return parts.netloc == own_host or f"{parts.scheme}://{parts.netloc}" in listed


class GiveForm(forms.Form):
    frequency = forms.ChoiceField(choices=Frequency.choices)
    currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCIES])
    # Major units as typed ("5", "2.50"); converted to minor units in clean().
    amount = forms.CharField(max_length=12)
    email = forms.EmailField(label=_("Email"), max_length=254)
    name = forms.CharField(label=_("Name (optional)"), max_length=200, required=False)
    anonymous = forms.BooleanField(label=_("Keep my gift anonymous"), required=False)
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
        currency, frequency = data.get("currency"), data.get("frequency")
        raw = str(data.get("amount", "")).strip()
        if not currency or not frequency or not raw:
            return data
        # Digits with at most two decimals after a point or a comma: "5", "12.50", "12,5".
        # "1,000" is refused rather than guessed (a thousand, or one?).
        if not AMOUNT_PATTERN.fullmatch(raw):
            self.add_error("amount", _("Enter an amount, like 5 or 12.50."))
            return data
        amount = int(Decimal(raw.replace(",", ".")).scaleb(2))
        rule = AMOUNTS[currency][frequency]
        if amount < rule.minimum:
            self.add_error(
                "amount",
                _("The smallest gift is %(amount)s.")
                % {"amount": money_format(rule.minimum, currency, self.language)},
            )
        elif amount > MAXIMUM:
            self.add_error(
                "amount",
                _("For gifts above %(amount)s, please write to us.")
                % {"amount": money_format(MAXIMUM, currency, self.language)},
            )
        data["amount_minor"] = amount
        return data
