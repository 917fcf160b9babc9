"""Pure statistics for A/B tests, computed from sufficient statistics.

Everything here is a function of numbers (no I/O, no clock, no global random state), so a
test with a million records per arm is analysed in microseconds from its
:class:`Moments` (means) or ``(n, successes)`` pairs (rates). Raw values are needed only for
rank and quantile comparisons (latency).

Conventions:

* Comparisons are **treatment minus control**; relative lift is ``treatment / control - 1``
  with a delta-method interval.
* Misuse (``alpha`` outside (0, 1), a negative count, mismatched lengths) raises
  ``ValueError`` naming the argument.
* Degenerate data never raises: the result carries NaNs and an ``error`` code
  (:data:`ErrorCode`): ``"insufficient_data"``, ``"zero_variance"`` or
  ``"zero_control_mean"``.
* Results are frozen dataclasses.

Which function to use:

==============================  ==========================================================
question                        function
==============================  ==========================================================
is the traffic split right?     :func:`srm_check` (run first; a mismatch voids the test)
mean metric, fixed horizon      :func:`welch_ttest`
success rate, fixed horizon     :func:`two_proportion_test`
latency / heavy tails           :func:`mann_whitney`, :func:`quantile_difference`,
                                :func:`bootstrap_quantile_difference` (raw values)
"not worse than" (cheaper)      :func:`noninferiority_test`,
                                :func:`noninferiority_proportion_test`
peeking after every batch       :func:`sequential_mean_test`,
                                :func:`sequential_proportion_test`
several metrics at once         :func:`holm`
planning                        :func:`sample_size_means`, :func:`sample_size_proportions`,
                                :func:`power_means`, :func:`power_proportions`
==============================  ==========================================================
"""

from selection.stats._fixed import ComparisonResult, two_proportion_test, welch_ttest
from selection.stats._moments import Moments
from selection.stats._multiplicity import HolmResult, holm
from selection.stats._noninferiority import (
    NonInferiorityResult,
    noninferiority_proportion_test,
    noninferiority_test,
)
from selection.stats._nonparametric import (
    MannWhitneyResult,
    QuantileComparison,
    bootstrap_quantile_difference,
    mann_whitney,
    quantile_difference,
)
from selection.stats._power import (
    SampleSizeResult,
    power_means,
    power_proportions,
    sample_size_means,
    sample_size_proportions,
)
from selection.stats._sequential import (
    SequentialResult,
    sequential_mean_test,
    sequential_proportion_test,
)
from selection.stats._srm import SRMResult, srm_check
from selection.stats._validation import ErrorCode

__all__ = [
    "ComparisonResult",
    "ErrorCode",
    "HolmResult",
    "MannWhitneyResult",
    "Moments",
    "NonInferiorityResult",
    "QuantileComparison",
    "SRMResult",
    "SampleSizeResult",
    "SequentialResult",
    "bootstrap_quantile_difference",
    "holm",
    "mann_whitney",
    "noninferiority_proportion_test",
    "noninferiority_test",
    "power_means",
    "power_proportions",
    "quantile_difference",
    "sample_size_means",
    "sample_size_proportions",
    "sequential_mean_test",
    "sequential_proportion_test",
    "srm_check",
    "two_proportion_test",
    "welch_ttest",
]
