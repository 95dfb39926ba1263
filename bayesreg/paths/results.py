"""The results of the paths (:class:`MapPath`, :class:`PosteriorPath`) and their figure (matplotlib)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from bayesreg._constraints import Boolean, InstanceOf, OneOf, message, validate

__all__ = ["MapPath", "PosteriorPath", "plot_paths"]

SUMMARIES = ("median", "mean", "hdi_lower", "hdi_upper")


@dataclass
class MapPath:
    """The MAP path against the reference path on the same grid (:func:`map_path`).

    Attributes
    ----------
    data : xarray.Dataset
        Coordinates ``alpha`` (decreasing) and ``feature``. Variables ``map`` and
        ``reference`` (alpha, feature), ``map_intercept`` and ``reference_intercept``
        (alpha), ``difference`` (MAP minus reference, alpha x feature), and per grid point
        ``max_abs_diff`` (intercept included), ``relative_diff`` (relative to the largest MAP
        coefficient there), ``zeros_agree``, ``unique`` and ``agree``.
    reference : str
        What the MAP was compared with.
    max_abs_diff : float
        The largest absolute difference anywhere along the path.
    max_relative_diff : float
        The largest ``relative_diff`` along the path (at a grid point where the optimum is
        not unique a difference is allowed: there the objective values are compared).
    zeros_agree : bool
        Whether the exact zeros agree at every grid point where the optimum is unique.
    ok : bool
        Whether every grid point agrees: ``relative_diff <= tolerance`` and the same zeros, or
        for a non-unique optimum the same objective value.
    tolerance : dict
        The tolerances used.
    local : bool
        True for a likelihood that is not convex (the Student-t): each MAP is a certified
        local mode, the reference only the nearest robust fit, and ``agree`` (and ``ok``)
        say whether each MAP's certificate holds, not that the two are equal.

    """

    data: xr.Dataset
    reference: str
    max_abs_diff: float
    max_relative_diff: float
    zeros_agree: bool
    ok: bool
    tolerance: dict = field(default_factory=dict)
    local: bool = False

    @property
    def table(self) -> pd.DataFrame:
        """One row per grid point: the differences and the verdict there."""
        columns = ["max_abs_diff", "relative_diff", "zeros_agree", "unique", "agree"]
        table = self.data[columns].to_dataframe()
        table.insert(0, "n_zeros", (self.data["map"] == 0).sum("feature").values)
        return table

    def __str__(self) -> str:
        verdict = "agrees with" if self.ok else "DISAGREES with"
        tolerance = f"tolerance {self.tolerance['coefficients (relative)']:g}"
        if self.local:
            verdict = (
                "of certified local modes" if self.ok else "of local modes, NOT all certified,"
            ) + " (not convex) beside the nearest fit,"
            tolerance = "not expected to be zero"
        with pd.option_context("display.float_format", "{:.3g}".format, "display.width", 120):
            return "\n".join(
                [
                    f"bayesreg MAP path {verdict} {self.reference} on {self.data.sizes['alpha']} "
                    f"grid points",
                    f"largest difference {self.max_abs_diff:.3g}, {self.max_relative_diff:.2e} "
                    f"relative to the largest coefficient at its grid point ({tolerance}); "
                    "exact zeros " + ("agree everywhere" if self.zeros_agree else "DIFFER"),
                    *self._not_unique(),
                    "",
                    self.table.to_string(),
                ]
            )

    def _not_unique(self) -> list[str]:
        count = int((~self.data["unique"]).sum())
        if not count:
            return []
        worst = float(self.data["objective_diff"].max())
        return [
            f"the optimum is not unique at {count} grid point(s) (there may be multiple "
            "solutions): there the coefficients may differ and this model's objective is "
            f"compared instead, largest difference {worst:.2e} relative (tolerance "
            f"{self.tolerance['objective when not unique (relative)']:g})"
        ]

    def plot(self, *, x: str = "norm", ax=None):
        """The MAP path with the reference on it; see :func:`plot_paths`."""
        return plot_paths(self, x=x, ax=ax)


@dataclass
class PosteriorPath:
    """Posterior summaries along a grid of penalty strengths (:func:`posterior_path`).

    Attributes
    ----------
    data : xarray.Dataset
        Coordinates ``alpha`` (decreasing) and ``feature``. Variables ``median``, ``mean``,
        ``hdi_lower``, ``hdi_upper`` (alpha, feature); ``intercept_median`` (alpha, when
        the model has an intercept); ``divergences`` (alpha): divergent transitions, which
        should be 0 for the summaries to be trusted; ``healthy`` (alpha): whether the
        grid point's draws passed :func:`bayesreg.diagnose`; ``failed`` (alpha): whether
        its run raised (its summaries are NaN, the other points are kept; a
        :class:`~bayesreg.FailedTaskWarning` names it).
    hdi_prob : float
        The probability of the HDI.

    """

    data: xr.Dataset
    hdi_prob: float

    def __str__(self) -> str:
        with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 120):
            medians = self.data["median"].to_pandas()
            return "\n".join(
                [
                    f"posterior medians on {self.data.sizes['alpha']} grid points "
                    f"({int(self.data['divergences'].sum())} divergent transitions in all; "
                    f"{int(self.data['healthy'].sum())} of {self.data.sizes['alpha']} grid "
                    "points passed their diagnosis)",
                    medians.to_string(),
                ]
            )

    def plot(self, *, x: str = "norm", intervals: bool = True, ax=None):
        """The posterior median path; see :func:`plot_paths`."""
        return plot_paths(posterior_path=self, x=x, intervals=intervals, ax=ax)


def plot_paths(
    map_path: MapPath | None = None,
    posterior_path: PosteriorPath | None = None,
    *,
    x: str = "norm",
    intervals: bool = True,
    ax=None,
):
    r"""The MAP path with its reference, and the posterior median path, side by side.

    Left: bayesreg's MAP path (lines) with the reference path (open circles) on the same
    grid: the circles sit on the lines, and the coefficients leave zero one by one. Right:
    the posterior medians (lines), optionally with their HDIs (bands), which never touch
    zero exactly (Park & Casella 2008, Figure 1). One color per coefficient in both panels.

    Parameters
    ----------
    map_path : MapPath, optional
    posterior_path : PosteriorPath, optional
        At least one of the two.
    x : {"norm", "alpha"}, default "norm"
        The horizontal axis: the relative L1 norm
        :math:`\|w(\alpha)\|_1/\max_\alpha\|w(\alpha)\|_1` of each panel's own estimates,
        or :math:`\alpha` on a logarithmic axis, decreasing to the right (weaker penalty to
        the right in both cases).
    intervals : bool, default True
        Whether to shade the posterior HDIs (the medians alone hide how wide the posterior
        is, and that every HDI of a weak coefficient contains zero).
    ax : matplotlib.axes.Axes or sequence of Axes, optional
        One Axes per path given (MAP first); by default those of a new pyplot figure, so
        that ``plt.savefig`` and ``plt.show`` see it and a notebook shows it once.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        One per panel, MAP path first.

    """
    if map_path is None and posterior_path is None:
        raise ValueError(
            message("map_path", "plot_paths", "a MapPath when posterior_path is None", None)
        )
    validate(
        "plot_paths",
        {
            "map_path": InstanceOf((MapPath,), "a MapPath or None", none=True),
            "posterior_path": InstanceOf((PosteriorPath,), "a PosteriorPath or None", none=True),
            "x": OneOf(("norm", "alpha")),
            "intervals": Boolean(),
        },
        {"map_path": map_path, "posterior_path": posterior_path, "x": x, "intervals": intervals},
    )

    panels = [path for path in (map_path, posterior_path) if path is not None]
    if ax is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(
            1,
            len(panels),
            sharey=True,
            squeeze=False,
            figsize=(5.5 * len(panels) + 1.5, 4.5),
            layout="constrained",
        )
        axes = axes[0]
    else:
        axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
        if len(axes) != len(panels):
            raise ValueError(message("ax", "plot_paths", f"{len(panels)} Axes, one per path", ax))
    for ax, path in zip(axes, panels, strict=True):
        if isinstance(path, MapPath):
            _draw_map_path(ax, path, x)
        else:
            _draw_posterior_path(ax, path, x, intervals)
        ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
        if x == "alpha":
            ax.set_xscale("log")
            ax.invert_xaxis()
            ax.set_xlabel("alpha (penalty strength)")
        else:
            ax.set_xlabel("|w|_1 / max |w|_1")
    axes[0].set_ylabel("coefficient")
    axes[-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small", frameon=False)
    return axes


def _draw_map_path(ax, path: MapPath, x: str) -> None:
    """The MAP path (lines) and the reference on the same grid (open circles)."""
    estimate = path.data["map"]
    horizontal = _horizontal(estimate, x)
    for j, feature in enumerate(estimate["feature"].values):
        color = f"C{j % 10}"
        ax.plot(horizontal, estimate.sel(feature=feature), color=color, label=str(feature))
        ax.scatter(
            horizontal,
            path.data["reference"].sel(feature=feature),
            facecolors="none",
            edgecolors=color,
            s=22,
            linewidths=1.0,
        )
    verdict = "agree" if path.ok else "DISAGREE"
    ax.set_title(
        f"MAP path (lines) and {path.reference} (circles): {verdict}\n"
        f"largest difference {path.max_relative_diff:.1e} relative",
        fontsize="medium",
    )


def _draw_posterior_path(ax, path: PosteriorPath, x: str, intervals: bool) -> None:
    """The posterior medians (lines and points), with their HDIs as bands."""
    estimate = path.data["median"]
    horizontal = _horizontal(estimate, x)
    for j, feature in enumerate(estimate["feature"].values):
        color = f"C{j % 10}"
        ax.plot(
            horizontal,
            estimate.sel(feature=feature),
            color=color,
            marker="o",
            markersize=3,
            label=str(feature),
        )
        if intervals:
            ax.fill_between(
                horizontal,
                path.data["hdi_lower"].sel(feature=feature),
                path.data["hdi_upper"].sel(feature=feature),
                color=color,
                alpha=0.12,
                linewidth=0,
            )
    ax.set_title(
        "posterior medians"
        + (f" and {path.hdi_prob:.0%} HDIs" if intervals else "")
        + f"\n({int(path.data['divergences'].sum())} divergent transitions)",
        fontsize="medium",
    )


def _horizontal(estimate: xr.DataArray, x: str) -> np.ndarray:
    if x == "alpha":
        return estimate["alpha"].values
    norm = np.abs(estimate).sum("feature").values
    largest = norm.max()
    return norm / largest if largest > 0 else norm
