"""The one place where experiments turns stored totals into statistics: it calls
`readerfund.stats` (plain numpy/scipy, no Django) and shapes the answers for the pages.

Everything works on summary statistics per variant (impressions, gifts, Σ value, Σ value²),
values in minor units of the goal's base currency, each gift capped.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from readerfund import stats

HOLDOUT = "_holdout"  # the control slice, as the embed reports it


@dataclass(frozen=True)
class VariantSummary:
    variant: str
    impressions: int = 0
    conversions: int = 0
    value_sum: float = 0.0
    value_squares: float = 0.0

    def counts(self) -> stats.VariantCounts:
        return stats.VariantCounts(
            name=self.variant,
            impressions=self.impressions,
            conversions=min(self.conversions, self.impressions),
            value_sum=self.value_sum,
            value_sum_squares=self.value_squares,
        )


def reference_of(summaries: list[VariantSummary]) -> VariantSummary | None:
    """The control slice if it has any views, else the first variant."""
    holdout = [s for s in summaries if s.variant == HOLDOUT and s.impressions]
    found = holdout or [s for s in summaries if s.variant != HOLDOUT]
    return found[0] if found else None


def variants_analyse(summaries: list[VariantSummary]) -> list[stats.VariantSummary]:
    """Value per 1,000 views and conversion with 95 % intervals; the lift to the reference
    with an always-valid interval."""
    reference = reference_of(summaries)
    shown = [s for s in summaries if s.impressions or s.variant != HOLDOUT]
    return stats.variant_summary(
        variants=[s.counts() for s in shown], reference=reference.variant if reference else None
    )


def verdict(summaries: list[VariantSummary]) -> stats.Verdict | None:
    """The declaration rule over the variants (and the control slice, if it has views)."""
    shown = [s.counts() for s in summaries if s.impressions]
    return stats.verdict_decide(variants=shown) if len(shown) >= 2 else None


def srm(*, observed: dict[str, int], intended: dict[str, float]) -> stats.SampleRatioCheck | None:
    """The observed split of impressions against the intended one; None with too little."""
    keys = [k for k in intended if intended[k] > 0 or observed.get(k)]
    if len(keys) < 2 or sum(observed.get(k, 0) for k in keys) < 100:
        return None
    return stats.srm_check(
        impressions=[observed.get(k, 0) for k in keys], weights=[intended.get(k, 0) for k in keys]
    )


def expected_impressions(
    *,
    daily_views: Mapping[datetime.date, int],
    updates: Sequence[tuple[datetime.datetime, Mapping[str, float]]],
    initial: Mapping[str, float],
    control_share: float,
) -> dict[str, float]:
    """The impressions each variant should have had under adaptive allocation: Σ over each
    weights period of weight times the campaign's impressions in that period.

    Counts are kept per UTC day, so a day's views are spread evenly over its hours and each
    period takes the part of the day it covers. Before the first update `initial` (the
    editor's weights, as shares) applies. The control slice (`HOLDOUT`) keeps
    `control_share` throughout and the variants share the rest."""
    steps = sorted(updates, key=lambda u: u[0])
    keys = list(dict.fromkeys([*initial, *(k for _, w in steps for k in w)]))
    expected = dict.fromkeys(keys, 0.0)
    if control_share:
        expected[HOLDOUT] = 0.0
    days = sorted(daily_views)
    if not days or not keys:
        return expected
    # The weights as a step function of time (seconds): W[i] holds from T[i] to T[i + 1];
    # C[i] is its integral up to T[i], so any day's share is (F(end) - F(start)) / day.
    t0 = datetime.datetime.combine(days[0], datetime.time(), tzinfo=datetime.UTC)
    times = np.array([-np.inf, *((at - t0).total_seconds() for at, _ in steps)])
    rows = [[initial.get(k, 0.0) for k in keys], *([w.get(k, 0.0) for k in keys] for _, w in steps)]
    weights = np.array(rows, dtype=np.float64)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    widths = np.diff(np.maximum(times, 0.0))[:, None]  # before t0 nothing is counted
    cumulative = np.vstack([np.zeros(len(keys)), np.cumsum(weights[:-1] * widths, axis=0)])
    starts = np.maximum(times, 0.0)

    def integral(x: NDArray[np.float64]) -> NDArray[np.float64]:
        i = np.searchsorted(times, x, side="right") - 1
        return np.asarray(cumulative[i] + weights[i] * (x - starts[i])[:, None])

    day = 86_400.0
    begin = np.array([(d - days[0]).days * day for d in days])
    shares = (integral(begin + day) - integral(begin)) / day  # (days, keys)
    views = np.array([daily_views[d] for d in days], dtype=np.float64)
    totals = (1 - control_share) * (views[:, None] * shares).sum(axis=0)
    expected.update({k: float(v) for k, v in zip(keys, totals, strict=True)})
    if control_share:
        expected[HOLDOUT] = float(views.sum() * control_share)
    return expected


def weights_compute(
    *, summaries: list[VariantSummary], settings: stats.AllocationSettings, seed: str
) -> dict[str, float] | None:
    """Thompson sampling on value per view (readerfund.stats) with the campaign's floor and
    burn-in; None during the burn-in. stats' own burn-in answers an even split instead, but
    here the editor's weights apply until then and no update is recorded: the same rule
    (every variant seen `burn_in` times, some gift at all), answered as None. `seed` makes
    one update reproducible."""
    arms = [s for s in summaries if s.variant != HOLDOUT]
    if (
        len(arms) < 2
        or min(s.impressions for s in arms) < settings.burn_in
        or not any(s.conversions for s in arms)
    ):
        return None
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8])
    return stats.weights_allocate(
        variants=[s.counts() for s in arms], seed=number, settings=settings
    )
