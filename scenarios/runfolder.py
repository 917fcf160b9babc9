"""A run's output folder: claimed before anything is written, marked complete only at the end.

The folder's ``run.json`` manifest lists the files a command wrote there and its status:
``incomplete`` from the moment the run starts (with the error if it failed), ``complete``
once every file is written. A run replaces only files that a previous run's manifest lists,
and only when told to (``--overwrite``); anything else already there is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from selection import ConfigError

__all__ = ["MANIFEST", "RunFolder"]

MANIFEST = "run.json"


class RunFolder:
    """An output folder this command may write the named files into.

    Args:
        path: the folder (created if missing).
        files: names (no folders) of the files the command will write there.
        command: what is written, e.g. ``"run model-release"``, kept in the manifest.
        overwrite: replace the files of a previous run listed in its manifest.

    Raises:
        ConfigError: the path is not a folder, or already holds one of ``files`` that no
            previous run wrote, or that one did and ``overwrite`` is not set.
    """

    def __init__(
        self, path: Path, files: Iterable[str], *, command: str, overwrite: bool = False
    ) -> None:
        self.path = path
        self.files = sorted(set(files))
        self.command = command
        if path.exists() and not path.is_dir():
            raise ConfigError(f"output folder {path} is a file, not a folder; choose another --out")
        manifest = _manifest(path) if path.is_dir() else {}
        if _exists(path / MANIFEST) and "command" not in manifest:
            raise ConfigError(
                f"{path} already holds a {MANIFEST} that genesis-prime did not write; "
                "choose another --out (nothing was changed)"
            )
        previous = set(manifest.get("files", []))
        present = [name for name in self.files if _exists(path / name)]
        foreign = [name for name in present if name not in previous]
        if foreign:
            raise ConfigError(
                f"{path} already holds {', '.join(foreign)}, not written by a genesis-prime "
                "run; choose another --out (nothing was changed)"
            )
        if present and not overwrite:
            raise ConfigError(
                f"{path} holds a previous run ({', '.join(present[:3])}"
                f"{', ...' if len(present) > 3 else ''}); pass --overwrite to replace it "
                "or choose another --out"
            )
        path.mkdir(parents=True, exist_ok=True)
        for name in present:
            (path / name).unlink()
        self._write("incomplete")

    def fail(self, error: BaseException) -> None:
        """Mark the run incomplete, with the error that stopped it.

        Best effort: on a full disk the manifest already says ``incomplete``, and ``error``
        is the one to report.
        """
        try:
            self._write("incomplete", error=str(error) or type(error).__name__)
        except OSError as exc:
            error.add_note(f"{self.path / MANIFEST} could not record the error: {exc}")

    def complete(self) -> None:
        """Mark every file written."""
        self._write("complete")

    def _write(self, status: str, **extra: Any) -> None:
        manifest = {"command": self.command, "status": status, "files": self.files, **extra}
        (self.path / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
