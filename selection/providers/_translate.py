"""What the native wire translations (Anthropic, Gemini) share when reading OpenAI bodies."""

from __future__ import annotations

from typing import Any

from selection.errors import ProviderHTTPError, http_error

__all__ = ["text_of", "untranslatable"]


def untranslatable(what: str, provider: str) -> ProviderHTTPError:
    """A classified 400 for a request field the translation cannot carry (the chain moves on)."""
    return http_error(
        400,
        f"{what} not supported by {provider}'s wire translation",
        provider=provider,
        where="unsupported request",
    )


def text_of(content: Any, provider: str) -> str:
    """A system or tool message's text: a string, or a list of text parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(p, dict) and p.get("type") == "text" for p in content
    ):
        return "".join(str(p.get("text", "")) for p in content)
    if content is None:
        return ""
    raise untranslatable("non-text content in a system or tool message", provider)
