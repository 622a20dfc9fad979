"""Per-variant figures from aggregates: value per 1,000 views, conversion rate, and the
difference to a reference, each with an interval.

A variant is described by five sums only (`VariantCounts`), so the figures can be computed
from the daily counts the worker keeps, without any per-reader row. Every impression is one
observation whose value is 0 (no gift) or the gift's capped annualised value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from readerfund.stats.counts import Interval, VariantCounts, z_value
from readerfund.stats.sequential import lift_sequence


@dataclass(frozen=True)
class VariantSummary:
    """What a campaign page shows for one variant.

    `difference_per_1000` (value per 1,000 views minus the reference's) and `relative_lift`
    (0.18 = 18 % more than the reference) are always-valid intervals — the same confidence
    sequences the declaration rule uses (`readerfund.stats.sequential`) — so they may be
    looked at every day without becoming overconfident. They are None for the reference
    itself, and when the reference has no value yet (a relative lift is then undefined).
    """

    name: str
    impressions: int
    conversions: int
    is_reference: bool
    value_per_1000: Interval
    conversion_rate: Interval
    difference_per_1000: Interval | None
    relative_lift: Interval | None


def wilson_interval(*, successes: int, trials: int, confidence: float = 0.95) -> Interval:
    """Wilson's score interval for a proportion (Wilson 1927; Newcombe 1998, method 3).

    Unlike the textbook "p ± 1.96·√(p(1−p)/n)", it stays inside [0, 1] and keeps close to
    its nominal coverage at the tiny rates of donation asks (0 gifts in 2,000 views gives
    [0, 0.19 %], not [0, 0]).
    """
    if trials == 0:
        return Interval(estimate=0.0, low=0.0, high=1.0)
    z = z_value(confidence)
    p = successes / trials
    denominator = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / denominator
    # Rounding must not push the ends past the observed rate (0 gifts: low is exactly 0).
    low = 0.0 if successes == 0 else min(max(centre - half, 0.0), p)
    high = 1.0 if successes == trials else max(min(centre + half, 1.0), p)
    return Interval(estimate=p, low=low, high=high)


def value_interval(*, counts: VariantCounts, confidence: float = 0.95) -> Interval:
    """Mean value per view with a normal (central limit) interval, clipped at 0.

    Sparse, heavy-tailed gifts make this interval too narrow while a variant has only a
    few gifts; pages should say so below `MIN_CONVERSIONS` (see `sequential`). Capping each
    gift (done before the sums reach here) is what keeps it honest afterwards.
    """
    n = counts.impressions
    mean = counts.value_per_view
    if n < 2:
        return Interval(estimate=mean, low=0.0, high=math.inf)
    half = z_value(confidence) * math.sqrt(counts.value_variance / n)
    return Interval(estimate=mean, low=max(mean - half, 0.0), high=mean + half)


def _scaled(interval: Interval, factor: float) -> Interval:
    return Interval(interval.estimate * factor, interval.low * factor, interval.high * factor)


def variant_summary(
    *,
    variants: Sequence[VariantCounts],
    reference: str | None = None,
    confidence: float = 0.95,
) -> list[VariantSummary]:
    """Figures for each variant, in the order given.

    `reference` names the variant the others are compared with (the campaign's control, or
    its first variant when None). Per-variant intervals are ordinary 95 % intervals (how
    precisely each figure is known today); differences and lifts are always-valid, with the
    error rate split over the comparisons with the reference (Bonferroni).
    """
    if not variants:
        return []
    names = [variant.name for variant in variants]
    if len(set(names)) != len(names):
        raise ValueError("variant names must be unique")
    reference_name = reference if reference is not None else names[0]
    if reference_name not in names:
        raise ValueError(f"unknown reference variant {reference_name!r}")
    base = variants[names.index(reference_name)]
    comparisons = max(len(variants) - 1, 1)
    summaries = []
    for variant in variants:
        is_reference = variant.name == reference_name
        difference = lift = None
        if not is_reference:
            sequence = lift_sequence(
                variant=variant, reference=base, alpha=(1 - confidence) / comparisons
            )
            difference = _scaled(sequence.difference, 1000)
            lift = sequence.lift
        summaries.append(
            VariantSummary(
                name=variant.name,
                impressions=variant.impressions,
                conversions=variant.conversions,
                is_reference=is_reference,
                value_per_1000=_scaled(value_interval(counts=variant, confidence=confidence), 1000),
                conversion_rate=wilson_interval(
                    successes=variant.conversions, trials=variant.impressions, confidence=confidence
                ),
                difference_per_1000=difference,
                relative_lift=lift,
            )
        )
    return summaries
