"""The provider fakes and the no-network guard, for the judge panel's tests."""

from tests.selection.completion.conftest import (  # noqa: F401  (fixtures)
    clock,
    fakes,
    gateway,
    make_gateway,
    manager,
)
from tests.selection.providers.conftest import _no_real_network  # noqa: F401  (autouse)
