"""The package's public API is pinned (httpx's test_exported_members)."""

from __future__ import annotations

import inspect

import selection.providers as providers

EXPECTED = {
    "DEFAULT_PREFIXES", "DEFAULT_TIMEOUT", "PROVIDERS", "RETRY_STATUSES",
    "AllModelsFailedError", "AnthropicClient", "Attempt", "BreakerState",
    "ChatReply", "ChatStream", "JSONBody", "WireResult",
    "ProviderConnectionError", "ProviderHTTPError", "RateLimited", "ProviderResponseError",
    "ProviderTimeout", "ChatClient", "CircuitBreaker", "CircuitOpenError", "ProviderError",
    "Completion", "ContentFilteredError", "CostSource", "ErrorType", "FallbackResult",
    "GeminiClient", "GenerationParams", "HTTPChatClient", "Jitter", "Message",
    "ModelGateway", "OpenAICompatibleClient", "OpenRouterClient", "Prices",
    "ProviderConfig", "ProviderSettings", "ProviderSpec", "RealRequestsBlockedError",
    "ResponseCache", "Retrier", "RetryPolicy", "Role", "Route", "Sleep", "UpstreamError",
    "allow_real_requests", "build_clients", "cache_key", "classify_status",
    "default_http_client", "full_jitter",
    "parse_retry_after", "resolve_cost", "resolve_route",
}  # fmt: skip


def test_exported_members():
    assert set(providers.__all__) == EXPECTED
    assert all(hasattr(providers, name) for name in providers.__all__)


def test_public_classes_and_functions_are_documented():
    for name in providers.__all__:
        member = getattr(providers, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert inspect.getdoc(member), name
