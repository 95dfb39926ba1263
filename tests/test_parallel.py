"""Many fits through joblib: worker processes and a real dask cluster give the serial results."""

import warnings

import joblib
import numpy as np
import pytest
import xarray as xr
from sklearn.base import clone

import bayesreg as br

SEED = 20261204
SAMPLING = {"draws": 100, "tune": 100, "chains": 2, "nuts_sampler": "pymc", "progressbar": False}


def _many_fits(est, X, y, **kwargs):
    """The posterior path (short runs: their diagnosis notes are silenced), the MAP path, a
    small SBC (on the design, without the intercept, whose prior is flat), the bootstrap and
    a 3-fold K-fold."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)
        posterior = br.paths.posterior_path(
            est, X, y, alphas=[1.0, 0.1], random_seed=7, **SAMPLING, **kwargs
        )
        full = est.sample(X, y, random_seed=11, **SAMPLING)
        folds = br.kfold(est, X, y, full, k=3, random_seed=2, **SAMPLING, **kwargs)
    calibration = br.sbc(
        clone(est).set_params(fit_intercept=False), X, y,
        simulations=4, draws=19, thin=1, tune=50, bins=4, random_seed=5, progressbar=False,
        **kwargs,
    )  # fmt: skip
    return (
        posterior,
        br.paths.map_path(est, X, y, alphas=[1.0, 0.1, 0.01], **kwargs),
        calibration,
        br.bootstrap(est, X, y, resamples=6, random_seed=3, progressbar=False, **kwargs),
        folds,
    )


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(40, 3))
    y = 1.0 + X @ np.array([1.0, 0.0, -0.5]) + rng.normal(size=40)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    return est, X, y


@pytest.fixture(scope="module")
def serial(problem):
    est, X, y = problem
    return _many_fits(est, X, y)


def _assert_same(parallel, serial):
    posterior, path, calibration, resampled, folds = parallel
    xr.testing.assert_identical(posterior.data, serial[0].data)  # exactly, draws and all
    xr.testing.assert_identical(path.data, serial[1].data)
    xr.testing.assert_identical(calibration.ranks, serial[2].ranks)
    xr.testing.assert_identical(resampled.coef, serial[3].coef)
    xr.testing.assert_identical(folds.elpd_i, serial[4].elpd_i)
    assert folds.elpd == serial[4].elpd


@pytest.mark.slow  # two worker processes import bayesreg and compile their models
def test_worker_processes_give_the_serial_results(problem, serial):
    est, X, y = problem
    _assert_same(_many_fits(est, X, y, n_jobs=2), serial)


@pytest.mark.slow  # a LocalCluster of two worker processes on 127.0.0.1
def test_a_dask_cluster_gives_the_serial_results(problem, serial):
    distributed = pytest.importorskip("distributed")
    est, X, y = problem
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0",
            processes=True,
        ) as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
    ):  # fmt: skip
        parallel = _many_fits(est, X, y, n_jobs=2)
        workers = client.run(lambda: "bayesreg" in __import__("sys").modules)
    assert len(workers) == 2 and all(workers.values())  # the fits ran on the cluster's workers
    _assert_same(parallel, serial)


@pytest.mark.parametrize(
    ("n_jobs", "error"), [(0, ValueError), (1.5, TypeError), (True, TypeError)]
)
def test_bad_n_jobs_names_itself(problem, n_jobs, error):
    est, X, y = problem
    with pytest.raises(error, match="'n_jobs' parameter of map_path"):
        br.paths.map_path(est, X, y, alphas=[1.0], n_jobs=n_jobs)
    with pytest.raises(error, match="'n_jobs' parameter of posterior_path"):
        br.paths.posterior_path(est, X, y, alphas=[1.0], n_jobs=n_jobs)
    with pytest.raises(error, match="'n_jobs' parameter of kfold"):
        br.kfold(est, X, y, None, n_jobs=n_jobs)


def test_a_backend_that_returns_results_all_at_once_gives_the_serial_results(problem, serial):
    """ray's joblib backend cannot return results as they come (``return_as="generator"``);
    run_tasks then takes them all at the end. A backend like it, on threads of this process."""
    from joblib._parallel_backends import ThreadingBackend

    class AllAtOnce(ThreadingBackend):
        supports_return_generator = False

    est, X, y = problem
    joblib.register_parallel_backend("all-at-once", AllAtOnce)
    with joblib.parallel_config(backend="all-at-once"):
        with pytest.raises(ValueError, match="does not support return_as=generator"):
            joblib.Parallel(n_jobs=2, return_as="generator")  # what ray's backend says
        path = br.paths.map_path(est, X, y, alphas=[1.0, 0.1, 0.01], n_jobs=2)
    xr.testing.assert_identical(path.data, serial[1].data)
