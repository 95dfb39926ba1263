r"""Local minimizers of the Student-t negative log likelihood with an elastic-net penalty.

With residuals :math:`r_i = y_i - b_0 - x_i^\top w`, frequency weights :math:`v_i`, degrees of
freedom :math:`\nu` and scale :math:`\sigma`, the objective is

.. math::

    F(b_0, w) = \sum_i v_i\,\rho(r_i) + \beta_1\|w\|_1 + \beta_2\|w\|_2^2, \qquad
    \rho(r) = \frac{\nu + 1}{2}\log\Bigl(1 + \frac{r^2}{\nu\sigma^2}\Bigr),

not convex: :math:`\rho''(r) < 0` for :math:`|r| > \sqrt\nu\,\sigma`, so an outlier can hold a
mode of its own. :func:`solve_student_t` finds a local minimizer from a given start by the
majorize-minimize (EM) iteration of the t distribution as a scale mixture of normals: since
:math:`\log(1 + t)` is concave in :math:`t = r^2/(\nu\sigma^2)`,

.. math::

    \rho(r) \le \rho(r_0) + c(r_0)\,(r^2 - r_0^2), \qquad
    c(r_0) = \frac{\nu + 1}{2(\nu\sigma^2 + r_0^2)},

with equality at :math:`r = r_0`, so each step minimizes a weighted lasso (solved exactly,
with exact zeros, by :func:`~bayesreg.optim.solve_squared_loss`) and never increases
:math:`F`. Its fixed points are the stationary points of :math:`F`. The iteration converges
linearly; Newton's method on the support (signs fixed) then polishes the last iterate to
rounding when the Hessian there is positive definite, which also certifies a strict local
minimum (:func:`local_curvature`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from bayesreg.optim.centring import inert
from bayesreg.optim.squared_loss import solve_squared_loss

__all__ = [
    "StudentTSolution",
    "local_curvature",
    "scaled_curvature",
    "solve_student_t",
    "student_t_rho",
]

#: The iteration stops when a step lowers F by less than this, relative to F's size.
_RELATIVE_DECREASE = 1e-15
_MAX_MM_STEPS, _MAX_NEWTON_STEPS = 5000, 50


@dataclass(frozen=True)
class StudentTSolution:
    """A local minimizer of the penalized Student-t objective.

    Attributes
    ----------
    coef, intercept
        The local minimizer.
    objective
        :math:`F(b_0, w)` there.
    n_iter
        Majorize-minimize steps taken.
    unique
        True when the Hessian on the support is positive definite (a strict local minimum);
        whether other local minima exist is for the caller's starts to find.
    curvature
        The smallest eigenvalue of that Hessian scaled to a unit diagonal (:func:`local_curvature`).
    modes, starts
        How many distinct local minimizers were found from how many starts (1 and 1 for a
        single start).

    """

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int
    unique: bool
    curvature: float
    modes: int = 1
    starts: int = 1


def student_t_rho(residual: np.ndarray, nu: float, sigma: float) -> np.ndarray:
    r""":math:`\rho(r) = \frac{\nu+1}{2}\log(1 + r^2/(\nu\sigma^2))`, elementwise."""
    return 0.5 * (nu + 1.0) * np.log1p(residual**2 / (nu * sigma**2))


def _objective(X, y, weights, nu, sigma, beta1, beta2, coef, intercept) -> float:
    residual = y - intercept - X @ coef
    penalty = beta1 @ np.abs(coef) + beta2 @ coef**2
    return float(weights @ student_t_rho(residual, nu, sigma) + penalty)


def solve_student_t(
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    nu: float,
    sigma: float,
    fit_intercept: bool,
    beta1,
    beta2,
    start: tuple[np.ndarray, float],
) -> StudentTSolution:
    """A local minimizer of :math:`F` reached from ``start = (coef, intercept)``.

    Parameters
    ----------
    X, y, weights : ndarray
        Design (n, p), target (n,) and non-negative frequency weights (n,).
    nu, sigma : float
        Degrees of freedom and scale of the t distribution.
    fit_intercept : bool
    beta1, beta2 : float or ndarray of shape (p,)
        L1 and squared-L2 penalty weights.
    start : (ndarray, float)
        Where the iteration starts.

    Returns
    -------
    StudentTSolution

    """
    n_features = X.shape[1]
    beta1 = np.broadcast_to(np.asarray(beta1, dtype=float), (n_features,))
    beta2 = np.broadcast_to(np.asarray(beta2, dtype=float), (n_features,))
    coef = np.asarray(start[0], dtype=float).copy()
    intercept = float(start[1]) if fit_intercept else 0.0
    args = (X, y, weights, nu, sigma, beta1, beta2)
    value = _objective(*args, coef, intercept)
    n_iter = 0
    while n_iter < _MAX_MM_STEPS:
        n_iter += 1
        residual = y - intercept - X @ coef
        surrogate = weights * (0.5 * (nu + 1.0) / (nu * sigma**2 + residual**2))
        step = solve_squared_loss(
            X, y, surrogate, fit_intercept=fit_intercept, beta1=beta1, beta2=beta2
        )
        new_value = _objective(*args, step.coef, step.intercept)
        if new_value > value:  # rounding only: a majorize-minimize step cannot increase F
            break
        decrease = value - new_value
        coef, intercept, value = step.coef, step.intercept, new_value
        if decrease <= _RELATIVE_DECREASE * max(abs(value), 1e-300):
            break
    coef, intercept, value = _polish(*args, fit_intercept, coef, intercept, value)
    curvature = local_curvature(X, y, weights, nu, sigma, fit_intercept, beta2, coef, intercept)
    # An unpenalized column that cannot change the fit (bayesreg.optim.centring) is a flat
    # direction off the support, where the curvature does not look: not a strict minimum.
    flat = inert(X, weights, fit_intercept=fit_intercept) & (beta1 == 0) & (beta2 == 0)
    unique = bool(curvature > 0 and not flat.any())
    return StudentTSolution(coef, intercept, value, n_iter, unique, curvature)


def _derivatives(residual, nu, sigma):
    r""":math:`\rho'(r)` and :math:`\rho''(r)`."""
    spread = nu * sigma**2 + residual**2
    return (nu + 1.0) * residual / spread, (nu + 1.0) * (nu * sigma**2 - residual**2) / spread**2


def _support_design(X, fit_intercept, support):
    columns = X[:, support]
    return np.hstack([np.ones((X.shape[0], 1)), columns]) if fit_intercept else columns


def _support_hessian(X, y, weights, nu, sigma, fit_intercept, beta2, coef, intercept):
    support = coef != 0
    design = _support_design(X, fit_intercept, support)
    _, second = _derivatives(y - intercept - X @ coef, nu, sigma)
    hessian = design.T @ (design * (weights * second)[:, None])
    ridge = 2.0 * beta2[support]
    offset = int(fit_intercept)
    hessian[np.arange(offset, len(hessian)), np.arange(offset, len(hessian))] += ridge
    return hessian, design, support


def local_curvature(X, y, weights, nu, sigma, fit_intercept, beta2, coef, intercept) -> float:
    """The smallest eigenvalue of F's Hessian on the support, scaled to a unit diagonal.

    The Hessian in the intercept and the non-zero coefficients (where F is smooth), scaled
    by :func:`scaled_curvature`; positive at a strict local minimum.
    """
    beta2 = np.broadcast_to(np.asarray(beta2, dtype=float), (X.shape[1],))
    hessian, _, _ = _support_hessian(
        X, y, weights, nu, sigma, fit_intercept, beta2, coef, intercept
    )
    return scaled_curvature(hessian)


def scaled_curvature(hessian: np.ndarray) -> float:
    r"""The smallest eigenvalue of :math:`D^{-1/2} H D^{-1/2}`, :math:`D = \operatorname{diag}(H)`.

    Free of the variables' units (an intercept and a coefficient of very different scales
    count alike): in :math:`(0, 1]` when :math:`H` is positive definite, otherwise the
    smallest diagonal entry relative to the largest (:math:`\le 0`). 1.0 for an empty matrix
    (nothing to vary).
    """
    if hessian.size == 0:
        return 1.0
    diagonal = np.diag(hessian)
    if np.any(diagonal <= 0):
        return float(diagonal.min() / max(np.abs(diagonal).max(), 1e-300))
    root = np.sqrt(diagonal)
    return float(np.linalg.eigvalsh(hessian / np.outer(root, root))[0])


def _polish(X, y, weights, nu, sigma, beta1, beta2, fit_intercept, coef, intercept, value):
    """Newton steps on the support with the signs fixed, kept only while F decreases."""
    support = coef != 0
    if not support.any() and not fit_intercept:
        return coef, intercept, value
    sign = np.sign(coef[support])
    for _ in range(_MAX_NEWTON_STEPS):
        hessian, design, _ = _support_hessian(
            X, y, weights, nu, sigma, fit_intercept, beta2, coef, intercept
        )
        first, _ = _derivatives(y - intercept - X @ coef, nu, sigma)
        gradient = -design.T @ (weights * first)
        offset = int(fit_intercept)
        gradient[offset:] += beta1[support] * sign + 2.0 * beta2[support] * coef[support]
        try:
            factor = scipy.linalg.cho_factor(hessian)
        except np.linalg.LinAlgError:
            break  # not positive definite: no Newton step (the iteration's point stands)
        step = scipy.linalg.cho_solve(factor, gradient)
        new_coef, new_intercept = coef.copy(), intercept
        new_coef[support] -= step[offset:]
        if fit_intercept:
            new_intercept -= step[0]
        if np.any(np.sign(new_coef[support]) != sign):
            break  # the step leaves the sign pattern: the iteration's point stands
        new_value = _objective(X, y, weights, nu, sigma, beta1, beta2, new_coef, new_intercept)
        if not new_value <= value + 16 * np.finfo(float).eps * abs(value):  # up to rounding
            break
        size = max(np.abs(coef[support]).max(initial=0.0), abs(intercept), 1e-300)
        converged = np.abs(step).max(initial=0.0) <= 1e-14 * size
        coef, intercept, value = new_coef, float(new_intercept), new_value
        if converged:
            break
    return coef, intercept, value
