"""Checkout test helpers: offer currencies no operator enables yet (JPY, KWD), to prove
that amounts are read with each currency's own number of decimals."""

from __future__ import annotations

import pytest

from readerfund.checkout import forms, views
from readerfund.payments import amounts
from readerfund.payments.amounts import AmountRule

EXTRA_AMOUNTS = {
    # yen have no decimals: 500 minor units are ¥500
    "JPY": {
        "one_off": AmountRule((500, 1000), 500, 100),
        "monthly": AmountRule((300, 500), 300, 200),
        "annual": AmountRule((3000, 6000), 3000, 2000),
    },
    # dinars have three: 1250 minor units are KWD 1.250
    "KWD": {
        "one_off": AmountRule((1000, 2500), 1000, 500),
        "monthly": AmountRule((1000, 2000), 1000, 1000),
        "annual": AmountRule((10000, 20000), 10000, 5000),
    },
}


@pytest.fixture
def jpy_and_kwd_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The give page and its form also offer JPY and KWD, for this test only."""
    table = {**amounts.AMOUNTS, **EXTRA_AMOUNTS}
    codes = (*amounts.CURRENCIES, *EXTRA_AMOUNTS)
    monkeypatch.setattr(amounts, "AMOUNTS", table)
    monkeypatch.setattr(views, "AMOUNTS", table)
    monkeypatch.setattr(views, "CURRENCIES", codes)
    monkeypatch.setattr(forms.GiveForm.base_fields["currency"], "choices", [(c, c) for c in codes])
