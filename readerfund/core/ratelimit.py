"""One fixed-window counter for every rate limit (starting payments, reminders, manage links).

Counts live in the cache only, keyed by an HMAC of what they count (an IP address, a
session, an email address), never the value itself. The HMAC key is derived from
SECRET_KEY and the UTC date, so the cache (or a database cache table, or a dump of either)
holds nothing that can be turned back into a reader's address: an IPv4 address has only
2³² values, and a plain hash of one is reversed by trying them all. Yesterday's keys are
not kept, so one day's counters cannot be linked to the next day's either.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache
from django.utils.crypto import salted_hmac

SECONDS_PER_DAY = 86_400


def rate_key(kind: str, value: str, *, day: int) -> str:
    """The counter's name for `value`: an HMAC under the key of the UTC `day` (days since
    1970-01-01), so that it changes every day."""
    digest = salted_hmac(f"readerfund.core.ratelimit:{day}", f"{kind}:{value}").hexdigest()
    return digest[:32]


#: The window, in seconds, of the limits on starting payments and asking for reminders.
RATE_WINDOW = 600


class RateLimited(Exception):
    """Too many tries in the window; the view answers 429 (or the form again)."""


def _bucket(kind: str, value: str, window: int) -> str:
    number = int(time.time() // window)
    # The day the window starts in, so a window keeps one key to its end. Windows that
    # divide a day (10 minutes, an hour) start again at midnight UTC anyway.
    day = number * window // SECONDS_PER_DAY
    return f"readerfund:rate:{kind}:{rate_key(kind, value, day=day)}:{number}"


def rate_exceeded(kind: str, value: str, *, limit: int, window: int) -> bool:
    """Whether `value` already used up `limit` tries in the current window, counting none."""
    count = cache.get(_bucket(kind, value, window), 0)
    return isinstance(count, int) and count >= limit


def rate_counted(kind: str, value: str, *, limit: int, window: int, amount: int = 1) -> bool:
    """Counts `amount` tries of `value` in the current window of `kind` (e.g. the events of
    one batch); False once over `limit`."""
    bucket = _bucket(kind, value, window)
    cache.add(bucket, 0, window * 2)
    try:
        count = cache.incr(bucket, amount)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, amount, window * 2)
        count = amount
    return count <= limit


def rate_limits_check(
    *, counters: Iterable[tuple[str, str, int]], window: int = RATE_WINDOW
) -> None:
    """Counts one try for each (kind, value, limit) and raises RateLimited if any is over.

    Every counter is counted, even after one is over: the answer and the work are then the
    same whichever value (an address, an email) was the one over its limit.
    """
    allowed = [
        rate_counted(kind, value, limit=limit, window=window) for kind, value, limit in counters
    ]
    if not all(allowed):
        raise RateLimited
