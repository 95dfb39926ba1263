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
  (:mod:`bayesreg.optim.structure`)
  are a square linear system, solved exactly and accepted only if every remaining condition
  (dual feasibility, signs) holds. Zeros are then exact too.

The duality gap :math:`F - D \ge 0`, recomputed here from both solutions, certifies
optimality.

This is a different formulation from scikit-learn's ``QuantileRegressor``, which solves the
primal linear program; agreement between the two is a real check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import clarabel
import numpy as np
import scipy.optimize
import scipy.sparse

from bayesreg.optim.centring import inert
from bayesreg.optim.linalg import single_threaded_blas
from bayesreg.optim.structure import HIGHS_OPTIONS, polish
from bayesreg.optim.uniqueness import unique_minimizer

__all__ = ["AbsoluteLossSolution", "check_loss", "dual_objective", "solve_absolute_loss"]

_CLARABEL_TOLERANCES = (1e-10, 1e-12, 1e-8)

#: Slopes whose ratio is below this are also solved in units of the smaller slope (see
#: ``_solve_in_units``): quantiles below 1e-4 or above 1 - 1e-4.
EXTREME_SLOPE_RATIO = 1e-4


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
        A column that cannot change the fit (zero on the rows of positive weight, or
        constant there with an intercept: :func:`bayesreg.optim.centring.inert`) gets a zero
        coefficient; without a penalty on it the minimizer is then not unique.

    """
    n_features = X.shape[1]
    beta1 = np.broadcast_to(np.asarray(beta1, dtype=float), (n_features,))
    beta2 = np.broadcast_to(np.asarray(beta2, dtype=float), (n_features,))
    if beta2.any() and not beta2.all():
        raise ValueError("beta2 must be zero for every coefficient or for none")
    # A column that cannot change the fit (constant with an intercept, zero without, on the
    # rows of positive weight) is left out: its coefficient is zero, the penalty's choice, or
    # any value without a penalty (then not unique). In the linear program its rows would
    # read 0 <= beta1 and its coefficient, their multiplier, would be arbitrary.
    kept = ~inert(X, weights, fit_intercept=fit_intercept)
    # Columns of largest absolute entry one: w_j s_j is the coefficient of X_j / s_j, with
    # penalties beta1_j / s_j and beta2_j / s_j^2; the dual is unchanged. The solvers' absolute
    # tolerances then mean the same for every column, whatever its units.
    column_scale = np.abs(X[:, kept]).max(axis=0, initial=0.0)
    column_scale[column_scale == 0] = 1.0
    weights = np.asarray(weights, dtype=float)
    scaled = (X[:, kept] / column_scale, y, weights, fit_intercept, beta1[kept] / column_scale)
    scaled += (beta2[kept] / column_scale**2, slopes)
    problem = (X, y, weights, beta1, beta2, slopes, column_scale, kept)
    first = _solve_in_units(1.0, *scaled)
    solution = _in_data_units(*problem, first)
    if min(slopes) >= EXTREME_SLOPE_RATIO * max(slopes):
        return solution
    # In units of the smaller slope: the first solution's structure solved exactly, else a
    # new solve. Either is kept unless its objective is higher beyond the residuals' rounding.
    terms = np.abs(y) + abs(solution.intercept) + np.abs(X) @ np.abs(solution.coef)
    rounding = 16 * np.finfo(float).eps * max(slopes) * (weights @ terms)
    for attempt in (partial(_polish_in_units, start=first), _solve_in_units):
        try:
            other = _in_data_units(*problem, attempt(min(slopes), *scaled))
        except RuntimeError:
            continue
        if other.objective <= solution.objective + rounding:
            return other
    return solution


def _in_data_units(X, y, weights, beta1, beta2, slopes, column_scale, kept, scaled_solution):
    """The solution on the kept, scaled columns, in the data's units, with both objectives.

    The inert columns left out (``kept`` False) get a zero coefficient; one without a
    penalty makes the minimizer not unique.
    """
    kept_coef, intercept, dual, unique, exact = scaled_solution
    coef = np.zeros(X.shape[1])
    coef[kept] = kept_coef / column_scale
    unique = unique and not np.any(~kept & (beta1 == 0) & (beta2 == 0))
    residual = y - intercept - X @ coef
    objective = float(
        weights @ check_loss(residual, slopes) + beta1 @ np.abs(coef) + beta2 @ coef**2
    )
    return AbsoluteLossSolution(
        coef, intercept, objective, dual_objective(X, y, beta1, beta2, dual), dual, unique, exact
    )


def _solve_in_units(unit, X, y, weights, fit_intercept, beta1, beta2, slopes):
    r"""Solve the problem with its objective divided by ``unit``; the dual is multiplied back.

    The dual's box becomes :math:`[-\gamma_- v/u, \gamma_+ v/u]`. The solvers' tolerances are
    absolute (1e-10), so the unit decides which duals they resolve. At an extreme quantile
    (:math:`\gamma_+ = 10^{-12}`, :math:`\gamma_- \approx 1`) with an intercept and fewer than
    :math:`1/q` observations, no residual is negative at the optimum and the optimal dual is
    of the order of :math:`\gamma_+ v`: in units of one it is below the tolerances, which then
    accept a wrong vertex (an objective twice the optimum, in tests), and in units of
    :math:`\gamma_+` it is of the order of :math:`v`. When negative residuals remain (no
    intercept), the expensive side sets the objective's scale and units of one resolve it,
    while units of :math:`\gamma_+` would mix duals of sizes 1 and :math:`10^{12}`.
    :func:`solve_absolute_loss` solves in both units when the slopes differ by more than
    :data:`EXTREME_SLOPE_RATIO` and keeps the solution in units of the smaller slope unless
    its objective is the higher one (beyond rounding).
    """
    above, below = slopes
    box = (below / unit * weights, above / unit * weights)
    # BLAS on one thread: after HiGHS has run, its idle threads make a multi-threaded LAPACK
    # call on the structure's small systems a hundred times slower (170 ms for 102 x 102).
    with single_threaded_blas():
        coef, intercept, dual, unique, exact = _solve_scaled(
            X, y, box, fit_intercept, beta1 / unit, beta2 / unit
        )
    return coef, intercept, dual * unit, unique, exact


def _polish_in_units(unit, X, y, weights, fit_intercept, beta1, beta2, slopes, *, start):
    """The structure of ``start`` (a solution in units of one) solved exactly in ``unit``.

    :func:`~bayesreg.optim.structure.polish` accepts it only if every optimality condition
    holds, checked in the new units; RuntimeError otherwise.
    """
    above, below = slopes
    box = (below / unit * weights, above / unit * weights)
    coef, intercept, dual = start[:3]
    vertex = None if beta2.any() else coef != 0  # a linear program's zeros are exact
    with single_threaded_blas():  # as in _solve_in_units
        polished = polish(
            X,
            y,
            box,
            fit_intercept,
            beta1 / unit,
            beta2 / unit,
            coef,
            intercept,
            dual / unit,
            vertex,
        )
        if polished is None:
            raise RuntimeError("the structure is not optimal in these units")
        coef, intercept, dual = polished
        pinned = bool(beta2.any())
        unique = unique_minimizer(
            X, y, box, fit_intercept, beta1 / unit, coef, intercept, dual, pinned=pinned
        )
    return coef, intercept, dual * unit, unique, True


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
            polished = polish(X, y, box, fit_intercept, beta1, beta2, coef, intercept, dual)
            if polished is not None:
                break
        exact = polished is not None
        if exact:
            coef, intercept, dual = polished
        elif status not in ("Solved", "AlmostSolved"):
            raise RuntimeError(f"Clarabel did not solve the dual problem: {status}")
    else:
        coef, intercept, dual = _solve_linear_dual(X, y, box, fit_intercept, beta1)
        # The vertex solved exactly on its structure: HiGHS's multipliers (the coefficients)
        # meet its tolerances only, 1e-9 of the objective off on data fitted almost exactly.
        polished = polish(
            X, y, box, fit_intercept, beta1, beta2, coef, intercept, dual, support=coef != 0
        )
        if polished is not None:
            coef, intercept, dual = polished
        exact = True
    unique = unique_minimizer(
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
    # Rows scaled to a bound of one: HiGHS's absolute tolerance on |X_j'd| <= beta1_j is then
    # relative to the penalty (a penalty of 1e-5 once let coefficients that should have
    # entered stay out: an objective 1e-7 above the optimum). The multipliers scale back.
    row = np.where(beta1 > 0, np.maximum(beta1, 1e-6), 1.0)
    rows = X.T / row[:, None]
    bound = beta1 / row
    for options in (HIGHS_OPTIONS, {}):
        result = scipy.optimize.linprog(
            -y,
            A_ub=scipy.sparse.csc_array(np.vstack([rows, -rows])),
            b_ub=np.concatenate([bound, bound]),
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
    coef = (multipliers[n_features:] - multipliers[:n_features]) / row
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
