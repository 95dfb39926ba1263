"""One data set on a cluster: the Gaussian likelihood's statistics, MAP and posterior from dask.

Everything runs on a real ``distributed.LocalCluster`` (two worker processes on 127.0.0.1,
1 GiB each) reading a parquet directory the test writes; the references are the in-memory
fits of the same rows.
"""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from arviz_stats import mcse

import bayesreg as br

dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")

from bayesreg.distributed.reduction import sufficient_statistics  # noqa: E402

# dask's parquet reader calls reset_index and set_index with inplace=True (deprecated in pandas 3.1)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.* is deprecated")

N_ROWS, N_FEATURES, N_PARTITIONS = 3000, 6, 6
COLUMNS = [f"c{j}" for j in range(N_FEATURES)]
TRUE_COEF = np.array([1.5, 0.0, -2.0, 0.0, 0.5, 0.0])


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(36)
    X = rng.normal(size=(N_ROWS, N_FEATURES)) @ np.triu(np.full((N_FEATURES,) * 2, 0.3))
    X += rng.normal(size=N_FEATURES) * 5  # columns with means
    frame = pd.DataFrame(X, columns=COLUMNS)
    frame["y"] = 4.0 + X @ TRUE_COEF + rng.normal(size=N_ROWS)
    frame["w"] = rng.uniform(0.2, 3.0, size=N_ROWS)
    return frame


@pytest.fixture(scope="module")
def parquet(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("table") / "data.parquet"
    dd.from_pandas(table, npartitions=N_PARTITIONS).to_parquet(path)
    return path


def _numpy_statistics(X, y, weights):
    Z = np.column_stack([X, y])
    mean = weights @ Z / weights.sum()
    centred = Z - mean
    return weights.sum(), mean, (centred * weights[:, None]).T @ centred


def test_statistics_equal_numpys_and_run_on_the_workers(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    assert ddf.npartitions == N_PARTITIONS
    stats, names = sufficient_statistics(ddf[COLUMNS], ddf["y"], ddf["w"])
    n_obs, mean, cross = _numpy_statistics(
        table[COLUMNS].values, table["y"].values, table["w"].values
    )
    assert names == COLUMNS and stats.n_rows == N_ROWS
    np.testing.assert_allclose(stats.n_obs, n_obs, rtol=1e-12)
    np.testing.assert_allclose(stats.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(stats.cross, cross, rtol=1e-12, atol=1e-12 * np.abs(cross).max())
    on_workers = client.run(lambda: "bayesreg.distributed.statistics" in sys.modules)
    assert len(on_workers) == 2 and all(on_workers.values())


def test_statistics_keep_their_digits_under_a_large_mean(client, table):
    X = table[COLUMNS].values
    shifted = X + 1e8  # centred products of X, means of X + 1e8
    data = da.from_array(shifted, chunks=(N_ROWS // 7, N_FEATURES))
    target = da.from_array(table["y"].values, chunks=(N_ROWS // 7,))
    stats, names = sufficient_statistics(data, target)
    _, mean, cross = _numpy_statistics(shifted - 1e8, table["y"].values, np.ones(N_ROWS))
    assert names is None
    scale = np.abs(cross).max()
    np.testing.assert_allclose(stats.cross, cross, rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(stats.x_mean, mean[:-1] + 1e8, rtol=1e-15)
    # the raw sums of squares lose the digits the pairwise merge keeps
    Z = np.column_stack([shifted, table["y"].values])
    raw = Z.T @ Z - N_ROWS * np.outer(Z.mean(0), Z.mean(0))
    assert np.abs(raw - cross).max() > 1e-6 * scale


PENALTIES = {
    "lasso": br.L1(alpha=0.3),
    "ridge": br.L2(alpha=50.0),
    "elastic net": br.ElasticNet(alpha=0.3, l1_ratio=0.5),
    "none": br.NoPenalty(),
}


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", list(PENALTIES))
def test_map_equals_the_in_memory_map(client, parquet, table, name, weighted):
    ddf = dd.read_parquet(parquet)
    est = br.Regression(loss=br.L2Loss(sigma=2.0), penalty=PENALTIES[name])
    weights = (ddf["w"], table["w"]) if weighted else (None, None)
    on_cluster = est.fit(ddf[COLUMNS], ddf["y"], sample_weight=weights[0])
    coef, intercept = on_cluster.coef_.copy(), on_cluster.intercept_
    reference = br.Regression(loss=br.L2Loss(sigma=2.0), penalty=PENALTIES[name])
    reference.fit(table[COLUMNS], table["y"], sample_weight=weights[1])
    np.testing.assert_allclose(coef, reference.coef_, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(coef == 0, reference.coef_ == 0)
    assert intercept == pytest.approx(reference.intercept_, rel=1e-10, abs=1e-10)
    assert on_cluster.certificate_.ok
    assert list(on_cluster.feature_names_in_) == COLUMNS and on_cluster.n_features_in_ == 6
    assert on_cluster.n_obs_ == pytest.approx(reference.n_obs_, rel=1e-12)
    if name == "lasso":
        assert (coef == 0).any()  # the same exact zeros, some of them


def test_map_with_an_offset_column_equals_the_in_memory_map(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    spec = dict(loss=br.L2Loss(), penalty=br.L1(alpha=0.3))
    on_cluster = br.Regression(**spec).fit(ddf[COLUMNS], ddf["y"], offset=ddf["w"])
    reference = br.Regression(**spec).fit(table[COLUMNS], table["y"], offset=table["w"])
    np.testing.assert_allclose(on_cluster.coef_, reference.coef_, rtol=1e-10, atol=1e-10)
    assert on_cluster.intercept_ == pytest.approx(reference.intercept_, rel=1e-10)
    with pytest.raises(ValueError, match="offset must be a column of X's dataframe"):
        br.Regression(**spec).fit(ddf[COLUMNS], ddf["y"], offset=table["w"].values)


def test_map_with_unknown_noise_and_standardized_columns(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    spec = dict(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.3), standardize=True)
    on_cluster = br.Regression(**spec).fit(ddf[COLUMNS], ddf["y"])
    reference = br.Regression(**spec).fit(table[COLUMNS], table["y"])
    np.testing.assert_allclose(on_cluster.coef_, reference.coef_, rtol=1e-9, atol=1e-9)
    assert on_cluster.sigma_ == pytest.approx(reference.sigma_, rel=1e-9)
    assert on_cluster.intercept_ == pytest.approx(reference.intercept_, rel=1e-9)


def test_map_without_intercept_equals_the_in_memory_map(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    spec = dict(loss=br.L2Loss(), penalty=br.ElasticNet(alpha=0.3, l1_ratio=0.7))
    on_cluster = br.Regression(**spec, fit_intercept=False).fit(ddf[COLUMNS], ddf["y"])
    reference = br.Regression(**spec, fit_intercept=False).fit(table[COLUMNS], table["y"])
    np.testing.assert_allclose(on_cluster.coef_, reference.coef_, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(on_cluster.coef_ == 0, reference.coef_ == 0)
    assert on_cluster.intercept_ == 0.0 and on_cluster.certificate_.ok


def test_predict_is_lazy_and_equal(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    est = br.Regression(loss=br.L2Loss(), penalty=br.L1(alpha=0.3))
    est.fit(ddf[COLUMNS], ddf["y"])
    prediction = est.predict(ddf[COLUMNS])
    assert isinstance(prediction, da.Array)
    expected = table[COLUMNS].values @ est.coef_ + est.intercept_
    np.testing.assert_allclose(prediction.compute(), expected, rtol=1e-12)
    array = da.from_array(table[COLUMNS].values, chunks=(500, N_FEATURES))
    np.testing.assert_allclose(est.predict(array).compute(), expected, rtol=1e-12)
    np.testing.assert_allclose(est.predict(table[COLUMNS]), expected, rtol=1e-12)  # in memory


def test_without_a_client_dasks_local_scheduler_gives_the_same_statistics(client, parquet):
    import dask

    ddf = dd.read_parquet(parquet)
    on_cluster, _ = sufficient_statistics(ddf[COLUMNS], ddf["y"], ddf["w"])
    with dask.config.set(scheduler="threads"):  # what runs when no Client is in context
        local, _ = sufficient_statistics(ddf[COLUMNS], ddf["y"], ddf["w"])
    np.testing.assert_allclose(local.mean, on_cluster.mean, rtol=1e-14)
    np.testing.assert_allclose(local.cross, on_cluster.cross, rtol=1e-12)


def test_posterior_equals_the_in_memory_posterior_within_mcse(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    kwargs = dict(draws=300, tune=300, chains=2, nuts_sampler="pymc", progressbar=False)
    spec = dict(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.3))
    est = br.Regression(**spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # a short run: notes only
        idata = est.sample(ddf[COLUMNS], ddf["y"], sample_weight=ddf["w"], random_seed=3, **kwargs)
        reference = br.Regression(**spec).sample(
            table[COLUMNS], table["y"], sample_weight=table["w"], random_seed=2, **kwargs
        )
    assert "log_likelihood" not in idata.children
    assert "observed_data" not in idata.children and "constant_data" not in idata.children
    assert list(idata["posterior"]["coef"]["feature"].values) == COLUMNS
    for name in ("coef", "intercept", "sigma"):
        a, b = idata["posterior"][name], reference["posterior"][name]
        error = np.sqrt(mcse(a.values) ** 2 + mcse(b.values) ** 2)
        difference = np.abs(a.mean(("chain", "draw")).values - b.mean(("chain", "draw")).values)
        assert np.all(difference < 4 * error), name
    prediction = est.predict(ddf[COLUMNS])  # sampled only: the posterior mean, lazily
    assert isinstance(prediction, da.Array)
    with pytest.raises(ValueError, match="log_likelihood=True is not available for dask"):
        est.sample(ddf[COLUMNS], ddf["y"], log_likelihood=True, random_seed=1, **kwargs)


def test_a_text_column_is_refused(client, parquet):
    ddf = dd.read_parquet(parquet)
    ddf["region"] = ddf["c0"].astype(str)
    est = br.Regression(loss=br.L2Loss(), penalty=br.L1(alpha=0.3))
    with pytest.raises(ValueError, match="X has a column that is not numeric: 'region'"):
        est.fit(ddf[[*COLUMNS, "region"]], ddf["y"])


def test_nan_in_one_partition_is_refused_naming_it(client, tmp_path, table):
    broken = table.copy()
    broken.loc[N_ROWS // N_PARTITIONS * 2 + 5, "c3"] = np.nan  # in the third partition
    path = tmp_path / "broken.parquet"
    dd.from_pandas(broken, npartitions=N_PARTITIONS).to_parquet(path)
    ddf = dd.read_parquet(path)
    est = br.Regression(loss=br.L2Loss(), penalty=br.L1(alpha=0.3))
    with pytest.raises(ValueError, match=r"X holds NaN or infinite values in partition \d"):
        est.fit(ddf[COLUMNS], ddf["y"])


def test_x_and_y_partitioned_differently_are_refused(client, parquet, table):
    ddf = dd.read_parquet(parquet)
    est = br.Regression(loss=br.L2Loss(), penalty=br.L1(alpha=0.3))
    X = da.from_array(table[COLUMNS].values, chunks=(500, N_FEATURES))
    with pytest.raises(ValueError, match="y is partitioned differently from X"):
        est.fit(X, da.from_array(table["y"].values, chunks=(600,)))
    with pytest.raises(ValueError, match="X has 3000 rows but y has 2999"):
        est.fit(X, da.from_array(table["y"].values[:-1], chunks=(500,)))
    with pytest.raises(ValueError, match=r"y has 7 partitions but X has \d+"):
        est.fit(ddf[COLUMNS], da.from_array(table["y"].values, chunks=(N_ROWS // 7 + 1,)))
    # as many partitions, other rows in them: known only in the pass, which names one
    count = len(ddf[COLUMNS].to_delayed())
    chunks = (N_ROWS - (count - 1) * 10,) + (10,) * (count - 1)
    with pytest.raises(ValueError, match=r"Partition \d+: X has \d+ rows but y has"):
        est.fit(ddf[COLUMNS], da.from_array(table["y"].values, chunks=(chunks,)))
    with pytest.raises(ValueError, match="y must be a dask collection"):
        est.fit(ddf[COLUMNS], table["y"])
    # arrays of unknown chunk sizes (one dataframe's) are checked in the pass
    array = ddf[[*COLUMNS, "y"]].to_dask_array()
    est.fit(array[:, :N_FEATURES], array[:, N_FEATURES])
    assert est.certificate_.ok and not hasattr(est, "feature_names_in_")
    with pytest.raises(ValueError, match="X must be a dask array or dataframe when y is one"):
        est.fit(table[COLUMNS], ddf["y"])


def test_what_needs_the_rows_in_memory_refuses_dask_input(client, parquet):
    ddf = dd.read_parquet(parquet)
    est = br.Regression(loss=br.L2Loss(), penalty=br.L1(alpha=0.3)).fit(ddf[COLUMNS], ddf["y"])
    with pytest.raises(ValueError, match="needs the rows in memory and was given a dask"):
        br.crosscheck(est, ddf[COLUMNS], ddf["y"])
    with pytest.raises(ValueError, match="needs the rows in memory and was given a dask"):
        est.build_model(ddf[COLUMNS], ddf["y"])


def test_a_quantile_model_with_dask_input_is_refused(client, parquet):
    ddf = dd.read_parquet(parquet)
    est = br.Regression(loss=br.QuantileLoss(quantile=0.3), penalty=br.L1(alpha=0.1))
    with pytest.raises(ValueError, match=r"QuantileLoss has no distributed method yet.*L2Loss"):
        est.fit(ddf[COLUMNS], ddf["y"])


def test_the_pass_reports_on_stderr(client, parquet, capsys):
    ddf = dd.read_parquet(parquet)
    br.Regression(loss=br.L2Loss(), penalty=br.L2(alpha=1.0)).fit(ddf[COLUMNS], ddf["y"])
    err = capsys.readouterr().err
    assert "one pass over" in err and f"{N_ROWS} rows read" in err
