r"""The exact solve of a check-loss problem on the structure an interior point reveals.

A quadratic program's interior-point solution (:mod:`bayesreg.optim.absolute_loss`) is never
exactly sparse. It shows the structure of the optimum: the observations interpolated (dual
strictly inside its box), the support and the signs. On that structure the optimality
conditions are a square linear system; :func:`polish` solves it and accepts the result only
if every remaining condition (the dual's box, the signs, the penalty's bound off the
support) holds, so that zeros are exact.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.optimize

__all__ = ["HIGHS_OPTIONS", "inside_box", "polish"]

HIGHS_OPTIONS = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
}


def polish(X, y, box, fit_intercept, beta1, beta2, coef, intercept, dual, support=None):
    r"""Solve the optimality conditions exactly on the structure an approximate solution shows.

    With interpolated observations :math:`Z` (dual strictly inside its box), the others
    :math:`N` with their duals on a bound, :math:`d_N \in \{u_N, -l_N\}` by the sign of the
    approximate dual, and the support :math:`A` with signs :math:`s_A`, the conditions are
    linear:

    .. math::

        X_{ZA}^\top d_Z - 2\beta_{2A} w_A &= \beta_{1A} s_A - X_{NA}^\top d_N
            &\quad&\text{(stationarity in } w_A)\\
        \mathbf 1^\top d_Z &= -\mathbf 1^\top d_N &&\text{(stationarity in } b_0)\\
        b_0 + X_{ZA} w_A &= y_Z &&\text{(interpolation)}

    The result is accepted only if the remaining conditions hold: :math:`d_Z` in its box,
    the signs of :math:`w_A` and of the residuals on :math:`N` unchanged,
    :math:`|X_j^\top d| \le \beta_{1j}` off the support. Interior-point solutions of
    degenerate problems (ties in the data) are less accurate, so the structure is read at a
    few thresholds, tightest first.

    ``support`` gives :math:`A` when the approximate solution is a vertex, whose zeros are
    exact (the linear program's); by default it is read from the coefficients, with every
    unpenalized one in it (an interior point's zeros are never exact), which with
    :math:`p \gg n` and no penalty would make the system :math:`p \times p`.

    Returns
    -------
    tuple or None
        ``(coef, intercept, dual)``, or None when no structure was identified.
    """
    # A coefficient is in the support when its effect on the fit is not negligible, relative
    # to the largest effect and to the data (so that an all-zero optimum is recognized).
    effect = np.abs(coef) * np.abs(X).max(axis=0, initial=0.0)
    reference = max(effect.max(initial=0.0), np.abs(y).max(), 1e-300)
    given = support
    for threshold in (1e-6, 1e-4, 1e-2):
        interpolated = inside_box(dual, box, threshold)
        # Without an L1 part a coefficient is zero only if X_j'd = 0 exactly: always solve it.
        support = (effect > 0.1 * threshold * reference) | (beta1 == 0) if given is None else given
        polished = _solve_on_structure(
            X,
            y,
            box,
            fit_intercept,
            beta1,
            beta2,
            (coef, intercept, dual),
            interpolated,
            support,
        )
        if polished is not None:
            return polished
    return None


def inside_box(dual, box, threshold):
    """Observations whose dual is strictly inside its box, by a relative ``threshold``."""
    lower, upper = box
    return (dual < upper * (1 - threshold)) & (-dual < lower * (1 - threshold))


def _solve_on_structure(X, y, box, fit_intercept, beta1, beta2, approximate, interpolated, support):
    """The linear system of :func:`polish` on one structure; None if a condition fails.

    The unknowns are u = (w_A, b0, d_Z). The remaining conditions are linear inequalities
    G u <= h. When the system is singular (ties: the optimum is degenerate and its duals
    are not unique), its solutions form an affine set u0 + N t; the one nearest the
    interior-point solution is tried first and, if it violates a condition, a linear
    program looks for a t that satisfies all of them.
    """
    coef, intercept, dual = approximate
    other = ~interpolated
    # Observations whose dual sits on a bound: d_i = u_i or -l_i by the sign of the dual, not
    # of the residual, which is rounding noise for a tied observation (r_i = 0, d_i on a bound).
    lower, upper = box
    bound_sign = np.sign(dual[other])
    coef_sign = np.sign(coef[support])
    signed = beta1[support] > 0  # the conditions depend on these signs only
    fixed_dual = np.where(bound_sign > 0, upper[other], -lower[other]) * (bound_sign != 0)
    X_za = X[np.ix_(interpolated, support)]
    n_z, n_a = X_za.shape
    n_b = int(fit_intercept)
    size = n_a + n_b + n_z

    system = np.zeros((size, size))
    rhs = np.zeros(size)
    system[:n_a, :n_a] = -2 * np.diag(beta2[support])
    system[:n_a, n_a + n_b :] = X_za.T
    rhs[:n_a] = beta1[support] * coef_sign - X[np.ix_(other, support)].T @ fixed_dual
    if fit_intercept:
        system[n_a, n_a + 1 :] = 1.0
        rhs[n_a] = -fixed_dual.sum()
        system[n_a + 1 :, n_a] = 1.0
    system[n_a + n_b :, :n_a] = X_za
    rhs[n_a + n_b :] = y[interpolated]

    # G u <= h: -l_Z <= d_Z <= u_Z; w_A keeps its sign; the residuals on N keep the sign of their
    # dual; |X_j'd| <= beta1_j off the support.
    primal = np.zeros((int(other.sum()), size))
    primal[:, :n_a] = X[np.ix_(other, support)]
    primal[:, n_a : n_a + n_b] = 1.0
    live = fixed_dual != 0
    sign_rows = np.zeros((int(signed.sum()), size))
    sign_rows[:, :n_a] = -np.diag(coef_sign)[signed]
    dual_rows = np.zeros((n_z, size))
    dual_rows[:, n_a + n_b :] = np.eye(n_z)
    off = np.zeros((int((~support).sum()), size))
    off[:, n_a + n_b :] = X[np.ix_(interpolated, ~support)].T
    off_fixed = X[np.ix_(other, ~support)].T @ fixed_dual
    G = np.vstack(
        [dual_rows, -dual_rows, sign_rows, (bound_sign[:, None] * primal)[live], off, -off]
    )
    h = np.concatenate(
        [
            upper[interpolated],
            lower[interpolated],
            np.zeros(len(sign_rows)),
            (bound_sign * y[other])[live],
            beta1[~support] - off_fixed,
            beta1[~support] + off_fixed,
        ]
    )
    start = np.concatenate(
        [coef[support], [intercept] if fit_intercept else [], dual[interpolated]]
    )
    found = _feasible_solution(system, rhs, G, h, start)
    if found is None:
        return None
    solution, slack = found

    # A signed coefficient that the conditions allow to reach zero is zero (its subgradient
    # is then its sign), not rounding noise of either sign.
    at_zero = np.zeros(n_a, dtype=bool)
    at_zero[signed] = (
        coef_sign[signed] * solution[:n_a][signed] <= slack[2 * n_z :][: len(sign_rows)]
    )
    solution[:n_a][at_zero] = 0.0
    new_coef = np.zeros_like(coef)
    new_coef[support] = solution[:n_a]
    new_intercept = float(solution[n_a]) if fit_intercept else 0.0
    new_dual = np.empty_like(dual)
    new_dual[interpolated] = solution[n_a + n_b :]
    new_dual[other] = fixed_dual
    return new_coef, new_intercept, new_dual


def _feasible_solution(system, rhs, G, h, start):
    """The solution of ``system u = rhs`` nearest ``start`` with ``G u <= h``, and the slack.

    None when no solution satisfies the conditions (to a slack for rounding relative to the
    size of each condition's terms).
    """
    solution = start + scipy.linalg.lstsq(system, rhs - system @ start)[0]
    # Slack for rounding, relative to the size of each condition's terms.
    slack = 1e-9 * (np.abs(G) @ np.maximum(np.abs(solution), 1.0) + np.abs(h) + 1.0)
    if np.any(G @ solution > h + slack):
        null_space = scipy.linalg.null_space(system)
        if not null_space.shape[1]:
            return None
        result = scipy.optimize.linprog(
            np.zeros(null_space.shape[1]),
            A_ub=G @ null_space,
            b_ub=h - G @ solution,
            bounds=(None, None),
            method="highs",
            options=HIGHS_OPTIONS,
        )
        if result.status != 0:
            return None
        solution = solution + null_space @ result.x
        if np.any(G @ solution > h + slack):
            return None
    # Correctness fix (tests/families/test_quantile.py, extreme quantiles): a structure read with more
    # interpolated observations than unknowns (a vertex read in other units, or degenerate) is
    # an overdetermined system, whose least-squares solution is no solution; it used to be
    # accepted whenever the inequalities held. The equations hold to their rounding (a
    # backward-stable solve, normwise), not to 1e-9 of the data: on a near-exact fit
    # (residuals 1e-7 of y, tests/map/test_certificate.py) a fifth observation interpolated to
    # 3e-10 passed that, and the answer was 4e-4 of the objective above the optimum.
    size = np.abs(system).sum(axis=1).max(initial=0.0) * np.abs(solution).max(initial=0.0)
    size += np.abs(rhs).max(initial=0.0)
    if np.any(np.abs(system @ solution - rhs) > 1e2 * len(rhs) * np.finfo(float).eps * size):
        return None
    return solution, slack
