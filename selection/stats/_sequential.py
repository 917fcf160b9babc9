r"""Always-valid inference: p-values and confidence sequences safe to read after every batch.

A fixed-horizon p-value read after every batch, with the test stopped at the first
significant look, has a false-positive rate far above ``alpha`` (about 25% for 20 looks at
``alpha = 0.05``). The functions here give, at every look, a p-value and an interval with

    P(there is ANY look at which the true effect lies outside the interval) <= alpha,

so a test may be stopped the moment ``p_value <= alpha``, or run on. The price is wider
intervals than a single fixed-horizon analysis at the same n.

Method: the two-sided normal-mixture boundary (Robbins 1970; Howard, Ramdas, McAuliffe &
Sekhon 2021, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist.
49(2), eq. (14)), applied to the difference of arm means with plug-in variances, which is
the mixture SPRT of Johari, Koomen, Pekelis & Walsh (2022, "Always valid inference:
continuous monitoring of A/B tests", Oper. Res. 70(3)) and the Gaussian-mixture "asymptotic
confidence sequence" of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2024, "Time-uniform
central limit theory and asymptotic confidence sequences", Ann. Statist., arXiv:2103.06476).
With ``d`` the observed difference, ``W = s_c^2/n_c + s_t^2/n_t`` its variance and a
``N(0, tau^2)`` mixture over the true effect ``theta``, the mixture likelihood ratio is

    Lambda(theta) = sqrt(W / (W + tau^2)) * exp(tau^2 (d - theta)^2 / (2 W (W + tau^2))).

By Ville's inequality ``P(sup_looks Lambda(theta_true) >= 1/alpha) <= alpha`` (exactly for
Gaussian data with known variance, asymptotically with estimated variances). Inverting it:

    p_value = min over looks so far of min(1, 1 / Lambda(0))
    ci      = intersection over looks so far of  d +/- sqrt(W (1 + 1/k) log((1 + k) / alpha^2)),

with ``k = tau^2 / W``. The running minimum and running intersection are carried from look to
look through the ``previous`` argument.

Mixing parameter: ``tau^2`` sets the sample size at which the interval is narrowest. It is
tuned to the planned per-arm sample size ``n*``: ``tau^2 = u * (s_c^2 + s_t^2) / n*``, where
``u = -W_{-1}(-alpha^2 / e) - 1`` (``W_{-1}`` the lower Lambert-W branch; ``u`` ~= 8.21 at
``alpha = 0.05``) minimises the half-width exactly when ``n_c = n_t = n*`` (Waudby-Smith et
al.'s ``rho^2`` optimisation). Then ``k = u * f``, where ``f = (s_c^2 + s_t^2) / (n* W)`` is
the information fraction (``n / n*`` with equal arms). At ``f = 1`` the half-width is
``sqrt(1 + u) ~= 3.04`` standard errors instead of the fixed-horizon 1.96. A poor ``n*``
costs power, never validity.

The relative lift gets the same multiplier applied to its delta-method standard error.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from selection.stats._moments import Moments
from selection.stats._normal_theory import ArmEstimates
from selection.stats._validation import (
    ErrorCode,
    check_alpha,
    check_count,
    check_successes,
)

__all__ = ["SequentialResult", "sequential_mean_test", "sequential_proportion_test"]

_FULL_LINE = (-math.inf, math.inf)
_EMPTY = (math.nan, math.nan)


@dataclass(frozen=True, slots=True)
class SequentialResult:
    """State of an always-valid comparison after one more look.

    Pass it back as ``previous`` at the next look: ``p_value`` is the running minimum and
    ``ci`` / ``relative_ci`` the running intersections over all looks so far.

    Attributes:
        control_mean: Control mean (or rate) at this look.
        treatment_mean: Treatment mean (or rate) at this look.
        difference: ``treatment_mean - control_mean`` at this look.
        ci: Always-valid ``1 - alpha`` confidence sequence for the difference (running
            intersection). ``(-inf, inf)`` before any usable look; ``(nan, nan)`` if the
            looks contradict each other, an event of probability at most ``alpha``.
        relative_lift: ``treatment_mean / control_mean - 1`` at this look (NaN if the
            control mean is 0).
        relative_ci: Always-valid interval for the relative lift (running intersection).
        p_value: Always-valid two-sided p-value (running minimum); 1.0 before any usable look.
        alpha: Level of the confidence sequence.
        planned_n_per_arm: Per-arm sample size the mixture is tuned to.
        information_fraction: Information at this look relative to the plan (``n / n*`` for
            equal arms); NaN for an errored look.
        looks: Number of looks so far, including this one.
        error: ``None``, or why *this* look added nothing (estimates NaN; ``p_value``, ``ci``
            and ``relative_ci`` carried over from ``previous``).
    """

    control_mean: float
    treatment_mean: float
    difference: float
    ci: tuple[float, float]
    relative_lift: float
    relative_ci: tuple[float, float]
    p_value: float
    alpha: float
    planned_n_per_arm: int
    information_fraction: float
    looks: int
    error: ErrorCode | None = None

    @property
    def significant(self) -> bool:
        """Whether ``p_value <= alpha``; safe to act on at any look."""
        return self.p_value <= self.alpha


def sequential_mean_test(
    control: Moments,
    treatment: Moments,
    *,
    planned_n_per_arm: int,
    alpha: float = 0.05,
    previous: SequentialResult | None = None,
) -> SequentialResult:
    """Always-valid comparison of two means from their cumulative moments.

    Call it at every look with the moments of *all* data so far (not the latest batch).

    Args:
        control: Cumulative moments of the control arm.
        treatment: Cumulative moments of the treatment arm.
        planned_n_per_arm: Per-arm sample size at which the interval should be tightest;
            usually the fixed-horizon size from :func:`sample_size_means`.
        alpha: Probability that the interval ever misses the true difference.
        previous: This function's result at the previous look of the same test, or None.

    Returns:
        The updated state. ``error="insufficient_data"`` when an arm has n < 2,
        ``"zero_variance"`` when neither arm varies.

    Raises:
        ValueError: If ``alpha`` is not in (0, 1), ``planned_n_per_arm`` is not a positive
            integer, or ``previous`` was made with a different ``alpha`` or plan.
    """
    alpha, planned = _check_plan(alpha, planned_n_per_arm, previous)
    if control.n < 2 or treatment.n < 2:
        return _carry(control.mean, treatment.mean, alpha, planned, previous, "insufficient_data")
    var_c, var_t = control.variance, treatment.variance
    est = ArmEstimates(
        control.mean, var_c / control.n, treatment.mean, var_t / treatment.n, math.inf
    )
    return _look(est, (var_c + var_t) / planned, alpha, planned, previous)


def sequential_proportion_test(
    control_n: int,
    control_successes: int,
    treatment_n: int,
    treatment_successes: int,
    *,
    planned_n_per_arm: int,
    alpha: float = 0.05,
    previous: SequentialResult | None = None,
) -> SequentialResult:
    """Always-valid comparison of two success rates from cumulative counts.

    The same confidence sequence as :func:`sequential_mean_test`, with the Bernoulli
    variances ``p (1 - p)`` of each arm.

    Args:
        control_n: Cumulative trials in the control arm.
        control_successes: Cumulative successes in the control arm.
        treatment_n: Cumulative trials in the treatment arm.
        treatment_successes: Cumulative successes in the treatment arm.
        planned_n_per_arm: Per-arm sample size at which the interval should be tightest;
            usually ``sample_size_proportions(...).n_per_arm``.
        alpha: Probability that the interval ever misses the true difference.
        previous: This function's result at the previous look of the same test, or None.

    Returns:
        The updated state. ``error="insufficient_data"`` when an arm has fewer than 2
        trials, ``"zero_variance"`` when both observed rates are 0 or 1.

    Raises:
        ValueError: If a count is invalid, ``alpha`` is not in (0, 1), or ``previous`` was
            made with a different ``alpha`` or plan.
    """
    alpha, planned = _check_plan(alpha, planned_n_per_arm, previous)
    n_c, x_c = check_successes(control_n, control_successes, "control_n", "control_successes")
    n_t, x_t = check_successes(
        treatment_n, treatment_successes, "treatment_n", "treatment_successes"
    )
    rate_c = x_c / n_c if n_c else math.nan
    rate_t = x_t / n_t if n_t else math.nan
    if n_c < 2 or n_t < 2:
        return _carry(rate_c, rate_t, alpha, planned, previous, "insufficient_data")
    var_c, var_t = rate_c * (1.0 - rate_c), rate_t * (1.0 - rate_t)
    est = ArmEstimates(rate_c, var_c / n_c, rate_t, var_t / n_t, math.inf)
    return _look(est, (var_c + var_t) / planned, alpha, planned, previous)


@functools.lru_cache(maxsize=64)
def _mixing_constant(alpha: float) -> float:
    # u with u - log(1 + u) = 2 log(1/alpha): the tau^2 / W that minimises the half-width.
    from scipy import special

    return float(-special.lambertw(-(alpha**2) / math.e, k=-1).real - 1.0)


def _look(
    est: ArmEstimates,
    planned_variance: float,
    alpha: float,
    planned: int,
    previous: SequentialResult | None,
) -> SequentialResult:
    var = est.var_c + est.var_t
    if var == 0.0:
        return _carry(est.mean_c, est.mean_t, alpha, planned, previous, "zero_variance")
    fraction = planned_variance / var
    k = _mixing_constant(alpha) * fraction
    # log Lambda(0), written with k = tau^2 / W so that large k cannot overflow.
    log_lr = 0.5 * (est.difference**2 / var) * k / (1.0 + k) - 0.5 * math.log1p(k)
    p_look = math.exp(-log_lr) if log_lr > 0.0 else 1.0
    multiplier = math.sqrt((1.0 + 1.0 / k) * (math.log1p(k) - 2.0 * math.log(alpha)))
    diff, lift = est.difference, est.lift
    ci = _band(diff, multiplier * est.se)
    relative_ci = _band(lift, multiplier * est.lift_se)
    p_value = p_look
    if previous is not None:
        p_value = min(p_look, previous.p_value)
        ci = _intersect(ci, previous.ci)
        relative_ci = _intersect(relative_ci, previous.relative_ci)
    return SequentialResult(
        control_mean=est.mean_c,
        treatment_mean=est.mean_t,
        difference=diff,
        ci=ci,
        relative_lift=lift,
        relative_ci=relative_ci,
        p_value=p_value,
        alpha=alpha,
        planned_n_per_arm=planned,
        information_fraction=fraction,
        looks=1 if previous is None else previous.looks + 1,
    )


def _band(centre: float, half_width: float) -> tuple[float, float]:
    if math.isnan(centre) or math.isnan(half_width):
        return _FULL_LINE  # an undefined lift constrains nothing
    return (centre - half_width, centre + half_width)


def _intersect(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    if any(math.isnan(bound) for bound in (*a, *b)):
        return _EMPTY  # once contradictory, always contradictory
    low, high = max(a[0], b[0]), min(a[1], b[1])
    if low > high:
        return _EMPTY
    return (low, high)


def _check_plan(
    alpha: float, planned_n_per_arm: int, previous: SequentialResult | None
) -> tuple[float, int]:
    alpha = check_alpha(alpha)
    planned = check_count(planned_n_per_arm, "planned_n_per_arm")
    if planned < 1:
        raise ValueError(f"planned_n_per_arm must be >= 1, got {planned_n_per_arm!r}")
    if previous is not None and (previous.alpha, previous.planned_n_per_arm) != (alpha, planned):
        raise ValueError(
            f"previous was computed with alpha={previous.alpha!r}, planned_n_per_arm="
            f"{previous.planned_n_per_arm!r}; got alpha={alpha!r}, "
            f"planned_n_per_arm={planned!r}"
        )
    return alpha, planned


def _carry(
    control_mean: float,
    treatment_mean: float,
    alpha: float,
    planned: int,
    previous: SequentialResult | None,
    error: ErrorCode,
) -> SequentialResult:
    return SequentialResult(
        control_mean=control_mean,
        treatment_mean=treatment_mean,
        difference=math.nan,
        ci=_FULL_LINE if previous is None else previous.ci,
        relative_lift=math.nan,
        relative_ci=_FULL_LINE if previous is None else previous.relative_ci,
        p_value=1.0 if previous is None else previous.p_value,
        alpha=alpha,
        planned_n_per_arm=planned,
        information_fraction=math.nan,
        looks=1 if previous is None else previous.looks + 1,
        error=error,
    )
