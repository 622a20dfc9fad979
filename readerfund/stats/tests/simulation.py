"""A small simulated campaign test for the statistics' tests: sparse, heavy-tailed gifts."""

import math

import numpy as np

CAP = 2000.0


def gifts(rng: np.random.Generator, count: int) -> np.ndarray:
    """Log-normal annualised gifts (median 50, σ = 1.2) with a 2 % Pareto tail, capped."""
    amounts = rng.lognormal(math.log(50), 1.2, count)
    tail = rng.random(count) < 0.02
    amounts[tail] = 300 * (1 + rng.pareto(1.3, int(tail.sum())))
    return np.minimum(amounts, CAP)


def mean_gift(scale: float = 1.0) -> float:
    return float(np.minimum(gifts(np.random.default_rng(1), 2_000_000) * scale, CAP).mean())


class Sums:
    """Five sums per run and variant (arrays runs × variants), grown look by look."""

    def __init__(self, runs: int, variants: int) -> None:
        self.n, self.k, self.s, self.q = (np.zeros((runs, variants)) for _ in range(4))

    def add(self, rng, views: np.ndarray, rates, scales) -> None:
        conversions = rng.binomial(views.astype(np.int64), rates)
        runs, variants = views.shape
        amounts = np.minimum(
            gifts(rng, int(conversions.sum()))
            * np.repeat(np.tile(scales, runs), conversions.ravel()),
            CAP,
        )
        cells = np.repeat(np.arange(runs * variants), conversions.ravel())
        self.n += views
        self.k += conversions
        self.s += np.bincount(cells, amounts, runs * variants).reshape(views.shape)
        self.q += np.bincount(cells, amounts**2, runs * variants).reshape(views.shape)
