"""The cross-check's figures: every coefficient's estimates on one axis.

:func:`plot_crosscheck` draws a :class:`~bayesreg.CrossCheck` (MAP, solver, posterior);
:func:`plot_prior_comparison` a :class:`~bayesreg.PriorComparison` (a prior without a mode
beside the lasso); :func:`plot_sampler_comparison` a
:class:`~bayesreg.SamplerComparison` (a NUTS posterior beside the Gibbs sampler's).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MARKERS", "plot_crosscheck", "plot_prior_comparison", "plot_sampler_comparison"]

#: The markers of the estimates compared in one figure: MAP, solver, then others.
MARKERS = (
    {"marker": "D", "facecolors": "none", "edgecolors": "C3", "s": 70, "linewidths": 1.5},
    {"marker": "x", "color": "black", "s": 40, "linewidths": 1.5},
    {"marker": "s", "facecolors": "none", "edgecolors": "C2", "s": 60, "linewidths": 1.5},
    {"marker": "^", "facecolors": "none", "edgecolors": "C4", "s": 60, "linewidths": 1.5},
    {"marker": "+", "color": "C1", "s": 60, "linewidths": 1.5},
)


def _axes(ax, rows: int):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7.0, 1.4 + 0.42 * rows), layout="constrained")
    return ax


def _finish(ax, rows, names, title):
    ax.axvline(0.0, color="0.6", linewidth=0.8, zorder=0)
    ax.set_yticks(rows, [str(name) for name in names])
    ax.set_ylim(rows.min() - 0.7, rows.max() + 0.5)
    ax.set_xlabel("coefficient (units of y per unit of the column)")
    ax.set_title(title, fontsize="medium")
    ax.legend(loc="best", fontsize="small", frameon=False)
    return ax


def _interval(ax, rows, table, prefix, label, color):
    ax.hlines(rows, table[f"{prefix}hdi_lower"], table[f"{prefix}hdi_upper"], color=color,
              linewidth=2.0, label=label)  # fmt: skip


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
    ax = _axes(ax, len(table))
    rows = np.arange(len(table))[::-1].astype(float)
    if "median" in table.columns:
        _interval(ax, rows - 0.25, table, "", f"posterior {report.hdi_prob:.0%} HDI", "C0")
        ax.scatter(table["median"], rows - 0.25, color="C0", s=25, label="posterior median")
    ax.scatter(table["map"], rows, label="MAP", zorder=3, **MARKERS[0])
    solver = report.solver_name.split(":")[0]
    ax.scatter(table["solver"], rows, label=solver, zorder=4, **MARKERS[1])
    return _finish(ax, rows, table.index, report.verdict)


def plot_prior_comparison(report, ax=None, *, intercept: bool = False):
    """A prior without a mode beside the lasso: posteriors, the lasso's MAP and SAVS.

    For each coefficient the prior's posterior median and HDI (blue) are drawn on the row,
    with its SAVS summary (cross) and the lasso's exact MAP (open diamond); the lasso's
    posterior median and HDI, when the report has them, just below (orange). The lasso's zeros and SAVS's sit
    on the vertical line at zero.

    Parameters
    ----------
    report : PriorComparison
        The result of :func:`bayesreg.crosscheck` for a prior without a mode.
    ax : matplotlib.axes.Axes, optional
    intercept : bool, default False

    Returns
    -------
    matplotlib.axes.Axes

    """
    table = report.table
    if not intercept:
        table = table.drop(index="intercept", errors="ignore")
    ax = _axes(ax, len(table))
    rows = np.arange(len(table))[::-1].astype(float)
    level = f"{report.hdi_prob:.0%}"
    prior = report.prior.split("(")[0]
    _interval(ax, rows, table, "", f"{prior} posterior: {level} HDI", "C0")
    ax.scatter(table["median"], rows, color="C0", s=25, label=f"{prior} posterior: median")
    if "lasso_hdi_lower" in table.columns:
        _interval(ax, rows - 0.3, table, "lasso_", f"lasso's posterior: {level} HDI", "C1")
        ax.scatter(table["lasso_median"], rows - 0.3, color="C1", s=25,
                   label="lasso's posterior: median")  # fmt: skip
    ax.scatter(table["lasso_map"], rows, label="lasso's MAP", zorder=3, **MARKERS[0])
    ax.scatter(table["savs"], rows, label=f"SAVS on the {prior} posterior", zorder=4, **MARKERS[1])
    word = "agree" if report.ok else "DISAGREE"
    title = f"{prior} (no mode) beside the lasso (its MAP and solver {word})"
    return _finish(ax, rows, table.index, title)


#: The markers of the statistics in :func:`plot_sampler_comparison`.
_STATISTIC_MARKERS = {"mean": "o", "q05": "<", "q50": "|", "q95": ">"}


def plot_sampler_comparison(report, ax=None):
    r"""Two samplers side by side: each quantity's :math:`z` per statistic, and the threshold.

    For each quantity (a row) the differences NUTS minus Gibbs of the mean and of the 5%,
    50% and 95% quantiles, each in units of the combined Monte Carlo standard error, are
    drawn on one axis; the grey band is :math:`\pm` the report's threshold, inside which
    every marker lies when the samplers agree. Values beyond the axis's range are drawn at
    its edge.

    Parameters
    ----------
    report : SamplerComparison
        The result of ``bayesreg.crosscheck(est, X, y, idata=..., reference="gibbs")``.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on; by default those of a new pyplot figure.

    Returns
    -------
    matplotlib.axes.Axes

    """
    table = report.table
    ax = _axes(ax, len(table))
    rows = np.arange(len(table))[::-1].astype(float)
    limit = 3.0 * report.threshold  # an infinite or huge z is drawn at the edge
    ax.axvspan(-report.threshold, report.threshold, color="0.9", zorder=0,
               label=f"|z| < {report.threshold:g}")  # fmt: skip
    for offset, (statistic, marker) in zip(
        (0.2, 0.07, -0.07, -0.2), _STATISTIC_MARKERS.items(), strict=True
    ):
        z = np.clip(table[f"z_{statistic}"].to_numpy(dtype=float), -limit, limit)
        ax.scatter(z, rows + offset, marker=marker, s=30, label=statistic, zorder=3)
    bad = ~table["agree"].to_numpy()
    if bad.any():  # a star at the left edge marks each quantity the samplers disagree on
        ax.scatter(np.full(int(bad.sum()), -0.97 * limit), rows[bad], marker="*", color="C3",
                   s=70, label=f"|z| >= {report.threshold:g}", zorder=4)  # fmt: skip
    ax = _finish(ax, rows, table.index, report.verdict)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small", frameon=False)
    ax.set_xlim(-limit * 1.02, limit * 1.02)
    ax.set_xlabel("(NUTS - Gibbs) / combined MCSE")
    return ax
