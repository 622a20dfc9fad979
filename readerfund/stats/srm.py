"""Sample-ratio mismatch: does the observed split of views match the intended one?

A split far from the intended weights means the counts are broken (a cached page that always
shows one variant, a blocker that hides one, a flood of fake events), and every comparison
built on them is suspect. Pearson's chi-square goodness-of-fit test on the impressions; the
usual alarm threshold is p < 0.001, strict because the check runs every day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SampleRatioCheck:
    """`mismatch` is the warning; the shares (observed, expected) say where it lies."""

    chi_square: float
    p_value: float
    observed_shares: tuple[float, ...]
    expected_shares: tuple[float, ...]
    mismatch: bool


def srm_check(
    *,
    impressions: Sequence[int],
    weights: Sequence[float],
    threshold: float = SRM_THRESHOLD,
) -> SampleRatioCheck:
    """Compares impressions per variant with the intended `weights` (shares, or expected
    counts: they are normalised). Under adaptive allocation pass the expected counts, i.e.
    each period's weights times that period's views, summed.

    A variant with weight 0 that has views is a mismatch outright.
    """
    observed = np.asarray(impressions, dtype=np.float64)
    intended = np.asarray(weights, dtype=np.float64)
    if observed.shape != intended.shape or observed.ndim != 1:
        raise ValueError("one weight per variant")
    if (observed < 0).any() or (intended < 0).any() or intended.sum() <= 0:
        raise ValueError("counts and weights cannot be negative, and some weight is needed")
    total = observed.sum()
    expected_shares = intended / intended.sum()
    observed_shares = observed / total if total else np.zeros_like(observed)
    if total == 0:
        chi_square, p_value = 0.0, 1.0
    elif ((expected_shares == 0) & (observed > 0)).any():
        chi_square, p_value = float("inf"), 0.0
    else:
        live = expected_shares > 0
        result = scipy_stats.chisquare(observed[live], f_exp=expected_shares[live] * total)
        chi_square, p_value = float(result.statistic), float(result.pvalue)
    return SampleRatioCheck(
        chi_square=chi_square,
        p_value=p_value,
        observed_shares=tuple(float(x) for x in observed_shares),
        expected_shares=tuple(float(x) for x in expected_shares),
        mismatch=p_value < threshold,
    )
