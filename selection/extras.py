"""Which optional extra provides which third-party package, and the error that says so.

The selection core needs only numpy, scipy, pydantic and httpx. Everything else comes with an
extra (see ``pyproject.toml``): ``[postgres]``, ``[sim]``, ``[viz]``, ``[cli]``,
``[server]``, ``[dask]`` or ``[all]``.
"""

from __future__ import annotations

from selection.errors import ConfigError

__all__ = ["EXTRA_OF", "MissingExtraError", "missing_extra"]

EXTRA_OF: dict[str, str] = {
    "psycopg": "postgres",
    "psycopg_pool": "postgres",
    "mesa": "sim",
    "networkx": "sim",
    "matplotlib": "sim",
    "pandas": "sim",
    "solara": "viz",
    "solara_assets": "viz",
    "ipyvuetify": "viz",
    "altair": "viz",
    "rich": "cli",
    "distributed": "dask",
    "dask": "dask",
    "fastapi": "server",
    "uvicorn": "server",
    "uvloop": "server",  # optional even there: serve runs on asyncio without it
    "httptools": "server",  # likewise (uvicorn falls back to h11)
    "prometheus_client": "server",
}
"""Top-level package name -> the extra that installs it."""


class MissingExtraError(ConfigError):
    """A feature needs a package from an optional extra that is not installed."""


def missing_extra(exc: ModuleNotFoundError, *, feature: str) -> MissingExtraError | None:
    """The error to raise instead of ``exc``, or None when ``exc`` is not about an extra.

    Args:
        exc: The import failure.
        feature: What the caller was about to do, in words ("PostgreSQL storage").
    """
    package = (exc.name or "").split(".")[0]
    extra = EXTRA_OF.get(package)
    if extra is None:
        return None
    return MissingExtraError(
        f"{feature} needs {package!r}, which comes with the [{extra}] extra: "
        f"pip install 'genesis-prime[{extra}]' (or -e '.[all]' in a checkout)"
    )
