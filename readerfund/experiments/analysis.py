"""The one place where experiments turns stored totals into statistics.

Everything here works on summary statistics per variant (impressions, gifts, Σ value,
Σ value²) and knows nothing of the database. The pages and the worker call only these
functions, so the statistics behind them can change in one place.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

HOLDOUT = "_holdout"  # the control slice, as the embed reports it
Z95 = 1.959963984540054
ALPHA = 0.05
#: The always-valid interval is tightest around this many impressions per variant.
MIXTURE_IMPRESSIONS = 10_000
DRAWS = 4000


@dataclass(frozen=True)
class VariantSummary:
    variant: str
    impressions: int = 0
    conversions: int = 0
    value_sum: float = 0.0  # minor units of the base currency, each gift capped
    value_squares: float = 0.0


@dataclass(frozen=True)
class AllocationSettings:
    floor: float = 0.01  # share each variant keeps
    burn_in: int = 1000  # impressions every variant needs before traffic moves


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class VariantStatistics:
    variant: str
    impressions: int
    conversions: int
    value_per_mille: Interval  # base-currency minor units per 1,000 impressions
    conversion: Interval  # a share, 0 to 1
    lift: Interval | None  # relative to the reference: 0.18 is 18 % more; None for it
    declared: bool  # the always-valid interval of the lift excludes 0


def _mean_and_variance(s: VariantSummary) -> tuple[float, float]:
    if s.impressions == 0:
        return 0.0, 0.0
    mean = s.value_sum / s.impressions
    return mean, max(s.value_squares / s.impressions - mean * mean, 0.0)


def value_per_mille(s: VariantSummary) -> Interval:
    mean, variance = _mean_and_variance(s)
    half = Z95 * math.sqrt(variance / s.impressions) if s.impressions else 0.0
    return Interval(1000 * mean, 1000 * max(mean - half, 0.0), 1000 * (mean + half))


def conversion_interval(s: VariantSummary) -> Interval:
    """Wilson's score interval, sound for rates near 0."""
    n, k = s.impressions, s.conversions
    if n == 0:
        return Interval(0.0, 0.0, 1.0)
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return Interval(p, max(centre - half, 0.0), min(centre + half, 1.0))


def _always_valid_factor(n: float) -> float:
    """How much wider than a fixed-sample 95 % interval a normal-mixture confidence sequence
    is after n impressions: its error rate holds however often anyone looks."""
    r = MIXTURE_IMPRESSIONS / max(n, 1.0)
    return math.sqrt((1 + r) * math.log((1 + r) / (r * ALPHA**2))) / Z95


def lift_interval(s: VariantSummary, reference: VariantSummary) -> Interval | None:
    """The relative difference in value per impression, always-valid (delta method)."""
    mean, variance = _mean_and_variance(s)
    ref_mean, ref_variance = _mean_and_variance(reference)
    if ref_mean <= 0 or not s.impressions or not reference.impressions:
        return None
    lift = mean / ref_mean - 1
    se = math.sqrt(
        variance / s.impressions / ref_mean**2
        + mean**2 * ref_variance / reference.impressions / ref_mean**4
    )
    half = Z95 * se * _always_valid_factor(min(s.impressions, reference.impressions))
    return Interval(lift, lift - half, lift + half)


def reference_of(summaries: list[VariantSummary]) -> VariantSummary | None:
    """The control slice if it has any views, else the first variant."""
    holdout = [s for s in summaries if s.variant == HOLDOUT and s.impressions]
    others = [s for s in summaries if s.variant != HOLDOUT]
    found = holdout or others
    return found[0] if found else None


def variants_analyse(summaries: list[VariantSummary]) -> list[VariantStatistics]:
    reference = reference_of(summaries)
    result = []
    for s in summaries:
        lift = None if reference is None or s is reference else lift_interval(s, reference)
        result.append(
            VariantStatistics(
                variant=s.variant,
                impressions=s.impressions,
                conversions=s.conversions,
                value_per_mille=value_per_mille(s),
                conversion=conversion_interval(s),
                lift=lift,
                declared=lift is not None and (lift.low > 0 or lift.high < 0),
            )
        )
    return result


def views_needed(s: VariantSummary, reference: VariantSummary) -> int | None:
    """About how many more views each of the two needs before the interval of the lift
    seen so far would exclude 0; None when nothing separates them yet."""
    lift = lift_interval(s, reference)
    if lift is None or lift.estimate == 0:
        return None
    half = (lift.high - lift.low) / 2
    n = min(s.impressions, reference.impressions)
    ratio = (half / abs(lift.estimate)) ** 2
    return max(int(n * ratio - n), 0) if ratio > 1 else 0


def srm_p_value(*, observed: dict[str, int], intended: dict[str, float]) -> float | None:
    """Chi-square test of the observed split of impressions against the intended shares;
    None when there is too little to test."""
    keys = [k for k in intended if intended[k] > 0]
    counts = np.array([observed.get(k, 0) for k in keys], dtype=float)
    if len(keys) < 2 or counts.sum() < 100:
        return None
    shares = np.array([intended[k] for k in keys], dtype=float)
    expected = counts.sum() * shares / shares.sum()
    return float(sps.chisquare(counts, expected).pvalue)


def weights_compute(
    *, summaries: list[VariantSummary], settings: AllocationSettings, seed: str
) -> dict[str, float] | None:
    """Thompson sampling on value per impression: each variant's share is the probability
    that it is the best under the posterior, then raised to the floor. None during the
    burn-in. `seed` makes one update reproducible.

    The posterior of value per impression is a product: the conversion rate (Beta) times
    the mean capped gift (normal around the observed mean), which suits many zeros and a
    heavy tail that the cap has already bounded."""
    arms = [s for s in summaries if s.variant != HOLDOUT]
    if len(arms) < 2 or min(s.impressions for s in arms) < settings.burn_in:
        return None
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8]))
    pooled_gift = sum(s.value_sum for s in arms) / max(sum(s.conversions for s in arms), 1)
    draws = []
    for s in arms:
        rate = rng.beta(1 + s.conversions, 1 + s.impressions - s.conversions, DRAWS)
        k = s.conversions
        gift_mean = (s.value_sum + pooled_gift) / (k + 1)  # one pseudo-gift at the pooled mean
        gift_variance = max(s.value_squares / max(k, 1) - (s.value_sum / max(k, 1)) ** 2, 0.0)
        spread = math.sqrt((gift_variance or pooled_gift**2) / (k + 1))
        draws.append(rate * np.maximum(rng.normal(gift_mean, spread, DRAWS), 0.0))
    best = np.argmax(np.vstack(draws), axis=0)
    shares = np.bincount(best, minlength=len(arms)) / DRAWS
    floor = min(settings.floor, 1 / len(arms))
    shares = floor + (1 - floor * len(arms)) * shares
    return {s.variant: float(share) for s, share in zip(arms, shares, strict=True)}
