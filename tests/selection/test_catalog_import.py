"""The price-file importers, on slices of the real files, and the built-in catalogs."""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import as_file
from pathlib import Path

import pytest

from selection import ConfigError, ModelCatalog
from selection.catalog import BUILTIN_CATALOGS, ModelStatus
from selection.catalog_build import current_catalog_from, data_file
from selection.catalog_import import (
    build_current_catalog,
    read_arena_prices,
    read_arena_ratings,
    read_litellm_prices,
)

DATA = Path(__file__).parent / "data"
LITELLM = DATA / "litellm_slice.json"
ARENA = DATA / "arena_prices_slice.csv"
RATINGS = DATA / "arena_categories_slice.csv"


def test_litellm_maps_providers_to_catalog_ids_and_prices_per_1k():
    report = read_litellm_prices(LITELLM)
    by_id = {e.model_id: e for e in report.entries}
    assert report.valid_on == date(2026, 7, 24)
    assert set(by_id) == {
        "openai/gpt-4o",
        "openai/gpt-4.1-2025-04-14",
        "anthropic/claude-3-opus-20240229",
        "anthropic/claude-sonnet-4-5-20250929",
        "gemini/gemini-2.5-pro",
        "gemini/gemini-flash-latest",
        "mistral/open-mixtral-8x7b",
        "openrouter/anthropic/claude-opus-4.1",
    }
    # gpt-4o: 2.5e-06 and 1e-05 USD per token in the file; cache reads 1.25e-06
    gpt4o = by_id["openai/gpt-4o"]
    assert (gpt4o.input_cost_per_1k_tokens, gpt4o.output_cost_per_1k_tokens) == (0.0025, 0.01)
    assert gpt4o.cache_read_cost_per_1k_tokens == 0.00125
    assert gpt4o.context_length == 128_000
    opus = by_id["anthropic/claude-3-opus-20240229"]
    assert opus.cache_write_cost_per_1k_tokens == 0.01875
    assert opus.deprecation_date == date(2026, 5, 1)
    assert opus.status_on(date(2026, 4, 30)) is ModelStatus.ACTIVE
    assert opus.status_on(date(2026, 5, 1)) is ModelStatus.DEPRECATED
    # two keys for one model: the plain key wins, whichever comes first
    assert by_id["gemini/gemini-flash-latest"].source_key == "gemini-flash-latest"
    assert report.skipped == {
        "not a chat model": 1,
        "provider azure has no client": 1,
        "a second key for the same model": 1,
    }


def test_litellm_key_order_does_not_matter():
    document = json.loads(LITELLM.read_text())
    backwards = dict(reversed(list(document.items())))
    forward = {e.model_id: e for e in read_litellm_prices(document).entries}
    assert {e.model_id: e for e in read_litellm_prices(backwards).entries} == forward


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"mode": "chat", "litellm_provider": "openai", "input_cost_per_token": "cheap"},
         "m.input_cost_per_token must be a number, got 'cheap'"),
        ({"mode": "chat", "litellm_provider": "openai", "output_cost_per_token": -1},
         "m.output_cost_per_token must be 0 or more"),
        ({"mode": "chat", "litellm_provider": "openai", "max_input_tokens": 0},
         "m.max_input_tokens must be a positive number"),
        ({"mode": "chat", "litellm_provider": "openai", "deprecation_date": "soon"},
         "m: not a date"),
    ],
)  # fmt: skip
def test_litellm_bad_fields_name_the_key_and_field(row, message):
    with pytest.raises(ConfigError, match=message):
        read_litellm_prices({"m": row})


def test_litellm_unreadable_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read price map"):
        read_litellm_prices(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        read_litellm_prices(tmp_path / "bad.json")


def test_arena_maps_organisations_and_takes_context_from_litellm():
    litellm = read_litellm_prices(LITELLM)
    report = read_arena_prices(ARENA, context_from=litellm.entries)
    by_id = {e.model_id: e for e in report.entries}
    assert set(by_id) == {
        "anthropic/claude-3-opus-20240229",
        "openai/gpt-4.1-2025-04-14",
        "gemini/gemini-2.5-pro",
        "anthropic/claude-sonnet-4-5-20250929",
        "anthropic/claude-opus-4-1-20250805-thinking-16k",
    }
    # 2.0 and 8.0 USD per million tokens
    gpt41 = by_id["openai/gpt-4.1-2025-04-14"]
    assert (gpt41.input_cost_per_1k_tokens, gpt41.output_cost_per_1k_tokens) == (0.002, 0.008)
    assert gpt41.context_length == 1_047_576
    # Arena's own variant names match no LiteLLM key: their context stays unknown
    assert by_id["anthropic/claude-opus-4-1-20250805-thinking-16k"].context_length is None
    assert report.skipped == {
        "organization xAI has no client": 1,
        "organization Baidu has no client": 1,
    }


def test_arena_bad_rows(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("model,organization,input_per_mtok\nx,OpenAI,1\n")
    with pytest.raises(ConfigError, match=r"missing column.*output_per_mtok"):
        read_arena_prices(path)
    path.write_text("model,organization,input_per_mtok,output_per_mtok\nx,OpenAI,1,lots\n")
    with pytest.raises(ConfigError, match=r"prices.csv:2: output_per_mtok is not a number"):
        read_arena_prices(path)


def test_current_catalog_from_slices():
    litellm = read_litellm_prices(LITELLM)
    arena = read_arena_prices(ARENA, context_from=litellm.entries)
    ratings = read_arena_ratings(RATINGS)
    assert ratings["gemini-2.5-pro"] == 1464.46  # the full board, not coding
    catalog = build_current_catalog(litellm, arena, ratings, valid_on=date(2026, 7, 24))
    # claude-3-opus is deprecated by 2026-07-24; the thinking variant has no LiteLLM price
    assert [s.id for s in catalog] == [
        "gemini/gemini-2.5-pro",
        "anthropic/claude-sonnet-4-5-20250929",
        "openai/gpt-4.1-2025-04-14",
    ]
    priors = [s.quality_prior for s in catalog]
    # ratings 1464.46, 1426.61, 1382.41 spread linearly over [0.55, 0.85]
    assert priors == [0.85, round(0.55 + 0.30 * (1426.61 - 1382.41) / (1464.46 - 1382.41), 3), 0.55]
    assert catalog.valid_on == date(2026, 7, 24)
    again = ModelCatalog.from_json(catalog.to_json())
    assert again.valid_on == date(2026, 7, 24)
    assert [s.model_dump() for s in again] == [s.model_dump() for s in catalog]
    before = build_current_catalog(litellm, arena, ratings, valid_on=date(2026, 4, 30))
    assert "anthropic/claude-3-opus-20240229" in before


def test_shipped_current_catalog_is_rebuilt_from_shipped_slices():
    with (
        as_file(data_file("litellm")) as a,
        as_file(data_file("arena")) as b,
        as_file(data_file("ratings")) as c,
    ):
        rebuilt = current_catalog_from(a, b, c)
    shipped = ModelCatalog.builtin("current")
    assert rebuilt.to_json() == shipped.to_json()
    assert shipped.valid_on == date(2026, 7, 24)
    assert len(shipped) >= 20
    assert all(s.price_known and s.quality_prior is not None for s in shipped)


def test_builtin_catalogs_by_name():
    assert set(BUILTIN_CATALOGS) == {"seed", "current"}
    seed = ModelCatalog.builtin("seed")
    assert [s.id for s in seed] == [s.id for s in ModelCatalog.default()]
    assert seed.valid_on is None
    with pytest.raises(
        ConfigError, match="no built-in catalog 'latest'; choose one of seed, current"
    ):
        ModelCatalog.builtin("latest")
