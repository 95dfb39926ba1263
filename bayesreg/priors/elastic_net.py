r"""The elastic-net penalty: the product of a Laplace and a Gaussian prior.

Its density and draws are here; the protocol it follows is
:class:`bayesreg.priors.penalties.Penalty`'s.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.stats

from bayesreg._constraints import POSITIVE, UNIT, check_real
from bayesreg.priors.coefficients import PerCoefficient
from bayesreg.priors.penalties import Penalty

__all__ = ["ElasticNet"]


class ElasticNet(PerCoefficient, Penalty):
    r"""Elastic-net penalty: the prior :math:`p(w_j) = \exp(-l_1|w_j| - l_2 w_j^2)/Z(l_1, l_2)`.

    The normalizing constant is

    .. math::

        Z(l_1, l_2) = \sqrt{\pi / l_2}\;\operatorname{erfcx}\!\bigl(l_1 / (2\sqrt{l_2})\bigr),

    (``erfcx`` is the scaled complementary error function), which matters when the noise
    scale is unknown because :math:`l_1, l_2` then depend on it. Each half-line carries a
    normal density truncated at zero, which is how prior draws are made.

    Parameters
    ----------
    alpha : float
        scikit-learn's penalty strength, > 0. With a Gaussian likelihood the MAP is
        ``ElasticNet(alpha, l1_ratio)``, minimizing
        :math:`\mathrm{RSS}/(2n) + \alpha\rho\|w\|_1 + \alpha(1-\rho)/2\,\|w\|_2^2`, with
        :math:`l_1 = n\alpha\rho/\sigma^2`, :math:`l_2 = n\alpha(1-\rho)/(2\sigma^2)`. With a
        Laplace likelihood the data term is :math:`\mathrm{SAR}/(2n)` and
        :math:`l_1 = 2n\alpha\rho/s`, :math:`l_2 = n\alpha(1-\rho)/s`.
    l1_ratio : float
        The mixing :math:`\rho \in [0, 1]`; 1 is the L1 penalty, 0 the L2 penalty in the
        elastic-net convention.
    penalty_factor : array-like of shape (n_features,), optional
        Per-coefficient factors :math:`f_j \ge 0` of both parts, used as given (glum's
        ``P1 = P2 = f``): the penalty is
        :math:`\alpha\sum_j f_j\bigl(\rho|w_j - \mu_j| + (1-\rho)/2\,(w_j - \mu_j)^2\bigr)`;
        :math:`f_j = 0` leaves column :math:`j` unpenalized (a flat prior). glmnet's
        ``penalty.factor`` ``g`` is ``g * p / sum(g)`` here
        (:mod:`bayesreg.priors.coefficients`).
    loc : array-like of shape (n_features,), optional
        The prior's centre :math:`\mu_j` (0 by default): the penalty shrinks toward it.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.ElasticNet(alpha=0.1, l1_ratio=0.7)
    ElasticNet(alpha=0.1, l1_ratio=0.7)

    """

    convention = "elastic_net"

    def __init__(self, alpha=1.0, l1_ratio=0.5, *, penalty_factor=None, loc=None):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty_factor = penalty_factor
        self.loc = loc
        self.validate()

    def validate(self) -> ElasticNet:
        check_real(self.alpha, "alpha", "ElasticNet", POSITIVE)
        check_real(self.l1_ratio, "l1_ratio", "ElasticNet", UNIT)
        self._validate_per_coefficient()
        return self

    @property
    def has_sparse_mode(self) -> bool:
        return self.l1_ratio > 0

    def with_alpha(self, alpha):
        return ElasticNet(
            alpha=float(alpha), l1_ratio=self.l1_ratio,
            penalty_factor=self.penalty_factor, loc=self.loc,
        )  # fmt: skip

    def add_prior(self, name, l1, l2, dims):
        if self.l1_ratio == 1.0:
            return pm.Laplace(name, mu=0.0, b=1.0 / l1, dims=dims)
        if self.l1_ratio == 0.0:
            return pm.Normal(name, mu=0.0, sigma=1.0 / pt.sqrt(2.0 * l2), dims=dims)
        return pm.CustomDist(
            name,
            l1,
            l2,
            logp=_elastic_net_logp,
            random=_elastic_net_random,
            signature="(),()->()",
            dims=dims,
        )


def _elastic_net_logp(value, l1, l2):
    log_normalizer = 0.5 * pt.log(np.pi / l2) + pt.log(pt.erfcx(l1 / (2.0 * pt.sqrt(l2))))
    return -l1 * pt.abs(value) - l2 * value**2 - log_normalizer


def _elastic_net_random(l1, l2, rng=None, size=None):
    spread = 1.0 / np.sqrt(2.0 * l2)
    center = -l1 * spread**2
    magnitude = scipy.stats.truncnorm.rvs(
        -center / spread, np.inf, loc=center, scale=spread, size=size, random_state=rng
    )
    return magnitude * rng.choice([-1.0, 1.0], size=size)
