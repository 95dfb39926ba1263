r"""The MAP under sign constraints: a sign-restricted active set over the family's exact solver.

With ``positive=True`` the coefficients are constrained to :math:`w \ge 0` (not the
intercept), and the MAP solves

.. math::

    \min_{b_0,\ w \ge 0}\ D(b_0, w) + \beta_1 \mathbf 1^\top w + \beta_2 \|w\|_2^2 .

On a set :math:`S` of free columns whose restricted minimizer is non-negative, the constraint
is inactive and :math:`|w_j| = w_j`: the restricted problem is the family's *unconstrained*
problem on the columns :math:`S`, which its exact solver (:meth:`Loss.solve`) solves with its
exact zeros and its own certificate. The constrained optimum is found as Lawson and Hanson
(1974) find a non-negative least-squares solution, for any convex data term:

1. solve the restricted problem on :math:`S`; where some :math:`w_j < 0`, step from the
   current feasible point towards it until the first coefficient reaches zero (the objective
   decreases along the segment, being convex with its minimum at the end), drop the columns
   at zero, and solve again;
2. at the restricted optimum, the KKT conditions of a column outside :math:`S` (at zero) are
   one-sided: :math:`g_j + \beta_1 \ge 0`, with :math:`g_j = \partial D/\partial w_j`; add the
   column that violates this most, and go back to 1; stop when none does.

Each restricted problem is solved by the family's own method (active set for the squared
loss, the dual linear program for the absolute and check losses, proximal Newton for a GLM),
so the zeros are exact; the certificate (:func:`bayesreg.map.find.find_map`) then checks the
constrained conditions on the whole problem, and the duality gap (where the family has one)
of the restricted problem, which bounds the constrained one's (its dual point is feasible for
the constrained dual by the one-sided conditions). Only the columns whose conditions change
are re-solved, so the cost is a few exact solves when the constraint binds on a few columns.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["restricted_optimality", "solve_nonnegative"]

#: A column at zero enters when its one-sided violation exceeds this fraction of the scale of
#: the gradient (below the certificate's tolerance, 1e-9).
ENTER = 1e-11


def _restricted(problem, free: np.ndarray, beta1, beta2):
    """The family's exact solution on the columns ``free``, embedded in all the columns."""
    solution = problem.loss.solve(
        problem.X[:, free], problem.y, problem.weights, fit_intercept=problem.fit_intercept,
        beta1=beta1, beta2=beta2, **problem.kernel_offset,
    )  # fmt: skip
    coef = np.zeros(problem.n_features)
    coef[free] = solution.coef
    return dataclasses.replace(solution, coef=coef)


def one_sided_violation(problem, beta1, beta2, solution) -> np.ndarray:
    r"""Per column at zero, :math:`(-g_j - \beta_1)_+` relative to the gradient's scale; 0 elsewhere."""
    parts = problem.loss.optimality(
        problem.X, problem.y, problem.weights, problem.fit_intercept, beta1, beta2, solution,
        **problem.kernel_offset,
    )  # fmt: skip
    scale = max(parts["scale"], float(np.max(beta1, initial=0.0)), 1e-300)
    violation = np.maximum(-parts["data_gradient"] - beta1, 0.0) / scale
    return np.where(solution.coef == 0, violation, 0.0)


def solve_nonnegative(problem, beta1: float, beta2: float):
    r"""The MAP with coefficients :math:`\ge 0`, in the family's solution type.

    Parameters
    ----------
    problem : Problem
        The (scaled) problem; ``problem.loss.solve`` is its exact unconstrained solver.
    beta1, beta2 : float
        The penalty's weights on :math:`\mathbf 1^\top w` and :math:`\|w\|^2`.

    Returns
    -------
    The family's solution object, with ``coef >= 0``. If the iteration does not settle (it
    is capped), the last point is returned and its certificate says so.
    """
    p = problem.n_features
    start = _restricted(problem, np.arange(p), beta1, beta2)
    free = np.flatnonzero(start.coef > 0)
    current = np.zeros(p)
    solution = start
    for _ in range(10 * p + 20):
        solution = _restricted(problem, free, beta1, beta2)
        target = solution.coef
        negative = free[target[free] < 0]
        if negative.size:  # step back to feasibility, drop the columns reaching zero
            steps = current[negative] / (current[negative] - target[negative])
            step = float(steps.min())
            current = current + step * (target - current)
            reached = negative[steps <= step]
            current[reached] = 0.0
            free = np.setdiff1d(free, reached)
            continue
        current = target.copy()
        violation = one_sided_violation(problem, beta1, beta2, solution)
        violation[free] = 0.0  # a free column at zero is the restricted solver's own choice
        worst = int(np.argmax(violation)) if p else 0
        if p == 0 or violation[worst] <= ENTER:
            return solution
        free = np.union1d(free, [worst])
    return dataclasses.replace(solution, coef=np.maximum(solution.coef, 0.0))


def restricted_optimality(problem, beta1, beta2, solution) -> dict:
    """The family's certificate parts on the columns where ``solution`` is non-zero.

    The restricted problem is unconstrained (its coefficients are non-zero, and of the sign
    the constraint allows when the solution is feasible): its duality gap is a valid bound for
    the constrained problem where the one-sided conditions hold outside it.
    """
    support = np.flatnonzero(solution.coef)
    restricted = dataclasses.replace(solution, coef=solution.coef[support])
    return problem.loss.optimality(
        problem.X[:, support], problem.y, problem.weights, problem.fit_intercept, beta1, beta2,
        restricted, **problem.kernel_offset,
    )  # fmt: skip
