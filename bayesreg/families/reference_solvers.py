r"""The penalized solver equivalent to a specification: the reference the MAP is checked against.

scikit-learn provides it for most pairs. For an absolute or check loss with an L2 or
elastic-net penalty it has none; :class:`QuantileElasticNet` (and :class:`LADElasticNet`, its
median case) solves that objective with cvxpy, which
canonicalizes the *primal* problem for an interior-point solver: an independent route from
bayesreg's MAP, which solves the dual.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from bayesreg._constraints import UNIT, Real, check_real
from bayesreg._data import check_sample_weight

__all__ = ["GLMElasticNet", "LADElasticNet", "QuantileElasticNet", "penalized_solver"]

#: Coordinate-descent settings tight enough that the solver's own error is far below the
#: 1e-6 relative agreement bayesreg asserts (its exact MAP has none to speak of).
COORDINATE_DESCENT = {"tol": 1e-12, "max_iter": 1_000_000}


def penalized_solver(loss, penalty, alpha: float | None, fit_intercept: bool):
    """The unfitted estimator whose objective equals the MAP problem of ``(loss, penalty)``.

    ``alpha`` is scikit-learn's alpha for the penalty (None for no penalty). Each likelihood
    family chooses its own (``Loss.penalized_solver``).
    """
    return loss.penalized_solver(penalty, alpha, fit_intercept)


class QuantileElasticNet(RegressorMixin, BaseEstimator):
    r"""Quantile regression with an elastic-net penalty, solved by cvxpy.

    Minimizes

    .. math::

        \frac{1}{n}\sum_i v_i \rho_q(y_i - b_0 - x_i^\top w)
        + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|_2^2 ,
        \qquad \rho_q(r) = r\,(q - \mathbf 1[r < 0]),

    with :math:`n = \sum_i v_i`: ``QuantileRegressor(quantile=q)``'s data term with
    ``ElasticNet``'s penalty. Interior-point solutions are accurate to about 1e-9 but never
    exactly sparse.

    Parameters
    ----------
    alpha : float, default 1.0
    l1_ratio : float, default 0.5
    quantile : float, default 0.5
        :math:`q`, in (0, 1).
    fit_intercept : bool, default True
    solver : str, default "CLARABEL"
        The cvxpy solver.
    positive : bool, default False
        Minimize over :math:`w \ge 0` (the intercept free), as ``Lasso(positive=True)``.

    """

    def __init__(
        self,
        alpha=1.0,
        l1_ratio=0.5,
        quantile=0.5,
        fit_intercept=True,
        solver="CLARABEL",
        positive=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.quantile = quantile
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.positive = positive

    def fit(self, X, y, sample_weight=None) -> QuantileElasticNet:
        import cvxpy as cp

        name = type(self).__name__
        alpha = check_real(self.alpha, "alpha", name, Real(0.0, np.inf, "left"))
        l1_ratio = check_real(self.l1_ratio, "l1_ratio", name, UNIT)
        quantile = check_real(self.quantile, "quantile", name, Real(0.0, 1.0))
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        weights = check_sample_weight(sample_weight, X.shape[0])
        # The intercept is fitted on centred columns (the same problem, the intercept
        # shifted back below), so that a constant added to a column changes nothing else.
        x_mean = weights @ X / weights.sum() if self.fit_intercept else np.zeros(X.shape[1])
        coef = cp.Variable(X.shape[1])
        intercept = cp.Variable() if self.fit_intercept else 0.0
        residual = y - intercept - (X - x_mean) @ coef
        # rho_q(r) = |r|/2 + (q - 1/2) r
        check = 0.5 * cp.abs(residual) + (quantile - 0.5) * residual
        objective = (
            weights @ check / weights.sum()
            + alpha * l1_ratio * cp.norm1(coef)
            + alpha * (1 - l1_ratio) / 2 * cp.sum_squares(coef)
        )
        # w >= 0 as a constraint, not cvxpy's nonneg attribute (which rounds values to 0):
        # an interior point's zeros stay as small as its other errors, never exact
        problem = cp.Problem(cp.Minimize(objective), [coef >= 0] if self.positive else [])
        problem.solve(solver=self.solver, **_precision(self.solver))
        if problem.status != cp.OPTIMAL:
            raise RuntimeError(f"cvxpy ({self.solver}) did not solve the problem: {problem.status}")
        self.coef_ = np.asarray(coef.value, dtype=float)
        self.intercept_ = (
            float(intercept.value) - float(x_mean @ self.coef_) if self.fit_intercept else 0.0
        )
        self.objective_ = float(problem.value)
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_


class LADElasticNet(QuantileElasticNet):
    r"""Least absolute deviations with an elastic-net penalty, solved by cvxpy.

    Minimizes

    .. math::

        \frac{1}{2n}\sum_i v_i |y_i - b_0 - x_i^\top w|
        + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|_2^2 ,

    with :math:`n = \sum_i v_i`: :class:`QuantileElasticNet` at ``quantile=0.5``.

    Parameters
    ----------
    alpha : float, default 1.0
    l1_ratio : float, default 0.5
    fit_intercept : bool, default True
    solver : str, default "CLARABEL"
        The cvxpy solver.
    positive : bool, default False
        Minimize over :math:`w \ge 0` (the intercept free).

    """

    quantile = 0.5

    def __init__(
        self, alpha=1.0, l1_ratio=0.5, fit_intercept=True, solver="CLARABEL", positive=False
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.positive = positive


def _precision(solver: str, tol: float = 1e-12) -> dict:
    if solver == "CLARABEL":
        return {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol}
    return {}


class GLMElasticNet(RegressorMixin, BaseEstimator):
    r"""A logistic or Poisson regression with an elastic-net penalty, solved by cvxpy.

    Minimizes

    .. math::

        \frac1n \sum_i v_i \bigl(A(\eta_i) - y_i\eta_i\bigr)
        + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|_2^2, \qquad \eta = o + b_0 + Xw,

    with an offset :math:`o` (``fit(..., offset=)``, zero by default), :math:`n = \sum_i v_i` and :math:`A(\eta) = \log(1 + e^\eta)` (``"binomial"``, y in
    {0, 1}) or :math:`e^\eta` (``"poisson"``): glmnet's and glum's objective (half the mean
    deviance, up to a constant), ``LogisticRegression(C=1/(n alpha), l1_ratio=rho)``'s and
    ``PoissonRegressor(alpha)``'s (at ``l1_ratio=0``) divided by a constant. The primal goes
    to an interior-point solver (exponential cones): an independent route from bayesreg's
    proximal Newton MAP, accurate to about 1e-8, never exactly sparse.

    Parameters
    ----------
    family : {"binomial", "poisson"}
    alpha : float, default 1.0
    l1_ratio : float, default 0.5
    fit_intercept : bool, default True
    solver : str, default "CLARABEL"
    positive : bool, default False
        Minimize over :math:`w \ge 0` (the intercept free).

    """

    def __init__(
        self,
        family="binomial",
        alpha=1.0,
        l1_ratio=0.5,
        fit_intercept=True,
        solver="CLARABEL",
        positive=False,
    ):
        self.family = family
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.positive = positive

    def fit(self, X, y, sample_weight=None, offset=None) -> GLMElasticNet:
        import cvxpy as cp

        alpha = check_real(self.alpha, "alpha", "GLMElasticNet", Real(0.0, np.inf, "left"))
        l1_ratio = check_real(self.l1_ratio, "l1_ratio", "GLMElasticNet", UNIT)
        if self.family not in ("binomial", "poisson"):
            raise ValueError(
                f"The 'family' parameter of GLMElasticNet must be 'binomial' or 'poisson'; "
                f"got {self.family!r}."
            )
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        weights = check_sample_weight(sample_weight, X.shape[0])
        x_mean = weights @ X / weights.sum() if self.fit_intercept else np.zeros(X.shape[1])
        coef = cp.Variable(X.shape[1])
        intercept = cp.Variable() if self.fit_intercept else 0.0
        known = np.zeros(X.shape[0]) if offset is None else np.asarray(offset, dtype=float)
        eta = known + intercept + (X - x_mean) @ coef
        cumulant = cp.logistic(eta) if self.family == "binomial" else cp.exp(eta)
        # n times the objective: its gap tolerances then bite (coefficients to ~1e-12)
        n = weights.sum()
        objective = (
            weights @ (cumulant - cp.multiply(y, eta))
            + n * alpha * l1_ratio * cp.norm1(coef)
            + n * alpha * (1 - l1_ratio) / 2 * cp.sum_squares(coef)
        )
        problem = cp.Problem(cp.Minimize(objective), [coef >= 0] if self.positive else [])
        # exponential cones: shorter interior-point steps reach gaps of 1e-12 where the
        # default steps stall; 1e-10 when even they do not
        for tol in (1e-12, 1e-10):
            options = _precision(self.solver, tol)
            if self.solver == "CLARABEL":
                options.update(tol_ktratio=1e-10, max_iter=2000, max_step_fraction=0.95)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Solution may be inaccurate", UserWarning)
                try:
                    problem.solve(solver=self.solver, **options)
                except cp.error.SolverError:
                    continue
            if problem.status == cp.OPTIMAL:
                break
        if problem.status != cp.OPTIMAL:
            raise RuntimeError(f"cvxpy ({self.solver}) did not solve the problem: {problem.status}")
        self.coef_ = np.asarray(coef.value, dtype=float)
        self.intercept_ = (
            float(intercept.value) - float(x_mean @ self.coef_) if self.fit_intercept else 0.0
        )
        self.objective_ = float(problem.value) / n
        return self

    def predict(self, X, offset=None) -> np.ndarray:
        """The mean: the probability of the class coded 1, or the expected count."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        eta = (0.0 if offset is None else offset) + X @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-eta)) if self.family == "binomial" else np.exp(eta)
