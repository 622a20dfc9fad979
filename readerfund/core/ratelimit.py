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

from django.core.cache import cache
from django.utils.crypto import salted_hmac

SECONDS_PER_DAY = 86_400


def rate_key(kind: str, value: str, *, day: int) -> str:
    """The counter's name for `value`: an HMAC under the key of the UTC `day` (days since
    1970-01-01), so that it changes every day."""
    digest = salted_hmac(f"readerfund.core.ratelimit:{day}", f"{kind}:{value}").hexdigest()
    return digest[:32]


def rate_counted(kind: str, value: str, *, limit: int, window: int) -> bool:
    """Counts one try of `value` in the current window of `kind`; False once over `limit`."""
    number = int(time.time() // window)
    # The day the window starts in, so a window keeps one key to its end. Windows that
    # divide a day (10 minutes, an hour) start again at midnight UTC anyway.
    day = number * window // SECONDS_PER_DAY
    bucket = f"readerfund:rate:{kind}:{rate_key(kind, value, day=day)}:{number}"
    cache.add(bucket, 0, window * 2)
    try:
        count = cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, window * 2)
        count = 1
    return count <= limit
