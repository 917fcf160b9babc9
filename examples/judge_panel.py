"""What a panel of three small judges costs per judged call, at the `current` catalog's prices.

Runs a real :class:`agents.JudgePanel` (gateway, clients, tally) against a local stand-in that
speaks OpenAI's wire for all three providers, answers ``{"score": 7}`` and reports usage as
one token per 4 characters of the prompt (an estimate: no provider is called). Prices are the
catalog's, so the cost is what these judges would charge for prompts of this length.

    python examples/judge_panel.py [--answer-chars 1200] [--rate 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math

import httpx
import numpy as np
from pydantic import SecretStr

from agents import PERSONAS, JudgePanel, PanelJudge, PanelReport
from selection import ModelCatalog, PerformanceRecord
from selection.completion import catalog_prices
from selection.providers import Message, ModelGateway, OpenAICompatibleClient

JUDGES = {
    "critic": "openai/gpt-4.1-mini-2025-04-14",
    "engineer": "anthropic/claude-haiku-4-5-20251001",
    "empath": "gemini/gemini-2.5-flash",
}
LARGE = "anthropic/claude-opus-4-1-20250805"  # one large judge, for comparison
REPLY = '{"score": 7}'


def stand_in(request: httpx.Request) -> httpx.Response:
    """Answer a judge in OpenAI's wire, with usage estimated from the prompt's length."""
    body = json.loads(request.content)
    chars = sum(len(m["content"]) for m in body["messages"])
    usage = {"prompt_tokens": math.ceil(chars / 4), "completion_tokens": math.ceil(len(REPLY) / 4)}
    message = {"role": "assistant", "content": REPLY}
    return httpx.Response(
        200,
        json={"model": body["model"], "choices": [{"message": message}], "usage": usage},
    )


async def judged(seats: list[PanelJudge], answer_chars: int) -> PanelReport:
    """Judge ten calls with these seats; return the panel's tally."""
    catalog = ModelCatalog.builtin("current")
    prices = {s.model_id: p for s in seats if (p := catalog_prices(catalog.get(s.model_id)))}
    async with httpx.AsyncClient(transport=httpx.MockTransport(stand_in)) as http:
        client = OpenAICompatibleClient(
            http=http, api_key=SecretStr("local"), base_url="http://judges.local/v1"
        )
        gateway = ModelGateway({"openai": client, "anthropic": client, "gemini": client})
        panel = JudgePanel(gateway, seats, rate=1.0, rng=np.random.default_rng(0), prices=prices)
        ask = [Message.user("Explain TCP slow start and congestion avoidance. " * 4)]
        call = PerformanceRecord(model_id="openai/gpt-4o", task_type="technical_explanation")
        for _ in range(10):
            await panel.consider(call, ask, "x" * answer_chars)
    return panel.report()


async def main(answer_chars: int, rate: float) -> None:
    """Print the cost per judged call, per judge and for the panel, beside one large judge."""
    report = await judged([PanelJudge(PERSONAS[p], m) for p, m in JUDGES.items()], answer_chars)
    print(f"answer of {answer_chars} characters; judged {report.judged} calls")
    for name, tally in report.judges.items():
        per_call = tally.cost_usd / tally.asked
        print(f"  {name:48s} ${per_call:.6f} per judged call ({tally.scored}/{tally.asked} scored)")
    per_judged = report.cost_per_judged_call
    print(f"panel: ${per_judged:.6f} per judged call; at rate {rate:g}: ${per_judged * rate:.7f}")
    print(f"       per call served (${per_judged * rate * 1000:.4f} per 1,000 calls)")
    large = await judged([PanelJudge(PERSONAS["critic"], LARGE)], answer_chars)
    print(f"one large judge ({LARGE}): ${large.cost_per_judged_call:.6f} per judged call")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answer-chars", type=int, default=1200)
    parser.add_argument("--rate", type=float, default=0.05)
    args = parser.parse_args()
    asyncio.run(main(args.answer_chars, args.rate))
