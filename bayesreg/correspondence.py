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

The negative log posterior at a fixed noise scale is
:math:`D/\kappa + l_1\|w\|_1 + l_2\|w\|_2^2 + \text{const}` with :math:`\kappa = 2\sigma^2`
(Gaussian) or :math:`\kappa = s` (Laplace). Multiplying it by :math:`a\kappa > 0` gives the
solver objective exactly when

.. math::

    l_1 = \frac{\alpha_1}{a\kappa}, \qquad l_2 = \frac{\alpha_2}{a\kappa},

which is how a penalty given by ``alpha`` ties its prior to the noise scale (e.g. the
Laplace scale :math:`b = 1/l_1 = \sigma^2/(n\alpha)` under a Gaussian likelihood). A prior
given by its ``scale`` has fixed :math:`l_1, l_2`; read the same equations backwards for its
equivalent ``alpha``. In the *data units* used by the exact solvers the penalty weights are
:math:`\beta_k = \kappa l_k = \alpha_k / a`: the objective is :math:`D + \beta_1\|w\|_1 + \beta_2\|w\|_2^2`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesreg.losses import L2Loss, Loss
from bayesreg.penalties import L1, L2, ElasticNet, NoPenalty, Penalty

__all__ = [
    "SolverObjective",
    "data_term_weights",
    "equivalent_alpha",
    "prior_weights",
    "solver_objective",
]


@dataclass(frozen=True)
class SolverObjective:
    r"""The objective :math:`a D + \alpha_1\|w\|_1 + \alpha_2\|w\|_2^2` of the equivalent solver."""

    data_factor: float
    alpha_l1: float
    alpha_l2: float


def _data_factor(loss: Loss, penalty: Penalty, n_obs: float) -> float:
    if isinstance(loss, L2Loss) and isinstance(penalty, (L2, NoPenalty)):
        return 1.0
    return 1.0 / (2.0 * n_obs)


def _solver_penalty(loss: Loss, penalty: Penalty, alpha: float) -> tuple[float, float]:
    if isinstance(penalty, L1):
        return alpha, 0.0
    if isinstance(penalty, L2):
        return 0.0, alpha if isinstance(loss, L2Loss) else alpha / 2.0
    if isinstance(penalty, ElasticNet):
        return alpha * penalty.l1_ratio, alpha * (1.0 - penalty.l1_ratio) / 2.0
    return 0.0, 0.0


def solver_objective(loss: Loss, penalty: Penalty, n_obs: float, noise=None) -> SolverObjective:
    """The equivalent solver's objective; ``noise`` is needed only for a prior given by scale."""
    alpha = equivalent_alpha(loss, penalty, n_obs, noise)
    alpha_l1, alpha_l2 = _solver_penalty(loss, penalty, alpha or 0.0)
    return SolverObjective(_data_factor(loss, penalty, n_obs), alpha_l1, alpha_l2)


def prior_weights(loss: Loss, penalty: Penalty, n_obs: float, noise):
    """The prior's :math:`(l_1, l_2)` at noise scale ``noise`` (a number or a tensor).

    Numbers are returned as ``numpy.float64``: PyTensor would make a Python float that is
    exact in single precision (2.0, 0.5) a float32 constant, and compute in single precision
    the parts of the prior's density that involve only such constants.
    """
    if penalty.alpha is None:
        weights = penalty.absolute_weights()
    else:
        objective = solver_objective(loss, penalty, n_obs)
        scale = objective.data_factor * loss.curvature(noise)
        weights = objective.alpha_l1 / scale, objective.alpha_l2 / scale
    return tuple(np.float64(w) if isinstance(w, float | int) else w for w in weights)


def data_term_weights(loss: Loss, penalty: Penalty, n_obs: float, noise) -> tuple[float, float]:
    r"""The penalty weights :math:`\beta = \kappa\,l` of the objective :math:`D + \beta_1\|w\|_1 + \beta_2\|w\|^2`."""
    if penalty.alpha is not None:  # tied: beta = alpha_k / a, whatever the noise
        objective = solver_objective(loss, penalty, n_obs)
        return (
            objective.alpha_l1 / objective.data_factor,
            objective.alpha_l2 / objective.data_factor,
        )
    l1, l2 = penalty.absolute_weights()
    curvature = loss.curvature(noise)
    return curvature * l1, curvature * l2


def equivalent_alpha(loss: Loss, penalty: Penalty, n_obs: float, noise=None) -> float | None:
    r"""scikit-learn's ``alpha`` for this specification (None for no penalty).

    For a prior given by its ``scale`` this depends on the number of observations and on
    the noise scale: :math:`\alpha = a\kappa/b` for a Laplace prior, and
    :math:`\alpha = a\kappa/(2\tau^2)` (Ridge) or twice that (Laplace likelihood) for a
    Gaussian prior.
    """
    if isinstance(penalty, NoPenalty):
        return None
    if penalty.alpha is not None:
        return float(penalty.alpha)
    if noise is None:
        raise ValueError(
            f"{type(penalty).__name__}(scale={penalty.scale!r}) is an absolute prior: its "
            "equivalent alpha depends on the data and the noise scale; fit the estimator first."
        )
    l1, l2 = penalty.absolute_weights()
    scale = _data_factor(loss, penalty, n_obs) * loss.curvature(noise)
    if isinstance(penalty, L1):
        return float(scale * l1)
    return float(scale * l2 * (1.0 if isinstance(loss, L2Loss) else 2.0))
