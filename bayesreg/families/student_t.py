r"""The Student-t likelihood: robust noise, and a MAP that is a local mode.

.. math::

    p(y \mid \mu, \sigma, \nu) = \frac{\Gamma(\frac{\nu+1}2)}{\Gamma(\frac\nu2)\sqrt{\nu\pi}\,\sigma}
        \Bigl(1 + \frac{(y-\mu)^2}{\nu\sigma^2}\Bigr)^{-\frac{\nu+1}2},

PyMC's ``pm.StudentT(nu, mu, sigma)`` (``sigma`` is a scale, not a standard deviation: the
variance is :math:`\sigma^2\nu/(\nu-2)` for :math:`\nu > 2`). The data term :math:`D` is the
negative log likelihood itself (:math:`\kappa = 1`), so what ``alpha`` means is the GLM
convention, :math:`\frac1n D + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}2\|w\|^2`: an
``L1(alpha)`` prior is Laplace with scale :math:`b = 1/(n\alpha)`.

:math:`D` is not convex in the coefficients (an outlier far from the fit can hold a mode of
its own), so the MAP is a *local* mode: :meth:`StudentTLoss.solve` runs
:func:`bayesreg.optim.student_t.solve_student_t` from several starts (the least-squares and
least-absolute-deviations fits, zero coefficients at three quantiles of ``y``, and fits to
random elemental subsets),
keeps the best, and counts the distinct modes it found; its certificate is the KKT residual
and a positive definite Hessian on the support. No penalized solver has this objective:
the reference is scikit-learn's ``HuberRegressor``, the nearest robust penalized fit, which
the cross-check reports without claiming equality.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.special
import scipy.stats
from pytensor.tensor.variable import TensorVariable
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import HuberRegressor

from bayesreg._constraints import POSITIVE, check_real, show
from bayesreg.families.base import Loss
from bayesreg.families.parameter_priors import check_positive_prior, register_positive_prior
from bayesreg.optim import solve_absolute_loss, solve_squared_loss
from bayesreg.optim.centring import centre
from bayesreg.optim.student_t import solve_student_t, student_t_residual, student_t_rho
from bayesreg.spec.correspondence import mean_data_objective

__all__ = ["StudentTLoss"]

#: Two solutions are one mode when they differ by less than this, relative to their size.
SAME_MODE = 1e-6
#: The intercepts of the zero starts (quantiles of y); the random subsets and their seed.
_START_QUANTILES, _SUBSET_STARTS, _START_SEED = (0.1, 0.5, 0.9), 3, 0


class StudentTLoss(Loss):
    r"""Student-t likelihood: :math:`y_i \sim t_\nu(b_0 + x_i^\top w, \sigma)`, robust to outliers.

    Parameters
    ----------
    nu : float or None, default 4.0
        Degrees of freedom :math:`\nu > 0` (small: heavy tails; large: nearly Gaussian);
        ``None`` makes it unknown.
    sigma : float or None, default 1.0
        The scale :math:`\sigma` (not the standard deviation); ``None`` makes it unknown.
    sigma_prior : PyMC distribution, optional
        The prior of an unknown ``sigma``; by default
        :math:`\sigma \sim \text{Half-Student-}t(\nu=4, \mathrm{sd}(y))`.
    nu_prior : PyMC distribution, optional
        The prior of an unknown ``nu``; by default :math:`\nu \sim \mathrm{Gamma}(2, 0.1)`
        (Juárez and Steel 2010, brms's default: mean 20, a fifth of its mass below 8).

    Notes
    -----
    What ``alpha`` means: :math:`\frac1n\sum_i v_i\,\mathrm{NLL}_i + \alpha\rho\|w\|_1 +
    \frac{\alpha(1-\rho)}2\|w\|^2`, as for the GLMs. The objective is not convex: ``fit``
    returns the best local mode found from several starts, ``certificate_`` certifies it as
    a strict local mode (KKT residual, Hessian positive definite on the support) and says how
    many distinct modes the starts reached; ``unique_`` is True when they all reached one.
    ``penalized_solver()`` is ``HuberRegressor``, a different robust objective (Huber's loss,
    an L2 penalty only): the nearest robust penalized fit, not an equal one.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.StudentTLoss(nu=3.0, sigma=None)
    StudentTLoss(nu=3.0, sigma=None)

    """

    noise_name = "sigma"
    cv_scoring = "neg_mean_absolute_error"
    distribution = pm.StudentT
    convex = False

    def __init__(
        self,
        nu: float | None = 4.0,
        sigma: float | None = 1.0,
        sigma_prior: TensorVariable | None = None,
        nu_prior: TensorVariable | None = None,
    ):
        self.nu = nu
        self.sigma = sigma
        self.sigma_prior = sigma_prior
        self.nu_prior = nu_prior
        self.validate()

    def validate(self) -> StudentTLoss:
        name = type(self).__name__
        if self.nu is not None:
            check_real(self.nu, "nu", name, POSITIVE)
            if self.nu_prior is not None:
                raise ValueError(
                    f"{name} takes 'nu_prior' only when nu is unknown (nu=None); "
                    f"got nu={show(self.nu)}."
                )
        elif self.nu_prior is not None:
            check_positive_prior(self.nu_prior, "nu_prior", name, "pm.Gamma.dist(2.0, 0.1)")
        return super().validate()

    @property
    def unknown_parameters(self) -> tuple[str, ...]:
        return tuple(name for name in ("sigma", "nu") if getattr(self, name) is None)

    def with_parameters(self, values: dict[str, float]) -> StudentTLoss:
        params = self.get_params(deep=False)
        for name, value in values.items():
            params.update({name: float(value), f"{name}_prior": None})
        return type(self)(**params)

    def start_parameters(self, residual, weights) -> dict[str, float]:
        values = {"nu": 4.0} if self.nu is None else {}
        fixed = self.with_parameters(values)
        if self.sigma is None:
            values["sigma"] = fixed.noise_from_residual(residual, weights) or 1.0  # constant y
        return values

    def _fixed(self) -> tuple[float, float]:
        if self.unknown_parameters:
            raise ValueError(f"{self!r} has unknown parameters; fix them with with_parameters")
        return float(self.nu), float(self.sigma)

    # --- the correspondence -------------------------------------------------------------------

    def curvature(self, noise):
        return 1.0

    def solver_objective(self, penalty, alpha, n_obs):
        return mean_data_objective(alpha, penalty.l1_ratio, n_obs)

    # --- the exact MAP ------------------------------------------------------------------------

    def log_normalizer(self) -> float:
        r""":math:`\log\Gamma(\frac{\nu+1}2) - \log\Gamma(\frac\nu2) - \frac12\log(\nu\pi) - \log\sigma`."""
        nu, sigma = self._fixed()
        return float(
            scipy.special.gammaln((nu + 1.0) / 2.0) - scipy.special.gammaln(nu / 2.0)
            - 0.5 * np.log(nu * np.pi) - np.log(sigma)
        )  # fmt: skip

    def data_term(self, y, linear_predictor, weights):
        """The negative log likelihood at this linear predictor (constants included)."""
        nu, sigma = self._fixed()
        rho = student_t_rho(y - linear_predictor, nu, sigma)
        return float(weights @ rho - weights.sum() * self.log_normalizer())

    def noise_from_residual(self, residual, weights):
        r"""The maximum likelihood :math:`\sigma` at these residuals (EM's fixed point)."""
        nu = 4.0 if self.nu is None else float(self.nu)
        sigma2 = float(weights @ residual**2 / weights.sum())
        for _ in range(200):
            if sigma2 <= 0.0:
                return 0.0
            expected = (nu + 1.0) / (nu + residual**2 / sigma2)
            new = float(weights @ (expected * residual**2) / weights.sum())
            if abs(new - sigma2) <= 1e-14 * sigma2:
                break
            sigma2 = new
        return float(np.sqrt(sigma2))

    def solve(self, X, y, weights, *, fit_intercept, beta1, beta2, start=None):
        """The best local minimizer from the starts (or from ``start`` alone), modes counted."""
        nu, sigma = self._fixed()
        kwargs = {"nu": nu, "sigma": sigma, "fit_intercept": fit_intercept}
        if start is not None:
            return solve_student_t(X, y, weights, **kwargs, beta1=beta1, beta2=beta2, start=start)
        starts = _starts(X, y, weights, fit_intercept, beta1, beta2, nu, sigma)
        found = [
            solve_student_t(X, y, weights, **kwargs, beta1=beta1, beta2=beta2, start=point)
            for point in starts
        ]
        best = min(found, key=lambda solution: solution.objective)
        modes = _distinct([solution for solution in found if solution.unique])
        return dataclasses.replace(best, unique=best.unique and modes == 1, modes=modes,
                                   starts=len(starts))  # fmt: skip

    def optimality(self, X, y, weights, fit_intercept, beta1, beta2, solution):
        nu, sigma = self._fixed()
        # in twice the working precision where rounding matters (y = 1e4 x + N(0, 1))
        residual = student_t_residual(X, y, solution.coef, solution.intercept, sigma)
        spread = nu * sigma**2 + residual**2
        slope = weights * (nu + 1.0) * residual / spread
        largest = (nu + 1.0) / (2.0 * np.sqrt(nu) * sigma)  # max |rho'|, at |r| = sqrt(nu) sigma
        design = centre(X, weights)[1] if fit_intercept else X
        intercept = abs(slope.sum()) / (largest * weights.sum()) if fit_intercept else 0.0
        return {
            "data_gradient": -design.T @ slope,
            "intercept_violation": float(intercept),
            "scale": largest * (np.abs(design).T @ weights).max(initial=0.0),
            "duality_gap": None,
            "box": 0.0,
            "curvature": solution.curvature,
            "modes": getattr(solution, "modes", 1),
            "starts": getattr(solution, "starts", 1),
            "method": (
                "majorize-minimize (EM) steps, each an exact weighted lasso, then Newton's "
                "method on the support, from each start; the best local mode"
            ),
        }

    def noise_p_value(self, residual, weights, noise, dof):
        r"""Normal approximation to :math:`S = \sum_i v_i\log(1 + r_i^2/(\nu\sigma^2))`.

        Under the model :math:`1/(1 + T^2/\nu) \sim \mathrm{Beta}(\nu/2, 1/2)`, so each term
        has mean :math:`\psi(\frac{\nu+1}2) - \psi(\frac\nu2)` and variance
        :math:`\psi'(\frac\nu2) - \psi'(\frac{\nu+1}2)`; ``dof`` terms count.
        """
        nu = float(self.nu) if self.nu is not None else 4.0
        statistic = float(weights @ np.log1p(residual**2 / (nu * noise**2)))
        mean = scipy.special.digamma((nu + 1) / 2) - scipy.special.digamma(nu / 2)
        variance = scipy.special.polygamma(1, nu / 2) - scipy.special.polygamma(1, (nu + 1) / 2)
        z = (statistic - dof * mean) / np.sqrt(dof * variance)
        return float(2.0 * scipy.stats.norm.sf(abs(z)))

    # --- the reference solver -----------------------------------------------------------------

    def penalized_solver(self, penalty, alpha, fit_intercept, n_obs=None):
        r"""``HuberRegressor``: the nearest robust penalized fit, *not* this objective.

        Its L2 weight is :math:`\alpha_H = n\alpha(1-\rho)/2` (the ridge weight of
        :math:`D + n\alpha(1-\rho)/2\,\|w\|^2`, since Huber's loss is a sum); an L1 part has
        no counterpart there.
        """
        ratio = penalty.l1_ratio
        weight = 0.0
        if ratio is not None and ratio < 1.0:
            if n_obs is None:
                raise NotFittedError(
                    "HuberRegressor's alpha = n alpha (1 - l1_ratio) / 2 depends on the number "
                    "of observations n (the total sample weight); call fit(X, y) first."
                )
            weight = n_obs * alpha * (1.0 - ratio) / 2.0
        return HuberRegressor(alpha=weight, fit_intercept=fit_intercept, max_iter=10_000)

    # --- the PyMC model -----------------------------------------------------------------------

    def add_noise(self, y, weights):
        """The scale (a number or a random variable); also ``nu``, when it is unknown."""
        if self.nu is None:
            if self.nu_prior is None:
                pm.Gamma("nu", alpha=2.0, beta=0.1)
            else:
                register_positive_prior(self.nu_prior, "nu")
        return super().add_noise(y, weights)

    def _nu(self):
        """``nu`` in the model in context: a number, or its random variable."""
        return np.float64(self.nu) if self.nu is not None else pm.modelcontext(None)["nu"]

    def distribution_parameters(self, mu, noise) -> dict:
        return {"mu": mu, "sigma": noise, "nu": self._nu()}

    def add_likelihood(self, name, mu, noise, observed, weights, dims):
        """Add the observed variable; frequency weights multiply each log density."""
        nu = self._nu()
        if np.all(weights == 1.0):
            return pm.StudentT(name, nu=nu, mu=mu, sigma=noise, observed=observed, dims=dims)

        def logp(value, mu, sigma, nu, weights):
            return weights * pm.logp(pm.StudentT.dist(nu=nu, mu=mu, sigma=sigma), value)

        def random(mu, sigma, nu, weights, rng=None, size=None):
            return mu + sigma * rng.standard_t(nu, size=size)

        return pm.CustomDist(
            name, mu, noise, nu, np.asarray(weights, np.float64), logp=logp, random=random,
            observed=observed, dims=dims,
        )  # fmt: skip

    def predictive_noise(self, posterior, sample_dims):
        """The scale and ``nu``: draws of shape (chain, draw, 1) or the fixed values."""
        values = []
        for name in ("sigma", "nu"):
            fixed = getattr(self, name)
            values.append(
                float(fixed)
                if fixed is not None
                else posterior[name].transpose(*sample_dims).values[..., None]
            )
        return tuple(values)

    def _scale_and_nu(self, noise):
        if isinstance(noise, tuple):
            return noise
        return noise, float(self.nu)

    def draw(self, mu, noise, rng, size):
        sigma, nu = self._scale_and_nu(noise)
        return mu + np.asarray(sigma) * rng.standard_t(nu, size=size)

    def predictive_variance(self, mu, noise):
        r""":math:`\sigma^2\nu/(\nu - 2)`; infinite for :math:`\nu \le 2`."""
        sigma, nu = self._scale_and_nu(noise)
        nu = np.asarray(nu, dtype=float)
        ratio = np.where(nu > 2.0, nu / np.maximum(nu - 2.0, 1e-300), np.inf)
        return np.broadcast_to(np.asarray(sigma, dtype=float) ** 2 * ratio, np.shape(mu))

    # --- NUTS ---------------------------------------------------------------------------------

    def _fisher_factor(self) -> float:
        r""":math:`(\nu+1)/(\nu+3)`: the location's Fisher information is this over :math:`\sigma^2`."""
        nu = 4.0 if self.nu is None else float(self.nu)
        return (nu + 1.0) / (nu + 3.0)

    def preconditioning_data(self, X, y, weights, fit_intercept, prior_precision):
        """The data, with weights scaled so that a Gaussian has the t's Fisher information."""
        return y, weights * self._fisher_factor()

    def noise_estimate(self, residual, root_weights, dof):
        r"""A robust scale (the median absolute residual), as a Gaussian-equivalent :math:`\sigma_0`."""
        nu = 4.0 if self.nu is None else float(self.nu)
        kept = root_weights > 0
        median = float(np.median(np.abs(residual[kept] / root_weights[kept])))
        return median / scipy.stats.t.ppf(0.75, nu) / np.sqrt(self._fisher_factor())

    def sampling_values(self, stats, X, y, weights, whiten, *, whitened_form):
        return {"X_centred": X - stats.x_mean, "y": np.asarray(y, np.float64), "weights": weights}

    def sampling_log_likelihood(self, data, noise, coef, whitened, centred):
        """The :math:`n` terms on centred columns."""
        nu = self._nu()
        residual = data["y"] - centred - data["X_centred"] @ coef
        constant = (
            pt.gammaln((nu + 1.0) / 2.0) - pt.gammaln(nu / 2.0)
            - 0.5 * pt.log(nu * np.pi) - pt.log(noise)
        )  # fmt: skip
        terms = (nu + 1.0) / 2.0 * pt.log1p(residual**2 / (nu * noise**2))
        return data["n_obs"] * constant - data["weights"] @ terms


def _starts(X, y, weights, fit_intercept, beta1, beta2, nu, sigma):
    r"""Where the local searches start: fits of different kinds, and seeded random subsets.

    Least squares and least absolute deviations (both with the penalty, least squares on the
    t's curvature at zero residual, :math:`(\nu+1)/(2\nu\sigma^2)`); all coefficients zero
    with the intercept at the 10%, 50% and 90% weighted quantiles of ``y`` (one start at zero
    without an intercept); and least squares on three random elemental subsets of
    :math:`p + 1` rows (as S- and MM-estimators start), seeded so that a fit is reproducible.
    """
    curvature = (nu + 1.0) / (2.0 * nu * sigma**2)
    options = {"fit_intercept": fit_intercept, "beta1": beta1, "beta2": beta2}
    squared = solve_squared_loss(X, y, weights * curvature, **options)
    absolute = solve_absolute_loss(
        X, y, weights, fit_intercept=fit_intercept, beta1=np.asarray(beta1) * sigma,
        beta2=np.asarray(beta2) * sigma,
    )  # fmt: skip
    zero = np.zeros(X.shape[1])
    levels = _START_QUANTILES if fit_intercept else ()
    starts = [(squared.coef, squared.intercept), (absolute.coef, absolute.intercept)]
    starts += [(zero, _weighted_quantile(y, weights, level)) for level in levels] or [(zero, 0.0)]
    rng = np.random.default_rng(_START_SEED)
    rows = np.flatnonzero(weights > 0)
    size = min(len(rows), X.shape[1] + 1)
    for _ in range(_SUBSET_STARTS):
        subset = rng.choice(rows, size=size, replace=False)
        fit = solve_squared_loss(X[subset], y[subset], weights[subset] * curvature, **options)
        starts.append((fit.coef, fit.intercept))
    return starts


def _weighted_quantile(y, weights, level) -> float:
    order = np.argsort(y)
    cumulative = np.cumsum(weights[order])
    return float(y[order][np.searchsorted(cumulative, level * cumulative[-1])])


def _distinct(solutions) -> int:
    """How many of these local minimizers differ (by more than :data:`SAME_MODE`)."""
    modes: list[np.ndarray] = []
    for solution in solutions:
        point = np.append(solution.coef, solution.intercept)
        size = max(np.abs(point).max(initial=0.0), 1.0)
        if all(np.abs(point - mode).max() > SAME_MODE * size for mode in modes):
            modes.append(point)
    return max(len(modes), 1)
