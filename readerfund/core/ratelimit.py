"""One fixed-window counter for every rate limit (starting payments, reminders, manage links).

Counts live in the cache only, under a hash of what they count (an IP address, a session,
an email address), never the value itself.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable

from django.core.cache import cache

#: The window, in seconds, of the limits on starting payments and asking for reminders.
RATE_WINDOW = 600


class RateLimited(Exception):
    """Too many tries in the window; the view answers 429 (or the form again)."""


def _bucket(kind: str, value: str, window: int) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"readerfund:rate:{kind}:{digest}:{int(time.time() // window)}"


def rate_exceeded(kind: str, value: str, *, limit: int, window: int) -> bool:
    """Whether `value` already used up `limit` tries in the current window, counting none."""
    count = cache.get(_bucket(kind, value, window), 0)
    return isinstance(count, int) and count >= limit


def rate_counted(kind: str, value: str, *, limit: int, window: int) -> bool:
    """Counts one try of `value` in the current window of `kind`; False once over `limit`."""
    bucket = _bucket(kind, value, window)
    cache.add(bucket, 0, window * 2)
    try:
        count = cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, window * 2)
        count = 1
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
