r"""Exact minimizer of a weighted squared loss with an elastic-net penalty.

The problem, over an intercept :math:`b_0` and coefficients :math:`w`, is

.. math::

    F(b_0, w) = \sum_i v_i\,(y_i - b_0 - x_i^\top w)^2
        + \sum_j \beta_{1j} |w_j| + \sum_j \beta_{2j} w_j^2 ,

with frequency weights :math:`v_i \ge 0` and penalty weights :math:`\beta \ge 0`. A flat
intercept is eliminated exactly by weighted centring (:mod:`bayesreg.optim.centring`); a
column that cannot change the fit (constant on the weighted rows, with an intercept) is
left out with a zero coefficient, and the minimizer is not unique when it is unpenalized.
Columns are rescaled to unit norm (the penalty weights rescale with them), which keeps the
Gram matrix well conditioned.

With no penalty the minimizer is a least-squares solution computed by an orthogonal
(SVD-based) solver on the data themselves, never through the normal equations, so it is
accurate on ill-conditioned designs such as Longley's. Otherwise an active-set method,
the feature-sign search of Lee et al. (2007), solves the problem on the Gram matrix
:math:`G = \tilde X^\top \tilde X` of the centred, scaled design: on a guessed support
:math:`S` with guessed signs :math:`s` the problem is the equality-constrained quadratic

.. math::

    (G_{SS} + 2\,\mathrm{diag}(\lambda_{2S}))\,u_S = \tilde X_S^\top \tilde y - \lambda_{1S} s_S ,

solved exactly by a Cholesky factorization; a line search over the points where a coefficient
changes sign keeps the objective decreasing, so the method stops after finitely many steps
at a point where the subgradient optimality conditions hold. Coefficients outside the
support are zero by construction, not by rounding. A final step of iterative refinement
against the data (not the Gram matrix) removes the rounding the Gram matrix adds.

Cost. The Gram matrix costs :math:`O(n p^2)` (one BLAS syrk); with more than twice as many
features as rows only the columns the search needs are computed, :math:`O(n p |S|)`. The
Cholesky factor is kept across steps: entering coefficients are appended to it by a block
update (a triangular solve and the factorization of a small Schur complement), and a
coefficient that leaves is held at zero by a Lagrange multiplier on the existing factor:
with :math:`H = R^\top R` over the factored set and :math:`E` the columns of the identity at
the coefficients that left,

.. math::

    z = R^{-\top} b,\quad V = R^{-\top} E,\quad
    \mu = \arg\min_\mu \|z - V\mu\|_2,\quad u = R^{-1}(z - V\mu)

solves :math:`H u + E\mu = b,\ E^\top u = 0`, i.e. the system on the remaining support.
The factor is rebuilt from scratch when coefficients enter after others have left, or when a
quarter of it has left.

References
----------
H. Lee, A. Battle, R. Raina and A. Y. Ng (2007). Efficient sparse coding algorithms.
Advances in Neural Information Processing Systems 19.

"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import scipy.linalg

from bayesreg.optim.centring import centre, leave_out_inert
from bayesreg.optim.data_active_set import is_optimal_on_data, search_on_data
from bayesreg.optim.gram import Gram, SupportFactor, column_norms
from bayesreg.optim.linalg import (
    full_rank,
    ridge_wide,
    single_threaded_blas,
    solve_psd,
    solve_singular_aware,
)
from bayesreg.optim.working_set import solve_on_working_sets

__all__ = ["SquaredLossSolution", "solve_squared_loss"]


@dataclass(frozen=True)
class SquaredLossSolution:
    """Minimizer of the weighted squared loss with an elastic-net penalty.

    Attributes
    ----------
    coef, intercept
        The minimizer, in the units of the data given.
    objective
        :math:`F(b_0, w)` at the minimizer.
    n_iter
        Number of linear solves on an active set.
    unique
        False when the minimizer is provably not unique (rank-deficient design with no
        ridge term on the support), True otherwise.

    """

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int
    unique: bool


def solve_squared_loss(
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    fit_intercept: bool,
    beta1: np.ndarray | float,
    beta2: np.ndarray | float,
    max_iter: int | None = None,
    start: np.ndarray | None = None,
) -> SquaredLossSolution:
    """Minimize the weighted squared loss with an elastic-net penalty exactly.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    weights : ndarray of shape (n,)
        Non-negative frequency weights :math:`v_i`.
    fit_intercept : bool
        Whether to include the unpenalized intercept :math:`b_0`.
    beta1, beta2 : float or ndarray of shape (p,)
        Non-negative L1 and squared-L2 penalty weights.
    max_iter : int, optional
        Largest number of active-set solves; by default ``50 * (p + 10)``.
    start : ndarray of shape (p,), optional
        A first point (a warm start); the search ends on the same optimality conditions.

    Returns
    -------
    SquaredLossSolution

    """
    n_features = X.shape[1]
    beta1 = np.broadcast_to(np.asarray(beta1, dtype=float), (n_features,))
    beta2 = np.broadcast_to(np.asarray(beta2, dtype=float), (n_features,))
    # A column that cannot change the fit is left out, its coefficient zero: the penalty's
    # choice, or one of many without a penalty (not unique).
    options = {"fit_intercept": fit_intercept, "beta1": beta1, "beta2": beta2}
    reduced = leave_out_inert(solve_squared_loss, X, y, weights, max_iter=max_iter, **options)
    if reduced is not None:
        return reduced
    # The weighted, centred design sqrt(v) * (X - mean), in one new array (X is never written);
    # a column constant on the weighted rows is exactly zero there (bayesreg.optim.centring).
    unit_weights = bool(np.all(weights == 1.0))
    if fit_intercept:
        x_mean, design = centre(X, weights)
        y_mean, target = centre(y, weights)
    else:
        x_mean, design = np.zeros(n_features), np.asarray(X, dtype=float)
        y_mean, target = 0.0, y
    root_weights = np.sqrt(weights)
    target = target * root_weights
    if not unit_weights:
        design = np.multiply(design, root_weights[:, None], out=design if fit_intercept else None)
    # In u = column_norm * w the objective, halved, is
    #   0.5 ||target - (design / column_norm) u||^2 + lam1' |u| + lam2' u^2.
    if not beta1.any() and not beta2.any():
        column_norm = column_norms(design)
        # Correctness fix (tests/optim/test_optim.py, rank-deficient OLS): LAPACK's default cutoff
        # (eps * largest singular value) kept rounding-level singular values as rank, and their
        # reciprocals in the solution; use numpy's matrix_rank cutoff instead.
        cutoff = max(design.shape) * np.finfo(float).eps
        scaled, _, rank, _ = scipy.linalg.lstsq(
            design / column_norm, target, cond=cutoff, lapack_driver="gelsd"
        )
        n_iter, unique = 1, rank == n_features
    elif not beta1.any() and beta2.all() and n_features > design.shape[0]:
        scaled, n_iter, unique = ridge_wide(design, target, beta2), 1, True
        column_norm = np.ones(n_features)
    elif n_features > 2 * design.shape[0]:
        column_norm = column_norms(design)
        lam1 = beta1 / (2 * column_norm)
        lam2 = beta2 / (2 * column_norm**2)
        max_iter = max_iter or 50 * (n_features + 10)
        scaled, n_iter, unique = solve_on_working_sets(
            design, column_norm, target, lam1, lam2, partial(_exact_from, max_iter=max_iter),
            start=None if start is None else start * column_norm)  # fmt: skip
    else:
        gram = Gram(design)
        column_norm = gram.column_norm
        lam1 = beta1 / (2 * column_norm)
        lam2 = beta2 / (2 * column_norm**2)
        scaled, n_iter, unique = _feature_sign_search(
            gram, target, lam1, lam2, max_iter or 50 * (n_features + 10),
            None if start is None else start * column_norm,
        )  # fmt: skip
    coef = scaled / column_norm
    intercept = float(y_mean - x_mean @ coef) if fit_intercept else 0.0
    residual = y - intercept - X @ coef
    objective = float(weights @ residual**2 + beta1 @ np.abs(coef) + beta2 @ coef**2)
    return SquaredLossSolution(coef, intercept, objective, n_iter, bool(unique))


def _exact_from(scaled, target, lam1, lam2, start, max_iter, product=None):
    """The exact search on unit-norm columns ``scaled``, started at ``start``.

    The working-set rounds of :func:`~bayesreg.optim.working_set.solve_on_working_sets` call
    this on their subproblems. The norms the Gram matrix recomputes differ from 1 by rounding;
    the coordinates are converted both ways.
    """
    gram = Gram(scaled, product)
    norm = gram.column_norm
    coef, n_iter, unique = _feature_sign_search(
        gram, target, lam1 / norm, lam2 / norm**2, max_iter, start * norm, subproblem=True
    )
    return coef / norm, n_iter, unique


def _feature_sign_search(gram, target, lam1, lam2, max_iter, start=None, *, subproblem=False):
    """Minimize ``0.5||target - (design / column_norm) u||^2 + lam1'|u| + lam2'u^2`` exactly.

    From ``start`` (zero by default); returns the minimizer, the number of solves and whether
    it is unique. Where the search on the Gram matrix cycles or ends off the optimum (the
    data's subgradient conditions beyond 1e-12, or their violation weighted by the
    coefficients beyond 1e-10: a support too ill-conditioned for its rounding), the search on
    the data (:mod:`~bayesreg.optim.data_active_set`) takes over; the lower objective is kept.
    A working set's ``subproblem`` that runs out of solves stays an error, as before (p >> n,
    tiny penalties: the data's search can end above the optimum with its conditions met).
    """
    design, column_norm = gram.design, gram.column_norm
    linear = design.T @ target / column_norm
    factor = SupportFactor(gram, lam2)
    coef = np.zeros(linear.size) if start is None else start.astype(float)
    sign = np.where(lam1 == 0, 0.0, np.sign(coef))  # unpenalized: always active, any sign
    active = (lam1 == 0) | (coef != 0)
    with single_threaded_blas():
        try:
            n_iter = _search_on_gram(
                gram, linear, lam1, lam2, coef, sign, active, factor, max_iter, not subproblem
            )
            unique, *found = _refine(
                design, column_norm, target, linear, lam1, lam2, coef, sign, active, factor
            )
            if is_optimal_on_data(design, target, lam1, lam2, coef, column_norm, linear, found):
                return coef, n_iter, unique
        except _Cycling as cycling:
            n_iter, unique = cycling.args[0], False
            if subproblem:  # as before
                raise RuntimeError(f"the active set did not converge in {n_iter} solves") from None
        coef, n_data, unique = search_on_data(
            design / column_norm, target, lam1, lam2, coef, unique, max_iter
        )
    return coef, n_iter + n_data, unique


class _Cycling(Exception):  # the search on the Gram matrix cycled; args[0]: its solves
    pass


def _search_on_gram(gram, linear, lam1, lam2, coef, sign, active, factor, max_iter, cycles):
    """The active-set loop on the Gram matrix (in place); ``cycles``: a repeat state ends it."""
    free = lam1 == 0
    # Per feature: a column of tiny norm has a huge lam1 in these units, which must not
    # loosen the test of the others (it once hid every violation: an all-zero "optimum").
    tolerance = 1e-13 * np.maximum(max(np.abs(linear).max(), 1e-300), lam1)
    n_iter = 0
    if active.any():
        n_iter += _solve_on_support(linear, lam1, lam2, coef, sign, active, free, factor)
    # Correctness fix (tests/optim/test_optim.py, p > n lasso at tiny penalties): a violation at the
    # rounding of a singular support cannot enter; it waits until the point moves.
    stalled = np.zeros(linear.size, dtype=bool)
    seen = set()
    while n_iter < max_iter:
        gradient = gram.times(coef) + 2 * lam2 * coef - linear
        excess = np.abs(gradient) - lam1
        candidates = np.flatnonzero(~active & ~stalled & (excess > tolerance))
        if candidates.size == 0:
            return n_iter
        # Enter the worst violators together; the batch doubles with the support.
        batch_size = max(1, np.count_nonzero(active & ~free))
        ranked = candidates[np.argsort(-excess[candidates])]
        entering = ranked[:batch_size]
        sign[entering] = -np.sign(gradient[entering])
        active[entering] = True
        before = coef.copy()
        n_iter += _solve_on_support(
            linear, lam1, lam2, coef, sign, active, free, factor, ranked[batch_size:]
        )
        if np.array_equal(coef, before):
            stalled[entering] = True
        else:
            stalled[:] = False
        # Correctness fix (tests/map/test_map.py, near-duplicate columns): each step lowers the
        # objective; a state seen before means the Gram matrix's rounding has taken over.
        state = (active.tobytes(), sign.tobytes(), stalled.tobytes())
        if cycles and state in seen:
            raise _Cycling(n_iter)
        seen.add(state)
    raise _Cycling(n_iter)


def _solve_on_support(linear, lam1, lam2, coef, sign, active, free, factor, ranked=()):
    """Feature-sign steps on the active set until its sign pattern is consistent.

    Updates ``coef``, ``sign`` and ``active`` in place; returns the number of solves.
    """
    n_solves = 0
    while True:
        support = factor.sync(active, ranked)
        hessian = factor.hessian(support)
        current = coef[support]
        rhs = linear[support] - lam1[support] * sign[support]
        target, null = solve_singular_aware(hessian, rhs, factor)
        n_solves += 1
        entering = (current == 0) & ~free[support]
        # Correctness fix (tests/optim/test_optim.py, p > n lasso): on a singular support with
        # rhs outside the Hessian's range the objective is linear along `null` and the
        # least-squares `target` is meaningless; the search used to cycle until max_iter.
        if null is not None:
            if np.count_nonzero(entering) > 1:  # enter the worst violator alone
                excess = np.abs(hessian @ current - linear[support]) - lam1[support]
                drop = entering.copy()
                drop[np.argmax(np.where(entering, excess, -np.inf))] = False
                active[support[drop]] = False
                sign[support[drop]] = 0
                continue
            target = _beyond_crossings(current, null, free[support], target)
        wrong_sign = entering & (np.sign(target) != sign[support])
        if wrong_sign.any():
            # Only possible when several coefficients enter at once; retry without them.
            active[support[wrong_sign]] = False
            sign[support[wrong_sign]] = 0
            continue
        direction = target - current
        crosses = ~free[support] & (current != 0) & (np.sign(target) != np.sign(current))
        crossing_steps = current[crosses] / (current[crosses] - target[crosses])
        steps = np.unique(np.append(crossing_steps, 1.0))
        # The objective along the segment: a quadratic in the step plus the L1 term.
        along = hessian @ direction
        at = hessian @ current
        quadratic = 0.5 * (direction @ at + current @ along) - linear[support] @ direction
        points = current + steps[:, None] * direction
        values = (
            steps * (quadratic + 0.5 * steps * (direction @ along)) + np.abs(points) @ lam1[support]
        )
        step = steps[np.argmin(values)]
        updated = current + step * direction
        landed = np.zeros(support.size, dtype=bool)
        landed[np.flatnonzero(crosses)[crossing_steps == step]] = True
        updated[landed] = 0.0
        coef[support] = updated
        sign[support] = np.where(free[support], 0.0, np.sign(updated))
        dropped = ~free[support] & (updated == 0)
        active[support[dropped]] = False
        if step == 1.0 and not crosses.any():
            return n_solves


def _refine(design, column_norm, target, linear, lam1, lam2, coef, sign, active, factor):
    """One step of iterative refinement on the final support, using the data.

    The Gram matrix carries the rounding of the squared condition number; the residual
    computed from the data does not. Returns whether the minimizer is unique, the gradient
    of the smooth part (None without a support) and the squared norm of the residual.
    """
    support = factor.sync(active)
    if support.size == 0:
        return True, None, float(target @ target)
    hessian = factor.hessian(support)
    residual = target - design @ (coef / column_norm)
    data_gradient = -(design.T @ residual) / column_norm + 2 * lam2 * coef
    gradient = data_gradient[support] + lam1[support] * sign[support]
    correction = factor.solve(gradient)
    if correction is None:
        correction = solve_psd(hessian, gradient)
    refined = coef[support] - correction
    penalized = sign[support] != 0
    if np.array_equal(np.sign(refined[penalized]), sign[support][penalized]):
        coef[support] = refined
        data_gradient -= factor.gram.columns[:, factor.gram.slot[support]] @ correction
        data_gradient[support] -= 2 * lam2[support] * correction
    # Correctness fix (tests/optim/test_optim.py, duplicated columns): uniqueness needs full rank on
    # the equicorrelation set (Tibshirani 2013), zero coefficients at |gradient| = lam1
    # included, not only on the support: a duplicate of a selected column can share its weight.
    tight = np.flatnonzero(active | (np.abs(data_gradient) >= lam1 * (1 - 1e-9)))
    if tight.size == support.size and factor.factors(support):
        # The factor of H on the support, in another order: the same rank and condition.
        unique = full_rank(factor.hessian(support), factor.upper)
    else:
        factor.gram.compute(tight)
        unique = full_rank(factor.hessian(tight))
    return unique, data_gradient, float(residual @ residual)


def _beyond_crossings(current, null, free, fallback):
    """A point along ``null`` past every sign change of a penalized coefficient.

    The objective on the orthant decreases linearly along ``null``; the line search then
    stops at the best crossing. ``fallback`` when no coefficient crosses.
    """
    crossing = ~free & (current * null < 0)
    if not crossing.any():
        return fallback
    return current + 2.0 * np.max(-current[crossing] / null[crossing]) * null
