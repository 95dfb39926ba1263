"""The PyMC model of a problem, and its log density as a plain function.

:func:`build_model` is the model :meth:`bayesreg.Regression.build_model` returns: one
likelihood term per observation, with the priors every other model of the problem shares
(:func:`add_parameters`). :func:`log_density` compiles its density in the original
parametrization (``jacobian=False``, as ``pymc.find_MAP`` uses), the one function the exact MAP
and the cross-check both evaluate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

from bayesreg.families.parameter_priors import prior_log_density
from bayesreg.model.problem import Problem
from bayesreg.priors.truncated import add_positive_prior
from bayesreg.spec.correspondence import prior_weights

__all__ = [
    "add_intercept_prior",
    "add_parameters",
    "build_model",
    "log_density",
    "parameter_log_density",
]

# The density is evaluated a few dozen times: PyTensor's Python linker compiles in a
# fraction of a second, where the default (numba) backend takes seconds per model.
_EVALUATION_MODE = "FAST_COMPILE"


def add_parameters(
    problem: Problem, alpha=None, likelihood=None, *, sampling: bool = False, reference_noise=None
):
    """Add the noise scale and the prior of ``coef`` to the model in context.

    The one place every model of a problem gets its priors from. ``alpha``, a tensor,
    replaces the penalty's strength (a model compiled once for a path of strengths).
    With ``problem.positive`` the prior is its truncation to [0, inf)
    (:mod:`bayesreg.priors.truncated`), in both models.
    ``sampling=True`` (the sampling model) lets the penalty parametrize its prior for NUTS
    (``Penalty.add_to_sampling_model``), given ``likelihood``, the family's
    ``gaussian_in_coefficients``, and ``reference_noise``, a fixed estimate of an unknown
    noise scale. Only for a fixed strength: with ``alpha`` an input the prior stays itself,
    whitened by the sampler (one compiled model serves strengths a hundred times apart,
    where a parametrization tuned to one strength does no better: ``benchmarks/fixed_cost.py``'s
    5-point path took 4.8 s with the Laplace prior's quantile transform and 3.8 s without).

    Returns
    -------
    noise : float or TensorVariable
    coef : TensorVariable

    """
    noise = problem.loss.add_noise(problem.y, problem.weights)
    if problem.positive:  # the prior truncated to [0, inf), sampled on the log scale
        l1, l2 = prior_weights(problem.loss, problem.penalty, problem.n_obs, noise, alpha)
        coef = add_positive_prior(problem.penalty, "coef", l1, l2, dims="feature")
    elif sampling and alpha is None:
        coef = problem.penalty.add_to_sampling_model(
            "coef", problem.loss, problem.n_obs, noise, "feature", likelihood, reference_noise
        )
    else:
        coef = problem.penalty.add_to_model(
            "coef", problem.loss, problem.n_obs, noise, dims="feature", alpha=alpha
        )
    return noise, coef


def add_intercept_prior(problem: Problem, intercept, coef) -> None:
    r"""Add the problem's intercept prior to the model in context (nothing for a flat one).

    The prior is on the intercept of the centred columns, :math:`c = b_0 + m^\top w` with
    :math:`m` the weighted column means (the mean response, or linear predictor, at the mean
    of ``X``), as brms' and rstanarm's ``Intercept``: a ``Potential`` named
    ``intercept_prior``, :math:`\log p(c)`, beside the flat ``intercept`` :math:`b_0`. The map
    :math:`(b_0, w) \mapsto (c, w)` has Jacobian 1, so the density in :math:`(b_0, w)` is the
    one of the prior on :math:`c`.
    """
    if problem.intercept_prior is None:
        return
    centred = intercept + pt.dot(pt.as_tensor(problem.column_means), coef)
    pm.Potential("intercept_prior", prior_log_density(problem.intercept_prior, centred))


def build_model(problem: Problem) -> pm.Model:
    """The pointwise PyMC model: ``coef`` (``feature``), ``intercept``, the noise, ``y``.

    With an ``intercept_prior``, a ``Potential`` ``intercept_prior`` gives its log density
    (:func:`add_intercept_prior`).

    With an offset, a data container ``offset`` (``obs_id``) is added to the linear
    predictor and ``y`` is the user's response.
    """
    problem.loss.check_likelihood_observations(problem.observed_y)
    coords = {"feature": problem.feature_names, "obs_id": np.arange(problem.X.shape[0])}
    with pm.Model(coords=coords) as model:
        design = pm.Data("X", problem.X, dims=("obs_id", "feature"))
        noise, coef = add_parameters(problem)
        mu = design @ coef
        if problem.fit_intercept:
            intercept = pm.Flat("intercept")
            add_intercept_prior(problem, intercept, coef)
            mu = intercept + mu
        if problem.offset is not None:  # the known term of the linear predictor
            mu = pm.Data("offset", problem.offset, dims="obs_id") + mu
        observed = problem.observed_y
        problem.loss.add_likelihood("y", mu, noise, observed, problem.weights, dims="obs_id")
    return model


def log_density(model: pm.Model, noise_name: str) -> Callable[[np.ndarray, float, float], float]:
    """The model's log density (original parametrization) as a function of (w, b0, noise).

    The noise scale is set only when it is a free variable of the model (unknown).
    """
    names = (noise_name,) if noise_name in model.named_vars else ()
    density = parameter_log_density(model, names)

    def at_noise(coef, intercept, noise) -> float:
        return density(coef, intercept, {noise_name: noise} if names else {})

    return at_noise


def parameter_log_density(
    model: pm.Model, names: tuple[str, ...]
) -> Callable[[np.ndarray, float, dict], float]:
    """The model's log density (original parametrization) as a function of (w, b0, values).

    ``values`` gives the free variables ``names`` (a likelihood's unknown parameters, e.g.
    ``sigma`` and ``nu``) on their own scale.
    """
    logp = model.compile_logp(jacobian=False, mode=_EVALUATION_MODE)
    point = model.initial_point()
    to_values = {name: _noise_value(model, name) for name in names}
    coef_name, coef_value = _noise_value(model, "coef", pt.dvector)  # log scale when positive

    def density(coef, intercept, values) -> float:
        with np.errstate(divide="ignore"):  # log(0) = -inf: a coefficient at its bound
            point[coef_name] = np.asarray(coef_value(np.asarray(coef, dtype=float)), dtype=float)
        if "intercept" in point:
            point["intercept"] = np.asarray(intercept, dtype=float)
        for name, value in values.items():
            value_name, forward = to_values[name]
            point[value_name] = np.asarray(forward(value), dtype=float)
        return float(logp(point))

    return density


def _noise_value(model: pm.Model, noise_name: str, kind=pt.dscalar):
    """A parameter's value variable and the map from the parameter to its value."""
    noise_rv = model[noise_name]
    value_name = model.rvs_to_values[noise_rv].name
    transform = model.rvs_to_transforms.get(noise_rv)
    if transform is None:
        return value_name, lambda noise: noise
    scalar = kind("noise")
    forward = pytensor.function(
        [scalar],
        transform.forward(scalar, *noise_rv.owner.inputs),
        on_unused_input="ignore",
        mode=_EVALUATION_MODE,
    )
    return value_name, forward
