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
    expected: dict[str, float] = {key: 0.0 for key in initial}
    if control_share:
        expected[HOLDOUT] = 0.0
    one_day = datetime.timedelta(days=1)
    current, following = dict(initial), 0  # weights in force, index of the next update
    for day in sorted(daily_views):
        views = daily_views[day]
        start = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
        end = start + one_day
        while following < len(steps) and steps[following][0] <= start:
            current, following = dict(steps[following][1]), following + 1
        moment, shares = start, dict.fromkeys(current, 0.0)
        # the periods within this day: each weights set for the fraction of the day it held
        for at, weights in [*steps[following:], (end, current)]:
            if at >= end:
                break
            for key, weight in current.items():
                shares[key] = shares.get(key, 0.0) + weight * ((at - moment) / one_day)
            moment, current, following = at, dict(weights), following + 1
        for key, weight in current.items():
            shares[key] = shares.get(key, 0.0) + weight * ((end - moment) / one_day)
        total = sum(shares.values()) or 1.0
        for key, share in shares.items():
            expected[key] = expected.get(key, 0.0) + views * (1 - control_share) * share / total
        if control_share:
            expected[HOLDOUT] += views * control_share
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
