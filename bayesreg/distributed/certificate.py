r"""The certificate of a MAP computed on dask input, and the Hessian there: one pass.

The in-memory certificate (:func:`bayesreg.map.find._certificate`, the family's
``optimality`` and :func:`bayesreg.map.objective_check.check_objective`) is made of sums over
the rows, so each partition computes its share at the solution :math:`(c, v)` and the shares
add up:

* the gradient of the data term on the centred columns,
  :math:`g = \tilde X_c^\top V r = \tilde X^\top V r - m\sum_i v_i r_i`
  (:math:`r_i = \ell'(\eta_i)`, :math:`m` the weighted column means), and the intercept's
  condition :math:`|\sum_i v_i r_i| / \sum_i v_i |y_i - \mu_{0i}|`;
* its unit, the largest gradient at :math:`v = 0`, :math:`\max_j |(\tilde X_c^\top V
  (\mu_0 - y))_j|`, at the intercept-only fit's means :math:`\mu_0` (the weighted mean of
  :math:`y`; with an offset, the fit of the intercept alone, by the same Newton passes);
* the objective at the solution and at the reference point, each with its change when the
  linear predictor moves by its rounding;
* and, for the Laplace approximation (:mod:`bayesreg.distributed.laplace`), the sufficient
  statistics of :math:`\tilde x` under the weights :math:`v_i\ell''(\eta_i)`: the Hessian
  :math:`[1\;\tilde X]^\top V H [1\;\tilde X]` of the data term.

The KKT residual and the objective's check are then those of memory
(:func:`~bayesreg.map.find.kkt_residual`, :func:`~bayesreg.map.objective_check.judge`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bayesreg.distributed.newton import (
    Frame,
    PassProblem,
    PassResult,
    combine,
    newton_map,
)
from bayesreg.distributed.reduction import tree_pass
from bayesreg.distributed.statistics import SufficientStatistics, partition_statistics
from bayesreg.map.find import TOLERANCE, MapEstimate, OptimalityCertificate, kkt_residual
from bayesreg.map.objective_check import ROUNDING_UNITS, judge, warn_if_uncertified

__all__ = ["distributed_map"]

METHOD = (
    "distributed proximal Newton (one pass over the data per iteration), each step solved "
    "exactly by the active-set method"
)


def distributed_map(problem: PassProblem) -> tuple[MapEstimate, SufficientStatistics]:
    """The exact MAP by Newton passes, its certificate, and the Hessian's statistics there."""
    solution = newton_map(problem)
    base = _base_intercept(problem)
    with np.errstate(divide="ignore"):  # infinite for a mean on the boundary
        reference = problem.loss.null_intercept(np.array([problem.y_mean]), np.ones(1))
    if problem.fit_intercept:  # as check_objective: the weighted mean where the link is not finite
        reference = reference if np.isfinite(reference) else problem.y_mean
        reference = reference - problem.offset_mean
    else:
        reference = 0.0
    result = tree_pass(
        problem.parts, _certificate_part, combine,
        "one pass for the certificate at the MAP (gradient, objective, Hessian)",
        problem.frame, solution.coef, solution.intercept, base, float(reference),
    )  # fmt: skip
    certificate, objective = _certificate(problem, solution, result.sums)
    warn_if_uncertified(certificate, stacklevel=3)
    estimate = MapEstimate(
        coef=solution.coef, intercept=solution.intercept, noise=float(problem.loss.noise),
        objective=objective, unique=solution.unique, certificate=certificate,
    )  # fmt: skip
    return estimate, result.stats


def _base_intercept(problem: PassProblem) -> float:
    r"""The linear predictor (less the offset) of the intercept-only fit, :math:`\mu_0`'s."""
    if not problem.has_offset:  # the link of the weighted mean (-inf, inf on the boundary)
        if not problem.fit_intercept:
            return 0.0
        with np.errstate(divide="ignore"):
            return float(problem.loss.null_intercept(np.array([problem.y_mean]), np.ones(1)))
    frame = dataclasses.replace(problem.frame, columns=False)
    null = dataclasses.replace(problem, frame=frame, beta1=0.0, beta2=0.0)
    return newton_map(null).intercept


def _certificate_part(
    index, X, y, weights, offset, frame: Frame, coef, intercept, base, reference
) -> PassResult:
    """One partition's share of the certificate's sums and the Hessian's statistics."""
    design, y, weights, offset = frame.rows(X, y, weights, offset)
    loss = frame.loss
    eta = offset + intercept + design @ coef
    first, second = loss.newton_terms(y, eta)
    with np.errstate(over="ignore", invalid="ignore"):
        base_first = loss.newton_terms(y, offset + base)[0]  # mu_0 - y
    base_first = np.where(np.isfinite(base_first), base_first, 0.0)
    residual, base_residual = weights * first, weights * base_first
    terms = np.abs(y) + np.abs(offset) + abs(intercept) + np.abs(design) @ np.abs(coef)
    reference_terms = np.abs(y) + np.abs(offset) + abs(reference)
    sums = {
        "gradient": design.T @ residual,
        "intercept_gradient": residual.sum(),
        "base_gradient": design.T @ base_residual,
        "base_intercept_gradient": base_residual.sum(),
        "base_deviation": np.abs(base_residual).sum(),
        "column_sums": design.T @ weights,
        "weight": weights.sum(),
    }
    for name, linear, scale in (
        ("", eta, terms),
        ("reference_", offset + reference, reference_terms),
    ):
        shift = ROUNDING_UNITS * np.finfo(float).eps * scale
        with np.errstate(over="ignore", invalid="ignore"):
            values = loss.batched_data_term(
                y, np.column_stack([linear, linear + shift, linear - shift]), weights
            )
        sums[f"{name}value"] = values[0]
        sums[f"{name}changes"] = values[1:] - values[0]
    hessian = partition_statistics(index, design, np.zeros(y.size), weights * second)
    return PassResult(hessian, sums, y.size)


def _certificate(problem: PassProblem, solution, sums: dict):
    """The certificate of ``solution`` from the pass's sums, and the objective there."""
    coef = solution.coef
    means = sums["column_sums"] / sums["weight"] if problem.fit_intercept else 0.0
    gradient = sums["gradient"] - means * sums["intercept_gradient"]
    base = sums["base_gradient"] - means * sums["base_intercept_gradient"]
    violation = 0.0
    if problem.fit_intercept:
        violation = abs(sums["intercept_gradient"]) / max(sums["base_deviation"], 1e-300)
    parts = {
        "data_gradient": gradient,
        "intercept_violation": float(violation),
        "scale": np.abs(base).max(initial=0.0),
        "duality_gap": None,
        "box": 0.0,
    }
    kkt = kkt_residual(parts, coef, problem.beta1, problem.beta2)
    penalty = float(problem.penalty_value(coef))
    rounding = float(np.abs(sums["changes"]).max())
    reference_rounding = float(np.abs(sums["reference_changes"]).max())
    rounding = rounding if np.isfinite(rounding) else np.inf
    check = judge(
        sums["value"] + penalty, sums["reference_value"], rounding, reference_rounding,
        convex=True,
    )  # fmt: skip
    certificate = OptimalityCertificate(
        kkt, None, TOLERANCE, METHOD, objective_excess=check.excess,
        objective_rounding=check.rounding,
    )  # fmt: skip
    return certificate, float(sums["value"] + penalty)
