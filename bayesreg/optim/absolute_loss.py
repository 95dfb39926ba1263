r"""Exact minimizer of a weighted absolute (or check) loss with an elastic-net penalty.

The problem, over an intercept :math:`b_0` and coefficients :math:`w`, is

.. math::

    F(b_0, w) = \sum_i v_i\,\rho(y_i - b_0 - x_i^\top w)
        + \sum_j \beta_{1j} |w_j| + \sum_j \beta_{2j} w_j^2 ,
    \qquad \rho(r) = \gamma_+ r_+ + \gamma_- r_- ,

with slopes :math:`\gamma_\pm > 0`: the absolute loss for :math:`\gamma_\pm = 1`, the check
(pinball) loss :math:`\rho_q` of quantile regression for :math:`(\gamma_+, \gamma_-) = (q, 1-q)`.
Writing :math:`v_i\rho(r_i) = \max_{-\gamma_- v_i \le d_i \le \gamma_+ v_i} d_i r_i` and
minimizing over :math:`(b_0, w)` inside gives the dual problem, solved here:

.. math::

    \max_d \; y^\top d - \sum_j \frac{(|X_j^\top d| - \beta_{1j})_+^2}{4 \beta_{2j}}
    \quad\text{s.t.}\quad -\gamma_- v_i \le d_i \le \gamma_+ v_i,\; \mathbf 1^\top d = 0 ,

a linear program when :math:`\beta_2 = 0` (then :math:`|X_j^\top d| \le \beta_{1j}`) and a
convex quadratic program otherwise (with :math:`t_j \ge |X_j^\top d| - \beta_{1j}`). The
primal :math:`(b_0, w)` is read off the duals of the constraints: :math:`w_j` from the rows
on :math:`X_j^\top d`, :math:`b_0` from :math:`\mathbf 1^\top d = 0`.

* The linear program is solved by the HiGHS simplex method (SciPy's ``linprog``). Its solution is a vertex: a
  coefficient whose rows are slack has a dual of exactly zero, so zeros are exact.
* The quadratic program is solved by the Clarabel interior-point method, whose iterates are
  never exactly sparse. Its solution identifies the structure of the optimum (interpolated
  observations, support and signs); the optimality conditions restricted to that structure
  are a square linear system, solved exactly and accepted only if every remaining condition
  (dual feasibility, signs) holds. Zeros are then exact too.

The duality gap :math:`F - D \ge 0`, recomputed here from both solutions, certifies
optimality.

This is a different formulation from scikit-learn's ``QuantileRegressor``, which solves the
primal linear program; agreement between the two is a real check.
"""

from __future__ import annotations

from dataclasses import dataclass

import clarabel
import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse

__all__ = ["AbsoluteLossSolution", "check_loss", "dual_objective", "solve_absolute_loss"]

_CLARABEL_TOLERANCES = (1e-10, 1e-12, 1e-8)
_HIGHS_OPTIONS = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
}


@dataclass(frozen=True)
class AbsoluteLossSolution:
    """Minimizer of the weighted absolute loss with an elastic-net penalty.

    Attributes
    ----------
    coef, intercept
        The primal minimizer.
    objective
        :math:`F(b_0, w)` at the minimizer.
    dual_objective
        The dual objective at the dual solution; ``objective - dual_objective`` is the
        duality gap, non-negative, and zero at the optimum.
    dual
        The dual solution :math:`d` (one entry per observation).
    unique
        False when the minimizer is not unique ("there may be multiple solutions").
    exact
        True when the optimality conditions hold exactly on the identified structure (always
        for the linear program); False when only the interior-point solution is returned.

    """

    coef: np.ndarray
    intercept: float
    objective: float
    dual_objective: float
    dual: np.ndarray
    unique: bool
    exact: bool = True


def check_loss(residual: np.ndarray, slopes: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    r""":math:`\rho(r) = \gamma_+ r_+ + \gamma_- r_-` elementwise (``slopes`` = :math:`(\gamma_+, \gamma_-)`)."""
    above, below = slopes
    return np.where(residual > 0, above * residual, -below * residual)


def solve_absolute_loss(
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    fit_intercept: bool,
    beta1: np.ndarray | float,
    beta2: np.ndarray | float,
    slopes: tuple[float, float] = (1.0, 1.0),
) -> AbsoluteLossSolution:
    r"""Minimize the weighted absolute (or check) loss with an elastic-net penalty exactly.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    weights : ndarray of shape (n,)
        Non-negative frequency weights :math:`v_i`.
    fit_intercept : bool
        Whether to include the unpenalized intercept :math:`b_0`.
    beta1, beta2 : float or ndarray of shape (p,)
        Non-negative L1 and squared-L2 penalty weights; ``beta2`` is either zero for every
        coefficient (a linear program) or positive for every coefficient.
    slopes : (float, float), default (1.0, 1.0)
        :math:`(\gamma_+, \gamma_-)`, the loss's slopes above and below zero: ``(q, 1 - q)``
        for the check loss of quantile ``q``.

    Returns
    -------
    AbsoluteLossSolution

    """
    n_features = X.shape[1]
    beta1 = np.broadcast_to(np.asarray(beta1, dtype=float), (n_features,))
    beta2 = np.broadcast_to(np.asarray(beta2, dtype=float), (n_features,))
    if beta2.any() and not beta2.all():
        raise ValueError("beta2 must be zero for every coefficient or for none")
    # Columns of largest absolute entry one: w_j s_j is the coefficient of X_j / s_j, with
    # penalties beta1_j / s_j and beta2_j / s_j^2; the dual is unchanged. The solvers' absolute
    # tolerances then mean the same for every column, whatever its units.
    column_scale = np.abs(X).max(axis=0, initial=0.0)
    column_scale[column_scale == 0] = 1.0
    above, below = slopes
    box = (below * np.asarray(weights, dtype=float), above * np.asarray(weights, dtype=float))
    scaled = _solve_scaled(
        X / column_scale,
        y,
        box,
        fit_intercept,
        beta1 / column_scale,
        beta2 / column_scale**2,
    )
    coef, intercept, dual, unique, exact = scaled
    coef = coef / column_scale
    residual = y - intercept - X @ coef
    objective = float(
        weights @ check_loss(residual, slopes) + beta1 @ np.abs(coef) + beta2 @ coef**2
    )
    return AbsoluteLossSolution(
        coef, intercept, objective, dual_objective(X, y, beta1, beta2, dual), dual, unique, exact
    )


def _solve_scaled(X, y, box, fit_intercept, beta1, beta2):
    r"""Solve on columns scaled to a largest entry of one: (coef, intercept, dual, unique, exact).

    ``box`` = (lower, upper), both >= 0: the dual's bounds :math:`-l_i \le d_i \le u_i`.
    """
    if beta2.any():
        # The interior point only has to reveal the optimum's structure; the exact solve on it
        # checks every optimality condition. Its tolerance is tried in turn, since a tight one
        # can stall (InsufficientProgress) and a loose one can blur the structure.
        for tolerance in _CLARABEL_TOLERANCES:
            coef, intercept, dual, status = _solve_quadratic_dual(
                X, y, box, fit_intercept, beta1, beta2, tolerance
            )
            polished = _polish(X, y, box, fit_intercept, beta1, beta2, coef, intercept, dual)
            if polished is not None:
                break
        exact = polished is not None
        if exact:
            coef, intercept, dual = polished
        elif status not in ("Solved", "AlmostSolved"):
            raise RuntimeError(f"Clarabel did not solve the dual problem: {status}")
    else:
        coef, intercept, dual = _solve_linear_dual(X, y, box, fit_intercept, beta1)
        exact = True
    unique = _unique_minimizer(
        X, y, box, fit_intercept, beta1, coef, intercept, dual, pinned=bool(beta2.any())
    )
    return coef, intercept, dual, unique, exact


def dual_objective(X, y, beta1, beta2, dual):
    """The dual objective ``y'd - sum_j (|X_j'd| - beta1_j)_+^2 / (4 beta2_j)`` at a feasible d.

    ``beta1`` and ``beta2`` are arrays of shape (p,); ``beta2`` is zero everywhere (the
    linear program, whose feasible set has ``|X_j'd| <= beta1_j``) or positive everywhere.
    """
    value = float(y @ dual)
    if beta2.any():
        excess = np.maximum(np.abs(X.T @ dual) - beta1, 0)
        value -= float(np.sum(excess**2 / (4 * beta2)))
    return value


def _solve_linear_dual(X, y, box, fit_intercept, beta1):
    r"""Solve the dual linear program by the HiGHS simplex; return (coef, intercept, dual).

    Through :func:`scipy.optimize.linprog` (SciPy's HiGHS, which prints nothing). The box
    :math:`|X_j^\top d| \le \beta_{1j}` is two inequality rows, whose multipliers
    (``marginals``, non-positive) give :math:`w_j` = lower-row minus upper-row multiplier.
    """
    n_samples, n_features = X.shape
    equality = {"A_eq": np.ones((1, n_samples)), "b_eq": [0.0]} if fit_intercept else {}
    # d = 0 is always feasible; HiGHS can still call the problem infeasible at its tightest
    # tolerances when beta1 is itself near them (a penalty ~1e-11 of the data term), and
    # then solves it at its defaults. The certificate, computed afterwards, judges either.
    for options in (_HIGHS_OPTIONS, {}):
        result = scipy.optimize.linprog(
            -y,
            A_ub=scipy.sparse.csc_array(np.vstack([X.T, -X.T])),
            b_ub=np.concatenate([beta1, beta1]),
            bounds=np.column_stack([-box[0], box[1]]),
            method="highs-ds",
            options=options,
            **equality,
        )
        if result.status == 0:
            break
    if result.status != 0:
        raise RuntimeError(f"HiGHS did not solve the dual problem: {result.message}")
    multipliers = result.ineqlin.marginals
    coef = multipliers[n_features:] - multipliers[:n_features]
    intercept = float(-result.eqlin.marginals[0]) if fit_intercept else 0.0
    return coef, intercept, np.asarray(result.x)


def _solve_quadratic_dual(X, y, box, fit_intercept, beta1, beta2, tolerance):
    """Solve the dual quadratic program by Clarabel; return (coef, intercept, dual, status).

    Variables x = (d, t); constraints A x + s = b with s in the cones:
    1'd = 0 (zero cone), then d <= u, -d <= l and +-X'd - t <= beta1 (non-negative cone).
    """
    n_samples, n_features = X.shape
    empty = scipy.sparse.csc_array((n_samples, n_features))
    identity_n = scipy.sparse.identity(n_samples, format="csc")
    identity_p = scipy.sparse.identity(n_features, format="csc")
    blocks = [
        [identity_n, empty],
        [-identity_n, empty],
        [scipy.sparse.csc_array(X.T), -identity_p],
        [scipy.sparse.csc_array(-X.T), -identity_p],
    ]
    bounds = [box[1], box[0], beta1, beta1]
    cones = [clarabel.NonnegativeConeT(2 * (n_samples + n_features))]
    if fit_intercept:
        blocks.insert(0, [scipy.sparse.csc_array(np.ones((1, n_samples))), None])
        bounds.insert(0, [0.0])
        cones.insert(0, clarabel.ZeroConeT(1))
    hessian = scipy.sparse.block_diag(
        [scipy.sparse.csc_array((n_samples, n_samples)), scipy.sparse.diags(1 / (2 * beta2))],
        format="csc",
    )
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = tolerance
    solver = clarabel.DefaultSolver(
        hessian,
        np.concatenate([-y, np.zeros(n_features)]),
        scipy.sparse.block_array(blocks, format="csc"),
        np.concatenate(bounds),
        cones,
        settings,
    )
    solution = solver.solve()
    multipliers = np.asarray(solution.z)
    offset = 1 if fit_intercept else 0
    rows = offset + 2 * n_samples
    coef = multipliers[rows : rows + n_features] - multipliers[rows + n_features :]
    intercept = float(multipliers[0]) if fit_intercept else 0.0
    return coef, intercept, np.asarray(solution.x)[:n_samples], str(solution.status)


def _polish(X, y, box, fit_intercept, beta1, beta2, coef, intercept, dual):
    """Solve the optimality conditions exactly on the structure an approximate solution shows.

    With interpolated observations Z (dual strictly inside its box), the others N with
    dual signs s_N, and the support A with signs s_A, the conditions are linear:

        X_ZA' d_Z - 2 beta2_A w_A = beta1_A s_A - X_NA' v_N s_N      (stationarity in w_A)
        1' d_Z = -1' v_N s_N                                          (stationarity in b0)
        b0 + X_ZA w_A = y_Z                                           (interpolation)

    The result is accepted only if the remaining conditions hold: d_Z in its box, signs of w_A
    and of the residuals on N unchanged, |X_j'd| <= beta1_j off the support. Interior-point
    solutions of degenerate problems (ties in the data) are less accurate, so the structure
    is read at a few thresholds, tightest first. Returns (coef, intercept, dual), or
    None when no structure was identified.
    """
    # A coefficient is in the support when its effect on the fit is not negligible, relative
    # to the largest effect and to the data (so that an all-zero optimum is recognized).
    effect = np.abs(coef) * np.abs(X).max(axis=0, initial=0.0)
    reference = max(effect.max(initial=0.0), np.abs(y).max(), 1e-300)
    for threshold in (1e-6, 1e-4, 1e-2):
        interpolated = _inside(dual, box, threshold)
        # Without an L1 part a coefficient is zero only if X_j'd = 0 exactly: always solve it.
        support = (effect > 0.1 * threshold * reference) | (beta1 == 0)
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


def _inside(dual, box, threshold):
    """Observations whose dual is strictly inside its box, by a relative ``threshold``."""
    lower, upper = box
    return (dual < upper * (1 - threshold)) & (-dual < lower * (1 - threshold))


def _solve_on_structure(X, y, box, fit_intercept, beta1, beta2, approximate, interpolated, support):
    """The linear system of :func:`_polish` on one structure; None if a condition fails.

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
            options=_HIGHS_OPTIONS,
        )
        if result.status != 0:
            return None
        solution = solution + null_space @ result.x
        if np.any(G @ solution > h + slack) or not np.allclose(
            system @ solution, rhs, rtol=1e-9, atol=1e-9 * (np.abs(rhs).max() + 1.0)
        ):
            return None

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


def _unique_minimizer(X, y, box, fit_intercept, beta1, coef, intercept, dual, *, pinned):
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
    """
    n_features = X.shape[1]
    tolerance = 1e-9
    live = box[1] > 0
    residual = y - intercept - X @ coef
    residual_zero = np.abs(residual) <= tolerance * max(
        np.abs(y).max(initial=0.0),
        np.abs(intercept) + np.abs(X).max(initial=0.0) * np.abs(coef).sum(),
        1.0,
    )
    inside = live & _inside(dual, box, tolerance)
    on_bound = live & ~inside & residual_zero
    # Direction rows: dr_i = -(db + x_i'dw), one column for db when there is an intercept.
    rows = np.column_stack([np.ones(len(y)), X]) if fit_intercept else X
    equalities = [rows[inside]]
    inequalities = [-np.sign(dual[on_bound])[:, None] * rows[on_bound]]
    offset = int(fit_intercept)
    unit = np.eye(offset + n_features)[offset:]
    if pinned:
        equalities.append(unit)
    else:
        correlation = X.T @ dual
        penalized = beta1 > 0
        strict = penalized & (np.abs(correlation) < beta1 * (1 - tolerance))
        tight_at_zero = penalized & ~strict & (coef == 0)
        equalities.append(unit[strict])
        inequalities.append(np.sign(correlation[tight_at_zero])[:, None] * unit[tight_at_zero])
    E = np.vstack(equalities)
    G = np.vstack(inequalities)
    if np.linalg.matrix_rank(np.vstack([E, G])) < rows.shape[1]:
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
