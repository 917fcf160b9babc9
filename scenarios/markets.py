"""Market scenarios: a cultural market's settings, from a built-in name or a TOML file.

A file holds ``name``, ``description``, ``influence`` (the levels to compare, 0 the
independent condition), ``seeds`` (``"START:STOP"`` or a list) and a ``[market]`` table
whose fields are :class:`hive.market.MarketConfig`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selection import ConfigError

if TYPE_CHECKING:  # the market model (numpy) loads when a market is read
    from hive.market import MarketConfig

__all__ = ["MarketScenario", "load_market", "market_names", "parse_seeds"]


@dataclass(frozen=True)
class MarketScenario:
    """A named market and the influence levels and seeds to run it with."""

    name: str
    description: str
    config: MarketConfig
    influence: tuple[float, ...]
    seeds: tuple[int, ...]


def market_names() -> list[str]:
    """The market scenarios that ship with Genesis Prime."""
    folder = resources.files("scenarios").joinpath("builtin/markets")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def parse_seeds(value: Any, *, where: str = "seeds") -> tuple[int, ...]:
    """``"0:20"``, ``"1,2,3"`` or a list of integers -> the seeds."""
    try:
        if isinstance(value, str) and ":" in value:
            start, stop = (int(part) for part in value.split(":", 1))
            seeds = tuple(range(start, stop))
        elif isinstance(value, str):
            seeds = tuple(int(part) for part in value.split(",") if part.strip())
        else:
            seeds = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} {value!r}: use START:STOP or a list of integers") from None
    if not seeds:
        raise ConfigError(f"{where} {value!r} is empty")
    return seeds


def load_market(name_or_path: str | Path) -> MarketScenario:
    """Load a built-in market by name, or a TOML file.

    Raises:
        ConfigError: no such market, or a field is missing, unknown or out of range (the
            message names the file and the field).
    """
    path = Path(name_or_path)
    if path.suffix != ".toml" and str(name_or_path) in market_names():
        resource = resources.files("scenarios").joinpath(f"builtin/markets/{name_or_path}.toml")
        return _parse(resource.read_text("utf-8"), f"built-in {name_or_path}")
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        known = ", ".join(market_names())
        raise ConfigError(
            f"no market {str(name_or_path)!r}: not a built-in ({known}) "
            f"and not a readable file ({exc.strerror})"
        ) from exc
    return _parse(text, str(path))


def _parse(text: str, source: str) -> MarketScenario:
    import tomllib

    from hive.market import MarketConfig

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from exc
    market = data.get("market", {})
    known = {f.name for f in fields(MarketConfig)}
    unknown = sorted(set(market) - known)
    if unknown:
        raise ConfigError(
            f"{source}: market.{unknown[0]} is not a field ({', '.join(sorted(known))})"
        )
    if "head_start" in market:
        market["head_start"] = {int(k): int(v) for k, v in market["head_start"].items()}
    try:
        config = MarketConfig(**market)
        influence = tuple(float(v) for v in data.get("influence", [0.0, 0.5, 0.9]))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    bad = [v for v in influence if not 0.0 <= v <= 1.0]
    if bad or not influence:
        raise ConfigError(f"{source}: influence must be a non-empty list of values in [0, 1]")
    return MarketScenario(
        name=str(data.get("name", Path(source).stem)),
        description=str(data.get("description", "")),
        config=config,
        influence=influence,
        seeds=parse_seeds(data.get("seeds", "0:20"), where=f"{source}: seeds"),
    )
