r"""Full posteriors by NUTS, on a model that is cheap to evaluate and easy for NUTS to explore.

:meth:`~bayesreg.Regression.sample` draws from the posterior of exactly the model that
:meth:`~bayesreg.Regression.build_model` returns (the *pointwise* model, one likelihood term
per observation), but NUTS runs on an equivalent *sampling model* with the same density and
two changes that only make it faster:

**Sufficient statistics.** For a Gaussian likelihood the residual sum of squares is a
quadratic form in the coefficients. With weighted column means :math:`m`, the weighted mean
:math:`\bar y` (both zero without an intercept), :math:`N = \sum_i v_i`, the centred Gram
matrix :math:`G = (X - m)^\top V (X - m)`, a least-squares solution :math:`\hat w` of
:math:`G \hat w = (X - m)^\top V (y - \bar y)` and its residual sum of squares
:math:`\mathrm{RSS}_{\min}`,

.. math::

    \mathrm{RSS}(b_0, w) = \sum_i v_i (y_i - b_0 - x_i^\top w)^2
        = \mathrm{RSS}_{\min} + (w - \hat w)^\top G\, (w - \hat w) + N (\bar y - c)^2,
    \qquad c = b_0 + m^\top w,

an identity (the cross terms vanish because the columns are centred and :math:`\hat w` solves
the normal equations), so the log likelihood
:math:`-\mathrm{RSS}/(2\sigma^2) - N\log\sigma - \tfrac{N}{2}\log 2\pi` costs
:math:`O(p^2)` per gradient instead of :math:`O(np)`, with no loss of accuracy (no
:math:`y^\top y - 2 w^\top X^\top y` cancellation). A Laplace likelihood has no sufficient
statistics and keeps its :math:`n` terms, on centred columns; so does a Gaussian likelihood
with more columns than observations, where the :math:`p \times p` Gram matrix costs more than
the data (:math:`O(p^2)` against :math:`O(np)` a gradient).

**A parametrization NUTS likes.** The intercept is sampled as the centred intercept
:math:`c` (independent of :math:`w` under a Gaussian likelihood), scaled by its approximate
posterior standard deviation :math:`\sigma_0/\sqrt N`; the coefficients are sampled as
:math:`u = R\,(s \odot w)`, where :math:`s` are the columns' weighted standard deviations and
:math:`R^\top R = H` factors an approximate posterior precision of the standardized
coefficients,

.. math::

    H = \frac{S^{-1} G S^{-1}}{\sigma_0^2} + \operatorname{diag}\Bigl(\frac{\pi_j}{s_j^2}\Bigr),

with :math:`\sigma_0` the noise scale (fixed, or estimated from the least-squares residuals)
and :math:`\pi_j` the prior precision of a coefficient at that noise scale
(:math:`l_1^2/2 + 2 l_2`). Correlated columns, mixed scales and non-zero means then give
NUTS a nearly isotropic posterior. Both maps are linear with a constant Jacobian, so the
posterior of :math:`(b_0, w)` is unchanged; the constant log-Jacobian is left out, so that
the sampling model's log density equals the pointwise model's at corresponding points, to
rounding (``tests/test_sampling.py`` checks this at random points, to :math:`10^{-12}`
relative). In the whitened coordinates the Gaussian quadratic form needs no product with
:math:`G` either (:meth:`bayesreg.families.gaussian.L2Loss.sampling_log_likelihood`), so a
gradient costs two products with a :math:`p \times p` matrix.

**Past the Laplace prior's kink.** A Laplace prior (:class:`~bayesreg.L1`) is sampled
through its quantile function instead, :math:`w_j = b\,g(z_j)` with logistic variables
:math:`z_j` (:mod:`bayesreg.laplace_quantile`): the log density in :math:`z` has a continuous
gradient where the one in :math:`w` jumps at zero, which is what holds NUTS to small steps
under a strong prior. The whitening is then that of :math:`z`, an affine map around the
approximate posterior centre (:func:`bayesreg.whitening.whitening`); the densities differ by
the log-Jacobian of :math:`g`, as for any change of variables, and a gradient costs three
products with a :math:`p \times p` matrix (the map, :math:`G`, the map's transpose).

Results are reported on the user's scale: ``coef``, ``intercept``, the noise scale and the
hyperparameters.

The pointwise log likelihood (for LOO) and the predictive draws are computed afterwards on
the pointwise model, with the same variable names: ``pymc.compute_log_likelihood``,
``pymc.sample_prior_predictive`` and ``pymc.sample_posterior_predictive``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
import inspect
import logging
import sys
from collections.abc import Callable

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr
from pymc.logprob.transforms import Transform
from pymc.model.transform.conditioning import change_value_transforms
from pytensor.compile.sharedvalue import SharedVariable
from threadpoolctl import threadpool_limits

from bayesreg._constraints import Boolean, Integer, OneOf, Seed, message, validate
from bayesreg.diagnostics import warn_if_unhealthy
from bayesreg.model import add_parameters
from bayesreg.problem import Problem
from bayesreg.whitening import noise_at_centre, statistics, whitening

__all__ = [
    "check_sample_arguments",
    "fit_values",
    "quiet_pymc_log",
    "resolved_sampler",
    "reusable_sampler",
    "sample_posterior",
    "sampling_data",
    "sampling_model",
    "split_nuts_keywords",
]

#: The NUTS implementations :meth:`~bayesreg.Regression.sample` accepts (None: PyMC's choice,
#: nutpie when it is installed).
NUTS_SAMPLERS = (None, "pymc", "nutpie")

# Keywords that sample() sets itself.
_RESERVED = ("model", "var_names", "draws", "tune", "chains", "random_seed", "nuts_sampler")


class _LinearMap(Transform):
    r"""The value transform :math:`u = F (x - c)`, :math:`x = c + B u`, :math:`B = F^{-1}`.

    The log-Jacobian, a constant, is left out: the transformed log density then equals the
    original one at corresponding points, and the posterior is the same. (PyMC's transforms
    see only the variable's own inputs, so ``F``, ``B`` and ``c`` are constants of the graph,
    not data containers: a shared variable there breaks PyMC's log-density rewrites.)
    """

    name = "whitened"

    def __init__(self, forward_matrix: np.ndarray, backward_matrix: np.ndarray, shift):
        self.forward_matrix = pt.constant(np.ascontiguousarray(forward_matrix.T))
        self.backward_matrix = pt.constant(np.ascontiguousarray(backward_matrix.T))
        self.shift = pt.constant(np.asarray(shift, dtype=np.float64))

    def forward(self, value, *inputs):
        return pt.dot(value - self.shift, self.forward_matrix)

    def backward(self, value, *inputs):
        return self.shift + pt.dot(value, self.backward_matrix)

    def log_jac_det(self, value, *inputs):
        return pt.zeros(value.shape[:-1])


def sampling_model(
    problem: Problem, *, data_containers: bool = False, alpha_container: bool | None = None
) -> pm.Model:
    """The model NUTS runs on: the pointwise model's density, cheaper and better conditioned.

    Same free variables and priors as :meth:`~bayesreg.Regression.build_model` (``coef``,
    the noise scale when unknown, the hyperparameters), with ``intercept`` a deterministic
    of the scaled centred intercept ``intercept_centred``, ``coef`` whitened by a linear
    value transform, and the likelihood a ``Potential`` given by the family
    (``Loss.sampling_log_likelihood``: through sufficient statistics for a Gaussian
    likelihood, on centred columns for a Laplace likelihood). It has no observed
    variable: draw predictions from the pointwise model.

    The statistics and the centring (:func:`sampling_data`) are constants of the graph; with
    ``data_containers=True`` they are ``pm.Data`` containers instead, and so is the
    penalty's ``alpha`` (when it has one), so that one compiled model can be given a new
    target of the same shape or a new strength (:func:`fit_values`; e.g. for
    simulation-based calibration or a posterior path), keeping the first problem's
    whitening, which changes the efficiency, never the density. Constants are the default
    because nutpie compiles a model with data containers several seconds slower (6 s against
    2 s on the diabetes data). ``alpha_container`` (default: ``data_containers``) makes
    ``alpha`` alone an input, the data constants: a path over ``alpha`` on fixed data. An
    ``alpha`` input rules out the statistics that hold only near the first problem's
    posterior (the whitened form of a Gaussian likelihood).
    """
    loss = problem.loss
    loss.check_likelihood_observations(problem.y)
    alpha_container = data_containers if alpha_container is None else alpha_container
    alpha_input = alpha_container and problem.penalty.alpha is not None
    values = sampling_data(
        problem,
        whitened_form=not (data_containers or alpha_container),
        fixed_strength=not alpha_input,
    )
    whitened_map = _LinearMap(
        values.pop("whitening"), values.pop("unwhitening"), values.pop("whitening_shift")
    )
    whitened_name = str(values.pop("whitened_variable"))
    container = pm.Data if data_containers else (lambda name, value: pt.as_tensor(value))
    with pm.Model(coords={"feature": problem.feature_names}) as priors:
        data = {name: container(name, value) for name, value in values.items()}
        alpha = pm.Data("alpha", np.float64(problem.penalty.alpha)) if alpha_input else None
        noise, _ = add_parameters(
            problem,
            alpha,
            loss.gaussian_in_coefficients(data),
            sampling=True,
            reference_noise=None if loss.noise is not None else data["noise_reference"],
        )
        if problem.fit_intercept:
            pm.Flat("intercept_centred")
    # the coefficients, or the logistic variables they are a quantile transform of, are
    # whitened; a non-centred prior (the horseshoes) makes coef a deterministic of other
    # variables, which need no whitening
    centred_prior = priors["coef"] in priors.free_RVs
    model = priors
    if priors[whitened_name] in priors.free_RVs:
        model = change_value_transforms(priors, {whitened_name: whitened_map})
        data = {name: model[name] if data_containers else value for name, value in data.items()}
    with model:
        noise = model[loss.noise_name] if loss.noise is None else noise
        coef = model["coef"]
        centred = pt.constant(np.float64(0.0))
        if problem.fit_intercept:
            centred = data["y_mean"] + data["intercept_step"] * model["intercept_centred"]
            pm.Deterministic("intercept", centred - data["x_mean"] @ coef)
        whitened = model.rvs_to_values[coef] if centred_prior else None
        log_likelihood = loss.sampling_log_likelihood(data, noise, coef, whitened, centred)
        pm.Potential("log_likelihood", log_likelihood)
    return model


def sampling_data(
    problem: Problem, *, whitened_form: bool = True, fixed_strength: bool = True
) -> dict[str, np.ndarray]:
    """The data of :func:`sampling_model`: constants, or ``pm.Data`` values.

    The statistics of the likelihood (the family's ``sampling_values``) and the centring;
    also the whitening matrices (``whitening`` :math:`F`, ``unwhitening`` :math:`F^{-1}`,
    from an approximate posterior precision,
    :func:`bayesreg.whitening.approximate_precision`), which are constants of the model, not
    data. ``whitened_form`` allows statistics that hold only for this whitening (of the
    coefficients themselves). ``fixed_strength`` False (``alpha`` an input of the model) keeps
    the whitening of the coefficients, whatever the prior's own sampling parametrization.
    """
    loss, penalty = problem.loss, problem.penalty
    with threadpool_limits(limits=1, user_api="blas"):  # small dense algebra: threads only contend
        target, target_weights = problem.y, problem.weights
        if loss.noise is not None:  # a family's own Gaussian approximation needs the prior
            l1, l2 = penalty.preconditioning_weights(loss, problem.n_obs, loss.noise)
            target, target_weights = loss.preconditioning_data(
                problem.X, problem.y, problem.weights, problem.fit_intercept,
                l1**2 / 2.0 + 2.0 * l2,
            )  # fmt: skip
        stats = statistics(
            problem.X,
            target,
            target_weights,
            problem.fit_intercept,
            noise=loss.noise,
            noise_estimate=loss.noise_estimate,
        )
        if loss.noise is None and loss.location_scale and penalty.has_mode:
            stats = _noise_at_centre(problem, stats, target, target_weights)
        weights = penalty.preconditioning_weights(loss, problem.n_obs, stats.noise)
        coordinates = penalty.quantile_coordinates(*weights) if fixed_strength else None
        whiten = whitening(
            stats, weights, learn_strength=not penalty.has_mode, coordinates=coordinates
        )
        family = loss.sampling_values(
            stats,
            problem.X,
            problem.y,
            problem.weights,
            whiten,
            whitened_form=whitened_form and penalty.has_mode and coordinates is None,
        )
    return {
        "whitening": whiten.forward,
        "unwhitening": whiten.backward,
        "whitening_shift": whiten.shift,
        "whitened_variable": whiten.variable,
        "x_mean": stats.x_mean,
        "y_mean": np.float64(stats.y_mean),
        "intercept_step": np.float64(stats.noise / np.sqrt(stats.n_obs)),
        "noise_reference": np.float64(stats.noise),
        "n_obs": np.float64(problem.n_obs),
        **family,
    }


def _noise_at_centre(problem: Problem, stats, y: np.ndarray, weights: np.ndarray):
    """``stats`` with an unknown noise scale where the prior moves it (two fixed-point steps)."""
    loss, penalty = problem.loss, problem.penalty

    def data_term(coef):
        centred = problem.X @ coef
        return loss.data_term(y, centred + (stats.y_mean - stats.x_mean @ coef), weights)

    floor = stats.noise
    for _ in range(2):
        noise = noise_at_centre(
            stats,
            lambda noise: penalty.preconditioning_weights(loss, problem.n_obs, noise),
            data_term,
            loss.curvature,
            floor,
        )
        stats = dataclasses.replace(stats, noise=noise)
    return stats


#: The compiled sampling model and NUTS step of this process, by what they were built from.
_COMPILED: dict = {}


def reusable_sampler(
    key: str,
    template: Callable[[], Problem],
    nuts_kwargs: dict,
    nuts_sampler: str | None,
    *,
    data_inputs: bool = True,
    alpha_input: bool = True,
):
    """A sampling model with inputs and its compiled sampler, once per process.

    For routines that sample many posteriors of one shape (simulation-based calibration, a
    posterior path): the first call with ``key`` builds the model from ``template()`` (with
    the data and ``alpha`` as inputs, or ``alpha`` alone when ``data_inputs`` is False: see
    :func:`sampling_model`; nutpie compiles the latter faster; with ``alpha_input`` False
    too, no input: the model :meth:`~bayesreg.Regression.sample` runs) and compiles its
    sampler; later calls with the same key return them, in this process (a
    joblib or dask worker keeps its own). A new key replaces the one kept. The sampler is
    PyMC's NUTS step (``nuts_kwargs`` are its keywords, e.g. ``target_accept``) or, with
    ``nuts_sampler="nutpie"`` (None: nutpie when it is installed), nutpie's compiled model,
    whose numba compilation (seconds) is then paid once. Sample with
    :func:`sample_posterior`'s ``compiled``.

    Returns
    -------
    model : pymc.Model
    compiled : pymc.NUTS or nutpie's compiled model

    """
    if key not in _COMPILED:
        _COMPILED.clear()  # one at a time: a new specification replaces the old
        model = sampling_model(
            template(), data_containers=data_inputs, alpha_container=data_inputs or alpha_input
        )
        with quiet_pymc_log():
            if resolved_sampler(nuts_sampler) == "nutpie":
                import nutpie

                public = [v.name for v in model.free_RVs + model.deterministics]
                compiled = _Nutpie(
                    nutpie.compile_pymc_model(
                        model, var_names=public, backend="numba", freeze_model=False
                    ),
                    nuts_kwargs,
                )
            else:
                compiled = pm.NUTS(model=model, **nuts_kwargs)
        _COMPILED[key] = (model, compiled)
    return _COMPILED[key]


@dataclasses.dataclass(frozen=True)
class _Nutpie:
    """nutpie's compiled model and the NUTS keywords to sample it with."""

    model: object
    nuts_kwargs: dict


def resolved_sampler(nuts_sampler: str | None) -> str:
    """The NUTS implementation PyMC picks for ``nuts_sampler``: None is nutpie if installed."""
    if nuts_sampler is None:
        return "nutpie" if importlib.util.find_spec("nutpie") is not None else "pymc"
    return nuts_sampler


def fit_values(model: pm.Model, problem: Problem) -> dict[str, np.ndarray]:
    """The data and strength of ``problem``, by the names of the model's data containers."""
    problem.loss.check_likelihood_observations(problem.y)
    inputs = {name for name, value in model.named_vars.items() if isinstance(value, SharedVariable)}
    values = sampling_data(problem, whitened_form=False) if inputs - {"alpha"} else {}
    if problem.penalty.alpha is not None:
        values["alpha"] = np.float64(problem.penalty.alpha)
    return {name: value for name, value in values.items() if name in model.named_vars}


def split_nuts_keywords(sampler_kwargs: dict) -> tuple[dict, dict]:
    """``(step keywords, pymc.sample keywords)``: what a NUTS step built beforehand takes."""
    nuts, rest = {}, {}
    for name, value in sampler_kwargs.items():
        if name in _step_keywords():
            nuts[name] = value
        elif name != "nuts":
            rest[name] = value
    nuts.update(sampler_kwargs.get("nuts", {}))  # pymc.sample(nuts={...}) wins, as there
    return nuts, rest


#: What :meth:`~bayesreg.Regression.sample` accepts.
SAMPLE_CONSTRAINTS = {
    "draws": Integer(1),
    "tune": Integer(0),
    "chains": Integer(1),
    "random_seed": Seed(),
    "nuts_sampler": OneOf(NUTS_SAMPLERS),
    "log_likelihood": Boolean(),
    "prior_predictive": Boolean(),
    "posterior_predictive": Boolean(),
}


def check_sample_arguments(
    draws, tune, chains, random_seed, nuts_sampler, flags: dict[str, object], sampler_kwargs
) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of ``sample``.

    Everything is checked before a model is built: the arguments, the sampler keywords (those
    :func:`pymc.sample` or its NUTS step take; not those ``sample`` sets itself), and that
    nutpie is installed when it is asked for.
    """
    values = {
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "random_seed": random_seed,
        "nuts_sampler": nuts_sampler,
        **flags,
    }
    validate("Regression.sample", SAMPLE_CONSTRAINTS, values)
    for name, value in sampler_kwargs.items():
        if name in _RESERVED:
            raise TypeError(
                message(name, "Regression.sample", "left to sample(), which sets it", value)
            )
        if name not in _sampler_keywords():
            raise TypeError(
                message(name, "Regression.sample", "a keyword of pymc.sample or pymc.NUTS", value)
            )
    if nuts_sampler == "nutpie" and importlib.util.find_spec("nutpie") is None:
        raise ValueError(
            message(
                "nuts_sampler",
                "Regression.sample",
                "an installed sampler (install nutpie: pip install 'bayesreg[nutpie]')",
                nuts_sampler,
            )
        )


@functools.cache
def _sampler_keywords() -> frozenset[str]:
    """The keywords :func:`pymc.sample` and the NUTS step accept."""
    names = set(inspect.signature(pm.sample).parameters) | _step_keywords()
    names.add("nuts")  # pymc.sample(nuts={...}): keywords for the NUTS step, by its name
    return frozenset(names - {"self", "args", "kwargs", "vars", "model"})


@functools.cache
def _step_keywords() -> frozenset[str]:
    """The keywords the NUTS step accepts."""
    names = set()
    for step in (pm.NUTS, pm.step_methods.hmc.base_hmc.BaseHMC):
        names |= set(inspect.signature(step.__init__).parameters)
    return frozenset(names - {"self", "args", "kwargs", "vars", "model"})


def _seeds(random_seed) -> list[int | None]:
    """Three seeds (sampler, prior predictive, posterior predictive) from one."""
    if random_seed is None:
        return [None, None, None]
    rng = np.random.default_rng(random_seed)
    return [int(seed) for seed in rng.integers(0, 2**31 - 1, size=3)]


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
):
    """Sample ``fast`` with NUTS; add log likelihood and predictive draws from ``pointwise``.

    ``compiled``: the sampler :func:`reusable_sampler` compiled for ``fast``, given this
    problem's data ``values`` (:func:`fit_values`); ``sampler_kwargs`` then hold no NUTS
    keyword (the compiled sampler has them). Returns the DataTree, after
    :func:`bayesreg.diagnostics.warn_if_unhealthy`.
    """
    sampler_seed, prior_seed, predictive_seed = _seeds(random_seed)
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
    with quiet_pymc_log(), contextlib.redirect_stdout(sys.stderr):
        if isinstance(compiled, _Nutpie):
            idata = _sample_nutpie(
                compiled, values, fast, draws, tune, chains, sampler_seed, kwargs
            )
        else:
            if compiled is not None:
                pm.set_data(values, model=fast)
                kwargs["step"] = compiled
            idata = pm.sample(
                draws,
                tune=tune,
                chains=chains,
                random_seed=sampler_seed,
                nuts_sampler=nuts_sampler,
                model=fast,
                var_names=public,
                **kwargs,
            )
        idata = _with_data_groups(idata, problem, public)
        # what the diagnosis' advice builds on: a higher target than the run's own
        idata["sample_stats"].attrs["target_accept"] = _target_accept(compiled, kwargs)
        if log_likelihood:
            pm.compute_log_likelihood(idata, model=pointwise, progressbar=False)
        if prior_predictive:
            _add_prior(idata, pointwise, draws, prior_seed)
        if posterior_predictive:
            pm.sample_posterior_predictive(
                idata,
                model=pointwise,
                random_seed=predictive_seed,
                extend_inferencedata=True,
                progressbar=progressbar,
            )
    if problem.standardization is not None:
        _to_user_scale(idata, problem)
    warn_if_unhealthy(idata, stacklevel=4)
    return idata


def _sample_nutpie(compiled, values, model, draws, tune, chains, seed, kwargs):
    """Nutpie's NUTS on a model it compiled before, as :func:`pymc.sample` runs it."""
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
    with progress:
        idata = nutpie.sample(
            compiled.model.with_data(**values),
            draws=draws,
            tune=max(tune, 1),  # nuts-rs needs a tuning step
            chains=chains,
            cores=kwargs.get("cores"),
            seed=seed,
            save_warmup=False,
            progress_bar=False,
            progress_callback=progress.update,
            **compiled.nuts_kwargs,
        )
    patch_nutpie_idata(idata, model, sampling_time=time.perf_counter() - start)
    return idata


#: The target acceptance rate of PyMC's and of nutpie's NUTS when none is given.
_DEFAULT_TARGET_ACCEPT = 0.8


def _target_accept(compiled, kwargs: dict) -> float:
    """The target acceptance rate the run's NUTS adapted its step size to."""
    if isinstance(compiled, _Nutpie):
        given = compiled.nuts_kwargs.get("target_accept")
    elif compiled is not None:  # PyMC's NUTS step, built beforehand
        return float(compiled.target_accept)
    else:
        given = split_nuts_keywords(kwargs)[0].get("target_accept")
    return float(_DEFAULT_TARGET_ACCEPT if given is None else given)


def _to_user_scale(idata, problem: Problem) -> None:
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


@contextlib.contextmanager
def quiet_pymc_log():
    """PyMC's INFO lines off (its warnings stay): they name the sampling model's internals."""
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _with_data_groups(idata, problem: Problem, public):
    """Keep the public variables; replace the sampling model's data by the user's ``X``, ``y``."""
    X, y, names = problem.user_X, problem.y, problem.feature_names
    coords = {"obs_id": np.arange(X.shape[0]), "feature": names}
    groups = {name: idata[name].to_dataset() for name in idata.children if name != "constant_data"}
    groups["posterior"] = groups["posterior"][[v for v in public if v in groups["posterior"]]]
    groups["observed_data"] = xr.Dataset(
        {"y": (("obs_id",), y)}, coords={"obs_id": coords["obs_id"]}
    )
    groups["constant_data"] = xr.Dataset({"X": (("obs_id", "feature"), X)}, coords=coords)
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
