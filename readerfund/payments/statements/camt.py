"""ISO 20022 bank-to-customer statements: camt.053 (end of day) and camt.054 (notifications).

Read with defusedxml: a statement never needs a DTD, entities or external references, so
any of them refuses the file (billion laughs, external entities). Only what matching needs
is read, from any version of the schema (namespaces are ignored, element names are stable):

    Stmt|Ntfctn / Acct/Id/(IBAN|Othr/Id)
      Ntry / Amt@Ccy, CdtDbtInd, Sts, BookgDt/(Dt|DtTm), AcctSvcrRef
        NtryDtls/TxDtls / Amt@Ccy?, Refs/AcctSvcrRef?, RmtInf/(Ustrd|Strd/CdtrRefInf/Ref),
                          RltdPties/Dbtr/(Nm|Pty/Nm)
"""

from __future__ import annotations

import datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from readerfund.payments.statements.entries import StatementLine, StatementRefused, amount_minor

# Pending (PDNG) or informational (INFO) entries may still change or vanish: only booked
# money is credited. Versions before 2019 write the status as text, later ones as <Cd>.
_BOOKED = {"BOOK", ""}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element, *path: str) -> Element | None:
    found: Element | None = element
    for name in path:
        if found is None:
            return None
        matches = _children(found, name)
        found = matches[0] if matches else None
    return found


def _text(element: Element, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _status(entry: Element) -> str:
    status = _child(entry, "Sts")
    if status is None:
        return ""
    return (_text(status, "Cd") or (status.text or "")).strip().upper()


def _booked_on(entry: Element, where: str) -> datetime.date:
    text = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10]
    if not text:
        raise StatementRefused(f"{where}: BookgDt (the booking date) is missing")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise StatementRefused(f"{where}/BookgDt: {text!r} is not a date") from error


def _amount(element: Element, where: str) -> tuple[int, str]:
    amount = _child(element, "Amt")
    if amount is None:
        raise StatementRefused(f"{where}: Amt (the amount) is missing")
    currency = (amount.get("Ccy") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise StatementRefused(f"{where}/Amt: Ccy (the currency) is missing or not a code")
    return amount_minor(amount.text or "", currency, where=f"{where}/Amt"), currency


def _remittance(transaction: Element) -> tuple[str, str]:
    info = _child(transaction, "RmtInf")
    texts: list[str] = []
    if info is not None:
        texts += [(u.text or "").strip() for u in _children(info, "Ustrd")]
        for structured in _children(info, "Strd"):
            texts.append(_text(structured, "CdtrRefInf", "Ref"))
    payer = _text(transaction, "RltdPties", "Dbtr", "Nm") or _text(
        transaction, "RltdPties", "Dbtr", "Pty", "Nm"
    )
    return " ".join(t for t in texts if t), payer


def _account(report: Element, where: str) -> str:
    account = _text(report, "Acct", "Id", "IBAN") or _text(report, "Acct", "Id", "Othr", "Id")
    if not account:
        raise StatementRefused(f"{where}: Acct/Id (the account) is missing")
    return account.replace(" ", "").upper()


def _entry_lines(entry: Element, account: str, where: str) -> list[StatementLine]:
    amount, currency = _amount(entry, where)
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementRefused(f"{where}/CdtDbtInd: {indicator!r} is neither CRDT nor DBIT")
    booked_on = _booked_on(entry, where)
    reference = _text(entry, "AcctSvcrRef")
    transactions = [t for d in _children(entry, "NtryDtls") for t in _children(d, "TxDtls")]

    def line(
        amount: int, currency: str, ref: str, texts: tuple[str, str], at: str
    ) -> StatementLine:
        return StatementLine(
            account=account, booked_on=booked_on, amount=amount, currency=currency,
            credit=indicator == "CRDT", bank_reference=ref, remittance=texts[0],
            payer=texts[1], where=at,
        )  # fmt: skip

    if len(transactions) <= 1:
        texts = _remittance(transactions[0]) if transactions else ("", "")
        return [line(amount, currency, reference, texts, where)]
    # A batch booking: one entry, several transfers, each with its own amount and text.
    lines = []
    for index, transaction in enumerate(transactions, start=1):
        at = f"{where}/TxDtls {index}"
        own = _child(transaction, "AmtDtls", "TxAmt") or transaction
        tx_amount, tx_currency = _amount(own, at)
        tx_reference = _text(transaction, "Refs", "AcctSvcrRef")
        if not tx_reference and reference:
            tx_reference = f"{reference}/{index}"
        lines.append(line(tx_amount, tx_currency, tx_reference, _remittance(transaction), at))
    return lines


def camt_read(data: bytes) -> list[StatementLine]:
    """Every booked entry of a camt.053 or camt.054 document; refuses the whole file, naming
    the element, at the first thing it cannot read."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise StatementRefused(
            "the XML declares a DTD, entities or external references, which no bank "
            f"statement needs; refused as unsafe ({type(error).__name__})"
        ) from error
    except ParseError as error:
        line, column = error.position
        raise StatementRefused(
            f"not well-formed XML at line {line}, column {column + 1}"
        ) from error
    message = next(iter(root), None)
    kind = _local(message.tag) if message is not None else _local(root.tag)
    if kind not in ("BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn"):
        raise StatementRefused(
            f"<{kind}> is not a camt.053 statement (BkToCstmrStmt) "
            "or a camt.054 notification (BkToCstmrDbtCdtNtfctn)"
        )
    assert message is not None
    reports = _children(message, "Stmt") + _children(message, "Ntfctn")
    if not reports:
        raise StatementRefused(f"{kind}: no Stmt or Ntfctn in the file")
    lines: list[StatementLine] = []
    number = 0
    for report_index, report in enumerate(reports, start=1):
        account = _account(report, f"{_local(report.tag)} {report_index}")
        for entry in _children(report, "Ntry"):
            number += 1
            where = f"Ntry {number}"
            if _status(entry) not in _BOOKED:
                continue
            lines += _entry_lines(entry, account, where)
    return lines
