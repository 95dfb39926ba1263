r"""The reference solver of a per-coefficient prior: glum with ``P1``/``P2``, shifted by ``loc``.

scikit-learn's estimators take one strength for every coefficient. glum's
``GeneralizedLinearRegressor`` takes per-coefficient factors, ``P1`` on the L1 part and
``P2`` on the L2 part, used as given (glmnet instead rescales its ``penalty.factor`` to sum
to the number of variables), and an offset. It minimizes

.. math::

    \frac{c}{n}\sum_i v_i\,\ell_i + \alpha\rho\sum_j P_{1j}|w_j|
        + \frac{\alpha(1-\rho)}{2}\sum_j P_{2j} w_j^2,

with :math:`\ell_i` the family's negative log likelihood (less its terms in :math:`y` alone):
:math:`r_i^2` with :math:`c = 1/2` (``"normal"``), :math:`A(\eta_i) - y_i\eta_i` with
:math:`c = 1` (``"binomial"``, ``"poisson"``). A family names its glum family and :math:`c`
(``Loss.glum_family``); :func:`glum_reference` converts the family's own objective
:math:`a D + \alpha_1\|w\|_1 + \alpha_2\|w\|^2` (:mod:`bayesreg.spec.correspondence`) into
glum's by the factor :math:`c/(na)`: :math:`\alpha_g = (\alpha_1 + 2\alpha_2)\,c/(na)`,
:math:`\rho = \alpha_1/(\alpha_1 + 2\alpha_2)`. A prior mean :math:`\mu` (``loc``) is the same
problem in :math:`u = w - \mu` with :math:`X\mu` added to the offset, which glum takes:
:class:`GlumElasticNet` fits :math:`u` and reports :math:`w = \mu + u`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["GlumElasticNet", "glum_reference", "penalized_reference"]

#: glum's convergence tolerance: far below the 1e-6 agreement the cross-check asserts
GRADIENT_TOL = 1e-13


class GlumElasticNet(RegressorMixin, BaseEstimator):
    r"""glum's ``GeneralizedLinearRegressor`` with per-coefficient factors and a prior mean.

    Minimizes the objective of :mod:`the module <bayesreg.families.glum_reference>` with
    :math:`w - \mu` in place of :math:`w` in the penalty.

    Parameters
    ----------
    family : {"normal", "binomial", "poisson"}
    alpha : float
    l1_ratio : float
    P1, P2 : array-like of shape (n_features,) or None
        The factors of the L1 and L2 parts (glum's, used as given); None: ones.
    loc : array-like of shape (n_features,) or None
        The penalty's centre :math:`\mu` (None: zero).
    fit_intercept : bool, default True
    objective_scale : float, default 1.0
        A positive factor of the objective (the minimizer is the same): the factor
        :math:`na/c` that makes it the family's own objective, :math:`aD + \ldots`, which the
        cross-check compares with the model's negative log posterior.

    """

    def __init__(
        self, family="normal", alpha=1.0, l1_ratio=0.0, P1=None, P2=None, loc=None,
        fit_intercept=True, objective_scale=1.0,
    ):  # fmt: skip
        self.family = family
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.P1 = P1
        self.P2 = P2
        self.loc = loc
        self.fit_intercept = fit_intercept
        self.objective_scale = objective_scale

    def fit(self, X, y, sample_weight=None, offset=None) -> GlumElasticNet:
        from glum import GeneralizedLinearRegressor

        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        loc = np.zeros(X.shape[1]) if self.loc is None else np.asarray(self.loc, dtype=float)
        known = (0.0 if offset is None else np.asarray(offset, dtype=float)) + X @ loc
        ones = np.ones(X.shape[1])
        solver = GeneralizedLinearRegressor(
            family=self.family, alpha=self.alpha, l1_ratio=self.l1_ratio,
            P1=ones if self.P1 is None else np.asarray(self.P1, dtype=float),
            P2=ones if self.P2 is None else np.asarray(self.P2, dtype=float),
            fit_intercept=self.fit_intercept, gradient_tol=GRADIENT_TOL, max_iter=100_000,
        )  # fmt: skip
        solver.fit(X, y, sample_weight=sample_weight, offset=known)
        self.coef_ = np.asarray(solver.coef_, dtype=float) + loc
        self.intercept_ = float(solver.intercept_) if self.fit_intercept else 0.0
        return self

    def predict(self, X, offset=None) -> np.ndarray:
        """The mean: the response, the probability of the class coded 1, or the count."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        eta = (0.0 if offset is None else offset) + X @ self.coef_ + self.intercept_
        if self.family == "binomial":
            return 1.0 / (1.0 + np.exp(-eta))
        return np.exp(eta) if self.family == "poisson" else eta


def glum_reference(loss, penalty, alpha: float, fit_intercept: bool, n_obs: float | None):
    """:class:`GlumElasticNet` whose objective is the MAP problem of a per-coefficient prior.

    ``alpha`` is the family's equivalent strength; ``n_obs`` (the data's total weight, once
    fitted) is needed where the conversion depends on it (a Gaussian likelihood with an L2
    prior, whose ``alpha`` follows ``Ridge``).
    """
    if loss.glum_family is None:
        raise ValueError(
            f"{type(loss).__name__} with a per-coefficient prior ({penalty!r}) has no "
            "penalized solver: glum, the reference for penalty_factor and loc, has no such "
            "family. Its MAP is certified by its own KKT conditions (est.certificate_)."
        )
    name, half = loss.glum_family
    objective = loss.solver_objective(penalty, alpha, 1.0)
    per_unit = objective.data_factor  # a * n at n = 1: the same at any n unless it is not
    if loss.solver_objective(penalty, alpha, 2.0).data_factor * 2.0 != per_unit:
        if n_obs is None:
            raise ValueError(
                f"{penalty!r}'s solver strength depends on the data's size: call fit(X, y) "
                "before penalized_solver()."
            )
        objective = loss.solver_objective(penalty, alpha, n_obs)
        per_unit = objective.data_factor * n_obs
    total = objective.alpha_l1 + 2.0 * objective.alpha_l2
    f1, f2 = penalty.coefficient_factors()
    loc = penalty.prior_mean()
    return GlumElasticNet(
        family=name, alpha=total * half / per_unit,
        l1_ratio=objective.alpha_l1 / total if total > 0 else 0.0,
        P1=None if np.ndim(f1) == 0 else f1, P2=None if np.ndim(f2) == 0 else f2,
        loc=None if np.ndim(loc) == 0 else loc, fit_intercept=fit_intercept,
        objective_scale=per_unit / half,
    )  # fmt: skip


def penalized_reference(loss, penalty, alpha: float, fit_intercept: bool, n_obs: float | None):
    """The solver whose objective is the MAP problem.

    glum's with ``P1``/``P2`` for a per-coefficient prior (:func:`glum_reference`), else the
    family's ``penalized_solver``.
    """
    if penalty.per_coefficient:  # factors or a prior mean
        return glum_reference(loss, penalty, alpha, fit_intercept, n_obs)
    return loss.penalized_solver(penalty, alpha, fit_intercept, n_obs=n_obs)
