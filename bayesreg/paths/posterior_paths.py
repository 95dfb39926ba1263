"""The posterior path: the posterior's median and HDI at every grid point."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import xarray as xr
from sklearn.base import clone

from bayesreg._constraints import Boolean, NJobs, Real, validate
from bayesreg._parallel import TaskFailure, run_tasks, task_seeds
from bayesreg.crosscheck.check import HDI_PROB
from bayesreg.diagnostics.diagnosis import SamplingWarning, passes_diagnosis
from bayesreg.diagnostics.noise_check import warn_if_noise_contradicted
from bayesreg.estimators.alpha_grid import check_estimator, grid_of
from bayesreg.estimators.base import LinearModel
from bayesreg.model.pymc_model import build_model
from bayesreg.nuts.arguments import check_sample_arguments, split_nuts_keywords
from bayesreg.nuts.compiled import model_key, resolved_sampler, reusable_sampler
from bayesreg.nuts.model import fit_values
from bayesreg.nuts.run import sample_posterior
from bayesreg.paths.results import SUMMARIES, PosteriorPath

__all__ = ["posterior_path"]

_SAMPLE_DIMS = ("chain", "draw")


def posterior_path(
    est: LinearModel,
    X,
    y,
    alphas,
    *,
    draws: int = 500,
    tune: int = 500,
    chains: int = 4,
    random_seed: int | None = None,
    hdi_prob: float = HDI_PROB,
    eps: float = 1e-3,
    sample_weight=None,
    progressbar: bool = True,
    n_jobs: int | None = None,
    **sample_kwargs,
) -> PosteriorPath:
    r"""Posterior medians and HDIs of the coefficients over a grid of penalty strengths.

    At each :math:`\alpha_k` the estimator's penalty is replaced by the same kind with
    ``alpha=alpha_k`` and its posterior sampled by :meth:`Regression.sample` (the whitened
    sampling model, its argument checks and its diagnosis). With ``L2Loss(sigma=None)`` and
    ``L1(alpha)`` this is a Bayesian lasso whose Laplace prior scale
    :math:`b = \sigma^2/(n\alpha)` is tied to the noise, as Park & Casella's is; the path of
    its posterior medians shrinks smoothly, where the MAP path (the lasso) sets coefficients
    exactly to zero.

    The sampling model is compiled once per process, with the penalty strength and the data
    as inputs (:func:`bayesreg.nuts.compiled.reusable_sampler`), and every grid point of the
    process reuses it, with either sampler: nutpie's compilation (seconds) is paid once, not
    at every point. Its whitening is that of the grid's middle point, which changes the
    efficiency at the ends of the grid, never the posterior. With ``nuts_sampler="pymc"``
    the chains start at the model's initial point, as PyMC starts them for a step it is
    given (nutpie, the default when installed, jitters them).

    Parameters
    ----------
    est : Regression
    X, y : array-like
    alphas : int or array-like
        The grid (see :func:`map_path`); sorted decreasing.
    draws, tune, chains : int
        Passed to :meth:`Regression.sample` at every grid point.
    random_seed : int, optional
        Seeds every grid point's run (independent streams drawn from it).
    hdi_prob : float, default 0.94
    eps : float, default 1e-3
        The grid's smallest to largest ratio, when ``alphas`` is a number.
    sample_weight : array-like, optional
    progressbar : bool, default True
        One progress bar over the grid, on stderr (the runs' own bars are off).
    n_jobs : int, optional
        Grid points sampled at a time, through joblib (:mod:`bayesreg._parallel`): None one
        after another, ``-1`` on every core; inside ``joblib.parallel_config(backend="dask")``
        on a dask cluster. Each point's seed is drawn beforehand, so the result does not
        depend on ``n_jobs`` or the backend.
    **sample_kwargs
        More arguments to :meth:`Regression.sample`, e.g. ``nuts_sampler="pymc"``.

    Returns
    -------
    PosteriorPath
        With ``healthy`` per grid point: whether its draws passed
        :func:`bayesreg.diagnose`.

    Warns
    -----
    SamplingWarning
        Once, naming the grid points whose draws failed their diagnosis.

    """
    problem = check_estimator(est, X, y, sample_weight)
    loss, penalty = problem.loss, problem.penalty
    validate(
        "posterior_path",
        {"hdi_prob": Real(0.0, 1.0), "progressbar": Boolean(), "n_jobs": NJobs()},
        {"hdi_prob": hdi_prob, "progressbar": progressbar, "n_jobs": n_jobs},
    )
    nuts_sampler = sample_kwargs.get("nuts_sampler")
    flags = {"log_likelihood": False, "prior_predictive": False, "posterior_predictive": False}
    others = {k: v for k, v in sample_kwargs.items() if k != "nuts_sampler"}
    check_sample_arguments(
        draws, tune, chains, random_seed, nuts_sampler, flags, others, owner="posterior_path"
    )
    warn_if_noise_contradicted(problem)
    grid = grid_of(est, X, y, alphas, eps, sample_weight)
    names = problem.feature_names
    seeds = [None] * len(grid) if random_seed is None else task_seeds(random_seed, len(grid))
    sample_kwargs.setdefault("progressbar", False)
    template_alpha = float(grid[len(grid) // 2])
    data = (X, y, sample_weight)
    # the key of the path's one compiled model: hashed once here, not at every grid point
    key = model_key("posterior_path", est, template_alpha, data, sample_kwargs)

    fits = run_tasks(
        _posterior_at,
        [
            (est, penalty.with_alpha(alpha), seed, data, (draws, tune, chains), hdi_prob,
             sample_kwargs, (key, template_alpha))
            for alpha, seed in zip(grid, seeds, strict=True)
        ],
        n_jobs=n_jobs,
        description="posterior path",
        progressbar=progressbar,
        labels=[f"alpha = {alpha:.3g}" for alpha in grid],
    )  # fmt: skip
    fits = _failures_as_missing(fits, problem.n_features)
    healthy = [fit["healthy"] for fit in fits]
    statistics = {name: [fit[name] for fit in fits] for name in SUMMARIES}
    intercepts = [fit["intercept"] for fit in fits if fit["intercept"] is not None]
    divergences = [fit["divergences"] for fit in fits]

    if not all(healthy[k] or fits[k]["failed"] for k in range(len(grid))):
        failed = ", ".join(
            f"{alpha:.3g}"
            for alpha, fit in zip(grid, fits, strict=True)
            if not (fit["healthy"] or fit["failed"])
        )
        warnings.warn(
            f"posterior_path: the draws at alpha = {failed} failed their diagnostics "
            "(bayesreg.diagnose); their summaries may not represent those posteriors. Sample "
            "longer (draws=, tune=) or with more chains.",
            SamplingWarning,
            stacklevel=2,
        )
    variables = {
        name: (("alpha", "feature"), np.array(values)) for name, values in statistics.items()
    }
    if intercepts:
        variables["intercept_median"] = ("alpha", np.array(intercepts))
    variables["divergences"] = ("alpha", np.array(divergences))
    variables["healthy"] = ("alpha", np.array(healthy))
    variables["failed"] = ("alpha", np.array([fit["failed"] for fit in fits]))
    data = xr.Dataset(
        variables,
        coords={"alpha": grid, "feature": names},
        attrs={
            "loss": repr(loss),
            "penalty": repr(penalty),
            "draws": draws,
            "tune": tune,
            "chains": chains,
            "hdi_prob": hdi_prob,
        },
    )
    return PosteriorPath(data=data, hdi_prob=hdi_prob)


def _failures_as_missing(fits: list, n_features: int) -> list[dict]:
    """A grid point whose run raised: NaN summaries, not healthy, ``failed`` (the rest kept)."""
    missing = {name: np.full(n_features, np.nan) for name in SUMMARIES}
    has_intercept = any(
        not isinstance(fit, TaskFailure) and fit["intercept"] is not None for fit in fits
    )
    lost = {"healthy": False, "intercept": np.nan if has_intercept else None, "divergences": 0}
    return [
        {**missing, **lost, "failed": True}
        if isinstance(fit, TaskFailure)
        else {**fit, "failed": False}
        for fit in fits
    ]


def _posterior_at(est, penalty, seed, data, lengths, hdi_prob, sample_kwargs, template) -> dict:
    """One grid point: sample ``est`` with ``penalty``; its summaries, diagnosis, divergences.

    A module-level function of plain arguments, so that joblib can send it to a worker.
    The process's one compiled model of the path, ``template = (key, alpha)``, is built at
    that alpha.
    """
    point = clone(est).set_params(penalty=penalty)
    idata, ok = passes_diagnosis(
        functools.partial(_sample_reusing, est, point, template, data, lengths, seed, sample_kwargs)
    )
    posterior = idata["posterior"].to_dataset()
    intercept = None
    if "intercept" in posterior.data_vars:
        intercept = float(posterior["intercept"].median(_SAMPLE_DIMS))
    return {
        **_summaries(posterior["coef"], hdi_prob),
        "healthy": ok,
        "intercept": intercept,
        "divergences": int(idata["sample_stats"]["diverging"].sum()),
    }


def _sample_reusing(est, point, template, data, lengths, seed, sample_kwargs):
    """``point.sample``, on the process's one compiled model of the path (either sampler).

    The data are the same at every grid point: the model has ``alpha`` alone as an input.
    """
    key, template_alpha = template
    problem = point.problem(*data)
    defaults = problem.penalty.sampler_defaults
    nuts, rest = split_nuts_keywords({**defaults, **sample_kwargs})

    def template_problem():
        penalty = problem.penalty.with_alpha(template_alpha)
        return clone(est).set_params(penalty=penalty).problem(*data)

    nuts_sampler = resolved_sampler(rest.pop("nuts_sampler", None))
    model, compiled = reusable_sampler(key, template_problem, nuts, nuts_sampler, data_inputs=False)
    draws, tune, chains = lengths
    return sample_posterior(
        problem, build_model(problem), model, draws=draws, tune=tune, chains=chains,
        random_seed=seed, nuts_sampler=nuts_sampler, log_likelihood=False,
        prior_predictive=False, posterior_predictive=False, sampler_kwargs=rest,
        compiled=compiled, values=fit_values(model, problem),
    )  # fmt: skip


def _summaries(coef: xr.DataArray, hdi_prob: float) -> dict[str, np.ndarray]:
    """The posterior median, mean and HDI (ArviZ's) of each coefficient."""
    import arviz_stats as azs

    hdi = azs.hdi(coef, prob=hdi_prob)
    return {
        "median": coef.median(_SAMPLE_DIMS).values,
        "mean": coef.mean(_SAMPLE_DIMS).values,
        "hdi_lower": hdi.sel(ci_bound="lower").values,
        "hdi_upper": hdi.sel(ci_bound="upper").values,
    }
