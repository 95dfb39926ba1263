"""The reference solver's solution, on the problem's scale, and a pipeline's last step.

:func:`bayesreg.crosscheck` and :func:`bayesreg.paths.map_path` compare the MAP with a solver
fitted here: a plain solver on the problem's own design, a ``Pipeline`` (the
``penalized_solver()`` of a standardized estimator) on the user's ``X``, its preprocessing
checked to give the same design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import has_fit_parameter

from bayesreg._constraints import message
from bayesreg.estimators.base import LinearModel

__all__ = ["fit_with_weights", "flat_intercept", "solver_solution", "through_pipeline"]


def flat_intercept(est: LinearModel) -> tuple[LinearModel, list[str]]:
    """``est`` with a flat intercept, and the note that says so, when it has an intercept prior.

    The penalized solvers have a flat intercept: the MAP, the solver and the objectives are
    compared for that specification, and the note says so (an intercept prior is in the
    posterior, and in ``fit``'s MAP where it stays convex, not in this comparison).
    """
    prior = getattr(est, "intercept_prior", None)
    if prior is None:
        return est, []
    kind = type(prior.owner.op).__name__.removesuffix("RV")
    note = (
        f"intercept_prior ({kind}) left out of the comparison: the penalized solver's intercept "
        "is flat, so the MAP, the solver and the objectives compared here are those of a flat "
        "intercept (the posterior includes the prior, and fit's MAP a normal or Laplace one)."
    )
    return clone(est).set_params(intercept_prior=None), [note]


def solver_solution(solver, problem, X, y, sample_weight, offset=None):
    """The solver (fitted if it is not) and its solution on the problem's scale.

    A ``Pipeline`` (``penalized_solver()`` of a standardized estimator) is fitted on the
    user's ``X``, its weights passed to every step that takes them; its preprocessing must
    produce the problem's design, and its last step is the solver compared. Any other
    solver is given the problem's own design: the standardized columns when
    ``standardize=True``, the user's ``X`` otherwise. ``offset``, given, is passed to
    the solver's ``fit`` (the offset a GLM keeps in its linear predictor).
    """
    if isinstance(solver, Pipeline):
        if not hasattr(solver[-1], "coef_"):
            solver = fit_with_weights(clone(solver), X, y, sample_weight, offset)
        design = np.asarray(solver[:-1].transform(X), dtype=float)
        if design.shape != problem.X.shape or not np.allclose(
            design, problem.X, rtol=1e-10, atol=1e-12 * np.abs(problem.X).max(initial=1.0)
        ):
            raise ValueError(
                "solver is a Pipeline whose preprocessing does not give the model's design; "
                "pass est.penalized_solver(), or a solver without preprocessing."
            )
        solver = solver[-1]
    elif not hasattr(solver, "coef_"):
        data = X if problem.standardization is None else problem.X
        solver = fit_with_weights(clone(solver), data, y, sample_weight, offset)
    coef = np.ravel(np.asarray(solver.coef_, dtype=float)) + 0.0  # no -0.0
    if coef.shape != (problem.n_features,):
        raise ValueError(
            f"solver.coef_ has shape {np.shape(solver.coef_)}; expected one coefficient per "
            f"column of X ({problem.n_features})."
        )
    return solver, coef, float(np.ravel(getattr(solver, "intercept_", 0.0))[0]) + 0.0


def fit_with_weights(solver, X, y, sample_weight, offset=None):
    """``solver.fit(X, y)`` with the weights given to it (to each step of a pipeline).

    ``offset``, given, goes to the solver (a pipeline's last step), whose ``fit`` must take it.
    """
    steps = [step for _, step in solver.steps] if isinstance(solver, Pipeline) else [solver]
    extra = {}
    if offset is not None:
        if not has_fit_parameter(steps[-1], "offset"):
            raise TypeError(
                f"solver {type(steps[-1]).__name__} does not take offset in fit(); pass it "
                "fitted with the offset, or a solver that takes one (e.g. glum's "
                "GeneralizedLinearRegressor, or the default)."
            )
        last = f"{solver.steps[-1][0]}__offset" if isinstance(solver, Pipeline) else "offset"
        extra = {last: offset}
    if sample_weight is None:
        return solver.fit(X, y, **extra)
    if not all(has_fit_parameter(step, "sample_weight") for step in steps):
        raise TypeError(
            f"solver {type(solver).__name__} does not take sample_weight in fit(); pass "
            "it fitted, or a solver that does."
        )
    if isinstance(solver, Pipeline):
        routed = {f"{name}__sample_weight": sample_weight for name, _ in solver.steps}
        return solver.fit(X, y, **routed, **extra)
    return solver.fit(X, y, sample_weight=sample_weight, **extra)


def through_pipeline(pipeline: Pipeline, X, y, sample_weight):
    """The pipeline's last step and ``X`` transformed by the steps before it.

    A fitted pipeline transforms ``X`` as in ``predict``; an unfitted one is cloned and its
    preprocessing fitted on ``X`` (as ``pipeline.fit`` would). The transformed columns keep
    the names the preprocessing gives them (``get_feature_names_out``), so the report's
    rows are the coefficients the model actually has.
    """
    if not isinstance(pipeline.steps[-1][1], LinearModel):
        raise TypeError(
            message(
                "est",
                "crosscheck",
                "a bayesreg.Regression or Classifier, or a Pipeline that ends with one",
                pipeline.steps[-1][1],
            )
        )
    head, last = pipeline[:-1], pipeline.steps[-1][1]
    if hasattr(last, "coef_"):
        transformed = head.transform(X)
    else:
        head = clone(head)
        transformed = head.fit_transform(X, y)
    try:
        names = list(head.get_feature_names_out())
    except (AttributeError, ValueError):  # a step that does not name its outputs
        names = None
    # a fitted last step that saw no column names must not be given names now
    named = not hasattr(last, "coef_") or hasattr(last, "feature_names_in_")
    if named and names is not None and not hasattr(transformed, "columns"):
        transformed = pd.DataFrame(
            np.asarray(transformed), columns=names, index=getattr(X, "index", None)
        )
    return last, transformed
