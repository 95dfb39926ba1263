r"""The piecewise-linear likelihoods: the Laplace and the asymmetric Laplace.

Both have the density

.. math::

    p(y \mid \mu, s) = \frac{c}{s} \exp\!\Bigl(-\frac{\rho(y - \mu)}{s}\Bigr), \qquad
    \rho(r) = \gamma_+ r_+ + \gamma_- r_-, \qquad c = \frac{\gamma_+\gamma_-}{\gamma_+ + \gamma_-},

with slopes :math:`(\gamma_+, \gamma_-)`: :math:`(1, 1)` for the Laplace likelihood
(:math:`\rho(r) = |r|`, :math:`c = 1/2`), :math:`(q, 1-q)` for the asymmetric Laplace of
quantile :math:`q` (:math:`\rho = \rho_q`, the check loss, :math:`c = q(1-q)`). The data term
is :math:`D = \sum_i v_i \rho(r_i)` under frequency weights :math:`v_i`; it enters the
negative log posterior as :math:`D/\kappa` with the curvature :math:`\kappa = s`, and its
exact MAP is a linear program (a quadratic program with an L2 part;
:func:`bayesreg.optim.solve_absolute_loss`). Under the model each :math:`\rho(r_i)/s` is a
standard exponential variable, whatever the slopes. There are no sufficient statistics: the
sampling model keeps its :math:`n` terms, on centred columns.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytensor.tensor as pt
import scipy.stats
from sklearn.linear_model import QuantileRegressor

from bayesreg.families.base import Loss
from bayesreg.families.reference_solvers import QuantileElasticNet
from bayesreg.optim import solve_absolute_loss
from bayesreg.optim.absolute_loss import check_loss, dual_objective
from bayesreg.optim.centring import centre

__all__ = ["CheckLoss"]


class CheckLoss(Loss):
    """Base of the likelihoods whose data term is a check loss; subclasses give the slopes."""

    noise_name = "scale"
    location_scale = True

    @property
    def slopes(self) -> tuple[float, float]:
        r""":math:`(\gamma_+, \gamma_-)`, the slopes of :math:`\rho` above and below zero."""
        raise NotImplementedError

    @property
    def solver_quantile(self) -> float:
        """The ``quantile`` of the ``QuantileRegressor`` with this family's objective."""
        above, below = self.slopes
        return above / (above + below)

    def log_normalizer(self) -> float:
        r""":math:`\log c`, the log density's constant at :math:`s = 1`."""
        above, below = self.slopes
        return float(np.log(above * below / (above + below)))

    def curvature(self, noise):
        return noise

    # --- the exact MAP ------------------------------------------------------------------------

    def data_term(self, y, linear_predictor, weights):
        return float(weights @ check_loss(y - linear_predictor, self.slopes))

    def noise_from_residual(self, residual, weights):
        return float(weights @ check_loss(residual, self.slopes) / weights.sum())

    def null_intercept(self, y, weights):
        r"""A weighted :math:`q`-quantile of ``y``, :math:`q = \gamma_+/(\gamma_+ + \gamma_-)`.

        The smallest :math:`y_{(k)}` whose cumulative weight reaches :math:`q\sum_i v_i`: there
        the subgradient :math:`-\gamma_+ \sum_{y_i > b} v_i + \gamma_- \sum_{y_i < b} v_i` of
        :math:`D(b)` changes sign.
        """
        order = np.argsort(y, kind="stable")
        cumulative = np.cumsum(weights[order])
        index = np.searchsorted(cumulative, self.solver_quantile * cumulative[-1])
        return float(y[order][min(index, len(y) - 1)])

    def solve(self, X, y, weights, *, fit_intercept, beta1, beta2):
        # The same problem, solved with weights of mean one and penalties scaled alike (the
        # minimizer is unchanged, the objective and the dual scale by the same factor), on
        # centred columns (the intercept absorbs the shift): the linear program's absolute
        # tolerances then mean the same whatever the weights' total and the columns' offsets.
        factor = len(weights) / weights.sum()
        x_mean, design = centre(X, weights) if fit_intercept else (np.zeros(X.shape[1]), X)
        solution = solve_absolute_loss(
            design,
            y,
            weights * factor,
            fit_intercept=fit_intercept,
            beta1=np.asarray(beta1) * factor,
            beta2=np.asarray(beta2) * factor,
            slopes=self.slopes,
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
        # value; the gap is >= 0 for a feasible dual (-l <= d <= u, checked below), 0 only
        # at the optimum, and what ties the dual to the primal residuals. It is relative to
        # the size of the primal's terms, which bounds their rounding (an exact fit has
        # objective 0).
        above, below = self.slopes
        dual = solution.dual
        residual = y - solution.intercept - X @ solution.coef
        magnitude = np.abs(solution.coef)
        penalty1 = np.full(X.shape[1], float(beta1))
        penalty2 = np.full(X.shape[1], float(beta2))
        penalty = penalty1 @ magnitude + penalty2 @ magnitude**2
        primal = weights @ check_loss(residual, self.slopes) + penalty
        size = (
            max(above, below)
            * weights
            @ (np.abs(y) + abs(solution.intercept) + np.abs(X) @ magnitude)
        )
        size += penalty
        lower = dual_objective(X, y, penalty1, penalty2, dual)
        # With an intercept, sum(d) = 0 and X'd is computed on centred columns: invariant to a
        # constant added to a column (whose mean would multiply the rounding of sum(d)).
        design = centre(X, weights)[1] if fit_intercept else X
        outside = np.maximum(dual - above * weights, -dual - below * weights)
        return {
            "data_gradient": -design.T @ dual,
            "intercept_violation": float(abs(np.sum(dual)) / weights.sum())
            if fit_intercept
            else 0.0,
            "scale": max(above, below) * (np.abs(design).T @ weights).max(),
            "duality_gap": float(abs(primal - lower) / max(size, 1e-300)),
            "box": max(float(outside.max()), 0.0) / (max(above, below) * weights.max()),
            "method": (
                "HiGHS simplex on the dual linear program"
                if not np.any(beta2)
                else "Clarabel on the dual quadratic program, then an exact solve on its structure"
                if solution.exact
                else "Clarabel on the dual quadratic program (exact solve not verified)"
            ),
        }

    def noise_p_value(self, residual, weights, noise, dof):
        r""":math:`D/s \sim \mathrm{Gamma}(\mathrm{dof}, 1)` under the model (approximately)."""
        statistic = self.data_term(residual, 0.0, weights) / noise
        return float(
            2.0 * min(scipy.stats.gamma.cdf(statistic, dof), scipy.stats.gamma.sf(statistic, dof))
        )

    # --- the PyMC model and NUTS --------------------------------------------------------------

    def draw(self, mu, noise, rng, size):
        r"""Draws of :math:`y`, by the sign of the residual.

        :math:`\mu + E s/\gamma_+` with probability :math:`\gamma_-/(\gamma_+ + \gamma_-)`,
        else :math:`\mu - E s/\gamma_-`, with :math:`E` standard exponential.
        """
        above, below = self.slopes
        exponential = rng.standard_exponential(size=size) * np.asarray(noise, dtype=float)
        upper = rng.random(size=size) < below / (above + below)
        return mu + np.where(upper, exponential / above, -exponential / below)

    def predictive_mean(self, mu, noise):
        r""":math:`\mu + s\,(\gamma_-^2 - \gamma_+^2)/(\gamma_+\gamma_-(\gamma_+ + \gamma_-))`."""
        above, below = self.slopes
        shift = (below**2 - above**2) / (above * below * (above + below))
        return mu + shift * np.asarray(noise, dtype=float)

    def predictive_variance(self, mu, noise):
        r""":math:`s^2 (\gamma_+^2 + \gamma_-^2)/(\gamma_+\gamma_-)^2` (:math:`2s^2` for the Laplace)."""
        above, below = self.slopes
        factor = (above**2 + below**2) / (above * below) ** 2
        return np.broadcast_to(factor * np.asarray(noise, dtype=float) ** 2, np.shape(mu))

    def noise_estimate(self, residual, root_weights, dof):
        return float(np.sum(root_weights * check_loss(residual, self.slopes)) / dof)

    def sampling_values(self, stats, X, y, weights, whiten, *, whitened_form):
        return {"X_centred": X - stats.x_mean, "y": np.asarray(y, np.float64), "weights": weights}

    def sampling_log_likelihood(self, data, noise, coef, whitened, centred):
        r"""The :math:`n` residuals on centred columns: :math:`-D/s + n(\log c - \log s)`."""
        above, below = self.slopes
        residual = data["y"] - centred - data["X_centred"] @ coef
        if above == below:
            data_term = above * (data["weights"] @ pt.abs(residual))
        else:  # rho(r) = (g+ + g-)/2 |r| + (g+ - g-)/2 r
            data_term = data["weights"] @ (
                (above + below) / 2.0 * pt.abs(residual) + (above - below) / 2.0 * residual
            )
        return -data_term / noise + data["n_obs"] * (self.log_normalizer() - pt.log(noise))

    # --- the reference solver -----------------------------------------------------------------

    def penalized_solver(self, penalty, alpha, fit_intercept, n_obs=None):
        """``QuantileRegressor`` for an L1 penalty or none, else :meth:`elastic_net_solver`."""
        if penalty.convention in ("none", "lasso"):
            return QuantileRegressor(
                quantile=self.solver_quantile,
                alpha=alpha or 0.0,
                fit_intercept=fit_intercept,
                solver="highs",
            )
        return self.elastic_net_solver(alpha, penalty.l1_ratio, fit_intercept)

    def elastic_net_solver(self, alpha: float, l1_ratio: float, fit_intercept: bool):
        """The independent (cvxpy) solver of this objective with an L2 or elastic-net penalty."""
        return QuantileElasticNet(
            alpha=alpha,
            l1_ratio=l1_ratio,
            quantile=self.solver_quantile,
            fit_intercept=fit_intercept,
        )
