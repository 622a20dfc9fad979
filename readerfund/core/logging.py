"""No personal data in logs: email addresses and email-link tokens are redacted from every
log record before any handler writes it, and client addresses are cut to their network.

A reader's address, or a link that acts for them (manage, unsubscribe), must not end up
in a log file that many people and machines read. Django itself logs request paths
("Not Found: /manage/<token>/") and the access logs print every path, so the filter sits
on every handler in settings.LOGGING (Django's request log, runserver's and gunicorn's
access logs included) rather than in the few places readerfund logs on purpose.

A reader's IP address beside the path of an outlet's `/embed.js` is proof that they read
it. So every IPv4 address in a record keeps only its /24 (203.0.113.57 → 203.0.113.0) and
every IPv6 address its /48 (2001:db8:1234:5678::9 → 2001:db8:1234::), unless the operator
sets READERFUND_LOG_FULL_ADDRESSES (docs/privacy.md).
"""

from __future__ import annotations

import ipaddress
import logging
import re

EMAIL_REDACTED = "[email]"
TOKEN_REDACTED = "[token]"  # noqa: S105 (a marker, not a secret)

# Local part and domain as they appear in logs, "@" also URL-encoded (query strings).
# "=" and "?" are left out of the local part so that "?email=" stays readable.
_EMAIL = re.compile(r"[\w.!#$%&'*+/^`{|}~-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# An email-link token as core.tokens makes it (Django-signed JSON, "eyJ" is base64 of '{"'),
# wherever it appears, ":" also URL-encoded.
_SIGNED_TOKEN = re.compile(
    r"eyJ[A-Za-z0-9_-]*(?::|%3A)[A-Za-z0-9]+(?::|%3A)[A-Za-z0-9_-]+", re.IGNORECASE
)
# A long path segment after the link words, so that truncated or mangled tokens (the
# ones that 404) are redacted too; short ones are the pages' own words ("/manage/export/").
LINK_WORDS = ("manage", "unsubscribe", "confirm")
_LINK_SEGMENT = re.compile(rf"(/(?:{'|'.join(LINK_WORDS)})/)[^/\s?#\"']{{16,}}")


# What is kept of a client address: its network, as wide as an ISP's customer block.
IPV4_PREFIX = 24
IPV6_PREFIX = 48
# A run of the characters addresses are written with; ipaddress decides what is one. A run
# that is not an address as a whole may still hold one ("ip:2001:db8::1", "10.1.2.3:8080").
_RUN = re.compile(r"[0-9a-f:.]{3,}", re.IGNORECASE)
_IPV4_INSIDE = re.compile(r"(?<!\d)(?:\d{1,3}\.){3}\d{1,3}(?!\d)")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parsed(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _network(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        # ::ffff:203.0.113.57 is an IPv4 client seen through an IPv6 socket.
        return f"::ffff:{_network(address.ipv4_mapped)}"
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network((address, prefix), strict=False).network_address)


def address_truncate(value: str) -> str:
    """One client address cut to its network (IPv4 /24, IPv6 /48); "-" if it is none."""
    address = _parsed(value.strip().removeprefix("[").removesuffix("]"))
    return "-" if address is None else _network(address)


def _address_truncate_or_keep(match: re.Match[str]) -> str:
    address = _parsed(match.group())
    return match.group() if address is None else _network(address)


def _run_truncate(match: re.Match[str]) -> str:
    run = match.group()
    if run.count(":") < 2 and run.count(".") < 3:
        return run  # a number, a word, a time of day: no address fits
    # The longest address the run ends with, or the run without a full stop or colon after it.
    starts = [0] + [index + 1 for index, char in enumerate(run) if char in ":."]
    for start in starts:
        for end in (len(run), len(run.rstrip(":."))):
            address = _parsed(run[start:end])
            if address is not None:
                return run[:start] + _network(address) + run[end:]
    return _IPV4_INSIDE.sub(_address_truncate_or_keep, run)


def addresses_truncate(text: str) -> str:
    """The text with every IPv4 and IPv6 address in it cut to its network."""
    return _RUN.sub(_run_truncate, text)


def personal_data_redact(text: str, *, full_addresses: bool = False) -> str:
    """The text with email addresses and email-link tokens replaced by markers, and client
    addresses cut to their network unless `full_addresses`."""
    text = _SIGNED_TOKEN.sub(TOKEN_REDACTED, text)
    text = _LINK_SEGMENT.sub(lambda match: match.group(1) + TOKEN_REDACTED, text)
    text = _EMAIL.sub(EMAIL_REDACTED, text)
    return text if full_addresses else addresses_truncate(text)


class PersonalDataFilter(logging.Filter):
    """Rewrites each record in place, so every later handler sees the redacted text too.

    `full_addresses` (settings.READERFUND_LOG_FULL_ADDRESSES) keeps client addresses whole.
    """

    def __init__(self, full_addresses: bool = False) -> None:
        super().__init__()
        self.full_addresses = full_addresses

    def _redact(self, text: str) -> str:
        return personal_data_redact(text, full_addresses=self.full_addresses)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: leave as is
            message = str(record.msg)
        redacted = self._redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            # Exception messages name values too (e.g. a unique-constraint error).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True
