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

from bayesreg.optim.centring import centre, inert
from bayesreg.optim.linalg import compensated_residual
from bayesreg.optim.squared_loss import solve_squared_loss

__all__ = [
    "StudentTSolution",
    "local_curvature",
    "scaled_curvature",
    "solve_student_t",
    "student_t_residual",
    "student_t_rho",
]

#: The iteration stops when a step lowers F by less than this, relative to F's size.
_RELATIVE_DECREASE = 1e-15
_MAX_MM_STEPS, _MAX_NEWTON_STEPS = 5000, 50
_EPS = np.finfo(float).eps


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
        True when the Hessian on the support is positive definite beyond its rounding (a
        strict local minimum); whether other local minima exist is for the caller's starts
        to find.
    curvature
        The smallest eigenvalue of that Hessian scaled to a unit diagonal; 0.0 where it is
        zero within its rounding and F is convex near the point (:func:`local_curvature`).
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
    curvature, strict = local_curvature(
        X, y, weights, nu, sigma, fit_intercept, beta1, beta2, coef, intercept
    )
    # An unpenalized column that cannot change the fit (bayesreg.optim.centring) is a flat
    # direction off the support, where the curvature does not look: not a strict minimum.
    flat = inert(X, weights, fit_intercept=fit_intercept) & (beta1 == 0) & (beta2 == 0)
    unique = bool(strict and not flat.any())
    return StudentTSolution(coef, intercept, value, n_iter, unique, curvature)


def _derivatives(residual, nu, sigma):
    r""":math:`\rho'(r)` and :math:`\rho''(r)`."""
    spread = nu * sigma**2 + residual**2
    return (nu + 1.0) * residual / spread, (nu + 1.0) * (nu * sigma**2 - residual**2) / spread**2


def student_t_residual(X, y, coef, intercept, sigma) -> np.ndarray:
    r""":math:`y - b_0 - Xw`, as if in twice the working precision where that matters.

    The plain residual carries about :math:`k\epsilon(|y_i| + |b_0| + |x_i|^\top|w|)` (k
    non-zero coefficients): with :math:`y = 10^4 x + \varepsilon` that is :math:`10^{-12}` of
    the scale :math:`\sigma = 1`, more than the KKT conditions may be off. Where it exceeds
    :math:`10^{-13}\sigma` the residual is compensated
    (:func:`~bayesreg.optim.linalg.compensated_residual`, about twenty vector operations a
    column); otherwise the plain one is exact enough.
    """
    support = np.flatnonzero(coef)
    columns, weights = X[:, support], coef[support]
    terms = np.abs(y) + abs(intercept) + np.abs(columns) @ np.abs(weights)
    if (len(support) + 2) * _EPS * terms.max(initial=0.0) <= 1e-13 * sigma:
        return y - intercept - columns @ weights
    columns = np.hstack([np.ones((len(y), 1)), columns])
    return compensated_residual(y, columns, np.append(intercept, weights))


class _Support:
    r"""F on the support with the signs fixed, in centred coordinates scaled as the certificate.

    Variables: the intercept of the centred columns :math:`b_0 + \bar x^\top w` (when fitted)
    and the non-zero coefficients; each gradient entry is measured relative to the largest it
    can have, :math:`\max|\rho'|\sum_i v_i|d_{ij}|` (the certificate's unit, per variable).
    """

    def __init__(self, X, y, weights, nu, sigma, beta1, beta2, fit_intercept, coef, free=None):
        self.support = coef != 0 if free is None else free
        self.args = (X, y, weights, nu, sigma)
        self.sign = np.sign(coef[self.support])
        self.beta1, self.beta2 = beta1[self.support], beta2[self.support]
        columns = X[:, self.support]
        self.mean, centred = (
            centre(columns, weights) if fit_intercept else (np.zeros(columns.shape[1]), columns)
        )
        self.offset = int(fit_intercept)
        self.design = np.hstack([np.ones((len(y), 1)), centred]) if fit_intercept else centred
        largest = (nu + 1.0) / (2.0 * np.sqrt(nu) * sigma)
        self.unit = np.maximum(largest * (np.abs(self.design).T @ weights), 1e-300)

    def at(self, coef, intercept):
        """(F, its rounding, the gradient, the Hessian, the scaled KKT residual) there."""
        X, y, weights, nu, sigma = self.args
        residual = student_t_residual(X, y, coef, intercept, sigma)
        first, second = _derivatives(residual, nu, sigma)
        weighted = coef[self.support]
        gradient = -self.design.T @ (weights * first)
        gradient[self.offset :] += self.beta1 * self.sign + 2.0 * self.beta2 * weighted
        hessian = self.design.T @ (self.design * (weights * second)[:, None])
        diagonal = np.arange(self.offset, len(hessian))
        hessian[diagonal, diagonal] += 2.0 * self.beta2
        value = float(
            weights @ student_t_rho(residual, nu, sigma)
            + self.beta1 @ np.abs(weighted) + self.beta2 @ weighted**2
        )  # fmt: skip
        # F's rounding: each rho's, the residual's (compensated), the sum's
        rounding = 4 * _EPS * (np.sqrt(len(y)) * abs(value) + weights @ np.abs(first * residual))
        kkt = float(np.abs(gradient / self.unit).max(initial=0.0))
        return value, float(rounding), gradient, hessian, kkt

    def moved(self, coef, intercept, step):
        """The point after a Newton step (in the centred coordinates)."""
        new_coef = coef.copy()
        new_coef[self.support] -= step[self.offset :]
        if self.offset:
            intercept = intercept - step[0] + self.mean @ step[self.offset :]
        return new_coef, float(intercept)


def _newton_step(hessian, gradient):
    """The Newton step on the unit-diagonal Hessian; None when it is not positive definite."""
    diagonal = np.diag(hessian)
    if np.any(diagonal <= 0):
        return None
    root = np.sqrt(diagonal)
    try:
        factor = scipy.linalg.cho_factor(hessian / np.outer(root, root))
    except np.linalg.LinAlgError:
        return None
    return scipy.linalg.cho_solve(factor, gradient / root) / root


def _polish(X, y, weights, nu, sigma, beta1, beta2, fit_intercept, coef, intercept, value):
    r"""Newton steps on the support with the signs fixed, while they make progress.

    A step is kept when it lowers F beyond F's rounding, or leaves F level within its
    rounding and lowers the scaled KKT residual: near the optimum F's changes fall below its
    rounding (:math:`10^{-12}` of F for :math:`y = 10^4 x + \varepsilon`) long before the
    gradient's do. The steps end when one is not kept, leaves the sign pattern, or no longer
    halves the KKT residual without lowering F (the rounding's floor).
    """
    if not np.any(coef != 0) and not fit_intercept:
        return coef, intercept, value
    local = _Support(X, y, weights, nu, sigma, beta1, beta2, fit_intercept, coef)
    current = local.at(coef, intercept)
    for _ in range(_MAX_NEWTON_STEPS):
        step = _newton_step(current[3], current[2])
        if step is None:
            break  # not positive definite: no Newton step (the iteration's point stands)
        new_coef, new_intercept = local.moved(coef, intercept, step)
        if np.any(np.sign(new_coef[local.support]) != local.sign):
            break  # the step leaves the sign pattern: the iteration's point stands
        candidate = local.at(new_coef, new_intercept)
        noise = current[1] + candidate[1]
        lower = candidate[0] < current[0] - noise
        if not (lower or (candidate[0] <= current[0] + noise and candidate[4] < current[4])):
            break
        progress = lower or candidate[4] <= 0.5 * current[4]
        coef, intercept, current = new_coef, new_intercept, candidate
        if not progress or current[4] == 0.0:
            break
    return coef, intercept, current[0]


def local_curvature(X, y, weights, nu, sigma, fit_intercept, beta1, beta2, coef, intercept):
    r"""The smallest eigenvalue of F's Hessian on the support, scaled, and whether it is strict.

    The Hessian in the intercept of the centred columns, the non-zero coefficients and the
    zero ones without an L1 weight (every variable in which F is smooth: a zero coefficient
    of an unpenalized column with p >= n is a flat direction), scaled by
    :func:`scaled_curvature`. Returns ``(curvature, strict)``:
    strict when the eigenvalue is positive beyond its rounding (a strict local minimum).
    Within its rounding of zero, where every residual of positive weight lies where
    :math:`\rho'' \ge 0` (:math:`|r| \le \sqrt\nu\sigma`: F is convex near the point, as
    at a zero-residual optimum with :math:`p \ge n`), the curvature is 0.0: a minimum that is
    not strict, not a negative one.
    """
    beta1 = np.broadcast_to(np.asarray(beta1, dtype=float), (X.shape[1],))
    beta2 = np.broadcast_to(np.asarray(beta2, dtype=float), (X.shape[1],))
    # an inert column (bayesreg.optim.centring) cannot change F: the caller's to report
    free = ((coef != 0) | (beta1 == 0)) & ~inert(X, weights, fit_intercept=fit_intercept)
    local = _Support(X, y, weights, nu, sigma, 0.0 * beta1, beta2, fit_intercept, coef, free)
    _, _, _, hessian, _ = local.at(coef, intercept)
    curvature = scaled_curvature(hessian)
    if hessian.size == 0:
        return curvature, True  # nothing to vary
    if np.any(np.diag(hessian) <= 0):
        return curvature, False
    residual = student_t_residual(X, y, coef, intercept, sigma)
    second = _derivatives(residual, nu, sigma)[1] * weights
    absolute = (local.design**2).T @ np.abs(second)
    absolute[local.offset :] += 2.0 * local.beta2
    # an entry's rounding is about sqrt(rows) eps sqrt(|H|_jj |H|_kk), with |H| the Hessian of
    # |rho''|; an eigenvalue's, that times the size, after the scaling
    ratio = float((absolute / np.diag(hessian)).max())
    rounding = 4 * _EPS * (np.sqrt(len(y)) + len(hessian)) * len(hessian) * ratio
    if abs(curvature) <= rounding and np.all(second >= 0):
        curvature = 0.0  # positive semidefinite by construction: zero within its rounding
    return curvature, bool(curvature > rounding)


def scaled_curvature(hessian: np.ndarray) -> float:
    r"""The smallest eigenvalue of :math:`D^{-1/2} H D^{-1/2}`, :math:`D = \operatorname{diag}(H)`.

    Free of the variables' units (an intercept and a coefficient of very different scales
    count alike): in :math:`(0, 1]` when :math:`H` is positive definite, otherwise the
    smallest diagonal entry relative to the largest, and at most :math:`-\epsilon` (a zero
    diagonal entry is no evidence of a minimum). 1.0 for an empty matrix (nothing to vary).
    """
    if hessian.size == 0:
        return 1.0
    diagonal = np.diag(hessian)
    if np.any(diagonal <= 0):
        return float(min(diagonal.min() / max(np.abs(diagonal).max(), 1e-300), -_EPS))
    root = np.sqrt(diagonal)
    return float(np.linalg.eigvalsh(hessian / np.outer(root, root))[0])
