"""Rate limits: one error for every limit, every counter counted each time, and tries
counted per address without the cache ever holding the address."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from readerfund.core.ratelimit import RateLimited, rate_counted, rate_key, rate_limits_check

ADDRESS = "203.0.113.57"


@pytest.fixture
def database_cache() -> Iterator[str]:
    """The cache in a database table, where an operator (or a dump) can read every row."""
    table = "readerfund_test_cache"
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    }
    with override_settings(CACHES=caches):
        call_command("createcachetable", verbosity=0)
        yield table


@pytest.mark.django_db
def test_the_limit_still_counts_each_address_apart(database_cache):
    # given three tries allowed per window
    def counted(address: str) -> bool:
        return rate_counted("checkout-ip", address, limit=3, window=600)

    # when one address tries four times and another once
    tries = [counted(ADDRESS) for _ in range(4)]
    other = counted("198.51.100.7")

    # then the fourth try is refused, and the other address is not affected
    assert tries == [True, True, True, False]
    assert other is True


@pytest.mark.django_db
def test_the_cache_holds_neither_the_address_nor_a_plain_hash_of_it(database_cache):
    # when readers are counted under each of the limits
    for kind in ("checkout-ip", "remind-ip", "manage-link-ip"):
        rate_counted(kind, ADDRESS, limit=5, window=600)

    # then no row of the cache table names the address or its unkeyed hash, which anyone
    # could find again by hashing all 2³² IPv4 addresses
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key, value FROM {database_cache}")  # noqa: S608 (ours)
        rows = " ".join(f"{key} {value}" for key, value in cursor.fetchall())
    assert rows.count("readerfund:rate:") == 3
    assert ADDRESS not in rows
    for kind in ("", "checkout-ip:"):
        assert hashlib.sha256(f"{kind}{ADDRESS}".encode()).hexdigest()[:16] not in rows


def test_the_key_changes_every_day_and_with_the_secret_key(settings):
    today = rate_key("checkout-ip", ADDRESS, day=20_000)

    assert rate_key("checkout-ip", ADDRESS, day=20_000) == today
    assert rate_key("checkout-ip", ADDRESS, day=20_001) != today
    assert rate_key("remind-ip", ADDRESS, day=20_000) != today
    settings.SECRET_KEY = "another-installation-" + "k" * 40
    assert rate_key("checkout-ip", ADDRESS, day=20_000) != today


def test_tries_within_every_limit_pass():
    for _ in range(3):
        rate_limits_check(counters=[("test-ip", "192.0.2.1", 3), ("test-email", "a@b.org", 5)])


def test_one_counter_over_its_limit_raises_rate_limited():
    for _ in range(2):
        rate_limits_check(counters=[("test-ip", "192.0.2.1", 2), ("test-email", "a@b.org", 5)])

    with pytest.raises(RateLimited):
        rate_limits_check(counters=[("test-ip", "192.0.2.1", 2), ("test-email", "a@b.org", 5)])


def test_every_counter_is_counted_even_when_one_is_over():
    # given an address over its limit of one for the second and third tries
    rate_limits_check(counters=[("test-ip", "192.0.2.1", 1), ("test-email", "a@b.org", 9)])
    for _ in range(2):
        with pytest.raises(RateLimited):
            rate_limits_check(counters=[("test-ip", "192.0.2.1", 1), ("test-email", "a@b.org", 9)])

    # then the email's counter counted all three tries: the fourth of a limit of 4 passes,
    # the fifth does not
    assert rate_counted("test-email", "a@b.org", limit=4, window=600)
    assert not rate_counted("test-email", "a@b.org", limit=4, window=600)
