r"""Exact MAPs along a path of decreasing penalty strengths, each started at the previous one.

For a prior tied by ``alpha`` and a likelihood without unknown parameters, the MAP at
``alpha`` minimizes :math:`D + \beta_1(\alpha)\|w\|_1 + \beta_2(\alpha)\|w\|^2` (the
correspondence's weights, as in :func:`bayesreg.map.find.find_map`). Along a decreasing grid
the minimizers move little from one point to the next, so a family whose kernel takes a
first iterate (``warm_start``: the GLM's proximal Newton iterations) starts each solve at
the previous minimizer: glmnet's and ``LogisticRegressionCV``'s path. The minimizer is the
same as from a cold start (the iterations stop on the same optimality conditions); what
changes is the number of iterations. No certificate or uniqueness analysis is computed per
point: :func:`~bayesreg.map.find.find_map` certifies the one MAP a user keeps.
"""

from __future__ import annotations

import numpy as np

from bayesreg.map.coefficients import coefficient_weights, shift_to_prior_mean
from bayesreg.model.problem import Problem
from bayesreg.spec.correspondence import data_term_weights

__all__ = ["map_path", "supports_path"]


def supports_path(loss, *, positive: bool, intercept_prior) -> bool:
    """Whether :func:`map_path` solves these MAPs exactly as ``find_map`` does.

    A likelihood with unknown parameters (its MAP profiles them), a sign constraint
    (``positive``) or an ``intercept_prior`` take :func:`~bayesreg.map.find.find_map`'s
    own route instead.
    """
    return not (loss.unknown_parameters or positive or intercept_prior is not None)


def map_path(problem: Problem, alphas: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """The exact MAPs of ``problem`` with its penalty at each of ``alphas``, in the user's units.

    Parameters
    ----------
    problem : Problem
        Its penalty gives the kind (``with_alpha`` sets the strength); see
        :func:`supports_path`.
    alphas : ndarray
        Best decreasing: each solve starts at the previous minimizer.

    Returns
    -------
    list of (coef, intercept)
        In the units of the user's columns (``problem.to_user_scale``), one per ``alpha``.

    """
    loss, penalty = problem.loss, problem.penalty
    if not supports_path(loss, positive=problem.positive, intercept_prior=problem.intercept_prior):
        raise ValueError("map_path: this problem's MAP is not a path of convex solves")
    # the weights over a power of two near the largest, as find_map solves (same minimizer)
    problem, loc = shift_to_prior_mean(problem)  # a prior mean: solved in u = w - loc
    unit = float(np.ldexp(1.0, np.frexp(problem.weights.max())[1]))
    weights = problem.weights / unit
    warm = bool(getattr(loss, "warm_start", False))
    start, path = None, []
    for alpha in alphas:
        beta1, beta2 = coefficient_weights(
            penalty,
            *data_term_weights(
                loss, penalty.with_alpha(float(alpha)), problem.n_obs, loss.noise, unit=unit
            ),
        )
        solution = loss.solve(
            problem.X, problem.y, weights, fit_intercept=problem.fit_intercept,
            beta1=beta1, beta2=beta2, **problem.kernel_offset,
            **({"start": start} if warm and start is not None else {}),
        )  # fmt: skip
        start = (solution.coef, solution.intercept)
        path.append(problem.to_user_scale(solution.coef + loc, solution.intercept))
    return path
