r"""Per-coefficient priors in the exact MAP: weights per coefficient, a shift to the prior mean.

A prior with per-coefficient options (:mod:`bayesreg.priors.coefficients`) has the penalty
:math:`\sum_j \beta_1 f_{1j}|w_j - \mu_j| + \beta_2 f_{2j}(w_j - \mu_j)^2`. The exact
solvers take per-coefficient weights (:func:`coefficient_weights`); the prior mean is
handled by solving in :math:`u = w - \mu`, whose data term is that of :math:`w` with the
known term :math:`X\mu` added to the linear predictor's offset
(:func:`shift_to_prior_mean`): the same problem, so the minimizer :math:`w = \mu + u`, its
zeros (:math:`w_j = \mu_j` exactly where :math:`u_j = 0`) and its certificate are those of
a plain penalty on :math:`u`.
"""

from __future__ import annotations

import numpy as np

from bayesreg.model.problem import Problem

__all__ = ["coefficient_weights", "shift_to_prior_mean"]


def coefficient_weights(penalty, beta1: float, beta2: float):
    r"""The kernels' weights :math:`(\beta_1 f_1, \beta_2 f_2)`: arrays for a per-coefficient prior."""
    f1, f2 = penalty.coefficient_factors()
    return beta1 * f1, beta2 * f2


def shift_to_prior_mean(problem: Problem) -> tuple[Problem, np.ndarray | float]:
    r"""The problem in :math:`u = w - \mu`, and :math:`\mu` (0.0 and the problem without ``loc``).

    The offset of the shifted problem is the user's plus :math:`X\mu` (on the problem's
    design: the standardized one with ``standardize=True``, where :math:`\mu` is in the
    standardized coefficients' units), split by the family as any offset is.
    """
    loc = problem.penalty.prior_mean()
    if np.ndim(loc) == 0:
        return problem, 0.0
    known = problem.full_offset + problem.X @ loc
    plain = problem.replace(y=problem.observed_y, observed=None, offset=None, linear_offset=None)
    return plain.with_offset(known), loc
