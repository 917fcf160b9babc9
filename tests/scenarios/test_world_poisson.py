"""The scenario world's Poisson draws equal scipy.stats.poisson.ppf's, uniform for uniform."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from scenarios.world import _poisson_quantile

MEANS = [0.3, 1.0, 7.5, 42.0, 250.0, 350.0, 400.0, 1200.0, 5000.5]


def _scipy(u: np.ndarray, mean: float) -> np.ndarray:
    return np.asarray(stats.poisson.ppf(u, mean), dtype=np.int64)


@pytest.mark.parametrize("mean", MEANS)
def test_random_draws_equal_scipy_ppf(mean: float) -> None:
    u = np.random.default_rng(int(mean * 10)).random(300_000)
    assert np.array_equal(_poisson_quantile(mean, u), _scipy(u, mean))


@pytest.mark.parametrize("mean", MEANS)
def test_draws_at_and_beside_every_step_equal_scipy_ppf(mean: float) -> None:
    # Where the answer changes: the CDF's values, the floats either side, and a little off.
    steps = special.pdtr(np.arange(int(mean + 12 * mean**0.5 + 30)), mean)
    steps = steps[(steps > 0.0) & (steps < 1.0)]
    near = [steps, np.nextafter(steps, 0.0), np.nextafter(steps, 1.0)]
    near += [steps * (1.0 + d) for d in (-1e-6, -1e-9, -1e-12, 1e-12, 1e-9, 1e-6)]
    tails = [np.geomspace(1e-300, 1e-5, 400), 1.0 - np.geomspace(1e-16, 1e-5, 200), [0.0]]
    u = np.concatenate(near + tails)
    u = u[(u >= 0.0) & (u < 1.0)]  # uniform draws are in [0, 1)
    assert np.array_equal(_poisson_quantile(mean, u), _scipy(u, mean))


def test_zero_mean_draws_zero() -> None:
    assert _poisson_quantile(0.0, np.array([0.1, 0.9])).tolist() == [0, 0]
