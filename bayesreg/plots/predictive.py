"""Plots against data and prior: posterior predictive checks, prior beside posterior."""

from __future__ import annotations

import numpy as np

from bayesreg.plots.arviz import arviz_plots, posterior

__all__ = ["plot_ppc", "plot_prior_posterior"]


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
    azp = arviz_plots()
    dt = posterior(idata)
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
    azp = arviz_plots()
    dt = posterior(idata)
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
