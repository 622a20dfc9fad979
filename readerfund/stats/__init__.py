"""Statistics of campaign tests, on plain numpy/scipy: no Django, no other readerfund module.

Input is five sums per variant (`VariantCounts`: impressions, gifts, Σ and Σ² of the
gifts' capped annualised value); output is plain data a page can render:

- `variant_summary` — value per 1,000 views and conversion rate with intervals, and the
  difference and relative lift to a reference with always-valid intervals;
- `verdict_decide` — whether a winner can be declared (safe under daily looks), in words
  and pieces, with the views still needed;
- `srm_check` — whether the observed split matches the intended one;
- `weights_allocate` — the next split under adaptive allocation (Thompson sampling).

docs/experiments.md explains the figures to editors.
"""

from readerfund.stats.allocation import AllocationSettings, thompson_weights, weights_allocate
from readerfund.stats.counts import Interval, VariantCounts
from readerfund.stats.sequential import (
    LiftSequence,
    Verdict,
    VerdictKind,
    lift_sequence,
    verdict_decide,
    winners_declared,
)
from readerfund.stats.srm import SampleRatioCheck, srm_check
from readerfund.stats.summary import VariantSummary, variant_summary, wilson_interval

__all__ = [
    "AllocationSettings",
    "Interval",
    "LiftSequence",
    "SampleRatioCheck",
    "VariantCounts",
    "VariantSummary",
    "Verdict",
    "VerdictKind",
    "lift_sequence",
    "srm_check",
    "thompson_weights",
    "variant_summary",
    "verdict_decide",
    "weights_allocate",
    "wilson_interval",
    "winners_declared",
]
