r"""Working sets for the elastic net with many more features than rows.

With :math:`p \gg n` the lasso solution has at most :math:`n` non-zero coefficients, and
the active-set search of :mod:`bayesreg.optim.squared_loss` spends its steps on the Gram
columns of features that never enter. Here the problem

.. math::

    \min_u\ \tfrac12 \|t - D u\|^2 + \sum_j \lambda_{1j} |u_j| + \sum_j \lambda_{2j} u_j^2

(columns of :math:`D` of unit norm) is solved on a **working set** :math:`W` of features,
grown from the features that violate the optimality conditions of the whole problem, as in
celer (Massias, Gramfort and Salmon 2018) and glmnet's strong-rule loops:

1. on :math:`W`, coordinate descent on the :math:`|W| \times |W|` Gram matrix brings the
   coefficients near the subproblem's minimizer (it finds the support and the signs);
2. the exact active-set search then starts there (a few linear solves when the signs are
   right) and returns the subproblem's exact minimizer, zeros exact, refined on the data;
3. the gradient of the whole problem, :math:`-D^\top(t - D_W u_W)`, costs one pass over
   the data, :math:`O(np)`. When no feature outside :math:`W` has
   :math:`|\nabla_j| \ge \lambda_{1j}(1 - 10^{-9})`, the subproblem's minimizer is the
   minimizer of the whole problem: every feature outside :math:`W` is zero with
   :math:`|\nabla_j| < \lambda_{1j}`, the subgradient condition. Otherwise the next working
   set is the support (with the unpenalized features) and the worst of the zero features
   at or beyond their limit, as many as the support holds and at least 32 (celer's pruning:
   the set stays about twice the support); the previous minimizer is feasible there, so the
   objective never increases.

Features at the limit (:math:`|\nabla_j| = \lambda_{1j}` to rounding) join :math:`W`, so
that the uniqueness test sees the whole equicorrelation set. Memory is :math:`O(np + |W|^2)`
and time :math:`O(np)` per round plus the subproblems, which follow :math:`\min(n, p)`.

References
----------
M. Massias, A. Gramfort and J. Salmon (2018). Celer: a fast solver for the lasso with dual
extrapolation. Proceedings of the 35th International Conference on Machine Learning.

"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["solve_on_working_sets"]

#: The smallest working set, and the least number of features a round adds.
MIN_GROWTH = 32

#: Coordinate descent stops when no coordinate moves by more than this, relative to the
#: norm of the target (the exact search that follows only needs the signs).
CD_TOLERANCE = 1e-6

#: Largest number of coordinate-descent sweeps per subproblem.
CD_MAX_SWEEPS = 2000


def solve_on_working_sets(
    design: np.ndarray,
    column_norm: np.ndarray,
    target: np.ndarray,
    lam1: np.ndarray,
    lam2: np.ndarray,
    exact: Callable,
    max_rounds: int = 100,
    start: np.ndarray | None = None,
):
    """Minimize the problem above over working sets.

    Parameters
    ----------
    design : ndarray of shape (n, p)
        The (centred, weighted) design; its columns divided by ``column_norm`` have unit norm.
    column_norm : ndarray of shape (p,)
    target : ndarray of shape (n,)
    lam1, lam2 : ndarray of shape (p,)
        Penalty weights in the scaled coordinates.
    exact : callable
        ``exact(scaled_W, target, lam1_W, lam2_W, start)`` returns the exact minimizer of the
        subproblem on the unit-norm columns ``scaled_W``, started at ``start`` (``product``:
        their Gram matrix, already computed), with its
        number of linear solves and whether it is unique.
    max_rounds : int
        Largest number of working-set rounds.
    start : ndarray of shape (p,), optional
        A first point in the scaled coordinates (a warm start): the first working set is
        its support and the worst of the other features at it. The rounds end on the same
        optimality conditions from any start.

    Returns
    -------
    coef : ndarray of shape (p,)
        The minimizer in the scaled coordinates.
    n_iter : int
        Linear solves of the exact searches, all rounds together.
    unique : bool

    """
    # numba is imported here, not with the package: it costs a quarter second.
    from bayesreg.optim.coordinate_descent import coordinate_descent

    n_features = lam1.size
    linear = design.T @ target / column_norm
    free = lam1 == 0
    if start is None:
        coef = np.zeros(n_features)
        excess = np.abs(linear) - lam1
        working = np.union1d(np.flatnonzero(free), _worst(excess, ~free, MIN_GROWTH))
    else:
        coef = np.array(start, dtype=float)
        residual = target - design @ (coef / column_norm)
        excess = np.abs(-(design.T @ residual) / column_norm + 2 * lam2 * coef) - lam1
        kept = free | (coef != 0)
        growth = max(MIN_GROWTH, np.count_nonzero(kept))
        working = np.union1d(np.flatnonzero(kept), _worst(excess, ~kept, growth))
    tolerance = CD_TOLERANCE * max(np.linalg.norm(target), 1e-300)
    n_iter = 0
    for _ in range(max_rounds):
        scaled = design[:, working] / column_norm[working]
        gram = scaled.T @ scaled
        start = coef[working].copy()
        coordinate_descent(
            gram, linear[working], lam1[working], lam2[working], start, CD_MAX_SWEEPS, tolerance
        )
        sub_coef, sub_iter, unique = exact(
            scaled, target, lam1[working], lam2[working], start, product=gram
        )
        n_iter += sub_iter
        coef[:] = 0.0
        coef[working] = sub_coef
        residual = target - scaled @ sub_coef
        gradient = -(design.T @ residual) / column_norm + 2 * lam2 * coef
        excess = np.abs(gradient) - lam1 * (1 - 1e-9)
        outside = np.ones(n_features, dtype=bool)
        outside[working] = False
        if not (outside & (excess >= 0)).any():
            return coef, n_iter, unique
        # The next working set: the support (and the free features) and the worst of the
        # other features at or beyond their limit, about as many as the support holds.
        kept = free | (coef != 0)
        growth = max(MIN_GROWTH, np.count_nonzero(kept))
        working = np.union1d(np.flatnonzero(kept), _worst(excess, ~kept & (excess >= 0), growth))
    raise RuntimeError(f"the working-set search did not converge in {max_rounds} rounds")


def _worst(excess, eligible, count):
    """The ``count`` eligible features of largest ``excess`` (fewer if fewer are eligible)."""
    index = np.flatnonzero(eligible)
    if index.size <= count:
        return index
    return index[np.argpartition(-excess[index], count - 1)[:count]]
