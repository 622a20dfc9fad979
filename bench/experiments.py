"""Campaign tests in simulation: readerfund's allocation and declaration rule beside the
policies editors compare it with, in one seeded run (`scripts/bench experiments`).

Four variants of an ask convert 0.05–0.5 % of views; a gift's annualised value is
log-normal (median 50, σ = 1.2) with a 2 % Pareto tail (from 300, index 1.3), capped at
2,000 as readerfund caps it. Worlds: "easy" (the best raises ≥ 25 % more per view than the
next), "hard" (about 6 % more — and the best converts *less* often, with larger gifts),
"A/A" (four identical variants) and "shift" (the easy world whose best and worst swap
halfway). Horizons: 200,000 views over 14 days and 1,000,000 views over 28 days, with the
split updated hourly (every horizon / updates views), and looks daily or hourly as each
policy does.

Policies, each over the same worlds and seeds:
- oracle: always the best variant (the revenue regret is measured against);
- uniform: an even split, one test at the end;
- uniform, naive daily peeking: an even split until a daily two-sample z-test of the
  leader against the control (variant 0; the runner-up when the control leads) gives
  p < 0.05, then all traffic to the leader;
- ε-greedy (ε = 0.1) and Roulette (shares proportional to value per view, 10 % floor), as
  The Guardian's ask tests run them: hourly updates on the observed mean value per view;
- readerfund: `readerfund.stats` Thompson (top-two) sampling with its floor and burn-in,
  and its always-valid declaration rule checked after every update.

Regret is the expected revenue lost against the oracle (expected, not realised, value of
each view shown: less noise), in % of the oracle's revenue. "Pick" is the variant each policy
would keep at the end (the stopped test's choice, else the best observed mean).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bench.common import report
from readerfund.stats.allocation import (
    AllocationSettings,
    best_probabilities,
    weights_from_probabilities,
)
from readerfund.stats.sequential import winners_declared

Array = NDArray[np.float64]

SEED = 20261128
GIFT_MEDIAN = 50.0
GIFT_SIGMA = 1.2
TAIL_SHARE = 0.02
TAIL_FROM = 300.0
TAIL_INDEX = 1.3
CAP = 2_000.0
UPDATES_PER_DAY = 24
RUNS = int(os.environ.get("READERFUND_BENCH_EXPERIMENT_RUNS", "400"))
AA_RUNS = int(os.environ.get("READERFUND_BENCH_AA_RUNS", "2000"))
DRAWS = 100  # Monte Carlo draws per variant and update in simulation (production: 4,000)
READERFUND = AllocationSettings(draws=DRAWS)


@dataclass(frozen=True)
class World:
    name: str
    rates: tuple[float, ...]
    gift_scale: tuple[float, ...]
    # After this share of the horizon, variant i takes the parameters of variant swap[i].
    shift_at: float | None = None
    swap: tuple[int, ...] = ()


EASY = World("easy", (0.0005, 0.0025, 0.0031, 0.0040), (1.0, 1.0, 1.0, 1.0))
HARD = World("hard", (0.0030, 0.0036, 0.0042, 0.0040), (1.0, 1.0, 1.0, 1.12))
AA = World("A/A", (0.003, 0.003, 0.003, 0.003), (1.0, 1.0, 1.0, 1.0))
SHIFT = World("shift", EASY.rates, EASY.gift_scale, shift_at=0.5, swap=(3, 1, 2, 0))


def gift_draws(rng: np.random.Generator, count: int) -> Array:
    """Annualised gift amounts before scaling and the cap."""
    amounts = rng.lognormal(math.log(GIFT_MEDIAN), GIFT_SIGMA, count)
    tail = rng.random(count) < TAIL_SHARE
    amounts[tail] = TAIL_FROM * (1 + rng.pareto(TAIL_INDEX, int(tail.sum())))
    return amounts


def value_per_view(world: World, *, shifted: bool) -> Array:
    """Expected capped value of one view per variant (Monte Carlo, fixed seed)."""
    base = gift_draws(np.random.default_rng(1), 4_000_000)
    order = world.swap if shifted else tuple(range(len(world.rates)))
    return np.array(
        [world.rates[j] * float(np.minimum(base * world.gift_scale[j], CAP).mean()) for j in order]
    )


@dataclass
class State:
    """Five sums per run and variant, as readerfund keeps them (arrays runs × variants)."""

    runs: int
    variants: int
    n: Array = field(init=False)
    k: Array = field(init=False)
    s: Array = field(init=False)
    q: Array = field(init=False)

    def __post_init__(self) -> None:
        shape = (self.runs, self.variants)
        self.n, self.k, self.s, self.q = (np.zeros(shape) for _ in range(4))

    def means(self) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.n > 0, self.s / np.maximum(self.n, 1), 0.0)


def _uniform(state: State) -> Array:
    return np.full((state.runs, state.variants), 1 / state.variants)


def _one_hot(index: NDArray[np.int64], variants: int) -> Array:
    return np.eye(variants)[index]


class Policy:
    name = ""

    def __init__(self, runs: int, variants: int, rng: np.random.Generator) -> None:
        self.rng = rng
        self.declared = np.full(runs, -1)  # first winner declared by the policy's rule
        self.variants = variants

    def weights(self, state: State) -> Array:
        raise NotImplementedError

    def look(self, state: State, update: int) -> None:
        """After each update (a policy with a stopping rule checks it here)."""

    def pick(self, state: State) -> NDArray[np.int64]:
        return np.where(self.declared >= 0, self.declared, state.means().argmax(axis=-1))


class Oracle(Policy):
    name = "oracle"
    best: NDArray[np.int64]

    def weights(self, state: State) -> Array:
        return _one_hot(self.best, self.variants)

    def pick(self, state: State) -> NDArray[np.int64]:
        return self.best


class Uniform(Policy):
    name = "uniform, one test at the end"

    def weights(self, state: State) -> Array:
        return _uniform(state)


class NaivePeeking(Policy):
    name = "uniform, naive daily peeking"

    def weights(self, state: State) -> Array:
        stopped = self.declared >= 0
        return np.where(
            stopped[:, None],
            _one_hot(np.maximum(self.declared, 0), self.variants),
            1 / self.variants,
        )

    def look(self, state: State, update: int) -> None:
        if (update + 1) % UPDATES_PER_DAY:
            return
        means = state.means()
        order = np.argsort(means, axis=-1)
        # As an editor reads a dashboard: the leader against the control (variant 0), or
        # against the runner-up when the control leads.
        leader = order[:, -1]
        runner = np.where(leader == 0, order[:, -2], 0)
        rows = np.arange(state.runs)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.maximum(state.q - state.s**2 / state.n, 0) / (state.n - 1) / state.n
            z = (means[rows, leader] - means[rows, runner]) / np.sqrt(
                var[rows, leader] + var[rows, runner]
            )
        newly = (self.declared < 0) & (np.nan_to_num(z) > 1.959964)
        self.declared = np.where(newly, leader, self.declared)


class EpsilonGreedy(Policy):
    name = "ε-greedy, ε = 0.1 (Guardian)"

    def weights(self, state: State) -> Array:
        means = state.means()
        greedy = _one_hot(means.argmax(axis=-1), self.variants)
        weights = 0.1 / self.variants + 0.9 * greedy
        return np.where((means.sum(axis=-1) > 0)[:, None], weights, _uniform(state))


class Roulette(Policy):
    name = "Roulette, 10 % floor (Guardian)"

    def weights(self, state: State) -> Array:
        means = state.means()
        total = means.sum(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            weights = 0.1 + (1 - 0.1 * self.variants) * means / total
        return np.where(total > 0, weights, _uniform(state))


class Readerfund(Policy):
    name = "readerfund (top-two Thompson + always-valid rule)"
    settings = READERFUND

    def __init__(self, runs: int, variants: int, rng: np.random.Generator) -> None:
        super().__init__(runs, variants, rng)
        self.chance_rule = np.full(runs, -1)  # "95 % chance to be best", every update
        self.best_chance = np.full((runs, variants), 1 / variants)

    def weights(self, state: State) -> Array:
        self.best_chance = best_probabilities(
            impressions=state.n,
            conversions=state.k,
            value_sum=state.s,
            value_sum_squares=state.q,
            rng=self.rng,
            draws=self.settings.draws,
            sharpness=self.settings.sharpness,
        )
        weights = weights_from_probabilities(
            self.best_chance, floor=self.settings.floor, top_two=self.settings.top_two
        )
        burning_in = (state.n.min(axis=-1) < self.settings.burn_in) | (state.k.sum(axis=-1) == 0)
        return np.where(burning_in[:, None], _uniform(state), weights)

    def look(self, state: State, update: int) -> None:
        winners = winners_declared(
            impressions=state.n, conversions=state.k, value_sum=state.s, value_sum_squares=state.q
        )
        self.declared = np.where(self.declared < 0, winners, self.declared)
        # The "95 % chance to be best" rule, on exact (unsharpened) posteriors.
        chance = best_probabilities(
            impressions=state.n,
            conversions=state.k,
            value_sum=state.s,
            value_sum_squares=state.q,
            rng=self.rng,
            draws=self.settings.draws,
        )
        confident = (chance.max(axis=-1) >= 0.95) & (state.k.sum(axis=-1) > 0)
        self.chance_rule = np.where(
            (self.chance_rule < 0) & confident, chance.argmax(axis=-1), self.chance_rule
        )

    def pick(self, state: State) -> NDArray[np.int64]:
        # The allocation's own choice at the end; the declaration is reported apart.
        return np.asarray(state.means().argmax(axis=-1), dtype=np.int64)


def readerfund_with(*, floor: float) -> type[Readerfund]:
    changes = {"floor": floor}
    settings = dataclasses.replace(READERFUND, floor=floor)

    class Variant(Readerfund):
        name = "readerfund, " + ", ".join(f"{key} {value}" for key, value in changes.items())

    Variant.settings = settings
    return Variant


@dataclass
class Outcome:
    policy: str
    regret: Array  # per run, in % of the oracle's revenue
    pick_best: Array  # per run, 0/1
    declared: Array  # per run: index of the declared winner or -1
    chance_rule: Array | None = None

    def mean_regret(self) -> float:
        return float(self.regret.mean())


def simulate(
    world: World, *, horizon: int, days: int, runs: int, policies: list[type[Policy]], seed: int
) -> list[Outcome]:
    updates = days * UPDATES_PER_DAY
    batch = horizon // updates
    values = (value_per_view(world, shifted=False), value_per_view(world, shifted=True))
    shift_update = int(updates * world.shift_at) if world.shift_at is not None else updates
    outcomes = []
    for index, policy_class in enumerate(policies):
        # The same seed for every policy: each meets the same luck where it can.
        rng = np.random.default_rng([seed, index])
        state = State(runs, len(world.rates))
        policy = policy_class(runs, len(world.rates), rng)
        if isinstance(policy, Oracle):
            policy.best = np.full(runs, int(values[0].argmax()))
        regret = np.zeros(runs)
        oracle_revenue = 0.0
        for update in range(updates):
            shifted = update >= shift_update
            value = values[shifted]
            rates = np.array(world.rates)[list(world.swap)] if shifted else np.array(world.rates)
            scales = (
                np.array(world.gift_scale)[list(world.swap)]
                if shifted
                else np.array(world.gift_scale)
            )
            if isinstance(policy, Oracle):
                policy.best = np.full(runs, int(value.argmax()))
            weights = policy.weights(state)
            weights = weights / weights.sum(axis=-1, keepdims=True)
            shown = rng.multinomial(batch, weights).astype(np.float64)
            gifts = rng.binomial(shown.astype(np.int64), rates)
            amounts = np.minimum(
                gift_draws(rng, int(gifts.sum())) * np.repeat(np.tile(scales, runs), gifts.ravel()),
                CAP,
            )
            cells = np.repeat(np.arange(runs * len(rates)), gifts.ravel())
            state.n += shown
            state.k += gifts
            state.s += np.bincount(cells, amounts, runs * len(rates)).reshape(state.s.shape)
            state.q += np.bincount(cells, amounts**2, runs * len(rates)).reshape(state.s.shape)
            regret += (shown * (value.max() - value)).sum(axis=-1)
            oracle_revenue += batch * float(value.max())
            policy.look(state, update)
        best_at_end = int(values[1 if world.shift_at is not None else 0].argmax())
        outcomes.append(
            Outcome(
                policy=policy.name,
                regret=100 * regret / oracle_revenue,
                pick_best=(policy.pick(state) == best_at_end).astype(np.float64),
                declared=policy.declared.astype(np.float64),
                chance_rule=policy.chance_rule.astype(np.float64)
                if isinstance(policy, Readerfund)
                else None,
            )
        )
    return outcomes


def _se(values: Array) -> float:
    return float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0


def _print_table(world: World, horizon: int, outcomes: list[Outcome]) -> dict[str, Outcome]:
    by_name = {outcome.policy: outcome for outcome in outcomes}
    uniform = by_name[Uniform.name].mean_regret()
    greedy = by_name[EpsilonGreedy.name].mean_regret()
    print(f"-- {world.name} world, {horizon:,} views", flush=True)
    print(
        f"{'policy':<52} {'regret %':>9} {'± se':>6} {'/unif':>6} {'/ε-gr':>6}"
        f" {'pick best':>9} {'declared':>8}"
    )
    for outcome in outcomes:
        regret = outcome.mean_regret()
        declared = float((outcome.declared >= 0).mean())
        print(
            f"{outcome.policy:<52} {regret:>9.2f} {_se(outcome.regret):>6.2f}"
            f" {regret / uniform if uniform else 0:>6.2f} {regret / greedy if greedy else 0:>6.2f}"
            f" {outcome.pick_best.mean():>9.2f} {declared:>8.2f}",
            flush=True,
        )
    return by_name


def _check(label: str, value: float, baseline_name: str, baseline: float, target: float) -> None:
    """The figure beside its baseline; the ratio is what the target bounds."""
    report(label, value, "%", baseline_name, baseline)
    ratio = value / baseline if baseline else 0.0
    print(f"    {'met' if ratio <= target else 'NOT met'}: target ratio ≤ {target:.2f}", flush=True)


MAIN_POLICIES: list[type[Policy]] = [
    Oracle,
    Uniform,
    NaivePeeking,
    EpsilonGreedy,
    Roulette,
    Readerfund,
]


def run() -> None:
    started = time.perf_counter()
    print(
        f"seed {SEED}; {RUNS} runs per world, {AA_RUNS} A/A runs; hourly updates;"
        f" readerfund: floor {READERFUND.floor}, burn-in {READERFUND.burn_in} views per variant,"
        f" top-two {READERFUND.top_two}, sharpness {READERFUND.sharpness},"
        f" {DRAWS} draws per update",
        flush=True,
    )
    horizons = ((200_000, 14), (1_000_000, 28))
    results: dict[tuple[str, int], dict[str, Outcome]] = {}
    for world in (EASY, HARD, SHIFT):
        for horizon, days in horizons:
            outcomes = simulate(
                world, horizon=horizon, days=days, runs=RUNS, policies=MAIN_POLICIES, seed=SEED
            )
            results[(world.name, horizon)] = _print_table(world, horizon, outcomes)

    # What the floor costs: readerfund at 0 %, 1 % and 5 % in the easy world.
    floors: list[type[Policy]] = [
        Uniform,
        EpsilonGreedy,
        readerfund_with(floor=0.0),
        Readerfund,
        readerfund_with(floor=0.05),
    ]
    for horizon, days in horizons:
        outcomes = simulate(EASY, horizon=horizon, days=days, runs=RUNS, policies=floors, seed=SEED)
        print(f"-- what the floor costs (easy world, {horizon:,} views)")
        _print_table(EASY, horizon, outcomes)

    # A/A: any declared winner is a false one.
    aa_policies: list[type[Policy]] = [Uniform, NaivePeeking, EpsilonGreedy, Readerfund]
    for horizon, days in horizons:
        outcomes = simulate(
            AA, horizon=horizon, days=days, runs=AA_RUNS, policies=aa_policies, seed=SEED
        )
        by_name = {outcome.policy: outcome for outcome in outcomes}
        ours = by_name[Readerfund.name]
        false = (ours.declared >= 0).astype(np.float64)
        assert ours.chance_rule is not None
        chance = (ours.chance_rule >= 0).astype(np.float64)
        naive = (by_name[NaivePeeking.name].declared >= 0).astype(np.float64)
        print(f"-- A/A, {horizon:,} views, {AA_RUNS} runs", flush=True)
        print(
            f"readerfund rule, looking after every update ({days * UPDATES_PER_DAY} looks):"
            f" false winners {false.mean():.4f} ± {_se(false):.4f}"
        )
        print(
            "'95 % chance to be best' (exact posteriors), every update: false winners"
            f" {chance.mean():.4f} ± {_se(chance):.4f}"
        )
        print(
            f"naive daily z-test (p < 0.05, {days} looks): false winners {naive.mean():.4f}"
            f" ± {_se(naive):.4f}"
        )
        _check(f"A/A false winners, {horizon:,} views", 100 * false.mean(), "target", 5.0, 1.0)

    print("== targets", flush=True)
    for world_name, horizon, target in (
        ("easy", 1_000_000, 0.3),
        ("hard", 1_000_000, 0.6),
        ("easy", 200_000, 0.8),
        ("hard", 200_000, 0.8),
    ):
        table = results[(world_name, horizon)]
        ours_regret = table[Readerfund.name].mean_regret()
        uniform_regret = table[Uniform.name].mean_regret()
        _check(
            f"{world_name} {horizon:,}: readerfund regret",
            ours_regret,
            "uniform",
            uniform_regret,
            target,
        )
    for (world_name, horizon), table in results.items():
        ours = table[Readerfund.name]
        roulette = table[Roulette.name]
        greedy = table[EpsilonGreedy.name]
        label = f"{world_name} {horizon:,}: readerfund regret"
        _check(label, ours.mean_regret(), "Roulette", roulette.mean_regret(), 1.0)
        _check(label, ours.mean_regret(), "ε-greedy", greedy.mean_regret(), 1.15)
        print(
            f"    final pick is the best: readerfund {ours.pick_best.mean():.2f},"
            f" ε-greedy {greedy.pick_best.mean():.2f}"
            f" ({'more often' if ours.pick_best.mean() > greedy.pick_best.mean() else 'NOT'})",
            flush=True,
        )
    print(f"({time.perf_counter() - started:.0f} s)", flush=True)
