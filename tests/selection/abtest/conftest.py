from __future__ import annotations

import numpy as np
import pytest

from selection import DynamicModelManager, SimClock
from tests.selection.abtest.support import T0


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260301)


@pytest.fixture
async def manager(store_url, clock):
    opened = DynamicModelManager(store_url, clock=clock)
    await opened.initialize()
    yield opened
    await opened.close()
