"""Reading a typed amount: the currency's own number of decimals, ASCII digits only, and
the limits named in the reader's locale. JPY (no decimals) and KWD (three) prove that
nothing assumes two, although the give page offers neither yet."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from readerfund.core.money import (
    AmountLimits,
    amount_parse,
    amount_read,
    currency_digits,
    minor_to_text,
)

LIMITS = AmountLimits(minimum=100, maximum=1_000_000)


def test_digits_come_from_the_currency():
    assert (currency_digits("USD"), currency_digits("JPY"), currency_digits("KWD")) == (2, 0, 3)


@pytest.mark.parametrize(
    ("currency", "text", "minor"),
    [
        ("USD", "5", 500),
        ("USD", "12.50", 1250),
        ("USD", "12,5", 1250),
        ("USD", " 7 ", 700),
        ("EUR", "0.01", 1),
        ("JPY", "500", 500),
        ("JPY", "1000000", 1_000_000),
        ("KWD", "1.250", 1250),
        ("KWD", "1.5", 1500),
        ("KWD", "1,25", 1250),
        ("KWD", "2", 2000),
    ],
)
def test_an_amount_is_read_in_the_currency_s_minor_units(currency, text, minor):
    assert amount_parse(text=text, currency=currency) == minor


@pytest.mark.parametrize(
    ("currency", "text"),
    [
        ("USD", "5.001"),  # more decimals than the currency has
        ("USD", "1,000"),  # a thousand or one? refused, not guessed
        ("USD", ""),
        ("USD", "-5"),
        ("USD", "1e3"),
        ("USD", "NaN"),
        ("USD", "5."),
        ("USD", ".5"),
        ("USD", "1 000"),
        ("USD", "12345678"),  # eight digits
        ("JPY", "12.50"),  # yen have no decimals
        ("JPY", "500.0"),
        ("JPY", "500,5"),
        ("KWD", "1.2505"),  # four decimals for a three-decimal currency
        ("KWD", "1,000"),  # still ambiguous with three decimals
    ],
)
def test_what_is_not_a_plain_amount_of_the_currency_is_refused(currency, text):
    with pytest.raises(ValidationError) as refused:
        amount_parse(text=text, currency=currency)
    assert refused.value.code == "invalid"
    assert refused.value.messages == ["Enter an amount, like 5 or 12.50."]


@pytest.mark.parametrize(
    "text",
    [
        "\u0661\u0662",  # Arabic-Indic 12
        "\uff15",  # full-width 5
        "\U0001d7d3",  # mathematical bold 5
        "1\u0662.50",  # one such digit among ASCII ones
        "\u0665.\u0660\u0660",
    ],
)
@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD"])
def test_digits_other_than_0_to_9_are_refused_with_one_message(text, currency):
    with pytest.raises(ValidationError) as refused:
        amount_parse(text=text, currency=currency)
    assert refused.value.code == "digits"
    assert refused.value.messages == [
        "Please type the amount with the digits 0 to 9, like 5 or 12.50."
    ]


@pytest.mark.parametrize(
    ("currency", "text", "code", "message"),
    [
        ("USD", "0.99", "min_value", "The smallest gift is $1."),
        ("USD", "10000.01", "max_value", "For gifts above $10,000, please write to us."),
        ("JPY", "99", "min_value", "The smallest gift is ¥100."),
        ("JPY", "1000001", "max_value", "For gifts above ¥1,000,000, please write to us."),
        ("KWD", "0.099", "min_value", "The smallest gift is KWD0.100."),
        ("KWD", "1000.001", "max_value", "For gifts above KWD1,000, please write to us."),
    ],
)
def test_amounts_outside_the_limits_are_refused_naming_the_limit(currency, text, code, message):
    with pytest.raises(ValidationError) as refused:
        amount_read(text=text, currency=currency, limits=LIMITS, language="en")
    assert refused.value.code == code
    assert refused.value.messages == [message]


@pytest.mark.parametrize(
    ("currency", "text", "minor"),
    [("USD", "1", 100), ("USD", "10000", 1_000_000), ("JPY", "100", 100), ("KWD", "0.1", 100)],
)
def test_amounts_at_the_limits_are_accepted(currency, text, minor):
    assert amount_read(text=text, currency=currency, limits=LIMITS, language="en") == minor


def test_the_limit_is_named_in_the_reader_s_language():
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        amount_read(text="0.5", currency="EUR", limits=LIMITS, language="ru")
    assert "1\xa0€" in refused.value.messages[0]
    assert "Enter" not in refused.value.messages[0]


@pytest.mark.parametrize(
    ("currency", "minor", "text"),
    [
        ("USD", 500, "5"),
        ("USD", 1250, "12.50"),
        ("JPY", 500, "500"),
        ("KWD", 1250, "1.250"),
        ("KWD", 2000, "2"),
    ],
)
def test_an_amount_is_shown_as_it_is_read_back(currency, minor, text):
    assert minor_to_text(minor, currency) == text
    assert amount_parse(text=text, currency=currency) == minor


def test_the_digits_message_is_translated():
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        amount_parse(text="\uff15", currency="RUB")
    assert refused.value.messages == ["Введите сумму цифрами от 0 до 9, например 5 или 12,50."]
