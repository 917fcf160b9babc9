"""Value types every provider client speaks: messages, parameters, prices, completions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, Self

__all__ = [
    "ChatClient",
    "Completion",
    "CostSource",
    "GenerationParams",
    "Message",
    "Prices",
    "Role",
    "resolve_cost",
]

Role = Literal["system", "user", "assistant"]
CostSource = Literal["provider", "prices"]


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message.

    Attributes:
        role: ``"system"``, ``"user"`` or ``"assistant"``.
        content: The message text.
    """

    role: Role
    content: str

    @classmethod
    def system(cls, content: str) -> Self:
        """Build a system message."""
        return cls("system", content)

    @classmethod
    def user(cls, content: str) -> Self:
        """Build a user message."""
        return cls("user", content)

    @classmethod
    def assistant(cls, content: str) -> Self:
        """Build an assistant message."""
        return cls("assistant", content)


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationParams:
    """Sampling parameters; ``None`` leaves the provider's default in place.

    Attributes:
        max_tokens: Upper bound on generated tokens. Anthropic requires one, so its client
            substitutes its ``default_max_tokens`` when this is ``None``.
        temperature: Sampling temperature.
        top_p: Nucleus sampling mass.
        stop: Stop sequences.
    """

    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Prices:
    """Prices in USD per token, used when the provider does not report a cost.

    Attributes:
        input_per_token: USD per prompt token.
        output_per_token: USD per generated token.
    """

    input_per_token: float
    output_per_token: float

    def __post_init__(self) -> None:
        for name in ("input_per_token", "output_per_token"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")

    @classmethod
    def per_thousand(cls, input_usd: float, output_usd: float) -> Self:
        """Build prices from USD per 1,000 tokens (the catalog's ``*_cost_per_1k_tokens``)."""
        return cls(input_usd / 1_000, output_usd / 1_000)

    @classmethod
    def per_million(cls, input_usd: float, output_usd: float) -> Self:
        """Build prices from USD per million tokens, the unit price lists use."""
        return cls(input_usd / 1_000_000, output_usd / 1_000_000)

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """Return the USD cost of a call with these token counts."""
        return input_tokens * self.input_per_token + output_tokens * self.output_per_token


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    """The result of one successful call.

    Attributes:
        text: The generated text.
        input_tokens: Prompt tokens from the provider's usage fields; ``None`` if not reported.
        output_tokens: Generated tokens from the provider's usage fields; ``None`` if not
            reported.
        latency_s: Seconds around the HTTP exchange (``time.monotonic``).
        finish_reason: The provider's own finish/stop reason, unchanged (``"stop"``,
            ``"end_turn"``, ``"STOP"``...).
        model: The model name the provider reports having served (else the name requested).
        provider: The provider name (``"openai"``, ``"anthropic"``...).
        cost_usd: Cost in USD; ``None`` when unknown. Never 0 unless the price is known to be 0.
        cost_source: ``"provider"`` when the provider reported the cost, ``"prices"`` when it
            was computed from given prices, ``None`` when the cost is unknown.
        cached: ``True`` when served from a response cache rather than a fresh call.
        first_token_s: Seconds to the first streamed token; ``None`` for a call not streamed.
    """

    text: str
    input_tokens: int | None
    output_tokens: int | None
    latency_s: float
    finish_reason: str | None
    model: str
    provider: str
    cost_usd: float | None
    cost_source: CostSource | None
    cached: bool = False
    first_token_s: float | None = None


def resolve_cost(
    *,
    reported: float | None,
    input_tokens: int | None,
    output_tokens: int | None,
    prices: Prices | None,
) -> tuple[float | None, CostSource | None]:
    """Choose the cost of a call: the provider's figure, else prices x tokens, else unknown.

    Args:
        reported: The cost the provider sent, if any (OpenRouter's ``usage.cost``).
        input_tokens: Prompt tokens, if reported.
        output_tokens: Generated tokens, if reported.
        prices: Known per-token prices, if any.

    Returns:
        ``(cost_usd, cost_source)``; ``(None, None)`` when the cost cannot be known.
    """
    if reported is not None:
        return reported, "provider"
    if prices is None or input_tokens is None or output_tokens is None:
        return None, None
    return prices.cost(input_tokens, output_tokens), "prices"


class ChatClient(Protocol):
    """Anything that turns chat messages into a :class:`Completion`."""

    @property
    def provider(self) -> str:
        """The provider name this client speaks to."""
        ...

    async def complete(
        self,
        model: str,
        messages: Sequence[Message],
        *,
        params: GenerationParams | None = None,
        prices: Prices | None = None,
    ) -> Completion:
        """Send one chat request for the upstream ``model`` and return its completion."""
        ...
