"""An A/B analysis as a figure: each metric's relative lift with its intervals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scenarios.figures import legend_outside, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw_ab_analysis"]


def draw_ab_analysis(report: Mapping[str, Any]) -> Figure:
    """Relative lift of the challenger over the champion per metric, in percent.

    Each metric is a point with its fixed-horizon 95% interval (thick) and its always-valid
    interval (thin, wider); a metric where lower is better is drawn so that right is still
    better for the challenger. Metrics without an estimate are listed, not drawn.

    Args:
        report: What ``analyze_test_results`` returns (:class:`~selection.abtest.AnalysisReport`).
    """
    metrics = report["metrics"]
    names = list(metrics)
    figure = new_figure(7.5, 1.1 + 0.55 * len(names))
    ax = figure.subplots()
    missing = []
    labelled: set[str] = set()
    for y, name in enumerate(names):
        m = metrics[name]
        lift, ci = m["relative_lift"], m["relative_ci"]
        if lift is None:
            missing.append(name)
            continue
        sign = 1.0 if m["higher_is_better"] else -1.0
        seq = [m["sequential"]["relative_ci"][0], m["sequential"]["relative_ci"][1]]
        if None not in seq and m["control"]["mean"]:
            ends = [100 * sign * v for v in seq]
            ax.plot(ends, [y, y], color="grey", lw=1, label=_once(labelled, "always-valid CI"))
        if None not in ci:
            ends = [100 * sign * v for v in ci]
            ax.plot(ends, [y, y], color="black", lw=3.5, solid_capstyle="butt",
                    label=_once(labelled, "95% CI"))  # fmt: skip
        role = "guardrail" if m["role"] == "guardrail" else "success"
        colour = "#d62728" if role == "guardrail" else "#1f77b4"
        label = _once(labelled, f"lift ({role})")
        ax.plot([100 * sign * lift], [y], "o", color=colour, label=label)
    ax.axvline(0, color="dimgrey", lw=0.8, linestyle="--")
    ax.set_yticks(range(len(names)), [_label(n, metrics[n]) for n in names], fontsize=8)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.invert_yaxis()
    ax.set_xlabel("relative lift of the challenger (%, right is better)")
    ax.set_title(
        f"{report['challenger']} vs {report['champion']} on {', '.join(report['task_types'])}: "
        f"winner {report['winner'] or 'none yet'}",
        fontsize=9,
    )
    ax.grid(axis="x", alpha=0.3)
    legend_outside(ax)
    if missing:
        ax.annotate(f"no estimate: {', '.join(missing)}", (0, -0.3), xycoords="axes fraction",
                    fontsize=7, color="dimgrey")  # fmt: skip
    return figure


def _label(name: str, metric: Mapping[str, Any]) -> str:
    direction = "" if metric["higher_is_better"] else " (lower is better)"
    return f"{name}{direction}\n[{metric['role']}]"


def _once(seen: set[str], label: str) -> str | None:
    """``label`` the first time, then None: one legend entry per kind."""
    if label in seen:
        return None
    seen.add(label)
    return label
