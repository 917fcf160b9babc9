"""What the call planner works out once is still right when the catalog changes."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from selection import DynamicModelManager
from selection.providers import ModelGateway, ProviderConfig, ProviderSettings
from server.calls import CallRecorder, Hints
from server.metrics import ServerMetrics
from server.writer import RecordWriter

MODEL = "openai/gpt-3.5-turbo"
MESSAGES = [{"role": "user", "content": "hi"}]


async def test_a_replaced_catalog_entry_is_priced_anew(tmp_path):
    config = ProviderConfig(base_url="https://openai.test/v1", api_key=SecretStr("sk-test"))
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    gateway = ModelGateway.from_settings(ProviderSettings(providers={"openai": config}), http=http)
    async with http, DynamicModelManager(f"sqlite:///{tmp_path}/c.db", gateway=gateway) as manager:
        recorder = CallRecorder(
            manager,
            gateway,
            ServerMetrics(),
            RecordWriter(manager),
            default_task="technical_explanation",
        )
        before = (await recorder.plan(MODEL, MESSAGES, Hints())).prices[MODEL]
        spec = manager.catalog.get(MODEL)
        assert spec.input_cost_per_1k_tokens is not None
        dearer = spec.model_copy(
            update={"input_cost_per_1k_tokens": 10 * spec.input_cost_per_1k_tokens}
        )
        manager.catalog.add(dearer)
        after = (await recorder.plan(MODEL, MESSAGES, Hints())).prices[MODEL]
        assert after.input_per_token == pytest.approx(10 * before.input_per_token)
        assert after.output_per_token == before.output_per_token
