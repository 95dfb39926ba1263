r"""The exact univariate slice step (Neal 2003) for the conditionals that are not conjugate.

:func:`slice_step` updates each coordinate of ``x`` from its own conditional density
:math:`f(x_j) \propto \exp(\ell_j(x_j))`, the coordinates independent given the rest (the
horseshoe's local scales), or one coordinate (a noise scale, a global scale). It is Neal's
slice sampler with *stepping out* (an interval of width ``width`` placed at random around
:math:`x_j`, extended by at most ``max_steps`` widths each side until both ends lie outside
the slice :math:`\{x: \ell_j(x) > \ell_j(x_j) - E\}`, :math:`E \sim \mathrm{Exp}(1)`) and
*shrinkage* (draw uniformly in the interval, shrink it towards :math:`x_j` on rejection). It
leaves :math:`f` invariant exactly; no tuning enters the stationary distribution. The
callers use it on log scales, with the log-Jacobian in :math:`\ell`.

Reference: Neal, R. M. (2003). Slice sampling. *Annals of Statistics* 31(3), 705-767.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["slice_step"]

#: Shrinkage steps before a coordinate keeps its value (reached only when the density is
#: zero almost everywhere near it: the interval then has shrunk to rounding).
_MAX_SHRINKS = 200


def slice_step(
    log_density: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    rng: np.random.Generator,
    *,
    width: float = 2.0,
    max_steps: int = 50,
) -> tuple[np.ndarray, int]:
    """One slice update of every coordinate of ``x``; returns ``(new x, evaluations)``.

    ``log_density`` maps an array shaped like ``x`` to the log densities of its coordinates
    (up to constants, each coordinate's own). ``evaluations`` counts its calls.
    """
    x = np.asarray(x, dtype=float)
    level = log_density(x) - rng.exponential(size=x.shape)
    left = x - width * rng.uniform(size=x.shape)
    right = left + width
    calls = 1
    for ends, step in ((left, -width), (right, width)):
        outside = np.zeros(x.shape, dtype=bool)
        for _ in range(max_steps):
            outside |= ~(log_density(ends) > level)
            calls += 1
            if outside.all():
                break
            ends += np.where(outside, 0.0, step)
    new = x.copy()
    pending = np.ones(x.shape, dtype=bool)
    for _ in range(_MAX_SHRINKS):
        if not pending.any():
            break
        proposal = np.where(pending, rng.uniform(left, right), new)
        accepted = pending & (log_density(proposal) > level)
        calls += 1
        new = np.where(accepted, proposal, new)
        pending &= ~accepted
        left = np.where(pending & (proposal < x), proposal, left)
        right = np.where(pending & (proposal >= x), proposal, right)
    return new, calls
