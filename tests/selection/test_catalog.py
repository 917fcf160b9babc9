"""The catalog: shipped models, prices, filters, files, run-time changes; task types."""

from __future__ import annotations

import json

import pytest

from selection import ConfigError, ModelCatalog, ModelSpec, ModelStatus, TaskType, UnknownModelError
from selection.errors import UnknownTaskError
from selection.tasks import METRICS, task_name

SEED_MODELS = {
    "openrouter/claude-3-opus": 0.09,
    "openrouter/claude-3-sonnet": 0.018,
    "openrouter/mixtral-8x7b": 0.001,
    "openrouter/gemini-pro": 0.0005,
    "openrouter/gpt-4-turbo": 0.04,
    "openrouter/llama-3-70b": 0.0014,
}


def test_ships_the_seeds_models_and_providers():
    catalog = ModelCatalog.default()
    for model_id, price in SEED_MODELS.items():
        spec = catalog.get(model_id)
        assert spec.input_cost_per_1k_tokens == spec.output_cost_per_1k_tokens == price
    assert catalog.get("openrouter/claude-3-opus").context_length == 200_000
    assert {"openai", "mistral", "local"} <= {s.provider for s in catalog}
    assert all(s.estimate_cost() == 0 for s in catalog.filter(provider="local"))
    assert len(catalog.filter(provider="local")) == 2


def test_task_types_and_metrics():
    assert len(TaskType) == 10
    assert TaskType.HUMOR_GENERATION == "humor_generation"
    assert TaskType.DECISION_MAKING.value == "decision_making"
    assert len(METRICS) == 10
    assert task_name(TaskType.LOGICAL_REASONING) == "logical_reasoning"
    assert task_name(" Legal_Review ") == "legal_review"
    with pytest.raises(ValueError, match="lower snake case"):
        task_name("legal review!")


def test_filters():
    catalog = ModelCatalog.default()
    cheap = catalog.filter(max_cost_per_1k_tokens=0.001)
    assert {s.id for s in cheap} >= {"openrouter/mixtral-8x7b", "openrouter/gemini-pro"}
    assert "openrouter/claude-3-sonnet" not in {s.id for s in cheap}
    long = catalog.filter(min_context_length=100_000)
    assert len(long) == 3
    assert all(s.context_length >= 100_000 for s in long)
    philosophers = catalog.filter(task=TaskType.PHILOSOPHICAL_ANALYSIS)
    assert [s.id for s in philosophers] == ["openrouter/claude-3-opus"]
    with pytest.raises(UnknownTaskError):
        catalog.filter(task="astrology")


def test_add_retire_and_reactivate_at_run_time():
    catalog = ModelCatalog.default()
    version = catalog.version
    catalog.add(
        ModelSpec(
            id="openrouter/new-model",
            provider="openrouter",
            input_cost_per_1k_tokens=0.0001,
            output_cost_per_1k_tokens=0.0004,
            context_length=64_000,
            specializations=("legal_review",),
        )
    )
    assert "legal_review" in catalog.tasks  # a specialization declares its task
    catalog.retire("openrouter/claude-3-opus")
    assert "openrouter/claude-3-opus" not in {s.id for s in catalog.active()}
    assert "openrouter/claude-3-opus" in {s.id for s in catalog.filter(include_inactive=True)}
    catalog.set_status("openrouter/claude-3-opus", ModelStatus.ACTIVE)
    assert catalog.get("openrouter/claude-3-opus").is_active
    assert catalog.version == version + 3
    with pytest.raises(UnknownModelError, match="unknown model 'nope'"):
        catalog.retire("nope")


def test_save_and_load_round_trip(tmp_path):
    catalog = ModelCatalog.default()
    catalog.declare_task("legal_review")
    catalog.retire("openrouter/gemini-pro")
    path = tmp_path / "catalog.json"
    catalog.save(path)
    again = ModelCatalog.load(path)
    assert list(again) == list(catalog)
    assert again.tasks == catalog.tasks


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"models": 3}', "expected an object with a 'models' list"),
        ('{"models": [{"id": "x", "provider": "p"}]}', r"models\[0\]: context_length"),
        (
            '{"models": [{"id": "x", "provider": "p", "context_length": 8, '
            '"cost_per_1k_tokens": -1}]}',
            "input_cost_per_1k_tokens",
        ),
        ('{"tasks": ["Not A Task"], "models": []}', "lower snake case"),
    ],
)
def test_bad_catalog_files_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        ModelCatalog.load(path)


def test_missing_catalog_file():
    with pytest.raises(ConfigError, match="cannot read catalog file"):
        ModelCatalog.load("/no/such/catalog.json")


def test_unknown_price_is_not_free():
    spec = ModelSpec(id="m", provider="p", context_length=10)
    assert spec.estimate_cost() is None
    assert not spec.price_known
    free = {"id": "m", "provider": "p", "context_length": 10, "cost_per_1k_tokens": 0}
    assert ModelSpec.model_validate(free).price_known


def test_catalog_json_is_what_we_ship():
    catalog = ModelCatalog.default()
    document = json.loads(catalog.to_json())
    assert len(document["models"]) == len(catalog) == 10
