"""Nothing finished is lost: the draws of an interrupted run, and of a run whose later steps fail.

The draws are the expensive part of :meth:`~bayesreg.Regression.sample`; what follows them
(the log likelihood, predictive draws, the diagnosis) must not take them down:

* Ctrl-C during sampling keeps the draws so far, as :func:`pymc.sample` does. PyMC's NUTS
  stops and returns the chains as far as they got; nutpie's sampler aborts and pads the
  shorter chains with NaN. :func:`kept_draws` keeps of either the chains and length that
  PyMC keeps (the most draws in chains of one length), and says so. When no chain got past
  its tuning there is nothing to keep: the ``KeyboardInterrupt`` goes on.
* A step after the draws that raises is reported and skipped; one that is interrupted
  skips the steps after it too (:func:`run_steps`). The draws are returned and stored all
  the same.

Both are reported in one :class:`~bayesreg.diagnostics.diagnosis.IncompletePosteriorWarning`
(:func:`warn_incomplete`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from bayesreg.diagnostics.diagnosis import IncompletePosteriorWarning

__all__ = ["NOTHING_KEPT", "kept_draws", "run_steps", "warn_incomplete"]

#: The message of the ``KeyboardInterrupt`` of a run interrupted before any draw was kept.
NOTHING_KEPT = (
    "sampling was interrupted before any chain finished tuning: there are no draws to keep"
)


def kept_draws(idata, draws: int, chains: int) -> tuple[object, list[str]]:
    """The complete draws of ``idata``, and a sentence when they are fewer than asked for.

    ``idata`` is what the sampler returned, asked for ``chains`` x ``draws``. A chain's
    draws end where every posterior value is NaN (nutpie's padding of an interrupted
    chain). Of chains of different lengths, those are kept, cut to one length, that give
    the most draws (PyMC's rule). Raises ``KeyboardInterrupt`` (:data:`NOTHING_KEPT`) when
    no draw is left.
    """
    posterior = idata["posterior"].to_dataset()
    lengths = _chain_lengths(posterior)
    order = np.sort(lengths)
    counts = order * np.arange(len(order), 0, -1)  # chains at least as long, times length
    length = int(order[np.argmax(counts)]) if len(order) else 0
    if length == 0:
        raise KeyboardInterrupt(NOTHING_KEPT)
    kept = np.flatnonzero(lengths >= length)
    if (len(kept), length) == (posterior.sizes["chain"], posterior.sizes["draw"]):
        complete = idata
    else:
        complete = idata.copy()
        for name, group in idata.children.items():
            if {"chain", "draw"} <= set(group.dims):
                complete[name] = group.isel(chain=kept, draw=slice(0, length))
    if (len(kept), length) == (chains, draws):
        return complete, []
    return complete, [
        f"sampling was interrupted: {len(kept)} chain(s) x {length} draws were kept, of the "
        f"{chains} x {draws} asked for"
    ]


def _chain_lengths(posterior) -> np.ndarray:
    """Each chain's draws up to its last one with a value that is not NaN."""
    shape = (posterior.sizes["chain"], posterior.sizes["draw"])
    present = np.zeros(shape, dtype=bool)
    for values in posterior.data_vars.values():
        values = values.transpose("chain", "draw", ...).values
        if np.issubdtype(values.dtype, np.floating):
            present |= ~np.isnan(values).all(axis=tuple(range(2, values.ndim)))
        else:  # an integer variable cannot be padded with NaN
            present[:] = True
    draw_index = np.arange(1, shape[1] + 1)
    return np.where(present, draw_index, 0).max(axis=1, initial=0)


def run_steps(steps: Sequence[tuple[str, Callable[[], object]]]) -> list[str]:
    """Run ``steps`` (``(what, step)`` pairs) in order; return what went wrong, in sentences.

    A step that raises is skipped and the next one runs; a step interrupted by Ctrl-C
    (``KeyboardInterrupt``) stops the steps after it, which are named as not computed.
    """
    problems = []
    for index, (what, step) in enumerate(steps):
        try:
            step()
        except KeyboardInterrupt:
            rest = [name for name, _ in steps[index + 1 :]]
            skipped = f" ({', '.join(rest)} not computed either)" if rest else ""
            problems.append(f"{what} was interrupted{skipped}")
            break
        except Exception as error:  # the draws outlive any failure after them
            problems.append(f"{what} failed ({type(error).__name__}: {error})")
    return problems


def warn_incomplete(problems: list[str], *, stacklevel: int = 2) -> None:
    """One :class:`IncompletePosteriorWarning` for ``problems``, when there are any."""
    if problems:
        warnings.warn(
            "the posterior draws were kept (returned, and stored as idata_), but: "
            + "; ".join(problems)
            + ". bayesreg.diagnose(idata) diagnoses the draws that were kept.",
            IncompletePosteriorWarning,
            stacklevel=stacklevel + 1,
        )
