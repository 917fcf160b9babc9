"""The selection core runs with its four dependencies; a missing extra is named, not a traceback.

Each check runs in a fresh interpreter in which the optional packages cannot be imported, as on
a machine where only ``pip install genesis-prime`` ran.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from selection.extras import EXTRA_OF

BLOCK_OPTIONAL = textwrap.dedent(
    f"""
    import importlib.abc, sys

    class _Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {sorted(EXTRA_OF)!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, _Blocker())
    """
)


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_OPTIONAL + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )


def test_the_selection_core_chooses_and_records_without_any_extra(tmp_path: Path) -> None:
    result = _run(
        """
        import asyncio
        from selection import DynamicModelManager, TaskType

        async def main():
            async with DynamicModelManager("sqlite:///core.db") as manager:
                task = TaskType.CONSCIOUSNESS_PROCESSING
                model = await manager.get_optimal_model(task)
                await manager.update_model_performance(model, task, {"quality_score": 0.9})
                assert (await manager.get_system_status())["total_records"] == 1
                print("chose", model)
            assert not {"mesa", "networkx", "matplotlib", "rich", "psycopg"} & set(sys.modules)

        import sys
        asyncio.run(main())
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("chose ")


def test_postgresql_without_its_extra_names_the_extra(tmp_path: Path) -> None:
    result = _run(
        """
        from selection import ConfigError
        from selection.store import open_store
        try:
            open_store("postgresql://postgres@127.0.0.1/test")
        except ConfigError as exc:
            print(exc)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "[postgres] extra" in result.stdout
    assert "pip install 'genesis-prime[postgres]'" in result.stdout


def test_the_command_line_without_its_extras_says_which_to_install(tmp_path: Path) -> None:
    result = _run(
        """
        import sys
        from scenarios.cli import main
        sys.exit(main(["models"]))
        """,
        tmp_path,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "extra: pip install 'genesis-prime[" in result.stderr


def test_the_dask_executor_without_its_extra_names_the_extra(tmp_path: Path) -> None:
    result = _run(
        """
        from selection import ConfigError
        from scenarios.executors import map_tasks
        try:
            map_tasks(int, ["1"], executor="dask")
        except ConfigError as exc:
            print(exc)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "--executor dask needs 'distributed'" in result.stdout
    assert "pip install 'genesis-prime[dask]'" in result.stdout
