"""Always-valid comparisons and the rule that declares a winner.

The interval around a difference is a *confidence sequence*: with probability at least
1 − α it holds at every moment of the test at once, so an editor may look every day (or the
worker every hour) and act on the first look where it excludes zero without the error rate
growing with the number of looks — unlike a fixed-sample 95 % interval, which, checked daily,
"finds" a winner in a large share of tests between identical variants.

The boundary is Robbins' normal mixture (Robbins 1970; the "mixture SPRT" of Johari, Pekelis
and Walsh 2017, used by several experimentation platforms): for an estimate with variance V
and a normal mixing distribution of scale τ over the true effect,

    half-width(V) = √( V (V + τ²) / τ² · ln((V + τ²) / (V α²)) ).

The effect is measured on the log scale of value per view, ln(m_B / m_A), so τ is a relative
size (τ = 0.2: lifts of about ±20 % are what the rule is tuned to find quickly) and the
interval turns into a relative lift, exp(·) − 1. The variance comes from the five sums of
each variant by the delta method; with several variants α is split between the comparisons
(Bonferroni), which keeps the chance of declaring any false winner at most α.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from readerfund.stats.counts import Interval, VariantCounts

TAU = 0.2
"""Scale of the mixture over log lifts: the rule is quickest for lifts around ±20 %."""
MIN_CONVERSIONS = 10
"""No verdict before every variant has this many gifts: the normal approximation behind the
intervals needs a few gifts per variant before heavy-tailed amounts average out."""
MAX_GROWTH = 50.0
"""A test that would need more than 50 times its current views is "no difference in sight"."""


def half_width(variance: ArrayLike, *, alpha: float, tau: float = TAU) -> NDArray[np.float64]:
    """Half-width of the normal-mixture confidence sequence for an estimate of this variance.

    Grows with the variance; 0 for a variance of 0 (a fully known quantity).
    """
    v = np.asarray(variance, dtype=np.float64)
    t2 = tau * tau
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.sqrt(v * (v + t2) / t2 * np.log((v + t2) / (v * alpha * alpha)))
    return np.where(v > 0, width, 0.0)


@dataclass(frozen=True)
class LiftSequence:
    """A variant against another, as always-valid intervals.

    `difference` is in value per view (the unit of the sums); `lift` is relative (0.18 =
    18 % more), None while either variant has no value yet.
    """

    difference: Interval
    lift: Interval | None


def _mean_variance(counts: VariantCounts) -> float:
    """Variance of the estimated value per view."""
    return counts.value_variance / counts.impressions if counts.impressions else math.inf


def lift_sequence(
    *, variant: VariantCounts, reference: VariantCounts, alpha: float, tau: float = TAU
) -> LiftSequence:
    """`variant` against `reference` at error rate `alpha` (uncorrected: divide it yourself
    when making several comparisons)."""
    m_b, m_a = variant.value_per_view, reference.value_per_view
    v_b, v_a = _mean_variance(variant), _mean_variance(reference)
    difference = m_b - m_a
    if math.isinf(v_a + v_b):
        diff_interval = Interval(difference, -math.inf, math.inf)
    else:
        # The same mixture on the absolute scale, τ taken relative to the two means.
        scale = max(tau * (m_a + m_b) / 2, 1e-12)
        half = float(half_width(v_a + v_b, alpha=alpha, tau=scale))
        diff_interval = Interval(difference, difference - half, difference + half)
    if m_a <= 0 or m_b <= 0 or math.isinf(v_a + v_b):
        return LiftSequence(difference=diff_interval, lift=None)
    log_lift = math.log(m_b / m_a)
    half = float(half_width(v_b / m_b**2 + v_a / m_a**2, alpha=alpha, tau=tau))
    lift = Interval(
        math.exp(log_lift) - 1, math.exp(log_lift - half) - 1, math.exp(log_lift + half) - 1
    )
    return LiftSequence(difference=diff_interval, lift=lift)


def growth_needed(*, log_lift: float, variance: float, alpha: float, tau: float = TAU) -> float:
    """By how much the views must grow (same split) for the interval of an effect this size
    to exclude zero: the factor f with half_width(V / f) = |log_lift|. math.inf when the
    effect is zero; 1.0 when it already excludes zero."""
    target = abs(log_lift)
    if target == 0 or variance <= 0:
        return math.inf if target == 0 else 1.0
    if float(half_width(variance, alpha=alpha, tau=tau)) <= target:
        return 1.0
    low, high = 1.0, 2.0
    while float(half_width(variance / high, alpha=alpha, tau=tau)) > target:
        low, high = high, high * 2
        if high > 1e9:
            return math.inf
    for _ in range(60):
        middle = math.sqrt(low * high)
        if float(half_width(variance / middle, alpha=alpha, tau=tau)) > target:
            low = middle
        else:
            high = middle
    return high


class VerdictKind(StrEnum):
    TOO_EARLY = "too_early"
    """Some variant has fewer than `MIN_CONVERSIONS` gifts: nothing can be said yet."""
    COLLECTING = "collecting"
    """Comparable, but the leader's lead is not yet beyond doubt."""
    WINNER = "winner"
    """The leader raises more per view than every other variant, beyond reasonable doubt."""


@dataclass(frozen=True)
class Verdict:
    """The evidence in a campaign's test, in pieces a page can render and translate.

    - `leader`: the variant that raises most per view so far (None without impressions);
    - `runner_up`: the variant the leader is least surely ahead of — the comparison that
      decides (for a WINNER the leader beats every variant, this one included);
    - `lift`: leader against runner-up, relative, with its always-valid interval;
    - `views_needed`: about how many more views (all variants together, in today's split)
      until a verdict is likely if the current difference holds; None when no difference
      is in sight (the variants may be about equal) or once there is a winner;
    - `short_of_gifts`: the variants still below `min_conversions` gifts (TOO_EARLY).
    """

    kind: VerdictKind
    leader: str | None
    runner_up: str | None
    lift: Interval | None
    views_needed: int | None
    confidence: float
    min_conversions: int
    short_of_gifts: tuple[str, ...] = ()

    @property
    def sentence(self) -> str:
        """The verdict in plain English (pages translate from the fields instead)."""
        percent = round(self.confidence * 100)
        if self.kind is VerdictKind.TOO_EARLY:
            text = (
                f"Too early to compare: every variant needs at least {self.min_conversions}"
                f" gifts ({', '.join(self.short_of_gifts)} not yet)"
            )
            return text + self._needed_clause() + "."
        assert self.lift is not None  # COLLECTING and WINNER compare two variants with value
        compared = (
            f"{self.leader} raises {_percent(self.lift.estimate)} more per 1,000 views than"
            f" {self.runner_up}"
        )
        interval = f"{percent} % interval {_percent(self.lift.low)}–{_percent(self.lift.high)}"
        if self.kind is VerdictKind.WINNER:
            return f"{compared}, {interval}; the evidence is strong enough to act on."
        if self.views_needed is None:
            return (
                f"{compared} so far, {interval}; not enough evidence yet, and at this rate no"
                " clear difference is in sight: the variants may raise about the same."
            )
        return (
            f"{compared} so far, {interval}; not enough evidence yet" + self._needed_clause() + "."
        )

    def _needed_clause(self) -> str:
        if self.views_needed is None:
            return ""
        return f"; at this rate about {self.views_needed:,} more views are needed"


def _percent(fraction: float) -> str:
    value = round(fraction * 100)
    return f"{value} %" if value >= 0 else f"−{-value} %"


def _round_views(views: float) -> int:
    """Two significant figures: the estimate is rough and should read so."""
    if views <= 0:
        return 0
    magnitude = 10 ** max(math.floor(math.log10(views)) - 1, 0)
    return int(math.ceil(views / magnitude) * magnitude)


def verdict_decide(
    *,
    variants: Sequence[VariantCounts],
    confidence: float = 0.95,
    min_conversions: int = MIN_CONVERSIONS,
    tau: float = TAU,
) -> Verdict:
    """Declares a winner only when the leader's always-valid lift over every other variant
    is above zero, at a family-wise error rate of 1 − `confidence` (split over the leader's
    K − 1 comparisons). Safe to call after every update: looking often does not raise the
    chance of a false winner."""
    if len(variants) < 2:
        raise ValueError("a verdict compares at least two variants")
    alpha = (1 - confidence) / (len(variants) - 1)
    total = sum(variant.impressions for variant in variants)
    leader = max(variants, key=lambda variant: variant.value_per_view)
    short = tuple(v.name for v in variants if v.conversions < min_conversions)
    if short or total == 0 or any(v.value_per_view <= 0 for v in variants):
        return Verdict(
            kind=VerdictKind.TOO_EARLY,
            leader=leader.name if total else None,
            runner_up=None,
            lift=None,
            views_needed=_views_to_gifts(variants, min_conversions),
            confidence=confidence,
            min_conversions=min_conversions,
            short_of_gifts=short or tuple(v.name for v in variants if v.value_per_view <= 0),
        )
    # The deciding comparison: the other variant with the lowest lower bound of the lift.
    others = [v for v in variants if v is not leader]
    sequences = [
        (lift_sequence(variant=leader, reference=other, alpha=alpha, tau=tau), other)
        for other in others
    ]
    lifts = [(sequence.lift, other) for sequence, other in sequences if sequence.lift]
    lift, runner_up = min(lifts, key=lambda pair: pair[0].low)
    if lift.low > 0:
        return Verdict(
            kind=VerdictKind.WINNER,
            leader=leader.name,
            runner_up=runner_up.name,
            lift=lift,
            views_needed=None,
            confidence=confidence,
            min_conversions=min_conversions,
        )
    growth = max(
        growth_needed(
            log_lift=math.log(leader.value_per_view / other.value_per_view),
            variance=_mean_variance(leader) / leader.value_per_view**2
            + _mean_variance(other) / other.value_per_view**2,
            alpha=alpha,
            tau=tau,
        )
        for other in others
    )
    return Verdict(
        kind=VerdictKind.COLLECTING,
        leader=leader.name,
        runner_up=runner_up.name,
        lift=lift,
        views_needed=_round_views((growth - 1) * total) if growth <= MAX_GROWTH else None,
        confidence=confidence,
        min_conversions=min_conversions,
    )


def _views_to_gifts(variants: Sequence[VariantCounts], min_conversions: int) -> int | None:
    """More views (in today's split) until every variant has `min_conversions` gifts, if
    each keeps converting at its rate so far (the pooled rate for variants without gifts)."""
    total = sum(v.impressions for v in variants)
    gifts = sum(v.conversions for v in variants)
    if total == 0 or gifts == 0:
        return None
    pooled_rate = gifts / total
    growth = 1.0
    for variant in variants:
        if variant.impressions == 0:
            return None
        rate = variant.conversions / variant.impressions if variant.conversions else pooled_rate
        growth = max(growth, min_conversions / (rate * variant.impressions))
    return _round_views((growth - 1) * total)


def winners_declared(
    *,
    impressions: NDArray[np.float64],
    conversions: NDArray[np.float64],
    value_sum: NDArray[np.float64],
    value_sum_squares: NDArray[np.float64],
    confidence: float = 0.95,
    min_conversions: int = MIN_CONVERSIONS,
    tau: float = TAU,
) -> NDArray[np.int64]:
    """`verdict_decide` for many tests at once (simulations): arrays of shape (..., K),
    returns the index of the declared winner per test, or −1."""
    n = np.asarray(impressions, dtype=np.float64)
    k_variants = n.shape[-1]
    alpha = (1 - confidence) / (k_variants - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = value_sum / n
        variance = np.maximum(value_sum_squares - value_sum**2 / n, 0) / (n - 1) / n
        relative = variance / mean**2
        log_mean = np.log(mean)
    comparable = ((conversions >= min_conversions) & (mean > 0)).all(axis=-1)
    leader = np.argmax(np.where(np.isfinite(mean), mean, -np.inf), axis=-1)
    pick = leader[..., None]
    with np.errstate(invalid="ignore"):
        log_lift = np.take_along_axis(log_mean, pick, axis=-1) - log_mean
        width = half_width(
            np.take_along_axis(relative, pick, axis=-1) + relative, alpha=alpha, tau=tau
        )
    margin = np.where(np.arange(k_variants) == pick, np.inf, log_lift - width)
    declared = comparable & (np.nan_to_num(margin, nan=-np.inf).min(axis=-1) > 0)
    return np.where(declared, leader, -1).astype(np.int64)
