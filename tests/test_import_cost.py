"""The command line and ``import selection`` start without the heavy libraries.

Each case runs in a fresh interpreter and lists which heavy top-level packages ended up in
``sys.modules``; timing lives in ``bench/bench_startup.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "numpy", "scipy", "mesa", "matplotlib", "pandas", "networkx", "fastapi", "httpx", "psycopg",
)  # fmt: skip

_CASES = {
    "import selection": "import selection",
    "import the command line": "import scenarios.cli",
    "genesis-prime --help": (
        "from scenarios.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    ),
    "genesis-prime models": "from scenarios.cli import main\nassert main(['models']) == 0",
}


_NEEDED_ONLY_TO_RUN = ("pydantic", "rich", "asyncio")
"""What ``--help`` does without: the models, the tables and the event loop of a running command."""


def _loaded_after(code: str, watched: tuple[str, ...] = HEAVY) -> list[str]:
    probe = (
        f"{code}\nimport sys, json\n"
        f"print(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("case", list(_CASES))
def test_starts_without_heavy_libraries(case: str) -> None:
    assert _loaded_after(_CASES[case]) == []


@pytest.mark.parametrize("argv", [["--help"], ["models", "--help"], ["run", "--help"]])
def test_help_needs_neither_pydantic_nor_rich(argv: list[str]) -> None:
    code = f"from scenarios.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
    assert _loaded_after(code, _NEEDED_ONLY_TO_RUN) == []


def test_models_loads_what_it_prints_with_and_no_event_loop() -> None:
    # Also shows that the check above does not pass vacuously.
    code = "from scenarios.cli import main\nassert main(['models']) == 0"
    assert _loaded_after(code, _NEEDED_ONLY_TO_RUN) == ["pydantic", "rich"]
    awaits = "from scenarios.cli import main\nassert main(['recommend', 'logical_reasoning', "
    awaits += "'--db', 'sqlite:///:memory:']) == 0"
    assert "asyncio" in _loaded_after(awaits, _NEEDED_ONLY_TO_RUN)


def test_the_probe_sees_a_heavy_import() -> None:
    # The check above could pass vacuously if the probe never saw anything.
    assert _loaded_after("import scipy.special, networkx") == ["networkx", "numpy", "scipy"]


def test_names_still_load_on_first_use() -> None:
    code = (
        "import selection, hive, selection.abtest, scenarios.arena\n"
        "from selection import Router, ModelDatabase, ModelCatalog, ABTestManager\n"
        "assert ModelDatabase is ModelCatalog and Router.__module__ == 'selection.core'\n"
        "assert hive.HiveMind.__module__ == 'hive.hivemind'\n"
        "assert selection.abtest.analyze.__module__ == 'selection.abtest.analysis'\n"
        "assert scenarios.arena.load_board.__module__ == 'scenarios.arena.loader'\n"
        "for pkg in (selection, hive, selection.abtest, scenarios.arena):\n"
        "    assert all(getattr(pkg, n) is not None for n in pkg.__all__), pkg\n"
        "    try:\n"
        "        pkg.no_such_name\n"
        "    except AttributeError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit('no AttributeError')\n"
    )
    assert "networkx" in _loaded_after(code)  # HiveMind pulled in its graph library, on use
