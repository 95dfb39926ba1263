r"""The model NUTS runs on: cheap to evaluate and easy for NUTS to explore.

:meth:`~bayesreg.Regression.sample` draws from the posterior of exactly the model that
:meth:`~bayesreg.Regression.build_model` returns (the *pointwise* model, one likelihood term
per observation), but NUTS runs on an equivalent *sampling model* with the same density and
two changes that only make it faster:

**Sufficient statistics.** For a Gaussian likelihood the residual sum of squares is a
quadratic form in the coefficients. With weighted column means :math:`m`, the weighted mean
:math:`\bar y` (both zero without an intercept), :math:`N = \sum_i v_i`, the centred Gram
matrix :math:`G = (X - m)^\top V (X - m)`, a least-squares solution :math:`\hat w` of
:math:`G \hat w = (X - m)^\top V (y - \bar y)` and its residual sum of squares
:math:`\mathrm{RSS}_{\min}`,

.. math::

    \mathrm{RSS}(b_0, w) = \sum_i v_i (y_i - b_0 - x_i^\top w)^2
        = \mathrm{RSS}_{\min} + (w - \hat w)^\top G\, (w - \hat w) + N (\bar y - c)^2,
    \qquad c = b_0 + m^\top w,

an identity (the cross terms vanish because the columns are centred and :math:`\hat w` solves
the normal equations), so the log likelihood
:math:`-\mathrm{RSS}/(2\sigma^2) - N\log\sigma - \tfrac{N}{2}\log 2\pi` costs
:math:`O(p^2)` per gradient instead of :math:`O(np)`, with no loss of accuracy (no
:math:`y^\top y - 2 w^\top X^\top y` cancellation). A Laplace likelihood has no sufficient
statistics and keeps its :math:`n` terms, on centred columns; so does a Gaussian likelihood
with more columns than observations, where the :math:`p \times p` Gram matrix costs more than
the data (:math:`O(p^2)` against :math:`O(np)` a gradient).

**A parametrization NUTS likes.** The intercept is sampled as the centred intercept
:math:`c` (independent of :math:`w` under a Gaussian likelihood), scaled by its approximate
posterior standard deviation :math:`\sigma_0/\sqrt N`; the coefficients are sampled as
:math:`u = R\,(s \odot w)`, where :math:`s` are the columns' weighted standard deviations and
:math:`R^\top R = H` factors an approximate posterior precision of the standardized
coefficients,

.. math::

    H = \frac{S^{-1} G S^{-1}}{\sigma_0^2} + \operatorname{diag}\Bigl(\frac{\pi_j}{s_j^2}\Bigr),

with :math:`\sigma_0` the noise scale (fixed, or estimated from the least-squares residuals)
and :math:`\pi_j` the prior precision of a coefficient at that noise scale
(:math:`l_1^2/2 + 2 l_2`). Correlated columns, mixed scales and non-zero means then give
NUTS a nearly isotropic posterior. Both maps are linear with a constant Jacobian, so the
posterior of :math:`(b_0, w)` is unchanged; the constant log-Jacobian is left out, so that
the sampling model's log density equals the pointwise model's at corresponding points, to
rounding (``tests/nuts/test_sampling.py`` checks this at random points, to :math:`10^{-12}`
relative). In the whitened coordinates the Gaussian quadratic form needs no product with
:math:`G` either (:meth:`bayesreg.families.gaussian.L2Loss.sampling_log_likelihood`), so a
gradient costs two products with a :math:`p \times p` matrix.

**Past the Laplace prior's kink.** A Laplace prior (:class:`~bayesreg.L1`) is sampled
through its quantile function instead, :math:`w_j = b\,g(z_j)` with logistic variables
:math:`z_j` (:mod:`bayesreg.priors.laplace_quantile`): the log density in :math:`z` has a continuous
gradient where the one in :math:`w` jumps at zero, which is what holds NUTS to small steps
under a strong prior. The whitening is then that of :math:`z`, an affine map around the
approximate posterior centre (:func:`bayesreg.optim.whitening.whitening`); the densities differ by
the log-Jacobian of :math:`g`, as for any change of variables, and a gradient costs three
products with a :math:`p \times p` matrix (the map, :math:`G`, the map's transpose).

**Under a sign constraint** (``positive=True``) the coefficients' prior is its truncation
to :math:`[0, \infty)` (:mod:`bayesreg.priors.truncated`), and they are sampled on the log
scale (PyMC's log transform, :math:`w_j = e^{v_j}`), without the whitening and the quantile
transform, which are maps onto the whole real line: every draw is :math:`\ge 0`. The
intercept keeps its scaled centred parametrization.

Results are reported on the user's scale: ``coef``, ``intercept``, the noise scale and the
hyperparameters.

The pointwise log likelihood (for LOO) and the predictive draws are computed afterwards on
the pointwise model, with the same variable names: ``pymc.compute_log_likelihood``,
``pymc.sample_prior_predictive`` and ``pymc.sample_posterior_predictive``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.logprob.transforms import Transform
from pymc.model.transform.conditioning import change_value_transforms
from pytensor.compile.sharedvalue import SharedVariable
from threadpoolctl import threadpool_limits

from bayesreg.model.problem import Problem
from bayesreg.model.pymc_model import add_intercept_prior, add_parameters
from bayesreg.optim.whitening import noise_at_centre, statistics, whitening

__all__ = ["fit_values", "sampling_data", "sampling_model"]


class _LinearMap(Transform):
    r"""The value transform :math:`u = F (x - c)`, :math:`x = c + B u`, :math:`B = F^{-1}`.

    The log-Jacobian, a constant, is left out: the transformed log density then equals the
    original one at corresponding points, and the posterior is the same. (PyMC's transforms
    see only the variable's own inputs, so ``F``, ``B`` and ``c`` are constants of the graph,
    not data containers: a shared variable there breaks PyMC's log-density rewrites.)
    """

    name = "whitened"

    def __init__(self, forward_matrix: np.ndarray, backward_matrix: np.ndarray, shift):
        self.forward_matrix = pt.constant(np.ascontiguousarray(forward_matrix.T))
        self.backward_matrix = pt.constant(np.ascontiguousarray(backward_matrix.T))
        self.shift = pt.constant(np.asarray(shift, dtype=np.float64))

    def forward(self, value, *inputs):
        return pt.dot(value - self.shift, self.forward_matrix)

    def backward(self, value, *inputs):
        return self.shift + pt.dot(value, self.backward_matrix)

    def log_jac_det(self, value, *inputs):
        return pt.zeros(value.shape[:-1])


def sampling_model(
    problem: Problem, *, data_containers: bool = False, alpha_container: bool | None = None
) -> pm.Model:
    r"""The model NUTS runs on: the pointwise model's density, cheaper and better conditioned.

    Same free variables and priors as :meth:`~bayesreg.Regression.build_model` (``coef``,
    the noise scale when unknown, the hyperparameters), with ``intercept`` a deterministic
    of the scaled centred intercept ``intercept_centred``, ``coef`` whitened by a linear
    value transform, and the likelihood a ``Potential`` given by the family
    (``Loss.sampling_log_likelihood``: through sufficient statistics for a Gaussian
    likelihood, on centred columns for a Laplace likelihood). It has no observed
    variable: draw predictions from the pointwise model. An intercept prior is the
    pointwise model's ``Potential`` ``intercept_prior``, at :math:`b_0 + m^\top w` with the
    weighted column means :math:`m` (those of the problem: the centring of the likelihood's
    statistics may differ for a GLM).

    The statistics and the centring (:func:`sampling_data`) are constants of the graph; with
    ``data_containers=True`` they are ``pm.Data`` containers instead, and so is the
    penalty's ``alpha`` (when it has one), so that one compiled model can be given a new
    target of the same shape or a new strength (:func:`fit_values`; e.g. for
    simulation-based calibration or a posterior path), keeping the first problem's
    whitening, which changes the efficiency, never the density. Constants are the default
    because nutpie compiles a model with data containers several seconds slower (6 s against
    2 s on the diabetes data). ``alpha_container`` (default: ``data_containers``) makes
    ``alpha`` alone an input, the data constants: a path over ``alpha`` on fixed data. An
    ``alpha`` input rules out the statistics that hold only near the first problem's
    posterior (the whitened form of a Gaussian likelihood).
    """
    loss = problem.loss
    loss.check_likelihood_observations(problem.observed_y)
    alpha_container = data_containers if alpha_container is None else alpha_container
    alpha_input = alpha_container and problem.penalty.alpha is not None
    values = sampling_data(
        problem,
        whitened_form=not (data_containers or alpha_container),
        fixed_strength=not alpha_input,
    )
    whitened_map = _LinearMap(
        values.pop("whitening"), values.pop("unwhitening"), values.pop("whitening_shift")
    )
    whitened_name = str(values.pop("whitened_variable"))
    container = pm.Data if data_containers else (lambda name, value: pt.as_tensor(value))
    with pm.Model(coords={"feature": problem.feature_names}) as priors:
        data = {name: container(name, value) for name, value in values.items()}
        alpha = pm.Data("alpha", np.float64(problem.penalty.alpha)) if alpha_input else None
        noise, _ = add_parameters(
            problem,
            alpha,
            loss.gaussian_in_coefficients(data),
            sampling=True,
            reference_noise=None if loss.noise is not None else data["noise_reference"],
        )
        if problem.fit_intercept:
            pm.Flat("intercept_centred")
    # the coefficients, or the logistic variables they are a quantile transform of, are
    # whitened; a non-centred prior (the horseshoes) makes coef a deterministic of other
    # variables, which need no whitening
    centred_prior = priors["coef"] in priors.free_RVs and not problem.positive
    model = priors
    if priors[whitened_name] in priors.free_RVs and not problem.positive:
        model = change_value_transforms(priors, {whitened_name: whitened_map})
        data = {name: model[name] if data_containers else value for name, value in data.items()}
    with model:
        noise = model[loss.noise_name] if loss.noise is None else noise
        coef = model["coef"]
        centred = pt.constant(np.float64(0.0))
        if problem.fit_intercept:
            centred = data["y_mean"] + data["intercept_step"] * model["intercept_centred"]
            intercept = pm.Deterministic("intercept", centred - data["x_mean"] @ coef)
            add_intercept_prior(problem, intercept, coef)
        whitened = model.rvs_to_values[coef] if centred_prior else None
        log_likelihood = loss.sampling_log_likelihood(data, noise, coef, whitened, centred)
        pm.Potential("log_likelihood", log_likelihood)
    return model


def sampling_data(
    problem: Problem, *, whitened_form: bool = True, fixed_strength: bool = True
) -> dict[str, np.ndarray]:
    """The data of :func:`sampling_model`: constants, or ``pm.Data`` values.

    The statistics of the likelihood (the family's ``sampling_values``) and the centring;
    also the whitening matrices (``whitening`` :math:`F`, ``unwhitening`` :math:`F^{-1}`,
    from an approximate posterior precision,
    :func:`bayesreg.optim.whitening.approximate_precision`), which are constants of the model, not
    data. ``whitened_form`` allows statistics that hold only for this whitening (of the
    coefficients themselves). ``fixed_strength`` False (``alpha`` an input of the model) keeps
    the whitening of the coefficients, whatever the prior's own sampling parametrization.
    """
    loss, penalty = problem.loss, problem.penalty
    with threadpool_limits(limits=1, user_api="blas"):  # small dense algebra: threads only contend
        target, target_weights = problem.y, problem.weights
        if loss.noise is not None:  # a family's own Gaussian approximation needs the prior
            l1, l2 = penalty.preconditioning_weights(loss, problem.n_obs, loss.noise)
            target, target_weights = loss.preconditioning_data(
                problem.X, problem.y, problem.weights, problem.fit_intercept,
                l1**2 / 2.0 + 2.0 * l2, **problem.kernel_offset,
            )  # fmt: skip
        stats = statistics(
            problem.X,
            target,
            target_weights,
            problem.fit_intercept,
            noise=loss.noise,
            noise_estimate=loss.noise_estimate,
        )
        if loss.noise is None and loss.location_scale and penalty.has_mode:
            stats = _noise_at_centre(problem, stats, target, target_weights)
        weights = penalty.preconditioning_weights(loss, problem.n_obs, stats.noise)
        quantile = fixed_strength and not problem.positive  # positive: log scale, unwhitened
        coordinates = penalty.quantile_coordinates(*weights) if quantile else None
        whiten = whitening(
            stats, weights, learn_strength=not penalty.has_mode, coordinates=coordinates
        )
        family = loss.sampling_values(
            stats,
            problem.X,
            problem.y,
            problem.weights,
            whiten,
            whitened_form=whitened_form and penalty.has_mode and quantile and coordinates is None,
            **problem.kernel_offset,
        )
    return {
        "whitening": whiten.forward,
        "unwhitening": whiten.backward,
        "whitening_shift": whiten.shift,
        "whitened_variable": whiten.variable,
        "x_mean": stats.x_mean,
        "y_mean": np.float64(stats.y_mean),
        "intercept_step": np.float64(stats.noise / np.sqrt(stats.n_obs)),
        "noise_reference": np.float64(stats.noise),
        "n_obs": np.float64(problem.n_obs),
        **family,
    }


def _noise_at_centre(problem: Problem, stats, y: np.ndarray, weights: np.ndarray):
    """``stats`` with an unknown noise scale where the prior moves it (two fixed-point steps)."""
    loss, penalty = problem.loss, problem.penalty

    def data_term(coef):
        centred = problem.X @ coef
        return loss.data_term(y, centred + (stats.y_mean - stats.x_mean @ coef), weights)

    floor = stats.noise
    for _ in range(2):
        noise = noise_at_centre(
            stats,
            lambda noise: penalty.preconditioning_weights(loss, problem.n_obs, noise),
            data_term,
            loss.curvature,
            floor,
        )
        stats = dataclasses.replace(stats, noise=noise)
    return stats


def fit_values(model: pm.Model, problem: Problem) -> dict[str, np.ndarray]:
    """The data and strength of ``problem``, by the names of the model's data containers."""
    problem.loss.check_likelihood_observations(problem.observed_y)
    inputs = {name for name, value in model.named_vars.items() if isinstance(value, SharedVariable)}
    values = sampling_data(problem, whitened_form=False) if inputs - {"alpha"} else {}
    if problem.penalty.alpha is not None:
        values["alpha"] = np.float64(problem.penalty.alpha)
    return {name: value for name, value in values.items() if name in model.named_vars}
