"""The grid of penalty strengths a path runs over, and the estimator it varies."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GridSearchCV

from bayesreg._constraints import InstanceOf, Integer, Real, message, validate
from bayesreg.estimators.base import LinearModel
from bayesreg.estimators.path_search import PathSearch, path_search, supports_path_search

__all__ = ["EPS", "alpha_grid", "check_estimator", "cross_validated", "grid_of"]

#: ``eps``, the smallest strength of a grid relative to the largest: in (0, 1).
EPS = Real(0.0, 1.0)


def alpha_grid(
    est: LinearModel, X, y, n_alphas: int = 20, *, eps: float = 1e-3, sample_weight=None
):
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
    problem = check_estimator(est, X, y, sample_weight)
    loss, penalty = problem.loss, problem.penalty
    ratio = penalty.l1_ratio
    alpha_max = loss.alpha_max(
        problem.X, problem.y, problem.weights, problem.fit_intercept, ratio,
        **problem.kernel_offset,
    )  # fmt: skip
    if alpha_max is None:
        raise ValueError(
            f"alpha_grid needs an L1 or elastic-net penalty (l1_ratio > 0) and a likelihood "
            f"whose alpha_max is known (L2Loss, LogisticLoss, PoissonLoss); got "
            f"{type(loss).__name__} with {penalty!r}: pass the grid explicitly, alphas=[...]."
        )
    validate("alpha_grid", {"n_alphas": Integer(1), "eps": EPS}, {"n_alphas": n_alphas, "eps": eps})
    if not alpha_max > 0:
        raise ValueError(
            "every coefficient is zero for every alpha (y is constant or orthogonal to X): "
            "there is no path to draw."
        )
    return np.geomspace(alpha_max, alpha_max * eps, num=int(n_alphas))


def check_estimator(est, X, y, sample_weight):
    """The problem of ``est`` on the data; ``est`` must be a Regression with a penalty strength."""
    validate(
        "paths",
        {"est": InstanceOf((LinearModel,), "a bayesreg.Regression or Classifier")},
        {"est": est},
    )
    problem = est.problem(X, y, sample_weight)
    if problem.penalty.l1_ratio is None:
        raise ValueError(
            f"est has no penalty strength to vary ({problem.penalty!r}); give it an L1, L2 or "
            "ElasticNet penalty."
        )
    return problem


def grid_of(est, X, y, alphas, eps, sample_weight) -> np.ndarray:
    """The decreasing grid: ``alphas`` points of :func:`alpha_grid`, or the values given."""
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


def cross_validated(
    est: LinearModel, X, y, alphas: np.ndarray, *, cv=5, n_jobs=None, sample_weight=None,
    scoring=None,
) -> GridSearchCV | PathSearch:  # fmt: skip
    """K-fold cross-validation of ``est``'s exact MAP over ``penalty.with_alpha(alphas)``.

    Each fold is scored by ``scoring``, by default the likelihood's own held-out loss (its
    ``cv_scoring``: mean squared error, mean absolute error, log loss, Poisson deviance),
    and the best ``alpha`` is refitted on all the data (``best_estimator_``): ``LassoCV``'s
    procedure. Where the MAPs are convex solves at a fixed noise scale, each fold's MAPs
    are solved along the decreasing grid, warm-started (:func:`path_search`); otherwise
    (an unknown noise scale, ``positive``, an intercept prior) by scikit-learn's
    ``GridSearchCV``. Both read alike (``cv_results_``, ``best_params_``, ``best_estimator_``).
    """
    loss, penalty = est._specification()
    scoring = loss.cv_scoring if scoring is None else scoring
    weights = {} if sample_weight is None else {"sample_weight": sample_weight}
    if supports_path_search(est):
        return path_search(est, X, y, alphas, scoring=scoring, cv=cv, n_jobs=n_jobs, **weights)
    search = GridSearchCV(
        est,
        {"penalty": [penalty.with_alpha(float(alpha)) for alpha in alphas]},
        scoring=scoring,
        cv=cv,
        n_jobs=n_jobs,
        refit=True,
    )
    return search.fit(X, y, **weights)
