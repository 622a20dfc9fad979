"""No personal data in logs: email addresses and email-link tokens are redacted from every
log record, and client IP addresses cut to their network, by the filter that
settings.LOGGING puts on every handler."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import cast

import pytest
from django.conf import settings

from readerfund.core.logging import PersonalDataFilter, address_truncate, personal_data_redact
from readerfund.core.tokens import token_make

TOKEN = token_make(purpose="manage", subject="424242")


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler (the one production writes to) prints."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    yield written
    handler.setStream(previous)


@pytest.mark.django_db
def test_a_404_on_a_manage_link_is_logged_without_the_token(client, caplog, console):
    # given a manage link of a supporter who does not exist (any more)
    with caplog.at_level(logging.WARNING):
        # when it is opened
        response = client.get(f"/manage/{TOKEN}/")

    # then Django's "Not Found" line names the path, not the token
    assert response.status_code == 404
    assert "Not Found: /manage/[token]/" in caplog.text
    assert "Not Found: /manage/[token]/" in console.getvalue()
    assert TOKEN not in caplog.text + console.getvalue()
    assert TOKEN.split(":")[0] not in caplog.text + console.getvalue()


@pytest.mark.django_db
def test_a_truncated_link_is_redacted_too(client, caplog):
    truncated = TOKEN[: len(TOKEN) // 2]

    with caplog.at_level(logging.WARNING):
        assert client.get(f"/manage/{truncated}/").status_code == 404

    assert "Not Found: /manage/[token]/" in caplog.text
    assert truncated not in caplog.text


def test_a_log_line_with_an_address_comes_out_redacted(caplog, console):
    with caplog.at_level(logging.INFO):
        logging.getLogger("readerfund.payments").warning(
            "receipt for %s (%s) bounced", "Alice.Liddell+news@Example.org", "Alice"
        )

    assert "receipt for [email] (Alice) bounced" in caplog.text
    assert "receipt for [email] (Alice) bounced" in console.getvalue()
    assert "example.org" not in caplog.text.lower() + console.getvalue().lower()


def test_an_exception_naming_an_address_is_redacted(console):
    try:
        raise ValueError("duplicate key value (email)=(alice@example.org)")
    except ValueError:
        logging.getLogger("readerfund.payments").exception("could not record the gift")

    printed = console.getvalue()
    assert "could not record the gift" in printed
    assert "ValueError: duplicate key value (email)=([email])" in printed
    assert "alice@example.org" not in printed


def test_every_configured_handler_carries_the_filter():
    handlers = set(logging.getLogger().handlers)
    loggers = cast(dict[str, object], settings.LOGGING["loggers"])
    for name in loggers:
        handlers |= set(logging.getLogger(name).handlers)
    handlers = {h for h in handlers if h.get_name()}  # not pytest's own (caplog, live log)

    names = {handler.get_name() for handler in handlers}
    assert {"console", "django.server", "access"} <= names
    assert logging.getLogger("django").handlers == []  # all of Django's go to the console
    for handler in handlers:
        assert any(isinstance(f, PersonalDataFilter) for f in handler.filters), handler


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        ("reader alice@example.org gave", "reader [email] gave"),
        ("GET /give/?email=alice%40example.org&x=1", "GET /give/?email=[email]&x=1"),
        ("to: Ünïcode.Näme@exämple.de", "to: [email]"),
        (f"GET /manage/{TOKEN}/ HTTP/1.1", "GET /manage/[token]/ HTTP/1.1"),
        (f"GET /manage/{TOKEN}/cancel/", "GET /manage/[token]/cancel/"),
        ("GET /reminders/unsubscribe/eyJwIjoicmVtaW5kZXIi/", "GET /reminders/unsubscribe/[token]/"),
        ("GET /manage/plans/12/amount/ 302", "GET /manage/plans/12/amount/ 302"),
        ("POST /manage/export/ 200", "POST /manage/export/ 200"),
        (f"link {TOKEN.replace(':', '%3A')} sent", "link [token] sent"),
        (f"token={TOKEN}&next=1", "token=[token]&next=1"),
        ("GET /give/thanks/3f2a/ 200", "GET /give/thanks/3f2a/ 200"),  # nothing personal
        ("plan sub_123 canceled at stripe", "plan sub_123 canceled at stripe"),
    ],
)
def test_what_is_redacted(line, redacted):
    assert personal_data_redact(line) == redacted


def test_the_filter_keeps_unrelated_records_as_they_are():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plan %s of %d", ("sub_1", 3), None)

    assert PersonalDataFilter().filter(record) is True
    assert (record.msg, record.args) == ("plan %s of %d", ("sub_1", 3))


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("203.0.113.57", "203.0.113.0"),
        ("198.51.100.255", "198.51.100.0"),
        ("127.0.0.57", "127.0.0.0"),
        ("10.0.0.0", "10.0.0.0"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8:1234::"),
        ("2001:0DB8:85A3:0000:0000:8A2E:0370:7334", "2001:db8:85a3::"),
        ("2a02:6b8::2:242", "2a02:6b8::"),
        ("::1", "::"),
        ("[2001:db8:1:2::3]", "2001:db8:1::"),
        ("::ffff:203.0.113.57", "::ffff:203.0.113.0"),  # IPv4 seen through an IPv6 socket
        (" 203.0.113.57 ", "203.0.113.0"),
        # not an address: nothing of it is kept
        ("", "-"),
        ("unknown", "-"),
        ("300.1.2.3", "-"),
        ("203.0.113.57:443", "-"),
        ("203.0.113", "-"),
        ("2001:db8::1::2", "-"),
        ("<script>", "-"),
    ],
)
def test_one_address_keeps_its_network_only(address, kept):
    assert address_truncate(address) == kept


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        (
            '203.0.113.57 - - [18/Mar/2025:10:20:30 +0000] "GET /embed.js HTTP/1.1" 200 512',
            '203.0.113.0 - - [18/Mar/2025:10:20:30 +0000] "GET /embed.js HTTP/1.1" 200 512',
        ),
        (
            '2001:db8:1234:5678::9 - - "POST /api/events HTTP/1.1" 204',
            '2001:db8:1234:: - - "POST /api/events HTTP/1.1" 204',
        ),
        ("- Broken pipe from ('127.0.0.59', 40312)", "- Broken pipe from ('127.0.0.0', 40312)"),
        ("forwarded: 2001:db8:aa:bb::1, 198.51.100.77", "forwarded: 2001:db8:aa::, 198.51.100.0"),
        ("ip:2001:db8:aa:bb::1 ip=198.51.100.77.", "ip:2001:db8:aa:: ip=198.51.100.0."),
        (
            "peer [2001:db8:aa:bb::1]:443 and 10.1.2.3:8080",
            "peer [2001:db8:aa::]:443 and 10.1.2.0:8080",
        ),
        ("zone fe80::1:2:3%eth0", "zone fe80::%eth0"),
        # what only looks like an address stays as it is
        ("at 10:20:30.123 on 2025-03-18", "at 10:20:30.123 on 2025-03-18"),
        ("Chrome/120.0.6099.109 Safari/537.36", "Chrome/120.0.6099.109 Safari/537.36"),
        ("total 1.000.000.000 RUB, version 1.2.3", "total 1.000.000.000 RUB, version 1.2.3"),
        ("mac aa:bb:cc:dd:ee:ff", "mac aa:bb:cc:dd:ee:ff"),
        ("plan sub_123 canceled at stripe", "plan sub_123 canceled at stripe"),
    ],
)
def test_every_address_in_a_line_keeps_its_network_only(line, logged):
    assert personal_data_redact(line) == logged
    assert personal_data_redact(line, full_addresses=True) == line


def test_the_filter_keeps_whole_addresses_when_the_operator_asks():
    line = "203.0.113.57 GET /embed.js"

    cut = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, line, None, None)
    kept = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, line, None, None)
    PersonalDataFilter().filter(cut)
    PersonalDataFilter(full_addresses=True).filter(kept)

    assert cut.getMessage() == "203.0.113.0 GET /embed.js"
    assert kept.getMessage() == line


def test_the_configured_filter_cuts_addresses_by_default(console):
    assert settings.READERFUND_LOG_FULL_ADDRESSES is False

    logging.getLogger("readerfund.events").warning("odd event from %s", "203.0.113.57")

    assert "odd event from 203.0.113.0" in console.getvalue()
    assert "203.0.113.57" not in console.getvalue()
