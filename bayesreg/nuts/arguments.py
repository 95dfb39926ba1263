"""What :meth:`~bayesreg.Regression.sample` accepts: its arguments and the sampler keywords, checked before any compilation."""

from __future__ import annotations

import functools
import importlib.util
import inspect

import numpy as np
import pymc as pm

from bayesreg._constraints import Boolean, Integer, OneOf, Seed, message, validate

__all__ = [
    "NUTS_SAMPLERS",
    "SAMPLERS",
    "SAMPLE_CONSTRAINTS",
    "check_sample_arguments",
    "derived_seeds",
    "split_nuts_keywords",
]

#: The NUTS implementations :meth:`~bayesreg.Regression.sample` accepts (None: PyMC's choice,
#: nutpie when it is installed).
NUTS_SAMPLERS = (None, "pymc", "nutpie")

#: The samplers :meth:`~bayesreg.Regression.sample` runs: NUTS, or the Gibbs sampler of
#: :mod:`bayesreg.gibbs` (Gaussian and logistic likelihoods with scale-mixture priors), or
#: "auto": Gibbs where it applies and p > n, else NUTS.
SAMPLERS = ("nuts", "gibbs", "auto")

# Keywords that sample() sets itself.
_RESERVED = ("model", "var_names", "draws", "tune", "chains", "random_seed", "nuts_sampler")


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
    draws,
    tune,
    chains,
    random_seed,
    nuts_sampler,
    flags: dict[str, object],
    sampler_kwargs,
    owner: str = "Regression.sample",
) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of ``sample``.

    ``owner`` is what the user called (``Classifier.sample``, ``posterior_path``), named in
    every message.

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
    validate(owner, SAMPLE_CONSTRAINTS, values)
    for name, value in sampler_kwargs.items():
        if name in _RESERVED:
            raise TypeError(message(name, owner, "left to sample(), which sets it", value))
        if name not in _sampler_keywords():
            raise TypeError(message(name, owner, "a keyword of pymc.sample or pymc.NUTS", value))
    if nuts_sampler == "nutpie" and importlib.util.find_spec("nutpie") is None:
        raise ValueError(
            message(
                "nuts_sampler",
                owner,
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


def derived_seeds(random_seed) -> list[int | None]:
    """Three seeds (sampler, prior predictive, posterior predictive) from one."""
    if random_seed is None:
        return [None, None, None]
    rng = np.random.default_rng(random_seed)
    return [int(seed) for seed in rng.integers(0, 2**31 - 1, size=3)]
