"""When a test changes state: promotion, ramp steps, rollback, expiry. Pure rules.

The automation reads the always-valid (sequential) analysis, so it may look after every
batch. At each look:

**Running** (phase 0, on the test's own data):

1. a sample-ratio mismatch is *flagged*: the test keeps running but cannot be promoted;
2. nothing is decided before each arm has ``min_samples_per_arm`` records (but see 5);
3. a challenger significantly worse on a success metric, or worse than a guardrail's
   margin, is *abandoned*: the test completes and the champion stays;
4. a challenger better on the success metrics, within every guardrail's margin, after
   ``min_runtime_hours``, is *promoted*: its share ramps up step by step;
5. at ``duration_hours`` the test *expires*: it completes and the champion stays.

**Ramping** (phase k >= 1, on that step's data only, so a changing split cannot bias it):

1. a sample-ratio mismatch, a guardrail worse than its margin, or a success metric
   significantly worse *rolls back*: all traffic returns to the champion;
2. after ``ramp.step_hours`` with ``ramp.min_samples_per_arm`` records per arm, the share
   moves to the next step, and after the last step the challenger is *promoted* for good.
"""

from __future__ import annotations

from dataclasses import dataclass

from selection.abtest.analysis import Analysis
from selection.abtest.config import ACTIVE_STATUSES, ABTest, Action, Decision, Phase, Status
from selection.abtest.results import evidence

__all__ = ["TestVerdict", "apply_verdict", "decide", "decision_for", "ramp_steps", "winner_of"]

_CHAMPION_WINS = ("abandon", "rollback")


@dataclass(frozen=True, slots=True)
class TestVerdict:
    """What to do: the action, the status it leads to and why (``split`` for ramp steps)."""

    action: Action
    to_status: Status
    reason: str
    split: float | None = None


def ramp_steps(test: ABTest) -> tuple[float, ...]:
    """The challenger shares the ramp passes through (those above the test's split)."""
    return tuple(s for s in test.spec.ramp.steps if s > test.spec.traffic_split)


def decide(test: ABTest, analysis: Analysis) -> TestVerdict | None:
    """The state change a look calls for, or ``None`` to carry on."""
    if test.status == "running":
        return _running(test, analysis)
    if test.status == "ramping":
        return _ramping(test, analysis)
    return None


def _running(test: ABTest, analysis: Analysis) -> TestVerdict | None:
    spec, now = test.spec, analysis.time
    elapsed = test.hours_since(test.start_time, now)
    expired = elapsed >= spec.duration_hours
    if analysis.srm.mismatch:
        reason = f"{analysis.reason}; promotion is blocked"
        if expired:
            return TestVerdict("expire", "completed", f"duration over; {reason}")
        return TestVerdict("flag", "running", reason)
    if analysis.min_records >= spec.min_samples_per_arm:
        if analysis.challenger_worse() or analysis.regressed():
            return TestVerdict("abandon", "completed", analysis.reason)
        promotable = analysis.challenger_better() and analysis.guardrails_passed()
        if promotable and elapsed >= spec.min_runtime_hours:
            steps = ramp_steps(test)
            if steps:
                return TestVerdict(
                    "promote",
                    "ramping",
                    f"{analysis.reason}; ramping the challenger to {steps[0]:.0%}",
                    split=steps[0],
                )
            return TestVerdict("promote", "promoted", f"{analysis.reason}; promoted outright")
    if expired:
        return TestVerdict(
            "expire",
            "completed",
            f"duration of {spec.duration_hours} h is over: {analysis.reason}; the champion stays",
        )
    return None


def _ramping(test: ABTest, analysis: Analysis) -> TestVerdict | None:
    ramp, phase = test.spec.ramp, test.phase
    if analysis.srm.mismatch:
        return TestVerdict(
            "rollback", "rolled_back", f"at {phase.traffic_split:.0%}: {analysis.reason}"
        )
    if analysis.min_records < ramp.min_samples_per_arm:
        return None
    regressed = analysis.regressed()
    if regressed or analysis.challenger_worse():
        what = (
            f"guardrail {', '.join(regressed)} regressed beyond its margin"
            if regressed
            else analysis.reason
        )
        return TestVerdict("rollback", "rolled_back", f"at {phase.traffic_split:.0%}: {what}")
    if test.hours_since(phase.start_time, analysis.time) < ramp.step_hours:
        return None
    later = [s for s in ramp_steps(test) if s > phase.traffic_split]
    done = (
        f"{ramp.step_hours:g} h and {analysis.min_records} records per arm at "
        f"{phase.traffic_split:.0%} without a regression"
    )
    if later:
        return TestVerdict("ramp", "ramping", f"{done}; moving to {later[0]:.0%}", split=later[0])
    return TestVerdict("complete_ramp", "promoted", f"{done}; the challenger takes all traffic")


def winner_of(test: ABTest) -> str | None:
    """The model a concluded test settled on, or ``None`` (still running, expired, stopped)."""
    if test.status == "promoted":
        return test.spec.model_b_id
    if test.decisions and test.decisions[-1].action in _CHAMPION_WINS and not test.is_active:
        return test.spec.model_a_id
    return None


def decision_for(test: ABTest, verdict: TestVerdict, analysis: Analysis) -> Decision | None:
    """The decision to store for a verdict; ``None`` for a flag raised already."""
    last = test.decisions[-1] if test.decisions else None
    if verdict.action == "flag" and last is not None and last.action == "flag":
        return None  # still flagged: once is enough, not at every look
    return Decision(
        test_id=test.test_id,
        time=analysis.time,
        action=verdict.action,
        from_status=test.status,
        to_status=verdict.to_status,
        reason=verdict.reason,
        evidence=evidence(analysis),
    )


def apply_verdict(test: ABTest, verdict: TestVerdict, decision: Decision) -> ABTest:
    """The test after a decision: new status, a new phase for a ramp step, the end time."""
    now = decision.time
    phases = test.phases
    if verdict.split is not None:
        phases = (*phases, Phase(index=len(phases), start_time=now, traffic_split=verdict.split))
    elif verdict.to_status == "promoted":
        phases = (*phases, Phase(index=len(phases), start_time=now, traffic_split=1.0))
    return test.model_copy(
        update={
            "status": verdict.to_status,
            "phases": phases,
            "decisions": (*test.decisions, decision),
            "end_time": None if verdict.to_status in ACTIVE_STATUSES else now,
        }
    )
