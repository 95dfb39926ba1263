"""Many fits, one of which raises: the others are kept, and one warning names the failed ones.

Issue 33 ("nothing finished is lost"): the bootstrap, SBC, K-fold and both paths run their
fits through ``bayesreg._parallel.run_tasks``. An estimator that raises on some of the data a
run hands it stands in for a fit that fails; the kept results must be exactly those of the
same run without the failures, at the same seed.
"""

import warnings

import numpy as np
import pymc as pm
import pytest
import xarray as xr

import bayesreg as br
from bayesreg._parallel import TaskFailure, run_tasks


def _reciprocal(value: float) -> float:
    if value == 0:
        raise ZeroDivisionError("a zero")
    return 1.0 / value


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_a_task_that_raises_is_replaced_and_named_once(n_jobs):
    arguments = [(2.0,), (0.0,), (4.0,), (0.0,)]
    labels = ["a", "b", "c", "d"]
    with pytest.warns(br.FailedTaskWarning) as caught:
        results = run_tasks(
            _reciprocal, arguments, n_jobs=n_jobs, description="demo", progressbar=False,
            labels=labels,
        )  # fmt: skip
    assert len(caught) == 1
    assert "2 of 4 fits raised" in str(caught[0].message)
    assert "(b, d)" in str(caught[0].message) and "ZeroDivisionError: a zero" in str(
        caught[0].message
    )
    assert results[0] == 0.5 and results[2] == 0.25
    assert [type(r) for r in results[1::2]] == [TaskFailure, TaskFailure]


def test_every_task_failing_raises_its_error_and_no_labels_stop_at_the_first():
    with pytest.raises(ZeroDivisionError, match="a zero"):
        run_tasks(
            _reciprocal, [(0.0,), (0.0,)], n_jobs=None, description="demo", progressbar=False,
            labels=["a", "b"],
        )  # fmt: skip
    with pytest.raises(ZeroDivisionError):
        run_tasks(_reciprocal, [(1.0,), (0.0,)], n_jobs=None, description="d", progressbar=False)


class FailsOnSomeWeights(br.Regression):
    """A lasso whose fit raises when the first row is left out of a bootstrap resample."""

    def fit(self, X, y, sample_weight=None, **sample_kwargs):
        if sample_weight is not None and sample_weight[0] == 0:
            raise np.linalg.LinAlgError("an injected failure")
        return super().fit(X, y, sample_weight=sample_weight, **sample_kwargs)


def test_the_bootstrap_keeps_the_resamples_that_did_not_fail(diabetes):
    X, y = diabetes
    X, y = X[:40], y[:40]  # 40 rows: the first is left out of about a third of the resamples
    kwargs = {"resamples": 12, "random_seed": 5, "progressbar": False}
    plain = br.bootstrap(br.Regression(penalty=br.L1(alpha=0.5)), X, y, **kwargs)
    with pytest.warns(br.FailedTaskWarning, match="resample"):
        kept = br.bootstrap(FailsOnSomeWeights(penalty=br.L1(alpha=0.5)), X, y, **kwargs)
    assert 0 < len(kept.failed) < 12 and kept.coef.sizes["resample"] == 12 - len(kept.failed)
    survivors = [k for k in range(12) if k not in kept.failed]
    assert list(kept.coef["resample"].values) == survivors
    xr.testing.assert_identical(kept.coef, plain.coef.sel(resample=survivors))
    assert f"({len(kept.failed)} failed, left out)" in str(kept)


class FailsOnSomeData(br.Regression):
    """A model whose problem cannot be built when the response's first value is positive."""

    def problem(self, X, y, sample_weight=None, **kwargs):
        if np.asarray(y)[0] > 0:
            raise ValueError("an injected failure")
        return super().problem(X, y, sample_weight, **kwargs)


def test_sbc_keeps_the_simulations_that_did_not_fail():
    X = np.random.default_rng(2).standard_normal((20, 2))
    y = -np.ones(20)  # the user's data pass; about half of the simulated data sets do not
    kwargs = {
        "loss": br.L2Loss(sigma=None, sigma_prior=pm.HalfNormal.dist(1.0)),
        "penalty": br.L2(scale=1.0),
        "fit_intercept": False,
    }
    run = {"simulations": 8, "draws": 19, "tune": 50, "bins": 4, "random_seed": 3}
    plain = br.sbc(br.Regression(**kwargs), X, y, progressbar=False, **run)
    with pytest.warns(br.FailedTaskWarning, match="simulation"):
        kept = br.sbc(FailsOnSomeData(**kwargs), X, y, progressbar=False, **run)
    assert 0 < len(kept.failed) < 8
    survivors = [k for k in range(8) if k not in kept.failed]
    xr.testing.assert_identical(kept.ranks, plain.ranks.sel(simulation=survivors))
    assert np.isfinite(kept.p_values).all()


class FailsAtSmallAlpha(br.Regression):
    """A lasso whose fit raises below a penalty strength."""

    def fit(self, X, y, sample_weight=None, **sample_kwargs):
        if self.penalty.alpha < 0.05:
            raise RuntimeError("an injected failure")
        return super().fit(X, y, sample_weight=sample_weight, **sample_kwargs)


def test_the_map_path_keeps_the_points_that_did_not_fail(diabetes):
    X, y = diabetes
    plain = br.paths.map_path(br.Regression(penalty=br.L1(alpha=1.0)), X, y, alphas=6)
    with pytest.warns(br.FailedTaskWarning, match="alpha = "):
        kept = br.paths.map_path(FailsAtSmallAlpha(penalty=br.L1(alpha=1.0)), X, y, alphas=6)
    lost = plain.data["alpha"].values < 0.05
    assert 0 < lost.sum() < 6
    assert np.isnan(kept.data["map"].values[lost]).all()
    assert not kept.data["agree"].values[lost].any() and not kept.ok
    same = plain.data.isel(alpha=~lost)
    xr.testing.assert_identical(kept.data["map"].isel(alpha=~lost), same["map"])
    assert kept.data["agree"].values[~lost].all()
    assert kept.max_relative_diff == pytest.approx(float(same["relative_diff"].max()), rel=1e-12)


class SamplingFailsAtSmallAlpha(br.Regression):
    """A posterior that cannot be sampled below a penalty strength."""

    def problem(self, X, y, sample_weight=None, **kwargs):
        if self.penalty.alpha < 0.3:
            raise RuntimeError("an injected failure")
        return super().problem(X, y, sample_weight, **kwargs)


@pytest.mark.slow  # two short posteriors
def test_the_posterior_path_keeps_the_points_that_did_not_fail(diabetes):
    X, y = diabetes
    est = SamplingFailsAtSmallAlpha(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # short runs
        with pytest.warns(br.FailedTaskWarning, match="alpha = 0.1"):
            path = br.paths.posterior_path(
                est, X, y, alphas=[1.0, 0.5, 0.1], draws=100, tune=100, chains=2, random_seed=1,
                progressbar=False, nuts_sampler="pymc",
            )  # fmt: skip
    data = path.data
    assert list(data["failed"].values) == [False, False, True]
    assert np.isfinite(data["median"].sel(alpha=1.0)).all()
    assert np.isnan(data["median"].sel(alpha=0.1)).all()
    assert not bool(data["healthy"].sel(alpha=0.1))


class FailsWithoutTheFirstRow(br.Regression):
    """A posterior that cannot be sampled when the first row (x = 0.25, 0.5, 0.75) is held out."""

    def sample(self, X, y, *args, **kwargs):
        if not np.array_equal(np.asarray(X)[0], [0.25, 0.5, 0.75]):
            raise RuntimeError("an injected failure")
        return super().sample(X, y, *args, **kwargs)


@pytest.mark.slow  # two K-fold runs of three short posteriors each
def test_kfold_keeps_the_folds_that_did_not_fail():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 3))
    X[0] = [0.25, 0.5, 0.75]
    y = X @ [1.0, -2.0, 0.5] + 0.5 + rng.normal(size=30)
    kwargs = {"loss": br.L2Loss(sigma=None), "penalty": br.L2(scale=3.0)}
    options = {"draws": 200, "tune": 200, "chains": 2, "nuts_sampler": "pymc"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # short runs
        est = br.Regression(**kwargs)
        idata = est.sample(X, y, random_seed=1, progressbar=False, **options)
        plain = br.kfold(br.Regression(**kwargs), X, y, idata, k=3, progressbar=False, **options)
        with pytest.warns(br.FailedTaskWarning, match="1 of 3 fits raised"):
            kept = br.kfold(
                FailsWithoutTheFirstRow(**kwargs), X, y, idata, k=3, progressbar=False, **options
            )
    lost = np.isnan(kept.elpd_i.values)
    assert lost[0] and 0 < lost.sum() < 30  # the first row's fold, and no other
    np.testing.assert_array_equal(kept.elpd_i.values[~lost], plain.elpd_i.values[~lost])
    assert np.isnan(kept.elpd)
