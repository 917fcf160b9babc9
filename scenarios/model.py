"""The Mesa model that runs a scenario against the real selector and tracker.

Each step: the step's events change the world; traffic arrives per task; the policy (the
real selector, or a baseline) chooses a model per request; outcomes are drawn from the hidden
truth; every call is recorded through the real tracker in one batch; agents observe the calls
they handled; every ``vote_period`` steps the hive's pooled quality reports enter the selector
as evidence (``agents.channel = "evidence"``, the default), or, on the ``"verdict"`` channel
kept as a control, the hive votes and the selector takes its verdict.
"""

from __future__ import annotations

import hashlib
import math
import weakref
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import numpy.typing as npt

from agents import PERSONAS, AdversarialAgent, BeliefConfig, MesaGenesisAgent, Observations
from hive import Consensus, HiveMind, build_graph, label_agents, small_world
from scenarios.automation import ABAutomation
from scenarios.columns import CallColumns
from scenarios.eventlog import EventLog
from scenarios.observation import Observer
from scenarios.oracle import true_values
from scenarios.policies import SelectorPolicy, StaticPolicy, make_policy
from scenarios.spec import Release, ScenarioSpec, load_scenario
from scenarios.world import World
from selection import (
    Budget,
    BudgetPacer,
    ConfigError,
    CoroutineRunner,
    EventLoopThread,
    NoEligibleModelError,
    PerformanceRecord,
    PerformanceTracker,
    Recommendation,
    Router,
    SimClock,
    Store,
    expected_cost,
    normalise_priorities,
    open_store,
)

__all__ = ["SCALAR_METRICS", "HiveModel"]

SCALAR_METRICS = (
    "requests",
    "quality",
    "cost",
    "latency_ms",
    "error_rate",
    "regret",
    "cumulative_regret",
    "oracle_cost",
    "failed_calls",
    "judging_cost",
    "agreement",
    "confidence",
)
"""Per-step metrics collected by the model's DataCollector."""

TRAFFIC_COLUMNS = ("step", "task", "model", "requests", "share", "oracle")
"""The DataCollector's ``traffic`` table: one row per (step, task, active model)."""


class HiveModel(mesa.Model):  # type: ignore[misc]  # mesa ships no type information
    """One run of a scenario under one policy.

    Built from plain parameters, as Mesa's tools build models (``mesa.batch_run``,
    ``SolaraViz``)::

        HiveModel(scenario="steady-state", seed=1, policy="hive", **{"agents.count": 20})

    the model opens its own store (``db_url``, in memory by default), event loop and event
    log, stops (``running`` turns false) at the scenario's last step, and releases them on
    :meth:`close` or once it reaches the last step. Stepped ``spec.steps`` times it gives the same
    per-step metrics, bit for bit, as :func:`scenarios.run_scenario` on the same spec.
    :func:`scenarios.run_scenario` passes the objects it owns instead: ``store``, ``runner``,
    ``log`` and ``rng`` together.

    Args:
        spec: The scenario (or give ``scenario``).
        scenario: A built-in name, a TOML file or a :class:`ScenarioSpec`.
        seed: Replaces the scenario's seed.
        policy: ``hive``, ``selector`` (no hive) or a baseline name.
        db_url: Where a model built from plain parameters records its calls.
        store: An open store; every call is recorded there.
        runner: What drives the store's coroutines (an ``asyncio.Runner``).
        log: Where inputs, decisions, outcomes and votes are written.
        rng: The run's generator; every component gets its own child stream.
        run_id: Namespaces the run's record ids (``<run id>/...``) in a shared store.
        **kwargs: Scenario fields to replace, dotted into sections
            (``steps=48``, ``**{"agents.count": 20}``).

    Raises:
        ConfigError: no scenario, or both ``spec`` and ``scenario``, or only some of the
            owned objects, or an override the scenario does not have.
    """

    def __init__(
        self,
        spec: ScenarioSpec | None = None,
        *,
        scenario: str | Path | ScenarioSpec | None = None,
        seed: int | None = None,
        policy: str = "hive",
        db_url: str = "sqlite:///:memory:",
        store: Store | None = None,
        runner: CoroutineRunner | None = None,
        log: EventLog | None = None,
        rng: np.random.Generator | None = None,
        run_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        # Named kwargs, not overrides: Mesa's SolaraViz accepts only that name for **.
        spec = _resolve_spec(spec, scenario, seed, kwargs)
        given = {"store": store, "runner": runner, "log": log, "rng": rng}
        self._owned: weakref.finalize[Any, Any] | None = None
        if any(v is not None for v in given.values()):
            missing = [name for name, value in given.items() if value is None]
            if missing:
                raise ConfigError(
                    f"HiveModel: give store, runner, log and rng together, or none of them "
                    f"(missing: {', '.join(missing)})"
                )
        else:
            runner = EventLoopThread(f"hive-model-{spec.name}")
            store = open_store(db_url)
            try:
                runner.run(store.open())
            except BaseException:
                runner.close()
                raise
            # Stops the loop when the model is garbage; close() also closes the store.
            self._owned = weakref.finalize(self, runner.stop)
            self._own_store = store
            log = EventLog()
            rng = np.random.default_rng(spec.seed)
        assert store is not None, "checked above"
        assert runner is not None, "checked above"
        assert log is not None, "checked above"
        assert rng is not None, "checked above"
        streams = rng.spawn(9)  # children are keyed by index: earlier ones never change
        super().__init__(rng=streams[0])
        self.spec = spec
        self.runner = runner
        self.log = log
        self._traffic_rng, self._noise_rng, self._choice_rng = streams[1:4]
        self._assign_rng, graph_rng, self._crowd_rng = streams[4:7]
        self._judge_rng, self._arena_rng = streams[7:9]
        self.observer = Observer(spec.observation)
        self.world = World(spec)
        self.clock = SimClock(spec.start)
        self.selector = Router(
            self.world.catalog,
            prior_strength=spec.selector.prior_strength,
            clock=self.clock,
            share_evidence=spec.selector.share_evidence,
            half_life_hours=spec.selector.half_life_hours,
            forget=spec.selector.forget,
        )
        budget = spec.selector.budget_per_request
        self.pacer = None if budget is None else BudgetPacer(Budget(budget))
        self.tracker = PerformanceTracker(store, self.selector)
        # A run's ids are its own: ``<run id>/<request>`` beside other runs' records, whose
        # sums the run's Router never loads (a run learns from its own calls only).
        self._id_prefix = "" if run_id is None else f"{run_id}/"
        if run_id is None:
            self.runner.run(self.tracker.start())
        self.weights = dict(normalise_priorities(spec.selector.weights))
        self.policy: SelectorPolicy | StaticPolicy = make_policy(
            policy, self.selector, self.weights, mode=spec.selector.mode, pacer=self.pacer
        )
        self.tasks = sorted(spec.traffic)
        # Agents see each call's truth unless the scenario or the blind control says not.
        self.private = self.observer.private and self.policy.name != "blind-hive"
        self.hive = self._build_hive(graph_rng) if self.policy.uses_hive else None
        self.ab: ABAutomation | None = None
        if spec.ab_automation and isinstance(self.policy, SelectorPolicy):
            self.ab = ABAutomation(
                store=store,
                selector=self.selector,
                clock=self.clock,
                runner=runner,
                weights=self.weights,
            )
        self._values: dict[str, dict[str, float]] = {}
        self._calls: dict[str, dict[str, int]] = {t: {} for t in self.tasks}  # per task, so far
        # Since the last vote: the stored calls per task, and what the agents saw, with the
        # rows (into the concatenation of the seen batches) each agent handled.
        self._since_vote: dict[str, list[Observations]] = {t: [] for t in self.tasks}
        self._unseen: list[Observations] = []
        self._unseen_rows = 0
        self._inboxes: dict[int, tuple[MesaGenesisAgent, list[npt.NDArray[np.intp]]]] = {}
        self.agreement: dict[str, float] = {}
        self.latest: dict[str, float] = dict.fromkeys(SCALAR_METRICS, 0.0)
        self.cumulative_regret = 0.0
        self.records_written = 0
        self.requests_generated = 0
        self._adjustments: list[Recommendation] = []  # the hive's, stored with the next write
        self.datacollector = mesa.DataCollector(
            model_reporters=_reporters(), tables={"traffic": list(TRAFFIC_COLUMNS)}
        )
        log.write({"kind": "start", "policy": self.policy.name, "models": self.world.active})

    @property
    def running(self) -> bool:
        """False once the scenario's last step has run (Mesa's tools stop there).

        A model that opened its own store closes it then: Mesa keeps every model it has
        seen alive (``mesa.Agent`` counts ids per model), so a finaliser would never run.
        """
        if self.steps < self.spec.steps:
            return bool(self._running)
        self.close()
        return False

    @running.setter
    def running(self, value: bool) -> None:
        self._running = value

    def close(self) -> None:
        """Close the store and the event loop the model opened for itself (if it did)."""
        if self._owned is None or not self._owned.alive:
            return
        try:
            self.runner.run(self._own_store.aclose())
        finally:
            self._owned()
            if isinstance(self.runner, EventLoopThread):
                self.runner.close()

    # -- set-up ---------------------------------------------------------------------------

    def _build_hive(self, graph_rng: np.random.Generator) -> HiveMind:
        spec = self.spec.agents
        unknown = sorted(set(spec.personas) - set(PERSONAS))
        if unknown:
            raise ConfigError(
                f"agents.personas: unknown persona {unknown[0]!r}; use {', '.join(PERSONAS)}"
            )
        names = _allocate(spec.personas, spec.count)
        self._assign_rng.shuffle(names)
        beliefs = BeliefConfig(decay=1.0 - spec.forgetting)
        shills = round(spec.shills * spec.count)
        for i, name in enumerate(names):
            if i < shills and spec.promote is not None:
                core = AdversarialAgent(
                    f"agent-{i:05d}", PERSONAS[name], promote=spec.promote,
                    rng=self.rng.spawn(1)[0], beliefs=beliefs,
                )  # fmt: skip
                MesaGenesisAgent(self, core)
                continue
            MesaGenesisAgent.from_persona(
                self, PERSONAS[name], agent_id=f"agent-{i:05d}", beliefs=beliefs
            )
        self.members: list[MesaGenesisAgent] = list(self.agents)
        # Calls of a task go to the agents whose persona covers it (everyone, if nobody does).
        self._handlers: dict[str, list[MesaGenesisAgent]] = {}
        for task in self.tasks:
            covering = self.agents.select(lambda a, t=task: t in a.core.persona.tasks)
            self._handlers[task] = list(covering) if len(covering) else self.members
        ids = [a.agent_id for a in self.members]
        if spec.network == "small_world" and spec.count > spec.neighbours:
            graph = small_world(spec.count, k=spec.neighbours, p=spec.rewire, rng=graph_rng)
        else:
            graph = build_graph("complete" if spec.network == "small_world" else spec.network,
                                spec.count, rng=graph_rng)  # fmt: skip
        return HiveMind(
            [a.core for a in self.members],
            method=spec.consensus,
            reputation=spec.reputation,
            graph=label_agents(graph, ids),
            social_influence=spec.social_influence,
        )

    # -- one step -------------------------------------------------------------------------

    def step(self) -> None:
        """Advance the scenario by one step."""
        index = self.steps - 1  # Mesa counts steps from 1
        self.world.step = index
        self.clock.advance(timedelta(minutes=self.spec.step_minutes) if index else timedelta(0))
        for event in self.spec.events:
            if event.step == index:
                self.world.apply(event)
                self.log.write({"kind": "event", "step": index, "event": event.model_dump()})
                if self.ab is not None and isinstance(event, Release):
                    started = self.ab.on_release(event.model, self.tasks, index)
                    self.log.write({"kind": "ab_start", "step": index, "tests": started})
        calls: dict[str, CallColumns] = {}
        seen: dict[str, list[Observations]] = {}  # what the agents judge (and arena calls)
        totals = {"requests": 0, "quality": 0.0, "ok": 0, "cost": 0.0, "latency": 0.0}
        totals.update(errors=0, regret=0.0, oracle_cost=0.0, judging_cost=0.0)
        entry: dict[str, Any] = {"kind": "step", "step": index, "tasks": {}}
        for task in self.tasks:
            served, seen[task], summary = self._serve(task, index, totals)
            if served is not None:
                calls[task] = served
            entry["tasks"][task] = summary
        batch = CallColumns.concat(list(calls.values())) if calls else None
        n = 0 if batch is None else len(batch)
        self.requests_generated += n
        written = self.runner.run(self._write(batch, index))
        if written != n:  # the ids were there already: nothing of the batch is new
            raise ConfigError(
                f"step {index}: {n - written} of {n} record ids are in the "
                "database already (the same run id, or a run without one): choose a new run id"
            )
        self.records_written += written
        if self.ab is not None:
            decisions = self.ab.monitor(index, self._values)
            if decisions:
                entry["ab"] = decisions
        if self.hive is not None:
            self._observe(seen, calls)
            if (index + 1) % self.spec.agents.vote_period == 0:
                # Agents judge their inbox in one batch before voting: the same beliefs as
                # observing every step, at a tenth of the calls.
                self._deliver()
                self.agents.shuffle_do("step")
                entry["votes"] = self._vote(index)
        elif self.policy.feeds_channel and (index + 1) % self.spec.agents.vote_period == 0:
            entry["votes"] = self._self_verdict()
        self.log.write(entry)
        self._collect(totals)

    async def _write(self, batch: CallColumns | None, index: int | None = None) -> int:
        """The step's one trip to the store: records, ratings now due, the hive's adjustments."""
        written = 0 if batch is None else await self.tracker.record_many(batch.rows())
        for rating in [] if index is None else self.observer.due(index):
            await self.tracker.amend(rating.record_id, quality_score=rating.quality)
        for rec in self._adjustments:
            await self.tracker.store.add_recommendation(rec)
        self._adjustments.clear()
        return written

    def flush(self) -> None:
        """Store what the last step left for the next write (call once the run ends)."""
        if self._adjustments:
            self.runner.run(self._write(None))

    def _pace(self, costs: list[float]) -> None:
        """Tell the budget's pacer, if any, what the step's calls cost."""
        if self.pacer is not None:
            for cost in costs:
                self.pacer.spend(cost or 0.0)

    def _serve(
        self, task: str, index: int, totals: dict[str, float]
    ) -> tuple[CallColumns | None, list[Observations], dict[str, Any]]:
        n = self._arrivals(task, index)
        noise = self._noise_rng.random((n, 5))  # drawn before choosing: common random numbers
        judging = self._judge_rng.random((n, 2))
        request_ids = [f"{self.policy.name}-{index}-{task}-{row}" for row in range(n)]
        routed_ids = request_ids if self.ab is not None else None
        chosen = self.policy.choose(task, n, self._choice_rng, routed_ids)
        if self.hive is not None and self.ab is None and self.spec.agents.social_influence > 0:
            chosen = self._follow_crowd(task, chosen)
        choices = np.array(chosen, dtype=object)
        values = true_values(
            self.world, task, self.weights, self.world.active,
            failure_value=self.spec.failure_value,
        )  # fmt: skip
        self._values[task] = values
        oracle = max(values, key=lambda m: (values[m], m)) if values else None
        parts: list[CallColumns] = []
        routed: list[str] = []  # each call's request id, in the order of the parts' rows
        now = self.clock.now()
        digest = hashlib.sha256()
        counts: dict[str, int] = {}
        for model_id in sorted(set(choices.tolist())):
            rows = np.flatnonzero(choices == model_id)
            out = self.world.draw(model_id, task, noise[rows])
            counts[model_id] = len(rows)
            for array in (rows, out.quality, out.latency_ms, out.failed, out.cost):
                digest.update(np.ascontiguousarray(array).tobytes())
            truth = np.where(out.failed, math.nan, out.quality)
            ids = [self._id_prefix + request_ids[row] for row in rows.tolist()]
            scores = self.observer.recorded(
                model_id, truth, judging[rows], step=index, task=task, record_ids=ids,
            )  # fmt: skip
            parts.append(
                CallColumns.build(
                    record_id=ids, model_id=model_id, task_type=task, timestamp=now,
                    response_time_ms=out.latency_ms, token_count_input=out.tokens_in,
                    token_count_output=out.tokens_out, cost=out.cost, quality_score=scores,
                    failed=out.failed, timed_out=out.timed_out,
                    perceived=truth if self.private else scores,
                )
            )  # fmt: skip
            routed.extend(request_ids[row] for row in rows.tolist())
            ok = ~out.failed
            totals["quality"] += float(out.quality[ok].sum())
            totals["ok"] += int(ok.sum())
            totals["errors"] += int(out.failed.sum())
            totals["cost"] += float(out.cost.sum())
            totals["latency"] += float(out.latency_ms.sum())
            if oracle is not None:
                totals["regret"] += len(rows) * (values[oracle] - values[model_id])
        calls = CallColumns.concat(parts) if parts else None
        if calls is not None and self.ab is not None:
            calls = self._tag(calls, routed)
        if calls is not None:
            self._pace(calls.column("cost"))
        seen = self._seen(calls, task, index, choices, totals)
        if oracle is not None and n:
            b = self.world.behaviour(oracle, task)
            price_in, price_out = self.world.prices(oracle)
            # Priced as the oracle's truth is valued (scenarios.oracle): failed calls bill no
            # output tokens, as the calls actually made are billed (World.draw).
            totals["oracle_cost"] += n * expected_cost(
                b.tokens_in,
                b.tokens_out,
                price_in=price_in,
                price_out=price_out,
                error_rate=b.error_rate,
            )
        totals["requests"] += n
        for model_id, k in counts.items():
            self._calls[task][model_id] = self._calls[task].get(model_id, 0) + k
        for model_id in self.world.active:
            share = counts.get(model_id, 0) / n if n else 0.0
            self.datacollector.add_table_row(
                "traffic",
                {"step": index, "task": task, "model": model_id,
                 "requests": counts.get(model_id, 0), "share": share, "oracle": model_id == oracle}
            )  # fmt: skip
        summary = {"requests": n, "choices": counts, "oracle": oracle, "digest": digest.hexdigest()}
        return calls, seen, summary

    def _seen(
        self,
        calls: CallColumns | None,
        task: str,
        index: int,
        choices: npt.NDArray[Any],
        totals: dict[str, float],
    ) -> list[Observations]:
        """What the agents judge of the task's calls (none without a hive), arena calls too."""
        if self.hive is None:
            return []
        seen = [] if calls is None else [calls.observations(perceived=True)]
        if self.private and self.spec.observation.agents.arena_share:
            extra = self._arena(task, index, choices, totals)
            if extra:
                seen.append(Observations.from_records(extra))
        return seen

    def _tag(self, calls: CallColumns, request_ids: list[str]) -> CallColumns:
        """The calls with the A/B test and arm of each call a running test routed."""
        assert self.ab is not None
        tagged = [
            self.ab.tag(PerformanceRecord(**row), request_id)
            for row, request_id in zip(calls.rows(), request_ids, strict=True)
        ]
        return calls.with_fields(
            **{
                name: np.array([getattr(r, name) for r in tagged], dtype=object)
                for name in ("ab_test_id", "ab_arm", "ab_phase")
            }
        )

    def _arena(
        self, task: str, index: int, choices: npt.NDArray[Any], totals: dict[str, float]
    ) -> list[PerformanceRecord]:
        """A share of requests also answered by a random other model, for the agents only.

        Like Chatbot Arena's random pairs, it lets agents judge models the selector does not
        route to; the second answer is paid for (``judging_cost``) but serves nobody.
        """
        n = len(choices)
        draws = self._arena_rng.random((n, 7))  # one row per request: common random numbers
        active = self.world.active
        extra: list[PerformanceRecord] = []
        for row in np.flatnonzero(draws[:, 0] < self.spec.observation.agents.arena_share):
            others = [m for m in active if m != choices[row]]
            if not others:
                continue
            model_id = others[min(int(draws[row, 1] * len(others)), len(others) - 1)]
            out = self.world.draw(model_id, task, draws[row : row + 1, 2:7])
            totals["judging_cost"] += float(out.cost[0])
            failed = bool(out.failed[0])
            extra.append(
                PerformanceRecord(
                    record_id=f"{self._id_prefix}{self.policy.name}-{index}-{task}-{row}-arena",
                    model_id=model_id,
                    task_type=task,
                    response_time_ms=float(out.latency_ms[0]),
                    token_count_input=int(out.tokens_in[0]),
                    token_count_output=int(out.tokens_out[0]),
                    cost=float(out.cost[0]),
                    quality_score=None if failed else float(out.quality[0]),
                    error_occurred=failed,
                    error_type="server_error" if failed else None,
                    timestamp=self.clock.now(),
                )
            )
        return extra

    def traffic_rows(self) -> list[dict[str, Any]]:
        """The ``traffic`` table as rows, in the order they were added."""
        table = self.datacollector.tables["traffic"]
        columns = [table[name] for name in TRAFFIC_COLUMNS]
        return [dict(zip(TRAFFIC_COLUMNS, row, strict=True)) for row in zip(*columns, strict=True)]

    def _follow_crowd(self, task: str, chosen: list[str]) -> list[str]:
        """Each caller follows the crowd with probability ``social_influence``.

        A follower calls a model in proportion to its calls on the task so far, plus one
        (a Polya urn over the leaderboard): what the hive routes to gains traffic, so agents
        gain experience of it, so the hive prefers it more. That loop is what can cascade.
        """
        active = list(self.world.active)
        if not chosen or not active:
            return chosen
        weight = np.array([self._calls[task].get(m, 0) + 1.0 for m in active])
        follow = self._crowd_rng.random(len(chosen)) < self.spec.agents.social_influence
        crowd = self._crowd_rng.choice(len(active), size=len(chosen), p=weight / weight.sum())
        return [active[c] if f else own for own, f, c in zip(chosen, follow, crowd, strict=True)]

    def _arrivals(self, task: str, index: int) -> int:
        traffic = self.spec.traffic[task]
        hours = index * self.spec.step_minutes / 60.0
        rate = traffic.rate * (1.0 + traffic.daily_amplitude * math.sin(2 * math.pi * hours / 24))
        for burst in traffic.bursts:
            if burst.start <= index < burst.end:
                rate *= burst.multiplier
        return int(self._traffic_rng.poisson(rate))

    def _observe(self, seen: dict[str, list[Observations]], stored: dict[str, CallColumns]) -> None:
        """Hand each call the agents see to one agent whose persona covers its task."""
        for task, calls in stored.items():
            self._since_vote[task].append(calls.observations(perceived=False))
        for task in self.tasks:
            batches = seen.get(task, [])
            handlers = self._handlers[task]
            n = sum(len(b) for b in batches)
            picks = self._assign_rng.integers(len(handlers), size=n)
            if not n:
                continue
            self._unseen.append(Observations.concat(batches))
            order = np.argsort(picks, kind="stable") + self._unseen_rows
            self._unseen_rows += n
            ends = np.cumsum(np.bincount(picks, minlength=len(handlers))).tolist()
            start = 0
            for agent, end in zip(handlers, ends, strict=True):
                if end > start:
                    self._inboxes.setdefault(id(agent), (agent, []))[1].append(order[start:end])
                start = end

    def _deliver(self) -> None:
        """Put the calls each agent handled since it last observed into its inbox."""
        if self._unseen:
            unseen = Observations.concat(self._unseen)
            handled = list(self._inboxes.values())
            batches = unseen.split([np.concatenate(rows) for _, rows in handled])
            for (agent, _), batch in zip(handled, batches, strict=True):
                agent.receive_columns(batch)
        self._unseen, self._unseen_rows, self._inboxes = [], 0, {}

    def _vote(self, index: int) -> list[dict[str, Any]]:
        assert self.hive is not None
        verdicts: list[Consensus] = []
        entries: list[dict[str, Any]] = []
        evidence_channel = self.spec.agents.channel == "evidence" or self.policy.name in (
            "raters", "shuffled-hive",
        )  # fmt: skip
        for task in self.tasks:
            stored = self._since_vote[task]
            if stored:  # how did the last vote predict?
                self.hive.settle(task, Observations.concat(stored))
            self._since_vote[task] = []
            if evidence_channel:
                # Raters are a table of ratings: a plain mean, nobody's word weighed.
                raters = self.policy.name == "raters"
                if self.spec.agents.reputation and not raters:
                    self.hive.settle_reports(task)
                estimates = self.hive.evidence(
                    task,
                    pooling="mean" if raters else "median",
                    weight=self.spec.agents.evidence_weight,
                    shuffle=self._assign_rng if self.policy.name == "shuffled-hive" else None,
                    credible=self.spec.agents.reputation and not raters,
                )
                self.selector.set_evidence(task, estimates)
                entries.append(
                    {"task": task, "evidence": {m: list(v) for m, v in estimates.items()}}
                )
                continue
            # Only the models some agent ranked: the selector treats the others as unjudged.
            consensus = self.hive.vote(task)
            self.agreement[task] = consensus.agreement
            entries.append(
                {"task": task, "ranking": list(consensus.ranking),
                 "preferred": consensus.preferred_model, "approval": consensus.collective_approval,
                 "agreement": consensus.agreement, "ballots": consensus.n_ballots}
            )  # fmt: skip
            if consensus.preferred_model is not None:
                verdicts.append(consensus)
        if verdicts:
            self._adjustments.extend(self.selector.apply_consensus(verdicts).values())
        return entries

    def _self_verdict(self) -> list[dict[str, Any]]:
        """The control with no agents: the selector's own view fed back through the channel."""
        entries: list[dict[str, Any]] = []
        for task in self.tasks:
            table = self.selector.score_table(task, self.weights)
            if self.spec.agents.channel == "evidence":
                estimates = {
                    m: (float(e.values["quality"] or 0.0),
                        self.spec.agents.evidence_weight * e.observations)
                    for m, e in sorted(table.estimates.items()) if e.observations
                }  # fmt: skip
                self.selector.set_evidence(task, estimates)
                entries.append(
                    {"task": task, "evidence": {m: list(v) for m, v in estimates.items()}}
                )
            elif table.model_ids:
                own = {"preferred_model": table.model_ids[0], "collective_approval": 1.0}
                self._adjustments.extend(self.selector.apply_consensus({task: own}).values())
                entries.append({"task": task, "preferred": table.model_ids[0]})
        return entries

    def _collect(self, totals: dict[str, float]) -> None:
        n = totals["requests"]
        self.cumulative_regret += totals["regret"]
        confidences = []
        for task in self.tasks:
            try:
                confidences.append(self.selector.recommend(task, self.weights).confidence_score)
            except NoEligibleModelError:
                confidences.append(0.0)
        self.latest = {
            "requests": n,
            "quality": totals["quality"] / totals["ok"] if totals["ok"] else math.nan,
            "cost": totals["cost"],
            "latency_ms": totals["latency"] / n if n else math.nan,
            "error_rate": totals["errors"] / n if n else math.nan,
            "regret": totals["regret"],
            "cumulative_regret": self.cumulative_regret,
            "oracle_cost": totals["oracle_cost"],
            "failed_calls": totals["errors"],
            "judging_cost": totals["judging_cost"],
            "agreement": float(np.mean(list(self.agreement.values())))
            if self.agreement
            else math.nan,
            "confidence": float(np.mean(confidences)),
        }
        self.datacollector.collect(self)

    def release_steps(self) -> dict[str, int]:
        """Model id -> the step it was released at."""
        return {e.model: e.step for e in self.spec.events if isinstance(e, Release)}


def _resolve_spec(
    spec: ScenarioSpec | None,
    scenario: str | Path | ScenarioSpec | None,
    seed: int | None,
    overrides: dict[str, Any],
) -> ScenarioSpec:
    if (spec is None) == (scenario is None):
        raise ConfigError("HiveModel: give the scenario once: as spec, or as scenario=")
    chosen = spec if spec is not None else scenario
    if not isinstance(chosen, ScenarioSpec):
        chosen = load_scenario(str(chosen))
    changes = dict(overrides)
    if seed is not None:
        changes["seed"] = seed
    return chosen.with_overrides(**changes) if changes else chosen


def _reporters() -> dict[str, Callable[[HiveModel], float]]:
    def reporter(name: str) -> Callable[[HiveModel], float]:
        return lambda model: model.latest[name]

    return {name: reporter(name) for name in SCALAR_METRICS}


def _allocate(shares: dict[str, float], count: int) -> list[str]:
    """Split ``count`` agents over personas by share (largest remainder, ties by name)."""
    total = sum(shares.values())
    if total <= 0:
        raise ConfigError("agents.personas: shares must add up to more than 0")
    exact = {name: count * share / total for name, share in sorted(shares.items())}
    counts = {name: int(value) for name, value in exact.items()}
    left = count - sum(counts.values())
    for name in sorted(exact, key=lambda m: (-(exact[m] - counts[m]), m))[:left]:
        counts[name] += 1
    return [name for name, k in counts.items() for _ in range(k)]
