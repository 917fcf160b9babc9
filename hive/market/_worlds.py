"""Parallel worlds of agents choosing among models, some following the crowd.

MusicLab's design (Salganik, Dodds & Watts 2006) with models for songs: every world starts
from the same models and an indistinguishable population; agents arrive one batch at a time
and each picks one model. With probability ``influence`` an agent follows popularity: it
picks a model with probability proportional to ``(downloads + 1) ** returns`` in its own
world (a Polya urn at ``returns = 1``; Arthur's increasing returns above 1). Otherwise it
picks on its own: under ``policy="signal"`` by its private view of quality (quality over
``temperature``, plus its own fixed taste and fresh Gumbel noise: a logit choice), under
``policy="thompson"`` as the selector does, by Thompson sampling over the world's recorded
outcomes (each pick yields a good outcome with the model's hidden quality). Influence 0 is
MusicLab's independent condition: the same random numbers are drawn whatever the knob says.

Who sees whose choices (``network``): the world's ``leaderboard`` (every download so far, as
MusicLab showed), or only the choices of an agent's neighbours on a social graph (``complete``,
``small_world``, ``scale_free``; one graph per run, the same in every world). What a follower
weighs (``follow``): ``downloads``, or downloads times ``reputation``, the Laplace estimate
``(good + 1) / (picks + 2)`` of the recorded good-outcome rate (the hive's reputation
weighting, which turns the urn into a Polya urn with fitness: the best model wins in the end).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hive.market._options import FOLLOWS, NETWORKS, Follow, Network, Policy
from hive.network import build_graph

__all__ = ["MarketConfig", "WorldsRun", "run_worlds"]


@dataclass(frozen=True)
class MarketConfig:
    """One market: its models, population and choice rule.

    Attributes:
        models: How many models compete.
        worlds: Parallel worlds per run.
        choices: Choices made in each world.
        agents: Distinct agents per world (each has its own taste); choice ``t`` is agent
            ``t % agents``'s.
        batch: Agents that choose on the same view of the counts (1: strictly sequential).
        quality_low: Lowest hidden quality; qualities are drawn uniformly up to ``quality_high``.
        quality_high: Highest hidden quality.
        temperature: Logit scale of the private signal (lower: quality matters more).
        taste_sd: Spread of each agent's fixed taste per model, on the logit scale.
        returns: Exponent on popularity (1 linear, > 1 increasing returns).
        policy: ``signal`` (private view of quality) or ``thompson`` (the selector's rule).
        head_start: Model index -> downloads it starts with in every world (seen by all,
            never rated).
        checkpoints: Snapshots of the shares kept per run.
        network: Whose choices a follower sees: ``leaderboard`` (the whole world's), or its
            neighbours' on a ``complete``, ``small_world`` (Watts-Strogatz, k=4, p=0.1) or
            ``scale_free`` (Barabasi-Albert, m=2) graph over the ``agents``.
        follow: What a follower weighs: ``downloads`` or downloads times ``reputation``.
    """

    models: int = 48
    worlds: int = 8
    choices: int = 700
    agents: int = 700
    batch: int = 1
    quality_low: float = 0.4
    quality_high: float = 0.6
    temperature: float = 0.1
    taste_sd: float = 1.0
    returns: float = 1.0
    policy: Policy = "signal"
    head_start: dict[int, int] = field(default_factory=dict)
    checkpoints: int = 50
    network: Network = "leaderboard"
    follow: Follow = "downloads"

    def __post_init__(self) -> None:
        positive = ("models", "worlds", "choices", "agents", "batch", "checkpoints")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"market {name} must be at least 1, got {getattr(self, name)}")
        if self.models < 2:
            raise ValueError(f"market models must be at least 2, got {self.models}")
        if not 0.0 <= self.quality_low <= self.quality_high <= 1.0:
            raise ValueError("market quality needs 0 <= quality_low <= quality_high <= 1")
        if self.temperature <= 0 or self.taste_sd < 0 or self.returns <= 0:
            raise ValueError("market temperature and returns must be > 0, taste_sd >= 0")
        if self.policy not in ("signal", "thompson"):
            raise ValueError(f"market policy must be signal or thompson, got {self.policy!r}")
        if self.network not in NETWORKS:
            raise ValueError(
                f"market network must be one of {', '.join(NETWORKS)}, got {self.network!r}"
            )
        if self.network in ("small_world", "scale_free") and self.agents < 5:
            raise ValueError(
                f"market network {self.network} needs at least 5 agents, got {self.agents}"
            )
        if self.follow not in FOLLOWS:
            raise ValueError(
                f"market follow must be one of {', '.join(FOLLOWS)}, got {self.follow!r}"
            )
        for model, count in self.head_start.items():
            if not 0 <= model < self.models or count < 0:
                raise ValueError(f"market head_start {model}={count}: no such model or count < 0")


@dataclass(frozen=True)
class WorldsRun:
    """What one run of parallel worlds produced.

    Attributes:
        quality: Hidden quality per model, (models,).
        counts: Final downloads per world and model, (worlds, models), head start excluded.
        trajectory: Shares at each checkpoint, (checkpoints, worlds, models).
        at: Choices made per world at each checkpoint, (checkpoints,).
        good: Good outcomes per world and model, (worlds, models).
    """

    quality: NDArray[np.float64]
    counts: NDArray[np.int64]
    trajectory: NDArray[np.float64]
    at: NDArray[np.int64]
    good: NDArray[np.int64]

    @property
    def shares(self) -> NDArray[np.float64]:
        """Final market share per world and model."""
        return np.asarray(self.counts / self.counts.sum(axis=1, keepdims=True), dtype=float)


def run_worlds(config: MarketConfig, influence: float, seed: int) -> WorldsRun:
    """Run ``config.worlds`` worlds from the same start under one influence strength.

    The seed fixes the models' qualities, the social graph and every random number, so two
    influence levels with one seed face the same models, agents and luck.
    """
    if not 0.0 <= influence <= 1.0:
        raise ValueError(f"influence must be in [0, 1], got {influence!r}")
    c = config
    setup, luck, social = np.random.default_rng(seed).spawn(3)
    quality = np.sort(setup.uniform(c.quality_low, c.quality_high, c.models))
    taste = setup.normal(0.0, c.taste_sd, (c.worlds, c.agents, c.models))
    base = np.zeros(c.models)
    for model, count in c.head_start.items():
        base[model] = count
    counts = np.zeros((c.worlds, c.models), dtype=np.int64)
    good = np.zeros((c.worlds, c.models), dtype=np.int64)
    view = _View(c, social)
    steps = -(-c.choices // c.batch)
    keep = np.unique(np.linspace(1, steps, min(c.checkpoints, steps)).round().astype(int))
    trajectory = np.empty((len(keep), c.worlds, c.models))
    at = np.empty(len(keep), dtype=np.int64)
    worlds = np.arange(c.worlds)[:, None]
    signal = quality / c.temperature
    made = 0
    k = 0
    for step in range(1, steps + 1):
        b = min(c.batch, c.choices - made)
        who = (made + np.arange(b)) % c.agents
        follow = luck.random((c.worlds, b)) < influence
        pick = luck.random((c.worlds, b))
        outcome = luck.random((c.worlds, b))
        if c.policy == "signal":
            own = (signal + taste[:, who, :] + luck.gumbel(size=(c.worlds, b, c.models))).argmax(-1)
        else:
            draws = luck.beta(
                1.0 + good[:, None, :], 1.0 + (counts - good)[:, None, :], (c.worlds, b, c.models)
            )
            own = draws.argmax(-1)
        weight = view.seen(counts, who) + base + 1.0
        if c.follow == "reputation":
            weight = weight * ((good + 1.0) / (counts + 2.0))[:, None, :]
        if c.returns != 1.0:
            weight = weight**c.returns
        cdf = np.cumsum(weight, axis=-1)
        cdf /= cdf[..., -1:]
        popular = np.minimum((pick[:, :, None] > cdf).sum(-1), c.models - 1)
        chosen = np.where(follow, popular, own)
        success = outcome < quality[chosen]
        if b == 1:  # one choice per world: plain indexing adds once per (world, model)
            counts[worlds[:, 0], chosen[:, 0]] += 1
            good[worlds[:, 0], chosen[:, 0]] += success[:, 0]
        else:
            rows = np.broadcast_to(worlds, chosen.shape)
            np.add.at(counts, (rows, chosen), 1)
            np.add.at(good, (rows, chosen), success)
        view.record(who, chosen)
        made += b
        if k < len(keep) and step == keep[k]:
            trajectory[k] = counts / made
            at[k] = made
            k += 1
    return WorldsRun(quality=quality, counts=counts, trajectory=trajectory, at=at, good=good)


class _View:
    """What a follower sees of the downloads: the leaderboard, or its neighbours' choices."""

    def __init__(self, config: MarketConfig, rng: np.random.Generator) -> None:
        self.network = config.network
        shape = (config.worlds, config.agents, config.models)
        # complete: each agent's own downloads, subtracted from the world's;
        # sparse graphs: what each agent's neighbours downloaded, kept up to date.
        self.tally = np.zeros(shape, dtype=np.int64) if self.network != "leaderboard" else None
        self.neighbours: list[NDArray[np.intp]] = []
        if self.network in ("small_world", "scale_free"):
            graph = build_graph(self.network, config.agents, rng=rng)
            self.neighbours = [
                np.fromiter(graph.neighbors(a), dtype=np.intp) for a in range(config.agents)
            ]

    def seen(self, counts: NDArray[np.int64], who: NDArray[np.intp]) -> NDArray[np.int64]:
        """Downloads each chooser sees, (worlds, 1 or batch, models)."""
        if self.tally is None:
            return counts[:, None, :]
        if self.network == "complete":
            return counts[:, None, :] - self.tally[:, who, :]
        return self.tally[:, who, :]

    def record(self, who: NDArray[np.intp], chosen: NDArray[np.int64]) -> None:
        """Agents ``who`` chose ``chosen`` (worlds, batch): update what others will see."""
        if self.tally is None:
            return
        worlds = np.arange(chosen.shape[0])[:, None]
        if len(who) == 1:  # one chooser: every (world, agent, model) below is hit once
            agents = self.neighbours[who[0]] if self.network != "complete" else who
            self.tally[worlds, agents[None, :], chosen] += 1
            return
        if self.network == "complete":
            agents, models = np.broadcast_to(who, chosen.shape), chosen
        else:
            lists = [self.neighbours[a] for a in who]
            agents = np.concatenate(lists)
            owner = np.repeat(np.arange(len(who)), [len(n) for n in lists])
            models = chosen[:, owner]
            agents = np.broadcast_to(agents, models.shape)
        np.add.at(self.tally, (np.broadcast_to(worlds, models.shape), agents, models), 1)
