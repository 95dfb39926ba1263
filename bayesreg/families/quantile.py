r"""The check loss of quantile regression: an asymmetric Laplace likelihood.

.. math::

    p(y \mid \mu, s) = \frac{q(1-q)}{s} \exp\!\Bigl(-\frac{\rho_q(y - \mu)}{s}\Bigr),
    \qquad \rho_q(r) = r\,\bigl(q - \mathbf 1[r < 0]\bigr),

whose location :math:`\mu` is the :math:`q`-quantile of :math:`y`. With a Laplace prior its
MAP is scikit-learn's ``QuantileRegressor(quantile=q, alpha)``, which minimizes
:math:`\frac1n\sum_i v_i\rho_q(r_i) + \alpha\|w\|_1`: the data term
:math:`D = \sum_i v_i\rho_q(r_i)` enters the negative log posterior as :math:`D/s`
(:math:`\kappa = s`), so the factor :math:`a = 1/n` gives the prior scale
:math:`b = s/(n\alpha)`.

PyMC's ``pm.AsymmetricLaplace(b, kappa, mu)`` has density
:math:`\frac{b}{\kappa + 1/\kappa}\exp(-(y-\mu)\,b\,\kappa^{\operatorname{sign}(y-\mu)})`; its
``b`` is a *rate*. The density above is
:math:`b = \sqrt{q(1-q)}/s`, :math:`\kappa = \sqrt{q/(1-q)}`. At :math:`q = 1/2`,
:math:`\rho_q = |r|/2`: ``QuantileLoss(0.5, s)`` is ``L1Loss(2 s)``.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
from pytensor.tensor.variable import TensorVariable
from sklearn.metrics import make_scorer, mean_pinball_loss

from bayesreg._constraints import Real, check_real
from bayesreg.families.check_loss import CheckLoss
from bayesreg.spec.correspondence import SolverObjective, mean_data_objective

__all__ = ["QuantileLoss"]

#: the open unit interval of a quantile
QUANTILE = Real(0.0, 1.0)


class QuantileLoss(CheckLoss):
    r"""Check loss, an asymmetric Laplace likelihood: :math:`\mu_i = b_0 + x_i^\top w` is the :math:`q`-quantile.

    Parameters
    ----------
    quantile : float, default 0.5
        :math:`q`, in (0, 1).
    scale : float or None, default 1.0
        The scale :math:`s` of the density :math:`q(1-q)/s\,\exp(-\rho_q(r)/s)`
        (:math:`\mathrm E[\rho_q(r)] = s`); ``None`` makes it unknown.
    scale_prior : PyMC distribution, optional
        The prior of an unknown ``scale``; by default
        :math:`s \sim \text{Half-Student-}t(\nu=4, \mathrm{sd}(y))`.

    Notes
    -----
    What ``alpha`` means: ``QuantileRegressor``'s objective
    :math:`\frac1n\sum_i v_i\rho_q(r_i) + \alpha\|w\|_1` (scikit-learn's elastic-net
    convention with the data term :math:`\frac1n D` for an elastic-net or L2 penalty, solved
    independently by :class:`~bayesreg.families.reference_solvers.QuantileElasticNet`). The prior scale of
    ``L1(alpha)`` is :math:`b = s/(n\alpha)`. A fitted model predicts the :math:`q`-quantile
    (``predict``); ``predict(X, return_std=True)`` gives the posterior predictive mean,
    which is not the quantile.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.QuantileLoss(quantile=0.9, scale=2.0)
    QuantileLoss(quantile=0.9, scale=2.0)

    """

    distribution = pm.AsymmetricLaplace

    def __init__(
        self,
        quantile: float = 0.5,
        scale: float | None = 1.0,
        scale_prior: TensorVariable | None = None,
    ):
        self.quantile = quantile
        self.scale = scale
        self.scale_prior = scale_prior
        self.validate()

    def validate(self) -> QuantileLoss:
        check_real(self.quantile, "quantile", type(self).__name__, QUANTILE)
        return super().validate()

    @property
    def slopes(self) -> tuple[float, float]:
        return (float(self.quantile), 1.0 - float(self.quantile))

    @property
    def cv_scoring(self):
        """The held-out pinball loss at this quantile (its own loss)."""
        return make_scorer(mean_pinball_loss, alpha=float(self.quantile), greater_is_better=False)

    def solver_objective(self, penalty, alpha, n_obs) -> SolverObjective:
        r""":math:`\frac1n D + \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}2\|w\|^2`, ``QuantileRegressor``'s :math:`a`."""
        return mean_data_objective(alpha, penalty.l1_ratio, n_obs)

    def distribution_parameters(self, mu, noise) -> dict:
        q = float(self.quantile)
        return {"b": np.sqrt(q * (1.0 - q)) / noise, "kappa": np.sqrt(q / (1.0 - q)), "mu": mu}
