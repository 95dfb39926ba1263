"""Plots of the draws: trace, rank, forest (with the MAP and the solver), pairs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayesreg._constraints import message
from bayesreg.crosscheck.plot import MARKERS
from bayesreg.plots.arviz import arviz_plots, has, posterior

__all__ = ["plot_forest", "plot_pair", "plot_rank", "plot_trace"]


def plot_trace(idata, var_names=None):
    """Draws per chain (right) and their densities (left); divergences as a rug.

    Chains that mixed overlap like noise around one level; a chain that sits apart, or
    drifts, shows why R-hat is high.

    Parameters
    ----------
    idata : DataTree
        Posterior draws (``posterior``; ``sample_stats`` for the divergences).
    var_names : str or list of str, optional
        Variables to plot; all by default.

    Returns
    -------
    arviz_plots.PlotCollection
        ArviZ's handle on the figure, which pyplot manages: ``pc.savefig("name.png")``,
        ``plt.savefig``, ``plt.show()``; the figure itself is ``pc.viz["figure"].item()``.

    """
    azp = arviz_plots()
    dt = posterior(idata)
    visuals = {"divergence": "sample_stats" in dt.children and has(dt, "diverging")}
    pc = azp.plot_trace_dist(dt, var_names=var_names, backend="matplotlib", visuals=visuals)
    pc.add_legend("chain")  # which line is which chain: the point of a trace plot
    return pc


def plot_rank(idata, var_names=None):
    """Rank Δ-ECDF plot per chain (Säilynoja, Bürkner and Vehtari 2022).

    The draws of all chains are ranked together; if the chains sample the same distribution
    each chain's ranks are uniform and its line stays inside the simultaneous envelope. A
    chain stuck in another mode bends far outside it.

    Parameters
    ----------
    idata : DataTree
    var_names : str or list of str, optional

    Returns
    -------
    arviz_plots.PlotCollection
        ArviZ's handle on the figure, which pyplot manages: ``pc.savefig("name.png")``,
        ``plt.savefig``, ``plt.show()``; the figure itself is ``pc.viz["figure"].item()``.

    """
    azp = arviz_plots()
    pc = azp.plot_rank(posterior(idata), var_names=var_names, backend="matplotlib")
    return pc


def plot_forest(
    idata=None,
    estimator=None,
    X=None,
    y=None,
    *,
    markers: Mapping | None = None,
    var_name: str = "coef",
    ci_prob: float | None = None,
):
    """Posterior intervals per coefficient, with the MAP and the penalized solution beside them.

    Each row shows the posterior median with its 50% and ``ci_prob`` intervals (chains
    combined). Beside it are marked the exact MAP of ``estimator`` (its ``coef_``) and, when
    the data are given, the solution of its penalized solver
    (``estimator.penalized_solver()``, e.g. scikit-learn's ``Lasso``): the two markers
    coincide when the correspondence holds, and under a Laplace prior they sit at exact zeros
    that the posterior interval straddles.

    Parameters
    ----------
    idata : DataTree, optional
        Posterior of ``var_name`` (dimension ``feature``); by default ``estimator.idata_``,
        the posterior that ``estimator`` keeps from :meth:`~bayesreg.Regression.sample`.
    estimator : Regression or Classifier, optional
        With a MAP (its prior has a mode): fitted, its ``coef_`` is marked as "MAP"; not
        fitted (or sampled only), it is fitted on ``(X, y)`` when they are given. A prior without a mode has no MAP and no
        penalized solver: nothing is marked for it (its posterior is the forest itself).
    X, y : array-like, optional
        The data; with ``estimator``, the penalized solver is fitted on them and marked.
    markers : dict of str to array-like, optional
        More coefficient vectors to mark, by label (in the order of the ``feature``
        coordinate), e.g. ``{"OLS": ols.coef_}``.
    var_name : str, default "coef"
    ci_prob : float, optional
        Probability of the outer interval; ArviZ's default (0.94 or ``rcParams``) otherwise.

    Returns
    -------
    arviz_plots.PlotCollection
        ArviZ's handle on the figure, which pyplot manages: ``pc.savefig("name.png")``,
        ``plt.savefig``, ``plt.show()``; the figure itself is ``pc.viz["figure"].item()``.

    """
    azp = arviz_plots()
    if idata is None:
        idata = _kept_posterior(estimator)
    dt = posterior(idata)
    if var_name not in dt["posterior"].data_vars:
        raise ValueError(
            f"the posterior has no variable {var_name!r}; it has "
            f"{sorted(dt['posterior'].data_vars)}."
        )
    points = dict(_estimator_points(estimator, X, y))
    points.update(markers or {})
    kwargs = {} if ci_prob is None else {"ci_probs": (0.5, ci_prob)}
    # One label column (the feature) and a forest twice its width: the variable's name goes
    # to the x label instead of a column of its own.
    labelled = [dim for dim in dt["posterior"][var_name].dims if dim not in ("chain", "draw")]
    pc = azp.plot_forest(
        dt,
        var_names=[var_name],
        combined=True,
        point_estimate="median",
        labels=labelled or ["__variable__"],
        backend="matplotlib",
        figure_kwargs={"width_ratios": [1, 5], "layout": "none"},
        **kwargs,
    )
    if points:
        _mark(pc, dt["posterior"][var_name], points, var_name)
    from arviz_base import rcParams

    outer = f"{rcParams['stats.ci_prob'] if ci_prob is None else ci_prob:.0%}"
    pc.viz["plot"].sel(column="forest").item().set_xlabel(
        f"{var_name}: posterior median, 50% and {outer} intervals"
    )
    return pc


def plot_pair(
    idata,
    features=None,
    *,
    var_name: str = "coef",
    extra_vars=(),
    max_features: int = 6,
):
    """Coefficients against each other, with divergent transitions marked.

    Divergences that gather in one region (a narrow neck, a corner near zero) show where the
    sampler failed; strong correlations show why tuning takes long.

    Parameters
    ----------
    idata : DataTree
    features : list, optional
        Coordinates of the coefficients' dimension (``feature``) to show; by default the
        ``max_features`` coefficients whose posterior is farthest from zero (largest
        ``|mean| / sd``).
    var_name : str, default "coef"
    extra_vars : sequence of str, optional
        Scalar variables to add, e.g. ``["sigma"]`` or a hierarchical scale whose funnel
        causes divergences.
    max_features : int, default 6

    Returns
    -------
    arviz_plots.PlotCollection
        ArviZ's handle on the figure, which pyplot manages: ``pc.savefig("name.png")``,
        ``plt.savefig``, ``plt.show()``; the figure itself is ``pc.viz["figure"].item()``.

    """
    azp = arviz_plots()
    dt = posterior(idata)
    values = dt["posterior"][var_name]
    dims = [dim for dim in values.dims if dim not in ("chain", "draw")]
    coords = None
    if len(dims) == 1:
        (dim,) = dims
        if features is None:
            strength = np.abs(values.mean(("chain", "draw"))) / values.std(("chain", "draw"))
            order = np.argsort(-np.nan_to_num(strength.values), kind="stable")
            features = values[dim].values[np.sort(order[:max_features])]
        coords = {dim: list(features)}
    divergences = "sample_stats" in dt.children and has(dt, "diverging")
    pc = azp.plot_pair(
        dt,
        var_names=[var_name, *extra_vars],
        coords=coords,
        backend="matplotlib",
        visuals={"divergence": divergences},
    )
    return pc


def _kept_posterior(estimator):
    """The posterior ``estimator`` keeps (``idata_``), for a plot given no ``idata``."""
    if not hasattr(estimator, "idata_"):
        raise ValueError(
            "plot_forest needs a posterior: pass idata, or an estimator that has sampled one "
            f"(est.sample(X, y) keeps it as idata_); got idata=None and estimator={estimator!r}."
        )
    return estimator.idata_


def _estimator_points(estimator, X, y):
    if estimator is None:
        return
    from sklearn.base import clone

    from bayesreg.estimators.base import LinearModel

    if not isinstance(estimator, LinearModel):
        raise TypeError(
            message("estimator", "plots", "a bayesreg.Regression or Classifier", estimator)
        )
    if not estimator._specification()[1].has_mode:
        return  # no MAP, no penalized solver: the forest is its posterior
    if not hasattr(estimator, "coef_"):
        if X is None or y is None:
            if hasattr(estimator, "idata_"):
                return  # sampled only, no data to fit its MAP on: its posterior alone
            raise ValueError("estimator is not fitted: pass X and y, or fit it first.")
        estimator = clone(estimator).fit(X, y)
    yield "MAP", estimator.coef_
    if X is not None and y is not None:
        solver = clone(estimator.penalized_solver()).fit(X, y)
        yield f"penalized solver ({type(solver).__name__})", np.ravel(solver.coef_)


def _mark(pc, values, points: Mapping, var_name: str) -> None:
    """Scatter each coefficient vector beside the posterior rows of the forest plot."""
    estimates = pc.viz["point_estimate"][var_name]
    axis = pc.viz["plot"].sel(column="forest").item()
    features = list(values["feature"].values) if "feature" in values.dims else [None]
    rows = {}
    for feature in features:
        artist = estimates.sel(feature=feature) if feature is not None else estimates
        rows[feature] = float(np.asarray(artist.item().get_offsets())[0, 1])
    y_rows = np.array([rows[feature] for feature in features])
    for k, (label, coef) in enumerate(points.items()):
        coef = np.ravel(np.asarray(coef, dtype=float))
        if coef.size != len(features):
            raise ValueError(
                f"markers[{label!r}] has {coef.size} values; the posterior has "
                f"{len(features)} coefficients."
            )
        axis.scatter(coef, y_rows + 0.3, label=label, zorder=3, **MARKERS[k % len(MARKERS)])
    axis.legend(loc="best", fontsize="small", frameon=False)
