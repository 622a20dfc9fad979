"""Per-variant figures: published examples, properties, and coverage in simulation."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from readerfund.stats import VariantCounts, variant_summary, wilson_interval
from readerfund.stats.summary import value_interval


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombes_published_examples(successes, trials, low, high):
    interval = wilson_interval(successes=successes, trials=trials)

    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


@given(trials=st.integers(1, 10**7), data=st.data())
def test_wilson_interval_lies_in_zero_one_and_holds_the_observed_rate(trials, data):
    successes = data.draw(st.integers(0, trials))

    interval = wilson_interval(successes=successes, trials=trials)

    assert 0 <= interval.low <= interval.estimate <= interval.high <= 1
    assert interval.high > 0  # no gift yet is not proof that none will come


def test_summary_compares_every_variant_with_the_reference_it_is_given():
    # given a control that raises less than the variant asking for monthly support
    control = VariantCounts("control", 100_000, 200, 200 * 100.0, 200 * 100.0**2 * 3)
    monthly = VariantCounts("monthly", 100_000, 300, 300 * 100.0, 300 * 100.0**2 * 3)

    # when
    rows = variant_summary(variants=[monthly, control], reference="control")

    # then the control is the reference and the variant's lift is measured against it
    by_name = {row.name: row for row in rows}
    assert by_name["control"].is_reference and by_name["control"].relative_lift is None
    lift = by_name["monthly"].relative_lift
    assert lift is not None and lift.estimate == pytest.approx(0.5)
    assert lift.low < 0.5 < lift.high
    assert by_name["monthly"].value_per_1000.estimate == pytest.approx(300.0)
    assert by_name["monthly"].difference_per_1000 is not None
    assert by_name["monthly"].difference_per_1000.estimate == pytest.approx(100.0)
    assert by_name["monthly"].conversion_rate.estimate == pytest.approx(0.003)


def test_summary_uses_the_first_variant_when_no_reference_is_named():
    a = VariantCounts("A", 1000, 5, 500.0, 60_000.0)
    b = VariantCounts("B", 1000, 6, 600.0, 70_000.0)

    rows = variant_summary(variants=[a, b])

    assert [row.is_reference for row in rows] == [True, False]


def test_summary_has_no_lift_while_the_reference_has_raised_nothing():
    a = VariantCounts("A", 1000, 0, 0.0, 0.0)
    b = VariantCounts("B", 1000, 6, 600.0, 70_000.0)

    rows = variant_summary(variants=[a, b])

    assert rows[1].relative_lift is None
    assert rows[0].value_per_1000.high == 0.0


def test_counts_that_cannot_happen_are_refused():
    with pytest.raises(ValueError, match="more conversions than impressions"):
        VariantCounts("A", 10, 11, 1.0, 1.0)


def _gifts(rng, count):
    """Log-normal annualised gifts (σ = 1.2) with a 2 % Pareto tail, capped at 2,000."""
    amounts = rng.lognormal(math.log(50), 1.2, count)
    tail = rng.random(count) < 0.02
    amounts[tail] = 300 * (1 + rng.pareto(1.3, int(tail.sum())))
    return np.minimum(amounts, 2000.0)


def test_value_interval_covers_the_true_value_per_view_about_95_times_in_100():
    # given 2,000 simulated variants of 100,000 views converting 0.3 % (≈ 300 gifts each)
    rng = np.random.default_rng(11)
    truth = 0.003 * float(_gifts(np.random.default_rng(1), 2_000_000).mean())
    runs, views = 2000, 100_000
    covered = 0
    for _ in range(runs):
        gifts = _gifts(rng, int(rng.binomial(views, 0.003)))
        counts = VariantCounts("A", views, len(gifts), float(gifts.sum()), float((gifts**2).sum()))
        # when
        interval = value_interval(counts=counts)
        # then
        covered += interval.low <= truth <= interval.high
    coverage = covered / runs
    standard_error = math.sqrt(0.95 * 0.05 / runs)
    assert abs(coverage - 0.95) < 3 * standard_error + 0.01, coverage


def test_wilson_interval_covers_a_rare_rate_at_least_about_95_times_in_100():
    rng = np.random.default_rng(12)
    runs, views, rate = 4000, 20_000, 0.002
    successes = rng.binomial(views, rate, runs)

    covered = sum(
        wilson_interval(successes=int(k), trials=views).low
        <= rate
        <= wilson_interval(successes=int(k), trials=views).high
        for k in successes
    )

    assert covered / runs > 0.95 - 3 * math.sqrt(0.95 * 0.05 / runs)
