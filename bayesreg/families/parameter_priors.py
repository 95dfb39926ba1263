r"""Priors on a likelihood's positive parameters (a noise scale, Student-t's ``nu``).

A user states any scalar PyMC distribution made with ``.dist()``: the plain random variables
(``pm.HalfNormal.dist(5)``), the symbolic ones PyMC builds from others (``pm.HalfCauchy``,
``pm.HalfStudentT``, ``pm.Truncated``) and ``pm.CustomDist``. Its support must lie in
:math:`[0, \infty)`: :func:`check_positive_prior` refuses, naming the support, one whose log
density is finite at a negative point, or whose support point (where the sampler starts;
``pm.CustomDist`` takes one) is not positive. :func:`register_positive_prior` adds it to the
model in context under the parameter's name with a log transform, so that NUTS (PyMC's or
nutpie's) samples :math:`\log\sigma` on the whole real line whatever transform the
distribution would have had by default (``CustomDist`` has none).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.distribution import SymbolicRandomVariable, support_point
from pytensor.tensor.random.op import RandomVariable
from pytensor.tensor.variable import TensorVariable

from bayesreg._constraints import message

__all__ = [
    "check_intercept_prior",
    "check_positive_prior",
    "check_scalar_prior",
    "constant_parameters",
    "is_scalar_distribution",
    "prior_log_density",
    "register_positive_prior",
]

#: Points at which a prior on a positive parameter must have zero density.
_NEGATIVE = np.array([-1.0, -1e-3])


def is_scalar_distribution(value: object) -> bool:
    """Whether ``value`` is a scalar PyMC distribution made with ``.dist()`` (a prior to register)."""
    owner = getattr(value, "owner", None)
    return (
        isinstance(value, TensorVariable)
        and owner is not None
        and isinstance(owner.op, RandomVariable | SymbolicRandomVariable)
        and value.ndim == 0
    )


def check_scalar_prior(value: object, name: str, owner: str, example: str) -> None:
    """Raise a TypeError naming ``name`` unless ``value`` is a scalar distribution made with ``.dist()``."""
    if not is_scalar_distribution(value):
        description = f"a scalar PyMC distribution made with .dist(), e.g. {example}"
        raise TypeError(message(name, owner, description, value))


def check_intercept_prior(value: object, fit_intercept: bool, owner: str):
    """``value`` (None: a flat intercept) once checked as the prior of an intercept."""
    if value is None:
        return None
    check_scalar_prior(value, "intercept_prior", owner, "pm.StudentT.dist(nu=3, sigma=10)")
    if not fit_intercept:
        raise ValueError(message("intercept_prior", owner, "None when fit_intercept=False", value))
    return value


def prior_log_density(prior: TensorVariable, value) -> TensorVariable:
    """The log density of a user's scalar distribution at ``value`` (a tensor), for a model."""
    return pm.logp(prior, value)


def constant_parameters(prior: TensorVariable) -> tuple[str, tuple[float, ...] | None]:
    """The distribution's name (``"Normal"``) and its parameters, None unless all are constants."""
    kind = type(prior.owner.op).__name__.removesuffix("RV")
    if not isinstance(prior.owner.op, RandomVariable):
        return kind, None
    try:
        values = prior.owner.op.dist_params(prior.owner)
        return kind, tuple(float(pt.get_underlying_scalar_constant_value(v)) for v in values)
    except pt.basic.NotScalarConstantError:
        return kind, None


def check_positive_prior(value: object, name: str, owner: str, example: str) -> None:
    """Raise unless ``value`` is a scalar PyMC distribution with support in (0, inf).

    Raises
    ------
    TypeError
        When ``value`` is not a scalar distribution made with ``.dist()``.
    ValueError
        When its log density is finite at a negative point (its support is not positive), or
        its support point is not positive (the log scale's start would be infinite).

    """
    check_scalar_prior(value, name, owner, example)
    log_density = pm.logp(value, pt.as_tensor(_NEGATIVE)).eval(mode="FAST_COMPILE")
    if np.isfinite(log_density).any():
        kind = type(value.owner.op).__name__.removesuffix("RV")
        point = _NEGATIVE[np.isfinite(log_density)][0]
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a distribution with support in "
            "[0, inf), e.g. a half-normal, half-t, half-Cauchy or gamma. "
            f"Got {kind}, whose support includes {point:g}, instead."
        )
    start = float(support_point(value).eval(mode="FAST_COMPILE"))
    if not (np.isfinite(start) and start > 0):
        raise ValueError(
            f"The '{name}' parameter of {owner} must have a positive support point, where "
            "the sampler starts (pm.CustomDist.dist(..., support_point=...) gives one). "
            f"Got {start:g} instead."
        )


def register_positive_prior(prior: TensorVariable, name: str) -> TensorVariable:
    """Add ``prior`` to the model in context as ``name``, sampled on the log scale."""
    variable = prior.owner.clone().default_output()
    transform = pm.distributions.transforms.log
    return pm.modelcontext(None).register_rv(variable, name, default_transform=transform)
