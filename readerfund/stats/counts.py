"""The input of every statistic: a variant's aggregates, and the interval type."""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats as scipy_stats


@dataclass(frozen=True)
class VariantCounts:
    """Aggregates of one variant: all the statistics need, no reader identifier.

    - `impressions`: views of the variant (n);
    - `conversions`: gifts attributed to it (k ≤ n);
    - `value_sum`: Σx, the sum of the gifts' capped annualised values;
    - `value_sum_squares`: Σx², the sum of their squares.

    Values may be in any unit (readerfund passes minor units of the goal's base currency);
    the figures come back in the same unit.
    """

    name: str
    impressions: int
    conversions: int
    value_sum: float
    value_sum_squares: float

    def __post_init__(self) -> None:
        if self.impressions < 0 or self.conversions < 0:
            raise ValueError(f"{self.name}: counts cannot be negative")
        if self.conversions > self.impressions:
            raise ValueError(f"{self.name}: more conversions than impressions")
        if self.value_sum < 0 or self.value_sum_squares < 0:
            raise ValueError(f"{self.name}: values cannot be negative")

    @property
    def value_per_view(self) -> float:
        """Mean value of one impression (0 before the first impression)."""
        return self.value_sum / self.impressions if self.impressions else 0.0

    @property
    def value_variance(self) -> float:
        """Sample variance of one impression's value (zeros included)."""
        n = self.impressions
        if n < 2:
            return 0.0
        return max(self.value_sum_squares - self.value_sum**2 / n, 0.0) / (n - 1)


@dataclass(frozen=True)
class Interval:
    """An estimate with the low and high ends of its interval (same unit as the estimate)."""

    estimate: float
    low: float
    high: float

    def excludes(self, value: float) -> bool:
        """True when `value` lies outside the interval: the data rule it out."""
        return value < self.low or value > self.high


def z_value(confidence: float) -> float:
    """The two-sided normal quantile: 1.96 for 0.95."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie between 0 and 1")
    return float(scipy_stats.norm.ppf(0.5 + confidence / 2))
