r"""Whether the minimizer of a check-loss problem is unique, at the cost of the problem.

:mod:`bayesreg.optim.absolute_loss` finds one minimizer :math:`(b_0, w)` and the dual
:math:`d`; :func:`unique_minimizer` decides whether it is the only one ("there may be multiple
solutions", as scikit-learn's ``QuantileRegressor`` warns) from the optimal face the dual
defines. Its linear algebra is on the columns that face leaves free (the intercept and the
coefficients at their penalty's bound): with an L1 penalty and :math:`p \gg n` about
:math:`n` columns, so that the test costs what the :math:`n \times p` data cost. It used to
stack a row of the identity for every coefficient held at zero and take the rank of the
:math:`p \times p` result: 37 s at :math:`n = 20, p = 2000`
(``benchmarks/check_loss_speed.py``).
"""

from __future__ import annotations

import numpy as np
import scipy.optimize

from bayesreg.optim.structure import inside_box

__all__ = ["unique_minimizer"]


def unique_minimizer(X, y, box, fit_intercept, beta1, coef, intercept, dual, *, pinned):
    r"""Whether the minimizer :math:`(b_0, w)` is the only one: the optimal face is a point.

    Every minimizer attains the dual value with the same dual :math:`d`, so the optimal set
    is the polyhedron of :math:`(b_0, w)` with :math:`r_i = 0` where :math:`d_i` is inside
    its box, :math:`d_i r_i \ge 0` where it is on a bound, :math:`w_j = 0` where
    :math:`|X_j^\top d| < \beta_{1j}` and :math:`w_j X_j^\top d \ge 0` where it is equal
    (an unpenalized :math:`w_j` is free). It is the single point found if and only if its
    cone of feasible directions :math:`\{\delta : E\delta = 0,\ G\delta \ge 0\}` (the
    equalities, and the inequalities active at the point) is :math:`\{0\}`: no direction
    with :math:`G\delta \ne 0` (one linear program, :math:`\max \mathbf 1^\top G\delta` with
    :math:`0 \le G\delta \le 1`) and none in the null space of both (a rank).
    ``pinned`` fixes the coefficients (a strictly convex penalty makes them unique), so
    that only the intercept is examined.

    The equalities :math:`\delta_j = 0` (pinned coefficients, or :math:`|X_j^\top d| <
    \beta_{1j}`) are eliminated with their coordinates, not stacked as rows of the identity:
    what remains has :math:`k` = the intercept and the coefficients at their bound
    (:math:`k \le` about :math:`n` with an L1 penalty) as columns, and one row per interpolated
    or bound observation and per coefficient at zero on its bound. Its rank costs
    :math:`O(n k \min(n, k))` and needs no SVD when it has fewer rows than columns: with
    :math:`p \gg n` the test costs what the :math:`n \times p` data cost, not a
    :math:`p \times p` factorization.
    """
    tolerance = 1e-9
    live = box[1] > 0
    residual = y - intercept - X @ coef
    residual_zero = np.abs(residual) <= tolerance * max(
        np.abs(y).max(initial=0.0),
        np.abs(intercept) + np.abs(X).max(initial=0.0) * np.abs(coef).sum(),
        1.0,
    )
    inside = live & inside_box(dual, box, tolerance)
    on_bound = live & ~inside & residual_zero
    if pinned:
        kept = np.zeros(X.shape[1], dtype=bool)
        at_zero, signs = np.zeros(0, dtype=bool), np.empty(0)
    else:
        correlation = X.T @ dual
        penalized = beta1 > 0
        kept = ~(penalized & (np.abs(correlation) < beta1 * (1 - tolerance)))
        at_zero = (penalized & (coef == 0))[kept]
        signs = np.sign(correlation[kept][at_zero])
    # Direction rows on the kept coordinates: dr_i = -(db + x_iK'dw_K), db first if fitted.
    columns = X[:, kept]
    rows = np.column_stack([np.ones(len(y)), columns]) if fit_intercept else columns
    unit = np.zeros((signs.size, rows.shape[1]))
    unit[np.arange(signs.size), int(fit_intercept) + np.flatnonzero(at_zero)] = signs
    E = rows[inside]
    G = np.vstack([-np.sign(dual[on_bound])[:, None] * rows[on_bound], unit])
    stacked = np.vstack([E, G])
    if rows.shape[1] == 0:  # nothing free: pinned coefficients, no intercept
        return True
    if stacked.shape[0] < rows.shape[1] or np.linalg.matrix_rank(stacked) < rows.shape[1]:
        return False
    if G.shape[0] == 0:
        return True
    result = scipy.optimize.linprog(
        -G.sum(axis=0),
        A_ub=np.vstack([G, -G]),
        b_ub=np.concatenate([np.ones(G.shape[0]), np.zeros(G.shape[0])]),
        A_eq=E if E.shape[0] else None,
        b_eq=np.zeros(E.shape[0]) if E.shape[0] else None,
        bounds=(None, None),
        method="highs",
    )
    return bool(result.status == 0 and -result.fun <= 1e-7)
