"""Statement files as banks write them, generated for tests and the benchmark, and pending
bank transfers whose references the files name."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from readerfund.checkout.services import _pending_transfer
from readerfund.payments.models import Contribution, ContributionStatus, PaymentAttempt
from readerfund.payments.providers.bank_transfer.provider import BankTransferProvider
from readerfund.payments.services import supporter_for

FILES = Path(__file__).parent / "files"
ACCOUNT = "DE89370400440532013000"


def pending_transfer(
    reference: str, *, amount: int, currency: str = "EUR", email: str = "reader@example.org"
) -> Contribution:
    """A reader chose bank transfer on the give page and was shown `reference`
    (RF-XXXX-XXXX: the first eight hex digits of the attempt's id)."""
    code = reference.replace("RF-", "").replace("-", "").lower()
    attempt = PaymentAttempt.objects.create(
        public_id=uuid.UUID(code + "0" * 24), provider="bank_transfer", frequency="one_off",
        amount=amount, currency=currency, email=email, name="A Reader", campaign="ask-2024",
    )  # fmt: skip
    started = BankTransferProvider().start(attempt=attempt, payment_token="")
    assert started.reference == reference
    attempt.provider_reference = started.reference
    attempt.save(update_fields=["provider_reference"])
    _pending_transfer(attempt, started.reference)
    return Contribution.objects.get(provider_payment_id=reference)


def pending_transfers_many(codes: list[str], *, amount: int, currency: str = "EUR") -> None:
    """Many readers' pending transfers at once (bulk inserts, for the 10,000-entry file):
    the rows `pending_transfer` makes, one supporter for all."""
    supporter = supporter_for(email="many@example.org")
    attempts = PaymentAttempt.objects.bulk_create(
        PaymentAttempt(
            public_id=uuid.UUID(code.replace("RF-", "").replace("-", "").lower() + "0" * 24),
            provider="bank_transfer",
            frequency="one_off",
            amount=amount,
            currency=currency,
            email="many@example.org",
            provider_reference=code,
        )
        for code in codes
    )
    Contribution.objects.bulk_create(
        Contribution(
            supporter=supporter,
            attempt=attempt,
            provider="bank_transfer",
            provider_payment_id=attempt.provider_reference,
            frequency="one_off",
            amount=amount,
            currency=currency,
            status=ContributionStatus.PENDING,
        )
        for attempt in attempts
    )


@dataclass(frozen=True)
class Credit:
    booked_on: datetime.date
    amount: str  # "25,00"
    text: str
    payer: str = "A READER"
    bank_reference: str = "NONREF"
    debit: bool = False


def _purpose(text: str) -> str:
    """The :86: text as German banks structure it: ?20…?29, 27 characters each."""
    chunks = [text[i : i + 27] for i in range(0, len(text), 27)] or [""]
    return "".join(f"?{20 + n}{chunk}" for n, chunk in enumerate(chunks[:10]))


def mt940_file(
    credits: Iterable[Credit], *, account: str = ACCOUNT, currency: str = "EUR"
) -> bytes:
    """One MT940 statement (CRLF, as exported) holding `credits`."""
    items = list(credits)
    first = items[0].booked_on if items else datetime.date(2024, 3, 1)
    lines = [
        ":20:STARTUMSE", f":25:{account}", ":28C:00001/001",
        f":60F:C{first:%y%m%d}{currency}0,00",
    ]  # fmt: skip
    for item in items:
        mark = "D" if item.debit else "C"
        day = item.booked_on
        lines.append(
            f":61:{day:%y%m%d}{day:%m%d}{mark}R{item.amount}NTRFNONREF//{item.bank_reference}"
        )
        lines.append(f":86:166?00GUTSCHRIFT{_purpose(item.text)}?32{item.payer}")
    lines += [f":62F:C{first:%y%m%d}{currency}0,00", "-"]
    return ("\r\n".join(lines) + "\r\n").encode()


def references(count: int) -> list[str]:
    return [f"RF-{n:04X}-{n * 7 % 65536:04X}" for n in range(1, count + 1)]


def camt053_file(entries: Iterable[tuple[str, str, list[str]]], *, account: str = ACCOUNT) -> bytes:
    """A camt.053 statement of credits (amount "25.00", currency, the payer's text lines)."""
    items = []
    for n, (amount, currency, texts) in enumerate(entries, start=1):
        ustrd = "".join(f"<Ustrd>{text}</Ustrd>" for text in texts)
        items.append(
            f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Sts>BOOK</Sts><BookgDt><Dt>2024-03-04</Dt></BookgDt>"
            f"<AcctSvcrRef>T{n:08d}</AcctSvcrRef><NtryDtls><TxDtls>"
            f"<RltdPties><Dbtr><Nm>Reader {n}</Nm></Dbtr></RltdPties>"
            f"<RmtInf>{ustrd}</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-03-04T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>S1</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>{''.join(items)}</Stmt>"
        "</BkToCstmrStmt></Document>\n"
    ).encode()
