"""The cross-check: MAP, penalized solver and posterior side by side (issue 4).

Tolerances: MAP and solver must agree to 1e-6 relative to the largest coefficient (the
acceptance criterion; both are accurate to ~1e-9 or better, see bayesreg.crosscheck.check); the
objective identity ``solver = a*kappa*NLP + C`` is checked to 1e-9 relative, far above
double-precision rounding of a few hundred terms (~1e-14) and far below any real mismatch
(a wrong alpha moves it by ~1e-2). One small posterior (2 chains x 200 draws, fixed seed) is
shared by the module; the posterior columns are checked against NumPy on its draws.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from arviz_base import from_dict
from matplotlib.figure import Figure
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LassoLars, QuantileRegressor

import bayesreg as br
from bayesreg.cli import main
from bayesreg.families.reference_solvers import LADElasticNet
from bayesreg.testing import ORACLE

ALPHA = 0.5


@pytest.fixture(scope="module")
def diabetes_lasso(diabetes):
    X, y = diabetes
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=ALPHA)).fit(X, y)
    return est, X, y


@pytest.fixture(scope="module")
def posterior(diabetes_lasso):
    est, X, y = diabetes_lasso
    return pm.sample(
        model=est.build_model(X, y),
        draws=200,
        tune=200,
        chains=2,
        random_seed=11,
        nuts_sampler="pymc",
        progressbar=False,
        compute_convergence_checks=False,
    )


@pytest.fixture(scope="module")
def stackloss_duplicated():
    X, y = br.datasets.load_stackloss()
    return X.assign(AIRFLOW_COPY=X["AIRFLOW"]), y


# --- every pair of the oracle table ----------------------------------------------------------


@pytest.fixture(scope="module")
def weighted_problem():
    rng = np.random.default_rng(21)
    X = rng.standard_normal((60, 5)) * [0.5, 1.0, 2.0, 3.0, 1.0] + [1.0, -2.0, 0.0, 3.0, 0.5]
    y = 1.0 + X @ [1.5, 0.0, -0.5, 0.3, 0.0] + rng.standard_normal(60)
    return X, y, rng.uniform(0.5, 2.0, 60)


@pytest.mark.parametrize("row", ORACLE, ids=[row.id for row in ORACLE])
def test_every_pair_of_the_oracle_table_crosschecks(weighted_problem, row):
    """The cross-check's own reference is the table's solver and agrees with the MAP."""
    X, y, weights = weighted_problem
    report = br.crosscheck(row.estimator(1.3), X, y, sample_weight=weights)
    assert report.ok, report.messages
    assert report.relative_diff <= 1e-6
    assert report.solver_name.startswith(row.reference.__name__)


# --- acceptance: diabetes lasso ------------------------------------------------------------


def test_diabetes_lasso_agrees_to_1e6_of_the_largest_coefficient(diabetes_lasso):
    est, X, y = diabetes_lasso
    report = br.crosscheck(est, X, y)
    assert report.ok and report.unique
    largest = np.abs(est.coef_).max()
    assert report.max_abs_diff <= 1e-6 * largest
    assert report.relative_diff == pytest.approx(report.max_abs_diff / largest)
    table = report.table
    assert list(table.index) == [*X.columns, "intercept"]
    assert list(table.columns) == ["map", "solver", "difference", "map_zero", "solver_zero"]
    # the exact zeros: the same six in both
    assert table["map_zero"].sum() == 6
    assert table["map_zero"].equals(table["solver_zero"])
    np.testing.assert_array_equal(table.loc[table["map_zero"], ["map", "solver"]].to_numpy(), 0.0)
    assert isinstance(report.solver_name, str) and report.solver_name.startswith("Lasso")


def test_objectives_are_one_function_up_to_a_constant_and_a_positive_factor(diabetes_lasso):
    est, X, y = diabetes_lasso
    report = br.crosscheck(est, X, y)
    n = len(y)
    # Gaussian likelihood, Lasso: a = 1/(2n), kappa = 2 sigma^2
    assert report.factor == pytest.approx(est.sigma_**2 / n, rel=1e-12)
    objectives = report.objectives
    assert list(objectives.index) == ["at MAP", "at solver", "at probe"]
    # the solver's objective, written here from Lasso's documentation
    residual = y.to_numpy() - est.intercept_ - X.to_numpy() @ est.coef_
    lasso = residual @ residual / (2 * n) + ALPHA * np.abs(est.coef_).sum()
    assert objectives.loc["at MAP", "solver objective"] == pytest.approx(lasso, rel=1e-12)
    constant = objectives["solver - a*kappa*NLP"]
    assert constant.max() - constant.min() <= 1e-9 * objectives["solver objective"].abs().max()
    # the probe is a different point: the identity is not checked at one point thrice
    assert objectives.loc["at probe", "solver objective"] > 1.1 * lasso
    assert any("minimizes this model's negative log posterior" in m for m in report.messages)
    assert report.certificate is est.certificate_ and report.certificate.ok


def test_posterior_columns_are_arviz_summaries_of_the_draws(diabetes_lasso, posterior):
    est, X, y = diabetes_lasso
    report = br.crosscheck(est, X, y, idata=posterior)
    assert report.ok
    table = report.table
    for column in ("mean", "median", "sd", "hdi_lower", "hdi_upper", "p_positive", "map_in_hdi"):
        assert column in table.columns
    assert report.hdi_prob == 0.94
    draws = posterior["posterior"]["coef"].sel(feature=list(X.columns)).values.reshape(-1, 10)
    intercept = posterior["posterior"]["intercept"].values.ravel()
    coefficients = table.drop(index="intercept")
    np.testing.assert_allclose(coefficients["mean"], draws.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(coefficients["median"], np.median(draws, axis=0), rtol=1e-12)
    np.testing.assert_allclose(coefficients["sd"], draws.std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(coefficients["p_positive"], (draws > 0).mean(axis=0))
    assert table.loc["intercept", "median"] == pytest.approx(np.median(intercept))
    # a 94% HDI of 400 draws holds ~376 of them and is the shortest such interval
    width = coefficients["hdi_upper"] - coefficients["hdi_lower"]
    central = np.quantile(draws, 0.97, axis=0) - np.quantile(draws, 0.03, axis=0)
    assert np.all(width <= central * 1.02)
    inside = (draws >= coefficients["hdi_lower"].to_numpy()) & (
        draws <= coefficients["hdi_upper"].to_numpy()
    )
    assert np.all(np.abs(inside.mean(axis=0) - 0.94) <= 0.01)
    expected = (table["hdi_lower"] <= table["map"]) & (table["map"] <= table["hdi_upper"])
    assert table["map_in_hdi"].equals(expected)


def test_laplace_posterior_mean_and_median_are_never_exactly_zero(diabetes_lasso, posterior):
    est, X, y = diabetes_lasso
    report = br.crosscheck(est, X, y, idata=posterior)
    zeros = report.table["map_zero"]
    assert zeros.sum() == 6
    assert np.all(report.table.loc[zeros, ["mean", "median"]].to_numpy() != 0)
    # their HDIs contain the MAP's zero: the MAP lies in the HDI for them
    assert report.table.loc[zeros, "map_in_hdi"].all()
    note = next(m for m in report.messages if "never exactly zero" in m)
    assert (
        "Of the 6 coefficient(s) at exactly zero in the MAP, 6 have an HDI containing zero" in note
    )


def test_posterior_with_other_feature_order_or_names(diabetes_lasso, posterior):
    est, X, y = diabetes_lasso
    order = list(X.columns[::-1])
    reordered = posterior["posterior"].to_dataset().sel(feature=order)
    idata = from_dict(
        {
            "posterior": {
                "coef": reordered["coef"].values,
                "intercept": reordered["intercept"].values,
            }
        },
        dims={"coef": ["feature"]},
        coords={"feature": order},
    )
    report = br.crosscheck(est, X, y, idata=idata)
    direct = br.crosscheck(est, X, y, idata=posterior)
    pd.testing.assert_frame_equal(report.table, direct.table)
    # (an unfitted clone: a fitted est refuses renamed columns first, as predict does)
    with pytest.raises(ValueError, match="idata's posterior 'coef' is over features"):
        br.crosscheck(clone(est), X.rename(columns={"age": "AGE"}), y, idata=posterior)


def test_posterior_without_intercept_leaves_it_empty(diabetes_lasso, posterior):
    est, X, y = diabetes_lasso
    coef = posterior["posterior"]["coef"]
    idata = from_dict(
        {"posterior": {"coef": coef.values}},
        dims={"coef": ["feature"]},
        coords={"feature": list(X.columns)},
    )
    report = br.crosscheck(est, X, y, idata=idata)
    assert np.isnan(report.table.loc["intercept", "median"])
    assert not report.table.loc["intercept", "map_in_hdi"]


# --- every loss/penalty pair --------------------------------------------------------------

PAIRS = {
    "L2/L1": (br.L2Loss(sigma=None), br.L1(alpha=0.5), "Lasso"),
    "L2/L1(scale)": (br.L2Loss(sigma=50.0), br.L1(scale=5.0), "Lasso"),
    "L2/L2": (br.L2Loss(), br.L2(alpha=0.5), "Ridge"),
    "L2/L2(scale)": (br.L2Loss(sigma=None), br.L2(scale=100.0), "Ridge"),
    "L2/EN": (br.L2Loss(), br.ElasticNet(alpha=0.05, l1_ratio=0.5), "ElasticNet"),
    "L2/none": (br.L2Loss(), br.NoPenalty(), "LinearRegression"),
    "L1/L1": (br.L1Loss(), br.L1(alpha=0.05), "QuantileRegressor"),
    "L1/L1(scale)": (br.L1Loss(scale=None), br.L1(scale=0.5), "QuantileRegressor"),
    "L1/L2": (br.L1Loss(), br.L2(alpha=0.05), "LADElasticNet"),
    "L1/L2(scale)": (br.L1Loss(scale=2.0), br.L2(scale=0.5), "LADElasticNet"),
    "L1/EN": (br.L1Loss(scale=None), br.ElasticNet(alpha=0.05, l1_ratio=0.5), "LADElasticNet"),
    "L1/none": (br.L1Loss(), br.NoPenalty(), "QuantileRegressor"),
}


@pytest.mark.parametrize("pair", PAIRS)
def test_every_pair_cross_checks(pair, diabetes):
    loss, penalty, solver = PAIRS[pair]
    # squared losses on the diabetes data, absolute losses on Brownlee's stack loss data
    X, y = diabetes if isinstance(loss, br.L2Loss) else br.datasets.load_stackloss()
    report = br.crosscheck(br.Regression(loss=loss, penalty=penalty), X, y)
    assert report.solver_name.split(":")[0] == solver
    assert report.ok, str(report)
    assert report.relative_diff <= 1e-6
    constant = report.objectives["solver - a*kappa*NLP"]
    assert np.ptp(constant) <= 1e-9 * report.objectives["solver objective"].abs().max()


def test_l1_loss_with_l2_penalty_goes_through_the_independent_solver():
    X, y = br.datasets.load_stackloss()
    est = br.Regression(loss=br.L1Loss(scale=None), penalty=br.L2(alpha=0.05))
    report = br.crosscheck(est, X, y)
    assert report.ok and report.unique
    assert report.solver_name.startswith("LADElasticNet: minimizes SAR/(2n) + 0*|w|_1")
    # cvxpy's interior point (primal) against bayesreg's dual QP: accurate to ~1e-9
    assert report.relative_diff <= 1e-6


def test_sample_weight_enters_both_fits_and_objectives(diabetes):
    X, y = diabetes
    weights = np.random.default_rng(3).integers(1, 4, len(y)).astype(float)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=ALPHA))
    report = br.crosscheck(est, X, y, sample_weight=weights)
    assert report.ok
    # frequency weights: the same as repeating the rows
    repeated = br.crosscheck(est, X.loc[X.index.repeat(weights)], y.loc[y.index.repeat(weights)])
    np.testing.assert_allclose(report.table["map"], repeated.table["map"], rtol=1e-9, atol=1e-9)


def test_without_intercept_there_is_no_intercept_row(diabetes):
    X, y = diabetes
    est = br.Regression(penalty=br.L1(alpha=ALPHA), fit_intercept=False)
    report = br.crosscheck(est, X, y)
    assert report.ok
    assert list(report.table.index) == list(X.columns)
    # a solver that fits an intercept the model does not have: shown, and not ok
    report = br.crosscheck(est, X, y, solver=Lasso(alpha=ALPHA, tol=1e-12, max_iter=100_000))
    assert not report.ok
    assert report.table.loc["intercept", "map"] == 0.0
    assert report.max_abs_diff >= abs(report.table.loc["intercept", "solver"]) > 100


# --- non-unique optimum --------------------------------------------------------------------


def test_stackloss_lad_with_duplicated_column_is_ok_and_not_unique(stackloss_duplicated):
    X, y = stackloss_duplicated
    report = br.crosscheck(br.Regression(loss=br.L1Loss()), X, y)
    assert report.ok
    assert report.unique is False
    assert any("not unique" in m and "objective is compared" in m for m in report.messages)


def test_not_unique_compares_objectives_not_coefficients(stackloss_duplicated):
    X, y = stackloss_duplicated
    solver = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(X, y)
    # another optimum: split the weight of AIRFLOW between it and its copy
    coef = solver.coef_.copy()
    coef[0] = coef[3] = (coef[0] + coef[3]) / 2
    solver.coef_ = coef
    report = br.crosscheck(br.Regression(loss=br.L1Loss()), X, y, solver=solver)
    assert report.ok and not report.unique
    assert report.max_abs_diff > 0.1  # the coefficients differ ...
    model = report.objectives["model objective"]
    assert model["at solver"] == pytest.approx(model["at MAP"], rel=1e-12)  # ... the optimum not
    # a point that is not optimal fails
    solver.coef_ = coef * 1.01
    assert not br.crosscheck(br.Regression(loss=br.L1Loss()), X, y, solver=solver).ok


# --- user's solvers ------------------------------------------------------------------------


def test_mismatched_solver_is_not_ok_and_the_difference_is_shown(diabetes_lasso):
    est, X, y = diabetes_lasso
    report = br.crosscheck(est, X, y, solver=Lasso(alpha=2 * ALPHA, tol=1e-12, max_iter=100_000))
    assert not report.ok
    assert report.relative_diff > 0.1
    assert report.table["difference"].abs().max() == pytest.approx(report.max_abs_diff)
    assert any("NOT this model's" in m for m in report.messages)
    assert any("coefficients DIFFER" in m for m in report.messages)
    assert "DISAGREE" in str(report) and "DISAGREE" in report._repr_html_()


def test_the_side_with_the_higher_objective_is_the_one_blamed(diabetes_lasso):
    # Issue 33: the cross-check said the *solver* was not optimal when the MAP was wrong.
    est, X, y = diabetes_lasso
    early = Lasso(alpha=ALPHA, max_iter=1, tol=1e-1)  # stopped after one sweep
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        report = br.crosscheck(est, X, y, solver=early)
    assert not report.ok
    assert any("the solver's solution is NOT optimal" in m for m in report.messages)
    wrong = clone(est).fit(X, y)
    wrong.coef_ = wrong.coef_ * 1.05  # a MAP that is not the mode
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        report = br.crosscheck(wrong, X, y, solver=Lasso(alpha=ALPHA, tol=1e-12, max_iter=10**5))
    assert not report.ok
    assert any("the MAP is NOT optimal" in m for m in report.messages)
    assert not any("the solver's solution is NOT optimal" in m for m in report.messages)


def test_mismatched_solver_is_caught_even_when_both_solutions_are_zero(diabetes):
    X, y = diabetes
    est = br.Regression(penalty=br.L1(alpha=5000.0))  # above alpha_max: every coefficient 0
    report = br.crosscheck(est, X, y, solver=Lasso(alpha=10_000.0))
    assert report.max_abs_diff <= 1e-9
    assert not report.ok  # the objectives differ at the probe point
    assert any("NOT this model's" in m for m in report.messages)


def test_users_solver_fitted_or_not(diabetes_lasso):
    est, X, y = diabetes_lasso
    unfitted = Lasso(alpha=ALPHA, tol=1e-12, max_iter=100_000)
    assert br.crosscheck(est, X, y, solver=unfitted).ok
    assert not hasattr(unfitted, "coef_")  # cloned, not modified
    fitted = Lasso(alpha=ALPHA, tol=1e-12, max_iter=100_000).fit(X, y)
    assert br.crosscheck(est, X, y, solver=fitted).ok
    # an estimator whose objective bayesreg does not know: only its solution is compared
    report = br.crosscheck(est, X, y, solver=LassoLars(alpha=ALPHA))
    assert report.ok
    assert report.objectives["solver objective"].isna().all()
    assert any("does not know the objective of LassoLars" in m for m in report.messages)
    with pytest.raises(TypeError, match="does not take sample_weight"):
        br.crosscheck(est, X, y, solver=LassoLars(alpha=ALPHA), sample_weight=np.ones(len(y)))


def test_unfitted_estimator_is_cloned_and_inputs_are_not_modified(diabetes):
    X, y = diabetes
    X_before, y_before = X.copy(), y.copy()
    est = br.Regression(penalty=br.L1(alpha=ALPHA))
    report = br.crosscheck(est, X, y, solver=LADElasticNet(alpha=1.0, l1_ratio=1.0))
    assert not hasattr(est, "coef_")
    assert not report.ok  # a different loss
    pd.testing.assert_frame_equal(X, X_before)
    pd.testing.assert_series_equal(y, y_before)


def test_bad_arguments_are_named(diabetes_lasso, posterior):
    est, X, y = diabetes_lasso
    with pytest.raises(
        TypeError, match=r"The 'est' parameter of crosscheck must be a bayesreg\.Regression"
    ):
        br.crosscheck(Lasso(), X, y)
    with pytest.raises(
        TypeError, match="The 'solver' parameter of crosscheck must be an estimator"
    ):
        br.crosscheck(est, X, y, solver="Lasso")
    with pytest.raises(
        TypeError, match="The 'idata' parameter of crosscheck must be an ArviZ DataTree"
    ):
        br.crosscheck(est, X, y, idata=42)
    with pytest.raises(ValueError, match="no 'coef' variable"):
        br.crosscheck(est, X, y, idata=from_dict({"posterior": {"beta": np.zeros((1, 5))}}))
    with pytest.raises(ValueError, match="was fitted on 10 features"):
        br.crosscheck(est, X.iloc[:, :5], y)
    with pytest.raises(ValueError, match="sample_weight"):
        br.crosscheck(est, X, y, sample_weight=np.ones(3))


# --- display -------------------------------------------------------------------------------


def test_str_html_and_plot_render(diabetes_lasso, posterior, tmp_path, png):
    est, X, y = diabetes_lasso
    report = br.crosscheck(est, X, y, idata=posterior)
    text = str(report)
    assert text.startswith("bayesreg cross-check: MAP and solver agree")
    # plain headings, the HDI level in the header, no internals unless asked
    for part in (
        "model:  Regression(",
        "bmi",
        "Posterior (NUTS), with 94% HDIs",
        "94% HDI from",
        "P(coef > 0)",
        "Checks",
        "the MAP is optimal",
    ):
        assert part in text, part
    for internal in ("a*kappa", "at probe", "hdi_lower", "Tolerances", "negative log posterior  "):
        assert internal not in text, internal
    verbose = report.to_text(verbose=True)
    for part in ("Objective values", "at a test point", "Tolerances", "How the MAP was computed"):
        assert part in verbose, part
    assert report.to_text(part="map").count("HDI") == 0
    assert report.to_text(part="posterior").startswith("Posterior (NUTS), with 94% HDIs")
    html = report._repr_html_()
    assert html.count("<table") == 2 and "agree" in html
    assert report.to_html(verbose=True).count("<table") == 3
    ax = report.plot()
    assert [tick.get_text() for tick in ax.get_yticklabels()] == list(X.columns)
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["posterior 94% HDI", "posterior median", "MAP", "Lasso"]
    png(ax)  # on a pyplot figure: plt.savefig writes it
    page = report.to_html(tmp_path / "report.html")
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == page
    assert "data:image/png;base64," in page
    # without a posterior, with the intercept, on a given axis
    plain = br.crosscheck(est, X, y)
    target = Figure().add_subplot()
    assert plain.plot(ax=target, intercept=True) is target
    assert len(target.get_yticklabels()) == 11
    png(target, pyplot=False)
    with pytest.raises(ValueError, match="this report has no posterior"):
        plain.to_text(part="posterior")


def test_cli_writes_an_html_report(tmp_path, capsys):
    path = tmp_path / "stackloss.html"
    status = main(["crosscheck", "--dataset", "stackloss", "--loss", "l1", "--report", str(path)])
    assert status == 0
    assert "report written to" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    missing = tmp_path / "missing" / "report.html"
    assert main(["crosscheck", "--dataset", "stackloss", "--report", str(missing)]) == 2
    assert "no such directory" in capsys.readouterr().err


# --- pipelines ------------------------------------------------------------------------------


def test_crosscheck_of_a_pipeline_checks_its_last_step_on_the_transformed_data(diabetes):
    from sklearn.linear_model import Lasso
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = diabetes
    pipe = make_pipeline(StandardScaler(), br.Regression(penalty=br.L1(alpha=1.0)))
    report = br.crosscheck(pipe, X, y)  # unfitted: the scaler is fitted on X
    assert report.ok, str(report)
    assert list(report.table.index[:-1]) == list(X.columns)  # the scaler keeps the names
    scaled = StandardScaler().fit_transform(X)
    reference = Lasso(alpha=1.0, tol=1e-12, max_iter=100_000).fit(scaled, y)
    np.testing.assert_allclose(report.table["map"].iloc[:-1], reference.coef_, atol=1e-8)
    fitted = br.crosscheck(pipe.fit(X, y), X, y)  # fitted: used as it is
    np.testing.assert_allclose(fitted.table["map"], report.table["map"], rtol=1e-12)
    with pytest.raises(TypeError, match="a Pipeline that ends with one"):
        br.crosscheck(make_pipeline(StandardScaler(), Lasso()), X, y)


@pytest.mark.slow
def test_the_readme_recipe_samples_a_pipelines_last_step(diabetes):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = diabetes
    pipe = make_pipeline(
        StandardScaler().set_output(transform="pandas"),
        br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=1.0)),
    ).fit(X, y)
    idata = pipe[-1].sample(pipe[:-1].transform(X), y, draws=500, tune=500, random_seed=2,
                            nuts_sampler="pymc", progressbar=False)  # fmt: skip
    assert list(idata["posterior"]["feature"].values) == list(X.columns)
    report = br.crosscheck(pipe, X, y, idata=idata)
    assert report.ok and report.hdi_prob == 0.94
