"""Package roots that load their public names on first use (PEP 562).

A root lists where each name lives and calls :func:`lazy_exports`, so that importing the
package (and the command line's ``--help``) does not import numpy, scipy or the stores.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, str | tuple[str, str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A root's ``__getattr__`` and ``__dir__``.

    Args:
        package: The root's ``__name__``.
        homes: Public name -> the module that defines it, or ``(module, its name there)``
            for a name the root gives another name.
    """
    root = sys.modules[package]

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = (home, name) if isinstance(home, str) else home
        value = getattr(importlib.import_module(module), attribute)
        setattr(root, name, value)  # the next look-up is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(root)) | set(getattr(root, "__all__", ())))

    return __getattr__, __dir__
