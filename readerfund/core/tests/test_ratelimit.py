"""rate_limits_check: one error for every limit, and every counter counted each time."""

from __future__ import annotations

import pytest

from readerfund.core.ratelimit import RateLimited, rate_counted, rate_limits_check


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
