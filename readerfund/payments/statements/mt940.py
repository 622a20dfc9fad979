"""SWIFT MT940 statements, read with the `mt-940` package.

The package is lenient about what it does not recognise, so the file's shape is checked
first, line by line: a statement must have an account (:25:) and every line must be a
field (`:61:`), a continuation of a field that may run over lines (:61:, :86:), or a
message separator. A bad line refuses the whole file, naming it.
"""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

import mt940

from readerfund.payments.statements.entries import StatementLine, StatementRefused, amount_minor

# The package logs a line it cannot read, text and all (a payer's name may be in it); the
# error we raise names the line instead.
logging.getLogger("mt940").setLevel(logging.CRITICAL)

_TAG = re.compile(r"^:(\d{2}[A-Z]?):")
_SEPARATORS = {"-", "-}", "}", ""}
# Only these fields run over several lines: :61: (its supplementary details) and :86:.
_MULTILINE = {"61", "86"}


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older bank exports; SWIFT text is ASCII anyway


def _shape_check(text: str) -> list[int]:
    """The line number of every :61: (statement line) tag; refuses a file of another shape."""
    statement_lines = []
    in_tag = False
    saw_account = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        tag = _TAG.match(line)
        if tag:
            in_tag = tag.group(1) in _MULTILINE
            saw_account = saw_account or tag.group(1) == "25"
            if tag.group(1) == "61":
                statement_lines.append(number)
        elif line.strip() in _SEPARATORS or line.startswith(("{", "$")):
            in_tag = False  # between messages: SWIFT block headers, separators
        elif not in_tag:
            raise StatementRefused(f"line {number}: {line[:40]!r} is not an MT940 field")
    if not saw_account:
        raise StatementRefused("no :25: field (account): not an MT940 statement")
    return statement_lines


def _failed_line(text: str, value: str) -> str:
    first = value.strip().splitlines()[0] if value.strip() else ""
    for number, line in enumerate(text.splitlines(), start=1):
        if first and first in line:
            return f"line {number}"
    return "a line"


def mt940_read(data: bytes) -> list[StatementLine]:
    text = _text(data)
    numbers = _shape_check(text)
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(text)
    except (RuntimeError, ValueError, KeyError) as error:
        value = str(error.args[2]) if len(error.args) > 2 else ""
        raise StatementRefused(
            f"{_failed_line(text, value)}: cannot read {value[:40]!r}"
        ) from error
    if len(transactions) != len(numbers):
        raise StatementRefused(
            f"{len(numbers)} :61: lines but {len(transactions)} entries could be read"
        )
    account = str(transactions.data.get("account_identification") or "")
    lines = []
    for number, transaction in zip(numbers, transactions, strict=True):
        lines.append(_line(transaction.data, number, account))
    return lines


def _line(data: dict[str, Any], number: int, fallback_account: str) -> StatementLine:
    where = f"line {number}"
    currency = str(data.get("currency") or "").upper()
    if len(currency) != 3:
        raise StatementRefused(f"{where}: no currency (the statement's :60F: balance gives it)")
    amount = data["amount"].amount
    # Each message of a file may be another account: the :25: before this :61:.
    account = str(data.get("account_identification") or fallback_account)
    texts = [
        str(data.get(key) or "") for key in ("purpose", "additional_purpose", "transaction_details")
    ]
    if data.get("purpose"):  # structured :86: (?20…): the purpose is what the payer wrote
        texts = texts[:2]
    booked: datetime.date = data.get("entry_date") or data["date"]
    return StatementLine(
        account=account.replace(" ", "").upper(),
        booked_on=datetime.date(booked.year, booked.month, booked.day),
        amount=amount_minor(str(abs(amount)), currency, where=where),
        currency=currency,
        credit=str(data.get("status", "")).endswith("C") and amount > 0,
        bank_reference=str(data.get("bank_reference") or ""),
        remittance=" ".join(t for t in texts if t),
        payer=str(data.get("applicant_name") or ""),
        where=where,
    )
