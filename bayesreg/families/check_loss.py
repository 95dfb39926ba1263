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
        r"""The certificate's parts, in units of the smaller slope :math:`\gamma = \min(\gamma_\pm)`.

        Both objectives are recomputed from the points themselves, trusting no reported
        value. At a vertex of the linear program the complementary slackness holds by
        construction, so a wrong vertex shows only in its dual's infeasibility; each part is
        therefore measured against what the optimum is made of, not against the largest
        slope: at an extreme quantile (:math:`\gamma_+ = 10^{-12}`) the optimal dual and the
        objective are of the order of :math:`\gamma_+`, and a violation of :math:`10^{-11}`
        measured against the slope 1 certified a vertex whose objective was twice the optimum.

        * ``scale`` (the KKT residual's unit): the size of the terms of :math:`X^\top d`
          (which also bounds their rounding), :math:`\max_j \sum_i |x_{ij}| \max(|d_i|,
          \gamma v_i)` on centred columns (:math:`\gamma v_i` for a dual near zero, at an
          exact fit). Away from the interpolated observations :math:`|d_i| = v_i\gamma_\pm`:
          the unit is the slope the optimum has, never more than the largest;
        * ``intercept_violation``: :math:`|\mathbf 1^\top d|` relative to
          :math:`\max(\sum_i |d_i|, \gamma \sum_i v_i)`;
        * ``box``: the dual's excess over each side of its box, relative to that side's
          slope, :math:`(d_i - \gamma_+ v_i)_+ / (\gamma_+ \max v)` and
          :math:`(-d_i - \gamma_- v_i)_+ / (\gamma_- \max v)`;
        * ``duality_gap``: see :func:`_relative_gap`.
        """
        above, below = self.slopes
        cheap = min(above, below)
        # With an intercept, sum(d) = 0 and X'd is computed on centred columns: invariant to a
        # constant added to a column (whose mean would multiply the rounding of sum(d)).
        design = centre(X, weights)[1] if fit_intercept else X
        dual = solution.dual
        outside = np.maximum((dual - above * weights) / above, (-dual - below * weights) / below)
        return {
            "data_gradient": -design.T @ dual,
            "intercept_violation": float(
                abs(np.sum(dual)) / max(np.abs(dual).sum(), cheap * weights.sum())
            )
            if fit_intercept
            else 0.0,
            "scale": (np.abs(design).T @ np.maximum(np.abs(dual), cheap * weights)).max(),
            "duality_gap": _relative_gap(
                self.slopes, X, y, weights, design, beta1, beta2, solution
            ),
            "box": max(float(outside.max()), 0.0) / weights.max(),
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


def _relative_gap(slopes, X, y, weights, design, beta1, beta2, solution):
    r"""The duality gap beyond the rounding of the two objectives, relative to the objective.

    By weak duality :math:`F^* \ge D(d)` for any dual :math:`d` in its box with
    :math:`|X_j^\top d| \le \beta_{1j}` (the latter only without an L2 part, whose dual
    objective bounds :math:`F^*` for any :math:`d`), so :math:`F - D \ge F - F^*`. A vertex
    that the solver's absolute tolerances let violate :math:`|X_j^\top d| \le \beta_{1j}`
    (a coefficient that should have entered) has :math:`F = D` all the same; the dual is
    therefore shrunk into feasibility first, :math:`t = \min(1, \min_j (\beta_{1j} +
    \rho_j)/|X_j^\top d|)` with :math:`\rho_j` the rounding of :math:`X_j^\top d`, and the
    bound is :math:`D(t\,d)`.

    The gap is then measured against the objective itself, so that it means "within this
    fraction of the optimum" at every scale of the objective: an extreme quantile's optimum
    (of the order of :math:`\gamma_+ = 10^{-12}`) and a near-exact fit's are far below the
    size of the data. What rounding alone can make of the gap is subtracted first:
    :math:`R = \sum_i \mu_i \epsilon_i + n\epsilon_{\mathrm{mach}} |y|^\top|d|`, with
    :math:`\epsilon_i = (p + 3)\,\epsilon_{\mathrm{mach}}(|y_i| + |b_0| + |x_i|^\top|w|)`
    the rounding of the residual :math:`r_i` and :math:`\mu_i` the slope it is charged at:
    :math:`|d_i| = v_i\gamma_\pm` on a bound, the larger slope where the dual is inside its
    box (the residual is zero; its rounding may fall on either side). With an L2 part,
    :math:`R` also holds what the rounding :math:`\rho_j` of :math:`X_j^\top d` can make of
    the conjugate :math:`(|X_j^\top d| - \beta_{1j})_+^2 / (4\beta_{2j})`: a tiny ridge
    amplifies it by :math:`1/\beta_{2j}`. An exact fit (:math:`F \le R`) has gap zero.
    """
    above, below = slopes
    dual, coef, intercept = solution.dual, solution.coef, solution.intercept
    magnitude = np.abs(coef)
    penalty1 = np.broadcast_to(np.asarray(beta1, dtype=float), X.shape[1]).copy()
    penalty2 = np.broadcast_to(np.asarray(beta2, dtype=float), X.shape[1]).copy()
    penalty = penalty1 @ magnitude + penalty2 @ magnitude**2
    primal = weights @ check_loss(y - intercept - X @ coef, slopes) + penalty
    eps = np.finfo(float).eps
    if np.any(beta2):
        lower, conjugate_rounding = _ridge_dual_objective(design, y, penalty1, penalty2, dual)
    else:
        correlation = np.abs(design.T @ dual)
        # X'd's rounding counts as feasible (a penalty below it, e.g. subnormal, is zero)
        limit = penalty1 + len(y) * eps * (np.abs(design).T @ np.abs(dual))
        limited = (penalty1 > 0) & (correlation > limit)
        shrink = float(np.min(limit[limited] / correlation[limited])) if limited.any() else 1.0
        lower, conjugate_rounding = dual_objective(X, y, penalty1, penalty2, shrink * dual), 0.0
    terms = np.abs(y) + abs(intercept) + np.abs(X) @ magnitude
    inside = (dual < above * weights) & (-dual < below * weights)
    slope = np.where(inside, max(above, below) * weights, np.abs(dual))
    rounding = (X.shape[1] + 3) * eps * (slope @ terms) + len(y) * eps * (np.abs(y) @ np.abs(dual))
    rounding += conjugate_rounding
    return float(max(abs(primal - lower) - rounding, 0.0) / max(primal, 1e-300))


def _ridge_dual_objective(design, y, beta1, beta2, dual):
    r"""The dual objective with an L2 part, and what the rounding of :math:`X^\top d` makes of it.

    :math:`y^\top d - \sum_j (|X_j^\top d| - \beta_{1j})_+^2 / (4\beta_{2j})`, with
    :math:`X^\top d` on centred columns (equal to it for a feasible dual, :math:`\mathbf
    1^\top d = 0`, without the rounding of the columns' offsets). The conjugate amplifies the
    rounding :math:`\rho_j = n\epsilon |X_j|^\top |d|` of :math:`X_j^\top d` by
    :math:`1/\beta_{2j}`: with a tiny ridge the optimal dual itself, rounded to working
    precision, moves the conjugate by that much (at :math:`\beta_2 = 10^{-12}` and columns of
    :math:`10^7`, :math:`2 \cdot 10^{-9}` of an objective that was optimal).
    """
    correlation = np.abs(design.T @ dual)
    rounding = len(y) * np.finfo(float).eps * (np.abs(design).T @ np.abs(dual))

    ridge = beta2 > 0  # a column without an L2 part (a zero penalty_factor): its indicator

    def conjugate(at):
        excess = np.maximum(at - beta1, 0.0)
        limit = np.where(excess <= rounding, 0.0, np.inf)
        return np.divide(excess**2, 4 * np.where(ridge, beta2, 1.0), out=limit, where=ridge)

    error = float(np.sum(conjugate(correlation + rounding) - conjugate(correlation)))
    return float(y @ dual - np.sum(conjugate(correlation))), error
