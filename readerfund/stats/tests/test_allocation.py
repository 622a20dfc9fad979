"""Adaptive allocation: weights that sum to 1, keep the floor, wait for the burn-in, and
move traffic to the variant that raises the most per view."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from readerfund.stats import AllocationSettings, VariantCounts, weights_allocate
from readerfund.stats.allocation import gamma_draws


def _variant(name, views, gifts, mean=100.0):
    return VariantCounts(name, views, gifts, gifts * mean, gifts * mean**2 * 4)


@settings(max_examples=100, deadline=None)
@given(
    counts=st.lists(
        st.tuples(st.integers(0, 500_000), st.integers(0, 2000), st.floats(1, 1000)),
        min_size=1,
        max_size=8,
    ),
    floor=st.sampled_from([0.0, 0.01, 0.05, 0.1]),
    seed=st.integers(0, 2**32),
)
def test_weights_sum_to_one_and_every_variant_keeps_its_floor(counts, floor, seed):
    variants = [
        _variant(f"V{i}", views, min(gifts, views), mean)
        for i, (views, gifts, mean) in enumerate(counts)
    ]

    weights = weights_allocate(
        variants=variants, seed=seed, settings=AllocationSettings(floor=floor, draws=500)
    )

    assert sum(weights.values()) == pytest.approx(1.0)
    assert min(weights.values()) >= floor - 1e-12


def test_traffic_moves_to_the_variant_that_raises_the_most_per_view():
    # given B raising clearly more per view than A and C after the burn-in
    variants = [_variant("A", 40_000, 100), _variant("B", 40_000, 180), _variant("C", 40_000, 90)]

    # when
    weights = weights_allocate(variants=variants, seed=1)

    # then B gets most of the traffic and the others keep at least the 1 % floor
    assert weights["B"] > 0.9
    assert min(weights["A"], weights["C"]) >= 0.01


def test_larger_gifts_can_outweigh_a_higher_conversion_rate():
    # given A converting more often and B raising more per view with fewer, larger gifts
    a = _variant("A", 200_000, 800, mean=100.0)
    b = _variant("B", 200_000, 600, mean=200.0)

    weights = weights_allocate(variants=[a, b], seed=3)

    assert weights["B"] > weights["A"]


def test_nothing_moves_during_the_burn_in():
    variants = [_variant("A", 900, 0), _variant("B", 5000, 40)]

    weights = weights_allocate(variants=variants, seed=1, settings=AllocationSettings(burn_in=1000))

    assert weights == {"A": 0.5, "B": 0.5}


def test_the_same_seed_gives_the_same_weights():
    variants = [_variant("A", 20_000, 50), _variant("B", 20_000, 60)]

    assert weights_allocate(variants=variants, seed=42) == weights_allocate(
        variants=variants, seed=42
    )


def test_a_floor_that_leaves_nothing_to_allocate_is_refused():
    variants = [_variant("A", 20_000, 50), _variant("B", 20_000, 60)]

    with pytest.raises(ValueError, match="floor"):
        weights_allocate(variants=variants, settings=AllocationSettings(floor=0.6))


@pytest.mark.parametrize("shape", [0.2, 1.0, 3.0, 12.0, 400.0])
def test_fast_gamma_draws_follow_the_gamma_distribution(shape):
    draws = gamma_draws(np.array([shape]), draws=200_000, rng=np.random.default_rng(5))[0]

    # each quantile of the draws sits where the exact distribution puts it, within 1 point
    for quantile in (0.05, 0.25, 0.5, 0.75, 0.95):
        where = scipy_stats.gamma.cdf(np.quantile(draws, quantile), shape)
        assert where == pytest.approx(quantile, abs=0.01)
