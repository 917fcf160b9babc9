"""Rebuild the packaged Arena data from the shared source files (copies values, never edits).

Run ``python -m scenarios.arena.derive SOURCE_DIR`` where ``SOURCE_DIR`` holds ``arena/`` and
the LiteLLM price map; it rewrites ``scenarios/arena/data/``. Nothing imports this at run time.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path

__all__ = ["derive"]

_LITELLM = "litellm_model_prices_and_context_window_2026-07-24.json"


def derive(source: Path, target: Path) -> dict[str, int]:
    """Write ``history.csv.gz``, ``categories.csv.gz`` and ``prices.csv`` into ``target``."""
    arena = source / "arena"
    with (arena / "history.csv").open(newline="", encoding="utf-8") as f:
        history = list(csv.DictReader(f))
    _write_gz(
        target / "history.csv.gz",
        ["date", "model", "organization", "license", "rating"],
        ([r["date"], r["model"], r["organization"], r["license"], r["rating"]] for r in history),
    )
    with (arena / "categories.csv").open(newline="", encoding="utf-8") as f:
        board = list(csv.DictReader(f))
    columns = ["category", "model", "rating", "rating_q025", "rating_q975"]
    _write_gz(target / "categories.csv.gz", columns, ([r[c] for c in columns] for r in board))
    with (arena / "prices.csv").open(newline="", encoding="utf-8") as f:
        arena_prices = {r["model"]: r for r in csv.DictReader(f)}
    litellm = json.loads((source / _LITELLM).read_text("utf-8"))
    by_tail: dict[str, str] = {}
    for key in sorted(litellm):
        entry = litellm[key]
        if isinstance(entry, dict) and entry.get("mode") == "chat" and _priced(entry):
            by_tail.setdefault(key.rsplit("/", 1)[-1].lower(), key)
    models = sorted({r["model"] for r in history} | {r["model"] for r in board})
    rows: list[list[str]] = []
    counts = {"arena": 0, "litellm": 0, "litellm_suffix": 0}
    for model in models:
        p = arena_prices.get(model)
        if p is not None and p["input_per_mtok"] and p["output_per_mtok"]:
            rows.append([model, p["input_per_mtok"], p["output_per_mtok"], "arena", model])
            counts["arena"] += 1
            continue
        key = model if model in litellm and _priced(litellm[model]) else None
        how = "litellm"
        if key is None:
            key, how = by_tail.get(model.lower()), "litellm_suffix"
        if key is None:
            continue
        entry = litellm[key]
        rows.append(
            [model, _per_mtok(entry["input_cost_per_token"]),
             _per_mtok(entry["output_cost_per_token"]), how, key]
        )  # fmt: skip
        counts[how] += 1
    with (target / "prices.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["model", "input_per_mtok", "output_per_mtok", "source", "source_key"])
        writer.writerows(rows)
    return counts


def _priced(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("input_cost_per_token"), int | float)
        and isinstance(entry.get("output_cost_per_token"), int | float)
    )


def _per_mtok(per_token: float) -> str:
    return f"{per_token * 1e6:.6g}"


def _write_gz(path: Path, header: list[str], rows: object) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)  # type: ignore[arg-type]
    # mtime=0: the same sources give the same bytes.
    path.write_bytes(gzip.compress(text.getvalue().encode("utf-8"), mtime=0))


if __name__ == "__main__":
    here = Path(__file__).parent / "data"
    print(derive(Path(sys.argv[1]), here))
