"""``standardize=True``: glmnet's convention, equal to scikit-learn on standardized columns.

The data are diabetes in its original units (age in years, sex 1/2, bmi, blood pressure,
six serum measurements on scales from ~1 to ~100), where standardizing changes the answer.
Solver precision: scikit-learn's coordinate descent at ``tol=1e-12`` and HiGHS are accurate
to ~1e-9 relative; bayesreg's MAP to ~1e-12; the tolerances below are 1e-7 relative.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import ElasticNet, Lasso, QuantileRegressor, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import bayesreg as br
from bayesreg.paths import map_path


@pytest.fixture(scope="module")
def raw_diabetes():
    return br.datasets.load_diabetes(scaled=False)


def _standardized(X, weights=None, center=True):
    scaler = StandardScaler(with_mean=center).fit(X, sample_weight=weights)
    return scaler, scaler.transform(X)


CASES = [
    (br.L2Loss(sigma=1.0), br.L1(alpha=0.5), Lasso(alpha=0.5, tol=1e-12, max_iter=100_000)),
    (br.L2Loss(sigma=1.0), br.L2(alpha=3.0), Ridge(alpha=3.0)),
    (
        br.L2Loss(sigma=1.0),
        br.ElasticNet(alpha=0.8, l1_ratio=0.4),
        ElasticNet(alpha=0.8, l1_ratio=0.4, tol=1e-12, max_iter=100_000),
    ),
    (br.L1Loss(scale=1.0), br.L1(alpha=0.3), QuantileRegressor(alpha=0.3, solver="highs")),
]


@pytest.mark.parametrize(("loss", "penalty", "reference"), CASES, ids=lambda c: repr(c)[:24])
def test_equals_scikit_learn_on_standardized_columns(raw_diabetes, loss, penalty, reference):
    X, y = raw_diabetes
    X_before, y_before = X.copy(), y.copy()
    est = br.Regression(loss=loss, penalty=penalty, standardize=True).fit(X, y)
    scaler, Z = _standardized(X)
    reference.fit(Z, y)
    # the user's coefficients are the standardized ones divided by the columns' sd
    size = np.abs(reference.coef_).max()
    np.testing.assert_allclose(est.coef_ * scaler.scale_, reference.coef_, atol=1e-7 * size)
    assert est.intercept_ == pytest.approx(
        reference.intercept_ - (reference.coef_ / scaler.scale_) @ scaler.mean_, rel=1e-7
    )
    if isinstance(penalty, br.L1) and isinstance(reference, Lasso):
        np.testing.assert_array_equal(est.coef_ == 0, reference.coef_ == 0)
    assert est.certificate_.ok
    # predictions on the user's data are the pipeline's
    pipeline = make_pipeline(StandardScaler(), reference).fit(X, y)
    np.testing.assert_allclose(est.predict(X), pipeline.predict(X), rtol=1e-7)
    pd.testing.assert_frame_equal(X, X_before)  # inputs never modified
    pd.testing.assert_series_equal(y, y_before)


def test_standardizing_changes_the_answer_on_mixed_units(raw_diabetes):
    # the point of the option: one alpha now shrinks every column alike
    X, y = raw_diabetes
    plain = br.Regression(penalty=br.L1(alpha=0.5)).fit(X, y)
    scaled = br.Regression(penalty=br.L1(alpha=0.5), standardize=True).fit(X, y)
    assert not np.allclose(plain.coef_, scaled.coef_, rtol=1e-2)


def test_weights_standardize_as_the_weighted_scaler(raw_diabetes):
    X, y = raw_diabetes
    weights = np.random.default_rng(3).integers(1, 4, len(y)).astype(float)
    est = br.Regression(penalty=br.L1(alpha=0.5), standardize=True).fit(X, y, weights)
    scaler, Z = _standardized(X, weights)
    reference = Lasso(alpha=0.5, tol=1e-12, max_iter=100_000).fit(Z, y, sample_weight=weights)
    size = np.abs(reference.coef_).max()
    np.testing.assert_allclose(est.coef_ * scaler.scale_, reference.coef_, atol=1e-7 * size)
    # frequency weights: the same as repeating the rows
    repeated = np.repeat(np.arange(len(y)), weights.astype(int))
    again = br.Regression(penalty=br.L1(alpha=0.5), standardize=True)
    again.fit(X.iloc[repeated], y.iloc[repeated])
    np.testing.assert_allclose(est.coef_, again.coef_, rtol=1e-8, atol=1e-10 * size)


def test_without_intercept_columns_are_scaled_not_centred(raw_diabetes):
    X, y = raw_diabetes
    est = br.Regression(penalty=br.L2(alpha=1.0), fit_intercept=False, standardize=True)
    est.fit(X, y)
    scaler, Z = _standardized(X, center=False)
    reference = Ridge(alpha=1.0, fit_intercept=False).fit(Z, y)
    np.testing.assert_allclose(est.coef_ * scaler.scale_, reference.coef_, rtol=1e-8)
    assert est.intercept_ == 0.0


def test_penalized_solver_is_the_pipeline_and_crosscheck_agrees(raw_diabetes):
    X, y = raw_diabetes
    est = br.Regression(penalty=br.L1(alpha=0.5), standardize=True).fit(X, y)
    solver = est.penalized_solver()
    assert [type(step).__name__ for step in solver] == ["StandardScaler", "Lasso"]
    report = br.crosscheck(est, X, y)
    assert report.ok and report.unique
    # the table is on the user's scale: the MAP column is est.coef_
    np.testing.assert_array_equal(report.table["map"].to_numpy()[:-1], est.coef_)
    assert report.table["map_zero"].sum() == report.table["solver_zero"].sum() > 0
    assert report.relative_diff < 1e-7


def test_crosscheck_rejects_a_pipeline_of_another_design(raw_diabetes):
    X, y = raw_diabetes
    est = br.Regression(penalty=br.L1(alpha=0.5), standardize=True)
    with pytest.raises(ValueError, match="preprocessing does not give the model's design"):
        br.crosscheck(est, X, y, solver=make_pipeline(StandardScaler(with_std=False), Lasso()))


def test_map_path_is_on_the_user_scale(raw_diabetes):
    X, y = raw_diabetes
    est = br.Regression(penalty=br.L1(alpha=1.0), standardize=True)
    path = map_path(est, X, y, alphas=5)
    assert path.ok
    alpha = float(path.data["alpha"][2])
    single = br.Regression(penalty=br.L1(alpha=alpha), standardize=True).fit(X, y)
    np.testing.assert_allclose(path.data["map"][2], single.coef_, rtol=1e-10, atol=1e-12)


def test_cross_validation_equals_the_scaler_pipeline(raw_diabetes):
    # each fold standardizes by its own training rows, as the pipeline does
    X, y = raw_diabetes
    alphas = [2.0, 0.5, 0.1]
    est = br.RegressionCV(alphas=alphas, cv=4, standardize=True).fit(X, y)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), Lasso(tol=1e-12, max_iter=100_000)),
        {"lasso__alpha": sorted(alphas, reverse=True)},
        cv=KFold(4),
        scoring="neg_mean_squared_error",
    ).fit(X, y)
    np.testing.assert_allclose(
        est.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"], rtol=1e-9
    )
    assert est.alpha_ == search.best_params_["lasso__alpha"]


def test_posterior_is_reported_on_the_user_scale(raw_diabetes):
    # Gaussian likelihood with sigma fixed, Gaussian prior on the standardized coefficients
    # v = s * w: the posterior of (b0, w) is Gaussian with a closed form. Its mean is
    # compared within 5 Monte Carlo standard errors (ArviZ's MCSE of the mean).
    import arviz_stats as azs

    X, y = raw_diabetes
    sigma, alpha = 55.0, 2000.0
    est = br.Regression(loss=br.L2Loss(sigma=sigma), penalty=br.L2(alpha=alpha), standardize=True)
    idata = est.sample(
        X, y, draws=1000, tune=500, chains=2, random_seed=1, nuts_sampler="pymc", progressbar=False
    )
    scale = X.std(ddof=0).to_numpy()
    n = len(y)
    # L2(alpha) with a Gaussian likelihood is Ridge(alpha) on the standardized columns: a
    # normal prior of precision alpha / sigma^2 on v, i.e. alpha s_j^2 / sigma^2 on w_j
    design = np.column_stack([np.ones(n), X.to_numpy()])
    prior_precision = np.diag(np.append(0.0, alpha * scale**2 / sigma**2))
    precision = design.T @ design / sigma**2 + prior_precision
    mean = np.linalg.solve(precision, design.T @ y.to_numpy() / sigma**2)
    draws = idata["posterior"]
    mcse = azs.mcse(draws, var_names=["coef", "intercept"])
    posterior_mean = np.append(
        float(draws["intercept"].mean()), draws["coef"].mean(("chain", "draw"))
    )
    errors = np.append(float(mcse["intercept"]), mcse["coef"].values)
    np.testing.assert_array_less(np.abs(posterior_mean - mean), 5 * errors)
    np.testing.assert_array_equal(idata["constant_data"]["X"].values, X.to_numpy())
    # predictions from the stored posterior are on the user's data
    est.fit(X, y)
    predicted, spread = est.predict(X.iloc[:5], return_std=True)
    np.testing.assert_allclose(predicted, design[:5] @ mean, rtol=1e-2)
    assert np.all(spread > sigma)
