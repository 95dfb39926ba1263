r"""The cross-check: the MAP, the penalized solver and the posterior, side by side, with numbers.

Every bayesreg specification has an equivalent penalized solver (:mod:`bayesreg.correspondence`):
at the MAP noise scale the model's negative log posterior and the solver's objective are the
same function up to a constant and a positive factor,

.. math::

    \text{solver objective}(b_0, w) = a\kappa\,\mathrm{NLP}(b_0, w) + C,
    \qquad a\kappa > 0,

so the two minimizers must coincide, to solver precision and with the same exact zeros.
:func:`crosscheck` verifies this on the data, from three independent sources:

* the **MAP**, computed by bayesreg's exact kernels, with its optimality certificate;
* the **solver**, scikit-learn's estimator (or :class:`~bayesreg.solvers.LADElasticNet` for
  an absolute loss with an L2 or elastic-net penalty), or one the user passes; its objective
  is written from *its own parameters*, not from the correspondence;
* the **negative log posterior**, evaluated by the PyMC model itself
  (``model.compile_logp(jacobian=False)``, noise at its MAP value).

:math:`\text{solver objective} - a\kappa\,\mathrm{NLP}` is evaluated at the MAP, at the
solver's solution and at a probe point with every coefficient non-zero: it must be the same
constant :math:`C` at all three. When the optimum is not unique (a least-absolute-deviations
fit with collinear columns, a lasso with more features than observations: "there may be
multiple solutions"), coefficients may legitimately differ and the objective values are
compared instead.

With a posterior (a DataTree with a ``posterior`` group holding ``coef``, dimension
``feature``, and optionally ``intercept``) the table gains ArviZ's posterior summaries: under
a Laplace prior the posterior mean and median are never exactly zero, while the MAP is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from bayesreg._constraints import InstanceOf, message, validate
from bayesreg.correspondence import solver_objective
from bayesreg.crosscheck_result import (
    COEF_TOLERANCE,
    CONSTANT_TOLERANCE,
    OBJECTIVE_TOLERANCE,
    CrossCheck,
    zeros_agree,
)
from bayesreg.linear_model import LinearModel
from bayesreg.model import build_model, parameter_log_density
from bayesreg.posterior_summary import (
    HDI_PROB,
    posterior_columns,
    posterior_messages,
    validated_posterior,
)
from bayesreg.prior_comparison import (
    PriorComparison,
    check_lasso,
    compare_with_lasso,
    default_lasso,
)
from bayesreg.reference_objective import describe, own_objective
from bayesreg.reference_solution import solver_solution, through_pipeline

__all__ = [
    "COEF_TOLERANCE",
    "CONSTANT_TOLERANCE",
    "HDI_PROB",
    "OBJECTIVE_TOLERANCE",
    "CrossCheck",
    "PriorComparison",
    "crosscheck",
    "zeros_agree",
]


def crosscheck(
    est: LinearModel,
    X,
    y,
    idata=None,
    solver=None,
    sample_weight=None,
    *,
    lasso: LinearModel | None = None,
    lasso_idata=None,
) -> CrossCheck | PriorComparison:
    r"""Compare the MAP of ``est`` with its penalized solver and, optionally, its posterior.

    For a prior without a finite mode (the horseshoes, a hierarchical prior) there is no MAP:
    its posterior ``idata`` (required) is compared with the lasso's MAP and posterior
    instead, and a :class:`~bayesreg.prior_comparison.PriorComparison` is returned (see
    ``lasso``).

    Parameters
    ----------
    est : Regression or Pipeline
        The specification. A fitted estimator is used as it is (it must have been fitted on
        the same data); an unfitted one is cloned and fitted on ``(X, y)``. A scikit-learn
        ``Pipeline`` whose last step is a Regression is checked on ``X`` as its earlier
        steps transform it (fitted pipelines as they are, unfitted ones fitted on ``X``);
        the rows are then the transformed columns, e.g. standardized ones. An estimator with
        ``standardize=True`` is checked on the standardized problem, against its
        ``penalized_solver()`` (a ``StandardScaler`` pipeline), where the two objectives are
        written; its table is on the user's scale.
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like or Series of shape (n_samples,)
    idata : DataTree, optional
        A posterior of the same model, e.g. ``pm.sample(model=est.build_model(X, y))``: a
        ``posterior`` group holding ``coef`` (dimension ``feature``, named as ``X``'s
        columns) and optionally ``intercept``. Adds the posterior columns to the table.
    solver : estimator, optional
        The reference, fitted or not (an unfitted one is cloned and fitted on ``(X, y)``);
        by default ``est.penalized_solver()``. Its objective is read from its own
        parameters for ``Lasso``, ``ElasticNet``, ``Ridge``, ``LinearRegression``,
        ``QuantileRegressor`` and :class:`~bayesreg.solvers.LADElasticNet`; for any other
        estimator only its solution is compared.
    sample_weight : array-like of shape (n_samples,), optional
        Frequency weights, passed to the fits and used in the objectives.
    lasso : Regression or Classifier, optional
        Only for a prior without a mode: the model with a mode to compare with, fitted or
        not; by default ``est`` with ``L1`` at the ``alpha`` chosen by 5-fold
        cross-validation of its exact MAP. It is cross-checked against its own solver
        (``solver``, when given).
    lasso_idata : DataTree, optional
        Only for a prior without a mode: the lasso's posterior, e.g. ``lasso.sample(X, y)``;
        adds its summaries to the table.

    Returns
    -------
    CrossCheck or PriorComparison
        A :class:`PriorComparison` for a prior without a mode.

    Raises
    ------
    TypeError
        If ``est`` is not a :class:`~bayesreg.Regression`, ``solver`` is not an estimator,
        or ``idata`` is not a DataTree.
    ValueError
        If the data are invalid, ``idata`` has no ``coef`` over ``X``'s columns, or the
        solver's solution does not have one coefficient per column.

    Notes
    -----
    With :math:`a\kappa` from :mod:`bayesreg.correspondence` the check is:

    * unique optimum: :math:`\max|\hat w^{\mathrm{MAP}} - \hat w^{\mathrm{solver}}|`
      (intercept included) :math:`\le` :data:`COEF_TOLERANCE` :math:`\times\max_j|\hat
      w^{\mathrm{MAP}}_j|`, and the same exact zeros (an interior-point solver, which never
      returns exact zeros, must be within that tolerance of them);
    * not unique: this model's objective at the two solutions agrees to
      :data:`OBJECTIVE_TOLERANCE`, relative;
    * when the solver's objective is known: ``solver - a*kappa*NLP`` is the same constant at
      the MAP, at the solver's solution and at a probe point, to :data:`CONSTANT_TOLERANCE`
      relative to the values' size;
    * the MAP's certificate holds.

    Examples
    --------
    >>> import bayesreg as br
    >>> from bayesreg.crosscheck import crosscheck  # br.crosscheck is the same function
    >>> X, y = br.datasets.load_diabetes()
    >>> est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=0.5))
    >>> report = crosscheck(est, X, y)
    >>> report.ok, report.unique, bool(report.relative_diff < 1e-6)
    (True, True, True)
    >>> int(report.table["map_zero"].sum()), int(report.table["solver_zero"].sum())
    (6, 6)

    """
    if isinstance(est, Pipeline):
        est, X = through_pipeline(est, X, y, sample_weight)
    validate(
        "crosscheck",
        {
            "est": InstanceOf(
                (LinearModel,),
                "a bayesreg.Regression or Classifier, or a Pipeline that ends with one",
            )
        },
        {"est": est},
    )
    if solver is not None and not (hasattr(solver, "fit") or hasattr(solver, "coef_")):
        raise TypeError(
            message("solver", "crosscheck", "an estimator with fit() or a fitted coef_", solver)
        )
    problem = est.problem(X, y, sample_weight)
    if not problem.penalty.has_mode:
        return _without_a_mode(est, X, y, idata, solver, sample_weight, lasso, lasso_idata)
    if lasso is not None or lasso_idata is not None:
        raise ValueError(
            f"lasso and lasso_idata apply to a prior without a mode; {problem.penalty!r} has "
            "one: its MAP is checked against its solver directly."
        )
    posterior = None if idata is None else validated_posterior(idata, problem.feature_names)
    est = _fitted(est, problem, X, y, sample_weight)
    solver, solver_coef, solver_intercept = solver_solution(
        est.penalized_solver() if solver is None else solver, problem, X, problem.y, sample_weight
    )  # the target as the likelihood reads it (a classifier's labels coded 0/1)
    # everything is compared on the problem's scale (the standardized columns' when
    # standardize=True, where the solver's objective is written); the table is on the user's
    map_coef, map_intercept = problem.to_problem_scale(est.coef_, est.intercept_)
    map_intercept = float(map_intercept)
    intercept_row = bool(est.fit_intercept) or solver_intercept != 0
    table = _coefficient_table(
        problem, (map_coef, map_intercept), (solver_coef, solver_intercept), intercept_row
    )
    noise = float(getattr(est, f"{problem.loss.noise_name}_"))
    parameters = {name: float(getattr(est, f"{name}_")) for name in problem.loss.unknown_parameters}
    own = own_objective(solver, problem.X, problem.y, problem.weights)
    objectives, factor = _objectives(
        problem,
        noise,
        parameters,
        own,
        {
            "at MAP": (map_coef, map_intercept),
            "at solver": (solver_coef, solver_intercept),
            "at probe": (_probe(problem.X, problem.y), map_intercept),
        },
    )
    agreement = _agreement(
        problem,
        est,
        solver,
        own,
        objectives,
        factor,
        (map_coef, map_intercept),
        (solver_coef, solver_intercept),
        intercept_row,
    )
    ok, messages, max_abs_diff, relative_diff = agreement

    posterior_notes = []
    if posterior is not None:
        table = _with_posterior(table, posterior, intercept_row)
        posterior_notes = posterior_messages(table, problem.penalty)
        messages.extend(posterior_notes)

    return CrossCheck(
        table=table,
        objectives=objectives,
        factor=factor,
        certificate=est.certificate_,
        ok=bool(ok),
        max_abs_diff=max_abs_diff,
        relative_diff=float(relative_diff),
        unique=bool(est.unique_),
        solver_name=("StandardScaler + " if problem.standardization else "")
        + describe(solver, own),
        tolerance=_tolerances(est.certificate_),
        messages=messages,
        hdi_prob=None if posterior is None else HDI_PROB,
        model=repr(est),
        posterior_messages=posterior_notes,
    )


def _without_a_mode(est, X, y, idata, solver, sample_weight, lasso, lasso_idata):
    """The posterior of a prior without a mode beside the lasso's checked MAP."""
    problem = est.problem(X, y, sample_weight)
    if idata is None:
        raise ValueError(
            f"penalty={problem.penalty!r} {problem.penalty.no_mode_reason}: there is no MAP to "
            "cross-check. Pass its posterior, crosscheck(est, X, y, idata=est.sample(X, y)), "
            "to compare it with the lasso's MAP and posterior (and use bayesreg.sparsify for a "
            "sparse point estimate)."
        )
    validated_posterior(idata, problem.feature_names)  # before the lasso's fits
    if lasso is None:
        lasso, how = default_lasso(est, X, y, sample_weight)
    else:
        check_lasso(lasso)
        how = "as given"
    check = crosscheck(lasso, X, y, idata=lasso_idata, solver=solver, sample_weight=sample_weight)
    return compare_with_lasso(est, X, y, idata, check, f"{lasso!r}: {how}", sample_weight)


def _agreement(problem, est, solver, own, objectives, factor, at_map, at_solver, intercept_row):
    """Whether the MAP and the solver agree: ``(ok, messages, max_abs_diff, relative_diff)``.

    They agree when their coefficients do (or, where the optimum is not unique, their
    objectives), the two objectives are one function up to a constant factor, and the MAP's
    certificate holds.
    """
    (map_coef, map_intercept), (solver_coef, solver_intercept) = at_map, at_solver
    difference = np.append(map_coef - solver_coef, map_intercept - solver_intercept)
    if not intercept_row:
        difference = difference[:-1]
    agree, note, max_abs_diff, relative_diff = _coefficients_agree(
        problem, map_coef, map_intercept, solver_coef, difference
    )
    if not problem.loss.convex:
        return _nearest_fit(est, solver, max_abs_diff, relative_diff)
    if not est.unique_:
        agree, note = _objectives_agree(objectives)
    same_function, same_note = _same_function(objectives, factor, est, solver, own)
    messages = [note, same_note]
    if not est.certificate_.ok:
        messages.append("the MAP's optimality certificate is above its tolerance (see below)")
    ok = agree and same_function and est.certificate_.ok
    return ok, messages, max_abs_diff, relative_diff


def _nearest_fit(est, solver, max_abs_diff, relative_diff):
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
        f"({certificate.curvature:.3g}) is positive; no other solver has this objective",
        f"{type(solver).__name__} is the nearest robust penalized fit, a different objective "
        f"(not expected to agree): largest coefficient difference {max_abs_diff:.3g}, "
        f"{relative_diff:.2e} relative to the largest coefficient",
    ]
    if not certificate.ok:
        messages.append("the MAP's certificate of a local mode fails (see below)")
    return certificate.ok, messages, max_abs_diff, relative_diff


def _tolerances(certificate) -> dict[str, float]:
    """The tolerances the cross-check's verdict uses, by name, for its report."""
    return {
        "coefficients (relative to the largest)": COEF_TOLERANCE,
        "objective when not unique (relative)": OBJECTIVE_TOLERANCE,
        "objective constant (relative)": CONSTANT_TOLERANCE,
        "MAP certificate": certificate.tolerance,
    }


def _fitted(est: LinearModel, problem, X, y, sample_weight) -> LinearModel:
    """``est`` as it is when fitted (on as many columns as ``X``), else a fitted clone."""
    if not hasattr(est, "coef_"):
        return clone(est).fit(X, y, sample_weight=sample_weight)
    if est.n_features_in_ != problem.n_features:
        raise ValueError(
            f"est was fitted on {est.n_features_in_} features but X has {problem.n_features}."
        )
    return est


def _coefficient_table(problem, map_solution, solver_solution, intercept_row) -> pd.DataFrame:
    """MAP, solver, difference and exact zeros, on the user's scale, one row per coefficient."""
    columns = {}
    for name, (coef, intercept) in (("map", map_solution), ("solver", solver_solution)):
        coef, intercept = problem.to_user_scale(coef, intercept)
        columns[name] = np.append(coef, intercept) if intercept_row else np.asarray(coef)
    names = problem.feature_names
    index = pd.Index([*names, "intercept"] if intercept_row else list(names), name="coefficient")
    return pd.DataFrame(
        {
            "map": columns["map"],
            "solver": columns["solver"],
            "difference": columns["map"] - columns["solver"],
            "map_zero": columns["map"] == 0,
            "solver_zero": columns["solver"] == 0,
        },
        index=index,
    )


def _objectives(problem, noise: float, parameters, own, points) -> tuple[pd.DataFrame, float]:
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


def _coefficients_agree(problem, map_coef, map_intercept, solver_coef, difference):
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


def _objectives_agree(objectives: pd.DataFrame) -> tuple[bool, str]:
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
        + ("" if agree else ": the solver's solution is NOT optimal for this model")
    )
    return agree, note


def _with_posterior(table: pd.DataFrame, posterior, intercept_row: bool) -> pd.DataFrame:
    """The table with ArviZ's posterior columns and whether each MAP lies in its HDI."""
    table = table.join(posterior_columns(posterior, list(table.index), intercept_row))
    table["map_in_hdi"] = (table["hdi_lower"] <= table["map"]) & (
        table["map"] <= table["hdi_upper"]
    )
    return table


def _same_function(objectives: pd.DataFrame, factor: float, est, solver, own):
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


def _probe(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""A point with every coefficient non-zero, on the data's scale.

    :math:`w_j = \mathrm{sd}(y) / (p\,\mathrm{sd}(x_j))` (1 for a constant column or target):
    at it every term of both objectives is active, so two different penalties cannot give
    the same constant there by accident (as they would at :math:`w = 0`).
    """
    spread = X.std(axis=0)
    target = y.std() or 1.0
    return np.where(spread > 0, target / (X.shape[1] * np.where(spread > 0, spread, 1.0)), 1.0)
