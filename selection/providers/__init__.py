"""Async model-provider clients on an injected ``httpx.AsyncClient``.

Clients (one file each) speak OpenAI-compatible chat completions (OpenAI, Mistral, local
servers), OpenRouter, Anthropic Messages and Gemini ``generateContent``, and return a frozen
:class:`Completion`. :class:`ModelGateway` routes catalog model ids (``"openai/gpt-4o"``) to
them, with an optional response cache, a per-model circuit breaker, retries with backoff,
and fallback chains. Failures are classified errors carrying an :class:`ErrorType`.

Typical wiring at the application's edge::

    settings = ProviderSettings.from_env(os.environ)
    async with ModelGateway.from_settings(settings, cache=ResponseCache()) as gateway:
        result = await gateway.complete_with_fallback(
            ["openrouter/anthropic/claude-3-opus", "openai/gpt-4o"],
            [Message.user("Hello")],
        )
"""

from selection.errors import (
    RETRY_STATUSES,
    CircuitOpenError,
    ContentFilteredError,
    ErrorType,
    ProviderConnectionError,
    ProviderError,
    ProviderHTTPError,
    ProviderResponseError,
    ProviderTimeout,
    RateLimited,
    UpstreamError,
    classify_status,
)
from selection.providers._base import HTTPChatClient
from selection.providers._breaker import BreakerState, CircuitBreaker
from selection.providers._cache import ResponseCache, cache_key
from selection.providers._http import (
    DEFAULT_TIMEOUT,
    RealRequestsBlockedError,
    allow_real_requests,
    default_http_client,
    parse_retry_after,
)
from selection.providers._retry import Jitter, Retrier, RetryPolicy, Sleep, full_jitter
from selection.providers._types import (
    ChatClient,
    Completion,
    CostSource,
    GenerationParams,
    Message,
    Prices,
    Role,
    resolve_cost,
)
from selection.providers.anthropic import AnthropicClient
from selection.providers.gateway import (
    AllModelsFailedError,
    Attempt,
    FallbackResult,
    ModelGateway,
    WireResult,
)
from selection.providers.gemini import GeminiClient
from selection.providers.openai import OpenAICompatibleClient
from selection.providers.openrouter import OpenRouterClient
from selection.providers.routing import DEFAULT_PREFIXES, Route, resolve_route
from selection.providers.settings import (
    PROVIDERS,
    ProviderConfig,
    ProviderSettings,
    ProviderSpec,
    build_clients,
)
from selection.providers.wire import ChatReply, ChatStream, JSONBody

__all__ = [
    "DEFAULT_PREFIXES",
    "DEFAULT_TIMEOUT",
    "PROVIDERS",
    "RETRY_STATUSES",
    "AllModelsFailedError",
    "AnthropicClient",
    "Attempt",
    "BreakerState",
    "ChatClient",
    "ChatReply",
    "ChatStream",
    "CircuitBreaker",
    "CircuitOpenError",
    "Completion",
    "ContentFilteredError",
    "CostSource",
    "ErrorType",
    "FallbackResult",
    "GeminiClient",
    "GenerationParams",
    "HTTPChatClient",
    "JSONBody",
    "Jitter",
    "Message",
    "ModelGateway",
    "OpenAICompatibleClient",
    "OpenRouterClient",
    "Prices",
    "ProviderConfig",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderResponseError",
    "ProviderSettings",
    "ProviderSpec",
    "ProviderTimeout",
    "RateLimited",
    "RealRequestsBlockedError",
    "ResponseCache",
    "Retrier",
    "RetryPolicy",
    "Role",
    "Route",
    "Sleep",
    "UpstreamError",
    "WireResult",
    "allow_real_requests",
    "build_clients",
    "cache_key",
    "classify_status",
    "default_http_client",
    "full_jitter",
    "parse_retry_after",
    "resolve_cost",
    "resolve_route",
]
