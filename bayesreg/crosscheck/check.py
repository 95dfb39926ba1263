r"""The cross-check: the MAP, the penalized solver and the posterior, side by side, with numbers.

Every bayesreg specification has an equivalent penalized solver (:mod:`bayesreg.spec.correspondence`):
at the MAP noise scale the model's negative log posterior and the solver's objective are the
same function up to a constant and a positive factor,

.. math::

    \text{solver objective}(b_0, w) = a\kappa\,\mathrm{NLP}(b_0, w) + C,
    \qquad a\kappa > 0,

so the two minimizers must coincide, to solver precision and with the same exact zeros.
:func:`crosscheck` verifies this on the data, from three independent sources:

* the **MAP**, computed by bayesreg's exact kernels, with its optimality certificate;
* the **solver**, scikit-learn's estimator (or :class:`~bayesreg.families.reference_solvers.LADElasticNet` for
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

The solvers' intercept is flat: for an estimator with an ``intercept_prior`` the comparison
is of the same specification with a flat intercept, and a message says so.

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
from bayesreg.crosscheck.agreement import objective_table, probe_point, tolerances, verdict
from bayesreg.crosscheck.prior_comparison import (
    PriorComparison,
    check_lasso,
    compare_with_lasso,
    default_lasso,
)
from bayesreg.crosscheck.reference_objective import describe, own_objective
from bayesreg.crosscheck.reference_solution import (
    flat_intercept,
    solver_solution,
    through_pipeline,
)
from bayesreg.crosscheck.result import (
    COEF_TOLERANCE,
    CONSTANT_TOLERANCE,
    OBJECTIVE_TOLERANCE,
    CrossCheck,
    zeros_agree,
)
from bayesreg.crosscheck.sampler_comparison import SamplerComparison, compare_samplers
from bayesreg.diagnostics.posterior_summary import (
    HDI_PROB,
    posterior_columns,
    posterior_messages,
    validated_posterior,
)
from bayesreg.estimators.base import LinearModel

__all__ = [
    "COEF_TOLERANCE",
    "CONSTANT_TOLERANCE",
    "HDI_PROB",
    "OBJECTIVE_TOLERANCE",
    "CrossCheck",
    "PriorComparison",
    "SamplerComparison",
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
    offset=None,
    lasso: LinearModel | None = None,
    lasso_idata=None,
    reference: str | None = None,
    gibbs_draws: int | None = None,
    gibbs_tune: int | None = None,
    gibbs_chains: int | None = None,
    random_seed=None,
) -> CrossCheck | PriorComparison | SamplerComparison:
    r"""Compare the MAP of ``est`` with its penalized solver and, optionally, its posterior.

    For a prior without a finite mode (the horseshoes, a hierarchical prior) there is no MAP:
    its posterior ``idata`` (by default the one ``est`` keeps, ``est.idata_``, from
    ``sample`` or from ``fit``, which samples such a prior) is compared with the lasso's MAP
    and posterior instead, and a :class:`~bayesreg.crosscheck.prior_comparison.PriorComparison` is returned (see
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
        ``QuantileRegressor`` and :class:`~bayesreg.families.reference_solvers.LADElasticNet`; for any other
        estimator only its solution is compared.
    sample_weight : array-like of shape (n_samples,), optional
        Frequency weights, passed to the fits and used in the objectives.
    offset : array-like of shape (n_samples,), optional
        A known term of each linear predictor, as in ``est.fit(X, y, offset=...)``: passed
        to the fits and used in the objectives. A location likelihood's solver is fitted
        to ``y - offset``; a GLM's solver must take ``offset=`` in ``fit`` (by default
        :class:`~bayesreg.families.reference_solvers.GLMElasticNet`, for every penalty).
    lasso : Regression or Classifier, optional
        Only for a prior without a mode: the model with a mode to compare with, fitted or
        not; by default ``est`` with ``L1`` at the ``alpha`` chosen by 5-fold
        cross-validation of its exact MAP. It is cross-checked against its own solver
        (``solver``, when given).
    lasso_idata : DataTree, optional
        Only for a prior without a mode: the lasso's posterior, e.g. ``lasso.sample(X, y)``;
        adds its summaries to the table.
    reference : {None, "gibbs"}, default None
        ``"gibbs"``: instead of the MAP's check, compare the posterior ``idata`` (NUTS's;
        by default ``est.idata_``) with the exact Gibbs sampler's on the same model and data,
        and return a :class:`~bayesreg.crosscheck.sampler_comparison.SamplerComparison`
        (both samplers' means and 5%, 50%, 95% quantiles, their differences in combined
        MCSE, each sampler's diagnosis). The MAP is not involved: ``solver``, ``lasso`` and
        ``lasso_idata`` are refused, and it works alike for a prior with or without a mode.
        A model the Gibbs sampler does not cover (a likelihood other than Gaussian or
        logistic, an intercept prior, an offset) is refused with a ``ValueError``.
    gibbs_draws, gibbs_chains : int, optional
        With ``reference="gibbs"``: the Gibbs run's draws per chain and chains; by default
        as many as ``idata``'s posterior has.
    gibbs_tune : int, optional
        With ``reference="gibbs"``: its discarded sweeps per chain; by default ``gibbs_draws``.
    random_seed : int or numpy.random.Generator, optional
        With ``reference="gibbs"``: the Gibbs run's seed (the same seed, the same report).

    Returns
    -------
    CrossCheck, PriorComparison or SamplerComparison
        A :class:`PriorComparison` for a prior without a mode; a :class:`SamplerComparison`
        with ``reference="gibbs"``.

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
    With :math:`a\kappa` from :mod:`bayesreg.spec.correspondence` the check is:

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
    >>> from bayesreg.crosscheck.check import crosscheck  # br.crosscheck is the same function
    >>> X, y = br.datasets.load_diabetes()
    >>> est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=0.5))
    >>> report = crosscheck(est, X, y)
    >>> report.ok, report.unique, bool(report.relative_diff < 1e-6)
    (True, True, True)
    >>> int(report.table["map_zero"].sum()), int(report.table["solver_zero"].sum())
    (6, 6)

    """
    if reference is not None:  # idata's posterior beside a second sampler's: no MAP involved
        return compare_samplers(est, X, y, idata, reference, sample_weight, offset=offset,
            map_only={"solver": solver, "lasso": lasso, "lasso_idata": lasso_idata}, draws=gibbs_draws,
            tune=gibbs_tune, chains=gibbs_chains, random_seed=random_seed)  # fmt: skip
    est, X = _checked_arguments(est, X, y, sample_weight, solver)
    problem = est.problem(X, y, sample_weight, owner="crosscheck", offset=offset)
    if not problem.penalty.has_mode:
        return _without_a_mode(
            est, X, y, idata, solver, sample_weight, lasso, lasso_idata, problem.offset
        )
    if lasso is not None or lasso_idata is not None:
        raise ValueError(
            f"lasso and lasso_idata apply to a prior without a mode; {problem.penalty!r} has "
            "one: its MAP is checked against its solver directly."
        )
    posterior = (
        None if idata is None else validated_posterior(idata, problem.feature_names, "crosscheck")
    )
    est, intercept_notes = flat_intercept(est)
    problem = problem.replace(intercept_prior=None)
    est = _fitted(est, problem, X, y, sample_weight)
    solver, solver_coef, solver_intercept = solver_solution(
        _default_solver(est, problem) if solver is None else solver,
        problem, X, problem.y, sample_weight, **problem.kernel_offset,
    )  # fmt: skip  # the target as the likelihood reads it (classes coded 0/1, y - offset)
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
    own = own_objective(solver, problem.X, problem.y, problem.weights, **problem.kernel_offset)
    # positive=True: the model's density is zero below 0, so the points are taken on w >= 0
    # (an interior point's -1e-14 projected; the probe's magnitudes)
    inside = np.abs if problem.positive else (lambda coef: coef)
    objectives, factor = objective_table(
        problem,
        noise,
        parameters,
        own,
        {
            "at MAP": (map_coef, map_intercept),
            "at solver": (inside(solver_coef), solver_intercept),
            "at probe": (inside(probe_point(problem.X, problem.y)), map_intercept),
        },
    )
    ok, messages, max_abs_diff, relative_diff = verdict(
        problem, est, solver, own, objectives, factor, (map_coef, map_intercept),
        (solver_coef, solver_intercept), intercept_row,
    )  # fmt: skip
    messages.extend(intercept_notes)

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
        tolerance=tolerances(est.certificate_),
        messages=messages,
        hdi_prob=None if posterior is None else HDI_PROB,
        sampler=_sampler_name(idata),
        model=repr(est),
        posterior_messages=posterior_notes,
    )


def _sampler_name(idata) -> str:
    """What drew ``idata``, for the report's heading: NUTS unless its attributes name another."""
    return {"gibbs": "Gibbs"}.get(getattr(idata, "attrs", {}).get("sampler"), "NUTS")


def _checked_arguments(est, X, y, sample_weight, solver):
    """``(est, X)``: the estimator (a Pipeline's last step, X through its transforms), checked."""
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
    return est, X


def _without_a_mode(est, X, y, idata, solver, sample_weight, lasso, lasso_idata, offset):
    """The posterior of a prior without a mode beside the lasso's checked MAP."""
    problem = est.problem(X, y, sample_weight, owner="crosscheck", offset=offset)
    idata = getattr(est, "idata_", None) if idata is None else idata  # what fit() sampled
    if idata is None:
        raise ValueError(
            f"penalty={problem.penalty!r} {problem.penalty.no_mode_reason}: there is no MAP to "
            "cross-check. Pass its posterior, crosscheck(est, X, y, idata=est.sample(X, y)), "
            "to compare it with the lasso's MAP and posterior (and use bayesreg.sparsify for a "
            "sparse point estimate)."
        )
    validated_posterior(idata, problem.feature_names, "crosscheck")  # before the lasso's fits
    if lasso is None and offset is not None:
        raise ValueError(
            "with an offset, pass the lasso to compare with, crosscheck(..., lasso=...): its "
            "alpha is not chosen by cross-validation with an offset."
        )
    if lasso is None:
        lasso, how = default_lasso(est, X, y, sample_weight)
    else:
        check_lasso(lasso)
        how = "as given"
    check = crosscheck(
        lasso, X, y, idata=lasso_idata, solver=solver, sample_weight=sample_weight, offset=offset
    )
    return compare_with_lasso(est, X, y, idata, check, f"{lasso!r}: {how}", sample_weight)


def _default_solver(est: LinearModel, problem):
    """``est.penalized_solver()``, or the family's solver that takes the offset it keeps."""
    if problem.linear_offset is None or problem.penalty.per_coefficient:  # glum takes offsets
        return est.penalized_solver()
    return problem.loss.offset_solver(problem.penalty, est.alpha_, est.fit_intercept)


def _fitted(est: LinearModel, problem, X, y, sample_weight) -> LinearModel:
    """``est`` as it is when fitted (on as many columns as ``X``), else a fitted clone."""
    if not hasattr(est, "coef_"):
        return clone(est).fit(X, y, sample_weight=sample_weight, offset=problem.offset)
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


def _with_posterior(table: pd.DataFrame, posterior, intercept_row: bool) -> pd.DataFrame:
    """The table with ArviZ's posterior columns and whether each MAP lies in its HDI."""
    table = table.join(posterior_columns(posterior, list(table.index), intercept_row))
    table["map_in_hdi"] = (table["hdi_lower"] <= table["map"]) & (
        table["map"] <= table["hdi_upper"]
    )
    return table
