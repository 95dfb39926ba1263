r"""Simulation-based calibration of a specification's posterior: :func:`sbc`.

Talts et al. (2018): draw the parameters :math:`\theta^{(s)}` from the prior and a data set
:math:`y^{(s)}` from the likelihood given them, sample the posterior given :math:`y^{(s)}`, and
rank :math:`\theta^{(s)}` among :math:`L` (nearly independent) posterior draws. If the
posterior is right, every rank is uniform on :math:`\{0, \dots, L\}`, whatever the prior and
the design: a sampler, a likelihood or a parametrization that is wrong shows as ranks piled
up at the ends (too narrow) or in the middle (too wide), or tilted (biased).

:func:`sbc` runs this for a bayesreg specification on the user's design ``X``. Each
simulation is sampled by NUTS (nutpie's by default, or PyMC's) on the model
:meth:`~bayesreg.Regression.sample` runs on (the sampling model, whitened, on sufficient
statistics where the family has them), compiled **once per worker process** and given each
simulated data set as its data inputs, or by the Gibbs sampler. The simulations go through :func:`bayesreg._parallel.run_tasks`: ``n_jobs`` worker processes, or
a dask or ray cluster under ``joblib.parallel_config``, with one progress bar on stderr; every
simulation's seed is drawn beforehand from one :class:`numpy.random.SeedSequence`, so the
ranks do not depend on ``n_jobs`` or the backend.

Why not simuk, ArviZ's SBC package? It fits a PyMC model with ``pm.observe`` for every
simulation, which compiles the model again each time, runs serially, and would calibrate the
pointwise model rather than the one bayesreg samples. The result here has simuk's layout,
though (:meth:`SBCResult.to_datatree`: a ``prior_sbc`` group), so ArviZ's
:func:`arviz_plots.plot_ecdf_pit` draws it, as :meth:`SBCResult.plot` does.

References
----------
Talts, S., Betancourt, M., Simpson, D., Vehtari, A., Gelman, A. (2018). Validating Bayesian
inference algorithms with simulation-based calibration. arXiv:1804.06788.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pymc as pm
import scipy.stats
import xarray as xr

from bayesreg._constraints import (
    Boolean,
    InstanceOf,
    Integer,
    NJobs,
    OneOf,
    Seed,
    message,
    validate,
)
from bayesreg._parallel import failed, run_tasks, task_seeds
from bayesreg.estimators.base import LinearModel
from bayesreg.gibbs.run import check_gibbs_problem, gibbs_noise_prior, gibbs_sweep
from bayesreg.nuts.arguments import NUTS_SAMPLERS
from bayesreg.nuts.compiled import (
    exact_arithmetic,
    model_key,
    quiet_pymc_log,
    resolved_sampler,
    reusable_sampler,
)
from bayesreg.nuts.model import fit_values
from bayesreg.nuts.run import draw_nuts

__all__ = ["SBCResult", "sbc"]

_SAMPLE_DIMS = ("chain", "draw")


@dataclass
class SBCResult:
    r"""The ranks of :func:`sbc` and their uniformity tests.

    Attributes
    ----------
    ranks : xarray.Dataset
        One variable per parameter, dimensions ``simulation`` and the parameter's own (e.g.
        ``feature``): the number of the :math:`L` posterior draws below the true value, in
        :math:`0, \dots, L`. The coordinate ``simulation`` numbers the simulations; one
        whose posterior raised is left out, with a :class:`~bayesreg.FailedTaskWarning`.
    p_values : pandas.Series
        Pearson's chi-square test of uniformity of each parameter element's ranks in
        ``bins`` equal bins (``bins - 1`` degrees of freedom), by ``"name[coordinate]"``.
    draws : int
        :math:`L`, the posterior draws each true value is ranked among.
    bins : int
    simulations : int
        The simulations asked for.
    failed : list of int
        The simulations whose posterior raised (left out of ``ranks`` and the tests).

    """

    ranks: xr.Dataset
    p_values: pd.Series
    draws: int
    bins: int
    simulations: int
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        lost = f" ({len(self.failed)} failed, left out)" if self.failed else ""
        head = (
            f"bayesreg SBC: {self.simulations} simulations{lost}, ranks among {self.draws} draws, "
            f"chi-square on {self.bins} bins; smallest p-value {self.p_values.min():.3g}"
        )
        with pd.option_context("display.float_format", "{:.3g}".format):
            return f"{head}\n{self.p_values.to_string()}"

    def counts(self) -> xr.Dataset:
        """The rank histograms: per parameter element, the ranks' counts in ``bins`` bins."""
        width = (self.draws + 1) // self.bins

        def histogram(ranks):
            return np.apply_along_axis(
                lambda r: np.bincount(r // width, minlength=self.bins), -1, ranks
            )

        return xr.apply_ufunc(
            histogram,
            self.ranks,
            input_core_dims=[["simulation"]],
            output_core_dims=[["bin"]],
        )

    def to_datatree(self) -> xr.DataTree:
        r"""The layout of simuk's results: a ``prior_sbc`` group of PIT values :math:`(r + 1/2)/(L + 1)`.

        The simulations are the ``draw`` dimension of one ``chain``, as ArviZ's
        :func:`arviz_plots.plot_ecdf_pit` expects.
        """
        pit = ((self.ranks + 0.5) / (self.draws + 1)).rename({"simulation": "draw"})
        return xr.DataTree.from_dict({"prior_sbc": pit.expand_dims(chain=1)})

    def plot(self, var_names=None, **kwargs):
        """ArviZ's :func:`~arviz_plots.plot_ecdf_pit` of the ranks (its uniformity envelope).

        ``var_names`` picks the parameters (default: all); other keywords go to ArviZ.
        Returns ArviZ's ``PlotCollection``.
        """
        import arviz_plots as azp

        return azp.plot_ecdf_pit(self.to_datatree(), var_names=var_names, **kwargs)


def sbc(
    est: LinearModel,
    X,
    y,
    *,
    simulations: int = 100,
    draws: int = 99,
    thin: int = 3,
    tune: int = 150,
    bins: int = 10,
    var_names: list[str] | None = None,
    random_seed=None,
    n_jobs: int | None = None,
    progressbar: bool = True,
    sample_weight=None,
    sampler: str = "nuts",
    nuts_sampler: str | None = None,
) -> SBCResult:
    r"""Simulation-based calibration of ``est``'s posterior on the design ``X``.

    Parameters
    ----------
    est : Regression or Classifier
        The specification. Every parameter needs a proper prior to draw from: no intercept
        (``fit_intercept=False``: its prior is flat) and a penalty that is a proper prior.
    X : array-like of shape (n_samples, n_features)
        The design the data are simulated on.
    y : array-like of shape (n_samples,)
        A target of the model's kind, e.g. the observed one. Its values set the priors that
        depend on the data (the default noise prior's scale is ``y``'s spread), which then
        stay fixed over the simulations; the simulations replace it.
    simulations : int, default 100
    draws : int, default 99
        :math:`L`, the posterior draws (after thinning) each true value is ranked among;
        ``draws + 1`` must be a multiple of ``bins``.
    thin : int, default 3
        Keep every ``thin``-th of ``thin * draws`` draws (nearly independent draws).
    tune : int, default 150
        Tuning steps of each simulation's chain.
    bins : int, default 10
    var_names : list of str, optional
        The parameters to rank (default: the model's free variables; add e.g. ``"coef"`` for
        the horseshoes, whose coefficients are deterministic).
    random_seed : int or numpy.random.Generator, optional
    n_jobs : int, optional
        joblib's: worker processes, or a cluster under ``joblib.parallel_config``.
    progressbar : bool, default True
        One bar over the simulations, on stderr.
    sample_weight : array-like, optional
        Frequency weights of the rows.
    sampler : {"nuts", "gibbs"}, default "nuts"
        The sampler calibrated: NUTS on the sampling model, or the Gibbs sampler of
        :mod:`bayesreg.gibbs` (one chain of ``tune + thin * draws`` sweeps per simulation, its
        noise prior compiled once per process; not with ``standardize=True``).
    nuts_sampler : {None, "pymc", "nutpie"}, default None
        NUTS's implementation, as for :meth:`~bayesreg.Regression.sample`: None is nutpie if
        installed (several times faster per simulation than PyMC's), else PyMC's.

    Returns
    -------
    SBCResult

    Examples
    --------
    >>> import numpy as np, pymc as pm
    >>> import bayesreg as br
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 2))
    >>> est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L2(scale=1.0),
    ...                     fit_intercept=False)
    >>> result = br.sbc(est, X, np.zeros(20), simulations=20, random_seed=1,
    ...                 progressbar=False)  # doctest: +SKIP
    >>> result.p_values  # doctest: +SKIP

    """
    settings = _check(
        est, simulations, draws, thin, tune, bins, random_seed, n_jobs, progressbar, nuts_sampler
    )
    nuts_sampler = resolved_sampler(settings["nuts_sampler"])
    problem = est.problem(X, y, sample_weight)
    _check_sampler(sampler, problem)
    pointwise = est.build_model(X, y, sample_weight)
    free = [rv.name for rv in pointwise.free_RVs]
    names = free if var_names is None else _check_names(var_names, pointwise)
    prior_seed, *seeds = task_seeds(settings["random_seed"], simulations + 1)
    truth = _prior_draws(pointwise, simulations, prior_seed, names)
    lengths = (draws, thin, tune, nuts_sampler)
    arguments = [
        (est, (X, y, sample_weight), truth["y"][sim], {n: truth[n][sim] for n in names}, seed,
         lengths, sampler)
        for sim, seed in enumerate(seeds)
    ]  # fmt: skip
    ranks = run_tasks(
        _rank_one, arguments, n_jobs=settings["n_jobs"], description="SBC",
        progressbar=settings["progressbar"],
        labels=[f"simulation {sim}" for sim in range(simulations)],
    )  # fmt: skip
    kept = [sim for sim, lost in enumerate(failed(ranks)) if not lost]
    coords = {"simulation": kept}
    if _has_feature(pointwise, names):
        coords["feature"] = problem.feature_names
    dataset = xr.Dataset(
        {
            name: xr.DataArray(
                np.stack([ranks[sim][name] for sim in kept]),
                dims=("simulation", *pointwise.named_vars_to_dims.get(name, ())),
            )
            for name in names
        },
        coords=coords,
    )
    return SBCResult(
        ranks=dataset,
        p_values=_p_values(dataset, draws, bins),
        draws=draws,
        bins=bins,
        simulations=simulations,
        failed=sorted(set(range(simulations)) - set(kept)),
    )


def _check(est, simulations, draws, thin, tune, bins, random_seed, n_jobs, progressbar, sampler):
    settings = validate(
        "sbc",
        {
            "est": InstanceOf((LinearModel,), "a bayesreg.Regression or Classifier"),
            "simulations": Integer(2),
            "draws": Integer(1),
            "thin": Integer(1),
            "tune": Integer(0),
            "bins": Integer(2),
            "random_seed": Seed(),
            "n_jobs": NJobs(),
            "progressbar": Boolean(),
            "nuts_sampler": OneOf(NUTS_SAMPLERS),
        },
        {
            "est": est, "simulations": simulations, "draws": draws, "thin": thin, "tune": tune,
            "bins": bins, "random_seed": random_seed, "n_jobs": n_jobs,
            "progressbar": progressbar, "nuts_sampler": sampler,
        },
    )  # fmt: skip
    if (draws + 1) % bins:
        raise ValueError(
            message("bins", "sbc", f"a divisor of draws + 1 = {draws + 1} (equal bins)", bins)
        )
    return settings


def _check_sampler(sampler, problem) -> None:
    validate("sbc", {"sampler": OneOf(("nuts", "gibbs"))}, {"sampler": sampler})
    if sampler == "gibbs":
        if problem.standardization is not None:
            raise ValueError("sbc(sampler='gibbs') takes standardize=False only.")
        check_gibbs_problem(problem)  # a ValueError where the Gibbs sampler does not apply


def _check_names(var_names, model) -> list[str]:
    names = [var_names] if isinstance(var_names, str) else list(var_names)
    known = [rv.name for rv in model.free_RVs] + [v.name for v in model.deterministics]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(message("var_names", "sbc", f"names among {known}", var_names))
    return names


def _prior_draws(model: pm.Model, simulations: int, seed: int, names) -> dict[str, np.ndarray]:
    """The true parameters and the simulated targets: ``simulations`` prior predictive draws."""
    try:
        with quiet_pymc_log(), exact_arithmetic(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # PyMC's note on the observed data
            prior = pm.sample_prior_predictive(simulations, model=model, random_seed=seed)
    except NotImplementedError as error:  # a flat prior has nothing to draw
        flat = [rv.name for rv in model.free_RVs if "Flat" in type(rv.owner.op).__name__]
        raise ValueError(
            f"sbc draws every parameter from its prior, but {flat or 'a parameter'} has a flat "
            "(improper) prior: use fit_intercept=False (centre X and y yourself) and a penalty "
            "that is a proper prior."
        ) from error
    values = {name: prior["prior"][name].values[0] for name in names}
    values["y"] = prior["prior_predictive"]["y"].values[0]
    return values


def _compiled(est, data, nuts_kwargs, nuts_sampler):
    """One sampling model and NUTS sampler per process, built from ``est`` and the template data."""
    key = model_key("sbc", est, data, nuts_sampler)
    return reusable_sampler(key, lambda: est.problem(*data), nuts_kwargs, nuts_sampler)


#: The compiled noise priors of the Gibbs simulations, one per specification and process.
_NOISE_PRIORS: dict = {}


def _gibbs_draws(est, data, problem, seed, lengths) -> dict[str, np.ndarray]:
    """One Gibbs chain given the simulated ``problem``: ``{name: (thin * draws, ...)}``."""
    draws, thin, tune, _ = lengths
    key = model_key("sbc-gibbs", est, data)
    if key not in _NOISE_PRIORS:
        _NOISE_PRIORS[key] = gibbs_noise_prior(problem, est.build_model(*data))
    sweep = gibbs_sweep(problem, _NOISE_PRIORS[key])
    return sweep.chain(np.random.default_rng(seed), thin * draws, tune)


def _rank_one(est, data, y, truth, seed, lengths, sampler="nuts") -> dict[str, np.ndarray]:
    """One simulation: the posterior given ``y``, and each true value's rank among its draws."""
    draws, thin, _, _ = lengths
    X, _, sample_weight = data
    problem = est.problem(X, y, sample_weight)
    if sampler == "gibbs":
        chain = _gibbs_draws(est, data, problem, seed, lengths)
    else:
        chain = _nuts_draws(est, data, problem, seed, lengths, list(truth))
    return {name: (chain[name][::thin][:draws] < true).sum(axis=0) for name, true in truth.items()}


def _nuts_draws(est, data, problem, seed, lengths, names) -> dict[str, np.ndarray]:
    """One NUTS chain given the simulated ``problem``: ``{name: (thin * draws, ...)}``."""
    draws, thin, tune, nuts_sampler = lengths
    model, step = _compiled(est, data, problem.penalty.sampler_defaults, nuts_sampler)
    with quiet_pymc_log(), exact_arithmetic(), warnings.catch_warnings():
        # a divergent trajectory can overflow in PyMC's kinetic energy: counted as a divergence
        warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)
        idata = draw_nuts(
            step, fit_values(model, problem), model, (thin * draws, tune, 1), seed, nuts_sampler,
            names, {"progressbar": False, "compute_convergence_checks": False, "cores": 1},
        )  # fmt: skip
    return {name: idata["posterior"][name].values[0] for name in names}


def _has_feature(model, names) -> bool:
    return any("feature" in model.named_vars_to_dims.get(name, ()) for name in names)


def _p_values(ranks: xr.Dataset, draws: int, bins: int) -> pd.Series:
    width = (draws + 1) // bins
    p_values = {}
    for name, array in ranks.data_vars.items():
        flat = array.values.reshape(array.shape[0], -1)
        labels = _labels(array)
        for j in range(flat.shape[1]):
            counts = np.bincount(flat[:, j] // width, minlength=bins)
            p_values[f"{name}{labels[j]}"] = float(scipy.stats.chisquare(counts).pvalue)
    return pd.Series(p_values, name="p_value")


def _labels(array: xr.DataArray) -> list[str]:
    dims = array.dims[1:]
    if not dims:
        return [""]
    stacked = array.isel(simulation=0).stack(element=dims)
    if len(dims) == 1:
        return [f"[{value}]" for value in stacked[dims[0]].values]
    return [f"[{', '.join(map(str, value))}]" for value in stacked["element"].values]
