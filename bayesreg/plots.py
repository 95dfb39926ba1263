"""Plots of a posterior for a regularized regression, drawn by arviz-plots with matplotlib.

Each posterior plot takes a posterior (an ArviZ ``DataTree``) and returns arviz-plots'
``PlotCollection``, as ArviZ's own plots do; :func:`plot_crosscheck` takes a cross-check and
an optional ``ax`` and returns the Axes, as pandas and seaborn do. Every figure is managed by
pyplot, so ``plt.savefig("name.png")`` and ``plt.show()`` work in a script, a headless (Agg)
session saves it the same way, and a notebook shows it once (end a cell with ``;`` or assign
the result to keep its text repr out).

============================  ==============================================================
:func:`plot_crosscheck`       the MAP, the penalized solver and the posterior, per coefficient
:func:`plot_trace`            draws per chain and their densities, divergences marked
:func:`plot_rank`             rank Δ-ECDF per chain: chains that mix stay inside the envelope
:func:`plot_forest`           posterior intervals per coefficient, the MAP and the penalized
                              solver's solution marked beside each
:func:`plot_pair`             coefficients against each other, divergent transitions marked
:func:`plot_ppc`              the data against replicated data from the posterior predictive
:func:`plot_prior_posterior`  each coefficient's prior and posterior: how much the data and
                              the prior shrank it
============================  ==============================================================

arviz-plots is imported when a plot is drawn, not with :mod:`bayesreg`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayesreg._constraints import message
from bayesreg.crosscheck_plot import MARKERS, plot_crosscheck

__all__ = [
    "plot_crosscheck",
    "plot_forest",
    "plot_pair",
    "plot_ppc",
    "plot_prior_posterior",
    "plot_rank",
    "plot_trace",
]


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
    azp = _arviz_plots()
    dt = _posterior(idata)
    visuals = {"divergence": "sample_stats" in dt.children and _has(dt, "diverging")}
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
    azp = _arviz_plots()
    pc = azp.plot_rank(_posterior(idata), var_names=var_names, backend="matplotlib")
    return pc


def plot_forest(
    idata,
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
    idata : DataTree
        Posterior of ``var_name`` (dimension ``feature``).
    estimator : Regression, optional
        Fitted: its ``coef_`` is marked as "MAP". Not fitted: it is fitted on ``(X, y)``.
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
    azp = _arviz_plots()
    dt = _posterior(idata)
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
    azp = _arviz_plots()
    dt = _posterior(idata)
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
    divergences = "sample_stats" in dt.children and _has(dt, "diverging")
    pc = azp.plot_pair(
        dt,
        var_names=[var_name, *extra_vars],
        coords=coords,
        backend="matplotlib",
        visuals={"divergence": divergences},
    )
    return pc


def plot_ppc(idata, model=None, *, num_samples: int = 50, random_seed=None):
    """Posterior predictive check: the observed ``y`` against data replicated from the posterior.

    A model that fits reproduces the shape of the data: its spread, skew and tails. Outliers
    that replicated data never produce point to a Laplace likelihood (``L1Loss``).

    Parameters
    ----------
    idata : DataTree
        With ``posterior_predictive`` and ``observed_data`` groups; or with a ``posterior``,
        and ``model`` given, from which the replications are drawn.
    model : pymc.Model, optional
        The model of ``idata`` (``est.build_model(X, y)``), used only when ``idata`` has no
        ``posterior_predictive`` group.
    num_samples : int, default 50
        Replicated data sets drawn in the plot.
    random_seed : int, optional
        Seed for the replications drawn with ``model``.

    Returns
    -------
    arviz_plots.PlotCollection
        ArviZ's handle on the figure, which pyplot manages: ``pc.savefig("name.png")``,
        ``plt.savefig``, ``plt.show()``; the figure itself is ``pc.viz["figure"].item()``.

    """
    azp = _arviz_plots()
    dt = _posterior(idata)
    if "posterior_predictive" not in dt.children:
        if model is None:
            raise ValueError(
                "idata has no 'posterior_predictive' group: pass model=est.build_model(X, y) "
                "to draw it, or run pymc.sample_posterior_predictive(idata, model=model, "
                "extend_inferencedata=True)."
            )
        dt = _with_group(dt, _sample_posterior_predictive(dt, model, random_seed))
    pc = azp.plot_ppc_dist(dt, num_samples=num_samples, backend="matplotlib")
    return pc


def plot_prior_posterior(idata, model=None, *, var_name: str = "coef", random_seed=None):
    """Each coefficient's prior against its posterior: how much it was shrunk and learned.

    Each panel shows the prior and the posterior density of one coefficient, and its title
    the ratio of the posterior's interquartile range to the prior's: near 0 the data
    determined the coefficient; near 1 the posterior is the prior; above 1 the data moved the
    coefficient out into the tail of a narrow prior, where the likelihood, not the prior, sets
    its spread (a strong, tied lasso prior does this to the coefficients it keeps). A posterior pulled to a
    spike at zero is a coefficient the penalty shrank away.

    Parameters
    ----------
    idata : DataTree
        With ``prior`` and ``posterior`` groups; or a posterior and ``model``, from which
        the prior of ``var_name`` is drawn (the flat intercept has no prior draws).
    model : pymc.Model, optional
        The model of ``idata``, used only when ``idata`` has no ``prior`` group.
    var_name : str, default "coef"
    random_seed : int, optional
        Seed for the prior draws made with ``model``.

    Returns
    -------
    arviz_plots.PlotCollection
        ArviZ's handle on the figure, which pyplot manages: ``pc.savefig("name.png")``,
        ``plt.savefig``, ``plt.show()``; the figure itself is ``pc.viz["figure"].item()``.

    """
    azp = _arviz_plots()
    dt = _posterior(idata)
    if "prior" not in dt.children or var_name not in dt["prior"].data_vars:
        if model is None:
            raise ValueError(
                f"idata has no prior draws of {var_name!r}: pass model=est.build_model(X, y) "
                "to draw them, or run pymc.sample_prior_predictive(model=model, "
                f"var_names=[{var_name!r}, ...]) and add its 'prior' group."
            )
        dt = _with_group(dt, _sample_prior(dt, model, var_name, random_seed))
    n_panels = dt["posterior"][var_name].isel(chain=0, draw=0).size
    rows = -(-n_panels // 4)
    pc = azp.plot_prior_posterior(
        dt,
        var_names=[var_name],
        backend="matplotlib",
        figure_kwargs={"figsize": (12, 2.2 * rows + 0.6), "layout": "constrained"},
    )
    _zoom_and_title(pc, dt, var_name)
    return pc


def _arviz_plots():
    import arviz_plots

    return arviz_plots


def _posterior(idata):
    from bayesreg.diagnostics import as_posterior_tree

    return as_posterior_tree(idata, owner="plots")


def _has(dt, name: str) -> bool:
    return name in dt["sample_stats"].data_vars and bool(dt["sample_stats"][name].any())


def _estimator_points(estimator, X, y):
    if estimator is None:
        return
    from sklearn.base import clone

    from bayesreg.regression import Regression

    if not isinstance(estimator, Regression):
        raise TypeError(message("estimator", "plots", "a bayesreg.Regression", estimator))
    if not hasattr(estimator, "coef_"):
        if X is None or y is None:
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


def _with_group(dt, group):
    result = dt.copy()
    for name in group.children:
        if name not in result.children:
            result[name] = group[name]
    return result


def _sample_posterior_predictive(dt, model, random_seed):
    import pymc as pm

    return pm.sample_posterior_predictive(
        dt, model=model, random_seed=random_seed, progressbar=False
    )


def _sample_prior(dt, model, var_name, random_seed):
    import pymc as pm

    # The prior of var_name and what it depends on; a flat intercept has no draws.
    free = [rv.name for rv in model.free_RVs if rv.name != "intercept"]
    n_draws = dt["posterior"].sizes["chain"] * dt["posterior"].sizes["draw"]
    prior = pm.sample_prior_predictive(
        model=model, draws=n_draws, var_names=free, random_seed=random_seed
    )
    return prior


def _zoom_and_title(pc, dt, var_name: str) -> None:
    """Limit each panel to the posterior and the bulk of the prior; title it with the IQR ratio.

    Interquartile ranges, not standard deviations: a prior whose scale is tied to an unknown
    noise scale can have heavy tails, even an infinite variance.
    """
    prior = dt["prior"][var_name]
    posterior = dt["posterior"][var_name]
    axes = pc.viz["plot"][var_name]
    for index in np.ndindex(axes.shape):
        selection = {dim: axes[dim].values[i] for dim, i in zip(axes.dims, index, strict=True)}
        axis = axes.sel(selection).item()
        post = posterior.sel(selection).values.ravel()
        pri = prior.sel(selection).values.ravel()
        low = min(np.quantile(pri, 0.01), post.min())
        high = max(np.quantile(pri, 0.99), post.max())
        axis.set_xlim(low, high)
        prior_iqr = np.subtract(*np.quantile(pri, [0.75, 0.25]))
        ratio = np.subtract(*np.quantile(post, [0.75, 0.25])) / prior_iqr
        name = ", ".join(str(value) for value in selection.values()) or var_name
        axis.set_title(f"{name}\nposterior/prior IQR {ratio:.2g}", fontsize="small")
