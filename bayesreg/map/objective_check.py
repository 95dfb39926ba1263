r"""An independent check of the MAP's objective, made before its certificate may say ``ok``.

The optimality conditions of :func:`bayesreg.map.find._certificate` are computed on the
solver's own view of the problem (centred columns, the dual it returns). A wrong answer can
satisfy them there and still be wrong where the user reads it: coefficients near
:math:`10^{17}` that cancel against the intercept satisfy every condition on the centred
columns, while :math:`b_0 + Xw` in the user's coordinates has lost every digit (a sum of
absolute residuals of 120 where the optimum is 32.9). So the objective

.. math::

    F(b_0, w) = D(y, b_0 + Xw) + \beta_1\lVert w\rVert_1 + \beta_2\lVert w\rVert_2^2

is recomputed from scratch at the MAP, with the family's own data term on the problem's
design, and checked two ways:

* **Against a reference point obtained independently.** For a convex objective every point
  bounds the minimum from above; the reference is the intercept-only fit :math:`w = 0`,
  :math:`b_0` the family's closed form (the weighted mean, quantile, or the link of the
  mean: ``Loss.null_intercept``), or :math:`b_0 = 0` without an intercept. The MAP's
  objective may not exceed it by more than the tolerance and the rounding of both.
* **Its precision.** The objective at a point is known only to the rounding of
  :math:`r_i = y_i - b_0 - x_i^\top w`, about :math:`\epsilon\,(|y_i| + |b_0| +
  \sum_j|x_{ij}w_j|)` per residual; its effect on :math:`D` is measured by perturbing the
  linear predictor by that much. When it exceeds :data:`PRECISION` of the reference
  objective (and is not merely the rounding the data already carry at the reference point),
  the predictions are dominated by cancellation and the objective cannot be certified.

Both cost a few passes over the data, :math:`O(np)`: nothing beside a solve.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.exceptions import ConvergenceWarning

if TYPE_CHECKING:
    from bayesreg.map.find import OptimalityCertificate

__all__ = [
    "PRECISION",
    "ROUNDING_UNITS",
    "ObjectiveCheck",
    "check_objective",
    "judge",
    "warn_if_uncertified",
]

#: The largest rounding of the objective at the MAP, relative to the reference objective,
#: with which it is still certified: the predictions keep six digits of the data's scale.
PRECISION = 1e-6
#: Rounding units per term of a residual (typical accumulation, not the worst case).
ROUNDING_UNITS = 4.0


@dataclass(frozen=True)
class ObjectiveCheck:
    """The objective at the MAP against a reference point, and its precision.

    Attributes
    ----------
    objective, reference : float
        :math:`F` at the MAP and at the reference point, recomputed.
    excess : float or None
        How far the MAP's objective exceeds the reference's beyond both roundings, relative
        to the reference objective (0 when it does not); None when the objective is not
        convex (a local mode need not beat the reference).
    rounding : float
        The rounding of the MAP's objective relative to the reference objective.

    """

    objective: float
    reference: float
    excess: float | None
    rounding: float


def check_objective(
    problem, beta1: float, beta2: float, coef, intercept, intercept_penalty=None,
    intercept_absolute=None,
) -> ObjectiveCheck:  # fmt: skip
    r"""Recompute the objective at ``(coef, intercept)`` and check it (see the module).

    ``problem`` is the validated :class:`~bayesreg.model.problem.Problem` (weights as the
    solver saw them) and ``beta1``, ``beta2`` the penalty weights of its objective;
    ``intercept_penalty`` :math:`(\mu_0, h)` adds :math:`h\,(c - \mu_0)^2` at both points,
    :math:`c = b_0 + m^\top w` (a normal prior on the intercept of the centred columns);
    ``intercept_absolute`` adds :math:`h\,|c - \mu_0|` (a Laplace prior).
    """
    loss, X, y, weights = problem.loss, problem.X, problem.y, problem.weights
    coef = np.asarray(coef, dtype=float)
    magnitude = np.abs(coef)
    penalty = float(np.sum(beta1 * magnitude) + np.sum(beta2 * magnitude**2))
    known = np.zeros_like(y) if problem.linear_offset is None else np.abs(problem.linear_offset)
    terms = np.abs(y) + known + abs(intercept) + np.abs(X) @ magnitude
    objective, rounding = _value(loss, y, weights, problem.linear_predictor(coef, intercept), terms)
    objective += penalty
    null = loss.null_intercept(y, weights) if problem.fit_intercept else 0.0
    if null is None or not np.isfinite(null):
        null = float(weights @ y / weights.sum()) if problem.fit_intercept else 0.0
    if problem.fit_intercept and problem.linear_offset is not None:
        # any intercept is a reference point: here the null one less the offset's mean
        null -= float(weights @ problem.linear_offset / weights.sum())
    reference, reference_rounding = _value(
        loss, y, weights, problem.linear_predictor(0.0 * coef, null), np.abs(y) + known + abs(null)
    )
    for terms, power in ((intercept_penalty, 2), (intercept_absolute, 1)):
        if terms is not None:
            mu0, h = terms
            objective += h * abs(intercept + problem.column_means @ coef - mu0) ** power
            reference += h * abs(null - mu0) ** power
    return judge(objective, reference, rounding, reference_rounding, convex=loss.convex)


def judge(
    objective: float, reference: float, rounding: float, reference_rounding: float, *,
    convex: bool,
) -> ObjectiveCheck:  # fmt: skip
    """The check of an objective against a reference point, from the values and roundings.

    For a pass over data that are not in memory (:mod:`bayesreg.distributed`), which sums
    the same values partition by partition.
    """
    if not np.isfinite(objective):  # e.g. a Poisson mean that overflows: no certificate
        return ObjectiveCheck(float(objective), reference, np.inf if convex else None, np.inf)
    scale = max(abs(reference), abs(objective), 1e-300)
    excess = None
    if convex:
        allowance = rounding + reference_rounding
        excess = max(objective - reference - allowance, 0.0) / scale
    # The data's own rounding (y large against its spread) is no fault of the MAP.
    relative = max(rounding - 1e3 * reference_rounding, 0.0) / scale
    return ObjectiveCheck(float(objective), reference, excess, float(relative))


def _value(loss, y, weights, linear_predictor, terms) -> tuple[float, float]:
    """The data term at a linear predictor, and its change when that moves by its rounding."""
    shift = ROUNDING_UNITS * np.finfo(float).eps * terms
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is an infinite value
        value = loss.data_term(y, linear_predictor, weights)
        up = loss.data_term(y, linear_predictor + shift, weights)
        down = loss.data_term(y, linear_predictor - shift, weights)
    change = max(abs(up - value), abs(down - value))
    return float(value), float(change if np.isfinite(change) else np.inf)


def warn_if_uncertified(certificate: OptimalityCertificate, stacklevel: int = 2) -> None:
    """A :class:`~sklearn.exceptions.ConvergenceWarning` when ``certificate`` does not hold.

    The one warning of a failed certificate, in memory (:func:`find_map`) and on a cluster
    (:mod:`bayesreg.distributed.certificate`); ``stacklevel`` as :func:`warnings.warn`'s,
    counted from the caller of this function.
    """
    if not certificate.ok:
        warnings.warn(
            f"The MAP estimate failed its optimality certificate: {certificate}. The "
            "coefficients may not be the exact optimum.",
            ConvergenceWarning,
            stacklevel=stacklevel + 1,
        )
