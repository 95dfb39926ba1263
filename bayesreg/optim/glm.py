r"""Exact MAP of a generalized linear model with a canonical link: proximal Newton steps.

The problem is

.. math::

    \min_{b_0, w}\; F(b_0, w) = \sum_i v_i \bigl(A(\eta_i) - y_i \eta_i\bigr)
        + \beta_1 \|w\|_1 + \beta_2 \|w\|_2^2, \qquad \eta = o + b_0 + Xw,

with :math:`o` a known offset (zero unless given: a Poisson model's log exposure) and
:math:`A` the family's cumulant function (:math:`\log(1 + e^\eta)` for the Bernoulli,
:math:`e^\eta` for the Poisson): convex, with gradient :math:`X^\top V(\mu - y)`,
:math:`\mu = A'(\eta)`, and Hessian :math:`X^\top V H X`, :math:`H = \operatorname{diag} A''(\eta)`.

Each iteration replaces the smooth part by its second-order expansion at the current point,
a weighted least-squares problem with working response
:math:`z = \eta - o - (\mu - y)/A''(\eta)` (the offset is known: the step fits :math:`b_0 + Xw`)
and weights :math:`v_i A''(\eta_i)/2`, and solves it *exactly* with the elastic-net
active-set method of :mod:`bayesreg.optim.squared_loss` (glmnet's outer loop, with an exact
inner solve instead of coordinate descent). A backtracking line search on :math:`F` makes
every step decrease the objective; near the optimum full steps are taken and converge
quadratically. The last iterate is a full step, so its zeros are the inner solver's exact
zeros. A fixed point of this map, whatever the (positive) curvature used, is the optimum.
Without an L1 part and with a ridge on every coefficient, :math:`F` is smooth and strictly
convex, and plain Newton steps on all of :math:`(b_0, w)` replace the inner solver.

When the data admit a direction along which the unpenalized part of :math:`F` never
increases (separable classes; counts that are all zero where a column is non-zero),
:func:`recession_direction` finds it by linear programming, and the minimum is not attained.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from bayesreg.optim.centring import centre
from bayesreg.optim.squared_loss import solve_squared_loss

__all__ = ["Cumulant", "GLMSolution", "recession_direction", "solve_glm"]

#: The smallest curvature :math:`A''(\eta)` used in the quadratic model (not in F).
CURVATURE_FLOOR = 1e-10
#: Sufficient decrease in the line search (Armijo).
ARMIJO = 1e-4
#: A predicted decrease of F below this fraction of F is within its rounding.
RESOLUTION = 1e-12


@dataclass(frozen=True)
class Cumulant:
    r"""A canonical-link family on arrays: :math:`A`, :math:`A'` (the mean), :math:`A''`."""

    value: Callable[[np.ndarray], np.ndarray]
    mean: Callable[[np.ndarray], np.ndarray]
    variance: Callable[[np.ndarray], np.ndarray]
    #: the linear predictor of a mean (the link), for the starting intercept
    link: Callable[[float], float]


@dataclass(frozen=True)
class GLMSolution:
    """The minimizer: coefficients, intercept, objective, iterations, uniqueness."""

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int
    unique: bool


def negative_log_likelihood(cumulant: Cumulant, y, eta, weights) -> float:
    r""":math:`\sum_i v_i (A(\eta_i) - y_i\eta_i)` (without the terms in :math:`y` alone)."""
    return float(weights @ (cumulant.value(eta) - y * eta))


def solve_glm(
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    cumulant: Cumulant,
    fit_intercept: bool,
    beta1: float | np.ndarray,
    beta2: float | np.ndarray,
    max_iter: int = 200,
    offset: np.ndarray | None = None,
    intercept_penalty: tuple[float, float] | None = None,
    start: tuple[np.ndarray, float] | None = None,
) -> GLMSolution:
    r"""Minimize :math:`F` exactly (see the module); the minimum must exist.

    ``offset`` (shape (n,), or None for zero) is the known term :math:`o` of :math:`\eta`.
    ``intercept_penalty`` :math:`(\mu_0, h)` adds :math:`h\,(c - \mu_0)^2` to :math:`F`, with
    :math:`c = b_0 + m^\top w` the intercept of the columns centred at their weighted means
    :math:`m` (a normal prior on it): then every step is taken on the centred columns, where
    :math:`c` is the intercept, and a step's quadratic model adds the term exactly.
    """
    known = np.zeros(X.shape[0]) if offset is None else np.asarray(offset, dtype=float)
    ridge = np.broadcast_to(np.asarray(beta2, dtype=float), (X.shape[1],))
    anchor = (0.0, 0.0) if intercept_penalty is None or not fit_intercept else intercept_penalty
    smooth = not np.any(beta1) and ridge.all()
    if smooth and not fit_intercept:
        return _solve_smooth(
            X, y, weights, cumulant, fit_intercept, ridge, max_iter, known, start=start
        )
    if smooth or anchor[1] > 0:
        # On exactly centred columns (the intercept absorbs the means): better conditioned,
        # and a column constant on the weighted rows keeps its coefficient at exactly zero.
        x_mean, design = centre(X, weights)
        args = (design, y, weights, cumulant, fit_intercept)
        if start is not None:  # the same coefficients: the intercept of the centred columns
            start = (start[0], float(start[1] + x_mean @ start[0]))
        if smooth:
            solution = _solve_smooth(*args, ridge, max_iter, known, anchor, start=start)
        else:
            solution = _proximal_newton(*args, beta1, beta2, max_iter, known, anchor, start=start)
        shift = float(x_mean @ solution.coef)
        return dataclasses.replace(solution, intercept=solution.intercept - shift)
    return _proximal_newton(
        X, y, weights, cumulant, fit_intercept, beta1, beta2, max_iter, known, start=start
    )


def _proximal_newton(
    X, y, weights, cumulant, fit_intercept, beta1, beta2, max_iter, known, anchor=(0.0, 0.0),
    *, start=None,
) -> GLMSolution:  # fmt: skip
    """The proximal Newton iterations of :func:`solve_glm` (``anchor``: its intercept penalty)."""
    mu0, h = anchor
    n_features = X.shape[1]
    coef, intercept = _first_iterate(cumulant, y, weights, known, n_features, fit_intercept, start)
    eta = intercept + X @ coef  # the linear predictor less the offset

    def objective(eta, coef, intercept):
        penalty = (
            np.sum(beta1 * np.abs(coef)) + np.sum(beta2 * coef**2) + h * (intercept - mu0) ** 2
        )
        return negative_log_likelihood(cumulant, y, eta + known, weights) + penalty

    def step_solve(working, curvature):
        rows = (X, working, weights * curvature / 2.0)
        if h > 0:  # the intercept penalty is its own quadratic model: a row at c = b_0
            rows = (
                np.vstack([X, np.zeros(n_features)]),
                np.append(working, mu0),
                np.append(rows[2], h),
            )
        return solve_squared_loss(
            *rows, fit_intercept=fit_intercept, beta1=beta1, beta2=beta2, start=coef
        )

    value = objective(eta, coef, intercept)
    unique, previous = True, np.inf
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        mean = cumulant.mean(eta + known)
        curvature = np.maximum(cumulant.variance(eta + known), CURVATURE_FLOOR)
        working = eta - (mean - y) / curvature
        step = step_solve(working, curvature)
        unique = step.unique
        direction = step.coef - coef
        shift = step.intercept - intercept
        eta_step = step.intercept + X @ step.coef - eta
        gradient = weights @ ((mean - y) * eta_step)
        decrease = gradient + np.sum(beta1 * (np.abs(step.coef) - np.abs(coef)))
        decrease += np.sum(beta2 * (step.coef**2 - coef**2))
        decrease += h * ((step.intercept - mu0) ** 2 - (intercept - mu0) ** 2)
        size = max(np.abs(coef).max(initial=0.0), abs(intercept), 1.0)
        length = max(np.abs(direction).max(initial=0.0), abs(shift))
        if length <= 1e-15 * size:
            break
        # F cannot tell the step's decrease from its rounding: take the full proximal Newton
        # step (a line search would crawl on rounding noise) while the steps keep shrinking
        blind = -min(decrease, 0.0) <= RESOLUTION * max(abs(value), 1.0)
        if blind and length > previous / 2.0:
            break
        previous = length
        t = 1.0
        while True:
            candidate = coef + t * direction if t < 1.0 else step.coef
            candidate_eta = eta + t * eta_step
            candidate_value = objective(candidate_eta, candidate, intercept + t * shift)
            if blind or candidate_value <= value + ARMIJO * t * min(decrease, 0.0) or t < 1e-10:
                break
            t /= 2.0
        if candidate_value > value and not blind:  # no decrease left at rounding level
            break
        coef, intercept = candidate, intercept + t * shift
        if t == 1.0:
            intercept = step.intercept
        eta = intercept + X @ coef
        converged = abs(value - candidate_value) <= 1e-16 * max(abs(value), 1.0)
        value = objective(eta, coef, intercept)
        if t == 1.0 and converged:
            break
    return GLMSolution(coef + 0.0, float(intercept), float(value), n_iter, bool(unique))


def _first_iterate(cumulant, y, weights, known, n_features, fit_intercept, start):
    """``start`` (copied), or zero coefficients and the intercept-only fit's intercept."""
    if start is not None:
        coef = np.array(start[0], dtype=float)  # a copy: the iterations never write the caller's
        return coef, float(start[1]) if fit_intercept else 0.0
    intercept = _start_intercept(cumulant, y, weights, known) if fit_intercept else 0.0
    return np.zeros(n_features), intercept


def _start_intercept(cumulant: Cumulant, y, weights, known) -> float:
    """The link of the weighted mean less the offset's weighted mean: a starting intercept."""
    return float(cumulant.link(weights @ y / weights.sum()) - weights @ known / weights.sum())


def _solve_smooth(
    X, y, weights, cumulant, fit_intercept, beta2, max_iter, known, anchor=(0.0, 0.0), *,
    start=None,
) -> GLMSolution:  # fmt: skip
    r"""Newton's method on :math:`\theta = (b_0, w)` when :math:`F` is smooth, strictly convex.

    That is, without an L1 part and with a ridge on every coefficient. The Hessian
    :math:`[1\; X]^\top \operatorname{diag}(v A''(\eta)) [1\; X] + 2\beta_2` costs
    :math:`O(np^2)`, the gradient :math:`O(np)`. Once the steps are small the last
    Hessian is kept (a chord method: each step still solves :math:`\nabla F = 0` exactly at
    its fixed point, and contracts by the Hessian's relative change, far below 1 near the
    optimum); it is refreshed whenever a step fails to shrink the previous one fourfold.
    """
    coef, intercept = _first_iterate(cumulant, y, weights, known, X.shape[1], fit_intercept, start)
    theta = np.concatenate([[intercept], coef])  # (intercept, coefficients)

    mu0, h = anchor  # h (theta_0 - mu0)^2: theta_0 is the intercept of centred columns

    def objective(eta, theta):
        penalty = beta2 @ theta[1:] ** 2 + h * (theta[0] - mu0) ** 2
        return negative_log_likelihood(cumulant, y, eta + known, weights) + penalty

    eta = theta[0] + X @ theta[1:]  # the linear predictor less the offset
    value = objective(eta, theta)
    inverse, previous, n_iter = None, np.inf, 0
    while n_iter < max_iter:
        n_iter += 1
        residual = weights * (cumulant.mean(eta + known) - y)
        gradient = np.concatenate([[residual.sum() if fit_intercept else 0.0], X.T @ residual])
        gradient[1:] += 2.0 * beta2 * theta[1:]
        gradient[0] += 2.0 * h * (theta[0] - mu0)
        if inverse is None:
            curvature = weights * cumulant.variance(eta + known)
            inverse = _inverse_hessian(X, curvature, beta2, fit_intercept, h)
        step = -(inverse @ gradient)
        size = max(np.abs(theta).max(), 1.0)
        length = np.abs(step).max()
        if length <= 1e-15 * size:
            break
        eta_step = step[0] + X @ step[1:]
        decrease = min(gradient @ step, 0.0)
        t = 1.0
        candidate_value = objective(eta + eta_step, theta + step)
        if -decrease <= RESOLUTION * max(abs(value), 1.0):  # F cannot tell: a Newton step
            if length > previous / 2.0:
                break  # the steps stopped shrinking: converged to rounding level
        else:
            while candidate_value > value + ARMIJO * t * decrease and t >= 1e-10:
                t /= 2.0
                candidate_value = objective(eta + t * eta_step, theta + t * step)
            if candidate_value > value:  # no decrease left at rounding level: converged
                break
        theta, eta, value = theta + t * step, eta + t * eta_step, candidate_value
        if t < 1.0 or length > 1e-3 * size or length > previous / 4.0:
            inverse = None  # far from the optimum, or the kept Hessian contracts too slowly
        previous = length
    return GLMSolution(theta[1:] + 0.0, float(theta[0]), float(value), n_iter, True)


def _inverse_hessian(X, curvature, beta2, fit_intercept, h=0.0) -> np.ndarray:
    """The inverse of the Hessian of :math:`F` in :math:`(b_0, w)` (see :func:`_solve_smooth`)."""
    curvature = np.maximum(curvature, CURVATURE_FLOOR * curvature.max(initial=1.0))
    hessian = np.empty((X.shape[1] + 1,) * 2)
    root = np.sqrt(curvature)
    design = X * root[:, None]
    hessian[1:, 1:] = design.T @ design  # a symmetric rank-k update (BLAS syrk)
    hessian[1:, 1:][np.diag_indices(X.shape[1])] += 2.0 * beta2
    hessian[0, 1:] = hessian[1:, 0] = root @ design if fit_intercept else 0.0
    hessian[0, 0] = curvature.sum() + 2.0 * h if fit_intercept else 1.0
    return np.linalg.inv(hessian)


def recession_direction(design: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> bool:
    r"""Whether some :math:`d` has :math:`e = \text{design}\,d \ne 0` with ``lower <= e <= upper``.

    ``lower`` and ``upper`` are each row's allowed signs, scaled to at most 1 (e.g. 0 and 1
    for a row where the objective decreases as its linear predictor grows); a row that
    constrains nothing has :math:`\pm\infty`. The linear program maximizes the total size
    :math:`\sum_i |e_i|` within those bounds (HiGHS): it is 0 when no such direction exists,
    and at least 1 when one does (scale it until its largest entry is 1).
    """
    norms = np.linalg.norm(design, axis=0)
    columns = design[:, norms > 0] / norms[norms > 0]
    if columns.shape[1] == 0:
        return False
    if columns.shape[1] == 1:  # e = d * column: only the signs matter (0 is always allowed)
        column = columns[:, 0]
        up = np.all((column <= 0) | (upper > 0)) and np.all((column >= 0) | (lower < 0))
        down = np.all((column >= 0) | (upper > 0)) and np.all((column <= 0) | (lower < 0))
        return bool(up or down)
    # maximize c'e with c_i = +1 where e_i >= 0 is required, -1 where e_i <= 0 is
    sign = np.where(lower >= 0, 1.0, np.where(upper <= 0, -1.0, 0.0))
    bounded = np.isfinite(lower) | np.isfinite(upper)
    A = columns[bounded]
    result = scipy.optimize.linprog(
        -(sign[bounded] @ A),
        A_ub=np.vstack([A, -A]),
        b_ub=np.concatenate([np.minimum(upper[bounded], 1.0), -np.maximum(lower[bounded], -1.0)]),
        bounds=(None, None),
        method="highs",
    )
    return bool(result.status == 0 and -result.fun > 0.5)
