"""OpenRouter: the OpenAI wire format, plus usage accounting (``usage.cost`` in USD)."""

from __future__ import annotations

from collections.abc import Sequence

from selection.providers._base import JSONBody
from selection.providers._types import GenerationParams, Message
from selection.providers.openai import OpenAICompatibleClient

__all__ = ["OpenRouterClient"]


class OpenRouterClient(OpenAICompatibleClient):
    """Client for OpenRouter's ``POST {base_url}/chat/completions``.

    Asks for usage accounting (``"usage": {"include": true}``) so the answer carries
    ``usage.cost``, the USD actually charged; that figure is preferred over prices x tokens.
    Errors OpenRouter reports inside an HTTP 200 body raise like HTTP errors (see
    :class:`OpenAICompatibleClient`).
    """

    default_base_url = "https://openrouter.ai/api/v1"
    default_provider = "openrouter"

    def _body(self, model: str, messages: Sequence[Message], params: GenerationParams) -> JSONBody:
        body = super()._body(model, messages, params)
        body["usage"] = {"include": True}
        return body
