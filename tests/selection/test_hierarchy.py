"""Evidence shared across tasks: the empirical-Bayes fit against a hand-computed case."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from selection import ModelCatalog, ModelSpec, PerformanceRecord, Router, SimClock
from selection.hierarchy import VARIANCE_FLOOR, fit_hierarchy

# Two models, three tasks, 0/1 scores (so a cell's sum of squares equals its sum).
# A: 9/10 on t1, 5/10 on t2, 2/10 on t3.  B: 7/10 on t1, 2/10 on t2, never served t3.
CELLS = {
    ("A", "t1"): (10, 9.0, 9.0),
    ("A", "t2"): (10, 5.0, 5.0),
    ("A", "t3"): (10, 2.0, 2.0),
    ("B", "t1"): (10, 7.0, 7.0),
    ("B", "t2"): (10, 2.0, 2.0),
}
CATALOG = {"A": 0.7, "B": 0.6}
K0 = 10.0


def test_fit_matches_the_hand_computation():
    fit = fit_hierarchy(CELLS, CATALOG, catalog_strength=K0)
    # sigma2: within-cell sums of squares 0.9+2.5+1.6+2.1+1.6 = 8.7 over 5 * 9 = 45 d.o.f.
    sigma2 = 8.7 / 45
    assert fit.sigma2 == pytest.approx(sigma2)
    # mu_m: the catalog prior worth 10 calls pooled with the model's calls
    mu_a, mu_b = (10 * 0.7 + 16) / 40, (10 * 0.6 + 9) / 30  # 0.575, 0.5
    assert fit.model_means == pytest.approx({"A": mu_a, "B": mu_b})
    # residual sums per task: t1 (9 - 5.75) + (7 - 5) = 5.25; t2 -0.75 - 3 = -3.75; t3 -3.75
    raw = [(5.25 / 20) ** 2 - sigma2 / 20, (-3.75 / 20) ** 2 - sigma2 / 20,
           (-3.75 / 10) ** 2 - sigma2 / 10]  # fmt: skip
    task_var = sum(raw) / 3
    assert fit.task_var == pytest.approx(task_var)
    assert task_var == pytest.approx(0.06867361)
    k_a = sigma2 / task_var
    assert fit.task_effects["t3"] == pytest.approx(-3.75 / (10 + k_a))

    def leave_out(n_rest: float, resid_rest: float, n: int, total: float, mu: float) -> float:
        a = resid_rest / (n_rest + k_a)
        d = total / n - mu - a
        return d * d - sigma2 / n - sigma2 / (n_rest + k_a)

    terms = [
        leave_out(10, 2.0, 10, 9, mu_a),  # A on t1; the rest of t1 is B: 7 - 10 * 0.5
        leave_out(10, -3.0, 10, 5, mu_a),  # A on t2; B's residual there: 2 - 5
        leave_out(0, 0.0, 10, 2, mu_a),  # A on t3, which nobody else served
        leave_out(10, 3.25, 10, 7, mu_b),  # B on t1; A's residual there: 9 - 5.75
        leave_out(10, -0.75, 10, 2, mu_b),  # B on t2; A's residual: 5 - 5.75
    ]
    tau2 = sum(terms) / 5
    assert fit.tau2 == pytest.approx(tau2)
    assert tau2 == pytest.approx(0.00599498, rel=1e-5)
    # B on t3: B's level, plus how much harder t3 proved for A, shrunk by k_a
    prior = fit.prior("B", "t3")
    a_t3 = (2 - 10 * mu_a) / (10 + k_a)
    variance = tau2 + sigma2 / (10 + k_a) + sigma2 / (K0 + 20)
    assert prior.mean == pytest.approx(mu_b + a_t3)
    assert prior.mean == pytest.approx(0.20738, abs=1e-5)
    assert prior.strength == pytest.approx(sigma2 / variance)
    assert prior.strength == pytest.approx(7.0238, abs=1e-3)
    assert prior.sd == pytest.approx(sigma2**0.5)


def test_a_cell_prior_leaves_its_own_calls_out():
    fit = fit_hierarchy(CELLS, CATALOG, catalog_strength=K0)
    # A's prior on t3 uses A's other calls, and t3's other models (none): A's level alone.
    mu_a_rest = (10 * 0.7 + 14) / 30
    assert fit.prior("A", "t3").mean == pytest.approx(mu_a_rest)


def test_no_calls_leaves_the_catalog_prior():
    fit = fit_hierarchy({}, CATALOG, catalog_strength=K0)
    prior = fit.prior("B", "anything")
    assert prior.mean == pytest.approx(0.6)
    assert fit.tau2 == fit.task_var == pytest.approx(0.15**2)


def test_variances_never_fall_below_the_floor():
    same = {("A", f"t{i}"): (10, 5.0, 5.0) for i in range(4)}
    same |= {("B", f"t{i}"): (10, 5.0, 5.0) for i in range(4)}
    fit = fit_hierarchy(same, {"A": 0.5, "B": 0.5}, catalog_strength=K0)
    assert fit.task_var == VARIANCE_FLOOR
    assert fit.tau2 == VARIANCE_FLOOR


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({("C", "t1"): (3, 1.0, 1.0)}, "model 'C' has calls but no catalog prior"),
        ({("A", "t1"): (-1, 0.0, 0.0)}, "negative count"),
    ],
)
def test_bad_input_names_what_is_wrong(cells, message):
    with pytest.raises(ValueError, match=message):
        fit_hierarchy(cells, CATALOG, catalog_strength=K0)


def _records(model: str, task: str, scores: list[float], start: int) -> list[PerformanceRecord]:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        PerformanceRecord(
            record_id=f"{model}-{task}-{start + i}",
            model_id=model,
            task_type=task,
            quality_score=q,
            cost=0.001,
            timestamp=stamp,
        )
        for i, q in enumerate(scores)
    ]


def test_the_router_carries_a_gap_to_a_task_one_model_never_served():
    """Strong beats weak by 0.3 on ten tasks; on a new task only weak has served (0.5).

    Without shared evidence strong starts there from the catalog's 0.7, below what weak showed
    plus the gap; with it, strong's estimate on the new task is near 0.5 + 0.3.
    """
    specs = [
        ModelSpec(
            id=m,
            provider="t",
            input_cost_per_1k_tokens=0.001,
            output_cost_per_1k_tokens=0.001,
            context_length=8000,
        )
        for m in ("strong", "weak")
    ]
    tasks = [f"task{i}" for i in range(10)] + ["fresh"]
    records = []
    for i, task in enumerate(tasks[:-1]):
        level = 0.2 + 0.04 * i
        records += _records("strong", task, [level + 0.3 + (0.05 if k % 2 else -0.05)
                                             for k in range(20)], 0)  # fmt: skip
        records += _records("weak", task, [level + (0.05 if k % 2 else -0.05)
                                           for k in range(20)], 0)  # fmt: skip
    records += _records("weak", "fresh", [0.45, 0.55] * 10, 0)
    for shared in (False, True):
        router = Router(
            ModelCatalog(specs, tasks=tasks),
            clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC)),
            share_evidence=shared,
        )
        router.absorb(records)
        table = router.score_table("fresh", {"quality": 1.0})
        strong = table.estimates["strong"].values["quality"]
        if shared:
            # the catalog's 0.7 (worth 10 calls) pulls weak's level up more than strong's:
            # mu_strong = (7 + 200 * 0.68) / 210, mu_weak = (7 + 200 * 0.38 + 20 * 0.5) / 230
            gap = (7 + 136) / 210 - (7 + 76 + 10) / 230
            assert strong == pytest.approx(0.5 + gap, abs=0.003)
            assert router.hierarchy().tau2 == VARIANCE_FLOOR  # the gap is the same everywhere
        else:
            assert strong == pytest.approx(0.7)


def test_the_level_prior_drops_the_task_effects_uncertainty():
    """B on t3 (never served): the same mean as the shared prior, but its spread only the
    cell's deviation around B's level (tau2) and the error of that level, by hand."""
    fit = fit_hierarchy(CELLS, CATALOG, catalog_strength=K0)
    sigma2, tau2 = 8.7 / 45, fit.tau2
    level = fit.level_prior("B", "t3")
    assert level.mean == pytest.approx(fit.prior("B", "t3").mean)
    assert fit.level_sd == pytest.approx(tau2**0.5)
    # B has 20 calls and a catalog prior worth 10: its level's error is sigma2 / 30
    assert level.strength == pytest.approx(sigma2 / (tau2 + sigma2 / 30))
    assert level.strength == pytest.approx(15.542, abs=1e-3)  # 0.19333 / (0.00599 + 0.00644)
    assert level.strength > fit.prior("B", "t3").strength
    # A on t1 leaves its own 10 calls out of its level: 30 - 10 + 10 = 30 calls behind it
    assert fit.level_prior("A", "t1").strength == pytest.approx(sigma2 / (tau2 + sigma2 / 30))
    # the level's own spread: sigma2 over the catalog's 10 calls and every call of the model
    assert fit.level_spread("A") == pytest.approx((sigma2 / 40) ** 0.5)
    assert fit.level_spread("B") == pytest.approx((sigma2 / 30) ** 0.5)
    assert fit.level_spread("never-served") == pytest.approx((sigma2 / 10) ** 0.5)


def test_thompson_level_draws_around_each_models_level():
    """A model tried 200 times elsewhere is drawn with its level's small spread on a new
    task; plain Thompson draws it with the full spread of a cell nobody has served."""
    specs = [
        ModelSpec(
            id=m,
            provider="t",
            input_cost_per_1k_tokens=0.001,
            output_cost_per_1k_tokens=0.001,
            context_length=8000,
        )
        for m in ("strong", "weak")
    ]
    tasks = [f"task{i}" for i in range(10)] + ["fresh"]
    records = []
    for task in tasks[:-1]:
        records += _records("strong", task, [1.0, 1.0, 1.0, 0.0] * 5, 0)
        records += _records("weak", task, [1.0, 0.0] * 10, 0)
    router = Router(
        ModelCatalog(specs, tasks=tasks), clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC))
    )
    router.absorb(records)
    fit = router.hierarchy()
    level = router._table("fresh", (("quality", 1.0),), None, level=True)
    assert list(router._draw_spreads(level, "thompson-level")) == pytest.approx(
        [fit.level_spread(m) for m in level.model_ids]
    )
    assert fit.level_spread("strong") == pytest.approx((fit.sigma2 / 210) ** 0.5)
    plain = router.score_table("fresh", {"quality": 1.0})
    assert max(router._draw_spreads(level, "thompson-level")) < min(plain.spreads)
    # strong's level (0.75) beats weak's (0.5) on the new task in nearly every draw
    rng = np.random.default_rng(0)
    picks = router.choose("fresh", 1000, {"quality": 1.0}, mode="thompson-level", rng=rng)
    assert picks.count("strong") == 1000
    with pytest.raises(ValueError, match="greedy, thompson, thompson-level"):
        router.choose("fresh", 1, mode="ucb", rng=rng)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs an rng"):
        router.recommend("fresh", mode="thompson-level")
