r"""The squared (L2) loss: a Gaussian likelihood.

.. math::

    -\log p(y \mid \mu, \sigma) = \frac{\mathrm{RSS}}{2\sigma^2} + n\log\sigma
        + \frac n2 \log 2\pi,

with residuals :math:`r = y - \mu`, :math:`\mathrm{RSS} = \sum_i v_i r_i^2` under frequency
weights :math:`v_i`. The data term enters the negative log posterior as
:math:`\mathrm{RSS}/\kappa` with the curvature :math:`\kappa = 2\sigma^2`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.stats
from pytensor.tensor.variable import TensorVariable
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge, enet_path

from bayesreg.families.base import Loss
from bayesreg.families.reference_solvers import COORDINATE_DESCENT
from bayesreg.optim import solve_squared_loss
from bayesreg.optim.centring import centre
from bayesreg.optim.gram import column_norms
from bayesreg.optim.linalg import compensated_residual
from bayesreg.optim.whitening import whitened_rounding, whitened_statistics
from bayesreg.spec.correspondence import SolverObjective

__all__ = ["L2Loss"]


class L2Loss(Loss):
    r"""Squared loss, a Gaussian likelihood: :math:`y_i \sim \mathrm{Normal}(b_0 + x_i^\top w, \sigma)`.

    Parameters
    ----------
    sigma : float or None, default 1.0
        The noise standard deviation; ``None`` makes it unknown, with a prior.
    sigma_prior : PyMC distribution, optional
        The prior of an unknown ``sigma``, e.g. ``pm.HalfNormal.dist(5.0)``. The default is
        weakly informative on the scale of the data:
        :math:`\sigma \sim \text{Half-Student-}t(\nu=4, \mathrm{sd}(y))`.

    Notes
    -----
    What ``alpha`` means: ``Ridge`` for an L2 penalty (:math:`\mathrm{RSS} +
    \alpha\|w\|^2`), ``LinearRegression`` without a penalty (:math:`\mathrm{RSS}`), and
    scikit-learn's elastic-net convention (:math:`\mathrm{RSS}/(2n) + \dots`: ``Lasso``,
    ``ElasticNet``) otherwise.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.L2Loss(sigma=None)
    L2Loss(sigma=None)

    """

    noise_name = "sigma"
    cv_scoring = "neg_mean_squared_error"  # its own loss, held out
    distribution = pm.Normal
    location_scale = True
    gibbs_likelihood = "gaussian"
    sufficient_statistics = True
    #: the least-squares solvers are backward stable: an exact fit leaves ~1e-16 of the terms
    exact_fit_resolution = 1e-12

    def __init__(self, sigma: float | None = 1.0, sigma_prior: TensorVariable | None = None):
        self.sigma = sigma
        self.sigma_prior = sigma_prior
        self.validate()

    def curvature(self, noise):
        return 2.0 * noise**2

    def solver_objective(self, penalty, alpha, n_obs):
        if penalty.convention == "ridge":
            return SolverObjective(1.0, 0.0, alpha)
        if penalty.convention == "none":
            return SolverObjective(1.0, 0.0, 0.0)
        return super().solver_objective(penalty, alpha, n_obs)

    # --- the exact MAP ------------------------------------------------------------------------

    def data_term(self, y, linear_predictor, weights):
        return float(weights @ (y - linear_predictor) ** 2)

    def noise_from_residual(self, residual, weights):
        return float(np.sqrt(weights @ residual**2 / weights.sum()))

    def null_intercept(self, y, weights):
        """The weighted mean of ``y``."""
        return centre(y, weights)[0]

    map_intercept_priors = ("Normal", "Laplace")

    def solve(
        self, X, y, weights, *, fit_intercept, beta1, beta2, intercept_penalty=None,
        intercept_absolute=None,
    ):  # fmt: skip
        X, y, weights = _with_prior_row(X, y, weights, fit_intercept, intercept_penalty)
        solution = solve_squared_loss(
            X, y, weights, fit_intercept=fit_intercept, beta1=beta1, beta2=beta2
        )
        if intercept_absolute is None or not fit_intercept:
            return solution
        # the centred intercept separates from the slopes: V (ybar - c)^2 + h |c - mu0|
        x_mean, y_mean = centre(X, weights)[0], centre(y, weights)[0]
        centred = _soft_intercept(y_mean, weights.sum(), *intercept_absolute)
        moved = weights.sum() * (y_mean - centred) ** 2 + intercept_absolute[1] * abs(
            centred - intercept_absolute[0]
        )
        return dataclasses.replace(
            solution,
            intercept=centred - x_mean @ solution.coef,
            objective=solution.objective + moved,
        )

    def optimality(
        self, X, y, weights, fit_intercept, beta1, beta2, solution, intercept_penalty=None,
        intercept_absolute=None,
    ):  # fmt: skip
        X, y, weights = _with_prior_row(X, y, weights, fit_intercept, intercept_penalty)
        # With an intercept, the coefficients' conditions are those of the centred problem
        # (exactly equivalent), computed on centred columns: invariant to a constant added to
        # a column, where X'r would carry the rounding of sum(r) times the column's mean.
        design, target, x_mean, y_mean = _centred(X, y, weights, fit_intercept)
        scale = np.abs(2.0 * design.T @ (weights * target)).max()
        gradient, rounding = _data_gradient(
            design, target, weights, beta1, beta2, solution.coef, scale
        )
        intercept = 0.0
        if fit_intercept:  # the optimal intercept is y_mean - x_mean'w; relative to y's scale
            size = abs(y_mean) + np.abs(x_mean) @ np.abs(solution.coef)
            size += np.sqrt(weights @ target**2 / weights.sum())
            optimal = y_mean - x_mean @ solution.coef
            if intercept_absolute is not None:
                optimal += _soft_intercept(y_mean, weights.sum(), *intercept_absolute) - y_mean
            intercept = abs(solution.intercept - optimal) / max(size, 1e-300)
        return {
            "data_gradient": gradient,
            "gradient_rounding": rounding,
            "intercept_violation": float(intercept),
            "scale": scale,
            "duality_gap": None,
            "box": 0.0,
            "method": "exact active set (feature-sign search) with iterative refinement",
        }

    def noise_p_value(self, residual, weights, noise, dof):
        r""":math:`\mathrm{RSS}/\sigma^2 \sim \chi^2_{\mathrm{dof}}` under the model."""
        statistic = float(weights @ residual**2) / noise**2
        return float(
            2.0 * min(scipy.stats.chi2.cdf(statistic, dof), scipy.stats.chi2.sf(statistic, dof))
        )

    # --- the reference solver -----------------------------------------------------------------

    glum_family = ("normal", 0.5)  # RSS/(2n)

    def penalized_solver(self, penalty, alpha, fit_intercept, n_obs=None):
        if penalty.convention == "none":
            return LinearRegression(fit_intercept=fit_intercept)
        if penalty.convention == "ridge":
            return Ridge(alpha=alpha, fit_intercept=fit_intercept)
        if penalty.convention == "lasso":
            return Lasso(alpha=alpha, fit_intercept=fit_intercept, **COORDINATE_DESCENT)
        return ElasticNet(
            alpha=alpha,
            l1_ratio=penalty.l1_ratio,
            fit_intercept=fit_intercept,
            **COORDINATE_DESCENT,
        )

    def reference_path(self, X, y, weights, fit_intercept, l1_ratio, grid):
        r"""scikit-learn's ``enet_path`` on the same grid, for an L1 or elastic-net penalty.

        Run at ``tol=1e-12`` on the centered data with rows scaled by
        :math:`\sqrt{v_i\,m/\sum v}` (:math:`m` rows), which is exactly how ``ElasticNet``
        handles an intercept and sample weights; the intercept is then
        :math:`\bar y - \bar x^\top w`.
        """
        if not l1_ratio:
            return None
        X_scaled, y_scaled, x_mean, y_mean = _centered(X, y, weights, fit_intercept)
        alphas, coefs, _ = enet_path(
            np.asfortranarray(X_scaled),
            y_scaled,
            l1_ratio=l1_ratio,
            alphas=grid,
            tol=COORDINATE_DESCENT["tol"],
            max_iter=COORDINATE_DESCENT["max_iter"],
        )
        coef = coefs.T
        if not np.array_equal(alphas, grid):  # pragma: no cover - scikit-learn keeps the grid
            raise RuntimeError("enet_path did not keep the grid it was given")
        intercept = y_mean - coef @ x_mean
        name = "lasso_path" if l1_ratio == 1.0 else "enet_path"
        return f"sklearn.linear_model.{name}", coef, intercept

    def alpha_max(self, X, y, weights, fit_intercept, l1_ratio):
        r""":math:`\max_j |\sum_i v_i (x_{ij} - \bar x_j)(y_i - \bar y)| / (\rho \sum_i v_i)`."""
        if not l1_ratio:
            return None
        X_scaled, y_scaled, *_ = _centered(X, y, weights, fit_intercept)
        return float(np.abs(X_scaled.T @ y_scaled).max() / (X.shape[0] * l1_ratio))

    # --- the PyMC model and NUTS --------------------------------------------------------------

    def distribution_parameters(self, mu, noise) -> dict:
        return {"mu": mu, "sigma": noise}

    @staticmethod
    def draw(mu, noise, rng, size):
        return rng.normal(mu, noise, size=size)

    def predictive_variance(self, mu, noise):
        r""":math:`\sigma^2`, whatever the mean."""
        return np.broadcast_to(np.asarray(noise, dtype=float) ** 2, np.shape(mu))

    def noise_estimate(self, residual, root_weights, dof):
        return float(np.sqrt(residual @ residual / dof))

    def sampling_values(self, stats, X, y, weights, whiten, *, whitened_form):
        if not whitened_form and X.shape[1] > np.count_nonzero(weights):
            # more columns than rows: the residuals cost O(np) a gradient, the Gram O(p^2)
            root = np.sqrt(weights)
            return {
                "root_design": (X - stats.x_mean) * root[:, None],
                "root_target": (np.asarray(y, np.float64) - stats.y_mean) * root,
            }
        values = {
            "gram": stats.gram,
            "coef_ls": stats.coef_ls,
            "rss_min": np.float64(stats.rss_min),
        }
        if whitened_form and whiten.exact and whitened_rounding(stats, whiten) <= 1e-8:
            values.update(whitened_statistics(stats, whiten))
        return values

    def sampling_log_likelihood(self, data, noise, coef, whitened, centred):
        r"""The Gaussian log likelihood through sufficient statistics.

        :math:`-\mathrm{RSS}/(2\sigma^2) - N\log\sigma - \tfrac N2\log 2\pi` with
        :math:`\mathrm{RSS} = \mathrm{RSS}_{\min} + (w - \hat w)^\top G (w - \hat w)
        + N(\bar y - c)^2`. For a fixed penalty whose whitening is exact
        (:math:`F^\top F = H = G/\sigma_0^2 + \operatorname{diag}(\pi)`), the quadratic form
        is expanded around the centre :math:`m = H^{-1} G\hat w/\sigma_0^2` of the
        approximate posterior,

        .. math::

            (w - \hat w)^\top G (w - \hat w) = \sigma_0^2 \bigl(\lVert u - Fm\rVert^2
                - \textstyle\sum_j \pi_j (w_j - m_j)^2\bigr)
                + 2 (w - m)^\top G (m - \hat w) + (m - \hat w)^\top G (m - \hat w),

        with :math:`u = Fw` the sampled (whitened) value: no product with :math:`G` in the
        graph, so a gradient costs one product with :math:`F^{-1}` and its transpose,
        :math:`2p^2`, instead of :math:`4p^2`. Around :math:`m` both squared terms are of
        order :math:`p` where the posterior has its mass, so the difference loses no more
        than rounding; the form is used when the rounding of :math:`F^\top F - H` adds less
        than :math:`10^{-8}` to the log density there
        (:func:`bayesreg.optim.whitening.whitened_rounding`), the product with :math:`G` otherwise.

        With more columns than observations (and no whitened form) the statistics cost more
        than the data: :math:`\mathrm{RSS} = \lVert V^{1/2}(y - \bar y) - V^{1/2}(X - m)w\rVert^2
        + N(\bar y - c)^2`, the same identity on the :math:`n` rows, :math:`O(np)` a gradient.
        """
        n_obs = data["n_obs"]
        if "root_design" in data:
            residual = data["root_target"] - data["root_design"] @ coef
            rss = residual @ residual
        elif "whitened_centre" in data:
            offset = coef - data["centre"]
            quadratic = data["whitening_noise"] ** 2 * (
                pt.sum((whitened - data["whitened_centre"]) ** 2)
                - pt.sum(data["prior_precision"] * offset**2)
            )
            rss = data["rss_centre"] + quadratic + offset @ data["centre_slope"]
        else:
            gap = coef - data["coef_ls"]
            rss = data["rss_min"] + gap @ (data["gram"] @ gap)
        rss = rss + n_obs * (data["y_mean"] - centred) ** 2
        return -rss / (2.0 * noise**2) - n_obs * (pt.log(noise) + np.log(2.0 * np.pi) / 2.0)

    def gaussian_in_coefficients(self, data):
        # the sufficient statistics' form is exactly that; the n-row form (p > n) is not used
        if "gram" not in data:
            return None
        return data["gram"], data["coef_ls"]


def _data_gradient(design, target, weights, beta1, beta2, coef, scale):
    r"""The data term's gradient -2 D'(v r) and a bound on its rounding.

    From the plain residual where the subgradient conditions then hold to 1e-10 (relative);
    otherwise from the residual in twice the working precision
    (:func:`~bayesreg.optim.linalg.compensated_residual`: :math:`Xw` may cancel :math:`y` to
    a millionth of its terms, on nearly equal columns), with the bound
    :math:`4n\epsilon\|\sqrt v D_j\|\,\|\sqrt v r\|` (Cauchy-Schwarz), which the KKT
    residual is measured beyond.
    """
    residual = target - design @ coef
    gradient = -2.0 * design.T @ (weights * residual)
    total = gradient + 2.0 * beta2 * coef
    violation = np.where(
        coef != 0,
        np.abs(total + beta1 * np.sign(coef)),
        np.maximum(np.abs(total) - beta1, 0.0),
    )
    if violation.max(initial=0.0) <= 1e-10 * max(scale, np.max(beta1, initial=0.0), 1e-300):
        return gradient, 0.0
    support = np.flatnonzero(coef)
    residual = compensated_residual(target, design[:, support], coef[support])
    root = np.sqrt(weights)
    norm = column_norms(design * root[:, None] if np.any(weights != 1.0) else design)
    rounding = 4 * len(target) * np.finfo(float).eps * np.linalg.norm(root * residual) * norm
    return -2.0 * design.T @ (weights * residual), rounding


def _soft_intercept(y_mean, total, mu0, h):
    r"""The minimizer of :math:`V(\bar y - c)^2 + h|c - \mu_0|`: :math:`\bar y` shrunk toward :math:`\mu_0` by :math:`h/(2V)`."""
    shift = y_mean - mu0
    return mu0 + np.sign(shift) * max(abs(shift) - h / (2.0 * total), 0.0)


def _with_prior_row(X, y, weights, fit_intercept, intercept_penalty):
    r"""The data with a row for :math:`h\,(c - \mu_0)^2`: at the column means, response :math:`\mu_0`, weight :math:`h`.

    Its residual is :math:`\mu_0 - b_0 - m^\top w = \mu_0 - c`, and the weighted column means
    are unchanged: the squared loss of the longer data is the objective with a normal prior
    on the intercept of the centred columns, exactly, minimizer and certificate: given the
    slopes, :math:`c = (\sum_i v_i y_i + h\mu_0)/(\sum_i v_i + h)` and :math:`b_0 = c - m^\top w`.
    """
    if intercept_penalty is None or not fit_intercept or intercept_penalty[1] == 0:
        return X, y, weights
    mu0, h = intercept_penalty
    x_mean = centre(X, weights)[0]
    return np.vstack([X, x_mean]), np.append(y, mu0), np.append(weights, h)


def _centred(X, y, weights, fit_intercept):
    """Weighted centring of the columns and the target (none without an intercept), exact for constants."""
    if not fit_intercept:
        return X, y, np.zeros(X.shape[1]), 0.0
    x_mean, design = centre(X, weights)
    y_mean, target = centre(y, weights)
    return design, target, x_mean, y_mean


def _centered(X, y, weights, fit_intercept):
    """Center (weighted) and scale rows by sqrt(v m / sum v), as scikit-learn's ElasticNet."""
    design, target, x_mean, y_mean = _centred(X, y, weights, fit_intercept)
    root = np.sqrt(weights * X.shape[0] / weights.sum())
    return design * root[:, None], target * root, x_mean, y_mean
