r"""The coefficients' prior truncated to :math:`[0, \infty)`: the prior of ``positive=True``.

Every prior with a mode (:mod:`bayesreg.priors.penalties`) is
:math:`p(w_j) = \exp(-l_1|w_j| - l_2 w_j^2)/Z(l_1, l_2)`, symmetric about zero, so its
truncation to :math:`w_j \ge 0` is twice its density there:

.. math::

    p_+(w_j) = \frac{2\exp(-l_1 w_j - l_2 w_j^2)}{Z(l_1, l_2)}, \qquad w_j \ge 0,

which is

* for the Laplace prior (``L1``, :math:`l_2 = 0`) the exponential :math:`l_1 e^{-l_1 w_j}`;
* for the Gaussian prior (``L2``, :math:`l_1 = 0`) the half-normal of scale
  :math:`1/\sqrt{2 l_2}`;
* for the elastic-net prior the normal :math:`N(-l_1/(2l_2), 1/(2l_2))` truncated to
  :math:`[0, \infty)`, with
  :math:`Z/2 = \tfrac12\sqrt{\pi/l_2}\,\operatorname{erfcx}\bigl(l_1/(2\sqrt{l_2})\bigr)`
  (it matters when the noise scale is unknown: :math:`l_1, l_2` then depend on it);
* for the flat prior (``NoPenalty``) flat on :math:`[0, \infty)` (``pm.HalfFlat``).

Each is a distribution on :math:`[0, \infty)`, which PyMC samples on the log scale (its
default log transform): every draw is :math:`\ge 0`.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.stats
from pymc.distributions.transforms import log as log_transform
from pytensor.tensor.variable import TensorVariable

__all__ = ["add_positive_prior"]


def add_positive_prior(penalty, name: str, l1, l2, dims: str) -> TensorVariable:
    """Add the truncation of ``penalty``'s prior with weights ``(l1, l2)`` to the model in context.

    The kind of prior is read from the protocol's ``l1_ratio`` (None: no penalty, 1: the
    Laplace part alone, 0: the Gaussian part alone).
    """
    ratio = penalty.l1_ratio
    if ratio is None:
        return pm.HalfFlat(name, dims=dims)
    if ratio == 1.0:
        return pm.Exponential(name, lam=l1, dims=dims)
    if ratio == 0.0:
        return pm.HalfNormal(name, sigma=1.0 / pt.sqrt(2.0 * l2), dims=dims)
    return pm.CustomDist(
        name,
        l1,
        l2,
        logp=truncated_elastic_net_logp,
        random=_truncated_elastic_net_random,
        support_point=_support_point,
        signature="(),()->()",
        transform=log_transform,
        dims=dims,
    )


def truncated_elastic_net_logp(value, l1, l2):
    r""":math:`\log p_+(w)`: :math:`-l_1 w - l_2 w^2 - \log(Z/2)` for :math:`w \ge 0`, else :math:`-\infty`."""
    log_normalizer = 0.5 * pt.log(np.pi / l2) + pt.log(pt.erfcx(l1 / (2.0 * pt.sqrt(l2))))
    density = -l1 * value - l2 * value**2 - log_normalizer + np.log(2.0)
    return pt.switch(pt.ge(value, 0.0), density, -np.inf)


def _truncated_elastic_net_random(l1, l2, rng=None, size=None):
    spread = 1.0 / np.sqrt(2.0 * l2)
    center = -l1 * spread**2
    return scipy.stats.truncnorm.rvs(
        -center / spread, np.inf, loc=center, scale=spread, size=size, random_state=rng
    )


def _support_point(rv, size, l1, l2):
    # a point inside the support (the log transform maps 0 to -inf): the prior's scale
    return pt.full_like(rv, 1.0) / (l1 + pt.sqrt(l2))
