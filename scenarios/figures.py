"""How every figure is drawn: no global matplotlib state, styles that keep equal lines visible.

Figures are :class:`matplotlib.figure.Figure` objects with their own Agg canvas, never pyplot's:
drawing a report in a notebook does not switch the notebook's backend, and every function that
draws returns its figure so a notebook can show it inline. The conventions live here once:

- a model keeps one colour in every plot of every run (a stable hash of its id into a palette);
- each policy gets its own line style and marker, so lines that coincide stay visible, and a
  note says which coincide;
- values spanning more than two decades go on a log scale;
- legends sit outside the axes; files are written as PNG and SVG.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "FORMATS",
    "coinciding",
    "legend_outside",
    "model_colour",
    "new_figure",
    "note_coinciding",
    "policy_style",
    "save_figure",
    "scale_for",
]

FORMATS = ("png", "svg")
"""The files each figure is written as."""

_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
)  # fmt: skip
_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_DECADES_FOR_LOG = 2.0


def new_figure(width: float, height: float) -> Figure:
    """A figure with its own Agg canvas, outside pyplot's registry of open figures."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def model_colour(model_id: str) -> str:
    """The model's colour, the same in every plot and every run."""
    digest = hashlib.blake2b(model_id.encode(), digest_size=4).digest()
    return _PALETTE[int.from_bytes(digest, "big") % len(_PALETTE)]


def policy_style(index: int) -> dict[str, Any]:
    """Line style and marker for the ``index``-th policy: no two of the first 32 alike."""
    return {
        "linestyle": _LINESTYLES[index % len(_LINESTYLES)],
        "marker": _MARKERS[(index // len(_LINESTYLES) + index) % len(_MARKERS)],
        "markevery": 0.1,
        "markersize": 4,
    }


def scale_for(values: Iterable[float]) -> dict[str, Any]:
    """The axis scale for ``values``: log when the positive ones span more than two decades.

    Zeros cannot sit on a log axis, so with zeros present the scale is ``symlog``, linear
    below the smallest positive value: a policy with no regret stays on the plot.
    """
    finite = np.array([v for v in values if np.isfinite(v)], dtype=float)
    positive = finite[finite > 0]
    if positive.size < 2:
        return {"value": "linear"}
    if np.log10(positive.max()) - np.log10(positive.min()) <= _DECADES_FOR_LOG:
        return {"value": "linear"}
    if (finite <= 0).any():
        return {"value": "symlog", "linthresh": float(positive.min())}
    return {"value": "log"}


def coinciding(curves: Mapping[str, Sequence[float]]) -> list[list[str]]:
    """Groups of two or more names whose curves are equal point for point."""
    groups: list[list[str]] = []
    for name, curve in curves.items():
        for group in groups:
            if np.allclose(curves[group[0]], curve, equal_nan=True) and len(
                curves[group[0]]
            ) == len(curve):
                group.append(name)
                break
        else:
            groups.append([name])
    return [g for g in groups if len(g) > 1]


def note_coinciding(ax: Axes, curves: Mapping[str, Sequence[float]]) -> None:
    """Write under the axes which curves lie on top of each other."""
    groups = coinciding(curves)
    if groups:
        text = "; ".join(" = ".join(g) for g in groups)
        ax.annotate(
            f"identical: {text}",
            (0, -0.22),
            xycoords="axes fraction",
            fontsize=7,
            color="dimgrey",
        )


def legend_outside(ax: Axes) -> None:
    """The legend to the right of the axes, never over the data."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def save_figure(figure: Figure, stem: Path) -> list[Path]:
    """Write ``stem``.png and ``stem``.svg; return the paths."""
    paths = []
    for extension in FORMATS:
        path = stem.with_suffix(f".{extension}")
        figure.savefig(path, dpi=110)
        paths.append(path)
    return paths
