"""Catalog model id -> provider and upstream model name."""

from __future__ import annotations

import pytest

from selection.errors import ConfigError
from selection.providers import DEFAULT_PREFIXES, Route, resolve_route


@pytest.mark.parametrize(
    ("model_id", "route"),
    [
        ("openrouter/anthropic/claude-3-opus", Route("openrouter", "anthropic/claude-3-opus")),
        ("openrouter/claude-3-opus", Route("openrouter", "anthropic/claude-3-opus")),
        ("openrouter/mixtral-8x7b", Route("openrouter", "mistralai/mixtral-8x7b-instruct")),
        ("openrouter/some-new-model", Route("openrouter", "some-new-model")),
        ("openai/gpt-4o", Route("openai", "gpt-4o")),
        ("anthropic/claude-3-5-sonnet-latest", Route("anthropic", "claude-3-5-sonnet-latest")),
        ("google/gemini-1.5-pro", Route("gemini", "gemini-1.5-pro")),
        ("gemini/gemini-1.5-flash", Route("gemini", "gemini-1.5-flash")),
        ("mistral/mistral-large-latest", Route("mistral", "mistral-large-latest")),
        ("local/llama3:8b", Route("local", "llama3:8b")),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_routes(model_id, route):
    assert resolve_route(model_id) == route


@pytest.mark.parametrize("model_id", ["gpt-4o", "cohere/command-r", "openai/", "", "/gpt-4o"])
def test_unroutable_ids(model_id):
    with pytest.raises(ConfigError, match="cannot route"):
        resolve_route(model_id)


def test_prefix_table_can_be_extended():
    prefixes = {**DEFAULT_PREFIXES, "ollama": "local"}
    assert resolve_route("ollama/qwen2", prefixes=prefixes) == Route("local", "qwen2")
