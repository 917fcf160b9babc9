"""Benchmark traces shipped with the package, so ``evaluate gsm8k`` works from any folder."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from selection import ConfigError

__all__ = ["BUILTIN_TRACES", "trace_file"]

BUILTIN_TRACES: dict[str, str] = {
    "gsm8k": "routellm_gsm8k_per_prompt_gpt4_vs_mixtral.csv",
}
"""Built-in name -> its file in ``scenarios/evaluation/data`` (sources in its SOURCES.md)."""


def trace_file(name_or_path: str | Path) -> Path:
    """The file a trace argument names: a path that exists, else a built-in trace's file.

    Raises:
        ConfigError: neither an existing file nor a built-in name.
    """
    path = Path(name_or_path)
    if path.exists():
        return path
    builtin = BUILTIN_TRACES.get(str(name_or_path))
    if builtin is None:
        raise ConfigError(
            f"{name_or_path}: no such file, and not a built-in trace ({', '.join(BUILTIN_TRACES)})"
        )
    return Path(str(files("scenarios.evaluation") / "data" / builtin))
