"""Turn an ``[arena]`` table into a whole scenario: real models, real prices, real ratings.

``board = "history"``: weekly steps over the overall rating history; each priced model enters
at its first snapshot (a ``release``), its strength follows its published rating
(``quality_drift`` events) and it leaves when the board stops listing it (``retirement``).
``board = "categories"``: the 2025-12 board, one task per mapped category.

A model's strength is its Bradley-Terry win probability against :data:`REFERENCE_MODEL` on
the same board and date, so 0.5 means "as good as the GPT-4 of March 2023" whatever the
board's scale that day. Each call's quality is a win (1) or a loss (0) drawn with that
probability (``outcome = "win"``). Models without a known price are left out of routing
(counted by :func:`unpriced`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scenarios.arena.loader import (
    REFERENCE_MODEL,
    Board,
    History,
    Price,
    load_board,
    load_history,
    load_prices,
    win_probability,
)
from selection import TASK_NAME_PATTERN, ConfigError

__all__ = [
    "DEFAULT_CATEGORIES",
    "ArenaSpec",
    "CategoryTask",
    "expand_arena",
    "unpriced",
    "week_dates",
]

DEFAULT_CATEGORIES: dict[str, str] = {
    "coding": "technical_explanation",
    "math": "logical_reasoning",
    "creative_writing": "creative_generation",
    "if": "instruction_following",
    "hard_6": "hard_prompts",
    "expert": "expert_knowledge",
    "multiturn": "conversation",
    "long_user": "long_context",
}
"""Arena category -> task type, used when a scenario does not declare its own mapping."""


class CategoryTask(BaseModel):
    """One category's task and its share of the traffic."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    task: str = Field(pattern=TASK_NAME_PATTERN)
    share: float = Field(default=1.0, gt=0)


class ArenaSpec(BaseModel):
    """The ``[arena]`` table of a scenario file."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    board: Literal["history", "categories"]
    requests_per_step: float = Field(default=1000, gt=0)
    # history
    start: date = date(2023, 5, 8)
    end: date = date(2025, 3, 26)
    step_days: int = Field(default=7, ge=1, le=365)
    task: str = Field(default="chat", pattern=TASK_NAME_PATTERN)
    # categories
    categories: dict[str, CategoryTask] = Field(
        default_factory=lambda: {c: CategoryTask(task=t) for c, t in DEFAULT_CATEGORIES.items()}
    )
    steps: int = Field(default=100, gt=0)
    # calls: tokens per request (no per-model figures in the data, so the same for all)
    tokens_in: float = Field(default=400, ge=0)
    tokens_out: float = Field(default=300, ge=0)
    latency_ms: float = Field(default=1500, gt=0)


def expand_arena(data: dict[str, Any], *, source: str = "scenario") -> dict[str, Any]:
    """The scenario ``data`` with its ``arena`` table replaced by models, traffic and events.

    Raises:
        ConfigError: naming the field that is wrong, or a model without a price.
    """
    data = dict(data)
    try:
        arena = ArenaSpec.model_validate(data.pop("arena"))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in ("arena", *error["loc"]))
        raise ConfigError(f"{source}: {where}: {error['msg']}") from exc
    for key in ("models", "traffic", "events"):
        if key in data:
            raise ConfigError(f"{source}: {key}: an [arena] scenario takes its {key} from the data")
    prices = load_prices()
    if arena.board == "history":
        data.update(_history(arena, load_history(), prices))
    else:
        data.update(_categories(arena, load_board(), prices))
    return data


def unpriced(models: list[str]) -> list[str]:
    """The models among ``models`` with no known price (left out of routing)."""
    prices = load_prices()
    return sorted(m for m in models if m not in prices)


def week_dates(arena: ArenaSpec) -> list[date]:
    """The date of each step of a history scenario."""
    days = (arena.end - arena.start).days // arena.step_days + 1
    return [arena.start + timedelta(days=arena.step_days * k) for k in range(days)]


def _model(model: str, price: Price, quality: float, arena: ArenaSpec, org: str) -> dict[str, Any]:
    return {
        "id": model,
        "provider": org or "arena",
        "input_cost_per_1k_tokens": price.input_per_mtok / 1000.0,
        "output_cost_per_1k_tokens": price.output_per_mtok / 1000.0,
        "context_length": 128_000,
        "behaviour": {
            "quality": round(quality, 6),
            "outcome": "win",
            "latency_ms": arena.latency_ms,
            "tokens_in": arena.tokens_in,
            "tokens_out": arena.tokens_out,
        },
    }


def _history(arena: ArenaSpec, history: History, prices: dict[str, Price]) -> dict[str, Any]:
    if arena.end <= arena.start:
        raise ConfigError("arena.end: must come after arena.start")
    dates = week_dates(arena)
    models: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    boards = [history.board(d) for d in dates]
    references = [history.reference(d) if b else None for d, b in zip(dates, boards, strict=True)]
    for model in sorted(history.ratings):
        if model not in prices:
            continue
        steps = [k for k, b in enumerate(boards) if model in b]
        if not steps:
            continue
        first, last = steps[0], steps[-1]
        current = None
        for k in range(first, len(dates)):
            reference = references[k]
            if model not in boards[k] or reference is None:
                continue
            quality = round(win_probability(boards[k][model], reference), 6)
            if current is None:
                models.append(
                    _model(model, prices[model], quality, arena, history.organization[model])
                )
                if k > 0:
                    events.append({"kind": "release", "step": k, "model": model})
            elif quality != current:
                delta = round(quality - current, 6)
                events.append({"kind": "quality_drift", "step": k, "model": model, "delta": delta})
            current = quality
        if last < len(dates) - 1:
            events.append({"kind": "retirement", "step": last + 1, "model": model})
    events.sort(key=lambda e: (e["step"], e["kind"] != "release", e["model"]))
    return {
        "steps": len(dates),
        "step_minutes": arena.step_days * 24 * 60,
        "start": datetime.combine(arena.start, datetime.min.time(), tzinfo=UTC),
        "models": models,
        "traffic": {arena.task: {"rate": arena.requests_per_step}},
        "events": events,
    }


def _categories(arena: ArenaSpec, board: Board, prices: dict[str, Price]) -> dict[str, Any]:
    full = board.category("full")
    reference = {c: board.category(c)[REFERENCE_MODEL].rating for c in ("full", *arena.categories)}
    tasks = [ct.task for ct in arena.categories.values()]
    if len(set(tasks)) != len(tasks):
        raise ConfigError("arena.categories: two categories map to the same task")
    models = []
    for model in sorted(full):
        if model not in prices:
            continue
        entry = _model(model, prices[model], win_probability(full[model].rating,
                       reference["full"]), arena, "arena")  # fmt: skip
        for category, ct in arena.categories.items():
            rating = board.category(category).get(model)
            if rating is not None:
                p = win_probability(rating.rating, reference[category])
                entry.setdefault("tasks", {})[ct.task] = {"quality": round(p, 6)}
        models.append(entry)
    total = sum(ct.share for ct in arena.categories.values())
    traffic = {
        ct.task: {"rate": arena.requests_per_step * ct.share / total}
        for ct in arena.categories.values()
    }
    return {"steps": arena.steps, "models": models, "traffic": traffic}
