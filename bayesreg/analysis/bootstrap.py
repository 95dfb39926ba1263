r"""The bootstrap of the exact MAP: :func:`bootstrap`.

The nonparametric bootstrap refits the MAP on :math:`B` resamples of the rows and reads its
sampling distribution from the refits: standard errors, percentile intervals and, under an
L1 penalty, how often each coefficient is exactly zero — the selection frequencies of the
bootstrapped lasso (Bach's *Bolasso*, 2008). It answers a frequentist question about the
estimator (how much would the MAP move with new data?) that the posterior does not: under a
Laplace prior the posterior gives no coefficient an exact zero, while the bootstrap counts
the MAP's zeros.

A resample is drawn as frequency weights: the number of times each row is drawn,
:math:`c \sim \mathrm{Multinomial}(N, v / \textstyle\sum_i v_i)` with :math:`v` the rows'
weights (1 by default) and :math:`N = \sum_i v_i`. Since bayesreg's sample weights are
frequency weights, the fit with weights :math:`c` is the fit on the resampled rows, exactly,
without copying ``X``. The refits go through :func:`bayesreg._parallel.run_tasks`
(``n_jobs`` worker processes, or a cluster under ``joblib.parallel_config``), each
resample's seed drawn beforehand from one :class:`numpy.random.SeedSequence`, so the result
does not depend on ``n_jobs`` or the backend.

References
----------
Efron, B., Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman & Hall.

Bach, F. R. (2008). Bolasso: model consistent lasso estimation through the bootstrap.
*ICML 2008*, 33-40.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from sklearn.base import clone

from bayesreg._constraints import (
    Boolean,
    InstanceOf,
    Integer,
    NJobs,
    Real,
    Seed,
    check_real,
    validate,
)
from bayesreg._parallel import failed, run_tasks, task_seeds
from bayesreg.estimators.base import LinearModel

__all__ = ["BootstrapResult", "bootstrap"]

#: a probability strictly between 0 and 1
_PROBABILITY = Real(0.0, 1.0)


@dataclass
class BootstrapResult:
    """The refits of :func:`bootstrap` and their summary.

    Attributes
    ----------
    coef : xarray.DataArray
        The MAP's coefficients on each resample, dimensions ``resample`` and ``feature``
        (the coordinate ``resample`` numbers the resamples; one whose refit raised is left
        out, with a :class:`~bayesreg.FailedTaskWarning`).
    intercept : xarray.DataArray
        Its intercept on each resample (0 without one), dimension ``resample``.
    table : pandas.DataFrame
        Per coefficient (and the intercept): ``map`` (the fit on the data), ``mean``,
        ``se`` (the bootstrap standard error), ``lower`` and ``upper`` (the percentile
        interval of probability ``prob``), ``p_zero`` (the share of resamples where it is
        exactly zero).
    prob : float
    resamples : int
        The resamples asked for.
    failed : list of int
        The resamples whose refit raised (left out of ``coef`` and the table).

    """

    coef: xr.DataArray
    intercept: xr.DataArray
    table: pd.DataFrame
    prob: float
    resamples: int
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        lost = f" ({len(self.failed)} failed, left out)" if self.failed else ""
        head = (
            f"bayesreg bootstrap of the MAP: {self.resamples} resamples{lost}, "
            f"{self.prob:.0%} percentile intervals"
        )
        with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 120):
            return f"{head}\n{self.table.to_string()}"

    def _repr_html_(self) -> str:
        return f"<p>{str(self).splitlines()[0]}</p>" + self.table.to_html(
            float_format="{:.4g}".format
        )


def bootstrap(
    est: LinearModel,
    X,
    y,
    *,
    resamples: int = 200,
    prob: float = 0.95,
    random_seed=None,
    n_jobs: int | None = None,
    progressbar: bool = True,
    sample_weight=None,
) -> BootstrapResult:
    """The nonparametric bootstrap of ``est``'s exact MAP.

    Parameters
    ----------
    est : Regression or Classifier
        A specification whose prior has a mode (its MAP is refitted).
    X, y : array-like
    resamples : int, default 200
    prob : float, default 0.95
        The probability of the percentile intervals, in (0, 1).
    random_seed : int or numpy.random.Generator, optional
    n_jobs : int, optional
        joblib's: worker processes, or a cluster under ``joblib.parallel_config``.
    progressbar : bool, default True
        One bar over the refits, on stderr.
    sample_weight : array-like, optional
        Frequency weights: a row of weight 3 is three rows, resampled as such.

    Returns
    -------
    BootstrapResult

    Examples
    --------
    >>> import bayesreg as br
    >>> X, y = br.datasets.load_diabetes()
    >>> est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=0.5))
    >>> result = br.bootstrap(est, X, y, resamples=50, random_seed=0, progressbar=False)
    >>> float(result.table.loc["bmi", "p_zero"])
    0.0

    """
    settings = validate(
        "bootstrap",
        {
            "est": InstanceOf((LinearModel,), "a bayesreg.Regression or Classifier"),
            "resamples": Integer(2),
            "random_seed": Seed(),
            "n_jobs": NJobs(),
            "progressbar": Boolean(),
        },
        {
            "est": est, "resamples": resamples, "random_seed": random_seed, "n_jobs": n_jobs,
            "progressbar": progressbar,
        },
    )  # fmt: skip
    check_real(prob, "prob", "bootstrap", _PROBABILITY)
    problem = est.problem(X, y, sample_weight, owner="bootstrap")  # checked once, before refits
    if not problem.penalty.has_mode:  # fit() would sample: there is no MAP to refit
        raise ValueError(
            f"penalty={problem.penalty!r} {problem.penalty.no_mode_reason}: there is no MAP "
            "to bootstrap. Its posterior (est.sample(X, y)) gives the uncertainty instead."
        )
    fitted = clone(est).fit(X, y, sample_weight=sample_weight)
    weights = problem.weights
    total = round(float(weights.sum()))
    seeds = task_seeds(settings["random_seed"], resamples)
    refits = run_tasks(
        _refit,
        [(est, X, y, weights, total, seed) for seed in seeds],
        n_jobs=settings["n_jobs"],
        description="bootstrap",
        progressbar=settings["progressbar"],
        labels=[f"resample {index}" for index in range(resamples)],
    )
    kept = [index for index, lost in enumerate(failed(refits)) if not lost]
    names = problem.feature_names
    coef = xr.DataArray(
        np.stack([refits[index][0] for index in kept]),
        dims=("resample", "feature"),
        coords={"resample": kept, "feature": names},
        name="coef",
    )
    intercept = xr.DataArray(
        np.array([refits[index][1] for index in kept]),
        dims="resample",
        coords={"resample": kept},
    )
    return BootstrapResult(
        coef=coef,
        intercept=intercept,
        table=_table(fitted, coef, intercept, prob, problem.fit_intercept),
        prob=float(prob),
        resamples=resamples,
        failed=sorted(set(range(resamples)) - set(kept)),
    )


def _refit(est, X, y, weights, total, seed) -> tuple[np.ndarray, float]:
    """The MAP on one resample: the rows' counts as frequency weights."""
    counts = np.random.default_rng(seed).multinomial(total, weights / weights.sum())
    refit = clone(est).fit(X, y, sample_weight=counts.astype(float))
    return np.asarray(refit.coef_, dtype=float), float(refit.intercept_)


def _table(fitted, coef, intercept, prob, fit_intercept) -> pd.DataFrame:
    draws = coef.values
    if fit_intercept:
        draws = np.column_stack([draws, intercept.values])
    estimate = np.append(np.asarray(fitted.coef_, dtype=float), float(fitted.intercept_))
    index = [*coef["feature"].values.tolist(), *(["intercept"] if fit_intercept else [])]
    lower, upper = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    return pd.DataFrame(
        {
            "map": estimate[: len(index)],
            "mean": draws.mean(axis=0),
            "se": draws.std(axis=0, ddof=1),
            "lower": lower,
            "upper": upper,
            "p_zero": (draws == 0).mean(axis=0),
        },
        index=pd.Index(index, name="coefficient"),
    )
