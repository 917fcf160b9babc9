"""ProviderSettings.from_env and the provider registry."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from selection.providers import (
    PROVIDERS,
    AnthropicClient,
    GeminiClient,
    OpenAICompatibleClient,
    OpenRouterClient,
    ProviderConfig,
    ProviderSettings,
    build_clients,
)
from tests.selection.providers.fakes import CANARY

DEFAULT_URLS = {
    "openai": "https://api.openai.com/v1",
    "openrouter": "https://openrouter.ai/api/v1",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
    "mistral": "https://api.mistral.ai/v1",
    "local": "http://127.0.0.1:11434/v1",
}


def test_defaults_without_environment():
    settings = ProviderSettings.from_env({})
    assert {name: c.base_url for name, c in settings.providers.items()} == DEFAULT_URLS
    assert all(c.api_key is None for c in settings.providers.values())
    assert settings == ProviderSettings()


def test_keys_and_base_urls_come_from_the_mapping_given():
    environ = {
        "OPENROUTER_API_KEY": "or-key",
        "OPENAI_API_KEY": "oa-key",
        "ANTHROPIC_API_KEY": "an-key",
        "GEMINI_API_KEY": "ge-key",
        "MISTRAL_API_KEY": "mi-key",
        "OPENAI_BASE_URL": "https://proxy.example/v1",
        "OPENROUTER_BASE_URL": "https://or.example/api/v1",
        "ANTHROPIC_BASE_URL": "https://an.example",
        "GEMINI_BASE_URL": "https://ge.example",
        "MISTRAL_BASE_URL": "https://mi.example/v1",
        "LOCAL_BASE_URL": "http://127.0.0.1:8000/v1",
    }
    settings = ProviderSettings.from_env(environ)
    keys = {
        name: c.api_key.get_secret_value() if c.api_key else None
        for name, c in settings.providers.items()
    }
    assert keys == {
        "openai": "oa-key",
        "openrouter": "or-key",
        "anthropic": "an-key",
        "gemini": "ge-key",
        "mistral": "mi-key",
        "local": None,
    }
    assert settings.providers["openai"].base_url == "https://proxy.example/v1"
    assert settings.providers["local"].base_url == "http://127.0.0.1:8000/v1"


def test_empty_values_count_as_unset():
    settings = ProviderSettings.from_env({"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""})
    assert settings.providers["openai"] == ProviderConfig(base_url=DEFAULT_URLS["openai"])


def test_keys_are_masked_in_repr_and_str():
    settings = ProviderSettings.from_env({"OPENAI_API_KEY": CANARY})
    assert CANARY not in repr(settings)
    assert CANARY not in str(settings)
    assert CANARY not in repr(settings.providers["openai"])


def test_registry_names_every_provider():
    assert set(PROVIDERS) == set(DEFAULT_URLS)
    assert {name: spec.default_base_url for name, spec in PROVIDERS.items()} == DEFAULT_URLS


async def test_build_clients_skips_providers_without_keys():
    settings = ProviderSettings.from_env(
        {"OPENROUTER_API_KEY": "k1", "ANTHROPIC_API_KEY": "k2", "GEMINI_API_KEY": "k3"}
    )
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(500))
    ) as http:
        clients = build_clients(settings, http=http)

    assert {name: type(c) for name, c in clients.items()} == {
        "openrouter": OpenRouterClient,
        "anthropic": AnthropicClient,
        "gemini": GeminiClient,
        "local": OpenAICompatibleClient,
    }
    assert {name: c.provider for name, c in clients.items()} == {n: n for n in clients}


async def test_build_clients_ignores_unknown_provider_names():
    settings = ProviderSettings(
        providers={"acme": ProviderConfig(base_url="https://acme.test", api_key=SecretStr("k"))}
    )
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(500))
    ) as http:
        assert build_clients(settings, http=http) == {}
