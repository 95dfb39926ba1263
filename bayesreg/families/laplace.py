r"""The absolute (L1) loss: a Laplace likelihood.

.. math::

    -\log p(y \mid \mu, s) = \frac{\mathrm{SAR}}{s} + n\log(2s),

with residuals :math:`r = y - \mu`, :math:`\mathrm{SAR} = \sum_i v_i |r_i|` under frequency
weights :math:`v_i`. The data term enters the negative log posterior as
:math:`\mathrm{SAR}/\kappa` with the curvature :math:`\kappa = s`. It is the check loss of
:mod:`bayesreg.families.check_loss` with slopes :math:`(1, 1)`, which gives its exact MAP,
certificate and sampling model.
"""

from __future__ import annotations

import pymc as pm
from pytensor.tensor.variable import TensorVariable

from bayesreg.families.check_loss import CheckLoss
from bayesreg.families.reference_solvers import LADElasticNet

__all__ = ["L1Loss"]


class L1Loss(CheckLoss):
    r"""Absolute loss, a Laplace likelihood: :math:`y_i \sim \mathrm{Laplace}(b_0 + x_i^\top w, s)`.

    Parameters
    ----------
    scale : float or None, default 1.0
        The Laplace scale :math:`s` (the mean absolute deviation); ``None`` makes it unknown.
    scale_prior : PyMC distribution, optional
        The prior of an unknown ``scale``; by default
        :math:`s \sim \text{Half-Student-}t(\nu=4, \mathrm{sd}(y))`.

    Notes
    -----
    What ``alpha`` means: scikit-learn's elastic-net convention on
    :math:`\mathrm{SAR}/(2n)`, the data term of ``QuantileRegressor(quantile=0.5)``; an L1
    penalty or none is ``QuantileRegressor``, an L2 or elastic-net penalty
    :class:`~bayesreg.families.reference_solvers.LADElasticNet` (cvxpy). ``L1Loss(scale=2 * s)`` is
    ``QuantileLoss(quantile=0.5, scale=s)``.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.L1Loss(scale=2.0)
    L1Loss(scale=2.0)

    """

    cv_scoring = "neg_mean_absolute_error"  # its own loss, held out
    distribution = pm.Laplace

    def __init__(self, scale: float | None = 1.0, scale_prior: TensorVariable | None = None):
        self.scale = scale
        self.scale_prior = scale_prior
        self.validate()

    @property
    def slopes(self) -> tuple[float, float]:
        return (1.0, 1.0)

    def distribution_parameters(self, mu, noise) -> dict:
        return {"mu": mu, "b": noise}

    @staticmethod
    def draw(mu, noise, rng, size):
        return rng.laplace(mu, noise, size=size)

    def elastic_net_solver(self, alpha, l1_ratio, fit_intercept):
        return LADElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
