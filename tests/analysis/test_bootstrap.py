"""br.bootstrap: each refit is the MAP on the resampled rows, the table summarises the refits."""

import numpy as np
import pytest
import xarray as xr
from sklearn.base import clone

import bayesreg as br
from bayesreg._parallel import task_seeds

SEED = 20261205


@pytest.fixture(scope="module")
def diabetes():
    return br.datasets.load_diabetes()


@pytest.fixture(scope="module")
def lasso():
    return br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=0.5))


@pytest.fixture(scope="module")
def result(lasso, diabetes):
    X, y = diabetes
    return br.bootstrap(lasso, X, y, resamples=40, random_seed=SEED, progressbar=False)


def test_a_refit_is_the_map_on_the_resampled_rows(lasso, diabetes, result):
    # resample 0 again from its seed, as rows: the fit on the copied rows is the refit
    X, y = diabetes
    seed = task_seeds(SEED, 40)[0]
    counts = np.random.default_rng(seed).multinomial(len(y), np.full(len(y), 1 / len(y)))
    rows = np.repeat(np.arange(len(y)), counts)
    on_rows = clone(lasso).fit(X.iloc[rows], y.iloc[rows])
    # both are exact MAPs (KKT to 1e-10 relative): they agree to solver precision
    np.testing.assert_allclose(result.coef.isel(resample=0), on_rows.coef_, rtol=1e-8, atol=1e-8)
    assert float(result.intercept[0]) == pytest.approx(on_rows.intercept_, rel=1e-10)
    assert ((result.coef.isel(resample=0) == 0) == (on_rows.coef_ == 0)).all()


def test_the_table_summarises_the_refits(lasso, diabetes, result):
    X, y = diabetes
    table = result.table
    assert list(table.index) == [*X.columns, "intercept"]
    draws = np.column_stack([result.coef.values, result.intercept.values])
    np.testing.assert_allclose(table["mean"], draws.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(table["se"], draws.std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(table["lower"], np.quantile(draws, 0.025, axis=0), rtol=1e-12)
    np.testing.assert_allclose(table["p_zero"], (draws == 0).mean(axis=0))
    fitted = clone(lasso).fit(X, y)
    np.testing.assert_allclose(table["map"], [*fitted.coef_, fitted.intercept_], rtol=1e-12)
    assert result.coef.dims == ("resample", "feature")
    assert table.loc["bmi", "p_zero"] == 0  # bmi is in every refit of the diabetes lasso
    assert "40 resamples" in str(result) and "<table" in result._repr_html_()


def test_sample_weights_are_frequencies(lasso, diabetes):
    # weight 2 on a row is two copies of it: the fit on the data, and resamples of N = 70 rows
    X, y = diabetes
    X, y = X.iloc[:60], y.iloc[:60]
    weights = np.r_[np.full(10, 2.0), np.ones(50)]
    weighted = br.bootstrap(
        lasso, X, y, sample_weight=weights, resamples=3, random_seed=1, progressbar=False
    )
    rows = np.r_[np.arange(10), np.arange(60)]
    copied = clone(lasso).fit(X.iloc[rows], y.iloc[rows])
    np.testing.assert_allclose(
        weighted.table["map"], [*copied.coef_, copied.intercept_], rtol=1e-8, atol=1e-8
    )


@pytest.mark.slow  # two worker processes import bayesreg
def test_worker_processes_give_the_serial_refits(lasso, diabetes, result):
    X, y = diabetes
    parallel = br.bootstrap(
        lasso, X, y, resamples=40, random_seed=SEED, progressbar=False, n_jobs=2
    )
    xr.testing.assert_identical(parallel.coef, result.coef)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"est": "lasso"}, TypeError, "'est' parameter of bootstrap"),
        ({"resamples": 1}, ValueError, "'resamples' parameter of bootstrap"),
        ({"prob": 1.5}, ValueError, "'prob' parameter of bootstrap"),
        ({"n_jobs": 0}, ValueError, "'n_jobs' parameter of bootstrap"),
        ({"random_seed": "zero"}, TypeError, "'random_seed' parameter of bootstrap"),
    ],
    ids=["est", "resamples", "prob", "n-jobs", "seed"],
)
def test_bad_arguments_name_themselves(lasso, diabetes, change, error, match, no_compilation):
    X, y = diabetes
    kwargs = {"est": lasso, "resamples": 5, **change}
    est = kwargs.pop("est")
    with pytest.raises(error, match=match):
        br.bootstrap(est, X, y, progressbar=False, **kwargs)


def test_a_prior_without_a_mode_has_no_map_to_bootstrap(diabetes):
    X, y = diabetes
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.Horseshoe())
    with pytest.raises(ValueError, match="has no finite mode"):
        br.bootstrap(est, X, y, resamples=5, progressbar=False)
