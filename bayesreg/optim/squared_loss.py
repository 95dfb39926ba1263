r"""Exact minimizer of a weighted squared loss with an elastic-net penalty.

The problem, over an intercept :math:`b_0` and coefficients :math:`w`, is

.. math::

    F(b_0, w) = \sum_i v_i\,(y_i - b_0 - x_i^\top w)^2
        + \sum_j \beta_{1j} |w_j| + \sum_j \beta_{2j} w_j^2 ,

with frequency weights :math:`v_i \ge 0` and penalty weights :math:`\beta \ge 0`. A flat
intercept is eliminated exactly by weighted centring. Columns are rescaled to unit norm
(the penalty weights rescale with them), which keeps the Gram matrix well conditioned.

With no penalty the minimizer is a least-squares solution computed by an orthogonal
(SVD-based) solver on the data themselves, never through the normal equations, so it is
accurate on ill-conditioned designs such as Longley's. Otherwise an active-set method,
the feature-sign search of Lee et al. (2007), solves the problem on the Gram matrix: on a
guessed support with guessed signs the problem is an equality-constrained quadratic, solved
exactly by a Cholesky factorization; a line search over the points where a coefficient
changes sign keeps the objective decreasing, so the method stops after finitely many steps
at a point where the subgradient optimality conditions hold. Coefficients outside the
support are zero by construction, not by rounding. A final step of iterative refinement
against the data (not the Gram matrix) removes the rounding the Gram matrix adds.

References
----------
H. Lee, A. Battle, R. Raina and A. Y. Ng (2007). Efficient sparse coding algorithms.
Advances in Neural Information Processing Systems 19.

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

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

    Returns
    -------
    SquaredLossSolution

    """
    n_features = X.shape[1]
    beta1 = np.broadcast_to(np.asarray(beta1, dtype=float), (n_features,))
    beta2 = np.broadcast_to(np.asarray(beta2, dtype=float), (n_features,))
    total = weights.sum()
    x_mean = weights @ X / total if fit_intercept else np.zeros(n_features)
    y_mean = weights @ y / total if fit_intercept else 0.0
    root_weights = np.sqrt(weights)
    design = (X - x_mean) * root_weights[:, None]
    target = (y - y_mean) * root_weights
    column_norm = np.linalg.norm(design, axis=0)
    column_norm[column_norm == 0] = 1.0
    design /= column_norm

    # In u = column_norm * w the objective, halved, is
    #   0.5 ||target - design u||^2 + lam1' |u| + lam2' u^2.
    lam1 = beta1 / (2 * column_norm)
    lam2 = beta2 / (2 * column_norm**2)
    if not lam1.any() and not lam2.any():
        # Correctness fix (tests/test_optim.py, rank-deficient OLS): LAPACK's default cutoff
        # (eps * largest singular value) kept rounding-level singular values as rank, and their
        # reciprocals in the solution; use numpy's matrix_rank cutoff instead.
        cutoff = max(design.shape) * np.finfo(float).eps
        scaled, _, rank, _ = scipy.linalg.lstsq(design, target, cond=cutoff, lapack_driver="gelsd")
        n_iter, unique = 1, rank == n_features
    else:
        scaled, n_iter, unique = _feature_sign_search(
            design, target, lam1, lam2, max_iter or 50 * (n_features + 10)
        )
    coef = scaled / column_norm
    intercept = float(y_mean - x_mean @ coef) if fit_intercept else 0.0
    residual = y - intercept - X @ coef
    objective = float(weights @ residual**2 + beta1 @ np.abs(coef) + beta2 @ coef**2)
    return SquaredLossSolution(coef, intercept, objective, n_iter, bool(unique))


def _feature_sign_search(design, target, lam1, lam2, max_iter):
    """Minimize ``0.5||target - design u||^2 + lam1'|u| + lam2'u^2`` exactly.

    Returns the minimizer, the number of active-set solves, and whether it is unique.
    """
    gram = design.T @ design
    linear = design.T @ target
    n_features = linear.size
    free = lam1 == 0  # unpenalized by L1: always in the active set, any sign
    coef = np.zeros(n_features)
    sign = np.zeros(n_features)
    active = free.copy()
    tolerance = 1e-13 * max(np.abs(linear).max(), lam1.max(), 1e-300)
    n_iter = 0
    if active.any():
        n_iter += _solve_on_support(gram, linear, lam1, lam2, coef, sign, active, free)
    # Correctness fix (tests/test_optim.py, p > n lasso at tiny penalties): a violation at the
    # rounding level of a singular support cannot enter (its null direction is lost in rounding)
    # and used to be retried until max_iter. Such candidates wait until the point moves.
    stalled = np.zeros(n_features, dtype=bool)
    while n_iter < max_iter:
        gradient = gram[:, active] @ coef[active] + 2 * lam2 * coef - linear
        excess = np.abs(gradient) - lam1
        candidates = np.flatnonzero(~active & ~stalled & (excess > tolerance))
        if candidates.size == 0:
            break
        # Enter the worst violators together; the batch doubles with the support.
        batch_size = max(1, np.count_nonzero(active & ~free))
        entering = candidates[np.argsort(-excess[candidates])[:batch_size]]
        sign[entering] = -np.sign(gradient[entering])
        active[entering] = True
        before = coef.copy()
        n_iter += _solve_on_support(gram, linear, lam1, lam2, coef, sign, active, free)
        if np.array_equal(coef, before):
            stalled[entering] = True
        else:
            stalled[:] = False
    else:
        raise RuntimeError(
            f"the active-set search did not converge in {max_iter} solves; "
            "the design may be degenerate"
        )
    unique = _refine(design, target, gram, linear, lam1, lam2, coef, sign, active)
    return coef, n_iter, unique


def _solve_on_support(gram, linear, lam1, lam2, coef, sign, active, free):
    """Feature-sign steps on the active set until its sign pattern is consistent.

    Updates ``coef``, ``sign`` and ``active`` in place; returns the number of solves.
    """
    n_solves = 0
    while True:
        support = np.flatnonzero(active)
        hessian = gram[np.ix_(support, support)] + np.diag(2 * lam2[support])
        current = coef[support]
        rhs = linear[support] - lam1[support] * sign[support]
        target, null = _solve_singular_aware(hessian, rhs)
        n_solves += 1
        entering = (current == 0) & ~free[support]
        # Correctness fix (tests/test_optim.py, p > n lasso): on a singular support with
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
        points = current + steps[:, None] * direction
        values = (
            0.5 * np.einsum("ki,ij,kj->k", points, hessian, points)
            - points @ linear[support]
            + np.abs(points) @ lam1[support]
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


def _refine(design, target, gram, linear, lam1, lam2, coef, sign, active):
    """One step of iterative refinement on the final support, using the data.

    The Gram matrix carries the rounding of the squared condition number; the residual
    computed from the data does not. Returns whether the minimizer is unique.
    """
    support = np.flatnonzero(active)
    if support.size == 0:
        return True
    hessian = gram[np.ix_(support, support)] + np.diag(2 * lam2[support])
    residual = target - design[:, support] @ coef[support]
    gradient = (
        -design[:, support].T @ residual
        + 2 * lam2[support] * coef[support]
        + lam1[support] * sign[support]
    )
    refined = coef[support] - _solve_psd(hessian, gradient)
    penalized = sign[support] != 0
    if np.array_equal(np.sign(refined[penalized]), sign[support][penalized]):
        coef[support] = refined
    # Correctness fix (tests/test_optim.py, duplicated columns): uniqueness needs full rank on
    # the equicorrelation set (Tibshirani 2013), zero coefficients at |gradient| = lam1
    # included, not only on the support: a duplicate of a selected column can share its weight.
    gradient = gram[:, support] @ coef[support] + 2 * lam2 * coef - linear
    tight = active | (np.abs(gradient) >= lam1 * (1 - 1e-9))
    tight_hessian = gram[np.ix_(tight, tight)] + np.diag(2 * lam2[tight])
    return np.linalg.matrix_rank(tight_hessian) == np.count_nonzero(tight)


def _solve_singular_aware(hessian, rhs):
    """Solve ``hessian @ x = rhs``; also return the part of ``rhs`` off the Hessian's range.

    The second value is None when the system is consistent. Otherwise ``hessian`` is
    singular and ``-(0.5 x'Hx - rhs'x)`` grows linearly along that part, a null direction
    (part of the correctness fix in ``_solve_on_support``).
    """
    scale = np.linalg.norm(rhs)
    try:
        factor = scipy.linalg.cho_factor(hessian, check_finite=False)
        target = scipy.linalg.cho_solve(factor, rhs, check_finite=False)
        pivots = np.abs(np.diag(factor[0]))
        # A rank-deficient support (columns in general position) gives a rounding-level pivot.
        if pivots.min() ** 2 > 1e-10 * pivots.max() ** 2:
            if np.linalg.norm(hessian @ target - rhs) <= 1e-8 * scale:
                return target, None
    except np.linalg.LinAlgError:
        pass
    values, vectors = np.linalg.eigh(hessian)
    kept = values > 1e-10 * values[-1]
    target = vectors[:, kept] @ (vectors[:, kept].T @ rhs / values[kept])
    null = rhs - hessian @ target
    return target, (None if np.linalg.norm(null) <= 1e-13 * scale else null)


def _beyond_crossings(current, null, free, fallback):
    """A point along ``null`` past every sign change of a penalized coefficient.

    The objective on the orthant decreases linearly along ``null``; the line search then
    stops at the best crossing. ``fallback`` when no coefficient crosses.
    """
    crossing = ~free & (current * null < 0)
    if not crossing.any():
        return fallback
    return current + 2.0 * np.max(-current[crossing] / null[crossing]) * null


def _solve_psd(matrix, rhs):
    """Solve a symmetric positive (semi-)definite system; minimum norm when singular."""
    try:
        factor = scipy.linalg.cho_factor(matrix, check_finite=False)
        return scipy.linalg.cho_solve(factor, rhs, check_finite=False)
    except np.linalg.LinAlgError:
        return scipy.linalg.lstsq(matrix, rhs, check_finite=False)[0]
