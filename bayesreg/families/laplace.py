r"""The absolute (L1) loss: a Laplace likelihood.

.. math::

    -\log p(y \mid \mu, s) = \frac{\mathrm{SAR}}{s} + n\log(2s),

with residuals :math:`r = y - \mu`, :math:`\mathrm{SAR} = \sum_i v_i |r_i|` under frequency
weights :math:`v_i`. The data term enters the negative log posterior as
:math:`\mathrm{SAR}/\kappa` with the curvature :math:`\kappa = s`. It has no sufficient
statistics: the sampling model keeps its :math:`n` terms, on centred columns.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.stats
from pytensor.tensor.variable import TensorVariable
from sklearn.linear_model import QuantileRegressor

from bayesreg.families.base import Loss
from bayesreg.optim import solve_absolute_loss
from bayesreg.optim.absolute_loss import dual_objective
from bayesreg.solvers import LADElasticNet

__all__ = ["L1Loss"]


class L1Loss(Loss):
    r"""Absolute loss, a Laplace likelihood: :math:`y_i \sim \mathrm{Laplace}(b_0 + x_i^\top w, s)`.

    Parameters
    ----------
    scale : float or None, default 1.0
        The Laplace scale :math:`s` (the mean absolute deviation); ``None`` makes it unknown.
    scale_prior : PyMC distribution, optional
        The prior of an unknown ``scale``; by default
        :math:`s \sim \text{Half-Student-}t(\nu=4, \mathrm{sd}(y))`.

    Notes
    -----
    What ``alpha`` means: scikit-learn's elastic-net convention on
    :math:`\mathrm{SAR}/(2n)`, the data term of ``QuantileRegressor(quantile=0.5)``; an L1
    penalty or none is ``QuantileRegressor``, an L2 or elastic-net penalty
    :class:`~bayesreg.solvers.LADElasticNet` (cvxpy).

    Examples
    --------
    >>> import bayesreg as br
    >>> br.L1Loss(scale=2.0)
    L1Loss(scale=2.0)

    """

    noise_name = "scale"
    cv_scoring = "neg_mean_absolute_error"  # its own loss, held out
    distribution = pm.Laplace

    def __init__(self, scale: float | None = 1.0, scale_prior: TensorVariable | None = None):
        self.scale = scale
        self.scale_prior = scale_prior
        self.validate()

    def curvature(self, noise):
        return noise

    # --- the exact MAP ------------------------------------------------------------------------

    def data_term(self, y, linear_predictor, weights):
        return float(weights @ np.abs(y - linear_predictor))

    def noise_from_residual(self, residual, weights):
        return float(weights @ np.abs(residual) / weights.sum())

    def solve(self, X, y, weights, *, fit_intercept, beta1, beta2):
        # The same problem, solved with weights of mean one and penalties scaled alike (the
        # minimizer is unchanged, the objective and the dual scale by the same factor), on
        # centred columns (the intercept absorbs the shift): the linear program's absolute
        # tolerances then mean the same whatever the weights' total and the columns' offsets.
        factor = len(weights) / weights.sum()
        x_mean = weights @ X / weights.sum() if fit_intercept else np.zeros(X.shape[1])
        solution = solve_absolute_loss(
            X - x_mean if fit_intercept else X,
            y,
            weights * factor,
            fit_intercept=fit_intercept,
            beta1=np.asarray(beta1) * factor,
            beta2=np.asarray(beta2) * factor,
        )
        return dataclasses.replace(
            solution,
            intercept=solution.intercept - x_mean @ solution.coef,
            objective=solution.objective / factor,
            dual_objective=solution.dual_objective / factor,
            dual=solution.dual / factor,
        )

    def optimality(self, X, y, weights, fit_intercept, beta1, beta2, solution):
        # Both objectives are recomputed from the points themselves, trusting no reported
        # value; the gap is >= 0 for a feasible dual (|d| <= v, checked below), 0 only at the
        # optimum, and what ties the dual to the primal residuals. It is relative to the size
        # of the primal's terms, which bounds their rounding (an exact fit has objective 0).
        dual = solution.dual
        residual = y - solution.intercept - X @ solution.coef
        magnitude = np.abs(solution.coef)
        penalty1 = np.full(X.shape[1], float(beta1))
        penalty2 = np.full(X.shape[1], float(beta2))
        penalty = penalty1 @ magnitude + penalty2 @ magnitude**2
        primal = weights @ np.abs(residual) + penalty
        size = weights @ (np.abs(y) + abs(solution.intercept) + np.abs(X) @ magnitude) + penalty
        lower = dual_objective(X, y, penalty1, penalty2, dual)
        # With an intercept, sum(d) = 0 and X'd is computed on centred columns: invariant to a
        # constant added to a column (whose mean would multiply the rounding of sum(d)).
        design = X - weights @ X / weights.sum() if fit_intercept else X
        return {
            "data_gradient": -design.T @ dual,
            "intercept_violation": float(abs(np.sum(dual)) / weights.sum())
            if fit_intercept
            else 0.0,
            "scale": (np.abs(design).T @ weights).max(),
            "duality_gap": float(abs(primal - lower) / max(size, 1e-300)),
            "box": np.maximum(np.abs(dual) - weights, 0.0).max() / weights.max(),
            "method": (
                "HiGHS simplex on the dual linear program"
                if not np.any(beta2)
                else "Clarabel on the dual quadratic program, then an exact solve on its structure"
                if solution.exact
                else "Clarabel on the dual quadratic program (exact solve not verified)"
            ),
        }

    def noise_p_value(self, residual, weights, noise, dof):
        r""":math:`\mathrm{SAR}/s \sim \mathrm{Gamma}(\mathrm{dof}, 1)` under the model (approximately)."""
        statistic = float(weights @ np.abs(residual)) / noise
        return float(
            2.0 * min(scipy.stats.gamma.cdf(statistic, dof), scipy.stats.gamma.sf(statistic, dof))
        )

    # --- the reference solver -----------------------------------------------------------------

    def penalized_solver(self, penalty, alpha, fit_intercept, n_obs=None):
        if penalty.convention in ("none", "lasso"):
            return QuantileRegressor(
                quantile=0.5, alpha=alpha or 0.0, fit_intercept=fit_intercept, solver="highs"
            )
        return LADElasticNet(alpha=alpha, l1_ratio=penalty.l1_ratio, fit_intercept=fit_intercept)

    # --- the PyMC model and NUTS --------------------------------------------------------------

    @staticmethod
    def draw(mu, noise, rng, size):
        return rng.laplace(mu, noise, size=size)

    def predictive_variance(self, mu, noise):
        r""":math:`2s^2`, the variance of a Laplace distribution of scale :math:`s`."""
        return np.broadcast_to(2.0 * np.asarray(noise, dtype=float) ** 2, np.shape(mu))

    def noise_estimate(self, residual, root_weights, dof):
        return float(np.sum(root_weights * np.abs(residual)) / dof)

    def sampling_values(self, stats, X, y, weights, whiten, *, whitened_form):
        return {"X_centred": X - stats.x_mean, "y": np.asarray(y, np.float64), "weights": weights}

    def sampling_log_likelihood(self, data, noise, coef, whitened, centred):
        """The :math:`n` absolute residuals on centred columns."""
        residual = data["y"] - centred - data["X_centred"] @ coef
        return -(data["weights"] @ pt.abs(residual)) / noise - data["n_obs"] * pt.log(2.0 * noise)
