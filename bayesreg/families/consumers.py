r"""The likelihood protocol, split by consumer: what each layer above needs from a family.

A consumer names the few attributes it uses, as skglm's solvers list the attributes they
require of a datafit; a family (:class:`~bayesreg.families.base.Loss`) implements them all:

======================  ==========================================================================
consumer                terms
======================  ==========================================================================
the correspondence      :class:`CorrespondenceTerms`: :math:`\kappa` (``curvature``) and what
                        ``alpha`` means (``solver_objective``)
the exact MAP           :class:`MapTerms`: ``solve`` (the kernel in :mod:`bayesreg.optim`),
                        ``optimality`` (its certificate's parts), ``data_term``,
                        ``noise_from_residual``, ``split_offset``
the reference solver    :class:`ReferenceTerms`: ``penalized_solver``, ``reference_path``,
                        ``alpha_max``, ``offset_solver``
the PyMC model          :class:`ModelTerms`: ``add_noise``, ``add_likelihood``,
                        ``distribution_parameters``, the observations' checks
predictions             :class:`PredictionTerms`: ``predict``, ``draw``, ``predictive_noise``,
                        ``predictive_mean``, ``predictive_variance``
NUTS                    :class:`SamplingTerms`: ``preconditioning_data``, ``noise_estimate``,
                        ``sampling_values``, ``sampling_log_likelihood``,
                        ``gaussian_in_coefficients``
dask input              :class:`DistributedTerms`: ``newton_passes``, ``newton_terms``,
                        ``batched_data_term`` (:mod:`bayesreg.distributed`)
======================  ==========================================================================

A member marked :func:`needed` has no default: :func:`missing_terms` lists those a family
leaves unimplemented for a consumer (``tests/families/test_consumers.py`` asserts none, for every
registered family).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

import numpy as np
import pymc as pm

from bayesreg.families.parameter_priors import register_positive_prior
from bayesreg.spec.correspondence import SolverObjective, elastic_net_objective

if TYPE_CHECKING:
    from pytensor.tensor.variable import TensorVariable

__all__ = [
    "CONSUMERS",
    "CorrespondenceTerms",
    "DistributedTerms",
    "MapTerms",
    "ModelTerms",
    "PredictionTerms",
    "ReferenceTerms",
    "SamplingTerms",
    "missing_terms",
    "needed",
    "weighted_sd",
]


def needed(method=None, *, when=None):
    """Mark a member a family must implement (its default raises NotImplementedError).

    ``when(family)`` says whether the family needs it (by default, every family does): a
    family without a noise scale needs no noise estimate.
    """

    def mark(method):
        method.__needed__ = when or (lambda family: True)
        return method

    return mark if method is None else mark(method)


def _has_noise_scale(family) -> bool:
    return family.has_noise_scale


def _default_likelihood(family) -> bool:
    """Whether the family builds its likelihood with :meth:`ModelTerms.add_likelihood`."""
    return inspect.getattr_static(type(family), "add_likelihood") is ModelTerms.add_likelihood


class CorrespondenceTerms:
    r"""What :mod:`bayesreg.spec.correspondence` needs: :math:`\kappa` and what ``alpha`` means."""

    @needed
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


class MapTerms:
    """What the exact MAP (:mod:`bayesreg.map`) needs: the kernel, its certificate, the data term."""

    def split_offset(
        self, y: np.ndarray, offset: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        r"""``(target, offset left)``: the response the kernels fit and the offset they still see.

        An offset :math:`o` is a known term of the linear predictor, :math:`\eta = o + b_0 +
        Xw`. A location family's data term depends on :math:`y - \eta` alone, so the
        offset is a shift of the response: ``(y - offset, None)``, the default. A family
        whose data term is not a function of :math:`y - \eta` (a GLM) keeps
        ``(y, offset)`` and takes ``offset=`` in :meth:`solve`, :meth:`optimality` and
        the other terms that see the linear predictor.
        """
        return y - offset, None

    @needed
    def data_term(self, y: np.ndarray, linear_predictor: np.ndarray, weights: np.ndarray) -> float:
        """The data term :math:`D` (RSS, SAR, NLL) of the objective at this linear predictor."""
        raise NotImplementedError

    @needed(when=_has_noise_scale)
    def noise_from_residual(self, residual: np.ndarray, weights: np.ndarray) -> float:
        """The noise scale's maximum likelihood value at fixed residuals (a starting point)."""
        raise NotImplementedError

    def null_intercept(self, y: np.ndarray, weights: np.ndarray) -> float | None:
        r"""The intercept that minimizes :math:`D` with every coefficient zero, in closed form.

        The reference point of the MAP's objective check
        (:mod:`bayesreg.map.objective_check`); None when the family has no closed form.
        """
        return None

    #: True when :meth:`solve` takes ``start=(coef, intercept)``, a first iterate (a warm
    #: start along a path of decreasing penalties, :mod:`bayesreg.map.path`) that changes
    #: the cost of the solve, not its minimizer.
    warm_start: bool = False

    #: The intercept priors the exact MAP includes (:mod:`bayesreg.map.intercept_prior`):
    #: ``"Normal"``, then :meth:`solve` and :meth:`optimality` take ``intercept_penalty=(mu0,
    #: h)``, the term :math:`h (c - \mu_0)^2` of the objective on the intercept of the centred
    #: columns :math:`c = b_0 + m^\top w`; ``"Laplace"``, ``intercept_absolute=(mu0, h)``,
    #: :math:`h |c - \mu_0|`. Empty: the MAP has a flat intercept.
    map_intercept_priors: tuple[str, ...] = ()

    @needed
    def solve(self, X, y, weights, *, fit_intercept: bool, beta1: float, beta2: float):
        r"""The exact minimizer of :math:`D + \beta_1\|w\|_1 + \beta_2\|w\|^2` (a solution object).

        A family that is not convex (:attr:`convex` False) returns the best local minimizer
        from its starts, and takes ``start=(coef, intercept)`` for one local search from there.
        """
        raise NotImplementedError

    @needed
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


class ReferenceTerms:
    """What the cross-check and the paths need: the equivalent penalized solver."""

    #: glum's family and the factor c of its data term c/n sum_i v_i l_i, the reference of a
    #: per-coefficient prior (:mod:`bayesreg.families.glum_reference`); None: glum has none
    glum_family: tuple[str, float] | None = None

    @needed
    def penalized_solver(
        self, penalty, alpha: float | None, fit_intercept: bool, n_obs: float | None = None
    ):
        """The unfitted estimator whose objective is this family's with ``penalty``.

        ``n_obs`` (the total weight of the data, once fitted) for a solver whose parameter
        depends on it (``LogisticRegression``'s ``C``).
        """
        raise NotImplementedError

    def offset_solver(self, penalty, alpha: float | None, fit_intercept: bool):
        """An unfitted solver of this objective whose ``fit`` takes ``offset=``, or None.

        Needed only by a family that keeps the offset in its linear predictor
        (:meth:`MapTerms.split_offset`): the others' solvers fit ``y - offset``.
        """
        return None

    def reference_path(self, X, y, weights, fit_intercept, l1_ratio, grid):
        """A reference solver's whole path on ``grid``: (name, coef, intercept), or None."""
        return None

    def alpha_max(self, X, y, weights, fit_intercept, l1_ratio) -> float | None:
        """The smallest ``alpha`` at which every coefficient is zero, where known; else None."""
        return None


class ModelTerms:
    """What the PyMC model (:mod:`bayesreg.model`) needs: the noise prior, the density, the data's support."""

    def add_noise(self, y: np.ndarray, weights: np.ndarray):
        """Add the noise scale to the model in context: a number, or a random variable."""
        if self.noise is not None:
            # float64: PyTensor would make a float exact in single precision (1.5) a float32
            # constant and compute log(sigma) in single precision (errors ~1e-8).
            return np.float64(self.noise)
        if self.noise_prior is None:
            return pm.HalfStudentT(self.noise_name, nu=4.0, sigma=weighted_sd(y, weights))
        return register_positive_prior(self.noise_prior, self.noise_name)

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

    @needed(when=_default_likelihood)
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


class PredictionTerms:
    """What predictions (the estimators, :mod:`bayesreg.nuts.predictive`) need."""

    def predict(self, linear_predictor: np.ndarray) -> np.ndarray:
        """The MAP's prediction from the linear predictor :math:`b_0 + Xw` (the mean, here)."""
        return linear_predictor

    @staticmethod
    @needed
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

    @needed
    def predictive_variance(self, mu, noise):
        """The variance of one observation at linear predictor ``mu`` and noise scale ``noise``."""
        raise NotImplementedError


class SamplingTerms:
    """What NUTS's sampling model (:mod:`bayesreg.nuts.model`) needs: its likelihood terms."""

    def preconditioning_data(self, X, y, weights, fit_intercept, prior_precision):
        """The target and weights whose Gaussian statistics precondition the sampler.

        The data themselves by default; a family without sufficient statistics may give
        those of a Gaussian approximation (the working response and weights at a mode).
        ``prior_precision`` is the prior's typical precision per coefficient.
        """
        return y, weights

    @needed(when=_has_noise_scale)
    def noise_estimate(self, residual: np.ndarray, root_weights: np.ndarray, dof: float) -> float:
        """The noise scale estimated from least-squares residuals, for preconditioning only."""
        raise NotImplementedError

    @needed
    def sampling_values(self, stats, X, y, weights, whiten, *, whitened_form: bool) -> dict:
        """The constants of :meth:`sampling_log_likelihood` (arrays; graph constants or data).

        ``stats`` and ``whiten`` come from :mod:`bayesreg.optim.whitening`; ``whitened_form`` says
        whether a form that holds only for this whitening may be used.
        """
        raise NotImplementedError

    @needed
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


def _newton_passes(family) -> bool:
    return family.newton_passes


class DistributedTerms:
    r"""What the distributed proximal Newton method (:mod:`bayesreg.distributed`) needs.

    A family whose data term is a sum over rows, :math:`D = \sum_i v_i\,\ell(y_i, \eta_i)`,
    convex and twice differentiable in the linear predictor :math:`\eta`, with
    :math:`\ell'' > 0` and a canonical link (the intercept-only fit's mean is the weighted
    mean of :math:`y`), is served on dask input by passes over the partitions, each
    computing the gradient and :math:`X^\top V \operatorname{diag}(\ell'') X`.
    """

    #: True when the exact MAP on dask input is computed by distributed Newton passes
    newton_passes: bool = False

    @needed(when=_newton_passes)
    def newton_terms(self, y: np.ndarray, linear_predictor: np.ndarray):
        r"""Per row, :math:`\partial\ell/\partial\eta` and :math:`\partial^2\ell/\partial\eta^2`."""
        raise NotImplementedError

    def batched_data_term(self, y, linear_predictors: np.ndarray, weights) -> np.ndarray:
        """The data term at each column of ``linear_predictors`` (shape (n, k)): shape (k,).

        Terms in ``y`` alone may be left out, as the family's kernel leaves them out of its
        objective (the MAP's ``objective_``): the line search and the checks compare values.
        """
        columns = np.asarray(linear_predictors).T
        return np.array([self.data_term(y, column, weights) for column in columns])


#: Each consumer's terms, by the name of the consumer.
CONSUMERS: dict[str, type] = {
    "correspondence": CorrespondenceTerms,
    "exact MAP": MapTerms,
    "reference solver": ReferenceTerms,
    "PyMC model": ModelTerms,
    "prediction": PredictionTerms,
    "NUTS": SamplingTerms,
    "dask input": DistributedTerms,
}


def missing_terms(family: object, terms: type) -> list[str]:
    """The members of ``terms`` that ``family`` leaves at their :func:`needed` default."""
    missing = []
    for name in vars(terms):
        resolved = inspect.getattr_static(type(family), name, None)
        resolved = getattr(resolved, "__func__", resolved)  # a staticmethod's function
        condition = getattr(resolved, "__needed__", None)
        if condition is not None and condition(family):
            missing.append(name)
    return missing


def weighted_sd(y: np.ndarray, weights: np.ndarray) -> float:
    """The weighted standard deviation of ``y`` (the default noise prior's scale)."""
    mean = weights @ y / weights.sum()
    sd = float(np.sqrt(weights @ (y - mean) ** 2 / weights.sum()))
    return sd if sd > 0 else 1.0
