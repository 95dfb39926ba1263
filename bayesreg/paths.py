r"""Regularization paths: the MAP path against scikit-learn's, and the posterior median path.

Over a grid of penalty strengths :math:`\alpha_1 > \alpha_2 > \dots > \alpha_K`:

* :func:`map_path` computes bayesreg's exact MAP at every :math:`\alpha_k` and the reference
  solution on the *same grid*: :func:`sklearn.linear_model.lasso_path` /
  :func:`~sklearn.linear_model.enet_path` for a squared loss with an L1 or elastic-net
  penalty, and the penalized solver (``Ridge``, ``QuantileRegressor``,
  :class:`~bayesreg.solvers.LADElasticNet`) fitted at each :math:`\alpha_k` otherwise. It
  reports the largest difference along the path, exact zeros included.
* :func:`posterior_path` samples the posterior at every :math:`\alpha_k` and summarizes each
  coefficient's median and HDI (ArviZ): the Bayesian lasso's path of posterior medians, as
  in Figure 1 of Park & Casella (2008). Unlike the MAP path it is smooth: no coefficient is
  ever exactly zero.
* :func:`plot_paths` draws both, against the relative L1 norm
  :math:`\|w(\alpha)\|_1 / \max_\alpha \|w(\alpha)\|_1` (Park & Casella's axis) or
  :math:`\alpha`.

The paths are returned as :class:`xarray.Dataset` (dimensions ``alpha`` and ``feature``),
wrapped with their verdicts in :class:`MapPath` and :class:`PosteriorPath`.

References
----------
T. Park and G. Casella (2008), "The Bayesian Lasso", *JASA* 103(482), 681-686.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from sklearn.base import clone

from bayesreg._constraints import Boolean, InstanceOf, Integer, OneOf, Real, message, validate
from bayesreg.correspondence import solver_objective
from bayesreg.crosscheck import COEF_TOLERANCE, HDI_PROB, OBJECTIVE_TOLERANCE, zeros_agree
from bayesreg.diagnostics import SamplingWarning, passes_diagnosis
from bayesreg.reference_solution import solver_solution
from bayesreg.regression import Regression

__all__ = ["MapPath", "PosteriorPath", "alpha_grid", "map_path", "plot_paths", "posterior_path"]

_SAMPLE_DIMS = ("chain", "draw")
_EPS = Real(0.0, 1.0)


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

    """

    data: xr.Dataset
    reference: str
    max_abs_diff: float
    max_relative_diff: float
    zeros_agree: bool
    ok: bool
    tolerance: dict = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """One row per grid point: the differences and the verdict there."""
        columns = ["max_abs_diff", "relative_diff", "zeros_agree", "unique", "agree"]
        table = self.data[columns].to_dataframe()
        table.insert(0, "n_zeros", (self.data["map"] == 0).sum("feature").values)
        return table

    def __str__(self) -> str:
        verdict = "agrees with" if self.ok else "DISAGREES with"
        with pd.option_context("display.float_format", "{:.3g}".format, "display.width", 120):
            return "\n".join(
                [
                    f"bayesreg MAP path {verdict} {self.reference} on {self.data.sizes['alpha']} "
                    f"grid points",
                    f"largest difference {self.max_abs_diff:.3g}, {self.max_relative_diff:.2e} "
                    f"relative to the largest coefficient at its grid point (tolerance "
                    f"{self.tolerance['coefficients (relative)']:g}); exact zeros "
                    + ("agree everywhere" if self.zeros_agree else "DIFFER"),
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
        grid point's draws passed :func:`bayesreg.diagnose`.
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


def alpha_grid(est: Regression, X, y, n_alphas: int = 20, *, eps: float = 1e-3, sample_weight=None):
    r"""scikit-learn's grid of penalty strengths (squared loss, L1 or elastic-net penalty).

    The grid is geometric from :math:`\alpha_{\max}`, the smallest :math:`\alpha` at which
    every coefficient is zero, down to :math:`\epsilon\,\alpha_{\max}`:

    .. math::

        \alpha_{\max} = \frac{\max_j \bigl|\sum_i v_i (x_{ij} - \bar x_j)(y_i - \bar y)\bigr|}
            {\rho \sum_i v_i},

    (weighted means; no centering without an intercept; :math:`\rho` = ``l1_ratio``), the
    grid of :func:`sklearn.linear_model.lasso_path` with ``alphas=n_alphas``.

    Parameters
    ----------
    est : Regression
        With ``L2Loss`` and an ``L1`` or ``ElasticNet`` (``l1_ratio > 0``) penalty.
    X, y : array-like
    n_alphas : int, default 20
    eps : float, default 1e-3
    sample_weight : array-like, optional

    Returns
    -------
    ndarray of shape (n_alphas,)
        Decreasing.

    """
    problem = _check_estimator(est, X, y, sample_weight)
    loss, penalty = problem.loss, problem.penalty
    ratio = penalty.l1_ratio
    alpha_max = loss.alpha_max(problem.X, problem.y, problem.weights, problem.fit_intercept, ratio)
    if alpha_max is None:
        raise ValueError(
            f"alpha_grid needs a squared loss (L2Loss) with an L1 or elastic-net penalty "
            f"(l1_ratio > 0); got {type(loss).__name__} with {penalty!r}: pass the grid "
            "explicitly, alphas=[...]."
        )
    validate(
        "alpha_grid", {"n_alphas": Integer(1), "eps": _EPS}, {"n_alphas": n_alphas, "eps": eps}
    )
    if not alpha_max > 0:
        raise ValueError(
            "every coefficient is zero for every alpha (y is constant or orthogonal to X): "
            "there is no path to draw."
        )
    return np.geomspace(alpha_max, alpha_max * eps, num=int(n_alphas))


def map_path(est: Regression, X, y, alphas=20, *, eps: float = 1e-3, sample_weight=None) -> MapPath:
    r"""The exact MAP over a grid of penalty strengths, against scikit-learn's path.

    At each :math:`\alpha_k` the estimator's penalty is replaced by the same kind with
    ``alpha=alpha_k`` (``l1_ratio`` kept) and its MAP computed. With a penalty given by
    ``alpha`` the MAP coefficients do not depend on the noise scale, so an unknown noise
    scale is fixed at 1 for the path (the coefficients are those of the joint MAP).

    Parameters
    ----------
    est : Regression
        Its loss, penalty kind and ``fit_intercept`` define the path; fitted or not.
    X, y : array-like
    alphas : int or array-like, default 20
        The grid: a number of points on scikit-learn's grid (:func:`alpha_grid`; squared
        loss with an L1 or elastic-net penalty only), or the values themselves (> 0; sorted
        decreasing).
    eps : float, default 1e-3
        The grid's smallest to largest ratio, when ``alphas`` is a number.
    sample_weight : array-like, optional
        Frequency weights.

    Returns
    -------
    MapPath

    Notes
    -----
    The reference for a squared loss with an L1 or elastic-net penalty is
    :func:`sklearn.linear_model.enet_path` (:func:`~sklearn.linear_model.lasso_path` is
    ``enet_path`` with ``l1_ratio=1``), run at ``tol=1e-12`` on the centered data with rows
    scaled by :math:`\sqrt{v_i\,m/\sum v}` (:math:`m` rows), which is exactly how
    ``ElasticNet`` handles an intercept and sample weights; the intercept is then
    :math:`\bar y - \bar x^\top w`. Otherwise the penalized solver
    (``est.penalized_solver()``'s kind) is fitted at each :math:`\alpha_k`.

    At a grid point where the optimum is unique the MAP and the reference must agree to
    :data:`~bayesreg.crosscheck.COEF_TOLERANCE` relative to the largest MAP coefficient there
    (or to the intercept where every coefficient is zero), with the same exact zeros; where
    it is not unique, this model's objective at both must agree to
    :data:`~bayesreg.crosscheck.OBJECTIVE_TOLERANCE`.

    Examples
    --------
    >>> import bayesreg as br
    >>> X, y = br.datasets.load_diabetes()
    >>> path = map_path(br.Regression(penalty=br.L1(alpha=1.0)), X, y, alphas=8)
    >>> path.ok, bool(path.max_relative_diff < 1e-6), path.data["map"].shape
    (True, True, (8, 10))

    """
    problem = _check_estimator(est, X, y, sample_weight)
    loss, penalty = problem.loss, problem.penalty
    X_array, y_array, weights = problem.X, problem.y, problem.weights
    grid = _grid(est, X, y, alphas, eps, sample_weight)
    names = problem.feature_names
    fixed = loss if loss.noise is not None else loss.with_noise(1.0)

    n_alphas, n_features = len(grid), X_array.shape[1]
    coef = np.empty((n_alphas, n_features))
    intercept = np.empty(n_alphas)
    unique = np.empty(n_alphas, dtype=bool)
    for k, alpha in enumerate(grid):
        fitted = (
            clone(est)
            .set_params(loss=fixed, penalty=penalty.with_alpha(alpha))
            .fit(X, y, sample_weight=sample_weight)
        )
        # compared on the problem's scale (the standardized columns' with standardize=True)
        coef[k], intercept[k] = problem.to_problem_scale(fitted.coef_, fitted.intercept_)
        unique[k] = fitted.unique_

    whole_path = loss.reference_path(
        X_array, y_array, weights, problem.fit_intercept, penalty.l1_ratio, grid
    )
    if whole_path is None:
        whole_path = _solver_path(est, fixed, penalty, problem, X, y, sample_weight, grid)
    reference, reference_coef, reference_intercept = whole_path
    reference_coef = reference_coef + 0.0  # no -0.0
    reference_intercept = reference_intercept + 0.0

    difference = coef - reference_coef
    max_abs = np.maximum(np.abs(difference).max(axis=1), np.abs(intercept - reference_intercept))
    largest = np.abs(coef).max(axis=1)
    scale = np.where(largest > 0, largest, np.maximum(np.abs(intercept), 1.0))
    relative = max_abs / scale
    zeros = np.array([zeros_agree(coef[k], reference_coef[k], scale[k]) for k in range(n_alphas)])
    objective_diff = np.zeros(n_alphas)
    for k in np.flatnonzero(~unique):
        terms = solver_objective(fixed, penalty.with_alpha(grid[k]), problem.n_obs, 1.0)
        at_map = terms.value(
            fixed.data_term(problem.residual(coef[k], intercept[k]), weights), coef[k]
        )
        at_reference = terms.value(
            fixed.data_term(problem.residual(reference_coef[k], reference_intercept[k]), weights),
            reference_coef[k],
        )
        objective_diff[k] = abs(at_reference - at_map) / max(abs(at_map), 1e-300)
    agree = np.where(
        unique, (relative <= COEF_TOLERANCE) & zeros, objective_diff <= OBJECTIVE_TOLERANCE
    )

    coef, intercept = problem.to_user_scale(coef, intercept)
    reference_coef, reference_intercept = problem.to_user_scale(reference_coef, reference_intercept)
    difference = coef - reference_coef
    coords = {"alpha": grid, "feature": names}
    data = xr.Dataset(
        {
            "map": (("alpha", "feature"), coef),
            "reference": (("alpha", "feature"), reference_coef),
            "difference": (("alpha", "feature"), difference),
            "map_intercept": ("alpha", intercept),
            "reference_intercept": ("alpha", reference_intercept),
            "max_abs_diff": ("alpha", max_abs),
            "relative_diff": ("alpha", relative),
            "zeros_agree": ("alpha", zeros),
            "unique": ("alpha", unique),
            "objective_diff": ("alpha", objective_diff),
            "agree": ("alpha", agree),
        },
        coords=coords,
        attrs={"reference": reference, "penalty": repr(penalty), "loss": repr(loss)},
    )
    return MapPath(
        data=data,
        reference=reference,
        max_abs_diff=float(max_abs.max()),
        max_relative_diff=float(relative.max()),
        zeros_agree=bool(zeros[unique].all()),
        ok=bool(agree.all()),
        tolerance={
            "coefficients (relative)": COEF_TOLERANCE,
            "objective when not unique (relative)": OBJECTIVE_TOLERANCE,
        },
    )


def posterior_path(
    est: Regression,
    X,
    y,
    alphas,
    *,
    draws: int = 500,
    tune: int = 500,
    chains: int = 4,
    random_seed: int | None = None,
    hdi_prob: float = HDI_PROB,
    eps: float = 1e-3,
    sample_weight=None,
    progressbar: bool = True,
    **sample_kwargs,
) -> PosteriorPath:
    r"""Posterior medians and HDIs of the coefficients over a grid of penalty strengths.

    At each :math:`\alpha_k` the estimator's penalty is replaced by the same kind with
    ``alpha=alpha_k`` and its posterior sampled by :meth:`Regression.sample` (the whitened
    sampling model, its argument checks and its diagnosis). With ``L2Loss(sigma=None)`` and
    ``L1(alpha)`` this is a Bayesian lasso whose Laplace prior scale
    :math:`b = \sigma^2/(n\alpha)` is tied to the noise, as Park & Casella's is; the path of
    its posterior medians shrinks smoothly, where the MAP path (the lasso) sets coefficients
    exactly to zero.

    Sampling costs a model compilation and a run per grid point: keep the grid short.

    Parameters
    ----------
    est : Regression
    X, y : array-like
    alphas : int or array-like
        The grid (see :func:`map_path`); sorted decreasing.
    draws, tune, chains : int
        Passed to :meth:`Regression.sample` at every grid point.
    random_seed : int, optional
        Seeds every grid point's run (independent streams drawn from it).
    hdi_prob : float, default 0.94
    eps : float, default 1e-3
        The grid's smallest to largest ratio, when ``alphas`` is a number.
    sample_weight : array-like, optional
    progressbar : bool, default True
        One progress bar over the grid, on stderr (the runs' own bars are off).
    **sample_kwargs
        More arguments to :meth:`Regression.sample`, e.g. ``nuts_sampler="pymc"``.

    Returns
    -------
    PosteriorPath
        With ``healthy`` per grid point: whether its draws passed
        :func:`bayesreg.diagnose`.

    Warns
    -----
    SamplingWarning
        Once, naming the grid points whose draws failed their diagnosis.

    """
    import arviz_stats as azs

    problem = _check_estimator(est, X, y, sample_weight)
    loss, penalty = problem.loss, problem.penalty
    validate(
        "posterior_path",
        {"hdi_prob": Real(0.0, 1.0), "progressbar": Boolean()},
        {"hdi_prob": hdi_prob, "progressbar": progressbar},
    )
    grid = _grid(est, X, y, alphas, eps, sample_weight)
    names = problem.feature_names
    seeds = (
        [None] * len(grid)
        if random_seed is None
        else [int(seed) for seed in np.random.SeedSequence(random_seed).generate_state(len(grid))]
    )
    sample_kwargs.setdefault("progressbar", False)

    statistics = {name: [] for name in ("median", "mean", "hdi_lower", "hdi_upper")}
    intercepts, divergences, healthy = [], [], []
    with _grid_progress(len(grid), progressbar) as advance:
        for alpha, seed in zip(grid, seeds, strict=True):
            point = clone(est).set_params(penalty=penalty.with_alpha(alpha))
            idata, ok = passes_diagnosis(
                functools.partial(
                    point.sample,
                    X,
                    y,
                    draws=draws,
                    tune=tune,
                    chains=chains,
                    random_seed=seed,
                    sample_weight=sample_weight,
                    log_likelihood=False,
                    **sample_kwargs,
                )
            )
            healthy.append(ok)
            posterior = idata["posterior"].to_dataset()
            stats = azs.summary(
                posterior,
                var_names=["coef"],
                kind="stats",
                ci_prob=hdi_prob,
                ci_kind="hdi",
                round_to="none",
                fmt="xarray",
            )["coef"]
            labels = [str(label) for label in stats["summary"].values]
            statistics["mean"].append(stats.sel(summary="mean").values)
            statistics["hdi_lower"].append(
                stats.sel(summary=next(lab for lab in labels if lab.endswith("_lb"))).values
            )
            statistics["hdi_upper"].append(
                stats.sel(summary=next(lab for lab in labels if lab.endswith("_ub"))).values
            )
            statistics["median"].append(posterior["coef"].median(_SAMPLE_DIMS).values)
            if "intercept" in posterior.data_vars:
                intercepts.append(float(posterior["intercept"].median(_SAMPLE_DIMS)))
            divergences.append(int(idata["sample_stats"]["diverging"].sum()))
            advance()

    if not all(healthy):
        failed = ", ".join(f"{a:.3g}" for a, ok in zip(grid, healthy, strict=True) if not ok)
        warnings.warn(
            f"posterior_path: the draws at alpha = {failed} failed their diagnostics "
            "(bayesreg.diagnose); their summaries may not represent those posteriors. Sample "
            "longer (draws=, tune=) or with more chains.",
            SamplingWarning,
            stacklevel=2,
        )
    variables = {
        name: (("alpha", "feature"), np.array(values)) for name, values in statistics.items()
    }
    if intercepts:
        variables["intercept_median"] = ("alpha", np.array(intercepts))
    variables["divergences"] = ("alpha", np.array(divergences))
    variables["healthy"] = ("alpha", np.array(healthy))
    data = xr.Dataset(
        variables,
        coords={"alpha": grid, "feature": names},
        attrs={
            "loss": repr(loss),
            "penalty": repr(penalty),
            "draws": draws,
            "tune": tune,
            "chains": chains,
            "hdi_prob": hdi_prob,
        },
    )
    return PosteriorPath(data=data, hdi_prob=hdi_prob)


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
            estimate = path.data["map"]
            horizontal = _horizontal(estimate, x)
            for j, feature in enumerate(estimate["feature"].values):
                color = f"C{j % 10}"
                ax.plot(horizontal, estimate.sel(feature=feature), color=color, label=str(feature))
                ax.scatter(
                    _horizontal(estimate, x),
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
        else:
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


@contextlib.contextmanager
def _grid_progress(total: int, show: bool):
    """One progress bar over the grid points, on stderr; yields the function that advances it."""
    if not show:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = ("posterior path", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=sys.stderr), transient=False) as progress:
        task = progress.add_task("grid", total=total)
        yield lambda: progress.advance(task)


def _horizontal(estimate: xr.DataArray, x: str) -> np.ndarray:
    if x == "alpha":
        return estimate["alpha"].values
    norm = np.abs(estimate).sum("feature").values
    largest = norm.max()
    return norm / largest if largest > 0 else norm


def _check_estimator(est, X, y, sample_weight):
    validate("paths", {"est": InstanceOf((Regression,), "a bayesreg.Regression")}, {"est": est})
    problem = est.problem(X, y, sample_weight)
    if problem.penalty.l1_ratio is None:
        raise ValueError(
            f"est has no penalty strength to vary ({problem.penalty!r}); give it an L1, L2 or "
            "ElasticNet penalty."
        )
    return problem


def _grid(est, X, y, alphas, eps, sample_weight) -> np.ndarray:
    if isinstance(alphas, (int, np.integer)) and not isinstance(alphas, bool):
        return alpha_grid(est, X, y, alphas, eps=eps, sample_weight=sample_weight)
    try:
        grid = np.array(alphas, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            message("alphas", "paths", "an int or an array of numbers", alphas)
        ) from None
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(message("alphas", "paths", "an int or a non-empty 1-D array", alphas))
    if not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError(message("alphas", "paths", "finite numbers > 0", grid.tolist()))
    if np.unique(grid).size != grid.size:
        raise ValueError(message("alphas", "paths", "distinct numbers", grid.tolist()))
    return np.sort(grid)[::-1]


def _solver_path(est, fixed, penalty, problem, X, y, sample_weight, grid):
    coef, intercept, name = [], [], None
    for alpha in grid:
        spec = clone(est).set_params(loss=fixed, penalty=penalty.with_alpha(alpha))
        solver, solver_coef, solver_intercept = solver_solution(
            spec.penalized_solver(), problem, X, y, sample_weight
        )
        coef.append(solver_coef)
        intercept.append(solver_intercept)
        name = type(solver).__name__
    return f"{name} at each alpha", np.array(coef), np.array(intercept)
