"""Syncing the catalog from OpenRouter's GET /api/v1/models (its real wire format)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from selection import ModelCatalog, ModelSpec
from selection.catalog_sync import (
    OpenRouterModel,
    apply_openrouter_models,
    fetch_openrouter_models,
    sync_openrouter_catalog,
)
from selection.providers import ErrorType, ProviderHTTPError, ProviderResponseError

TODAY = date(2025, 6, 1)
BASE = "https://openrouter.test/api/v1"


def entry(
    model_id: str,
    prompt: str | None = "0.000001",
    completion: str | None = "0.000002",
    *,
    context: int | None = 32768,
    created: int | None = 1735689600,  # 2025-01-01
    outputs: tuple[str, ...] = ("text",),
) -> dict[str, Any]:
    """One data[] entry as OpenRouter sends it (fields we ignore included)."""
    return {
        "id": model_id,
        "canonical_slug": model_id,
        "hugging_face_id": None,
        "name": model_id.title(),
        "created": created,
        "description": "A model.",
        "context_length": context,
        "architecture": {
            "modality": "text->" + "+".join(outputs),
            "input_modalities": ["text"],
            "output_modalities": list(outputs),
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": prompt,
            "completion": completion,
            "request": "0",
            "image": "0",
            "web_search": "0",
            "internal_reasoning": "0",
        },
        "top_provider": {
            "context_length": context,
            "max_completion_tokens": 4096,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature"],
    }


LISTING = [
    entry("anthropic/claude-3-opus", "0.000015", "0.000075", context=200000),
    entry("openai/gpt-4-turbo", "0.00001", "0.00003", context=128000),
    entry("google/gemini-pro", "0.000000125", "0.000000375", context=32760),
    entry("meta-llama/llama-3-70b", "0.00000059", "0.00000079", context=8192),
    entry("someone/llama-3-70b", "0.0000005", "0.0000007", context=8192),
    entry("newco/fresh-1", "0.000001", "0.000002", context=65536),
    entry("meta-llama/llama-3-8b-instruct:free", "0", "0", context=8192, created=None),
    entry("openrouter/auto", "-1", "-1", context=2000000),
    entry("openai/dall-e-3", outputs=("image",)),
]


def seed_catalog() -> ModelCatalog:
    """Models named the seed's way: ``openrouter/<name>``, without the vendor."""

    def spec(name: str, context: int, price: float | None = None, provider="openrouter"):
        return ModelSpec(
            id=f"{provider}/{name}",
            provider=provider,
            input_cost_per_1k_tokens=price,
            output_cost_per_1k_tokens=price,
            context_length=context,
        )

    return ModelCatalog(
        [
            spec("claude-3-opus", 200000, 0.09),
            spec("gpt-4-turbo", 128000),
            spec("gemini-pro", 32000, 0.0005),
            spec("mixtral-8x7b", 32000),
            spec("llama-3-70b", 8000),
            spec("gpt-3.5-turbo", 16385, 0.001, provider="openai"),
        ]
    )


def served(listing: list[dict[str, Any]], requests: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.method != "GET" or request.url.path != "/api/v1/models":
            return httpx.Response(404, json={"error": {"message": "Not Found", "code": 404}})
        return httpx.Response(200, json={"data": listing})

    return httpx.MockTransport(handler)


async def sync(catalog: ModelCatalog, listing=LISTING, **kw):
    requests: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=served(listing, requests)) as http:
        report = await sync_openrouter_catalog(catalog, http, today=TODAY, base_url=BASE, **kw)
    return report, requests


async def test_sync_updates_seed_models_adds_releases_and_reports_the_rest():
    catalog = seed_catalog()

    report, requests = await sync(catalog)

    (request,) = requests
    assert "authorization" not in request.headers  # the list is public: no key is sent
    opus = catalog.get("openrouter/claude-3-opus")  # the seed id, matched by its name
    assert (opus.input_cost_per_1k_tokens, opus.output_cost_per_1k_tokens) == (0.015, 0.075)
    assert catalog.get("openrouter/gemini-pro").context_length == 32760
    updated = {u.model_id: u.changes for u in report.updated}
    assert updated["openrouter/claude-3-opus"]["input_cost_per_1k_tokens"] == (0.09, 0.015)
    assert updated["openrouter/gpt-4-turbo"]["output_cost_per_1k_tokens"] == (None, 0.03)
    assert "openrouter/anthropic/claude-3-opus" not in catalog  # no duplicate of the seed id

    assert set(report.released) == {
        "openrouter/newco/fresh-1",
        "openrouter/meta-llama/llama-3-70b",  # two vendors serve llama-3-70b: no alias
        "openrouter/someone/llama-3-70b",
        "openrouter/meta-llama/llama-3-8b-instruct:free",
        "openrouter/openrouter/auto",
    }
    fresh = catalog.get("openrouter/newco/fresh-1")
    assert fresh.provider == "openrouter"
    assert (fresh.input_cost_per_1k_tokens, fresh.output_cost_per_1k_tokens) == (0.001, 0.002)
    assert fresh.context_length == 65536
    assert fresh.release_date == date(2025, 1, 1)
    free = catalog.get("openrouter/meta-llama/llama-3-8b-instruct:free")
    assert free.price_known  # free is a known price
    assert free.estimate_cost() == 0.0
    assert free.release_date == TODAY
    auto = catalog.get("openrouter/openrouter/auto")
    assert not auto.price_known  # "-1" means variable: unknown, never $0

    assert report.skipped == {"openai/dall-e-3": "does not output text (outputs image)"}
    assert set(report.missing) == {"openrouter/mixtral-8x7b", "openrouter/llama-3-70b"}


async def test_a_second_sync_changes_nothing():
    catalog = seed_catalog()
    await sync(catalog)
    version = catalog.version

    report, _ = await sync(catalog)

    assert report.added == report.updated == ()
    assert report.unchanged == 8  # 3 seed ids and 5 releases
    assert catalog.version == version


async def test_an_unknown_price_never_overwrites_a_known_one():
    catalog = ModelCatalog(
        [
            ModelSpec(
                id="openrouter/x/y",
                provider="openrouter",
                input_cost_per_1k_tokens=0.5,
                output_cost_per_1k_tokens=1.0,
                context_length=1000,
            )
        ]
    )
    report, _ = await sync(catalog, [entry("x/y", "-1", None, context=2000)])

    spec = catalog.get("openrouter/x/y")
    assert (spec.input_cost_per_1k_tokens, spec.output_cost_per_1k_tokens) == (0.5, 1.0)
    assert report.updated[0].changes == {"context_length": (1000, 2000)}


async def test_new_models_can_be_left_out_or_filtered():
    catalog = seed_catalog()
    report, _ = await sync(catalog, add_new=False)
    assert report.added == ()
    assert "openrouter/newco/fresh-1" in report.new_not_added
    assert "openrouter/newco/fresh-1" not in catalog
    assert report.updated  # known models are still updated

    report, _ = await sync(seed_catalog(), new_filter=lambda i: i.startswith("newco/"))
    assert report.released == ("openrouter/newco/fresh-1",)


async def test_unreadable_entries_are_skipped_with_the_reason():
    listing = [entry("ok/model"), {"id": "bad/ctx", "context_length": "lots"}, {"name": "no id"}]
    report, _ = await sync(ModelCatalog(), listing)
    assert report.released == ("openrouter/ok/model",)
    assert "context_length" in report.skipped["bad/ctx"]
    assert "id" in report.skipped["data[2]"]


def test_a_new_model_without_context_length_is_skipped():
    catalog = ModelCatalog()
    report = apply_openrouter_models(
        catalog, [OpenRouterModel.model_validate(entry("a/b", context=None))], today=TODAY
    )
    assert report.skipped == {"a/b": "no context_length"}
    assert len(catalog) == 0


@pytest.mark.parametrize(
    ("response", "error", "error_type"),
    [
        (
            httpx.Response(500, json={"error": {"message": "boom"}}),
            ProviderHTTPError,
            "server_error",
        ),
        (
            httpx.Response(429, json={"error": {"message": "slow"}}),
            ProviderHTTPError,
            "rate_limited",
        ),
        (httpx.Response(200, json={"models": []}), ProviderResponseError, "malformed_response"),
        (httpx.Response(200, content=b"<html>"), ProviderResponseError, "malformed_response"),
    ],
)
async def test_fetch_failures_are_classified_provider_errors(response, error, error_type):
    transport = httpx.MockTransport(lambda request: response)
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(error) as exc_info:
            await fetch_openrouter_models(http, base_url=BASE)
    assert exc_info.value.error_type == ErrorType(error_type)
