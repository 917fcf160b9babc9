"""Provider keys and base URLs, and the registry that turns them into clients.

The environment is read in exactly one place, :meth:`ProviderSettings.from_env`, which the
application's edge calls with ``os.environ``; everything below receives values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from selection.providers._base import HTTPChatClient
from selection.providers._types import ChatClient
from selection.providers.anthropic import AnthropicClient
from selection.providers.gemini import GeminiClient
from selection.providers.openai import OpenAICompatibleClient
from selection.providers.openrouter import OpenRouterClient

__all__ = [
    "PROVIDERS",
    "ProviderConfig",
    "ProviderSettings",
    "ProviderSpec",
    "build_clients",
]


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """How one provider is configured and which client class serves it.

    Attributes:
        client: The client class.
        default_base_url: Where requests go when no base URL is configured.
        key_env: The environment variable holding the key; ``None`` when none is needed.
        base_url_env: The environment variable overriding the base URL.
    """

    client: type[HTTPChatClient]
    default_base_url: str
    key_env: str | None
    base_url_env: str


PROVIDERS: Mapping[str, ProviderSpec] = MappingProxyType(
    {
        "openai": ProviderSpec(
            OpenAICompatibleClient,
            OpenAICompatibleClient.default_base_url,
            "OPENAI_API_KEY",
            "OPENAI_BASE_URL",
        ),
        "openrouter": ProviderSpec(
            OpenRouterClient,
            OpenRouterClient.default_base_url,
            "OPENROUTER_API_KEY",
            "OPENROUTER_BASE_URL",
        ),
        "anthropic": ProviderSpec(
            AnthropicClient,
            AnthropicClient.default_base_url,
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_BASE_URL",
        ),
        "gemini": ProviderSpec(
            GeminiClient,
            GeminiClient.default_base_url,
            "GEMINI_API_KEY",
            "GEMINI_BASE_URL",
        ),
        "mistral": ProviderSpec(
            OpenAICompatibleClient,
            "https://api.mistral.ai/v1",
            "MISTRAL_API_KEY",
            "MISTRAL_BASE_URL",
        ),
        # Ollama's OpenAI-compatible endpoint; vLLM and llama.cpp servers work the same way.
        "local": ProviderSpec(
            OpenAICompatibleClient, "http://127.0.0.1:11434/v1", None, "LOCAL_BASE_URL"
        ),
    }
)
"""Provider name -> spec; the one table to extend for a new provider."""


class ProviderConfig(BaseModel):
    """One provider's base URL and key (``SecretStr``: masked in repr and str)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str
    api_key: SecretStr | None = None


def _defaults() -> dict[str, ProviderConfig]:
    return {
        name: ProviderConfig(base_url=spec.default_base_url) for name, spec in PROVIDERS.items()
    }


class ProviderSettings(BaseModel):
    """Every provider's configuration, keyed by provider name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    providers: dict[str, ProviderConfig] = Field(default_factory=_defaults)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Self:
        """Read keys and base URLs from an environment mapping (pass ``os.environ``).

        Reads ``<NAME>_API_KEY`` and ``<NAME>_BASE_URL`` for OPENAI, OPENROUTER, ANTHROPIC,
        GEMINI and MISTRAL, and ``LOCAL_BASE_URL``. Empty values count as unset.

        Args:
            environ: The environment.

        Returns:
            The settings.
        """
        providers = {}
        for name, spec in PROVIDERS.items():
            key = environ.get(spec.key_env, "") if spec.key_env else ""
            providers[name] = ProviderConfig(
                base_url=environ.get(spec.base_url_env) or spec.default_base_url,
                api_key=SecretStr(key) if key else None,
            )
        return cls(providers=providers)


def build_clients(settings: ProviderSettings, *, http: httpx.AsyncClient) -> dict[str, ChatClient]:
    """Build a client for every configured provider that has what it needs.

    Providers whose spec names a key variable are skipped when no key is set; the local
    provider needs none.

    Args:
        settings: Keys and base URLs.
        http: The shared client every provider client sends with.

    Returns:
        Provider name -> client.
    """
    clients: dict[str, ChatClient] = {}
    for name, config in settings.providers.items():
        spec = PROVIDERS.get(name)
        if spec is None or (spec.key_env is not None and config.api_key is None):
            continue
        clients[name] = spec.client(
            http=http, api_key=config.api_key, base_url=config.base_url, provider=name
        )
    return clients
