"""Keep the catalog's prices, context lengths and models in step with OpenRouter.

OpenRouter's ``GET /api/v1/models`` (public, no key needed) answers::

    {"data": [{"id": "anthropic/claude-3-opus", "name": "...", "created": 1709596800,
               "context_length": 200000,
               "architecture": {"output_modalities": ["text"], ...},
               "pricing": {"prompt": "0.000015", "completion": "0.000075", ...}, ...}]}

Prices are strings in USD per token; the catalog keeps USD per 1,000 tokens. A negative
price (``"-1"``, the variable-price router ``openrouter/auto``) or a missing one is unknown,
and an unknown price never overwrites a known one.

OpenRouter model ``X`` is catalog model ``openrouter/X``. A catalog model written the seed's
way, ``openrouter/<name>`` without a vendor (``openrouter/claude-3-opus``), matches the one
OpenRouter id ``<vendor>/<name>`` when exactly one exists. A model OpenRouter lists that the
catalog lacks is a release: it is added (unless told not to) and reported.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from selection.catalog import ModelCatalog, ModelSpec
from selection.errors import http_error
from selection.providers import ProviderResponseError
from selection.providers._http import excerpt, send

__all__ = [
    "OPENROUTER_API",
    "ModelUpdate",
    "OpenRouterModel",
    "SyncReport",
    "apply_openrouter_models",
    "fetch_openrouter_models",
    "sync_openrouter_catalog",
]

logger = logging.getLogger(__name__)

OPENROUTER_API = "https://openrouter.ai/api/v1"
"""The API root; the models list is ``{root}/models``."""

_PREFIX = "openrouter/"
_PROVIDER = "openrouter"


class _Pricing(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prompt: str | float | None = None
    completion: str | float | None = None


class _Architecture(BaseModel):
    model_config = ConfigDict(extra="ignore")

    output_modalities: list[str] | None = None


class OpenRouterModel(BaseModel):
    """The fields of one ``data[]`` entry that the catalog uses (others are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str | None = None
    created: int | None = None
    context_length: int | None = None
    pricing: _Pricing | None = None
    architecture: _Architecture | None = None


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    data: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ModelUpdate:
    """How one catalog model changed.

    Attributes:
        model_id: The catalog id.
        changes: Field -> ``(old, new)``.
    """

    model_id: str
    changes: Mapping[str, tuple[Any, Any]]


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync found and did.

    Attributes:
        added: Models OpenRouter lists that the catalog lacked, now added: releases.
        updated: Catalog models whose price or context length changed.
        unchanged: How many matched catalog models needed no change.
        new_not_added: New OpenRouter models left out (``add_new=False`` or filtered).
        skipped: OpenRouter ids that could not be used, with the reason.
        missing: Catalog ``openrouter/`` models that OpenRouter no longer lists.
    """

    added: tuple[ModelSpec, ...] = ()
    updated: tuple[ModelUpdate, ...] = ()
    unchanged: int = 0
    new_not_added: tuple[str, ...] = ()
    skipped: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def released(self) -> tuple[str, ...]:
        """The catalog ids of the models added."""
        return tuple(spec.id for spec in self.added)


async def fetch_openrouter_models(
    http: httpx.AsyncClient, *, base_url: str = OPENROUTER_API
) -> tuple[list[OpenRouterModel], dict[str, str]]:
    """Fetch OpenRouter's model list.

    Args:
        http: The client to send with (no key is sent: the list is public).
        base_url: The API root.

    Returns:
        The readable entries, and the unreadable ones as ``id -> reason``.

    Raises:
        selection.errors.ProviderError: The request failed (classified as for chat calls),
            or the body is not ``{"data": [...]}``.
    """
    request = http.build_request("GET", f"{base_url.rstrip('/')}/models")
    response, _ = await send(
        http,
        request,
        provider=_PROVIDER,
        status_error=lambda r: http_error(r.status_code, excerpt(r.text), provider=_PROVIDER),
    )
    try:
        envelope = _Envelope.model_validate_json(response.content)
    except ValidationError as exc:
        raise ProviderResponseError(
            f"models list is not {{'data': [...]}}: {excerpt(response.text)}", provider=_PROVIDER
        ) from exc
    models: list[OpenRouterModel] = []
    bad: dict[str, str] = {}
    for index, entry in enumerate(envelope.data):
        try:
            models.append(OpenRouterModel.model_validate(entry))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "entry"
            bad[str(entry.get("id", f"data[{index}]"))] = f"{where}: {error['msg']}"
    return models, bad


def apply_openrouter_models(
    catalog: ModelCatalog,
    models: Iterable[OpenRouterModel],
    *,
    today: date,
    add_new: bool = True,
    new_filter: Callable[[str], bool] | None = None,
) -> SyncReport:
    """Update the catalog from OpenRouter's entries (no I/O) and report what changed.

    Args:
        catalog: Updated in place.
        models: Entries from :func:`fetch_openrouter_models`.
        today: The release date of an added model whose entry has no ``created`` time.
        add_new: Add models the catalog lacks; when ``False`` they are only reported.
        new_filter: Add only new models whose OpenRouter id it accepts.

    Returns:
        The report.
    """
    entries = list(models)
    aliases = _seed_aliases(catalog, [m.id for m in entries])
    added: list[ModelSpec] = []
    updated: list[ModelUpdate] = []
    left_out: list[str] = []
    skipped: dict[str, str] = {}
    seen: set[str] = set()
    unchanged = 0
    for entry in entries:
        reason = _unusable(entry)
        if reason is not None:
            skipped[entry.id] = reason
            continue
        model_id = aliases.get(entry.id, _PREFIX + entry.id)
        seen.add(model_id)
        if model_id in catalog:
            change = _update(catalog, catalog.get(model_id), entry)
            if change is None:
                unchanged += 1
            else:
                updated.append(change)
        elif add_new and (new_filter is None or new_filter(entry.id)):
            spec = _new_spec(model_id, entry, today, skipped)
            if spec is not None:
                catalog.add(spec)
                added.append(spec)
        else:
            left_out.append(model_id)
    missing = tuple(
        s.id for s in catalog if s.provider == _PROVIDER and s.id not in seen and s.is_active
    )
    return SyncReport(tuple(added), tuple(updated), unchanged, tuple(left_out), skipped, missing)


async def sync_openrouter_catalog(
    catalog: ModelCatalog,
    http: httpx.AsyncClient,
    *,
    today: date,
    base_url: str = OPENROUTER_API,
    add_new: bool = True,
    new_filter: Callable[[str], bool] | None = None,
) -> SyncReport:
    """Fetch OpenRouter's model list and apply it to the catalog.

    See :func:`fetch_openrouter_models` and :func:`apply_openrouter_models`; unreadable
    entries are reported in ``skipped``.
    """
    models, bad = await fetch_openrouter_models(http, base_url=base_url)
    report = apply_openrouter_models(
        catalog, models, today=today, add_new=add_new, new_filter=new_filter
    )
    if bad:
        report = SyncReport(
            report.added,
            report.updated,
            report.unchanged,
            report.new_not_added,
            {**bad, **report.skipped},
            report.missing,
        )
    logger.info(
        "OpenRouter sync: %d added, %d updated, %d unchanged, %d skipped",
        len(report.added),
        len(report.updated),
        report.unchanged,
        len(report.skipped),
    )
    return report


# -- helpers ----------------------------------------------------------------------------


def _seed_aliases(catalog: ModelCatalog, openrouter_ids: Sequence[str]) -> dict[str, str]:
    """OpenRouter id -> catalog id, for catalog ids without a vendor that match exactly one."""
    by_name: dict[str, list[str]] = {}
    for or_id in openrouter_ids:
        _, sep, name = or_id.partition("/")
        if sep:
            by_name.setdefault(name, []).append(or_id)
    aliases: dict[str, str] = {}
    for spec in catalog:
        name = spec.id.removeprefix(_PREFIX)
        if spec.provider != _PROVIDER or name == spec.id or "/" in name:
            continue
        candidates = by_name.get(name, [])
        if len(candidates) == 1 and _PREFIX + candidates[0] not in catalog:
            aliases[candidates[0]] = spec.id
    return aliases


def _unusable(entry: OpenRouterModel) -> str | None:
    modalities = entry.architecture.output_modalities if entry.architecture else None
    if modalities is not None and "text" not in modalities:
        return f"does not output text (outputs {', '.join(modalities) or 'nothing'})"
    if entry.context_length is not None and entry.context_length <= 0:
        return f"context_length {entry.context_length} is not positive"
    return None


def _per_1k(value: str | float | None) -> float | None:
    """USD per token (a decimal string) -> USD per 1,000 tokens; ``None`` when unknown."""
    if value is None:
        return None
    try:
        # Decimal keeps "0.000015" * 1000 exactly 0.015, so unchanged prices compare equal.
        per_1k = float(Decimal(str(value)) * 1000)
    except InvalidOperation:
        return None
    return per_1k if math.isfinite(per_1k) and per_1k >= 0 else None


def _prices(entry: OpenRouterModel) -> tuple[float | None, float | None]:
    pricing = entry.pricing
    if pricing is None:
        return None, None
    return _per_1k(pricing.prompt), _per_1k(pricing.completion)


def _update(catalog: ModelCatalog, spec: ModelSpec, entry: OpenRouterModel) -> ModelUpdate | None:
    new_in, new_out = _prices(entry)
    wanted: dict[str, Any] = {}
    for name, new in (
        ("input_cost_per_1k_tokens", new_in),
        ("output_cost_per_1k_tokens", new_out),
    ):
        old = getattr(spec, name)
        if new is not None and (old is None or not math.isclose(old, new, rel_tol=1e-9)):
            wanted[name] = new
    if entry.context_length is not None and entry.context_length != spec.context_length:
        wanted["context_length"] = entry.context_length
    if not wanted:
        return None
    catalog.add(spec.model_copy(update=wanted))
    return ModelUpdate(spec.id, {k: (getattr(spec, k), v) for k, v in wanted.items()})


def _new_spec(
    model_id: str, entry: OpenRouterModel, today: date, skipped: dict[str, str]
) -> ModelSpec | None:
    if entry.context_length is None:
        skipped[entry.id] = "no context_length"
        return None
    input_price, output_price = _prices(entry)
    released = today
    if entry.created is not None:
        try:
            released = datetime.fromtimestamp(entry.created, UTC).date()
        except (OverflowError, OSError, ValueError):
            logger.debug("%s: created=%r is not a time; released today", entry.id, entry.created)
    try:
        return ModelSpec(
            id=model_id,
            provider=_PROVIDER,
            input_cost_per_1k_tokens=input_price,
            output_cost_per_1k_tokens=output_price,
            context_length=entry.context_length,
            release_date=released,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        skipped[entry.id] = f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
        return None
