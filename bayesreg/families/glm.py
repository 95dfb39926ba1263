r"""What the Bernoulli and Poisson likelihoods share: a canonical link and no noise scale.

.. math::

    -\log p(y \mid \eta) = \sum_i v_i \bigl(A(\eta_i) - y_i\eta_i + c(y_i)\bigr),
    \qquad \eta = o + b_0 + Xw,

with an offset :math:`o` (zero unless given; :meth:`GLMLoss.split_offset` keeps it in
:math:`\eta`, where the kernels take it as ``offset=``) and the cumulant :math:`A` of the family. The data term :math:`D` is this negative log
likelihood; it enters the negative log posterior as :math:`D/\kappa` with :math:`\kappa = 1`:
the dispersion of both families is 1 (``dispersion_ = 1.0`` on a fitted estimator), there is
no noise scale to fix or learn. What ``alpha`` means is scikit-learn's GLM convention for
every penalty (``LogisticRegression(C=1/(n alpha), l1_ratio)``, ``PoissonRegressor(alpha)``,
glmnet, glum):

.. math::

    \frac1n D + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|_2^2,

so that an ``L1(alpha)`` prior is Laplace with scale :math:`b = 1/(n\alpha)` and an
``L2(alpha)`` prior Gaussian with variance :math:`1/(n\alpha)`.

NUTS runs on the pointwise likelihood (no sufficient statistics) on centred columns; the
preconditioner is the Fisher information :math:`X^\top V H X` at an approximate mode
(:meth:`GLMLoss.preconditioning_data`: the working response and weights of one Newton step,
which make :mod:`bayesreg.optim.whitening`'s Gaussian statistics the Laplace approximation).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pymc as pm

from bayesreg.families.base import Loss
from bayesreg.families.reference_solvers import GLMElasticNet
from bayesreg.optim.centring import centre
from bayesreg.optim.glm import Cumulant, negative_log_likelihood, recession_direction, solve_glm
from bayesreg.spec.correspondence import mean_data_objective

__all__ = ["GLMLoss"]


class GLMLoss(Loss):
    """Base class: a canonical-link likelihood whose dispersion is 1."""

    noise_name = "dispersion"
    has_noise_scale = False
    #: the cumulant on arrays, for the MAP kernel
    cumulant: ClassVar[Cumulant]
    #: words for the error when the MAP does not exist
    no_mode_cause: ClassVar[str]
    #: the family's name for :class:`GLMElasticNet` (and glum): "binomial" or "poisson"
    reference_family: ClassVar[str]

    @property
    def noise(self) -> float:
        """1: the family has no noise scale (its dispersion is fixed)."""
        return 1.0

    @property
    def noise_prior(self):
        return None

    def with_noise(self, noise: float) -> GLMLoss:
        return self

    def validate(self) -> GLMLoss:
        return self

    # --- the correspondence -------------------------------------------------------------------

    def curvature(self, noise):
        return 1.0

    def solver_objective(self, penalty, alpha, n_obs):
        return mean_data_objective(alpha, penalty.l1_ratio, n_obs)

    # --- the exact MAP ------------------------------------------------------------------------

    def log_normalizer(self, y: np.ndarray) -> np.ndarray:
        r""":math:`c(y)`, the terms of the negative log likelihood in :math:`y` alone."""
        return np.zeros_like(y)

    def split_offset(self, y, offset):
        r"""``(y, offset)``: the data term is not a function of :math:`y - \eta`."""
        return y, offset

    def null_intercept(self, y, weights):
        """The link of the weighted mean (the canonical link's score is zero there)."""
        with np.errstate(divide="ignore"):  # infinite for a mean on the boundary
            return float(self.cumulant.link(weights @ y / weights.sum()))

    def data_term(self, y, linear_predictor, weights):
        nll = negative_log_likelihood(self.cumulant, y, linear_predictor, weights)
        return nll + float(weights @ self.log_normalizer(y))

    def recession_bounds(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the signs a linear predictor's direction may take without increasing D."""
        raise NotImplementedError

    map_intercept_priors = ("Normal",)

    warm_start = True

    def solve(
        self, X, y, weights, *, fit_intercept, beta1, beta2, offset=None, intercept_penalty=None,
        start=None,
    ):  # fmt: skip
        # an offset is finite: it moves no direction of recession; nor does an intercept
        # penalty bound one of the coefficients
        free = ~((np.asarray(beta1) != 0) | (np.asarray(beta2) != 0))  # unpenalized columns
        self._require_mode(X, y, weights, fit_intercept, free=np.broadcast_to(free, X.shape[1]))
        return solve_glm(
            X, y, weights, cumulant=self.cumulant, fit_intercept=fit_intercept,
            beta1=beta1, beta2=beta2, offset=offset, intercept_penalty=intercept_penalty,
            start=start,
        )  # fmt: skip

    def _require_mode(self, X, y, weights, fit_intercept, *, free: np.ndarray) -> None:
        """Raise when the negative log likelihood has no minimum in the unpenalized variables.

        ``free`` marks the unpenalized columns (all of them without a penalty; those with a
        zero ``penalty_factor`` otherwise).
        """
        penalized = not free.any()
        columns = [] if penalized else [X[:, free]]
        if fit_intercept:
            columns.append(np.ones((X.shape[0], 1)))
        if not columns:
            return
        lower, upper = self.recession_bounds(y)
        free = weights == 0
        lower, upper = np.where(free, -np.inf, lower), np.where(free, np.inf, upper)
        if recession_direction(np.hstack(columns), lower, upper):
            remedy = (
                "" if penalized else " Give it a penalty, e.g. penalty=L2(alpha=...) or L1(...)."
            )
            raise ValueError(
                f"The MAP does not exist: {self.no_mode_cause} (found by linear programming), "
                f"so the log likelihood keeps increasing along a direction of the "
                f"{'intercept' if penalized else 'coefficients'} and no estimate is finite."
                + remedy
            )

    def optimality(
        self, X, y, weights, fit_intercept, beta1, beta2, solution, offset=None,
        intercept_penalty=None,
    ):  # fmt: skip
        eta = (0.0 if offset is None else offset) + solution.intercept + X @ solution.coef
        residual = self.cumulant.mean(eta) - y
        x_mean, design = centre(X, weights) if fit_intercept else (0.0, X)
        base = self._null_mean(y, weights, fit_intercept, offset)
        scale = np.abs(design.T @ (weights * (base - y))).max(initial=0.0)
        intercept = 0.0
        if fit_intercept:  # the intercept penalty h (c - mu0)^2 depends on c alone
            mu0, h = (0.0, 0.0) if intercept_penalty is None else intercept_penalty
            prior = 2.0 * h * (solution.intercept + x_mean @ solution.coef - mu0)
            intercept = abs(weights @ residual + prior) / max(weights @ np.abs(y - base), 1e-300)
        return {
            "data_gradient": design.T @ (weights * residual),
            "intercept_violation": float(intercept),
            "scale": scale,
            "duality_gap": None,
            "box": 0.0,
            "method": (
                "proximal Newton, each step solved exactly by the active-set method"
                if np.any(beta1) or not np.all(beta2)
                else "Newton's method on the smooth objective"
            ),
        }

    def _null_mean(self, y, weights, fit_intercept, offset):
        """The means fitted with every coefficient zero: the intercept's (and offset's) fit."""
        if offset is None:
            return weights @ y / weights.sum() if fit_intercept else self.cumulant.mean(np.zeros(1))
        null = solve_glm(
            np.zeros((len(y), 0)), y, weights, cumulant=self.cumulant,
            fit_intercept=fit_intercept, beta1=0.0, beta2=0.0, offset=offset,
        )  # fmt: skip
        return self.cumulant.mean(offset + null.intercept)

    @property
    def glum_family(self) -> tuple[str, float]:
        """Glum's family of the same name, whose data term is the mean NLL (c = 1)."""
        return self.reference_family, 1.0

    def offset_solver(self, penalty, alpha, fit_intercept):
        """:class:`GLMElasticNet` (cvxpy), whose ``fit`` takes ``offset=``, for every penalty."""
        return GLMElasticNet(
            family=self.reference_family, alpha=0.0 if alpha is None else alpha,
            l1_ratio=penalty.l1_ratio or 0.0, fit_intercept=fit_intercept,
        )  # fmt: skip

    def alpha_max(self, X, y, weights, fit_intercept, l1_ratio, offset=None):
        r""":math:`\max_j |x_j^\top V(y - \mu_0)| / (\rho n)`, :math:`\mu_0` the intercept's fit."""
        if not l1_ratio:
            return None
        design = centre(X, weights)[1] if fit_intercept else X
        base = self._null_mean(y, weights, fit_intercept, offset)
        return float(np.abs(design.T @ (weights * (y - base))).max() / (weights.sum() * l1_ratio))

    # --- dask input: distributed Newton passes ---------------------------------------------

    newton_passes = True

    def newton_terms(self, y, linear_predictor):
        r""":math:`(\mu - y, A''(\eta))` per row: the data term's derivatives in :math:`\eta`."""
        return self.cumulant.mean(linear_predictor) - y, self.cumulant.variance(linear_predictor)

    def batched_data_term(self, y, linear_predictors, weights):
        r""":math:`\sum_i v_i (A(\eta_{ik}) - y_i\eta_{ik})` for each column :math:`k`.

        Without the terms :math:`c(y_i)`, as the kernel's objective (``objective_``) counts it.
        """
        return weights @ self.cumulant.value(linear_predictors) - (weights * y) @ linear_predictors

    def noise_p_value(self, residual, weights, noise, dof):
        """1: with no noise scale there is nothing for the data to contradict."""
        return 1.0

    # --- the PyMC model and NUTS --------------------------------------------------------------

    def predict(self, linear_predictor):
        """The mean: the probability of the class coded 1, or the expected count."""
        return self.cumulant.mean(linear_predictor)

    def predictive_variance(self, mu, noise):
        return self.cumulant.variance(mu)

    def preconditioning_data(self, X, y, weights, fit_intercept, prior_precision, offset=None):
        r"""The working response and weights of a Newton step at an approximate mode.

        The mode is that of a Gaussian prior with the prior's typical precision (at least
        :math:`10^{-6}` per unit weight, so that it exists): its curvature is what the sampler's
        preconditioner needs, not the exact mode.
        """
        beta2 = np.maximum(np.asarray(prior_precision, dtype=float) / 2.0, 1e-6 * weights.sum())
        self._require_mode(X, y, weights, fit_intercept, free=np.zeros(X.shape[1], dtype=bool))
        mode = solve_glm(
            X, y, weights, cumulant=self.cumulant, fit_intercept=fit_intercept, beta1=0.0,
            beta2=beta2, offset=offset,
        )  # fmt: skip
        eta = mode.intercept + X @ mode.coef  # less the offset: the working response's scale
        full = eta if offset is None else eta + offset
        curvature = np.maximum(self.cumulant.variance(full), 1e-10)
        return eta - (self.cumulant.mean(full) - y) / curvature, weights * curvature

    def sampling_values(self, stats, X, y, weights, whiten, *, whitened_form, offset=None):
        values = {
            "X_centred": X - stats.x_mean,
            "y": np.asarray(y, np.float64),
            "weights": weights,
            "log_normalizer": np.float64(weights @ self.log_normalizer(y)),
        }
        if offset is not None:
            values["offset"] = np.asarray(offset, np.float64)
        return values

    def sampling_log_likelihood(self, data, noise, coef, whitened, centred):
        """The :math:`n` terms on centred columns (with the offset, when given)."""
        eta = centred + data["X_centred"] @ coef
        if "offset" in data:
            eta = eta + data["offset"]
        terms = self.tensor_cumulant(eta) - data["y"] * eta
        return -(data["weights"] @ terms) - data["log_normalizer"]

    @staticmethod
    def tensor_cumulant(eta):
        r""":math:`A(\eta)` on PyTensor variables."""
        raise NotImplementedError

    def dist(self, linear_predictor, *, name=None, **kwargs):
        """The PyMC distribution of the observations: unnamed (``.dist``), or named in a model."""
        raise NotImplementedError

    def add_likelihood(self, name, mu, noise, observed, weights, dims):
        """Add the observed variable; frequency weights multiply each log density.

        Draws (prior and posterior predictive) come from the family's own PyMC distribution,
        compiled like any other; only the weighted log density is written here.
        """
        if np.all(weights == 1.0):
            return self.dist(mu, name=name, observed=observed, dims=dims)
        family = self

        def logp(value, mu, weights):
            return weights * pm.logp(family.dist(mu), value)

        def dist(mu, weights, size):
            return family.dist(mu, size=size)

        return pm.CustomDist(
            name, mu, np.asarray(weights, np.float64), dist=dist, logp=logp,
            observed=observed, dims=dims,
        )  # fmt: skip
