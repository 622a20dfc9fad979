"""Files that are not statements we can read are refused whole, with the line or element
named; hostile XML is refused before it can expand or reach out."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from readerfund.payments.models import ContributionStatus
from readerfund.payments.statements.entries import StatementRefused
from readerfund.payments.statements.models import Statement, StatementEntry
from readerfund.payments.statements.services import statement_import
from readerfund.payments.statements.tests.samples import FILES, pending_transfer

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Document><BkToCstmrStmt><Stmt><Ntry>
<Amt Ccy="EUR">&lol9;</Amt></Ntry></Stmt></BkToCstmrStmt></Document>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><Stmt><Ntry><AcctSvcrRef>&secret;</AcctSvcrRef></Ntry></Stmt></BkToCstmrStmt></Document>
"""


@pytest.fixture
def pending():
    return pending_transfer("RF-AB12-CD34", amount=2500)


def _refused(data: bytes) -> str:
    with pytest.raises(StatementRefused) as refused:
        statement_import(data=data, filename="bad")
    return str(refused.value)


def _nothing_imported(pending) -> None:
    assert not Statement.objects.exists()
    assert not StatementEntry.objects.exists()
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.PENDING


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_hostile_xml_is_refused_as_unsafe(pending, hostile):
    message = _refused(hostile)

    assert "refused as unsafe" in message
    assert "root:" not in message  # nothing of the local file leaks into the message
    _nothing_imported(pending)


def _camt(replace: bytes, by: bytes) -> bytes:
    data = (FILES / "camt053.xml").read_bytes()
    assert replace in data
    return data.replace(replace, by, 1)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        # cut off in the middle: the reader names where the XML broke
        (lambda: (FILES / "camt053.xml").read_bytes()[:1500], "not well-formed XML at line"),
        # the second entry has no amount: nothing is imported, not even the first
        (lambda: _camt(b'<Amt Ccy="EUR">10.00</Amt>', b""), "Ntry 2: Amt (the amount) is missing"),
        (lambda: _camt(b'<Amt Ccy="EUR">10.00</Amt>', b'<Amt Ccy="EUR">ten</Amt>'),
         "Ntry 2/Amt: 'ten' is not an amount"),
        (lambda: _camt(b"<Dt>2024-03-04</Dt></BookgDt>\n        <AcctSvcrRef>2024030400002",
                       b"<Dt>2024-02-30</Dt></BookgDt>\n        <AcctSvcrRef>2024030400002"),
         "Ntry 2/BookgDt: '2024-02-30' is not a date"),
        (lambda: _camt(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>CREDIT</CdtDbtInd>"),
         "Ntry 1/CdtDbtInd"),
        (lambda: b"<Document><pain.001/></Document>", "is not a camt.053 statement"),
    ],
    ids=["truncated", "no-amount", "bad-amount", "bad-date", "bad-indicator", "not-camt"],
)  # fmt: skip
def test_a_malformed_camt_file_is_refused_whole_naming_the_element(pending, data, named):
    assert named in _refused(data())
    _nothing_imported(pending)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (lambda: (FILES / "statement.sta").read_bytes().replace(
            b":61:2403040304CR50,00", b":61:24X3040304CR50,00"), "line 7: cannot read"),
        (lambda: (FILES / "statement.sta").read_bytes().replace(
            b":60F:", b"garbage in the middle\r\n:60F:"), "line 4: 'garbage in the middle'"),
        (lambda: b"Date;Amount;Text\r\n2024-03-04;25,00;RF-AB12-CD34\r\n", "line 1:"),
    ],
    ids=["bad-61", "stray-line", "csv"],
)  # fmt: skip
def test_a_malformed_mt940_file_is_refused_whole_naming_the_line(pending, data, named):
    assert named in _refused(data())
    _nothing_imported(pending)


def test_the_command_imports_good_files_and_refuses_bad_ones_by_name(pending, tmp_path, capsys):
    # given a good statement and a hostile one
    bad = tmp_path / "evil.xml"
    bad.write_bytes(EXTERNAL_ENTITY)

    # when both are imported from the command line
    with pytest.raises(CommandError, match=r"refused: .*evil\.xml"):
        call_command("payments", "import-statement", str(FILES / "statement.sta"), str(bad))

    # then the good one credited the transfer and the bad one said why it was refused
    out, err = capsys.readouterr()
    assert "statement.sta: mt940, 3 entries" in out
    assert "1 transfers credited" in out
    assert "evil.xml: refused, nothing imported" in err
    pending.refresh_from_db()
    assert pending.status == ContributionStatus.SUCCEEDED
