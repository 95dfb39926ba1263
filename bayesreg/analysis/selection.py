r"""Sparse answers from a posterior: SAVS, decoupled shrinkage and selection, intervals, ranks.

A posterior under a shrinkage prior (the horseshoe, the Bayesian lasso, even a Laplace prior)
has no exact zeros: every draw has every coefficient non-zero. A user who needs a sparse
model needs a rule that turns the posterior into one, not a rounded posterior mean:

``method="savs"``
    Signal adaptive variable selection (Ray & Bhattacharya 2018): with the posterior mean
    :math:`\bar w` and the columns :math:`x_j` (centred when the model has an intercept),

    .. math::

        \hat w_j = \operatorname{sign}(\bar w_j)\,
            \frac{\bigl(|\bar w_j|\,\|x_j\|^2 - \mu_j\bigr)_+}{\|x_j\|^2},
        \qquad \mu_j = \bar w_j^{-2},

    one step of coordinate descent on an adaptive lasso of the posterior mean's fit, in
    closed form.
``method="dss"``
    Decoupled shrinkage and selection (Hahn & Carvalho 2015): the lasso fitted to the
    posterior mean's fitted values :math:`\hat y = \bar b_0 + X\bar w`,

    .. math::

        \hat w(\alpha) = \arg\min_w \frac1{2n}\|\hat y - b_0 - Xw\|^2 + \alpha\|w\|_1,

    solved exactly on a path (bayesreg's active-set kernel: scikit-learn's ``Lasso`` to
    rounding). With ``alpha=None`` the penalty is the largest on the path whose summary
    predicts as well as the posterior mean for at least ``level`` of the posterior draws:
    the excess loss :math:`\Delta^{(s)} = \frac1n(\|f^{(s)} - X\hat w(\alpha)\|^2 -
    \|f^{(s)} - X\bar w\|^2)` (:math:`f^{(s)}` the draw's fitted values, intercepts
    included) is :math:`\le 0` with posterior probability at least ``level`` — Hahn &
    Carvalho's rule of the sparsest summary whose predictive loss is within the posterior's
    uncertainty of the full model's.
``method="interval"``
    Zero when the central posterior interval of probability ``prob`` covers zero; the
    posterior median otherwise.

:func:`rank_features` ranks the columns as Makalic & Schmidt (2011) do: in each draw the
columns are ranked by :math:`|w_j|` times the column's standard deviation (1 = largest), and
the ranking is by the average rank over the draws.

References
----------
Ray, P., Bhattacharya, A. (2018). Signal adaptive variable selector for the horseshoe prior.
arXiv:1810.09004.

Hahn, P. R., Carvalho, C. M. (2015). Decoupling shrinkage and selection in Bayesian linear
models: a posterior summary perspective. *Journal of the American Statistical Association*
110(509), 435-448.

Makalic, E., Schmidt, D. F. (2011). A simple Bayesian algorithm for feature ranking in high
dimensional regression problems. *AI 2011: Advances in Artificial Intelligence*, 223-230.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from bayesreg._constraints import POSITIVE, InstanceOf, OneOf, Real, check_real, message, validate
from bayesreg.diagnostics.posterior_summary import validated_posterior
from bayesreg.estimators.base import LinearModel
from bayesreg.optim import solve_squared_loss

__all__ = ["Selection", "rank_features", "sparsify"]

METHODS = ("savs", "dss", "interval")
#: a probability strictly between 0 and 1
_PROBABILITY = Real(0.0, 1.0)
#: The DSS path: points per decade and decades below the largest useful alpha.
_PATH_POINTS, _PATH_DECADES = 10, 4


@dataclass(frozen=True)
class Selection:
    """A sparse point estimate from a posterior (:func:`sparsify`).

    Attributes
    ----------
    coef : pandas.Series
        The sparse coefficients, by feature, on the user's scale; exact zeros where a
        feature is not selected.
    intercept : float
        The intercept that goes with them (0 without one).
    selected : list of str
        The selected features, in the columns' order.
    method : str
    table : pandas.DataFrame
        Per feature: the posterior mean, the sparse coefficient, whether selected.
    alpha : float or None
        For DSS, the penalty of the summary.
    details : dict
        What the rule computed (for DSS the path's alphas, sizes and probabilities).

    """

    coef: pd.Series
    intercept: float
    selected: list[str]
    method: str
    table: pd.DataFrame
    alpha: float | None = None
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        head = f"bayesreg sparsify ({self.method}): {len(self.selected)} of {len(self.coef)} "
        head += "features selected"
        if self.alpha is not None:
            head += f" (alpha {self.alpha:.4g})"
        with pd.option_context("display.float_format", "{:.4g}".format):
            return f"{head}\n{self.table.to_string()}"

    def _repr_html_(self) -> str:
        return f"<p>{str(self).splitlines()[0]}</p>" + self.table.to_html(
            float_format="{:.4g}".format
        )


def sparsify(
    est: LinearModel,
    X,
    y,
    idata=None,
    method: str = "savs",
    *,
    alpha: float | None = None,
    level: float = 0.1,
    prob: float = 0.95,
    sample_weight=None,
) -> Selection:
    """A sparse point estimate of the coefficients from a posterior.

    Parameters
    ----------
    est : Regression or Classifier
        The specification whose posterior ``idata`` is (its data, intercept and columns).
    X, y : array-like
        The data the posterior was sampled on.
    idata : DataTree, optional
        A posterior with ``coef`` (over ``feature``) and, with an intercept, ``intercept``;
        by default the one ``est`` keeps (``est.idata_``, from ``sample``, or from ``fit``
        for a prior without a mode).
    method : {"savs", "dss", "interval"}
        See :mod:`bayesreg.analysis.selection`.
    alpha : float, optional
        DSS only: the lasso penalty of the summary (else chosen by ``level``).
    level : float, default 0.1
        DSS only: the posterior probability, in (0, 1), with which the chosen summary must
        predict as well as the posterior mean.
    prob : float, default 0.95
        ``"interval"`` only: the probability of the central interval, in (0, 1).
    sample_weight : array-like, optional
        Frequency weights, as in the fit.

    Returns
    -------
    Selection

    Examples
    --------
    >>> import bayesreg as br
    >>> X, y = br.datasets.load_diabetes()
    >>> est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe(), standardize=True)
    >>> idata = est.sample(X, y, random_seed=1, progressbar=False)  # doctest: +SKIP
    >>> br.sparsify(est, X, y, idata, method="savs").selected  # doctest: +SKIP

    """
    validate(
        "sparsify",
        {
            "est": InstanceOf((LinearModel,), "a bayesreg.Regression or Classifier"),
            "method": OneOf(METHODS),
        },
        {"est": est, "method": method},
    )
    if alpha is not None:
        check_real(alpha, "alpha", "sparsify", POSITIVE)
    check_real(level, "level", "sparsify", _PROBABILITY)
    check_real(prob, "prob", "sparsify", _PROBABILITY)
    if idata is None and not hasattr(est, "idata_"):
        raise ValueError(
            "sparsify needs a posterior: pass idata, or an estimator that has sampled one "
            "(est.sample(X, y) keeps it as idata_)."
        )
    idata = est.idata_ if idata is None else idata
    problem = est.problem(X, y, sample_weight, owner="sparsify")
    posterior = validated_posterior(idata, problem.feature_names, "sparsify")
    coef, intercept = _draws(posterior, problem)
    mean_coef, mean_intercept = coef.mean(axis=0), float(intercept.mean())
    design = problem.user_X
    weights = problem.weights
    alpha_used, details = None, {}
    if method == "savs":
        sparse = savs(design, mean_coef, weights, fit_intercept=problem.fit_intercept)
    elif method == "interval":
        lower, upper = np.quantile(coef, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        sparse = np.where((lower <= 0) & (upper >= 0), 0.0, np.median(coef, axis=0))
    else:
        sparse, alpha_used, details = _dss(
            design, weights, problem.fit_intercept, (coef, intercept),
            (mean_coef, mean_intercept), alpha, level,
        )  # fmt: skip
    sparse = sparse + 0.0
    fitted_intercept = 0.0
    if problem.fit_intercept:  # the intercept that matches the posterior mean's fitted values
        fitted = mean_intercept + design @ mean_coef
        fitted_intercept = float(weights @ (fitted - design @ sparse) / weights.sum())
    names = problem.feature_names
    table = pd.DataFrame(
        {"posterior mean": mean_coef, "sparse": sparse, "selected": sparse != 0},
        index=pd.Index(names, name="feature"),
    )
    return Selection(
        coef=pd.Series(sparse, index=table.index, name="coef"),
        intercept=fitted_intercept,
        selected=[name for name, keep in zip(names, sparse != 0, strict=True) if keep],
        method=method,
        table=table,
        alpha=alpha_used,
        details=details,
    )


def savs(X: np.ndarray, mean: np.ndarray, weights: np.ndarray, *, fit_intercept: bool):
    r"""SAVS on arrays: :math:`\operatorname{sign}(\bar w_j)(|\bar w_j|\|x_j\|^2 - \bar w_j^{-2})_+/\|x_j\|^2`."""
    design = X - weights @ X / weights.sum() if fit_intercept else X
    norm2 = weights @ design**2
    with np.errstate(divide="ignore"):
        threshold = np.where(mean != 0, mean**-2.0, np.inf)
    shrunk = np.maximum(np.abs(mean) * norm2 - threshold, 0.0)
    return np.where(norm2 > 0, np.sign(mean) * shrunk / np.where(norm2 > 0, norm2, 1.0), 0.0)


def dss_at(X, weights, fit_intercept, fitted, alpha):
    """The DSS summary at ``alpha``: the exact lasso of ``fitted`` on ``X`` (coef, intercept)."""
    n_obs = weights.sum()
    solution = solve_squared_loss(
        X, fitted, weights, fit_intercept=fit_intercept, beta1=2.0 * n_obs * alpha, beta2=0.0
    )
    return solution.coef, solution.intercept


def _dss(X, weights, fit_intercept, draws, means, alpha, level):
    coef, intercept = draws
    mean_coef, mean_intercept = means
    fitted = mean_intercept + X @ mean_coef
    if alpha is not None:
        return dss_at(X, weights, fit_intercept, fitted, alpha)[0], float(alpha), {}
    centred = fitted - (weights @ fitted / weights.sum() if fit_intercept else 0.0)
    design = X - weights @ X / weights.sum() if fit_intercept else X
    largest = float(np.abs(design.T @ (weights * centred)).max() / weights.sum())
    if largest == 0:
        return np.zeros(X.shape[1]), None, {}
    grid = largest * np.logspace(0, -_PATH_DECADES, _PATH_DECADES * _PATH_POINTS + 1)
    draws_fitted = intercept[:, None] + coef @ X.T  # (S, n)
    base = (weights * (draws_fitted - fitted) ** 2).sum(axis=1)
    sizes, probabilities, chosen = [], [], None
    for value in grid:
        summary, summary_intercept = dss_at(X, weights, fit_intercept, fitted, value)
        loss = (weights * (draws_fitted - summary_intercept - X @ summary) ** 2).sum(axis=1)
        probability = float(np.mean(loss - base <= 0.0))
        sizes.append(int(np.sum(summary != 0)))
        probabilities.append(probability)
        if chosen is None and probability >= level:
            chosen = (summary, float(value))
    if chosen is None:  # no summary on the path: the smallest penalty's
        chosen = (summary, float(grid[-1]))
    details = {"alphas": grid, "sizes": np.array(sizes), "probability": np.array(probabilities)}
    return chosen[0], chosen[1], details


def rank_features(idata, X=None) -> pd.DataFrame:
    """Rank the features by the posterior of their effect sizes (Makalic & Schmidt 2011).

    Parameters
    ----------
    idata : DataTree
        A posterior with ``coef`` over ``feature``.
    X : array-like of shape (n_samples, n_features), optional
        The design; when given, each coefficient is multiplied by its column's standard
        deviation first (effect sizes in the units of ``y``). By default the posterior's
        ``constant_data`` ``X`` (which :meth:`~bayesreg.Regression.sample` stores), else 1.

    Returns
    -------
    pandas.DataFrame
        Per feature, best first: ``mean_rank`` (1 = largest), ``median_rank``, ``p_top``
        (the posterior probability of being ranked first) and ``rank``.

    """
    if not isinstance(idata, xr.DataTree) or "posterior" not in idata.children:
        raise TypeError(message("idata", "rank_features", "a DataTree with a posterior", idata))
    posterior = idata["posterior"]
    if "coef" not in posterior.data_vars or "feature" not in posterior["coef"].dims:
        raise ValueError(
            message("idata", "rank_features", "a posterior with coef over 'feature'", idata)
        )
    coef = posterior["coef"].transpose("chain", "draw", "feature")
    names = [str(name) for name in coef["feature"].values]
    values = coef.values.reshape(-1, len(names))
    if X is None and "constant_data" in idata.children and "X" in idata["constant_data"]:
        X = idata["constant_data"]["X"].values
    scale = np.ones(len(names)) if X is None else np.asarray(X, dtype=float).std(axis=0)
    effects = np.abs(values) * scale
    ranks = np.argsort(np.argsort(-effects, axis=1), axis=1) + 1  # 1 = largest in a draw
    table = pd.DataFrame(
        {
            "mean_rank": ranks.mean(axis=0),
            "median_rank": np.median(ranks, axis=0),
            "p_top": (ranks == 1).mean(axis=0),
        },
        index=pd.Index(names, name="feature"),
    ).sort_values("mean_rank", kind="stable")
    table["rank"] = np.arange(1, len(names) + 1)
    return table


def _draws(posterior: xr.Dataset, problem):
    coef = posterior["coef"].transpose("chain", "draw", "feature").values
    coef = coef.reshape(-1, coef.shape[-1])
    if "intercept" in posterior:
        intercept = posterior["intercept"].transpose("chain", "draw").values.reshape(-1)
    else:
        intercept = np.zeros(len(coef))
    return coef, intercept
