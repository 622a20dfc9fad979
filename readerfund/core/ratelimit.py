"""One fixed-window counter for every rate limit (starting payments, reminders, manage links).

Counts live in the cache only, under a hash of what they count (an IP address, a session,
an email address), never the value itself.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


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
