"""Local stand-ins that speak each provider's wire format, for httpx.MockTransport.

Bodies and headers are copied from the providers' documented (and observed) answers.
A fake checks the path, method and authentication as the real API does, then serves its
scripted answers in order (the last one repeats) and records every request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from selection.providers import (
    AnthropicClient,
    GeminiClient,
    HTTPChatClient,
    OpenAICompatibleClient,
    OpenRouterClient,
)

KEY = "sk-test-good-key"
"""The key the fakes accept by default."""

CANARY = "sk-canary-XXXX"
"""A canary key: no log line, repr, str or exception may ever contain it."""

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def read_timeout(request: httpx.Request) -> httpx.Response:
    """Answer by timing out, as httpx does when the server never replies."""
    raise httpx.ReadTimeout("timed out", request=request)


def malformed(request: httpx.Request) -> httpx.Response:
    """A 200 whose body is cut off mid-JSON (a proxy or a broken stream)."""
    return httpx.Response(
        200, content=b'{"id": "x", "choices": [', headers={"content-type": "application/json"}
    )


@dataclass
class Fake:
    """One provider's fake: how to build the client and what the provider answers."""

    name: str
    model_id: str
    client_cls: type[HTTPChatClient]
    path_ok: Callable[[str], bool]
    authorized: Callable[[httpx.Request, str], bool]
    valid_body: Callable[[Any], bool]
    ok: Callable[..., httpx.Response]
    errors: dict[str, httpx.Response]
    provider: str = ""
    base_path: str = ""
    key: str = KEY
    answers: list[Answer] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def script(self, *answers: Answer) -> Fake:
        """Set the answers served in order (the last repeats)."""
        self.answers = list(answers)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport handler."""
        self.requests.append(request)
        if request.method != "POST" or not self.path_ok(request.url.path):
            return _json(404, {"error": {"message": f"no route {request.url.path}"}})
        if not self.authorized(request, self.key):
            return self.errors["auth"]
        if not self.valid_body(json.loads(request.content)):
            return _json(400, {"error": {"message": "invalid request body"}})
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        return answer if isinstance(answer, httpx.Response) else answer(request)

    def client(self, http: httpx.AsyncClient, key: str = KEY) -> HTTPChatClient:
        """Build the client under test against this fake."""
        return self.client_cls(
            http=http,
            api_key=SecretStr(key),
            base_url=f"https://{self.name}.test{self.base_path}",
            provider=self.provider or None,
        )

    def body(self, index: int = -1) -> Any:
        """The JSON body of a recorded request."""
        return json.loads(self.requests[index].content)


def _json(status: int, body: object, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


# --- OpenAI (and Mistral, which copies it) -------------------------------------------------


def openai_ok(
    text: str = "pong", *, model: str = "gpt-4o-2024-08-06", prompt: int = 12, completion: int = 3
) -> httpx.Response:
    return _json(
        200,
        {
            "id": "chatcmpl-9xYz",
            "object": "chat.completion",
            "created": 1721000000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
            "system_fingerprint": "fp_3aa7262c27",
        },
        **{"x-request-id": "req_123", "openai-processing-ms": "211"},
    )


def _openai_error(status: int, message: str, type_: str, code: str | None, **headers: str):
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return _json(status, body, **headers)


OPENAI_ERRORS = {
    "auth": _openai_error(
        401,
        "Incorrect API key provided: sk-canar**XXXX. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    "429": _openai_error(
        429,
        "Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): "
        "Limit 30000, Used 30000, Requested 120. Please try again in 2s.",
        "tokens",
        "rate_limit_exceeded",
        **{"retry-after": "2", "x-ratelimit-remaining-tokens": "0"},
    ),
    "500": _openai_error(
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    "503": _openai_error(
        503, "That model is currently overloaded with other requests.", "server_error", None
    ),
}


def _bearer(request: httpx.Request, key: str) -> bool:
    return bool(request.headers.get("authorization") == f"Bearer {key}")


def _chat_body(body: Any) -> bool:
    return isinstance(body.get("model"), str) and isinstance(body.get("messages"), list)


def openai_fake() -> Fake:
    return Fake(
        "openai",
        "openai/gpt-4o",
        OpenAICompatibleClient,
        lambda path: path == "/v1/chat/completions",
        _bearer,
        _chat_body,
        openai_ok,
        OPENAI_ERRORS,
        base_path="/v1",
    )


def mistral_fake() -> Fake:
    return Fake(
        "mistral",
        "mistral/mistral-large-latest",
        OpenAICompatibleClient,
        lambda path: path == "/v1/chat/completions",
        _bearer,
        _chat_body,
        lambda **kw: openai_ok(**{"model": "mistral-large-latest", **kw}),
        {
            "auth": _json(401, {"message": "Unauthorized", "request_id": "3f2a"}),
            "429": _json(
                429,
                {
                    "object": "error",
                    "message": "Requests rate limit exceeded",
                    "type": "rate_limited",
                    "param": None,
                    "code": "1300",
                },
                **{"retry-after": "2"},
            ),
            "500": _json(500, {"object": "error", "message": "Internal server error"}),
        },
        provider="mistral",
        base_path="/v1",
    )


# --- OpenRouter -------------------------------------------------------------------------


def openrouter_ok(
    text: str = "pong",
    *,
    model: str = "anthropic/claude-3-opus",
    prompt: int = 12,
    completion: int = 3,
    cost: float | None = 0.000405,
) -> httpx.Response:
    usage: dict[str, object] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    if cost is not None:
        usage |= {"cost": cost, "is_byok": False, "cost_details": {"upstream_inference_cost": None}}
    return _json(
        200,
        {
            "id": "gen-1721000000-abc",
            "provider": "Anthropic",
            "model": model,
            "object": "chat.completion",
            "created": 1721000000,
            "choices": [
                {
                    "logprobs": None,
                    "finish_reason": "stop",
                    "native_finish_reason": "end_turn",
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                }
            ],
            "usage": usage,
        },
    )


OPENROUTER_ERROR_IN_200 = _json(
    200,
    {
        "error": {
            "message": "Provider returned error",
            "code": 502,
            "metadata": {"raw": "upstream connect error", "provider_name": "Together"},
        },
        "user_id": "user_2abc",
    },
)

OPENROUTER_CHOICE_ERROR = _json(
    200,
    {
        "id": "gen-1721000001-def",
        "object": "chat.completion",
        "model": "meta-llama/llama-3-70b-instruct",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": ""},
                "finish_reason": "error",
                "native_finish_reason": "error",
                "error": {"code": 502, "message": "Upstream error from Together: stream reset"},
            }
        ],
    },
)


def openrouter_fake() -> Fake:
    return Fake(
        "openrouter",
        "openrouter/anthropic/claude-3-opus",
        OpenRouterClient,
        lambda path: path == "/api/v1/chat/completions",
        _bearer,
        _chat_body,
        openrouter_ok,
        {
            "auth": _json(401, {"error": {"message": "No auth credentials found", "code": 401}}),
            "429": _json(
                429,
                {
                    "error": {
                        "message": "Rate limit exceeded: limit_rpm/anthropic/claude-3-opus",
                        "code": 429,
                        "metadata": {"headers": {"X-RateLimit-Limit": "20"}},
                    }
                },
                **{"retry-after": "2"},
            ),
            "500": _json(500, {"error": {"message": "Internal Server Error", "code": 500}}),
        },
        base_path="/api/v1",
    )


# --- Anthropic --------------------------------------------------------------------------


def anthropic_ok(
    text: str = "pong",
    *,
    model: str = "claude-3-opus-20240229",
    prompt: int = 12,
    completion: int = 3,
    stop_reason: str = "end_turn",
) -> httpx.Response:
    return _json(
        200,
        {
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": prompt,
                "output_tokens": completion,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        },
        **{"request-id": "req_018EeWyXxfu5pfWkrYcMdjWG"},
    )


def _anthropic_error(status: int, type_: str, message: str, **headers: str) -> httpx.Response:
    return _json(status, {"type": "error", "error": {"type": type_, "message": message}}, **headers)


def anthropic_fake() -> Fake:
    return Fake(
        "anthropic",
        "anthropic/claude-3-opus-20240229",
        AnthropicClient,
        lambda path: path == "/v1/messages",
        lambda r, key: (
            r.headers.get("x-api-key") == key and r.headers.get("anthropic-version") == "2023-06-01"
        ),
        # max_tokens is required; there is no "system" role inside messages
        lambda body: (
            isinstance(body.get("max_tokens"), int)
            and all(m["role"] in {"user", "assistant"} for m in body["messages"])
        ),
        anthropic_ok,
        {
            "auth": _anthropic_error(401, "authentication_error", "invalid x-api-key"),
            "429": _anthropic_error(
                429,
                "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit",
                **{"retry-after": "2", "anthropic-ratelimit-tokens-remaining": "0"},
            ),
            "500": _anthropic_error(500, "api_error", "Internal server error"),
            "529": _anthropic_error(529, "overloaded_error", "Overloaded"),
        },
    )


# --- Gemini -----------------------------------------------------------------------------


def gemini_ok(
    text: str = "pong",
    *,
    model: str = "gemini-1.5-pro-002",
    prompt: int = 12,
    completion: int = 3,
    finish_reason: str = "STOP",
) -> httpx.Response:
    return _json(
        200,
        {
            "candidates": [
                {
                    "content": {"parts": [{"text": text}], "role": "model"},
                    "finishReason": finish_reason,
                    "index": 0,
                    "safetyRatings": [
                        {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}
                    ],
                }
            ],
            "usageMetadata": {
                "promptTokenCount": prompt,
                "candidatesTokenCount": completion,
                "totalTokenCount": prompt + completion,
            },
            "modelVersion": model,
            "responseId": "abc123",
        },
    )


def _gemini_error(status: int, message: str, code: str, details: list[object] | None = None):
    error: dict[str, object] = {"code": status, "message": message, "status": code}
    if details:
        error["details"] = details
    return _json(status, {"error": error})


GEMINI_BAD_KEY = _gemini_error(
    400,
    "API key not valid. Please pass a valid API key.",
    "INVALID_ARGUMENT",
    [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "generativelanguage.googleapis.com"},
        }
    ],
)


def gemini_fake() -> Fake:
    return Fake(
        "gemini",
        "gemini/gemini-1.5-pro",
        GeminiClient,
        lambda path: path.startswith("/v1beta/models/") and path.endswith(":generateContent"),
        lambda r, key: r.headers.get("x-goog-api-key") == key and "key=" not in str(r.url),
        lambda body: all(c["role"] in {"user", "model"} for c in body["contents"]),
        gemini_ok,
        {
            "auth": GEMINI_BAD_KEY,
            "429": _gemini_error(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                "RESOURCE_EXHAUSTED",
                [
                    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"},
                ],
            ),
            "500": _gemini_error(500, "An internal error has occurred. Please retry.", "INTERNAL"),
            "503": _gemini_error(
                503, "The model is overloaded. Please try again later.", "UNAVAILABLE"
            ),
        },
    )


FAKES: dict[str, Callable[[], Fake]] = {
    "openai": openai_fake,
    "mistral": mistral_fake,
    "openrouter": openrouter_fake,
    "anthropic": anthropic_fake,
    "gemini": gemini_fake,
}
