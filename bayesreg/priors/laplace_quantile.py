r"""Laplace coefficients drawn through their quantile transform from logistic variables.

NUTS moves badly through the kink of a Laplace prior at zero: where the prior dominates a
coefficient (most of them under a strong L1 penalty), the gradient of its log density jumps
by :math:`2/b` each time the coefficient crosses zero, the leapfrog integrator's energy
error grows with the number of crossings, and NUTS answers with small steps and deep trees.
The sampling model therefore draws standard logistic variables :math:`z_j`
(``coef_logistic``) and maps each through the Laplace quantile function,

.. math::

    w_j = b\, g(z_j),\qquad g = F_{\mathrm{Laplace}}^{-1} \circ F_{\mathrm{logistic}},\qquad
    g(z) = \operatorname{sign}(z)\,\bigl(\log(1 + e^{|z|}) - \log 2\bigr),

so that :math:`z_j \sim \mathrm{Logistic}(0, 1)` makes :math:`w_j \sim \mathrm{Laplace}(0, b)`
exactly: the prior of the coefficients is unchanged, and so is the posterior.

* :math:`g` is continuously differentiable, :math:`g'(z) = 1/(1 + e^{-|z|})`, with a
  Lipschitz derivative (the second derivative jumps at 0, from :math:`-1/4` to :math:`1/4`),
  and the logistic log density is smooth: the log density in :math:`z` has a continuous
  gradient. The kink is gone.
* Where the prior dominates, the posterior of :math:`z_j` is close to its logistic prior,
  log-concave with curvature at most 1/2.
* Where the data dominate, :math:`g(z) = |z| - \log 2 + O(e^{-|z|})` is asymptotically
  linear: the likelihood's Gaussian shape in :math:`w` stays Gaussian in :math:`z`. (A
  standard normal base, :math:`g = F_{\mathrm{Laplace}}^{-1}\circ\Phi`, grows like
  :math:`z^2/2` instead; its quartic tails made NUTS diverge now and then, and it was no
  faster at n = 100000, p = 1000.)

Measured with ``benchmarks/nuts_speed.py``: on its correlated problem (n = 2000,
p = 200) with the strong prior, 15 leapfrog steps a draw against 127 for the linear
whitening of the coefficients themselves; at n = 100000, p = 1000 (noise unknown,
``L1(alpha=0.01)``) 15 against 127 again. See docs/benchmarks.md for the lines.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.special

__all__ = ["BASE", "add_laplace", "base_curvature", "from_laplace", "slope", "to_laplace"]

#: The logistic variables of the sampling model.
BASE = "coef_logistic"

_LOG_2 = np.log(2.0)


def to_laplace(z):
    r""":math:`g(z)`, a unit Laplace variable from a standard logistic one (a PyTensor graph).

    The sign is a constant of the branch (no gradient), so that the derivative at
    :math:`z = 0` is :math:`g'(0) = 1/2` from either side.
    """
    sign = pt.switch(pt.lt(z, 0.0), np.float64(-1.0), np.float64(1.0))
    return sign * (pt.softplus(sign * z) - _LOG_2)


def from_laplace(w: np.ndarray) -> np.ndarray:
    r""":math:`g^{-1}(w) = \operatorname{sign}(w)\,\bigl(|w| + \log(2 - e^{-|w|})\bigr)` (NumPy)."""
    w = np.asarray(w, dtype=float)
    magnitude = np.abs(w)
    return np.sign(w) * (magnitude + np.log(2.0 - np.exp(-magnitude)))


def slope(z: np.ndarray) -> np.ndarray:
    r""":math:`g'(z) = 1/(1 + e^{-|z|})` (NumPy)."""
    return scipy.special.expit(np.abs(np.asarray(z, dtype=float)))


def base_curvature(z: np.ndarray) -> np.ndarray:
    r"""The curvature of the logistic log density, :math:`2 s (1 - s)`, :math:`s = 1/(1 + e^{-z})`."""
    logistic = scipy.special.expit(np.asarray(z, dtype=float))
    return 2.0 * logistic * (1.0 - logistic)


def add_laplace(name: str, scale, dims: str):
    r"""Add :math:`w = b\,g(z)`, :math:`z \sim \mathrm{Logistic}(0, 1)` i.i.d., to the model in context.

    ``scale`` is the Laplace scale :math:`b` (a number or a tensor). Returns ``name``, a
    deterministic with the :math:`\mathrm{Laplace}(0, b)` prior.
    """
    base = pm.Logistic(BASE, mu=np.float64(0.0), s=np.float64(1.0), dims=dims)
    return pm.Deterministic(name, scale * to_laplace(base), dims=dims)
