"""analyze_test_results, end to end from stored records, against scipy and statsmodels.

Records go in through the tracker (so the database's triggers keep the per-arm sums); the
report must equal what scipy and statsmodels compute from the raw values.
"""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import psycopg
import pytest
from scipy import stats

from selection import Guardrail
from selection.abtest.latency import BUCKETS_PER_E, mann_whitney_binned
from selection.stats import Moments, sequential_mean_test
from tests.selection.abtest.support import CHALLENGER, CHAMPION, TASK, Arms, Truth, feed

TRUTH = Truth(quality=(0.70, 0.72), error=(0.03, 0.05), cost=(0.002, 0.0021), latency=(900, 950))
GUARDRAILS = [
    Guardrail(metric="error_rate", margin=0.01, relative=False),
    Guardrail(metric="cost", margin=0.0005, relative=False),
    Guardrail(metric="response_time_ms", margin=0.10),
]


@pytest.fixture
async def fed(manager, rng) -> tuple[dict, Arms]:
    await manager.ab_test_manager.create_test(
        CHAMPION,
        CHALLENGER,
        TASK,
        test_id="vs-scipy",
        traffic_split=0.4,
        success_metrics=["quality_score", "accuracy_score"],
        guardrails=GUARDRAILS,
        min_samples_per_arm=50,
    )
    arms = await feed(manager, "vs-scipy", 700, rng=rng, truth=TRUTH)
    arms = await feed(manager, "vs-scipy", 500, rng=rng, truth=TRUTH, start=700, arms=arms)
    report = await manager.ab_test_manager.analyze_test_results("vs-scipy", mode="fixed")
    return report, arms


def welch_checks(metric: dict, a: np.ndarray, b: np.ndarray) -> None:
    res = stats.ttest_ind(b, a, equal_var=False)
    low, high = res.confidence_interval(0.95)
    assert metric["control"]["n"] == a.size
    assert metric["treatment"]["n"] == b.size
    assert metric["control"]["mean"] == pytest.approx(a.mean(), rel=1e-12)
    assert metric["treatment"]["std"] == pytest.approx(b.std(ddof=1), rel=1e-9)
    assert metric["difference"] == pytest.approx(b.mean() - a.mean(), rel=1e-9)
    assert metric["ci"] == pytest.approx([low, high], rel=1e-9)
    # Relative lift: delta method with the same t quantile.
    mean_a, mean_b = a.mean(), b.mean()
    se = math.sqrt(
        b.var(ddof=1) / b.size / mean_a**2 + mean_b**2 * a.var(ddof=1) / a.size / mean_a**4
    )
    crit = stats.t.ppf(0.975, res.df)
    lift = mean_b / mean_a - 1
    assert metric["relative_lift"] == pytest.approx(lift, rel=1e-9)
    assert metric["relative_ci"] == pytest.approx([lift - crit * se, lift + crit * se], rel=1e-9)


async def test_quality_metrics_equal_welch_and_holm_equals_statsmodels(fed):
    report, arms = fed
    quality, accuracy = report["metrics"]["quality_score"], report["metrics"]["accuracy_score"]
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    for metric, name in ((quality, "quality_score"), (accuracy, "accuracy_score")):
        a, b = arms["a", name], arms["b", name]
        assert metric["test"] == "welch"
        welch_checks(metric, a, b)
        assert metric["p_value"] == pytest.approx(
            stats.ttest_ind(b, a, equal_var=False).pvalue, rel=1e-9
        )
    adjusted = multitest.multipletests([quality["p_value"], accuracy["p_value"]], method="holm")[1]
    assert [quality["p_value_adjusted"], accuracy["p_value_adjusted"]] == pytest.approx(adjusted)
    sig = report["statistical_significance"]
    assert sig["correction"] == "holm"
    assert sig["p_value"] == pytest.approx(min(adjusted))


async def test_the_always_valid_results_equal_the_pure_function(fed, manager):
    report, arms = fed
    quality = report["metrics"]["quality_score"]["sequential"]
    test = await manager.ab_test_manager.get_test("vs-scipy")
    # The fixture's report was the test's first look.
    expected = sequential_mean_test(
        Moments.of(arms["a", "quality_score"]),
        Moments.of(arms["b", "quality_score"]),
        planned_n_per_arm=test.plan.planned_n_per_arm,
    )
    assert quality["looks"] == 1
    assert quality["p_value"] == pytest.approx(expected.p_value, rel=1e-9)
    assert quality["ci"] == pytest.approx(list(expected.ci), rel=1e-9)
    assert quality["relative_ci"] == pytest.approx(list(expected.relative_ci), rel=1e-9)
    # The next look carries the running intersection and minimum.
    again = await manager.ab_test_manager.analyze_test_results("vs-scipy")
    assert again["metrics"]["quality_score"]["sequential"]["looks"] == 2


async def test_error_rate_equals_statsmodels_two_proportion_tests(fed):
    report, arms = fed
    metric = report["metrics"]["error_rate"]
    a, b = arms["a", "error"], arms["b", "error"]
    x_a, x_b, n_a, n_b = int(a.sum()), int(b.sum()), a.size, b.size
    # scipy: the uncorrected chi-square of the 2x2 table is the pooled z test squared.
    table = [[x_b, n_b - x_b], [x_a, n_a - x_a]]
    chi2 = stats.chi2_contingency(table, correction=False)
    assert metric["test"] == "two_proportion_z"
    assert metric["p_value"] == pytest.approx(chi2.pvalue, rel=1e-9)
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    _, p = proportion.proportions_ztest([x_b, x_a], [n_b, n_a])
    assert metric["p_value"] == pytest.approx(p, rel=1e-9)
    wald = proportion.confint_proportions_2indep(x_b, n_b, x_a, n_a, method="wald")
    assert metric["ci"] == pytest.approx(list(wald), rel=1e-9)
    # Non-inferiority, H0: difference >= 1 point (Wald, one-sided).
    ni = proportion.test_proportions_2indep(
        x_b, n_b, x_a, n_a, value=0.01, method="wald", compare="diff", alternative="smaller"
    )
    assert metric["noninferiority"]["p_value"] == pytest.approx(ni.pvalue, rel=1e-9)
    assert metric["noninferiority"]["noninferior"] == (ni.pvalue <= 0.05)


async def test_cost_noninferiority_equals_statsmodels(fed):
    report, arms = fed
    metric = report["metrics"]["cost"]
    a, b = arms["a", "cost"], arms["b", "cost"]
    welch_checks(metric, a, b)
    # H0: the challenger costs at least $0.0005 more: Welch's one-sided test, data shifted.
    shifted = stats.ttest_ind(b - 0.0005, a, equal_var=False, alternative="less")
    assert metric["noninferiority"]["p_value"] == pytest.approx(shifted.pvalue, rel=1e-9)
    weightstats = pytest.importorskip("statsmodels.stats.weightstats")
    _, p, _ = weightstats.ttest_ind(b, a, alternative="smaller", usevar="unequal", value=0.0005)
    assert metric["noninferiority"]["p_value"] == pytest.approx(p, rel=1e-9)


async def test_latency_uses_mann_whitney_and_quantiles_on_raw_values(fed):
    report, arms = fed
    metric = report["metrics"]["response_time_ms"]
    a, b = arms["a", "response_time_ms"], arms["b", "response_time_ms"]
    mw = stats.mannwhitneyu(b, a, alternative="two-sided")
    assert metric["test"] == "mann_whitney"
    assert metric["rank_test"]["method"] == "raw"
    assert metric["p_value"] == pytest.approx(mw.pvalue, rel=1e-9)
    assert metric["rank_test"]["u_statistic"] == mw.statistic
    assert metric["mean_p_value"] == pytest.approx(
        stats.ttest_ind(b, a, equal_var=False).pvalue, rel=1e-9
    )
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        quantile = metric["quantiles"][name]
        assert quantile["control"] == pytest.approx(np.quantile(a, q), rel=1e-12)
        assert quantile["treatment"] == pytest.approx(np.quantile(b, q), rel=1e-12)


async def test_sample_ratio_equals_scipy_chisquare(fed):
    report, arms = fed
    n_a, n_b = arms["a", "quality_score"].size, arms["b", "quality_score"].size
    srm = report["sample_ratio"]
    assert srm["observed"] == [n_a, n_b]
    expected = [(n_a + n_b) * 0.6, (n_a + n_b) * 0.4]
    assert srm["p_value"] == pytest.approx(stats.chisquare([n_a, n_b], expected).pvalue, rel=1e-9)
    assert srm["alpha"] == 0.001
    assert srm["mismatch"] is False


async def test_histogram_latency_path_is_scipy_on_bucketed_values(manager, rng):
    # Above the raw limit the latency tests read the database's histogram instead.
    manager.ab_test_manager.raw_latency_limit = 0
    await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK, test_id="hist")
    arms = await feed(manager, "hist", 800, rng=rng, truth=TRUTH)
    report = await manager.ab_test_manager.analyze_test_results("hist", mode="fixed")
    metric = report["metrics"]["response_time_ms"]
    assert metric["rank_test"]["method"] == "histogram"
    centre = lambda x: np.exp((np.floor(np.log(x) * BUCKETS_PER_E) + 0.5) / BUCKETS_PER_E)  # noqa: E731
    a, b = centre(arms["a", "response_time_ms"]), centre(arms["b", "response_time_ms"])
    mw = stats.mannwhitneyu(b, a, method="asymptotic")
    assert metric["p_value"] == pytest.approx(mw.pvalue, rel=1e-9)
    assert metric["rank_test"]["u_statistic"] == pytest.approx(mw.statistic)
    raw = stats.mannwhitneyu(arms["b", "response_time_ms"], arms["a", "response_time_ms"])
    assert metric["p_value"] == pytest.approx(raw.pvalue, abs=0.01)
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        exact = np.quantile(arms["a", "response_time_ms"], q)
        assert metric["quantiles"][name]["control"] == pytest.approx(exact, rel=0.01)


def test_binned_mann_whitney_equals_scipy_with_ties():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 40, 500), rng.integers(2, 45, 300)
    hist = lambda v: dict(zip(*np.unique(v, return_counts=True), strict=True))  # noqa: E731
    ours = mann_whitney_binned(hist(a), hist(b))
    ref = stats.mannwhitneyu(b, a, method="asymptotic")
    assert ours.statistic == pytest.approx(ref.statistic)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert mann_whitney_binned({5: 10}, {5: 7}).error == "zero_variance"
    assert mann_whitney_binned({5: 1}, {6: 7}).error == "insufficient_data"


async def test_per_arm_sums_follow_inserts_updates_and_deletes(manager, rng, store_url):
    await manager.ab_test_manager.create_test(CHAMPION, CHALLENGER, TASK, test_id="sums")
    await feed(manager, "sums", 300, rng=rng, truth=TRUTH)
    statements = [
        "DELETE FROM model_performance_records WHERE record_id IN ('sums-1', 'sums-2', 'sums-3')",
        "UPDATE model_performance_records SET quality_score = 0.5 WHERE record_id = 'sums-10'",
        "UPDATE model_performance_records SET ab_test_id = NULL, ab_arm = NULL, ab_phase = NULL "
        "WHERE record_id = 'sums-11'",
    ]
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as conn:
            for statement in statements:
                conn.execute(statement)
    else:
        with psycopg.connect(store_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)
    kept_sums = await manager.store.ab_arm_sums("sums")
    kept_hist = await manager.store.ab_latency_histograms("sums")
    await manager.store.rebuild_ab_sums()
    rebuilt = await manager.store.ab_arm_sums("sums")
    assert sum(s.records for s in rebuilt.values()) == 300 - 4
    assert await manager.store.ab_latency_histograms("sums") == kept_hist
    for key, agg in rebuilt.items():
        kept = kept_sums[key]
        assert (kept.records, kept.errors, kept.count) == (agg.records, agg.errors, agg.count)
        assert kept.total == pytest.approx(agg.total, rel=1e-9)
        assert kept.total_sq == pytest.approx(agg.total_sq, rel=1e-9)
