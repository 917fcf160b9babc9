"""The public API is each package's __all__; pin it so changes are deliberate."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["selection", "agents", "hive", "scenarios"])
def test_all_names_exist(package):
    module = importlib.import_module(package)
    for name in getattr(module, "__all__", []):
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"


def test_selection_public_names():
    import selection

    assert {
        "DynamicModelManager",
        "TaskType",
        "PerformanceRecord",
        "ModelSpec",
        "ModelCatalog",
        "Recommendation",
        "PerformanceTracker",
        "IntelligentModelSelector",
        "Store",
        "open_store",
    } <= set(selection.__all__)


def test_selection_imports_without_mesa_or_upper_layers():
    import subprocess
    import sys

    code = (
        "import sys, selection, selection.cli;"
        "upper = ('mesa', 'agents', 'hive', 'scenarios');"
        "bad = [m for m in sys.modules if m.split('.')[0] in upper];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
