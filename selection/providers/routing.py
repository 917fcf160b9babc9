"""Which provider serves a catalog model id, and under which upstream name.

A catalog id is ``<prefix>/<upstream name>``; the prefix picks the provider and the rest is
sent upstream unchanged::

    openrouter/anthropic/claude-3-opus  -> openrouter, "anthropic/claude-3-opus"
    openrouter/claude-3-opus            -> openrouter, "anthropic/claude-3-opus"  (the seed's
                                           short ids are qualified: OPENROUTER_SEED_NAMES)
    openai/gpt-4o                       -> openai,     "gpt-4o"
    anthropic/claude-3-5-sonnet-latest  -> anthropic,  "claude-3-5-sonnet-latest"
    google/gemini-1.5-pro, gemini/...   -> gemini,     "gemini-1.5-pro"
    mistral/mistral-large-latest        -> mistral,    "mistral-large-latest"
    local/llama3                        -> local,      "llama3"  (OpenAI-compatible local server)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from selection.errors import ConfigError

__all__ = ["DEFAULT_PREFIXES", "OPENROUTER_SEED_NAMES", "Route", "resolve_route"]

DEFAULT_PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "openrouter": "openrouter",
        "openai": "openai",
        "anthropic": "anthropic",
        "google": "gemini",
        "gemini": "gemini",
        "mistral": "mistral",
        "local": "local",
    }
)
"""Model id prefix -> provider name."""

OPENROUTER_SEED_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "claude-3-opus": "anthropic/claude-3-opus",
        "claude-3-sonnet": "anthropic/claude-3-sonnet",
        "mixtral-8x7b": "mistralai/mixtral-8x7b-instruct",
        "gemini-pro": "google/gemini-pro",
        "gpt-4-turbo": "openai/gpt-4-turbo",
        "llama-3-70b": "meta-llama/llama-3-70b-instruct",
    }
)
"""The seed document's short OpenRouter ids -> the vendor-qualified names OpenRouter serves."""


@dataclass(frozen=True, slots=True)
class Route:
    """Where a catalog model id is served.

    Attributes:
        provider: The provider name (a key of the gateway's clients).
        upstream_model: The model name sent to that provider.
    """

    provider: str
    upstream_model: str


def resolve_route(model_id: str, *, prefixes: Mapping[str, str] = DEFAULT_PREFIXES) -> Route:
    """Split a catalog model id into provider and upstream model name.

    Args:
        model_id: ``<prefix>/<upstream name>``, e.g. ``"openai/gpt-4o"``.
        prefixes: Prefix -> provider name table.

    Returns:
        The route.

    Raises:
        ConfigError: The prefix is unknown or nothing follows it.
    """
    prefix, _, upstream = model_id.partition("/")
    provider = prefixes.get(prefix)
    if provider is None or not upstream:
        raise ConfigError(
            f"cannot route model id {model_id!r}: expected '<prefix>/<model>' with a prefix "
            f"in {sorted(prefixes)}"
        )
    if provider == "openrouter":
        upstream = OPENROUTER_SEED_NAMES.get(upstream, upstream)
    return Route(provider, upstream)
