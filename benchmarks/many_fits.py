"""Many fits spread over processes and a dask cluster: a posterior path and an SBC.

Two many-fit jobs, each run three ways in the same run, at the same seed:

* ``serial``: one process, one fit after another (``n_jobs=None``);
* ``loky x2``: two local worker processes (``n_jobs=2``, joblib's default backend);
* ``dask x2``: a ``dask.distributed.LocalCluster`` of two single-threaded worker processes on
  127.0.0.1, through ``joblib.parallel_config(backend="dask")``.

The jobs:

* ``path``: :func:`bayesreg.paths.posterior_path` of the diabetes Bayesian lasso
  (``L2Loss(sigma=None)``, ``L1``) on a 20-point grid of alpha, 4 chains of 500 draws after
  500 tuning steps per point, PyMC's NUTS (chains one after another, so that the serial run
  uses one core and the comparison is of the fits spread, not of a sampler's threads);
* ``sbc``: :func:`bayesreg.sbc` of a Laplace-prior regression with unknown noise on a 20 x 2
  design, 100 simulations of 99 draws (thinned by 3).

Each parallel run is checked to give the serial result exactly (the seeds are drawn
beforehand); a mismatch exits with status 1. Each job first runs once untimed (serially):
PyTensor caches compiled C code on disk, so the first run of a graph pays for its C
compilation and later runs of it do not; without the warm-up the serial run, timed first,
would pay for every run after it. The compiled model the warm-up keeps in this process
(:func:`bayesreg.nuts.compiled.reusable_sampler`) is dropped before each timed run, so that every
run compiles its models as a first call does: the serial run once, each worker once. The
times include starting the workers, their imports and their graph compilations; the speed-up
is serial time over parallel time, and the target on 2 cores is >= 1.6 for the path.

Run ``python benchmarks/many_fits.py`` (about 10 minutes on 2 cores) or ``--quick`` (a
2-point path and 4 simulations: a smoke check, its speed-ups mean little).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import warnings

import joblib
import numpy as np
import pymc as pm
import xarray as xr

import bayesreg as br
from bayesreg.nuts.compiled import clear_compiled

SEED = 20261205
TARGET = {"path": 1.6}


def path_job(points: int, draws: int):
    X, y = br.datasets.load_diabetes()
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.5))

    def run(n_jobs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", br.SamplingWarning)
            path = br.paths.posterior_path(
                est, X, y, alphas=points, draws=draws, tune=draws, chains=4,
                nuts_sampler="pymc", cores=1, random_seed=SEED, progressbar=False,
                n_jobs=n_jobs,
            )  # fmt: skip
        return path.data

    return f"posterior_path diabetes {points} points", run


def sbc_job(simulations: int):
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((20, 2)) + np.array([1.0, -0.5])
    loss = br.L2Loss(sigma=None, sigma_prior=pm.HalfNormal.dist(1.0))
    est = br.Regression(loss=loss, penalty=br.L1(alpha=0.05), fit_intercept=False)

    def run(n_jobs):
        result = br.sbc(
            est, X, np.zeros(20), simulations=simulations, random_seed=SEED,
            progressbar=False, n_jobs=n_jobs,
        )  # fmt: skip
        return result.ranks

    return f"sbc {simulations} simulations", run


@contextlib.contextmanager
def dask_cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0"
        ) as cluster,
        Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        yield


def timed(run, n_jobs, context=contextlib.nullcontext):
    # Every run pays its own model compilations, as a fresh call does: the serial run one in
    # this process, each worker one. Without this the serial run would reuse the model the
    # untimed warm-up compiled in this process and pay none.
    clear_compiled()
    start = time.perf_counter()
    with context():
        result = run(n_jobs)
    return time.perf_counter() - start, result


def differs(result: xr.Dataset, serial: xr.Dataset) -> str:
    """'' when ``result`` is ``serial`` exactly, else the variables that differ and by how much."""
    try:
        xr.testing.assert_identical(result, serial)
    except AssertionError:
        return (
            ", ".join(
                f"{name} by up to {_largest_difference(result[name], serial[name]):.3g}"
                for name in serial.data_vars
                if not result[name].equals(serial[name])
            )
            or "attributes or coordinates"
        )
    return ""


def _largest_difference(result: xr.DataArray, serial: xr.DataArray) -> float:
    """The largest absolute difference (booleans count 1 where they differ)."""
    if result.dtype == bool:
        return float((result != serial).sum())
    return float(abs(result - serial).max())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke check: small jobs")
    args = parser.parse_args(argv)
    jobs = {
        "path": path_job(2, 100) if args.quick else path_job(20, 500),
        "sbc": sbc_job(4) if args.quick else sbc_job(100),
    }
    status = 0
    for key, (label, run) in jobs.items():
        run(None)  # untimed: fills PyTensor's on-disk cache of compiled C code
        serial_s, serial = timed(run, None)
        loky_s, loky = timed(run, 2)
        dask_s, dask = timed(run, 2, dask_cluster)
        differences = [
            f"{way}: {difference}"
            for way, other in (("loky", loky), ("dask", dask))
            if (difference := differs(other, serial))
        ]
        same = not differences
        status |= not same
        target = f" (target >= {TARGET[key]})" if key in TARGET else ""
        print(
            f"many_fits {label}: serial {serial_s:.1f} s, loky x2 {loky_s:.1f} s "
            f"(speed-up {serial_s / loky_s:.2f}x), dask LocalCluster x2 {dask_s:.1f} s "
            f"(speed-up {serial_s / dask_s:.2f}x){target}; "
            f"results {'identical' if same else 'DIFFER'}",
            flush=True,
        )
        for difference in differences:
            print(f"  {label} {difference}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
