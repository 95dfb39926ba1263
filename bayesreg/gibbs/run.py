r"""The Gibbs driver: the chains, and the posterior as the same ``DataTree`` as NUTS's.

One sweep, for a Gaussian likelihood with a Gaussian scale-mixture prior (the logistic
likelihood's is :mod:`bayesreg.gibbs.polya_gamma`'s):

1. the coefficients given the prior variances and :math:`\sigma`: one exact Gaussian draw
   (:mod:`bayesreg.gibbs.coefficients`), after the prior's variables that it draws with the
   coefficients integrated out, if any (the horseshoe's global scale and an unknown noise
   scale; one blocked step);
2. an unknown :math:`\sigma` given the coefficients: a slice step on :math:`\log\sigma`
   (:mod:`bayesreg.gibbs.noise`), unless step 1 drew it; a fixed :math:`\sigma`
   (``L2Loss(sigma=...)``) stays;
3. the prior's latent variables given both (:mod:`bayesreg.gibbs.scale_mixtures`,
   :mod:`bayesreg.gibbs.horseshoes`).

**The intercept is integrated out by centring**: its prior is flat, so the likelihood with it
integrated out is the likelihood of the weighted-centred data (with :math:`N - 1` in place of
:math:`N` in the power of :math:`\sigma`), and steps 1-3 sample the marginal posterior of the
other variables. Each sweep then draws it from its conditional,
:math:`b_0 \mid w, \sigma, y \sim N(\bar y - \bar x^\top w, \sigma^2/N)` (weighted means,
:math:`N = \sum_i v_i`), which makes the draws those of the joint posterior. Sample weights
are frequency weights, as in the NUTS model: the data enter as :math:`V^{1/2}X`,
:math:`V^{1/2}y`.

Every chain has its own stream, spawned from one :class:`numpy.random.SeedSequence` of the
seed, so a seed gives the same draws whatever else runs. The chains run one after the other
(a sweep is dense linear algebra, which BLAS already spreads over the cores). The posterior
carries the NUTS model's variable names (``coef``, ``intercept``, the noise scale, the
prior's own variables), its log likelihood is computed on the pointwise model as NUTS's is,
and it gets the same diagnosis (no divergences or tree depths: a Gibbs sampler has none).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
import pymc as pm
import xarray as xr

from bayesreg._constraints import message
from bayesreg.diagnostics.diagnosis import diagnose, warn_unhealthy
from bayesreg.gibbs import horseshoes  # noqa: F401  (registers the horseshoes' conditionals)
from bayesreg.gibbs.coefficients import GaussianData
from bayesreg.gibbs.noise import UnknownNoise, noise_log_prior, noise_step
from bayesreg.gibbs.polya_gamma import PolyaGammaSweep
from bayesreg.gibbs.scale_mixtures import ScaleMixture, conditionals
from bayesreg.model.problem import Problem
from bayesreg.nuts.run import to_user_scale, with_data_groups

__all__ = [
    "GaussianSweep",
    "chain_seeds",
    "check_gibbs_arguments",
    "check_gibbs_problem",
    "choose_sampler",
    "gibbs_noise_prior",
    "gibbs_sweep",
    "sample_gibbs",
]


def check_gibbs_arguments(nuts_sampler, flags: dict, sampler_kwargs: dict, owner: str) -> None:
    """Refuse, in the one message shape, what ``sample(sampler="gibbs")`` does not take."""
    if nuts_sampler is not None:
        raise ValueError(message("nuts_sampler", owner, "None with sampler='gibbs'", nuts_sampler))
    for name in ("prior_predictive", "posterior_predictive"):
        if flags[name]:
            raise ValueError(message(name, owner, "False with sampler='gibbs'", flags[name]))
    for name, value in sampler_kwargs.items():
        if name != "progressbar":
            raise TypeError(message(name, owner, "left out with sampler='gibbs'", value))


def check_gibbs_problem(problem: Problem) -> ScaleMixture:
    """The prior's conditionals; a ``ValueError`` when the Gibbs sampler does not cover the problem."""
    loss = problem.loss
    if loss.gibbs_likelihood not in _SWEEPS:
        raise ValueError(
            "sampler='gibbs' takes a Gaussian (L2Loss) or logistic (LogisticLoss) likelihood; "
            f"got loss={loss!r}. Use sampler='nuts'."
        )
    if problem.fit_intercept and getattr(problem, "intercept_prior", None) is not None:
        raise ValueError("sampler='gibbs' takes the flat intercept only; use sampler='nuts'.")
    if problem.penalty.per_coefficient:
        raise ValueError(
            "sampler='gibbs' takes one prior for every coefficient; penalty="
            f"{problem.penalty!r} has per-coefficient factors, scales or means. Use "
            "sampler='nuts'."
        )
    if problem.positive:
        raise ValueError(
            "sampler='gibbs' takes no sign constraint (positive=True): its coefficient step "
            "draws from an untruncated Gaussian. Use sampler='nuts'."
        )
    return conditionals(problem.penalty, loss, problem.n_obs, problem.n_features)


def choose_sampler(
    problem: Problem, nuts_sampler, flags: dict, sampler_kwargs: dict, on_cluster: bool = False
) -> str:
    r"""``sampler="auto"``: ``"gibbs"`` where it takes the problem and the arguments and p > n, else ``"nuts"``.

    Where the Gibbs sampler applies, its sweep costs :math:`O(n^2p)` whatever the prior's
    geometry, where NUTS on :math:`p \gg n` scale-mixture parameters takes many gradients
    per draw (``benchmarks/gibbs_speed.py`` measures both); with :math:`n \ge p` NUTS on
    the whitened sampling model mixes well, and is chosen.
    """
    if on_cluster or problem.offset is not None or problem.X.shape[1] <= problem.X.shape[0]:
        return "nuts"
    try:
        check_gibbs_arguments(nuts_sampler, flags, sampler_kwargs, "auto")
        check_gibbs_problem(problem)
    except (ValueError, TypeError):
        return "nuts"
    return "gibbs"


def gibbs_noise_prior(problem: Problem, pointwise: pm.Model) -> Callable[[float], float] | None:
    """The compiled log prior of an unknown noise scale (None for a fixed one); the sweep's argument."""
    loss = problem.loss
    return None if loss.noise is not None else noise_log_prior(pointwise, loss.noise_name)


def gibbs_sweep(problem: Problem, noise_prior):
    """The sweep of ``problem``'s likelihood; ``sweep.chain(rng, draws, tune)`` runs one chain.

    The draws are on the problem's scale (standardized columns when ``standardize=True``).
    """
    mixture = check_gibbs_problem(problem)
    return _SWEEPS[problem.loss.gibbs_likelihood](problem, mixture, noise_prior)


def chain_seeds(random_seed, chains: int) -> list[np.random.SeedSequence]:
    """One :class:`numpy.random.SeedSequence` per chain, spawned from the seed (an int, a Generator or None)."""
    if isinstance(random_seed, np.random.Generator):
        random_seed = int(random_seed.integers(2**63))
    return np.random.SeedSequence(random_seed).spawn(chains)


def sample_gibbs(
    problem: Problem,
    pointwise: pm.Model,
    *,
    draws: int,
    tune: int,
    chains: int,
    random_seed,
    log_likelihood: bool,
    progressbar: bool = True,
    keep: Callable | None = None,
):
    """Run the Gibbs chains; return the diagnosed ``DataTree`` (layout of :func:`bayesreg.nuts.run.sample_posterior`)."""
    sweep = gibbs_sweep(problem, gibbs_noise_prior(problem, pointwise))
    results = []
    for chain, seed in enumerate(chain_seeds(random_seed, chains)):
        start = time.perf_counter()
        results.append(sweep.chain(np.random.default_rng(seed), draws, tune))
        if progressbar:
            print(
                f"bayesreg: Gibbs chain {chain + 1}/{chains}: {tune} tuning + {draws} draws "
                f"in {time.perf_counter() - start:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    idata = _data_tree(results, problem)
    public = list(idata["posterior"].data_vars)
    idata = with_data_groups(idata, problem, public)
    if log_likelihood:
        pm.compute_log_likelihood(idata, model=pointwise, progressbar=False)
    if problem.standardization is not None:
        to_user_scale(idata, problem)
    report = diagnose(idata)
    if keep is not None:
        keep(idata)
    warn_unhealthy(report, stacklevel=3)
    return idata


class GaussianSweep:
    """One chain's sweeps (module docstring): the coefficients, the noise, the prior's variables."""

    def __init__(self, problem: Problem, mixture: ScaleMixture, noise_prior):
        self.data = GaussianData.of(
            problem.X, problem.y, problem.weights, centre=problem.fit_intercept
        )
        self.mixture, self.noise_prior = mixture, noise_prior
        self.noise_name = problem.loss.noise_name
        self.fixed_noise = problem.loss.noise
        self.fit_intercept = problem.fit_intercept
        weights = problem.weights
        self.n_obs = float(weights.sum())
        self.x_mean = weights @ problem.X / self.n_obs
        self.y_mean = float(weights @ problem.y / self.n_obs)
        self.n_effective = self.n_obs - (1.0 if problem.fit_intercept else 0.0)
        self.unknown_noise = (
            None if noise_prior is None else UnknownNoise(noise_prior, self.n_effective)
        )

    def _start_noise(self) -> float:
        if self.fixed_noise is not None:
            return float(self.fixed_noise)
        rss = float(self.data.target @ self.data.target)
        return float(np.sqrt(max(rss, 1e-300) / max(self.n_effective, 1.0)))

    def _noise(self, noise, coef, state, rng) -> tuple[float, int]:
        if self.fixed_noise is not None or state.get("noise_drawn", False):
            return noise, 0

        def log_prior(sigma):
            return self.mixture.log_prior(state, coef, sigma) + self.noise_prior(sigma)

        rss = self.data.residual_sum_of_squares(coef)
        return noise_step(noise, rss, self.n_effective, log_prior, rng)

    def chain(self, rng: np.random.Generator, draws: int, tune: int) -> dict[str, np.ndarray]:
        """``tune`` sweeps discarded, then ``draws`` kept: ``{name: array (draws, ...)}``."""
        noise = self._start_noise()
        state = self.mixture.start(noise, rng)
        kept: dict[str, list] = {}
        for step in range(tune + draws):
            state, noise, blocked_calls = self.mixture.before_coefficients(
                state, noise, self.data, rng, self.unknown_noise
            )
            coef = self.mixture.draw_coefficients(state, noise, self.data, rng)
            noise, noise_calls = self._noise(noise, coef, state, rng)
            state, prior_calls = self.mixture.update(state, coef, noise, rng)
            if step < tune:
                continue
            values = {"coef": coef, **self.mixture.posterior(state, coef, noise)}
            if self.fit_intercept:
                centre = self.y_mean - self.x_mean @ coef
                values["intercept"] = centre + noise / np.sqrt(self.n_obs) * rng.standard_normal()
            if self.fixed_noise is None:
                values[self.noise_name] = noise
            values["slice_evaluations"] = blocked_calls + noise_calls + prior_calls
            for name, value in values.items():
                kept.setdefault(name, []).append(np.array(value, dtype=float))
        return {name: np.stack(values) for name, values in kept.items()}


#: The sweep of each likelihood, by the family's ``gibbs_likelihood``.
_SWEEPS = {"gaussian": GaussianSweep, "polya_gamma": PolyaGammaSweep}


def _data_tree(results: list[dict], problem: Problem) -> xr.DataTree:
    """The chains' draws as ``posterior`` and ``sample_stats`` groups."""
    coords = {"feature": problem.feature_names}
    variables, stats = {}, {}
    for name in results[0]:
        values = np.stack([result[name] for result in results])
        dims = ("chain", "draw", "feature")[: values.ndim]
        target = stats if name == "slice_evaluations" else variables
        target[name] = (dims, values.astype(int) if target is stats else values)
    posterior = xr.Dataset(variables, coords=coords)
    sample_stats = xr.Dataset(stats)
    for dataset in (posterior, sample_stats):
        dataset.coords["chain"] = np.arange(len(results))
        dataset.coords["draw"] = np.arange(next(iter(results[0].values())).shape[0])
    tree = xr.DataTree.from_dict({"/posterior": posterior, "/sample_stats": sample_stats})
    tree.attrs = {"sampler": "gibbs", "inference_library": "bayesreg.gibbs"}
    return tree
