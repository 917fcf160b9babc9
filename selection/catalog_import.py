"""Read LiteLLM's price map and Arena's ``prices.csv`` into catalog models.

LiteLLM's ``model_prices_and_context_window.json`` keys each model by LiteLLM's name
(``gpt-4o``, ``gemini/gemini-2.5-pro``, ``openrouter/anthropic/claude-3-opus``) and says who
serves it (``litellm_provider``); prices are USD per token. Arena's ``prices.csv`` lists
``model, name, organization, license, input_per_mtok, output_per_mtok`` (USD per million
tokens) and no context length.

A catalog id is ``<prefix>/<upstream name>`` (see :mod:`selection.providers.routing`), so a
source row becomes a catalog model only when its provider (LiteLLM) or organisation (Arena)
maps to a prefix the gateway has a client for: :data:`LITELLM_PREFIXES`,
:data:`ARENA_PREFIXES`. Other rows are skipped and counted, never guessed.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from selection.catalog import ModelCatalog, ModelSpec, ModelStatus
from selection.errors import ConfigError

__all__ = [
    "ARENA_PREFIXES",
    "LITELLM_PREFIXES",
    "ImportReport",
    "PriceEntry",
    "build_current_catalog",
    "read_arena_prices",
    "read_arena_ratings",
    "read_litellm_prices",
]

LITELLM_PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "openai": "openai",
        "anthropic": "anthropic",
        "gemini": "gemini",
        "mistral": "mistral",
        "openrouter": "openrouter",
    }
)
"""LiteLLM ``litellm_provider`` -> catalog id prefix (the providers the gateway can call)."""

ARENA_PREFIXES: Mapping[str, str] = MappingProxyType(
    {"OpenAI": "openai", "Anthropic": "anthropic", "Google": "gemini", "Mistral": "mistral"}
)
"""Arena ``organization`` -> catalog id prefix (the organisation serves its own models)."""

# The seed catalog's mapping of arena ratings onto quality priors spans 0.55 to 0.85; the
# current catalog spreads its own models' ratings over the same span.
PRIOR_LOW, PRIOR_HIGH = 0.55, 0.85


@dataclass(frozen=True, slots=True)
class PriceEntry:
    """One priced model from a source file, under its catalog id.

    Prices are USD per 1,000 tokens (``None``: the source does not give it).

    Attributes:
        model_id: The catalog id, ``<prefix>/<upstream name>``.
        provider: The catalog provider (the id's prefix).
        source_key: The row's name in the source file.
        input_cost_per_1k_tokens: Price of input tokens.
        output_cost_per_1k_tokens: Price of output tokens.
        cache_read_cost_per_1k_tokens: Price of input tokens read from the prompt cache.
        cache_write_cost_per_1k_tokens: Price of input tokens written to the prompt cache.
        context_length: Maximum input tokens, if the source says.
        deprecation_date: When the provider stops serving the model, if announced.
    """

    model_id: str
    provider: str
    source_key: str
    input_cost_per_1k_tokens: float | None
    output_cost_per_1k_tokens: float | None
    cache_read_cost_per_1k_tokens: float | None = None
    cache_write_cost_per_1k_tokens: float | None = None
    context_length: int | None = None
    deprecation_date: date | None = None

    def status_on(self, day: date) -> ModelStatus:
        """Deprecated once its deprecation date has come, else active."""
        if self.deprecation_date is not None and self.deprecation_date <= day:
            return ModelStatus.DEPRECATED
        return ModelStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an importer read.

    Attributes:
        entries: The rows that became catalog models, in file order.
        skipped: Why the other rows were left out -> how many.
        valid_on: The date the source's prices are for, if it says.
    """

    entries: tuple[PriceEntry, ...]
    skipped: Mapping[str, int] = field(default_factory=dict)
    valid_on: date | None = None


def read_litellm_prices(
    source: str | Path | Mapping[str, Any],
    *,
    prefixes: Mapping[str, str] = LITELLM_PREFIXES,
) -> ImportReport:
    """Read LiteLLM's price map: its chat models whose provider maps to a catalog prefix.

    Args:
        source: The JSON file, or its parsed document.
        prefixes: ``litellm_provider`` -> catalog id prefix.

    Raises:
        ConfigError: The file cannot be read, is not a JSON object, or a used field has
            the wrong type (the message names the key and field).
    """
    document = _json_document(source) if isinstance(source, str | Path) else source
    where = str(source) if isinstance(source, str | Path) else "LiteLLM price map"
    if not isinstance(document, Mapping):
        raise ConfigError(f"{where}: expected a JSON object of model entries")
    entries: dict[str, PriceEntry] = {}
    skipped: Counter[str] = Counter()
    for key, row in document.items():
        if key == "sample_spec" or not isinstance(row, Mapping):
            continue
        if row.get("mode") != "chat":
            skipped["not a chat model"] += 1
            continue
        provider = row.get("litellm_provider")
        prefix = prefixes.get(provider) if isinstance(provider, str) else None
        if prefix is None:
            skipped[f"provider {provider} has no client"] += 1
            continue
        upstream = key.removeprefix(f"{provider}/")
        entry = PriceEntry(
            model_id=f"{prefix}/{upstream}",
            provider=prefix,
            source_key=key,
            input_cost_per_1k_tokens=_per_1k(row, "input_cost_per_token", 1000, where, key),
            output_cost_per_1k_tokens=_per_1k(row, "output_cost_per_token", 1000, where, key),
            cache_read_cost_per_1k_tokens=_per_1k(
                row, "cache_read_input_token_cost", 1000, where, key
            ),
            cache_write_cost_per_1k_tokens=_per_1k(
                row, "cache_creation_input_token_cost", 1000, where, key
            ),
            context_length=_context(row, where, key),
            deprecation_date=_date(row.get("deprecation_date"), where, key),
        )
        earlier = entries.get(entry.model_id)
        if earlier is not None:
            # ``gpt-4o`` and ``openai/gpt-4o`` name one model: the plain key wins, whatever
            # the file's order.
            skipped["a second key for the same model"] += 1
            if earlier.source_key == upstream or key != upstream:
                continue
        entries[entry.model_id] = entry
    updated = document.get("last_updated")
    valid_on = _date(updated[:10], where, "last_updated") if isinstance(updated, str) else None
    return ImportReport(tuple(entries.values()), dict(skipped), valid_on)


def read_arena_prices(
    path: str | Path,
    *,
    prefixes: Mapping[str, str] = ARENA_PREFIXES,
    context_from: Iterable[PriceEntry] = (),
) -> ImportReport:
    """Read Arena's ``prices.csv``: the models whose organisation maps to a catalog prefix.

    Args:
        path: The CSV file.
        prefixes: ``organization`` -> catalog id prefix.
        context_from: Entries (e.g. LiteLLM's) to take context lengths from, by catalog id;
            Arena gives none, so without a match the context length stays unknown.

    Raises:
        ConfigError: The file cannot be read, lacks a column, or a price is not a number.
    """
    contexts = {e.model_id: e.context_length for e in context_from}
    entries: dict[str, PriceEntry] = {}
    skipped: Counter[str] = Counter()
    for line, row in _csv_rows(
        path, ("model", "organization", "input_per_mtok", "output_per_mtok")
    ):
        prefix = prefixes.get(row["organization"])
        if prefix is None:
            skipped[f"organization {row['organization']} has no client"] += 1
            continue
        price_in = _number(row["input_per_mtok"], path, line, "input_per_mtok")
        price_out = _number(row["output_per_mtok"], path, line, "output_per_mtok")
        if price_in is None and price_out is None:
            skipped["no price"] += 1
            continue
        model_id = f"{prefix}/{row['model']}"
        entries[model_id] = PriceEntry(
            model_id=model_id,
            provider=prefix,
            source_key=row["model"],
            input_cost_per_1k_tokens=None if price_in is None else price_in / 1000,
            output_cost_per_1k_tokens=None if price_out is None else price_out / 1000,
            context_length=contexts.get(model_id),
        )
    return ImportReport(tuple(entries.values()), dict(skipped))


def read_arena_ratings(path: str | Path, *, category: str = "full") -> dict[str, float]:
    """Arena ratings of one category (``categories.csv``): Arena model name -> rating."""
    ratings: dict[str, float] = {}
    for line, row in _csv_rows(path, ("category", "model", "rating")):
        if row["category"] == category:
            rating = _number(row["rating"], path, line, "rating")
            if rating is not None:
                ratings[row["model"]] = rating
    if not ratings:
        raise ConfigError(f"{path}: no ratings in category {category!r}")
    return ratings


def build_current_catalog(
    litellm: ImportReport,
    arena: ImportReport,
    ratings: Mapping[str, float],
    *,
    valid_on: date,
) -> ModelCatalog:
    """The models Arena rates and prices whose provider LiteLLM prices, as of ``valid_on``.

    Prices and context lengths are LiteLLM's (the provider's list price on ``valid_on``);
    a model deprecated by then is left out. ``quality_prior`` spreads the chosen models'
    overall Arena ratings linearly over [0.55, 0.85], the span the seed catalog used.
    """
    by_id = {e.model_id: e for e in litellm.entries}
    chosen: list[tuple[PriceEntry, float]] = []
    for arena_entry in arena.entries:
        entry = by_id.get(arena_entry.model_id)
        rating = ratings.get(arena_entry.source_key)
        if entry is None or rating is None or entry.context_length is None:
            continue
        if entry.status_on(valid_on) is not ModelStatus.ACTIVE:
            continue
        chosen.append((entry, rating))
    if not chosen:
        raise ConfigError("no model is both rated by Arena and priced by LiteLLM")
    low = min(r for _, r in chosen)
    span = max(r for _, r in chosen) - low or 1.0
    models = [
        ModelSpec(
            id=entry.model_id,
            provider=entry.provider,
            input_cost_per_1k_tokens=entry.input_cost_per_1k_tokens,
            output_cost_per_1k_tokens=entry.output_cost_per_1k_tokens,
            context_length=entry.context_length,
            quality_prior=round(PRIOR_LOW + (PRIOR_HIGH - PRIOR_LOW) * (rating - low) / span, 3),
        )
        for entry, rating in sorted(chosen, key=lambda pair: (-pair[1], pair[0].model_id))
        if entry.context_length is not None
    ]
    return ModelCatalog(models, valid_on=valid_on)


# -- reading helpers -------------------------------------------------------------------


def _json_document(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read price map {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc


def _csv_rows(path: str | Path, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}")
            rows = [(n + 2, row) for n, row in enumerate(reader)]
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    return rows


def _number(text: str | None, path: str | Path, line: int, column: str) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{path}:{line}: {column} is not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{path}:{line}: {column} must be a finite number >= 0, got {text!r}")
    return value


def _per_1k(row: Mapping[str, Any], name: str, scale: int, where: str, key: str) -> float | None:
    value = row.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where}: {key}.{name} must be a number, got {value!r}")
    if value < 0:
        raise ConfigError(f"{where}: {key}.{name} must be 0 or more, got {value!r}")
    # round away the float noise of per-token prices (2.5e-06 * 1000 = 0.0025000000000000005)
    return round(float(value) * scale, 12)


def _context(row: Mapping[str, Any], where: str, key: str) -> int | None:
    value = row.get("max_input_tokens", row.get("max_tokens"))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(
            f"{where}: {key}.max_input_tokens must be a positive number, got {value!r}"
        )
    return int(value)


def _date(value: Any, where: str | Path, key: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {key}: not a date (YYYY-MM-DD): {value!r}") from None
