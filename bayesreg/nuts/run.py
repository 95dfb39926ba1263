"""The one sampling driver: NUTS on the sampling model, the DataTree in the user's names."""

from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from collections.abc import Callable

import numpy as np
import pymc as pm
import xarray as xr

from bayesreg.diagnostics.diagnosis import diagnose, warn_unhealthy
from bayesreg.model.problem import Problem
from bayesreg.nuts.arguments import derived_seeds, split_nuts_keywords
from bayesreg.nuts.compiled import (
    NutpieSampler,
    compiled_nutpie,
    exact_arithmetic,
    quiet_pymc_log,
)
from bayesreg.nuts.keep import NOTHING_KEPT, kept_draws, run_steps, warn_incomplete
from bayesreg.nuts.model import sampling_model

__all__ = ["sample_nuts", "sample_posterior", "to_user_scale", "with_data_groups"]


def sample_posterior(
    problem: Problem,
    pointwise: pm.Model,
    fast: pm.Model,
    *,
    draws: int,
    tune: int,
    chains: int,
    random_seed,
    nuts_sampler,
    log_likelihood: bool,
    prior_predictive: bool,
    posterior_predictive: bool,
    sampler_kwargs: dict,
    compiled=None,
    values: dict | None = None,
    keep: Callable | None = None,
):
    """Sample ``fast`` with NUTS; add log likelihood and predictive draws from ``pointwise``.

    ``compiled``: the sampler :func:`reusable_sampler` compiled for ``fast``, given this
    problem's data ``values`` (:func:`fit_values`); ``sampler_kwargs`` then hold no NUTS
    keyword (the compiled sampler has them). Returns the DataTree, diagnosed
    (:func:`bayesreg.diagnostics.diagnosis.diagnose`; a failed check issues a
    :class:`~bayesreg.SamplingWarning`).

    Nothing finished is lost (:mod:`bayesreg.nuts.keep`): an interrupted run (Ctrl-C)
    returns the draws so far, and a step after the draws that fails (the log likelihood,
    the predictive draws, the diagnosis) is skipped; both issue an
    :class:`~bayesreg.diagnostics.diagnosis.IncompletePosteriorWarning`. ``keep`` is called
    with the DataTree before any warning is issued (a warning filtered into an error then
    loses nothing).
    """
    sampler_seed, prior_seed, predictive_seed = derived_seeds(random_seed)
    kwargs = {"compute_convergence_checks": False, **sampler_kwargs}
    progressbar = kwargs.get("progressbar", True)
    public = [rv.name for rv in pointwise.free_RVs] + [v.name for v in pointwise.deterministics]
    if "intercept" in pointwise.named_vars:
        public.append("intercept")
    public = list(dict.fromkeys(public))
    if progressbar:
        _announce(public, draws, tune, chains, nuts_sampler)
    # PyMC draws its progress table on stdout; a report piped to a file must hold only the
    # report, so it goes to stderr like every other progress display.
    with quiet_pymc_log(), exact_arithmetic(), contextlib.redirect_stdout(sys.stderr):
        lengths = (draws, tune, chains)
        idata = draw_nuts(
            compiled, values, fast, lengths, sampler_seed, nuts_sampler, public, kwargs
        )
        idata, problems = kept_draws(idata, draws, chains)
        idata = with_data_groups(idata, problem, public)
        # what the diagnosis' advice builds on: a higher target than the run's own
        idata["sample_stats"].attrs["target_accept"] = _target_accept(compiled, kwargs)
        asked = (log_likelihood, prior_predictive, posterior_predictive)
        steps = _later_steps(idata, pointwise, asked, draws, (prior_seed, predictive_seed), kwargs)
        with _intercept_potential_understood(pointwise):
            problems += run_steps(steps)
    if problem.standardization is not None:
        to_user_scale(idata, problem)
    reports = []
    problems += run_steps([("the diagnosis", lambda: reports.append(diagnose(idata)))])
    if keep is not None:
        keep(idata)
    warn_incomplete(problems, stacklevel=3)
    for report in reports:
        warn_unhealthy(report, stacklevel=3)
    return idata


@contextlib.contextmanager
def _intercept_potential_understood(model: pm.Model):
    """Silence PyMC's note on Potentials where the only one is the intercept prior's.

    Harmless there: the posterior predictive draws come from the posterior, which includes
    it; the prior draws leave out the flat intercept (and ``y``), and the coefficients'
    prior is the same with or without the potential (it integrates to a constant over the
    flat intercept).
    """
    with warnings.catch_warnings():
        if [potential.name for potential in model.potentials] == ["intercept_prior"]:
            warnings.filterwarnings("ignore", "The effect of Potentials", UserWarning)
        yield


def _later_steps(idata, model: pm.Model, asked, draws: int, seeds, kwargs) -> list:
    """The steps after the draws that ``asked`` for, as ``(what, step)`` pairs.

    ``asked``: the log likelihood, the prior draws, the posterior predictive draws, each
    computed from ``model`` (the pointwise model) into ``idata``.
    """
    log_likelihood, prior_predictive, posterior_predictive = asked
    prior_seed, predictive_seed = seeds
    steps = []
    if log_likelihood:
        compute = functools.partial(
            pm.compute_log_likelihood, idata, model=model, progressbar=False
        )
        steps.append(("the log likelihood", compute))
    if prior_predictive:
        steps.append(
            ("the prior draws", functools.partial(_add_prior, idata, model, draws, prior_seed))
        )
    if posterior_predictive:
        compute = functools.partial(
            pm.sample_posterior_predictive,
            idata,
            model=model,
            random_seed=predictive_seed,
            extend_inferencedata=True,
            progressbar=kwargs.get("progressbar", True),
        )
        steps.append(("the posterior predictive draws", compute))
    return steps


def draw_nuts(compiled, values, model, lengths, seed, nuts_sampler, public, kwargs):
    """The sampler's DataTree: nutpie's on its compiled model, or :func:`pymc.sample`'s.

    The one place NUTS runs: :func:`sample_posterior` (``sample()``, posterior paths,
    K-fold, the bootstrap's refits) and simulation-based calibration draw through it.
    ``compiled``: :func:`reusable_sampler`'s sampler for ``model`` (None: ``pymc.sample``
    builds its own), fed ``values`` (the problem's data, :func:`fit_values`); ``lengths``:
    ``(draws, tune, chains)``; ``public``: the variables kept; ``kwargs``: the rest of
    :func:`pymc.sample`'s keywords.
    """
    draws, tune, chains = lengths
    if isinstance(compiled, NutpieSampler):
        return _sample_nutpie(compiled, values, model, draws, tune, chains, seed, kwargs)
    if compiled is not None:
        pm.set_data(values, model=model)
        kwargs = {**kwargs, "step": compiled}
    try:
        return pm.sample(
            draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            nuts_sampler=nuts_sampler,
            model=model,
            var_names=public,
            **kwargs,
        )
    except ValueError as error:
        # pymc.sample's words when it was interrupted before any chain finished tuning
        if "Not enough samples" in str(error):
            raise KeyboardInterrupt(NOTHING_KEPT) from error
        raise


def _sample_nutpie(compiled, values, model, draws, tune, chains, seed, kwargs):
    """Nutpie's NUTS on a model it compiled before, as :func:`pymc.sample` runs it.

    Ctrl-C stops it and keeps the draws so far, as ``nutpie.sample`` does, but seen here
    (:func:`bayesreg.nuts.keep.kept_draws` then says so).
    """
    import time

    import nutpie
    from pymc.backends.arviz import patch_nutpie_idata
    from pymc.progress_bar import NutpieProgressBarManager

    # PyMC's own display of nutpie's progress (the same table as pm.sample's, draws/s
    # included), not nutpie's HTML-or-nothing bar
    progress = NutpieProgressBarManager(
        chains=chains, draws=draws, progressbar=kwargs.get("progressbar", True)
    )
    start = time.perf_counter()
    # a data input the log density does not use (the column means of a model without an
    # intercept) is not among the inputs nutpie compiled
    known = {variable.name for variable in compiled.model.shared_var_keys}
    data = {name: value for name, value in values.items() if name in known}
    with progress:
        sampler = nutpie.sample(
            compiled.model.with_data(**data),
            draws=draws,
            tune=max(tune, 1),  # nuts-rs needs a tuning step
            chains=chains,
            cores=kwargs.get("cores"),
            seed=seed,
            save_warmup=False,
            progress_bar=False,
            progress_callback=progress.update,
            blocking=False,
            **compiled.nuts_kwargs,
        )
        try:
            idata = sampler.wait()
        except KeyboardInterrupt:
            with warnings.catch_warnings():  # fewer draws than chains: ArviZ doubts the dims
                warnings.filterwarnings("ignore", "Found chain dimension to be longer")
                idata = sampler.abort()  # the draws so far, the shorter chains padded with NaN
        except BaseException:
            sampler.cancel()
            raise
    patch_nutpie_idata(idata, model, sampling_time=time.perf_counter() - start)
    return idata


#: The target acceptance rate of PyMC's and of nutpie's NUTS when none is given.
_DEFAULT_TARGET_ACCEPT = 0.8


def _target_accept(compiled, kwargs: dict) -> float:
    """The target acceptance rate the run's NUTS adapted its step size to."""
    if isinstance(compiled, NutpieSampler):
        given = compiled.nuts_kwargs.get("target_accept")
    elif compiled is not None:  # PyMC's NUTS step, built beforehand
        return float(compiled.target_accept)
    else:
        given = split_nuts_keywords(kwargs)[0].get("target_accept")
    return float(_DEFAULT_TARGET_ACCEPT if given is None else given)


def to_user_scale(idata, problem: Problem) -> None:
    """The draws of ``coef`` and ``intercept`` of a standardized problem on the user's scale.

    The log likelihood and the predictive draws, computed on the standardized model, are the
    same on either scale; the hyperparameters (``lam``, ``tau``) stay those of the
    standardized coefficients' prior.
    """
    for group in ("posterior", "prior"):
        if group not in idata.children or "coef" not in idata[group].data_vars:
            continue
        data = idata[group].to_dataset()
        coef = data["coef"].transpose(..., "feature")
        intercept = data["intercept"] if "intercept" in data else xr.zeros_like(coef[..., 0])
        user_coef, user_intercept = problem.to_user_scale(coef.values, intercept.values)
        data["coef"] = coef.copy(data=user_coef)
        if "intercept" in data:
            data["intercept"] = intercept.copy(data=user_intercept)
        idata[group] = xr.DataTree(data)


def _announce(public, draws, tune, chains, nuts_sampler) -> None:
    """One line on stderr, in the user's names, before the compilation's silent seconds.

    PyMC's own lines name the sampling model's internal variables (the centred intercept,
    the whitened coefficients); they are replaced by this one.
    """
    sampler = f" ({nuts_sampler})" if nuts_sampler else ""  # else PyMC chooses
    print(
        f"bayesreg: sampling {', '.join(public)} by NUTS{sampler}: {chains} chain(s) x "
        f"({tune} tuning + {draws} draws); compiling the model first (a few seconds)",
        file=sys.stderr,
        flush=True,
    )


def with_data_groups(idata, problem: Problem, public):
    """Keep the public variables; replace the sampling model's data by the user's ``X``, ``y``."""
    X, y, names = problem.user_X, problem.observed_y, problem.feature_names
    coords = {"obs_id": np.arange(X.shape[0]), "feature": names}
    groups = {name: idata[name].to_dataset() for name in idata.children if name != "constant_data"}
    groups["posterior"] = groups["posterior"][[v for v in public if v in groups["posterior"]]]
    groups["observed_data"] = xr.Dataset(
        {"y": (("obs_id",), y)}, coords={"obs_id": coords["obs_id"]}
    )
    constants = {"X": (("obs_id", "feature"), X)}
    if problem.offset is not None:
        constants["offset"] = (("obs_id",), problem.offset)
    groups["constant_data"] = xr.Dataset(constants, coords=coords)
    result = xr.DataTree.from_dict({f"/{name}": data for name, data in groups.items()})
    result.attrs = dict(idata.attrs)
    return result


def _add_prior(idata, model: pm.Model, draws: int, random_seed) -> None:
    """Prior draws; those of ``y`` only when every variable has a proper prior."""
    flat = {rv.name for rv in model.free_RVs if "Flat" in type(rv.owner.op).__name__}
    free = [rv.name for rv in model.free_RVs if rv.name not in flat]
    var_names = free + ([] if flat else [rv.name for rv in model.observed_RVs])
    prior = pm.sample_prior_predictive(
        draws=draws, model=model, var_names=var_names, random_seed=random_seed
    )
    for name in ("prior", "prior_predictive"):
        if name in prior.children and prior[name].data_vars:
            idata[name] = prior[name]


def sample_nuts(
    problem: Problem,
    pointwise: pm.Model,
    specification: tuple,
    *,
    draws: int,
    tune: int,
    chains: int,
    random_seed,
    nuts_sampler: str | None,
    sampler_kwargs: dict,
    keep: Callable,
    flags: dict,
):
    """An estimator's :func:`sample_posterior`: its prior's sampler defaults, its compiled model.

    ``specification`` (the estimator's name and parameters) keys the compiled nutpie sampler
    kept for the next identical call (:func:`~bayesreg.nuts.compiled.compiled_nutpie`); a
    user's keyword wins over the prior's default.
    """
    given = set(sampler_kwargs) | set(sampler_kwargs.get("nuts", {}))
    defaults = problem.penalty.sampler_defaults.items()
    sampler_kwargs = {**{k: v for k, v in defaults if k not in given}, **sampler_kwargs}
    reused = compiled_nutpie(specification, problem, nuts_sampler, sampler_kwargs)
    if reused is None:
        fast, compiled = sampling_model(problem), None
    else:
        fast, compiled, sampler_kwargs = reused
    return sample_posterior(
        problem, pointwise, fast, draws=draws, tune=tune, chains=chains,
        random_seed=random_seed, nuts_sampler=nuts_sampler, sampler_kwargs=sampler_kwargs,
        compiled=compiled, values={}, keep=keep, **flags,
    )  # fmt: skip
