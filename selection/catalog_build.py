"""Build the ``current`` built-in catalog, and the price-file slices it is built from.

``python -m selection.catalog_build SOURCE_DIR`` reads LiteLLM's price map and Arena's
``prices.csv`` and ``categories.csv`` from ``SOURCE_DIR`` (laid out as ``shared/data``),
writes the slices that ship in ``selection/data`` (values copied, never edited) and rebuilds
``catalog-current.json`` from them. A test rebuilds the catalog from the shipped slices and
checks it equals the shipped file.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from selection.catalog import ModelCatalog
from selection.catalog_import import (
    LITELLM_PREFIXES,
    build_current_catalog,
    read_arena_prices,
    read_arena_ratings,
    read_litellm_prices,
)
from selection.errors import ConfigError

__all__ = ["DATA_FILES", "current_catalog_from", "data_file", "main"]

DATA_FILES = {
    "litellm": "litellm_chat_prices_2026-07-24.json",
    "arena": "arena_prices_2025-12.csv",
    "ratings": "arena_ratings_full_2025-12.csv",
}
"""Source -> the slice of it that ships in ``selection/data``."""

_SOURCES = {
    "litellm": "litellm_model_prices_and_context_window_2026-07-24.json",
    "arena": "arena/prices.csv",
    "ratings": "arena/categories.csv",
}
_LITELLM_FIELDS = (
    "litellm_provider",
    "mode",
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "max_input_tokens",
    "max_output_tokens",
    "max_tokens",
    "deprecation_date",
)


def data_file(source: str) -> Traversable:
    """The shipped slice of ``litellm``, ``arena`` or ``ratings``."""
    return resources.files("selection").joinpath("data", DATA_FILES[source])


def current_catalog_from(litellm: Path, arena: Path, ratings: Path) -> ModelCatalog:
    """The ``current`` catalog built from these three files, dated by LiteLLM's map."""
    prices = read_litellm_prices(litellm)
    if prices.valid_on is None:
        raise ConfigError(f"{litellm}: no 'last_updated' date, so no date the prices are for")
    return build_current_catalog(
        prices,
        read_arena_prices(arena, context_from=prices.entries),
        read_arena_ratings(ratings),
        valid_on=prices.valid_on,
    )


def _write_slices(source_dir: Path, data_dir: Path) -> None:
    document = json.loads((source_dir / _SOURCES["litellm"]).read_text("utf-8"))
    kept: dict[str, object] = {"last_updated": document["last_updated"]}
    for key, row in document.items():
        if (
            isinstance(row, dict)
            and row.get("mode") == "chat"
            and row.get("litellm_provider") in LITELLM_PREFIXES
        ):
            kept[key] = {name: row[name] for name in _LITELLM_FIELDS if name in row}
    text = json.dumps(kept, indent=0, sort_keys=True) + "\n"
    (data_dir / DATA_FILES["litellm"]).write_text(text, "utf-8")
    (data_dir / DATA_FILES["arena"]).write_bytes((source_dir / _SOURCES["arena"]).read_bytes())
    with (source_dir / _SOURCES["ratings"]).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row[0] == "full"]
    with (data_dir / DATA_FILES["ratings"]).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the slices from ``SOURCE_DIR`` and rebuild ``catalog-current.json``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m selection.catalog_build SOURCE_DIR", file=sys.stderr)
        return 2
    data_dir = Path(__file__).parent / "data"
    _write_slices(Path(args[0]), data_dir)
    catalog = current_catalog_from(*(data_dir / DATA_FILES[s] for s in DATA_FILES))
    catalog.save(data_dir / "catalog-current.json")
    print(f"wrote {len(catalog)} models, valid on {catalog.valid_on}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
