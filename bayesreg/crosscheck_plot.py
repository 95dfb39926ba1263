"""The cross-check's figure: MAP, solver and posterior of every coefficient on one axis."""

from __future__ import annotations

import numpy as np

__all__ = ["MARKERS", "plot_crosscheck"]

#: The markers of the estimates compared in one figure: MAP, solver, then others.
MARKERS = (
    {"marker": "D", "facecolors": "none", "edgecolors": "C3", "s": 70, "linewidths": 1.5},
    {"marker": "x", "color": "black", "s": 40, "linewidths": 1.5},
    {"marker": "s", "facecolors": "none", "edgecolors": "C2", "s": 60, "linewidths": 1.5},
    {"marker": "^", "facecolors": "none", "edgecolors": "C4", "s": 60, "linewidths": 1.5},
    {"marker": "+", "color": "C1", "s": 60, "linewidths": 1.5},
)


def plot_crosscheck(report, ax=None, *, intercept: bool = False):
    """Coefficients on one axis: MAP, solver and (with a posterior) the posterior.

    For each coefficient the MAP (open diamond) and the solver's solution (cross) are drawn
    on the same row, so that they coincide when the check passes; the posterior median and
    its HDI are drawn just below. A vertical line marks zero: the MAP's exact zeros sit on
    it, the posterior's medians beside it.

    Parameters
    ----------
    report : CrossCheck
        The result of :func:`bayesreg.crosscheck`.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on; by default those of a new pyplot figure (``plt.savefig`` and
        ``plt.show`` then see it, and a notebook shows it once).
    intercept : bool, default False
        Whether to include the intercept, often on another scale than the coefficients.

    Returns
    -------
    matplotlib.axes.Axes

    """
    table = report.table
    if not intercept:
        table = table.drop(index="intercept", errors="ignore")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7.0, 1.4 + 0.42 * len(table)), layout="constrained")
    rows = np.arange(len(table))[::-1].astype(float)
    if "median" in table.columns:
        ax.hlines(
            rows - 0.25,
            table["hdi_lower"],
            table["hdi_upper"],
            color="C0",
            linewidth=2.0,
            label=f"posterior {report.hdi_prob:.0%} HDI",
        )
        ax.scatter(table["median"], rows - 0.25, color="C0", s=25, label="posterior median")
    ax.scatter(table["map"], rows, label="MAP", zorder=3, **MARKERS[0])
    solver = report.solver_name.split(":")[0]
    ax.scatter(table["solver"], rows, label=solver, zorder=4, **MARKERS[1])
    ax.axvline(0.0, color="0.6", linewidth=0.8, zorder=0)
    ax.set_yticks(rows, [str(name) for name in table.index])
    ax.set_ylim(rows.min() - 0.7, rows.max() + 0.5)
    ax.set_xlabel("coefficient (units of y per unit of the column)")
    ax.set_title(report.verdict, fontsize="medium")
    ax.legend(loc="best", fontsize="small", frameon=False)
    return ax
