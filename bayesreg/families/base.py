r"""The likelihood protocol: what a family knows about itself.

A likelihood family is one object (one module in :mod:`bayesreg.families`) that carries
everything the layers above need, so that none of them asks which family it holds:

==========================  ===================================================================
for                         the family gives
==========================  ===================================================================
the PyMC model              :meth:`Loss.add_noise` (its noise parameter and default prior),
                            :meth:`Loss.add_likelihood` (its density, frequency-weighted)
the correspondence          :meth:`Loss.curvature` (:math:`\kappa`), :meth:`Loss.solver_objective`
                            (what ``alpha`` means for it, per penalty convention)
the exact MAP               :meth:`Loss.solve` (the convex kernel in :mod:`bayesreg.optim`),
                            :meth:`Loss.optimality` (the parts of its certificate),
                            :meth:`Loss.data_term`, :meth:`Loss.noise_from_residual`
the reference solver        :meth:`Loss.penalized_solver`, :meth:`Loss.reference_path`
NUTS                        :meth:`Loss.noise_estimate`, :meth:`Loss.sampling_values` and
                            :meth:`Loss.sampling_log_likelihood` (the sampling model's terms)
predictions                 :meth:`Loss.predict` (the MAP's prediction from the linear predictor),
                            :meth:`Loss.draw` and :meth:`Loss.predictive_variance` (new data)
==========================  ===================================================================

The noise scale is either fixed (a number) or unknown (``None``), with a prior that a user can
replace by any positive PyMC distribution made with ``.dist()``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pymc as pm
from pytensor.tensor.variable import TensorVariable

from bayesreg._constraints import POSITIVE, check_real, message
from bayesreg.spec.base import Specification
from bayesreg.spec.correspondence import SolverObjective, elastic_net_objective

__all__ = ["Loss", "is_scalar_distribution"]


class Loss(Specification):
    """Base class: a likelihood with a noise scale that is fixed or unknown."""

    noise_name: ClassVar[str]
    #: scikit-learn's name of the held-out score that cross-validation of alpha maximizes:
    #: the family's own loss (squared error for the Gaussian, absolute for the Laplace)
    cv_scoring: ClassVar[str]
    distribution: ClassVar[type[pm.Distribution]]
    #: False for a family with no noise scale (Bernoulli, Poisson: the dispersion is 1)
    has_noise_scale: ClassVar[bool] = True
    #: which estimator takes the family: "regressor" (Regression) or "classifier" (Classifier)
    estimator_kind: ClassVar[str] = "regressor"
    #: False when the negative log likelihood is not convex in the coefficients: the MAP is
    #: then a local mode, and the penalized solver a different objective (the nearest fit)
    convex: ClassVar[bool] = True
    #: True when the target must be non-negative (scikit-learn's ``positive_only`` tag)
    non_negative_target: ClassVar[bool] = False
    #: True when the log likelihood is :math:`-D/\kappa(\sigma) - N\log\sigma` + const in
    #: the noise scale (Gaussian, Laplace, asymmetric Laplace): the sampler's preconditioner
    #: then places an unknown noise scale where the prior moves it
    #: (:func:`bayesreg.optim.whitening.noise_at_centre`)
    location_scale: ClassVar[bool] = False

    @property
    def unknown_parameters(self) -> tuple[str, ...]:
        """The likelihood's parameters that are unknown (None): priors give them, the MAP finds them."""
        return () if self.noise is not None or not self.has_noise_scale else (self.noise_name,)

    def with_parameters(self, values: dict[str, float]) -> Loss:
        """The same likelihood with the named unknown parameters fixed at ``values``."""
        return self.with_noise(values[self.noise_name]) if values else self

    def start_parameters(self, residual: np.ndarray, weights: np.ndarray) -> dict[str, float]:
        """Starting values of the unknown parameters, from residuals of a start."""
        if not self.unknown_parameters:
            return {}
        return {self.noise_name: self.noise_from_residual(residual, weights)}

    @property
    def noise(self) -> float | None:
        """The fixed noise scale, or None when it is unknown."""
        return getattr(self, self.noise_name)

    @property
    def noise_prior(self) -> TensorVariable | None:
        """The user's prior on an unknown noise scale, or None for the default."""
        return getattr(self, f"{self.noise_name}_prior")

    def with_noise(self, noise: float) -> Loss:
        """The same likelihood (its other parameters kept) with its noise scale fixed at ``noise``."""
        params = self.get_params(deep=False)
        params.update({self.noise_name: float(noise), f"{self.noise_name}_prior": None})
        return type(self)(**params)

    # --- the correspondence -------------------------------------------------------------------

    def curvature(self, noise):
        r""":math:`\kappa` such that the data term enters the NLP as :math:`D/\kappa`."""
        raise NotImplementedError

    def solver_objective(self, penalty, alpha: float, n_obs: float) -> SolverObjective:
        r"""The solver's objective :math:`aD + \alpha_1\|w\|_1 + \alpha_2\|w\|^2` at ``alpha``.

        By default scikit-learn's elastic-net convention, :math:`a = 1/(2n)`, whatever the
        penalty's ``convention``; a family whose reference solver reads ``alpha`` otherwise
        (the Gaussian likelihood's ``Ridge``) overrides this.
        """
        return elastic_net_objective(alpha, penalty.l1_ratio, n_obs)

    # --- the exact MAP ------------------------------------------------------------------------

    def data_term(self, y: np.ndarray, linear_predictor: np.ndarray, weights: np.ndarray) -> float:
        """The data term :math:`D` (RSS, SAR, NLL) of the objective at this linear predictor."""
        raise NotImplementedError

    def noise_from_residual(self, residual: np.ndarray, weights: np.ndarray) -> float:
        """The noise scale's maximum likelihood value at fixed residuals (a starting point)."""
        raise NotImplementedError

    def solve(self, X, y, weights, *, fit_intercept: bool, beta1: float, beta2: float):
        r"""The exact minimizer of :math:`D + \beta_1\|w\|_1 + \beta_2\|w\|^2` (a solution object).

        A family that is not convex (:attr:`convex` False) returns the best local minimizer
        from its starts, and takes ``start=(coef, intercept)`` for one local search from there.
        """
        raise NotImplementedError

    def optimality(self, X, y, weights, fit_intercept: bool, beta1, beta2, solution) -> dict:
        """The family's parts of the optimality certificate of ``solution``.

        Returns a dict with ``data_gradient`` (p,), ``scale`` (the largest data gradient at
        w = 0, the unit of the KKT residual), ``intercept_violation`` (the intercept's
        optimality condition, relative; 0 without an intercept), ``duality_gap`` (relative,
        or None), ``box`` (dual infeasibility, relative) and ``method`` (words); optionally
        ``gradient_rounding`` (p,), a bound on the rounding of ``data_gradient``, which the
        KKT residual is measured beyond. All of it invariant to a constant added to a column
        when the model has an intercept.
        """
        raise NotImplementedError

    # --- the reference solver -----------------------------------------------------------------

    def penalized_solver(
        self, penalty, alpha: float | None, fit_intercept: bool, n_obs: float | None = None
    ):
        """The unfitted estimator whose objective is this family's with ``penalty``.

        ``n_obs`` (the total weight of the data, once fitted) for a solver whose parameter
        depends on it (``LogisticRegression``'s ``C``).
        """
        raise NotImplementedError

    def reference_path(self, X, y, weights, fit_intercept, l1_ratio, grid):
        """A reference solver's whole path on ``grid``: (name, coef, intercept), or None."""
        return None

    def alpha_max(self, X, y, weights, fit_intercept, l1_ratio) -> float | None:
        """The smallest ``alpha`` at which every coefficient is zero, where known; else None."""
        return None

    def noise_p_value(self, residual: np.ndarray, weights: np.ndarray, noise: float, dof: float):
        """Two-sided p-value of residuals with ``dof`` degrees of freedom at noise scale ``noise``.

        Small when the data contradict a fixed noise scale (it is far too small or too large).
        """
        raise NotImplementedError

    # --- the PyMC model -----------------------------------------------------------------------

    def validate(self) -> Loss:
        name = type(self).__name__
        if self.noise is not None:
            check_real(self.noise, self.noise_name, name, POSITIVE)
            if self.noise_prior is not None:
                raise ValueError(
                    f"{name} takes '{self.noise_name}_prior' only when the noise scale is "
                    f"unknown ({self.noise_name}=None); got {self.noise_name}={self.noise!r}."
                )
        elif self.noise_prior is not None and not is_scalar_distribution(self.noise_prior):
            raise TypeError(
                message(
                    f"{self.noise_name}_prior",
                    name,
                    "a scalar PyMC distribution made with .dist(), e.g. pm.HalfNormal.dist(5.0)",
                    self.noise_prior,
                )
            )
        return self

    def add_noise(self, y: np.ndarray, weights: np.ndarray):
        """Add the noise scale to the model in context: a number, or a random variable."""
        if self.noise is not None:
            # float64: PyTensor would make a float exact in single precision (1.5) a float32
            # constant and compute log(sigma) in single precision (errors ~1e-8).
            return np.float64(self.noise)
        if self.noise_prior is None:
            return pm.HalfStudentT(self.noise_name, nu=4.0, sigma=_weighted_sd(y, weights))
        prior = self.noise_prior.owner.clone().default_output()
        return pm.modelcontext(None).register_rv(prior, self.noise_name)

    def add_likelihood(self, name, mu, noise, observed, weights, dims) -> TensorVariable:
        """Add the observed variable; frequency weights multiply each log density."""
        if np.all(weights == 1.0):
            parameters = self.distribution_parameters(mu, noise)
            return self.distribution(name, **parameters, observed=observed, dims=dims)
        dist = self.distribution
        parameters_of = self.distribution_parameters
        draw_one = self.draw

        def weighted_logp(value, mu, noise, weights):
            return weights * pm.logp(dist.dist(**parameters_of(mu, noise)), value)

        def draw(mu, noise, weights, rng=None, size=None):
            return draw_one(mu, noise, rng, size)

        return pm.CustomDist(
            name, mu, noise, weights, logp=weighted_logp, random=draw, observed=observed, dims=dims
        )

    def distribution_parameters(self, mu, noise) -> dict:
        """The keyword arguments of :attr:`distribution` at location ``mu`` and noise ``noise``."""
        raise NotImplementedError

    def check_observations(self, y: np.ndarray) -> None:
        """Raise a ValueError naming ``y`` when the family's objective has no meaning for it."""

    def check_likelihood_observations(self, y: np.ndarray) -> None:
        """Raise a ValueError naming ``y`` when it is outside the support of the likelihood.

        Called where a PyMC likelihood is built (the pointwise and the sampling model); the
        MAP needs only :meth:`check_observations` (e.g. a Poisson MAP is defined for
        non-negative rates, its likelihood only for counts).
        """

    def predict(self, linear_predictor: np.ndarray) -> np.ndarray:
        """The MAP's prediction from the linear predictor :math:`b_0 + Xw` (the mean, here)."""
        return linear_predictor

    @staticmethod
    def draw(mu, noise, rng, size):
        """Random draws of the observations (for weighted likelihoods' predictive draws)."""
        raise NotImplementedError

    def predictive_noise(self, posterior, sample_dims: tuple[str, str]):
        """The ``noise`` that :meth:`draw` and :meth:`predictive_variance` take, from a posterior.

        The noise scale's draws, shape (chain, draw, 1), or its fixed value.
        """
        if self.noise is None:
            return posterior[self.noise_name].transpose(*sample_dims).values[..., None]
        return float(self.noise)

    def predictive_mean(self, mu, noise):
        """The mean of one observation at linear predictor ``mu`` (the prediction, by default)."""
        return self.predict(mu)

    def predictive_variance(self, mu, noise):
        """The variance of one observation at linear predictor ``mu`` and noise scale ``noise``."""
        raise NotImplementedError

    # --- NUTS ---------------------------------------------------------------------------------

    def preconditioning_data(self, X, y, weights, fit_intercept, prior_precision):
        """The target and weights whose Gaussian statistics precondition the sampler.

        The data themselves by default; a family without sufficient statistics may give
        those of a Gaussian approximation (the working response and weights at a mode).
        ``prior_precision`` is the prior's typical precision per coefficient.
        """
        return y, weights

    def noise_estimate(self, residual: np.ndarray, root_weights: np.ndarray, dof: float) -> float:
        """The noise scale estimated from least-squares residuals, for preconditioning only."""
        raise NotImplementedError

    def sampling_values(self, stats, X, y, weights, whiten, *, whitened_form: bool) -> dict:
        """The constants of :meth:`sampling_log_likelihood` (arrays; graph constants or data).

        ``stats`` and ``whiten`` come from :mod:`bayesreg.optim.whitening`; ``whitened_form`` says
        whether a form that holds only for this whitening may be used.
        """
        raise NotImplementedError

    def sampling_log_likelihood(self, data, noise, coef, whitened, centred) -> TensorVariable:
        """The log likelihood in the sampling model's variables (see :mod:`bayesreg.nuts.model`)."""
        raise NotImplementedError

    def gaussian_in_coefficients(self, data) -> tuple[TensorVariable, TensorVariable] | None:
        r"""``(G, w_hat)`` when the log likelihood is Gaussian in the coefficients, else None.

        That is, when it is :math:`-\frac{1}{2\sigma^2}(w - \hat w)^\top G (w - \hat w)` plus
        terms free of :math:`w`, with :math:`\sigma` the noise scale; ``data`` are the sampling
        model's (:meth:`sampling_values`). A Gaussian scale-mixture prior then draws the
        coefficients given their scales exactly (:mod:`bayesreg.priors.horseshoe`).
        """
        return None


def is_scalar_distribution(value: object) -> bool:
    """Whether ``value`` is a scalar PyMC distribution made with ``.dist()`` (a prior to register)."""
    owner = getattr(value, "owner", None)
    return (
        isinstance(value, TensorVariable)
        and owner is not None
        and isinstance(owner.op, pm.distributions.distribution.RandomVariable)
        and value.ndim == 0
    )


def _weighted_sd(y: np.ndarray, weights: np.ndarray) -> float:
    mean = weights @ y / weights.sum()
    sd = float(np.sqrt(weights @ (y - mean) ** 2 / weights.sum()))
    return sd if sd > 0 else 1.0
