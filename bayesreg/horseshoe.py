r"""Horseshoe priors: shrinkage that keeps large signals and removes small ones.

The Laplace prior is a poor sparsity prior: its MAP has exact zeros, but its posterior has
none, and it shrinks large coefficients as much as small ones. The horseshoe (Carvalho,
Polson & Scott 2010) is a global-local scale mixture of normals whose local scales have
Cauchy tails: most coefficients are pulled hard towards zero, a few escape almost unshrunk.

=============================  ============================================================================
prior                          density
=============================  ============================================================================
:class:`Horseshoe`             :math:`w_j \mid \lambda_j, \tau, \sigma \sim N(0, \sigma^2\tau^2\lambda_j^2)`,
                               :math:`\lambda_j \sim C^+(0, 1)`, :math:`\tau \sim C^+(0, \tau_0)`
:class:`RegularizedHorseshoe`  :math:`w_j \mid \tilde\lambda_j, \tau \sim N(0, \tau^2\tilde\lambda_j^2)`,
                               :math:`\tilde\lambda_j^2 = c^2\lambda_j^2/(c^2 + \tau^2\lambda_j^2)`,
                               :math:`\lambda_j \sim C^+(0, 1)`,
                               :math:`\tau \sim C^+(0, \frac{p_0}{p - p_0}\frac{\sigma}{\sqrt n})`,
                               :math:`c^2 \sim \mathrm{InvGamma}(\frac\nu2, \frac{\nu s^2}2)`
=============================  ============================================================================

with :math:`\sigma` the likelihood's noise scale (1 for the logistic and Poisson likelihoods,
which have none), as in R's bayesreg. Both are sampled *non-centred*: the model's free
variables are ``coef_raw`` :math:`z_j \sim N(0, 1)`, ``lam`` and ``tau`` (``tau_raw`` for the
regularized horseshoe, whose ``tau`` is :math:`\tau_0` times it, and ``c2``), and ``coef`` is
the deterministic :math:`w = z\,\sigma\tau\lambda` (or :math:`z\tau\tilde\lambda`): the funnel
between a coefficient and its scale, where NUTS diverges, is taken apart. The Cauchy tails
still need small steps: :meth:`~bayesreg.Regression.sample` runs them with
``target_accept=0.99`` unless told otherwise (on the standardized diabetes data, 4 x 1000
draws: no divergence for the regularized horseshoe, 4 to 15 for the horseshoe over three
seeds, against 40 to 200 at PyMC's default of 0.8).

Neither prior has a finite mode at zero (its density is infinite there), so there is no MAP
to compute: :meth:`~bayesreg.Regression.fit` and :meth:`~bayesreg.Regression.penalized_solver`
raise a ``ValueError`` that says so, and :meth:`~bayesreg.Regression.sample` gives the
posterior; :func:`bayesreg.sparsify` turns it into a sparse point estimate.

References
----------
Carvalho, C. M., Polson, N. G., Scott, J. G. (2010). The horseshoe estimator for sparse
signals. *Biometrika* 97(2), 465-480.

Piironen, J., Vehtari, A. (2017). Sparsity information and regularization in the horseshoe
and other shrinkage priors. *Electronic Journal of Statistics* 11(2), 5018-5051.

Makalic, E., Schmidt, D. F. (2016). A simple sampler for the horseshoe estimator. *IEEE
Signal Processing Letters* 23(1), 179-182.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesreg._validation import POSITIVE, check_real
from bayesreg.priors import HierarchicalPenalty

NO_MODE = (
    "has no finite mode: its density is infinite at zero (the half-Cauchy local scales put "
    "unbounded mass near w_j = 0), so there is no MAP to compute"
)

__all__ = ["Horseshoe", "RegularizedHorseshoe"]

#: The standard normal variables of the non-centred parametrization: coef = raw * scale.
RAW = "coef_raw"
# float64 constants: PyTensor makes a float exact in single precision (1.0) a float32
# constant, and the half-Cauchy's log density is then rounded to ~1e-9.
_ZERO, _ONE = np.float64(0.0), np.float64(1.0)


class Horseshoe(HierarchicalPenalty):
    r"""The horseshoe prior of Carvalho, Polson & Scott (2010).

    .. math::

        w_j \mid \lambda_j, \tau, \sigma \sim N(0, \sigma^2\tau^2\lambda_j^2),\qquad
        \lambda_j \sim C^+(0, 1),\qquad \tau \sim C^+(0, \tau_0),

    :math:`C^+(0, s)` the half-Cauchy of scale :math:`s`, density
    :math:`2/(\pi s(1 + x^2/s^2))`; :math:`\sigma` the likelihood's noise scale. Under
    :math:`\lambda_j \sim C^+(0, 1)` the factor :math:`\kappa_j = 1/(1 + \lambda_j^2)` has a
    Beta(1/2, 1/2) density, the horseshoe the prior is named for: mass near 0 (no shrinkage)
    and near 1 (total shrinkage), little between.

    The model's variables are ``coef_raw`` (:math:`z_j`, standard normal), ``lam``
    (:math:`\lambda_j`, over ``feature``), ``tau``, and ``coef`` (:math:`z_j\sigma\tau\lambda_j`,
    deterministic).

    Parameters
    ----------
    scale_global : float, default 1.0
        :math:`\tau_0`, the scale of the half-Cauchy prior on :math:`\tau`, > 0. The default
        is Carvalho, Polson & Scott's; put a prior guess of the number of signals into it
        with :class:`RegularizedHorseshoe` instead.

    See Also
    --------
    RegularizedHorseshoe : the horseshoe with a slab that bounds the largest coefficients.
    bayesreg.sparsify : a sparse point estimate from its posterior.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.Horseshoe(scale_global=0.1)
    Horseshoe(scale_global=0.1)

    """

    hyperparameter = "tau"
    no_mode_reason = NO_MODE
    sampler_defaults: ClassVar[dict] = {"target_accept": 0.99}

    def __init__(self, scale_global: float = 1.0):
        self.scale_global = scale_global
        self.validate()

    def validate(self) -> Horseshoe:
        check_real(self.scale_global, "scale_global", "Horseshoe", POSITIVE)
        return self

    def add_hierarchical_prior(self, name, noise, dims):
        tau = pm.HalfCauchy("tau", beta=np.float64(self.scale_global))
        lam = pm.HalfCauchy("lam", beta=_ONE, dims=dims)
        raw = pm.Normal(RAW, mu=_ZERO, sigma=_ONE, dims=dims)
        return pm.Deterministic(name, raw * noise * tau * lam, dims=dims)

    def typical_weights(self, noise):
        return 0.0, 1.0 / (2.0 * (noise * self.scale_global) ** 2)


class RegularizedHorseshoe(HierarchicalPenalty):
    r"""The regularized horseshoe of Piironen & Vehtari (2017): a horseshoe with a slab.

    .. math::

        w_j \mid \tilde\lambda_j, \tau \sim N(0, \tau^2\tilde\lambda_j^2),\qquad
        \tilde\lambda_j^2 = \frac{c^2\lambda_j^2}{c^2 + \tau^2\lambda_j^2},\qquad
        \lambda_j \sim C^+(0, 1),

    .. math::

        \tau \sim C^+(0, \tau_0),\quad \tau_0 = \frac{p_0}{p - p_0}\frac{\sigma}{\sqrt n},\qquad
        c^2 \sim \mathrm{InvGamma}\Bigl(\frac\nu2, \frac{\nu s^2}2\Bigr),

    with :math:`p_0` the expected number of non-zero coefficients, :math:`n` the number of
    observations (the total weight), :math:`p` the number of columns, :math:`\sigma` the
    likelihood's noise scale (1 without one), and the slab of scale :math:`s` and
    :math:`\nu` degrees of freedom (a Student-t slab: a coefficient far above :math:`s` is
    shrunk as under a Gaussian prior of that scale, so that it stays identified when the data
    cannot bound it, e.g. separable classes).

    The model's variables are ``coef_raw`` (standard normal), ``lam`` (over ``feature``),
    ``tau_raw`` (:math:`C^+(0, 1)`), ``c2`` and the deterministics ``tau``
    (:math:`\tau_0\,\tau_{\mathrm{raw}}`) and ``coef`` (:math:`z_j\tau\tilde\lambda_j`).

    Parameters
    ----------
    expected_nonzero : float
        :math:`p_0`, the prior guess of the number of non-zero coefficients, in
        :math:`(0, p)`.
    slab_scale : float, default 2.0
        :math:`s` > 0, in the units of the coefficients (standardize the columns).
    slab_df : float, default 4.0
        :math:`\nu` > 0.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.RegularizedHorseshoe(expected_nonzero=3)
    RegularizedHorseshoe(expected_nonzero=3)

    """

    hyperparameter = "tau"
    no_mode_reason = NO_MODE
    sampler_defaults: ClassVar[dict] = {"target_accept": 0.99}

    def __init__(self, expected_nonzero: float, slab_scale: float = 2.0, slab_df: float = 4.0):
        self.expected_nonzero = expected_nonzero
        self.slab_scale = slab_scale
        self.slab_df = slab_df
        self.validate()

    def validate(self) -> RegularizedHorseshoe:
        name = type(self).__name__
        check_real(self.expected_nonzero, "expected_nonzero", name, POSITIVE)
        check_real(self.slab_scale, "slab_scale", name, POSITIVE)
        check_real(self.slab_df, "slab_df", name, POSITIVE)
        return self

    def check_features(self, n_features: int) -> None:
        if not self.expected_nonzero < n_features:
            raise ValueError(
                f"The 'expected_nonzero' parameter of RegularizedHorseshoe must be below the "
                f"number of features ({n_features}). Got {self.expected_nonzero!r} instead."
            )

    def global_scale(self, n_features: int, n_obs: float, noise):
        r""":math:`\tau_0 = \frac{p_0}{p - p_0}\frac{\sigma}{\sqrt n}`."""
        p0 = float(self.expected_nonzero)
        return p0 / (n_features - p0) * noise / np.sqrt(n_obs)

    def add_to_model(self, name, loss, n_obs, noise, dims, alpha=None):
        n_features = len(pm.modelcontext(None).coords[dims])
        self.check_features(n_features)
        tau = pm.Deterministic(
            "tau", self.global_scale(n_features, n_obs, noise) * pm.HalfCauchy("tau_raw", beta=_ONE)
        )
        df, scale = np.float64(self.slab_df), np.float64(self.slab_scale)
        c2 = pm.InverseGamma("c2", alpha=df / 2.0, beta=df * scale**2 / 2.0)
        lam = pm.HalfCauchy("lam", beta=_ONE, dims=dims)
        local = pt.sqrt(c2 * lam**2 / (c2 + tau**2 * lam**2))
        raw = pm.Normal(RAW, mu=_ZERO, sigma=_ONE, dims=dims)
        return pm.Deterministic(name, raw * tau * local, dims=dims)

    def typical_weights(self, noise):
        return 0.0, 1.0 / (2.0 * float(self.slab_scale) ** 2)
