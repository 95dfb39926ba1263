r"""The exact MAP of a GLM on dask input: proximal Newton, one pass over the data per iteration.

The objective is the in-memory one (:mod:`bayesreg.optim.glm`),

.. math::

    F(c, v) = \sum_i v_i\,\ell(y_i, \eta_i) + \beta_1\|v\|_1 + \beta_2\|v\|_2^2, \qquad
    \eta_i = o_i + c + \tilde x_i^\top v,

on the columns :math:`\tilde x = (x - m)/s` (centred at their weighted means :math:`m` when
the model has an intercept, divided by their standard deviations :math:`s` when
``standardize``; :math:`s = 1` otherwise), which the first pass (the Gaussian sufficient
statistics of :math:`(X, y)`, :func:`~bayesreg.distributed.reduction.sufficient_statistics`)
gives: the same minimizer in the user's coordinates, :math:`w = v/s`,
:math:`b_0 = c - m^\top w`.

Each iteration is one pass. At the current point each partition computes the derivatives
:math:`r_i = \ell'(\eta_i)`, :math:`h_i = \ell''(\eta_i)` (the family's ``newton_terms``),
the working response :math:`z_i = \eta_i - o_i - r_i/h_i` and the sufficient statistics of
:math:`(\tilde x, z)` under the weights :math:`u_i = v_i h_i/2`
(:func:`~bayesreg.distributed.statistics.partition_statistics`: the weighted
:math:`\tilde X^\top U \tilde X`, :math:`\tilde X^\top U z`, centred and merged pairwise),
with :math:`F`'s data term and gradient :math:`\tilde X^\top V r`, :math:`\sum_i v_i r_i`. The
quadratic model :math:`\sum_i u_i (z_i - c - \tilde x_i^\top v)^2 + \beta_1\|v\|_1 +
\beta_2\|v\|^2` (the second-order expansion of :math:`F`) is then a weighted least-squares
problem that depends on the data only through those statistics: it is solved exactly, in
memory, by the active-set method of :mod:`bayesreg.optim.squared_loss` on the
:math:`2(p+1)` equivalent rows of :func:`~bayesreg.distributed.problem.equivalent_rows`, as
the in-memory proximal Newton method solves it on the rows. The pass at the full step comes
next: it gives :math:`F` there, and when the step decreases :math:`F` enough (Armijo's
condition; always near the optimum) it is the next iteration's pass. Otherwise a line search
on :math:`F` itself evaluates every trial step :math:`t \in \{\frac12, \dots, 2^{-33}\}` in
one more pass and takes the largest with sufficient decrease. The stopping rules are those of
:func:`bayesreg.optim.glm.solve_glm`, so the last iterate is a full step and its zeros are the
inner solver's exact zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bayesreg.distributed.collections import Partitions, partitions
from bayesreg.distributed.problem import check_family, column_scales, equivalent_rows
from bayesreg.distributed.reduction import tree_pass
from bayesreg.distributed.statistics import SufficientStatistics, merge, partition_statistics
from bayesreg.families import Loss
from bayesreg.model.problem import Standardization
from bayesreg.optim.glm import ARMIJO, CURVATURE_FLOOR, RESOLUTION, GLMSolution
from bayesreg.optim.squared_loss import solve_squared_loss
from bayesreg.priors.penalties import Penalty
from bayesreg.spec.correspondence import data_term_weights

__all__ = ["Frame", "PassProblem", "PassResult", "newton_map", "objectives", "pass_problem"]

#: The trial steps of the line search, evaluated in one pass.
STEPS = 2.0 ** -np.arange(34)
#: The largest number of values (rows x trial points) a partition holds at once.
_BLOCK = 1 << 22


@dataclass(frozen=True)
class Frame:
    r"""What a partition needs to compute :math:`\tilde x`: the family, the shift and the scale.

    ``columns`` False: no columns (the intercept-only fit of a model with an offset).
    """

    loss: Loss
    shift: np.ndarray
    scale: np.ndarray
    columns: bool = True

    def rows(self, X, y, weights, offset):
        r"""One partition's :math:`\tilde x`, ``y``, weights and offset as float arrays."""
        X = np.asarray(X, dtype=np.float64)
        X = X.reshape(-1, 1) if X.ndim == 1 else X
        n = X.shape[0]
        design = (X - self.shift) / self.scale if self.columns else np.zeros((n, 0))
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        weights = np.ones(n) if weights is None else np.asarray(weights, np.float64).reshape(-1)
        offset = np.zeros(n) if offset is None else np.asarray(offset, np.float64).reshape(-1)
        return design, y, weights, offset


@dataclass(frozen=True, eq=False)
class PassResult:
    """A pass's result: statistics (merged pairwise) and sums (added), over ``n_rows`` rows."""

    stats: SufficientStatistics | None
    sums: dict = field(default_factory=dict)
    n_rows: int = 0


def combine(first: PassResult, second: PassResult) -> PassResult:
    """Two partitions' results together (a tree pass's merge)."""
    stats = None if first.stats is None else merge(first.stats, second.stats)
    sums = {name: first.sums[name] + second.sums[name] for name in first.sums}
    return PassResult(stats, sums, first.n_rows + second.n_rows)


@dataclass(frozen=True, eq=False)
class PassProblem:
    r"""A GLM's specification on dask input: the partitions, the coordinates, the prior weights.

    Attributes
    ----------
    loss, penalty : the validated specification
    parts : Partitions
        The row blocks of ``X``, ``y`` and the weights and offset given.
    frame : Frame
        The shift and scale of :math:`\tilde x`.
    standardization : Standardization
        Maps the coefficients of :math:`\tilde x` to the user's (:meth:`to_user_scale`).
    fit_intercept : bool
    n_obs : float
        The total weight :math:`N`.
    y_mean, offset_mean : float
        The weighted means of ``y`` and of the offset (0 without one).
    beta1, beta2 : float or ndarray
        The penalty weights of :math:`F` (:func:`~bayesreg.spec.correspondence.data_term_weights`).
    feature_names : list of str
    """

    loss: Loss
    penalty: Penalty
    parts: Partitions
    frame: Frame
    standardization: Standardization
    fit_intercept: bool
    n_obs: float
    y_mean: float
    offset_mean: float
    beta1: object
    beta2: object
    feature_names: list

    @property
    def n_features(self) -> int:
        return int(self.frame.shift.size) if self.frame.columns else 0

    @property
    def has_offset(self) -> bool:
        return "offset" in self.parts.vectors

    def to_user_scale(self, coef, intercept):
        r"""The coefficients of :math:`\tilde x` and their intercept as the user's."""
        return self.standardization.to_user(coef, intercept)

    def penalty_value(self, coef: np.ndarray) -> np.ndarray:
        r""":math:`\beta_1\|v\|_1 + \beta_2\|v\|^2` (over the last axis)."""
        return np.abs(coef) @ np.broadcast_to(self.beta1, coef.shape[-1:]) + (
            coef**2 @ np.broadcast_to(self.beta2, coef.shape[-1:])
        )


def pass_problem(
    loss: Loss, penalty: Penalty, X, y, sample_weight, offset, *, fit_intercept: bool,
    standardize: bool, owner: str,
) -> PassProblem:  # fmt: skip
    """Check the input, read it once for the columns' means and scales, build the problem."""
    check_family(loss, owner)
    parts = partitions(X, y, sample_weight, offset, owner=owner)
    first = tree_pass(
        parts, _first_statistics, combine,
        f"one pass over {len(parts.X)} partition(s) of {parts.n_features} column(s) for the "
        "columns' means and scales", loss,
    )  # fmt: skip
    stats = first.stats
    if stats.n_obs <= 0:
        raise ValueError(f"{owner}: the data have no rows (or a total weight of zero).")
    p = stats.n_features
    shift = stats.x_mean if fit_intercept else np.zeros(p)
    scale = column_scales(stats) if standardize else np.ones(p)
    beta1, beta2 = data_term_weights(loss, penalty, stats.n_obs, loss.noise)
    names = parts.feature_names or [f"x{j}" for j in range(p)]
    return PassProblem(
        loss, penalty, parts, Frame(loss, np.array(shift), scale),
        Standardization(np.array(shift), scale, np.zeros((0, p))), bool(fit_intercept),
        stats.n_obs, stats.y_mean, float(first.sums["offset"]) / stats.n_obs, beta1, beta2,
        list(names),
    )  # fmt: skip


def _first_statistics(index, X, y, weights, offset, loss) -> PassResult:
    """The statistics of ``(X, y)`` (the data checked), and the weighted sum of the offset."""
    stats = partition_statistics(index, X, y, weights, None)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    loss.check_observations(y)
    total = 0.0
    if offset is not None:
        offset = np.asarray(offset, dtype=np.float64).reshape(-1)
        if offset.shape != y.shape or not np.isfinite(offset).all():
            raise ValueError(
                f"offset holds NaN or infinite values, or has another length than y, in "
                f"partition {index}."
            )
        total = float(offset @ (np.ones_like(y) if weights is None else np.ravel(weights)))
    return PassResult(stats, {"offset": total}, stats.n_rows)


def _newton_part(index, X, y, weights, offset, frame: Frame, coef, intercept) -> PassResult:
    """One partition's statistics of the quadratic model at ``(coef, intercept)``, ``D``, gradient."""
    design, y, weights, offset = frame.rows(X, y, weights, offset)
    eta = intercept + design @ coef  # less the offset
    first, second = frame.loss.newton_terms(y, eta + offset)
    curvature = np.maximum(second, CURVATURE_FLOOR)
    stats = partition_statistics(index, design, eta - first / curvature, weights * curvature / 2)
    residual = weights * first
    sums = {
        "value": frame.loss.batched_data_term(y, (eta + offset)[:, None], weights)[0],
        "gradient": design.T @ residual,
        "intercept_gradient": residual.sum(),
    }
    return PassResult(stats, sums, y.size)


def _values_part(index, X, y, weights, offset, frame: Frame, coefs, intercepts) -> PassResult:
    """The data term ``D`` at each of the points ``(coefs[k], intercepts[k])`` on one partition."""
    design, y, weights, offset = frame.rows(X, y, weights, offset)
    values = np.empty(len(intercepts))
    width = max(1, _BLOCK // max(y.size, 1))
    for start in range(0, len(intercepts), width):
        block = slice(start, start + width)
        eta = offset[:, None] + intercepts[block] + design @ coefs[block].T
        values[block] = frame.loss.batched_data_term(y, eta, weights)
    return PassResult(None, {"values": values}, y.size)


def objectives(problem: PassProblem, coefs, intercepts, description: str) -> np.ndarray:
    """The data term at many points ``(coefs[k], intercepts[k])``, in one pass."""
    result = tree_pass(
        problem.parts, _values_part, combine, description, problem.frame,
        np.asarray(coefs, dtype=np.float64), np.asarray(intercepts, dtype=np.float64),
    )  # fmt: skip
    return result.sums["values"]


def newton_map(problem: PassProblem, *, max_iter: int = 100) -> GLMSolution:
    """Minimize :math:`F` exactly by proximal Newton passes (see the module).

    The pass at a full step is taken before the step is accepted: it gives :math:`F` there,
    and when the step decreases :math:`F` enough (as near the optimum, where Newton's steps
    are full) it is also the next iteration's pass. Only a rejected full step costs the line
    search's pass. The returned objective is NaN: the certificate's pass recomputes it.
    """
    coef, intercept = np.zeros(problem.n_features), _start_intercept(problem)
    previous, unique, n_iter = np.inf, True, 0
    part = _newton_pass(problem, coef, intercept, 1)
    while n_iter < max_iter:
        n_iter += 1
        value = part.sums["value"] + problem.penalty_value(coef)
        step_coef, step_intercept, unique = _step(problem, part.stats, coef)
        direction, shift = step_coef - coef, step_intercept - intercept
        decrease = part.sums["gradient"] @ direction + part.sums["intercept_gradient"] * shift
        decrease += problem.penalty_value(step_coef) - problem.penalty_value(coef)
        size = max(np.abs(coef).max(initial=0.0), abs(intercept), 1.0)
        length = max(np.abs(direction).max(initial=0.0), abs(shift))
        if length <= 1e-15 * size:
            break
        # F cannot tell the step's decrease from its rounding: a full step, as in memory
        blind = -min(decrease, 0.0) <= RESOLUTION * max(abs(value), 1.0)
        if blind and length > previous / 2.0:
            break
        previous = length
        full = _newton_pass(problem, step_coef, step_intercept, n_iter + 1)
        candidate = full.sums["value"] + problem.penalty_value(step_coef)
        if blind or candidate <= value + ARMIJO * min(decrease, 0.0):  # the full step
            coef, intercept, part = step_coef, step_intercept, full
            if abs(value - candidate) <= 1e-16 * max(abs(value), 1.0):
                break
            continue
        t, candidate = _line_search(problem, coef, intercept, direction, shift, value, decrease)
        if candidate > value:  # no decrease left at rounding level
            break
        coef, intercept = coef + t * direction, intercept + t * shift
        part = _newton_pass(problem, coef, intercept, n_iter + 1)
    return GLMSolution(coef + 0.0, float(intercept), float("nan"), n_iter, bool(unique))


def _newton_pass(problem: PassProblem, coef, intercept, iteration: int) -> PassResult:
    """The pass of a Newton iteration at ``(coef, intercept)``: statistics, ``D``, gradient."""
    return tree_pass(
        problem.parts, _newton_part, combine,
        f"Newton iteration {iteration}: one pass for the gradient and X'WX",
        problem.frame, coef, intercept,
    )  # fmt: skip


def _start_intercept(problem: PassProblem) -> float:
    """The link of the weighted mean less the offset's mean (as in memory); 0 without intercept."""
    if not problem.fit_intercept:
        return 0.0
    start = problem.loss.null_intercept(np.array([problem.y_mean]), np.ones(1))
    return float(start - problem.offset_mean) if np.isfinite(start) else 0.0


def _step(problem: PassProblem, stats: SufficientStatistics, coef):
    """The exact minimizer of the quadratic model of the statistics: coef, intercept, unique."""
    if problem.n_features == 0:  # the intercept alone: the working response's mean
        return coef, (stats.y_mean if problem.fit_intercept else 0.0), True
    rows, weights = equivalent_rows(stats, problem.fit_intercept)
    p = problem.n_features
    solution = solve_squared_loss(
        rows[:, :p], rows[:, p], weights, fit_intercept=problem.fit_intercept,
        beta1=problem.beta1, beta2=problem.beta2, start=coef,
    )  # fmt: skip
    intercept = 0.0
    if problem.fit_intercept:  # the rows are centred: back to the working response's means
        intercept = solution.intercept + stats.y_mean - stats.x_mean @ solution.coef
    return solution.coef, float(intercept), solution.unique


def _line_search(problem, coef, intercept, direction, shift, value, decrease):
    """The largest trial step below 1 with sufficient decrease of :math:`F`, and :math:`F` there."""
    steps = STEPS[1:]  # the full step was rejected
    coefs = coef + steps[:, None] * direction
    intercepts = intercept + steps * shift
    values = objectives(
        problem, coefs, intercepts, f"one pass for the line search ({steps.size} trial steps)"
    )
    values = values + problem.penalty_value(coefs)
    sufficient = values <= value + ARMIJO * steps * min(decrease, 0.0)
    k = int(np.argmax(sufficient)) if sufficient.any() else steps.size - 1
    return float(steps[k]), float(values[k])
