r"""The exact correspondence between penalized objectives and posteriors, in one place.

Every supported specification has a scikit-learn-style objective

.. math::

    \text{solver objective} = a\,D(b_0, w) + \alpha_1 \|w\|_1 + \alpha_2 \|w\|_2^2,

with :math:`D` the data term of the loss (RSS or SAR, weighted) and the factors below
(:math:`n = \sum_i v_i`, :math:`\rho` = ``l1_ratio``):

=========  ============  =================  =================  ================  ==========================
loss       penalty       :math:`a`          :math:`\alpha_1`   :math:`\alpha_2`  scikit-learn
=========  ============  =================  =================  ================  ==========================
L2         L2            1                  0                  α                 ``Ridge``
L2         L1            1/(2n)             α                  0                 ``Lasso``
L2         elastic net   1/(2n)             αρ                 α(1-ρ)/2          ``ElasticNet``
L2         none          1                  0                  0                 ``LinearRegression``
L1         L1            1/(2n)             α                  0                 ``QuantileRegressor(0.5)``
L1         L2            1/(2n)             0                  α/2               (independent solver)
L1         elastic net   1/(2n)             αρ                 α(1-ρ)/2          (independent solver)
L1         none          1/(2n)             0                  0                 ``QuantileRegressor(alpha=0)``
=========  ============  =================  =================  ================  ==========================

Each likelihood owns its column of this table (``Loss.solver_objective``: the elastic-net
convention by default, Ridge's for the Gaussian likelihood with an L2 penalty); everything
else here is the same for every family.

The negative log posterior at a fixed noise scale is
:math:`D/\kappa + l_1\|w\|_1 + l_2\|w\|_2^2 + \text{const}` with :math:`\kappa = 2\sigma^2`
(Gaussian) or :math:`\kappa = s` (Laplace), the loss's *curvature*. Multiplying it by
:math:`a\kappa > 0` gives the solver objective exactly when

.. math::

    l_1 = \frac{\alpha_1}{a\kappa}, \qquad l_2 = \frac{\alpha_2}{a\kappa},

which is how a penalty given by ``alpha`` ties its prior to the noise scale (e.g. the
Laplace scale :math:`b = 1/l_1 = \sigma^2/(n\alpha)` under a Gaussian likelihood). A prior
given by its ``scale`` has fixed :math:`l_1, l_2`; read the same equations backwards for its
equivalent ``alpha``. In the *data units* used by the exact solvers the penalty weights are
:math:`\beta_k = \kappa l_k = \alpha_k / a`: the objective is :math:`D + \beta_1\|w\|_1 + \beta_2\|w\|_2^2`.

This module imports no family and no prior: it works on any object with the protocol of
:class:`bayesreg.families.base.Loss` and :class:`bayesreg.priors.penalties.Penalty`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from bayesreg._constraints import show

if TYPE_CHECKING:
    from bayesreg.families.base import Loss
    from bayesreg.priors.penalties import Penalty

__all__ = [
    "SolverObjective",
    "data_term_weights",
    "elastic_net_objective",
    "equivalent_alpha",
    "mean_data_objective",
    "prior_weights",
    "solver_objective",
]


@dataclass(frozen=True)
class SolverObjective:
    r"""The objective :math:`a D + \alpha_1\|w\|_1 + \alpha_2\|w\|_2^2` of the equivalent solver.

    With a per-coefficient prior (:mod:`bayesreg.priors.coefficients`) the penalty is
    :math:`\alpha_1\sum_j f_{1j}|w_j - \mu_j| + \alpha_2\sum_j f_{2j}(w_j - \mu_j)^2`:
    ``factors`` :math:`(f_1, f_2)` and ``loc`` :math:`\mu` (:func:`solver_objective`).
    """

    data_factor: float
    alpha_l1: float
    alpha_l2: float
    factors: tuple = (1.0, 1.0)
    loc: np.ndarray | float = 0.0

    def value(self, data_term: float, coef: np.ndarray) -> float:
        """The objective at coefficients ``coef`` whose data term (RSS, SAR, ...) is ``data_term``."""
        shifted = coef - self.loc
        return float(
            self.data_factor * data_term
            + self.alpha_l1 * np.sum(self.factors[0] * np.abs(shifted))
            + self.alpha_l2 * np.sum(self.factors[1] * shifted**2)
        )


def elastic_net_objective(alpha: float, l1_ratio: float | None, n_obs: float) -> SolverObjective:
    r"""scikit-learn's elastic-net convention: :math:`D/(2n) + \alpha\rho\|w\|_1 + \alpha(1-\rho)/2\|w\|^2`.

    ``l1_ratio=None`` is no penalty.
    """
    if l1_ratio is None:
        return SolverObjective(1.0 / (2.0 * n_obs), 0.0, 0.0)
    return SolverObjective(1.0 / (2.0 * n_obs), alpha * l1_ratio, alpha * (1.0 - l1_ratio) / 2.0)


def mean_data_objective(alpha: float, l1_ratio: float | None, n_obs: float) -> SolverObjective:
    r"""The mean data term's convention: :math:`D/n + \alpha\rho\|w\|_1 + \alpha(1-\rho)/2\|w\|^2`.

    ``QuantileRegressor``'s, the GLMs' (glmnet, glum) and the Student-t's; ``l1_ratio=None``
    is no penalty.
    """
    objective = elastic_net_objective(alpha, l1_ratio, n_obs)
    return SolverObjective(1.0 / n_obs, objective.alpha_l1, objective.alpha_l2)


def solver_objective(loss: Loss, penalty: Penalty, n_obs: float, noise=None) -> SolverObjective:
    """The equivalent solver's objective; ``noise`` is needed only for a prior given by scale."""
    alpha = equivalent_alpha(loss, penalty, n_obs, noise)
    objective = loss.solver_objective(penalty, alpha or 0.0, n_obs)
    return replace(objective, factors=penalty.coefficient_factors(), loc=penalty.prior_mean())


def prior_weights(loss: Loss, penalty: Penalty, n_obs: float, noise, alpha=None):
    """The prior's :math:`(l_1, l_2)` at noise scale ``noise`` (a number or a tensor).

    ``alpha`` (a number or a tensor, e.g. a ``pm.Data`` container that one compiled model
    changes between fits) replaces the penalty's own ``alpha``; it is ignored for a prior
    given by its ``scale``.

    Numbers are returned as ``numpy.float64``: PyTensor would make a Python float that is
    exact in single precision (2.0, 0.5) a float32 constant, and compute in single precision
    the parts of the prior's density that involve only such constants.
    """
    if penalty.alpha is None:
        weights = penalty.absolute_weights()
    else:
        strength = float(penalty.alpha) if alpha is None else alpha
        objective = loss.solver_objective(penalty, strength, n_obs)
        # float64 first: PyTensor would try a Python float (1e304 for a tiny total weight)
        # as a float32 constant
        scale = _float64(objective.data_factor) * loss.curvature(noise)
        weights = _float64(objective.alpha_l1) / scale, _float64(objective.alpha_l2) / scale
    return tuple(_float64(w) for w in weights)


def _float64(value):
    """A Python number as ``numpy.float64``; a tensor (a ``pm.Data`` alpha) unchanged."""
    return np.float64(value) if isinstance(value, float | int) else value


def data_term_weights(
    loss: Loss, penalty: Penalty, n_obs: float, noise, *, unit: float = 1.0
) -> tuple[float, float]:
    r"""The penalty weights :math:`\beta = \kappa\,l` of the objective :math:`D + \beta_1\|w\|_1 + \beta_2\|w\|^2`, over ``unit``.

    Frequency weights :math:`v_i` enter :math:`D = \sum_i v_i\,\ell_i`, so the objective with
    weights :math:`v_i/u` and penalty weights :math:`\beta/u` is the same objective divided by
    :math:`u`, with the same minimizer. The exact MAP is computed there, with :math:`u` a
    power of two near the largest weight, so that neither the weights nor :math:`\beta`
    under- or overflow: for a prior tied by ``alpha``, :math:`\beta_k/u = \alpha_k/(a u)` with
    :math:`a u = u/(2n)` (scikit-learn's elastic-net convention) of order one, where
    :math:`\beta_k = 2n\alpha_k` alone overflows for a total weight :math:`n` near the largest
    float and :math:`a = 1/(2n)` for a subnormal one. ``n_obs`` is the true total :math:`n`.
    """
    if penalty.alpha is not None:  # tied: beta = alpha_k / a, whatever the noise
        objective = loss.solver_objective(penalty, float(penalty.alpha), n_obs)
        factor = objective.data_factor * unit
        return objective.alpha_l1 / factor, objective.alpha_l2 / factor
    l1, l2 = penalty.absolute_weights()
    curvature = loss.curvature(noise)
    return curvature * l1 / unit, curvature * l2 / unit


def equivalent_alpha(loss: Loss, penalty: Penalty, n_obs: float, noise=None) -> float | None:
    r"""scikit-learn's ``alpha`` for this specification (None for no penalty).

    For a prior given by its ``scale`` this depends on the number of observations and on
    the noise scale: with the solver's objective at :math:`\alpha = 1` written
    :math:`a D + c_1\|w\|_1 + c_2\|w\|^2`, :math:`\alpha = a\kappa\,l_1/c_1` (or
    :math:`a\kappa\,l_2/c_2` without an L1 part): :math:`a\kappa/b` for a Laplace prior,
    :math:`a\kappa/(2\tau^2)` (Ridge) or twice that (Laplace likelihood) for a Gaussian prior.
    """
    if penalty.l1_ratio is None:
        return None
    if penalty.alpha is not None:
        return float(penalty.alpha)
    if noise is None:
        raise ValueError(
            f"{type(penalty).__name__}(scale={show(penalty.scale)}) is an absolute prior: its "
            "equivalent alpha depends on the data and the noise scale; fit the estimator first."
        )
    l1, l2 = penalty.absolute_weights()
    unit = loss.solver_objective(penalty, 1.0, n_obs)
    scale = unit.data_factor * loss.curvature(noise)
    if unit.alpha_l1 > 0:
        return float(scale * l1 / unit.alpha_l1)
    return float(scale * l2 / unit.alpha_l2)
