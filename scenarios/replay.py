"""Replay a run from its event log and check that it does the same thing, bit for bit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scenarios.eventlog import EventLog, encode, read_log
from scenarios.policies import POLICY_NAMES
from scenarios.run import LOG_FORMAT, run_scenario
from scenarios.spec import ScenarioSpec, first_error
from selection import ConfigError

__all__ = ["Divergence", "ReplayReport", "replay"]


@dataclass(frozen=True)
class Divergence:
    """Where a replay first differs from the log."""

    entry: int
    step: int | None
    kind: str
    detail: str


@dataclass(frozen=True)
class ReplayReport:
    """The outcome of a replay."""

    entries: int
    identical: bool
    divergence: Divergence | None
    not_compared: tuple[str, ...] = ()
    """Summary fields an older log format computed differently, left out of the comparison."""


class _Diverged(Exception):
    def __init__(self, divergence: Divergence) -> None:
        super().__init__(divergence.detail)
        self.divergence = divergence


# Summary fields a log of an older format computed differently or lacked, so not compared:
# format 1 priced the oracle's calls without discounting failed calls (its cost / oracle was
# biased); formats 1 and 2 left failed calls out of regret, and did not report failed calls
# or the cost of judging.
_ORACLE_PRICE = frozenset({"oracle_cost", "cost_vs_oracle"})
_REGRET_WITH_FAILURES = frozenset(
    {"cumulative_regret", "regret_per_request", "failed_calls", "judging_cost"}
)
_RECOMPUTED_SINCE: dict[int, frozenset[str]] = {
    1: _ORACLE_PRICE | _REGRET_WITH_FAILURES,
    2: _REGRET_WITH_FAILURES,
}
_READABLE_FORMATS = (1, 2, 3, LOG_FORMAT)
# Format 4 changed how the hive votes (a documented fix), so an older log of a hive run
# replays identically up to its first vote and no further.
_BALLOTS_CHANGED = 4
_BALLOTS_NOTE = (
    "this log predates format 4, whose agents value unjudged scores by the quality they "
    "judged, put cost and speed on the selector's linear scale and weigh quality reports by "
    "credibility"
)


class _CheckingLog(EventLog):
    """An event log that compares every entry with the recorded one as it is written."""

    def __init__(self, expected: Iterator[dict[str, Any]], *, log_format: int) -> None:
        super().__init__()
        self._expected = expected
        self._format = log_format
        self._skipped = _RECOMPUTED_SINCE.get(log_format, frozenset())
        self.not_compared = tuple(sorted(self._skipped))

    def _comparable(self, entry: dict[str, Any]) -> dict[str, Any]:
        if entry.get("kind") == "header":
            return {**entry, "format": self._format}
        if entry.get("kind") == "summary" and self._skipped:
            return {k: v for k, v in entry.items() if k not in self._skipped}
        return entry

    def write(self, entry: dict[str, Any]) -> None:
        index = self.entries
        super().write(entry)
        recorded = next(self._expected, None)
        if recorded is None:
            raise _Diverged(
                Divergence(index, entry.get("step"), entry["kind"], "the log ends here")
            )
        recorded, replayed = self._comparable(recorded), self._comparable(entry)
        if encode(recorded) != encode(replayed):
            raise _Diverged(
                Divergence(index, entry.get("step"), entry["kind"], _difference(recorded, replayed))
            )


def _difference(recorded: dict[str, Any], replayed: dict[str, Any], path: str = "") -> str:
    for key in sorted(set(recorded) | set(replayed)):
        a, b = recorded.get(key), replayed.get(key)
        if a == b:
            continue
        where = f"{path}.{key}" if path else key
        if isinstance(a, dict) and isinstance(b, dict):
            return _difference(a, b, where)
        return f"{where}: log has {str(a)[:80]}, replay gives {str(b)[:80]}"
    return "entries differ"


def replay(path: Path, *, db_url: str = "sqlite:///:memory:") -> ReplayReport:
    """Re-run the run that wrote ``path`` and compare every entry.

    A log of format 1 is compared field for field too, except the summary's
    ``oracle_cost`` and ``cost_vs_oracle``, which format 2 computes with the corrected price.
    A hive run logged before format 4 diverges at its first vote (the ballots changed); the
    divergence says so.

    Raises:
        ConfigError: the log is unreadable or was not written by a run.
    """
    entries = read_log(path)
    header = next(entries, None)
    if header is None or header.get("kind") != "header":
        raise ConfigError(f"{path}: not a Genesis Prime event log (no header)")
    log_format = header.get("format")
    if log_format not in _READABLE_FORMATS:
        readable = " or ".join(map(str, _READABLE_FORMATS))
        raise ConfigError(f"{path}: log format {log_format} is not {readable}")
    policy = header.get("policy")
    if policy not in POLICY_NAMES:
        raise ConfigError(
            f"{path}: header: policy {policy!r} is not one of {', '.join(POLICY_NAMES)}"
        )
    try:
        spec = ScenarioSpec.model_validate(_as_written(header.get("scenario")))
    except ValidationError as exc:
        raise ConfigError(f"{path}: header: scenario: {first_error(exc)}") from exc
    # The run writes its header again, with the scenario as validated today: fields added
    # since the log was written appear with the values it ran with (see _OLD_DEFAULTS).
    header = {**header, "scenario": spec.model_dump(mode="json")}
    log = _CheckingLog(_prepend(header, entries), log_format=int(log_format))
    try:
        run_scenario(spec, policy=policy, db_url=db_url, log=log, run_id=header.get("run_id"))
    except _Diverged as diverged:
        divergence = diverged.divergence
        if int(log_format) < _BALLOTS_CHANGED and divergence.detail.startswith(("votes", "tasks")):
            divergence = replace(divergence, detail=f"{divergence.detail}; {_BALLOTS_NOTE}")
        return ReplayReport(divergence.entry + 1, False, divergence, log.not_compared)
    leftover = next(entries, None)
    if leftover is not None:
        step, kind = leftover.get("step"), leftover["kind"]
        return ReplayReport(
            log.entries,
            False,
            Divergence(log.entries, step, kind, "replay ends early"),
            log.not_compared,
        )
    return ReplayReport(log.entries, True, None, log.not_compared)


# Defaults that changed since a log could have been written without the field: a log
# whose header lacks the field ran with the old default, so it replays with that.
_OLD_DEFAULTS: dict[str, dict[str, Any]] = {"agents": {"channel": "verdict"}}


def _as_written(scenario: Any) -> Any:
    """The header's scenario with each changed default filled in as it was when written."""
    if not isinstance(scenario, dict):
        return scenario
    filled = dict(scenario)
    for section, defaults in _OLD_DEFAULTS.items():
        written = filled.get(section, {})
        if isinstance(written, dict):
            filled[section] = {**defaults, **written}
    return filled


def _prepend(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest
