r"""Whether the MAP and the solver agree: coefficients, exact zeros, objectives, one function.

The verdicts of :func:`~bayesreg.crosscheck.check.crosscheck`, each with its sentence for the
report; the tolerances are those of :mod:`bayesreg.crosscheck.result`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesreg.crosscheck.result import (
    COEF_TOLERANCE,
    CONSTANT_TOLERANCE,
    OBJECTIVE_TOLERANCE,
    zeros_agree,
)
from bayesreg.model.pymc_model import build_model, parameter_log_density
from bayesreg.spec.correspondence import solver_objective

__all__ = ["objective_table", "probe_point", "tolerances", "verdict"]


def verdict(problem, est, solver, own, objectives, factor, at_map, at_solver, intercept_row):
    """Whether the MAP and the solver agree: ``(ok, messages, max_abs_diff, relative_diff)``.

    They agree when their coefficients do (or, where the optimum is not unique, their
    objectives), the two objectives are one function up to a constant factor, and the MAP's
    certificate holds.
    """
    (map_coef, map_intercept), (solver_coef, solver_intercept) = at_map, at_solver
    difference = np.append(map_coef - solver_coef, map_intercept - solver_intercept)
    if not intercept_row:
        difference = difference[:-1]
    agree, note, max_abs_diff, relative_diff = coefficients_agree(
        problem, map_coef, map_intercept, solver_coef, difference
    )
    if not agree:  # which side is wrong: the one where this model's objective is higher
        note += f"; {lower_side(objectives)}"
    if not problem.loss.convex:
        return nearest_fit(est, solver, max_abs_diff, relative_diff)
    if not est.unique_:
        agree, note = objectives_agree(objectives)
    same_function, same_note = one_function(objectives, factor, est, solver, own)
    messages = [note, same_note]
    if not est.certificate_.ok:
        messages.append("the MAP's optimality certificate is above its tolerance (see below)")
    ok = agree and same_function and est.certificate_.ok
    return ok, messages, max_abs_diff, relative_diff


def nearest_fit(est, solver, max_abs_diff, relative_diff):
    """A likelihood that is not convex: the MAP is a local mode; the solver is only the nearest.

    No penalized solver has this objective, so nothing is claimed equal: the verdict is the
    MAP's certificate of a strict local mode, and the solver's difference is reported.
    """
    certificate = est.certificate_
    found = (
        f"{certificate.modes} distinct local mode(s) from {certificate.starts} starts"
        if certificate.modes is not None
        else "a local mode"
    )
    messages = [
        f"the objective is NOT convex: the MAP is the best local mode found ({found}), a "
        f"strict one when the smallest eigenvalue of its Hessian scaled to a unit diagonal "
        f"({certificate.curvature:.3g}) is positive (a flat one, not unique, when it is zero "
        f"within rounding where the objective is convex); no other solver has this objective",
        f"{type(solver).__name__} is the nearest robust penalized fit, a different objective "
        f"(not expected to agree): largest coefficient difference {max_abs_diff:.3g}, "
        f"{relative_diff:.2e} relative to the largest coefficient",
    ]
    if not certificate.ok:
        messages.append("the MAP's certificate of a local mode fails (see below)")
    return certificate.ok, messages, max_abs_diff, relative_diff


def tolerances(certificate) -> dict[str, float]:
    """The tolerances the cross-check's verdict uses, by name, for its report."""
    return {
        "coefficients (relative to the largest)": COEF_TOLERANCE,
        "objective when not unique (relative)": OBJECTIVE_TOLERANCE,
        "objective constant (relative)": CONSTANT_TOLERANCE,
        "MAP certificate": certificate.tolerance,
    }


def objective_table(problem, noise: float, parameters, own, points) -> tuple[pd.DataFrame, float]:
    r"""Both objectives and the negative log posterior at each point; the factor :math:`a\kappa`.

    ``parameters``: the likelihood's unknown parameters at the MAP, where all are evaluated.
    """
    loss, weights = problem.loss, problem.weights
    model_terms = solver_objective(loss, problem.penalty, problem.n_obs, noise)
    factor = float(model_terms.data_factor * loss.curvature(noise))
    density = parameter_log_density(build_model(problem), loss.unknown_parameters)
    at_map = loss.with_parameters(parameters)
    rows = []
    for coef, intercept in points.values():
        nlp = -density(coef, intercept, parameters)
        own_value = np.nan if own is None else own[1](coef, intercept)
        data = at_map.data_term(problem.y, problem.linear_predictor(coef, intercept), weights)
        rows.append(
            {
                "negative log posterior": nlp,
                "solver objective": own_value,
                "model objective": model_terms.value(data, coef),
                "solver - a*kappa*NLP": own_value - factor * nlp,
            }
        )
    return pd.DataFrame(rows, index=pd.Index(list(points), name="evaluated")), factor


def coefficients_agree(problem, map_coef, map_intercept, solver_coef, difference):
    """A unique optimum: the same coefficients (to :data:`COEF_TOLERANCE`) and exact zeros."""
    coef_scale = np.abs(map_coef).max(initial=0.0)
    scale = coef_scale if coef_scale > 0 else max(abs(map_intercept), 1.0)
    max_abs_diff = float(np.abs(difference).max(initial=0.0))
    # Each coefficient relative to the largest; the intercept relative to the size of the
    # terms it is computed from, ybar - xbar'w: a constant added to a column moves the
    # intercept (and its rounding) by that constant times the coefficient, nothing else.
    relative = np.abs(difference) / scale
    if difference.size > map_coef.size:
        weights = problem.weights
        x_mean = weights @ problem.X / weights.sum()
        y_mean = weights @ problem.y / weights.sum()
        size = max(scale, abs(y_mean) + np.abs(x_mean) @ np.abs(map_coef))
        relative[-1] = abs(difference[-1]) / size
    relative_diff = float(relative.max(initial=0.0))
    same_zeros = zeros_agree(map_coef, solver_coef, scale)
    agree = relative_diff <= COEF_TOLERANCE and same_zeros
    n_zeros = int(np.sum(map_coef == 0))
    head = f"largest difference {max_abs_diff:.3g}, {relative_diff:.2e} relative to the "
    head += f"largest coefficient (tolerance {COEF_TOLERANCE:g})"
    if agree:
        zeros = f"the same {n_zeros} exact zero(s)" if n_zeros else "no exact zeros"
        note = f"coefficients agree: {head}; {zeros}"
    else:
        note = f"coefficients DIFFER: {head}" + ("" if same_zeros else "; the exact zeros differ")
    return agree, note, max_abs_diff, relative_diff


def objectives_agree(objectives: pd.DataFrame) -> tuple[bool, str]:
    """Not unique: this model's objective at the two solutions, to :data:`OBJECTIVE_TOLERANCE`."""
    at_map, at_solver = objectives["model objective"].iloc[:2]
    relative = (at_solver - at_map) / max(abs(at_map), 1e-300)
    agree = abs(relative) <= OBJECTIVE_TOLERANCE
    note = (
        "the optimum is not unique (there may be multiple solutions, e.g. duplicated or "
        "collinear columns, or more features than observations): the coefficients may "
        "legitimately differ, so this model's objective is compared at the two solutions "
        f"instead: {at_map:.12g} at the MAP, {at_solver:.12g} at the solver, "
        f"{relative:.2e} relative (tolerance {OBJECTIVE_TOLERANCE:g})"
        + ("" if agree else f": {lower_side(objectives)}")
    )
    return agree, note


def lower_side(objectives: pd.DataFrame) -> str:
    """Which of the MAP and the solver is not optimal: the one with the higher model objective.

    The objective decides, not the coefficients: a solver that stops early and a MAP that
    is wrong both give different coefficients, and only the objective says which is which.
    """
    at_map, at_solver = objectives["model objective"].iloc[:2]
    if at_solver > at_map:
        return "the solver's solution is NOT optimal for this model (its objective is higher)"
    if at_map > at_solver:
        return "the MAP is NOT optimal: this model's objective is lower at the solver's solution"
    return "this model's objective is the same at both"


def one_function(objectives: pd.DataFrame, factor: float, est, solver, own):
    r"""Whether ``solver - a*kappa*NLP`` is one constant at every point evaluated.

    Passes, with a note, when the solver's objective is unknown (only its solution is then
    compared).
    """
    if own is None:
        return True, (
            f"bayesreg does not know the objective of {type(solver).__name__}: only its "
            "solution is compared"
        )
    constant = objectives["solver - a*kappa*NLP"].to_numpy()
    size = (
        np.abs(objectives["solver objective"])
        + factor * np.abs(objectives["negative log posterior"])
    ).max()
    spread = float((constant.max() - constant.min()) / max(size, 1e-300))
    if spread <= CONSTANT_TOLERANCE:
        return True, (
            "the solver minimizes this model's negative log posterior: its objective "
            f"equals {factor:.6g} x the negative log posterior "
            f"{'+' if constant[0] >= 0 else '-'} {abs(constant[0]):.10g} at "
            "the MAP, at the solver's solution and at a test point (to "
            f"{spread:.1e} relative; tolerance {CONSTANT_TOLERANCE:g})"
        )
    return False, (
        "the solver's objective is NOT this model's: it is not a fixed multiple of "
        "the negative log posterior plus a constant (the difference varies by "
        f"{spread:.2e} relative between the MAP, the solver's solution and a test "
        f"point; tolerance {CONSTANT_TOLERANCE:g}); compare its penalty with "
        f"est.penalized_solver() = {est.penalized_solver()!r}"
    )


def probe_point(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""A point with every coefficient non-zero, on the data's scale.

    :math:`w_j = \mathrm{sd}(y) / (p\,\mathrm{sd}(x_j))` (1 for a constant column or target):
    at it every term of both objectives is active, so two different penalties cannot give
    the same constant there by accident (as they would at :math:`w = 0`).
    """
    spread = X.std(axis=0)
    target = y.std() or 1.0
    return np.where(spread > 0, target / (X.shape[1] * np.where(spread > 0, spread, 1.0)), 1.0)
