"""Adaptive allocation: Thompson sampling on value per view, with a floor and a burn-in.

Value per view is modelled as (chance of a gift) × (mean gift), which suits sparse gifts
with heavy-tailed amounts better than one normal model of the per-view value:

- chance of a gift: Beta posterior, with a prior worth one gift at the campaign's pooled
  rate (so a variant with few views is neither ignored nor wildly optimistic);
- mean gift: gifts taken as Gamma-distributed with a shape fitted to the campaign's pooled
  Σx and Σx² (heavy tails give a small shape, hence a wide posterior), and a conjugate Gamma
  posterior on the rate from the variant's own Σx, with a prior worth `PRIOR_GIFTS` gifts at
  the pooled mean.

A variant's weight is its chance of being the best under these posteriors (Thompson's
probability matching), estimated from Monte Carlo draws of a seeded generator. With
`top_two` (Russo 2016) part of the leader's traffic goes to its closest challenger, which
settles which variant is best sooner at a small cost. Every variant keeps at least `floor`
of the traffic, and nothing moves before each variant has `burn_in` views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from readerfund.stats.counts import VariantCounts

BOOST_TO = 4.0
"""Gamma shapes below this are drawn at a larger shape and scaled down exactly."""
PRIOR_GIFTS = 2.0
"""Strength of the prior on a variant's mean gift, in gifts at the campaign's pooled mean."""


@dataclass(frozen=True)
class AllocationSettings:
    """How traffic moves. `floor`: the least share any variant keeps (default 1 %);
    `burn_in`: views every variant must have before the split changes; `draws`: Monte
    Carlo draws per variant; `top_two`: share of the leader's traffic it keeps under
    top-two sampling (1.0 = plain Thompson sampling); `sharpness`: posteriors narrowed as if
    the data were this many times more numerous (1.0 = exact posteriors; more = greedier)."""

    floor: float = 0.01
    burn_in: int = 1_000
    draws: int = 4_000
    # Tuned in `scripts/bench experiments` (docs/benchmarks.md): plain Thompson sampling
    # explored too long on sparse, heavy-tailed gifts and lost to ε-greedy in regret.
    top_two: float = 0.9
    sharpness: float = 4.0

    def __post_init__(self) -> None:
        if not 0 <= self.floor < 1:
            raise ValueError("floor must lie in [0, 1)")
        if self.burn_in < 0 or self.draws < 1:
            raise ValueError("burn_in and draws must be positive")
        if not 0 < self.top_two <= 1:
            raise ValueError("top_two must lie in (0, 1]")
        if self.sharpness <= 0:
            raise ValueError("sharpness must be positive")


def _f64(values: NDArray[np.float64] | Sequence[float]) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


def gamma_draws(
    shape: NDArray[np.float64], *, draws: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """`draws` Gamma(shape, 1) variates per entry of `shape`, shape (..., draws).

    Wilson and Hilferty's cube of a normal (1931), the approximation at the heart of
    Marsaglia and Tsang's sampler, is accurate to well under 1 % in every quantile once the
    shape is at least 4; smaller shapes are boosted exactly (G(a) = G(a + 1)·U^(1/a)). It is
    about ten times faster than numpy's exact sampler with a different shape per entry,
    which is what lets the benchmark simulate thousands of tests hour by hour.
    """
    a = np.asarray(shape, dtype=np.float64)[..., None]
    boost = np.where(a < BOOST_TO, np.ceil(BOOST_TO - a), 0.0)
    boosted = a + boost
    nine = 9 * boosted
    normal = rng.standard_normal((*a.shape[:-1], draws))
    values = boosted * np.maximum(1 - 1 / nine + normal / np.sqrt(nine), 1e-6) ** 3
    # G(a) = G(a + 1)·U^(1/a), applied once per unit of boost (exact).
    for step in range(int(boost.max(initial=0))):
        needs = boost > step
        uniform = rng.random(values.shape)
        exponent = 1 / np.maximum(boosted - step - 1, 1e-12)
        values = np.where(needs, values * uniform**exponent, values)
    return np.asarray(values, dtype=np.float64)


def best_probabilities(
    *,
    impressions: NDArray[np.float64],
    conversions: NDArray[np.float64],
    value_sum: NDArray[np.float64],
    value_sum_squares: NDArray[np.float64],
    rng: np.random.Generator,
    draws: int = 4_000,
    sharpness: float = 1.0,
) -> NDArray[np.float64]:
    """Each variant's posterior chance of raising the most per view; arrays (..., K).

    `sharpness` > 1 narrows every posterior around its mean (variances divided by it), as if
    the data were that many times more numerous: a greedier allocation."""
    n, k, s, q = (_f64(a) for a in (impressions, conversions, value_sum, value_sum_squares))
    total_n = n.sum(axis=-1, keepdims=True)
    total_k = k.sum(axis=-1, keepdims=True)
    total_s = s.sum(axis=-1, keepdims=True)
    total_q = q.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled_rate = np.clip((total_k + 1) / (total_n + 2), 1e-9, 0.5)
        pooled_mean = np.where(total_k > 0, total_s / total_k, 1.0)
        pooled_var = np.where(total_k > 1, total_q / total_k - pooled_mean**2, 0.0)
        shape = np.where(pooled_var > 0, pooled_mean**2 / pooled_var, 1.0)
    shape = np.clip(shape, 0.05, 20.0)
    failures = np.maximum(n - k, 0) + (1 - pooled_rate) / pooled_rate
    c = sharpness
    successes = gamma_draws(c * (1 + k), draws=draws, rng=rng)
    chance = successes / (successes + gamma_draws(c * failures, draws=draws, rng=rng))
    rate = (
        gamma_draws(c * shape * (PRIOR_GIFTS + k), draws=draws, rng=rng)
        / ((c * (PRIOR_GIFTS * pooled_mean + s))[..., None])
    )
    value = chance * shape[..., None] / rate
    best = np.argmax(value, axis=-2)  # (..., draws)
    counts = np.stack([(best == i).sum(axis=-1) for i in range(n.shape[-1])], axis=-1)
    return np.asarray(counts / draws, dtype=np.float64)


def weights_from_probabilities(
    probabilities: NDArray[np.float64], *, floor: float, top_two: float
) -> NDArray[np.float64]:
    """Top-two sampling's split from the chances of being best, then the floor."""
    p = _f64(probabilities)
    k_variants = p.shape[-1]
    odds = p / np.maximum(1 - p, 1e-6)
    challenger = odds.sum(axis=-1, keepdims=True) - odds
    weights = p * (top_two + (1 - top_two) * challenger)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return np.asarray(floor + (1 - k_variants * floor) * weights, dtype=np.float64)


def thompson_weights(
    *,
    impressions: NDArray[np.float64],
    conversions: NDArray[np.float64],
    value_sum: NDArray[np.float64],
    value_sum_squares: NDArray[np.float64],
    rng: np.random.Generator,
    settings: AllocationSettings = AllocationSettings(),
) -> NDArray[np.float64]:
    """The new split for many tests at once (simulations): arrays (..., K) → weights
    (..., K) that sum to 1. Uniform until every variant has `settings.burn_in` views."""
    n = _f64(impressions)
    k_variants = n.shape[-1]
    if k_variants * settings.floor > 1:
        raise ValueError("the floor leaves nothing to allocate")
    probabilities = best_probabilities(
        impressions=n,
        conversions=conversions,
        value_sum=value_sum,
        value_sum_squares=value_sum_squares,
        rng=rng,
        draws=settings.draws,
        sharpness=settings.sharpness,
    )
    weights = weights_from_probabilities(
        probabilities, floor=settings.floor, top_two=settings.top_two
    )
    burning_in = (n.min(axis=-1, keepdims=True) < settings.burn_in) | (
        _f64(conversions).sum(axis=-1, keepdims=True) == 0
    )
    return np.where(burning_in, 1 / k_variants, weights)


def weights_allocate(
    *,
    variants: Sequence[VariantCounts],
    seed: int | None = None,
    settings: AllocationSettings = AllocationSettings(),
) -> dict[str, float]:
    """The next split of a campaign's traffic, by variant name; the shares sum to 1.

    Pass a `seed` (e.g. from the campaign and the update's hour) to make an update
    reproducible; the result varies by about ±1/√draws between seeds.
    """
    if not variants:
        return {}
    rng = np.random.default_rng(seed)
    weights = thompson_weights(
        impressions=_f64([v.impressions for v in variants]),
        conversions=_f64([v.conversions for v in variants]),
        value_sum=_f64([v.value_sum for v in variants]),
        value_sum_squares=_f64([v.value_sum_squares for v in variants]),
        rng=rng,
        settings=settings,
    )
    return {variant.name: float(weight) for variant, weight in zip(variants, weights, strict=True)}
