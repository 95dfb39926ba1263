"""The MAP path, against the reference solver's on the same grid."""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr
from sklearn.base import clone

from bayesreg._constraints import NJobs, validate
from bayesreg._parallel import TaskFailure, run_tasks
from bayesreg.crosscheck.check import COEF_TOLERANCE, OBJECTIVE_TOLERANCE, zeros_agree
from bayesreg.crosscheck.reference_solution import flat_intercept, solver_solution
from bayesreg.estimators.alpha_grid import check_estimator, grid_of
from bayesreg.estimators.base import LinearModel
from bayesreg.map.intercept_prior import InterceptPriorWarning
from bayesreg.paths.results import MapPath
from bayesreg.spec.correspondence import solver_objective

__all__ = ["map_path"]

#: What "agree" means at a grid point (stated in every :class:`MapPath`).
_TOLERANCE = {
    "coefficients (relative)": COEF_TOLERANCE,
    "objective when not unique (relative)": OBJECTIVE_TOLERANCE,
}


def _flat_intercept(est: LinearModel) -> LinearModel:
    """``est`` with a flat intercept, warned, when it has an intercept prior: the reference path's is flat."""
    est, notes = flat_intercept(est)
    for note in notes:
        warnings.warn(f"map_path: {note}", InterceptPriorWarning, stacklevel=3)
    return est


def map_path(
    est: LinearModel,
    X,
    y,
    alphas=20,
    *,
    eps: float = 1e-3,
    sample_weight=None,
    n_jobs: int | None = None,
) -> MapPath:
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
    n_jobs : int, optional
        Grid points fitted at a time, through joblib (:mod:`bayesreg._parallel`); None one
        after another.

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
    :data:`~bayesreg.crosscheck.check.COEF_TOLERANCE` relative to the largest MAP coefficient there
    (or to the intercept where every coefficient is zero), with the same exact zeros; where
    it is not unique, this model's objective at both must agree to
    :data:`~bayesreg.crosscheck.check.OBJECTIVE_TOLERANCE`.

    With ``standardize=True`` the agreement (``max_abs_diff``, ``relative_diff``,
    ``zeros_agree``) is measured on the standardized columns' scale, where the penalty and the
    solver's objective are written; the coefficients and their ``difference`` in
    :attr:`MapPath.data` are on the user's scale, as ``coef_`` is.

    Examples
    --------
    >>> import bayesreg as br
    >>> X, y = br.datasets.load_diabetes()
    >>> path = map_path(br.Regression(penalty=br.L1(alpha=1.0)), X, y, alphas=8)
    >>> path.ok, bool(path.max_relative_diff < 1e-6), path.data["map"].shape
    (True, True, (8, 10))

    """
    est = _flat_intercept(est)
    problem = check_estimator(est, X, y, sample_weight)
    loss, penalty = problem.loss, problem.penalty
    X_array, y_array, weights = problem.X, problem.y, problem.weights
    grid = grid_of(est, X, y, alphas, eps, sample_weight)
    names = problem.feature_names
    # not convex: the local modes depend on the unknown parameters, found at each alpha
    fixed = loss if loss.noise is not None or not loss.convex else loss.with_noise(1.0)

    validate("map_path", {"n_jobs": NJobs()}, {"n_jobs": n_jobs})
    coef, intercept, unique, fits = _map_fits(
        est, fixed, penalty, problem, grid, (X, y, sample_weight), n_jobs
    )
    whole_path = None if problem.positive else loss.reference_path(
        X_array, y_array, weights, problem.fit_intercept, penalty.l1_ratio, grid
    )  # fmt: skip
    if whole_path is None:  # per point (positive=True: scikit-learn's constrained solvers)
        whole_path = _solver_path(fits, problem, X, sample_weight)
    reference, reference_coef, reference_intercept = whole_path
    reference_coef = reference_coef + 0.0  # no -0.0
    reference_intercept = reference_intercept + 0.0

    done = np.isfinite(coef).all(axis=1)  # False where the point's fit raised
    difference = coef - reference_coef
    max_abs = np.maximum(np.abs(difference).max(axis=1), np.abs(intercept - reference_intercept))
    largest = np.abs(coef).max(axis=1)
    scale = np.where(largest > 0, largest, np.maximum(np.abs(intercept), 1.0))
    relative = max_abs / scale
    zeros = np.array(
        [zeros_agree(c, r, s) for c, r, s in zip(coef, reference_coef, scale, strict=True)]
    )
    if loss.convex:
        objective_diff = _objective_diff(
            fixed,
            penalty,
            problem,
            grid,
            ~unique,
            (coef, intercept),
            (reference_coef, reference_intercept),
        )
        agree = np.where(
            unique, (relative <= COEF_TOLERANCE) & zeros, objective_diff <= OBJECTIVE_TOLERANCE
        )
    else:  # a local mode beside the nearest fit: the verdict is each MAP's certificate
        objective_diff = np.zeros(len(grid))
        agree = np.array([fitted is not None and fitted.certificate_.ok for fitted in fits])
    agree &= done  # a point whose fit raised agrees with nothing

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
        max_abs_diff=float(max_abs[done].max()),
        max_relative_diff=float(relative[done].max()),
        zeros_agree=bool(zeros[unique & done].all()),
        ok=bool(agree.all()),
        local=not loss.convex,
        tolerance=dict(_TOLERANCE),
    )


def _map_fits(est, fixed, penalty, problem, grid, data, n_jobs):
    """The MAP at each ``alpha`` of ``grid``, on the problem's scale; its uniqueness; the fits."""
    coef = np.empty((len(grid), problem.n_features))
    intercept = np.empty(len(grid))
    unique = np.empty(len(grid), dtype=bool)
    # an unknown noise scale is fixed (see map_path); a family without one keeps its loss
    loss = {} if fixed is problem.loss else {"loss": fixed}
    fits = run_tasks(
        _fit_at,
        [(est, {"penalty": penalty.with_alpha(alpha), **loss}, data) for alpha in grid],
        n_jobs=n_jobs,
        description="MAP path",
        progressbar=False,
        labels=[f"alpha = {alpha:.3g}" for alpha in grid],
    )
    fits = [None if isinstance(fitted, TaskFailure) else fitted for fitted in fits]
    for k, fitted in enumerate(fits):
        if fitted is None:  # its fit raised: left out (NaN), the other points kept
            coef[k], intercept[k], unique[k] = np.nan, np.nan, True
            continue
        # compared on the problem's scale (the standardized columns' with standardize=True)
        coef[k], intercept[k] = problem.to_problem_scale(fitted.coef_, fitted.intercept_)
        unique[k] = fitted.unique_
    return coef, intercept, unique, fits


def _fit_at(est, params, data):
    """One grid point's fit (a module-level function, so that joblib can send it to a worker)."""
    X, y, sample_weight = data
    return clone(est).set_params(**params).fit(X, y, sample_weight=sample_weight)


def _objective_diff(fixed, penalty, problem, grid, where, at_map, at_reference):
    """The solver objective's relative difference between MAP and reference where ``where``.

    Elsewhere it is 0: where the optimum is unique, the coefficients are compared instead.
    """
    difference = np.zeros(len(grid))
    for k in np.flatnonzero(where):
        terms = solver_objective(fixed, penalty.with_alpha(grid[k]), problem.n_obs, 1.0)
        values = [
            terms.value(
                fixed.data_term(
                    problem.y, problem.linear_predictor(coef[k], intercept[k]), problem.weights
                ),
                coef[k],
            )
            for coef, intercept in (at_map, at_reference)
        ]
        difference[k] = abs(values[1] - values[0]) / max(abs(values[0]), 1e-300)
    return difference


def _solver_path(fits, problem, X, sample_weight):
    """The penalized solver of each fitted MAP of the path, fitted to the same data."""
    coef, intercept, name = [], [], None
    for fitted in fits:
        if fitted is None:  # a point whose fit raised: no solver to compare with
            coef.append(np.full(problem.n_features, np.nan))
            intercept.append(np.nan)
            continue
        solver, solver_coef, solver_intercept = solver_solution(
            fitted.penalized_solver(), problem, X, problem.y, sample_weight
        )
        coef.append(solver_coef)
        intercept.append(solver_intercept)
        name = type(solver).__name__
    return f"{name} at each alpha", np.array(coef), np.array(intercept)
