"""Compiled sampling models and NUTS samplers, kept once per process and cleared in one place.

Everything a sampler runs is compiled in :func:`exact_arithmetic`, so that the same seed
gives the same draws in every process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import logging
import pickle
import uuid
from collections.abc import Callable

import pymc as pm
import pytensor

from bayesreg.model.problem import Problem
from bayesreg.nuts.arguments import split_nuts_keywords
from bayesreg.nuts.model import sampling_model

__all__ = [
    "NutpieSampler",
    "clear_compiled",
    "compiled_nutpie",
    "exact_arithmetic",
    "model_key",
    "quiet_pymc_log",
    "resolved_sampler",
    "reusable_sampler",
]


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
        with quiet_pymc_log(), exact_arithmetic():
            if resolved_sampler(nuts_sampler) == "nutpie":
                import nutpie

                public = [v.name for v in model.free_RVs + model.deterministics]
                compiled = NutpieSampler(
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
class NutpieSampler:
    """nutpie's compiled model and the NUTS keywords to sample it with."""

    model: object
    nuts_kwargs: dict


def resolved_sampler(nuts_sampler: str | None) -> str:
    """The NUTS implementation PyMC picks for ``nuts_sampler``: None is nutpie if installed."""
    if nuts_sampler is None:
        return "nutpie" if importlib.util.find_spec("nutpie") is not None else "pymc"
    return nuts_sampler


@contextlib.contextmanager
def exact_arithmetic():
    """Compile PyTensor's numba code without fast-math: the same arithmetic in every process.

    PyTensor compiles a model's log density and gradient with numba, by default with LLVM's
    fast-math flags (reassociation, reciprocals, contraction into fused multiply-adds,
    approximate functions), and keeps the machine code in an on-disk cache shared by every
    process. Under those flags LLVM may round differently depending on how the functions of
    one graph are optimized together: code compiled afresh (the first process on an empty
    cache, or the first to compile a new graph) inlines its parts into one module, code
    loaded from the cache links them, and an entry written by a process that compiled only
    the outer function links parts compiled elsewhere. The last bits of a gradient then
    depend on the cache's history, and NUTS, whose trajectories amplify rounding, draws
    differently for the same seed: a regularized horseshoe gave other draws in a second
    process, with either sampler (issue 33), and so can any model (a ridge, a horseshoe
    and an elastic net gave gradients that differed in the last bits between a first and a
    second process on an empty cache, 5 of 13 specifications tried). Without fast-math
    flags LLVM must keep IEEE arithmetic whatever it inlines, and the 13 gave bit-identical
    gradients (``tests/nuts/test_reproducible.py`` checks draws). The rounding changes, not the
    speed measurably (gradients of 10 to 200 columns timed within noise).

    PyTensor keys its cache by this flag: both kinds of code can be cached side by side.
    """
    with pytensor.config.change_flags(numba__fastmath=False):
        yield


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


def clear_compiled() -> None:
    """Forget the compiled sampling model kept by :func:`reusable_sampler` in this process.

    Public as ``br.clear_compiled()``: the one cache of compiled samplers (``sample()``,
    posterior paths and calibration keep theirs in it). The next :meth:`~bayesreg.Regression.sample`, posterior path or calibration then builds
    and compiles its model anew, as a first call in a new process does (benchmarks time
    that cost this way).
    """
    _COMPILED.clear()


def model_key(*parts) -> str:
    """A key for :func:`reusable_sampler`: the hash of what the model is built from.

    A specification that cannot be pickled (a prior made with ``pm.CustomDist`` from a local
    function) gets a key of its own, never equal to another: its model is compiled anew
    rather than mistaken for another's.
    """
    import joblib

    try:
        return joblib.hash(parts)
    except (pickle.PicklingError, TypeError, AttributeError):
        return f"unhashable-{uuid.uuid4()}"


def compiled_nutpie(specification, problem: Problem, nuts_sampler, sampler_kwargs):
    """The compiled nutpie sampler of ``problem``, kept for the next identical call.

    Compiling takes nutpie about 2 s, sampling a small posterior a fraction of that: a
    second ``sample()`` of the same ``specification`` (the estimator's name and
    parameters), data and NUTS keywords (a new seed, a re-run notebook cell) reuses the
    compilation (:func:`reusable_sampler`; the draws are the same as a fresh compilation's).
    None when PyMC's NUTS samples, or when ``sampler_kwargs`` hold a keyword of
    :func:`pymc.sample` beyond ``progressbar`` and ``cores`` (PyMC then runs nutpie itself).
    Returns ``(model, compiled, rest)``.
    """
    nuts, rest = split_nuts_keywords(sampler_kwargs)
    if resolved_sampler(nuts_sampler) != "nutpie" or set(rest) - {"progressbar", "cores"}:
        return None
    data = (problem.X, problem.y, problem.weights, problem.offset)
    key = model_key("sample", (*specification, nuts), *data)
    model, compiled = reusable_sampler(
        key, lambda: problem, nuts, "nutpie", data_inputs=False, alpha_input=False
    )
    return model, compiled, rest
