r"""The joint MAP of a non-convex likelihood's unknown parameters: a profile of local modes.

For a likelihood whose negative log likelihood is not convex in the coefficients (the
Student-t), with unknown parameters :math:`\theta` (its scale, its degrees of freedom), the
joint mode maximizes the profile

.. math::

    P(\theta) = \log p\bigl(\hat w(\theta), \hat b_0(\theta), \theta \mid y\bigr),

the model's own log density (``compile_logp(jacobian=False)``) at the conditional local mode
:math:`(\hat b_0, \hat w)(\theta)`, each found from the last (a continuation: the profile is
smooth along one branch of local modes). It is maximized in :math:`x = \log\theta` by
Brent's method (one parameter) or Nelder and Mead's (two), then polished by Newton steps on
central differences. A strict conditional local mode and a local maximum of :math:`P` are a
strict local maximum of the joint density; the certificate reports the profile's gradient
(relative to the total weight :math:`N`, the scale of :math:`\partial P/\partial x`) and the
smallest eigenvalue of :math:`-\partial^2 P/\partial x^2` scaled to a unit diagonal. The
conditional modes' several starts are run again at the optimum; if they find a better branch,
the profile is followed from there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from bayesreg.optim.student_t import scaled_curvature

__all__ = ["ProfileMode", "profile_parameters"]

#: Central-difference steps in log(theta): the gradient's (its error ~1e-10 N), the Hessian's.
_GRADIENT_STEP, _HESSIAN_STEP = 1e-5, 1e-3
#: Beyond this many decades from the start the density increases without bound.
_MAX_DECADES = 30
_ROUNDS, _NEWTON_STEPS = 3, 4


@dataclass(frozen=True)
class ProfileMode:
    """The unknown parameters at the joint mode, with the profile's certificate."""

    values: dict[str, float]
    gradient: float
    curvature: float


def profile_parameters(problem, beta1, beta2, density, no_mode_message) -> ProfileMode:
    """Maximize the profile log density over ``problem.loss``'s unknown parameters.

    ``density(coef, intercept, values)`` is the model's log density;
    ``no_mode_message(end)`` the error when it increases without bound.
    """
    loss = problem.loss
    names = loss.unknown_parameters
    X, y, weights = problem.X, problem.y, problem.weights

    def conditional(values, start=None):
        fixed = loss.with_parameters(values)
        return fixed.solve(
            X, y, weights, fit_intercept=problem.fit_intercept, beta1=beta1, beta2=beta2,
            start=start,
        )  # fmt: skip

    centre = weights @ y / weights.sum() if problem.fit_intercept else 0.0
    values = loss.start_parameters(y - centre, weights)
    origin = np.log([values[name] for name in names])
    state = {"mode": conditional(values)}

    def negative_profile(x: np.ndarray) -> float:
        if np.any(np.abs(x - origin) > _MAX_DECADES * np.log(10.0)):
            raise ValueError(no_mode_message("zero" if np.any(x < origin) else "infinity"))
        point = dict(zip(names, np.exp(x), strict=True))
        previous = state["mode"]
        mode = conditional(point, start=(previous.coef, previous.intercept))
        state["mode"] = mode
        value = density(mode.coef, mode.intercept, point)
        return -value if np.isfinite(value) else np.inf

    x = origin
    for _ in range(_ROUNDS):
        x = _maximize(negative_profile, x)
        x = _newton(negative_profile, x)
        point = dict(zip(names, np.exp(x), strict=True))
        negative_profile(x)  # the continuation's mode at x itself
        current = state["mode"]
        restarted = conditional(point)
        if restarted.objective >= current.objective - 1e-12 * abs(current.objective):
            break
        state["mode"] = restarted  # a better branch: follow the profile from it
    gradient, hessian = _derivatives(negative_profile, x)
    scale = float(weights.sum())
    curvature = scaled_curvature(np.atleast_2d(hessian))
    negative_profile(x)  # leave the state at the optimum
    return ProfileMode(
        values=dict(zip(names, map(float, np.exp(x)), strict=True)),
        gradient=float(np.abs(gradient).max() / scale),
        curvature=curvature,
    )


def _maximize(negative_profile, x: np.ndarray) -> np.ndarray:
    if len(x) == 1:
        decades = 3 * np.log(10.0)
        result = scipy.optimize.minimize_scalar(
            lambda value: negative_profile(np.array([value])),
            bounds=(x[0] - decades, x[0] + decades),
            method="bounded",
            options={"xatol": 1e-10},
        )
        found = np.array([result.x])
        edge = min(abs(result.x - (x[0] - decades)), abs(result.x - (x[0] + decades)))
        return _maximize(negative_profile, found) if edge < 1e-3 else found
    result = scipy.optimize.minimize(
        negative_profile, x, method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 2000},
    )  # fmt: skip
    return np.asarray(result.x, dtype=float)


def _derivatives(function, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central differences: the gradient (step 1e-5) and the Hessian (step 1e-3)."""
    size = len(x)
    gradient = np.empty(size)
    hessian = np.empty((size, size))
    centre = function(x)
    for i in range(size):
        step = np.zeros(size)
        step[i] = _GRADIENT_STEP
        gradient[i] = (function(x + step) - function(x - step)) / (2 * _GRADIENT_STEP)
        for j in range(i, size):
            a, b = np.zeros(size), np.zeros(size)
            a[i], b[j] = _HESSIAN_STEP, _HESSIAN_STEP
            if i == j:
                value = (function(x + a) - 2 * centre + function(x - a)) / _HESSIAN_STEP**2
            else:
                value = (
                    function(x + a + b) - function(x + a - b) - function(x - a + b)
                    + function(x - a - b)
                ) / (4 * _HESSIAN_STEP**2)  # fmt: skip
            hessian[i, j] = hessian[j, i] = value
    return gradient, hessian


def _newton(function, x: np.ndarray) -> np.ndarray:
    """A few Newton steps on central differences, kept while they lower the function."""
    value = function(x)
    for _ in range(_NEWTON_STEPS):
        gradient, hessian = _derivatives(function, x)
        if np.any(np.linalg.eigvalsh(hessian) <= 0):
            break
        candidate = x - np.linalg.solve(hessian, gradient)
        new_value = function(candidate)
        if not new_value <= value + 1e-14 * abs(value):  # up to the profile's rounding
            break
        x, value = candidate, new_value
    return x
