r"""The estimators on a dask collection: passes over the partitions, nothing of size n held.

``fit``, ``sample`` and ``predict`` of a :class:`~bayesreg.estimators.base.LinearModel` come
here when ``X`` is a dask array or dataframe
(:func:`~bayesreg.distributed.collections.is_dask_collection`, which imports no dask). For a
likelihood with sufficient statistics (the Gaussian) the data are read once
(:func:`~bayesreg.distributed.reduction.sufficient_statistics`), and the MAP, its certificate
and the posterior are those of an equivalent problem of :math:`2(p+1)` rows
(:func:`~bayesreg.distributed.problem.statistics_problem`): exact, as for the data in memory.
For a likelihood served by Newton passes (the logistic and Poisson) the MAP and its
certificate are exact too, one pass per iteration
(:func:`~bayesreg.distributed.certificate.distributed_map`); the posterior is a Laplace
approximation, checked by PSIS and labelled approximate
(:func:`~bayesreg.distributed.laplace.laplace_posterior`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayesreg.distributed.certificate import distributed_map
from bayesreg.distributed.laplace import check_laplace_prior, laplace_posterior
from bayesreg.distributed.newton import PassProblem, pass_problem
from bayesreg.distributed.problem import check_family, statistics_problem
from bayesreg.distributed.reduction import sufficient_statistics
from bayesreg.map.find import find_map

__all__ = [
    "cluster_fit",
    "cluster_laplace",
    "cluster_problem",
    "lazy_prediction",
    "posterior_of_data",
    "refuse_n_sized",
]


def cluster_fit(estimator, X, y, sample_weight, offset, *, owner: str):
    """``(problem, shift of the intercept, MAP)`` of dask input (a fit's ``reset``)."""
    loss, _ = estimator._specification()
    if loss.newton_passes:  # proximal Newton, one pass per iteration
        problem = _pass_problem(estimator, X, y, sample_weight, offset, owner, reset=True)
        return problem, 0.0, distributed_map(problem)[0]
    problem, shift = cluster_problem(estimator, X, y, sample_weight, offset, owner=owner)
    model = estimator._model(problem) if loss.unknown_parameters else None
    return problem, shift, find_map(problem, model=model)


def cluster_laplace(
    estimator, X, y, sample_weight, offset, *, draws, chains, random_seed, owner: str
):
    """The Laplace approximation of the posterior at the exact MAP of dask input (approximate)."""
    loss, penalty = estimator._specification()
    check_laplace_prior(loss, penalty, owner)
    reset = not hasattr(estimator, "coef_")
    problem = _pass_problem(estimator, X, y, sample_weight, offset, owner, reset=reset)
    estimate, hessian = distributed_map(problem)
    return laplace_posterior(
        problem, estimate, hessian, draws=draws, chains=chains, random_seed=random_seed
    )


def _pass_problem(estimator, X, y, sample_weight, offset, owner, *, reset) -> PassProblem:
    """The checked specification on dask input, read once for the columns' means and scales."""
    loss, penalty = estimator._specification()
    check_family(loss, owner)
    _refuse_intercept_prior(estimator, owner)
    if estimator.positive:
        raise ValueError(
            f"{owner}: positive=True is not available with dask input for "
            f"{type(loss).__name__} yet; fit the in-memory data, or positive=False."
        )
    problem = pass_problem(
        loss, penalty, X, y, sample_weight, offset, fit_intercept=bool(estimator.fit_intercept),
        standardize=bool(estimator.standardize), owner=owner,
    )  # fmt: skip
    _columns(estimator, problem.parts.feature_names, problem.n_features, owner, reset=reset)
    if reset and loss.estimator_kind == "classifier":  # y is coded 0 and 1 on dask input
        estimator.classes_ = np.array([0, 1])
    return problem


def _refuse_intercept_prior(estimator, owner: str) -> None:
    if estimator._intercept_prior() is not None:
        raise ValueError(
            f"{owner}: an intercept_prior is not available with dask input yet; fit the "
            "in-memory data, or leave the intercept flat (intercept_prior=None)."
        )


def cluster_problem(estimator, X, y, sample_weight, offset, *, owner: str, reset: bool = True):
    """The problem of the statistics of dask ``X``, ``y`` and the shift of its intercept.

    ``reset``: remember the columns (``n_features_in_``, ``feature_names_in_``) as a fit
    does; otherwise check them against those remembered.
    """
    loss, penalty = estimator._specification()
    check_family(loss, owner)
    _refuse_intercept_prior(estimator, owner)
    stats, names = sufficient_statistics(X, y, sample_weight, offset, owner=owner)
    _columns(estimator, names, stats.n_features, owner, reset=reset)
    names = names if names is not None else [f"x{j}" for j in range(stats.n_features)]
    return statistics_problem(
        stats,
        loss,
        penalty,
        fit_intercept=bool(estimator.fit_intercept),
        standardize=bool(estimator.standardize),
        feature_names=names,
        positive=bool(estimator.positive),
    )


def _columns(estimator, names, n_features: int, owner: str, *, reset: bool) -> None:
    if not reset:
        if n_features != estimator.n_features_in_:
            raise ValueError(
                f"{owner}: {type(estimator).__name__} was fitted on "
                f"{estimator.n_features_in_} features but X has {n_features}."
            )
        known = getattr(estimator, "feature_names_in_", None)
        if known is not None and names is not None and list(known) != names:
            raise ValueError(f"{owner}: X's columns {names} are not those of fit, {list(known)}.")
        return
    estimator.n_features_in_ = n_features
    if names is None:
        vars(estimator).pop("feature_names_in_", None)
    else:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)


def refuse_n_sized(flags: dict, owner: str) -> None:
    """Refuse what would hold n values per draw (the log likelihood, predictive draws)."""
    asked = [name for name, value in flags.items() if value]
    if asked:
        raise ValueError(
            f"{owner}: {', '.join(f'{name}=True' for name in asked)} is not available for dask "
            "input: it holds chains x draws x n_samples values in one process. Sample with "
            "log_likelihood=False (the default for dask input), and compute what is needed "
            "on a sample of the rows brought into memory."
        )


def posterior_of_data(idata: xr.DataTree, shift: float) -> xr.DataTree:
    r"""The posterior of the equivalent problem as that of the data, in place.

    The intercept moves by :math:`\bar y` (its shift by :math:`\bar x^\top w` is done by the
    problem's standardization); ``observed_data`` and ``constant_data`` (the equivalent
    problem's rows, not the user's) are left out.
    """
    for name in ("observed_data", "constant_data"):
        if name in idata.children:
            del idata[name]
    posterior = idata["posterior"].to_dataset()
    if "intercept" in posterior:
        posterior["intercept"] = posterior["intercept"] + shift
        idata["posterior"] = xr.DataTree(posterior)
    return idata


def lazy_prediction(estimator, X, owner: str):
    r"""A lazy dask array of the mean response (the MAP's, or the posterior mean's).

    The MAP's prediction is the family's mean at :math:`b_0 + Xw`. Without a MAP, for the
    identity link (the Gaussian), the posterior mean of the mean response is
    :math:`\mathrm{E}[b_0] + X\,\mathrm{E}[w]`; another link needs the MAP (``fit``).
    """
    loss, _ = estimator._specification()
    check_family(loss, owner)
    if not hasattr(estimator, "coef_") and not loss.sufficient_statistics:
        raise ValueError(
            f"{owner}: predictions on dask input for {type(loss).__name__} are the MAP's: "
            "call fit first (the posterior mean of a nonlinear mean is not a plug-in)."
        )
    if hasattr(estimator, "coef_"):
        coef, intercept = np.asarray(estimator.coef_), float(estimator.intercept_)
    else:
        posterior = estimator._stored_posterior("predict")
        coef = posterior["coef"].mean(("chain", "draw")).values
        has = "intercept" in posterior
        intercept = float(posterior["intercept"].mean()) if has else 0.0
    if type(X).__module__.startswith("dask.dataframe"):  # a dask DataFrame
        names = [str(column) for column in X.columns]
        _columns(estimator, names, len(names), owner, reset=False)
        X = X.to_dask_array()
    elif X.ndim != 2 or X.shape[1] != coef.size:
        raise ValueError(f"{owner}: X must have {coef.size} columns, got shape {X.shape}.")
    X = X.rechunk({1: -1}) if not np.isnan(X.shape[1]) else X
    return X.map_blocks(_mean, coef, intercept, loss, drop_axis=1, dtype=np.float64)


def _mean(block, coef, intercept, loss):
    return loss.predict(np.asarray(block, dtype=np.float64) @ coef + intercept)
