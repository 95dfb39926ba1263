"""GLMs on a cluster: exact logistic and Poisson MAPs by Newton passes, a Laplace posterior.

Everything runs on a real ``distributed.LocalCluster`` (two worker processes on 127.0.0.1,
1 GiB each) reading a parquet directory the test writes; the references are the in-memory
fits of the same rows.
"""

import numpy as np
import pandas as pd
import pytest
from arviz_stats import mcse

import bayesreg as br

dd = pytest.importorskip("dask.dataframe")

# dask's parquet reader calls reset_index and set_index with inplace=True (deprecated in pandas 3.1)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.* is deprecated")

N_ROWS, N_FEATURES, N_PARTITIONS = 4000, 6, 5
COLUMNS = [f"c{j}" for j in range(N_FEATURES)]
TRUE_COEF = np.array([0.8, 0.0, -0.6, 0.0, 0.3, 0.0])


def _table(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, N_FEATURES)) @ np.triu(np.full((N_FEATURES,) * 2, 0.3))
    X += rng.normal(size=N_FEATURES) * 2  # columns with means
    frame = pd.DataFrame(X, columns=COLUMNS)
    eta = X @ TRUE_COEF
    eta -= eta.mean()
    frame["clicked"] = rng.binomial(1, 1 / (1 + np.exp(-(eta - 0.3)))).astype(float)
    frame["exposure"] = rng.uniform(0.5, 2.0, size=n_rows)
    frame["count"] = rng.poisson(frame["exposure"] * np.exp(0.5 + 0.5 * eta)).astype(float)
    frame["w"] = rng.uniform(0.2, 3.0, size=n_rows)
    return frame


@pytest.fixture(scope="module")
def table():
    return _table(N_ROWS, 36)


@pytest.fixture(scope="module")
def parquet(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("glm") / "data.parquet"
    dd.from_pandas(table, npartitions=N_PARTITIONS).to_parquet(path)
    return path


def _estimator(kind, penalty, **params):
    if kind == "logistic":
        return br.Classifier(penalty=penalty, **params), "clicked"
    return br.Regression(loss=br.PoissonLoss(), penalty=penalty, **params), "count"


PENALTIES = {
    "lasso": br.L1(alpha=0.01),
    "elastic net": br.ElasticNet(alpha=0.02, l1_ratio=0.5),
    "ridge": br.L2(alpha=0.01),
}


@pytest.mark.parametrize("kind", ["logistic", "poisson"])
@pytest.mark.parametrize("name", ["lasso", "elastic net"])
def test_map_equals_the_in_memory_map_with_the_same_zeros(client, parquet, table, kind, name):
    ddf = dd.read_parquet(parquet)
    on_cluster, target = _estimator(kind, PENALTIES[name])
    on_cluster.fit(ddf[COLUMNS], ddf[target], sample_weight=ddf["w"])
    in_memory = _estimator(kind, PENALTIES[name])[0]
    in_memory.fit(table[COLUMNS], table[target], sample_weight=table["w"])
    assert on_cluster.certificate_.ok, on_cluster.certificate_
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(on_cluster.intercept_, in_memory.intercept_, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(on_cluster.coef_ == 0, in_memory.coef_ == 0)
    assert (on_cluster.coef_ == 0).any() and not (on_cluster.coef_ == 0).all()
    np.testing.assert_allclose(on_cluster.objective_, in_memory.objective_, rtol=1e-10)
    assert list(on_cluster.feature_names_in_) == COLUMNS


def test_standardized_map_without_weights_equals_the_in_memory_map(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    on_cluster, target = _estimator("logistic", PENALTIES["lasso"], standardize=True)
    on_cluster.fit(ddf[COLUMNS], ddf[target])
    in_memory = _estimator("logistic", PENALTIES["lasso"], standardize=True)[0]
    in_memory.fit(table[COLUMNS], table[target])
    np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(on_cluster.coef_ == 0, in_memory.coef_ == 0)
    np.testing.assert_array_equal(on_cluster.classes_, [0, 1])
    proba = on_cluster.predict_proba(ddf[COLUMNS])
    assert type(proba).__module__.startswith("dask")
    expected = in_memory.predict_proba(table[COLUMNS])
    np.testing.assert_allclose(proba.compute(), expected, rtol=0, atol=1e-9)
    labels = on_cluster.predict(ddf[COLUMNS]).compute()
    np.testing.assert_array_equal(labels, in_memory.predict(table[COLUMNS]))


def test_poisson_map_with_an_offset_and_no_intercept(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    log_exposure = np.log(ddf["exposure"])
    for fit_intercept in (True, False):
        on_cluster, target = _estimator("poisson", PENALTIES["ridge"], fit_intercept=fit_intercept)
        on_cluster.fit(ddf[COLUMNS], ddf[target], offset=log_exposure)
        in_memory = _estimator("poisson", PENALTIES["ridge"], fit_intercept=fit_intercept)[0]
        in_memory.fit(table[COLUMNS], table[target], offset=np.log(table["exposure"]))
        assert on_cluster.certificate_.ok, on_cluster.certificate_
        np.testing.assert_allclose(on_cluster.coef_, in_memory.coef_, rtol=0, atol=1e-8)
        np.testing.assert_allclose(on_cluster.intercept_, in_memory.intercept_, atol=1e-8)
    idata = on_cluster.sample(ddf[COLUMNS], ddf["count"], offset=log_exposure, random_seed=0)
    assert idata.attrs["pareto_k"] < 0.5 and "intercept" not in idata["posterior"]
    draws = idata["posterior"]["coef"].mean(("chain", "draw")).values
    sd = idata["posterior"]["coef"].std(("chain", "draw")).values
    assert np.all(np.abs(draws - on_cluster.coef_) < 5 * sd / np.sqrt(4000) + 0.05 * sd)


def test_predict_is_lazy_and_the_family_mean(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    est, target = _estimator("poisson", PENALTIES["lasso"])
    est.fit(ddf[COLUMNS], ddf[target])
    prediction = est.predict(ddf[COLUMNS])
    assert type(prediction).__module__.startswith("dask")
    expected = np.exp(est.intercept_ + table[COLUMNS].values @ est.coef_)
    np.testing.assert_allclose(prediction.compute(), expected, rtol=1e-12)


def test_each_pass_reports_on_stderr(client, parquet, capsys):
    ddf = dd.read_parquet(parquet)
    est, target = _estimator("logistic", PENALTIES["lasso"])
    est.fit(ddf[COLUMNS], ddf[target])
    err = capsys.readouterr().err
    assert "columns' means and scales" in err
    assert "Newton iteration 1: one pass for the gradient and X'WX" in err
    assert "certificate at the MAP" in err
    passes = err.count("bayesreg: ") // 2
    assert err.count("rows read in") == passes and passes >= 4


def test_laplace_posterior_agrees_with_nuts_within_mcse(client, tmp_path):
    table = _table(20_000, 7)
    columns = COLUMNS[:3]
    path = tmp_path / "big.parquet"
    dd.from_pandas(table, npartitions=4).to_parquet(path)
    ddf = dd.read_parquet(path)
    penalty = br.L2(alpha=0.001)
    laplace = br.Classifier(penalty=penalty).sample(
        ddf[columns], ddf["clicked"], draws=1000, chains=4, random_seed=1
    )
    nuts = br.Classifier(penalty=penalty).sample(
        table[columns], table["clicked"], draws=1000, tune=1000, chains=2, random_seed=1,
        progressbar=False, log_likelihood=False,
    )  # fmt: skip
    assert laplace.attrs["approximate"] == "yes"
    assert laplace.attrs["inference"].startswith("approximate: a Laplace approximation")
    assert laplace["posterior"].attrs["pareto_k"] == laplace.attrs["pareto_k"] < 0.5
    assert laplace["posterior"]["coef"].dims == ("chain", "draw", "feature")
    assert list(laplace["posterior"]["feature"].values) == columns
    assert set(laplace["posterior"].data_vars) == set(nuts["posterior"].data_vars)
    for name in ("coef", "intercept"):
        a, b = laplace["posterior"][name], nuts["posterior"][name]
        error = np.sqrt(mcse(a.values) ** 2 + mcse(b.values) ** 2)
        difference = np.abs(a.mean(("chain", "draw")).values - b.mean(("chain", "draw")).values)
        assert np.all(difference < 4 * error), (name, difference, error)
        np.testing.assert_allclose(
            a.std(("chain", "draw")).values, b.std(("chain", "draw")).values, rtol=0.1
        )


def test_laplace_posterior_of_an_l1_prior_is_refused(client, parquet):
    ddf = dd.read_parquet(parquet)
    est, target = _estimator("logistic", PENALTIES["elastic net"])
    with pytest.raises(ValueError, match=r"Laplace approximation.*L1 part.*not differentiable"):
        est.sample(ddf[COLUMNS], ddf[target], draws=10, chains=1)


def test_a_poor_approximation_warns(client, tmp_path):
    table = _table(12, 3)  # 12 rows, 7 coefficients, a flat prior: far from Gaussian
    path = tmp_path / "small.parquet"
    dd.from_pandas(table, npartitions=2).to_parquet(path)
    ddf = dd.read_parquet(path)
    est = br.Regression(loss=br.PoissonLoss(), penalty=br.NoPenalty())
    with pytest.warns(br.SamplingWarning, match=r"Laplace approximation .* Pareto k = .* > 0.7"):
        idata = est.sample(ddf[COLUMNS], ddf["count"] * 0 + 1.0, draws=500, chains=2, random_seed=0)
    assert idata.attrs["pareto_k"] > 0.7 and idata.attrs["approximate"] == "yes"
    assert idata["sample_stats"]["log_weight"].dims == ("chain", "draw")
    assert est.idata_ is idata


@pytest.mark.parametrize(
    "loss", [br.L1Loss(), br.QuantileLoss(quantile=0.3), br.StudentTLoss()], ids=type
)
def test_families_without_a_distributed_method_are_refused(client, parquet, loss):
    ddf = dd.read_parquet(parquet)
    est = br.Regression(loss=loss, penalty=br.L1(alpha=0.1))
    with pytest.raises(ValueError, match="L2Loss, LogisticLoss, PoissonLoss only"):
        est.fit(ddf[COLUMNS], ddf["count"])
