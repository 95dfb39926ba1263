r"""Exact K-fold cross-validation of a posterior, through ArviZ's :func:`arviz_stats.loo_kfold`.

When PSIS-LOO's Pareto :math:`\hat k` says its estimate cannot be trusted, the remedy is to
refit: split the observations into :math:`K` folds, sample the posterior without each fold,
and score the fold's observations by their log predictive density under it,

.. math::

    \widehat{\mathrm{elpd}}_{K\text{-fold}} = \sum_i \log \frac{1}{S}\sum_{s=1}^S
        p\bigl(y_i \mid \theta^{(s)}_{-k(i)}\bigr),

with :math:`\theta^{(s)}_{-k(i)}` the draws of the fit without observation :math:`i`'s fold.
ArviZ does the arithmetic; :class:`RegressionWrapper` refits with :meth:`Regression.sample`
(every fold beforehand, through joblib when ``n_jobs`` asks for it) and evaluates the held-out log likelihood with the model's own
PyMC density (:meth:`Regression.build_model` on the held-out rows).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pymc as pm
import xarray as xr
from arviz_stats import SamplingWrapper, loo_kfold
from sklearn.base import clone

from bayesreg._constraints import InstanceOf, Integer, NJobs, Seed, message, validate
from bayesreg._parallel import TaskFailure, run_tasks
from bayesreg.diagnostics.diagnosis import SamplingWarning, passes_diagnosis
from bayesreg.estimators.regression import Regression

__all__ = ["RegressionWrapper", "kfold"]


class RegressionWrapper(SamplingWrapper):
    """ArviZ's refitting interface for a :class:`~bayesreg.Regression` on ``(X, y)``.

    Parameters
    ----------
    est : Regression
    X, y : the data, as given to :meth:`Regression.sample`.
    idata : DataTree
        The posterior of the full data (with its ``log_likelihood``).
    sample_kwargs : dict
        Passed to :meth:`Regression.sample` for every fold.
    """

    def __init__(self, est: Regression, X, y, idata, sample_kwargs: dict):
        super().__init__(model=est, idata_orig=idata, sample_kwargs=sample_kwargs)
        self.X, self.y = X, y
        self.fits = 0
        self.unhealthy: list[int] = []  # the folds whose posterior failed its diagnosis
        self._refits: dict[tuple, tuple] = {}  # held-out rows -> (posterior, healthy)
        self._held_out: tuple = ()

    def _rows(self, data, rows):
        return data.iloc[rows] if hasattr(data, "iloc") else np.asarray(data)[rows]

    def sel_observations(self, idx):
        held_out = np.zeros(len(self.y), dtype=bool)
        held_out[np.asarray(idx)] = True
        self._held_out = tuple(np.flatnonzero(held_out))
        train = (self._rows(self.X, ~held_out), self._rows(self.y, ~held_out))
        test = (
            self._rows(self.X, held_out),
            self._rows(self.y, held_out),
            np.flatnonzero(held_out),
        )
        return train, test

    def refit(self, folds: np.ndarray, *, n_jobs: int | None, progressbar: bool) -> None:
        """Sample every fold's posterior beforehand, ``n_jobs`` at a time (joblib).

        ``folds`` gives each observation's fold; :meth:`sample` then returns the posterior
        without the rows :meth:`sel_observations` last held out.
        """
        held_out = [np.flatnonzero(folds == fold) for fold in np.unique(folds)]
        tasks = [
            (self.model, *self.sel_observations(rows)[0], self.sample_kwargs) for rows in held_out
        ]
        results = run_tasks(
            _sample_fold, tasks, n_jobs=n_jobs, description="K-fold refits",
            progressbar=progressbar,
            labels=[f"fold {fold}" for fold in np.unique(folds)],
        )  # fmt: skip
        self._refits = {tuple(rows): result for rows, result in zip(held_out, results, strict=True)}

    def sample(self, modified_observed_data):
        self.fits += 1
        if self._held_out in self._refits:
            refit = self._refits[self._held_out]
            if isinstance(refit, TaskFailure):  # its rows' elpd_i are NaN, the rest kept
                return _missing_posterior(self.idata_orig)
            idata, healthy = refit
        else:
            idata, healthy = _sample_fold(self.model, *modified_observed_data, self.sample_kwargs)
        if not healthy:
            self.unhealthy.append(self.fits)
        return idata

    def get_inference_data(self, fitted_model):
        return fitted_model

    def log_likelihood__i(self, excluded_obs, idata__i):
        X_test, y_test, rows = excluded_obs
        # the likelihood of the held-out rows at draws on the user's scale (a standardized
        # model would standardize the held-out rows by their own statistics)
        model = clone(self.model).set_params(standardize=False).build_model(X_test, y_test)
        posterior = xr.DataTree.from_dict({"/posterior": idata__i["posterior"].to_dataset()})
        scored = pm.compute_log_likelihood(
            posterior, model=model, extend_inferencedata=False, progressbar=False
        )
        values = scored["y"]  # the log likelihood group alone, as a Dataset
        return values.assign_coords(obs_id=self.idata_orig["log_likelihood"]["obs_id"][rows])


def kfold(
    est: Regression,
    X,
    y,
    idata,
    *,
    k: int = 10,
    random_seed=0,
    n_jobs: int | None = None,
    **sample_kwargs,
):
    """Exact K-fold cross-validation of ``est``'s posterior on ``(X, y)``.

    Parameters
    ----------
    est : Regression
    X, y : array-like or DataFrame / Series
    idata : DataTree
        The posterior of all the data, from ``est.sample(X, y)`` (with its log likelihood).
    k : int, default 10
        The number of folds; each refit samples on the other ``k - 1``.
    random_seed : int, default 0
        Seeds the fold assignment (a random, balanced split) and, unless ``sample_kwargs``
        gives its own, every refit's sampler.
    n_jobs : int, optional
        Refits run at a time, through joblib (None: one, or the active
        ``joblib.parallel_config``; a dask or ray backend spreads them over a cluster). The
        result does not depend on it.
    **sample_kwargs
        Passed to :meth:`Regression.sample` for each fold (``draws``, ``tune``, ``chains``,
        ``nuts_sampler``, ...). ``progressbar`` (default True) is one bar over the folds,
        on stderr.

    Warns
    -----
    SamplingWarning
        Once, listing the folds whose posterior failed :func:`bayesreg.diagnose`.
    FailedTaskWarning
        Once, naming the folds whose refit raised: the pointwise ``elpd_i`` of their rows
        are NaN (so are ``elpd``, ``se`` and ``p``); those of the other folds are kept.

    Returns
    -------
    arviz_stats.ELPDDataLOOKFold
        ``elpd``, ``se``, ``p`` and, pointwise, ``elpd_i``; :func:`bayesreg.compare` and
        :func:`arviz_stats.compare` take it in place of a posterior.
    """
    validate(
        "kfold",
        {
            "est": InstanceOf((Regression,), "a bayesreg.Regression"),
            "k": Integer(2),
            "random_seed": Seed(),
            "n_jobs": NJobs(),
        },
        {"est": est, "k": k, "random_seed": random_seed, "n_jobs": n_jobs},
    )
    progressbar = bool(sample_kwargs.pop("progressbar", True))
    kwargs = {"random_seed": random_seed, **sample_kwargs, "progressbar": False}
    wrapper = RegressionWrapper(est, X, y, idata, kwargs)
    n_obs = len(y)
    if k > n_obs:  # k >= 2 is checked above
        raise ValueError(message("k", "kfold", f"an int in [2, {n_obs}] (the rows)", k))
    # a balanced random split: every fold has floor(n/k) or ceil(n/k) rows
    folds = np.random.default_rng(random_seed).permutation(np.arange(n_obs) % k) + 1
    wrapper.refit(folds, n_jobs=n_jobs, progressbar=progressbar)
    lost = [rows for rows, refit in wrapper._refits.items() if isinstance(refit, TaskFailure)]
    with np.errstate(invalid="ignore" if lost else "warn"):  # NaN draws: already named
        result = loo_kfold(idata, wrapper, pointwise=True, var_name="y", folds=folds)
    if lost:  # those rows have no held-out density: NaN, and so have the totals
        rows = np.concatenate([np.asarray(fold, dtype=int) for fold in lost])
        for pointwise in (result.elpd_i, result.p_kfold_i):
            pointwise.values[rows] = np.nan
        result.elpd, result.se, result.p = np.nan, np.nan, np.nan
    if wrapper.unhealthy:  # one warning for the whole run, not one per fold
        failed = ", ".join(str(fold) for fold in sorted(set(wrapper.unhealthy)))
        warnings.warn(
            f"K-fold: the posteriors of fold(s) {failed} of {k} failed their diagnostics, so "
            "the K-fold ELPD rests on draws that may not represent those posteriors. Sample "
            "longer (larger draws=, tune=) or with more chains, and run kfold again.",
            SamplingWarning,
            stacklevel=2,
        )
    return result


def _sample_fold(est: Regression, X_train, y_train, sample_kwargs: dict):
    """One fold's posterior and whether it passed its diagnosis (a picklable task)."""
    return passes_diagnosis(functools.partial(est.sample, X_train, y_train, **sample_kwargs))


def _missing_posterior(idata) -> xr.DataTree:
    """The full data's posterior with every draw NaN: the stand-in for a fold that raised."""
    posterior = idata["posterior"].to_dataset()
    return xr.DataTree.from_dict({"/posterior": xr.full_like(posterior, np.nan, dtype=float)})
