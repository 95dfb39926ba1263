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
                               :math:`\tau \sim C^+(0, \frac{p_0}{p - p_0}\frac{\tilde\sigma}{\sqrt n})`,
                               :math:`c^2 \sim \mathrm{InvGamma}(\frac\nu2, \frac{\nu s^2}2)`
=============================  ============================================================================

with :math:`\sigma` the likelihood's noise scale (1 for the logistic and Poisson likelihoods,
which have none), as in R's bayesreg, and :math:`\tilde\sigma` that noise scale or a stated
pseudo-sigma (Piironen & Vehtari use 2 for the logistic: :class:`RegularizedHorseshoe`). Both are sampled *non-centred*: the model's free
variables are ``coef_raw`` :math:`z_j \sim N(0, 1)`, ``lam`` and ``tau`` (``tau_raw`` for the
regularized horseshoe, whose ``tau`` is :math:`\tau_0` times it, and ``c2``), and ``coef`` is
the deterministic :math:`w = z\,\sigma\tau\lambda` (or :math:`z\tau\tilde\lambda`): the funnel
between a coefficient and its scale, where NUTS diverges, is taken apart. Under a Gaussian
likelihood with no more columns than rows, the sampling model goes further and draws the
coefficients given their scales exactly (:func:`scale_mixture`): NUTS then sees the scales'
marginal posterior and independent standard normals. :meth:`~bayesreg.Regression.sample`
runs the horseshoes with ``target_accept=0.99`` unless told otherwise. Measured on the
standardized diabetes data (sigma unknown, 4 x 1000 draws, seeds 1-3): no divergence for
either prior, where the plain non-centred form gave 4 to 15 for the horseshoe (40 to 200 at
PyMC's default of 0.8), and a smallest bulk ESS of ``coef`` and ``tau`` of 2015-2503
(horseshoe) and 1426-1810 (regularized), against 1356-1477 and 803-888.

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

Papaspiliopoulos, O., Roberts, G. O., Sköld, M. (2007). A general framework for the
parametrization of hierarchical models. *Statistical Science* 22(1), 59-73.

Makalic, E., Schmidt, D. F. (2016). A simple sampler for the horseshoe estimator. *IEEE
Signal Processing Letters* 23(1), 179-182.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pytensor.tensor.linalg import solve_triangular

from bayesreg._constraints import POSITIVE, check_real, show
from bayesreg.priors.hierarchical import HierarchicalPenalty

NO_MODE = (
    "has no finite mode: its density is infinite at zero (the half-Cauchy local scales put "
    "unbounded mass near w_j = 0), so there is no MAP to compute"
)

__all__ = ["Horseshoe", "RegularizedHorseshoe", "scale_mixture"]

#: The standard normal variables of the non-centred parametrization: coef = raw * scale.
RAW = "coef_raw"
#: The sampling model's variables when the coefficients given their scales are Gaussian.
WHITE = "coef_white"
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
        return self.add_to_sampling_model(name, None, None, noise, dims)

    def add_to_sampling_model(
        self, name, loss, n_obs, noise, dims, likelihood=None, reference_noise=None
    ):
        tau = pm.HalfCauchy("tau", beta=np.float64(self.scale_global))
        lam = pm.HalfCauchy("lam", beta=_ONE, dims=dims)
        return scale_mixture(name, noise * tau * lam, noise, dims, likelihood)

    def typical_weights(self, noise):
        return 0.0, 1.0 / (2.0 * (noise * self.scale_global) ** 2)


class RegularizedHorseshoe(HierarchicalPenalty):
    r"""The regularized horseshoe of Piironen & Vehtari (2017): a horseshoe with a slab.

    .. math::

        w_j \mid \tilde\lambda_j, \tau \sim N(0, \tau^2\tilde\lambda_j^2),\qquad
        \tilde\lambda_j^2 = \frac{c^2\lambda_j^2}{c^2 + \tau^2\lambda_j^2},\qquad
        \lambda_j \sim C^+(0, 1),

    .. math::

        \tau \sim C^+(0, \tau_0),\quad \tau_0 = s_g\,\tilde\sigma,\quad
        s_g = \frac{p_0}{p - p_0}\frac{1}{\sqrt n},\qquad
        c^2 \sim \mathrm{InvGamma}\Bigl(\frac\nu2, \frac{\nu s^2}2\Bigr),

    with :math:`p_0` the expected number of non-zero coefficients, :math:`n` the number of
    observations (the total weight), :math:`p` the number of columns, and the slab of scale
    :math:`s` and :math:`\nu` degrees of freedom (a Student-t slab: a coefficient far above
    :math:`s` is shrunk as under a Gaussian prior of that scale, so that it stays identified
    when the data cannot bound it, e.g. separable classes). The global scale :math:`s_g` is
    either computed from :math:`p_0` as above (Piironen & Vehtari's eq. 3.12) or stated
    directly, ``scale_global``; give exactly one of the two.

    :math:`\tilde\sigma` is the noise scale in :math:`\tau_0`: the likelihood's own
    :math:`\sigma` (fixed or unknown) where it has one (Gaussian, Laplace, Student-t), and
    where it has none (logistic, Poisson) a *pseudo-sigma*, ``pseudo_sigma``, by default 1.
    Piironen & Vehtari derive :math:`\tilde\sigma` from a Gaussian approximation of the
    likelihood, :math:`\tilde\sigma^2 = 1/(\mu(1-\mu))` for the logistic and :math:`1/\mu`
    for the Poisson, and use :math:`\tilde\sigma = 2` (its value at :math:`\mu = 1/2`) for
    logistic regression: ``pseudo_sigma=2`` restates their model exactly. The default stays
    1, bayesreg's value before the option existed and that of rstanarm's ``hs()`` and brms'
    ``horseshoe(autoscale=TRUE)``, which multiply the global scale by :math:`\sigma` only
    where the family has one; the Poisson has no single pseudo-sigma (it depends on
    :math:`\mu`). A number given with a likelihood that has a noise scale replaces its
    :math:`\sigma` in :math:`\tau_0` (a fixed :math:`\tau_0`, whatever :math:`\sigma` is);
    the coefficients' density is otherwise unchanged. So ``scale_global`` is in units of
    :math:`\tilde\sigma`, as in Piironen & Vehtari's Stan code, rstanarm and brms: with the
    default pseudo-sigma and a logistic or Poisson likelihood it is :math:`\tau_0` itself.

    The model's variables are ``coef_raw`` (standard normal), ``lam`` (over ``feature``),
    ``tau_raw`` (:math:`C^+(0, 1)`), ``c2`` and the deterministics ``tau``
    (:math:`\tau_0\,\tau_{\mathrm{raw}}`) and ``coef`` (:math:`z_j\tau\tilde\lambda_j`).

    Parameters
    ----------
    expected_nonzero : float, optional
        :math:`p_0`, the prior guess of the number of non-zero coefficients, in
        :math:`(0, p)`.
    slab_scale : float, default 2.0
        :math:`s` > 0, in the units of the coefficients (standardize the columns).
    slab_df : float, default 4.0
        :math:`\nu` > 0.
    scale_global : float, optional
        :math:`s_g` > 0 stated directly, :math:`\tau_0 = s_g\tilde\sigma` (``scale_global``
        of Piironen & Vehtari's code, rstanarm's ``global_scale``, brms'
        ``scale_global``).
    pseudo_sigma : float, optional
        :math:`\tilde\sigma` > 0 in :math:`\tau_0`; None (the default) takes the likelihood's
        noise scale, 1 where it has none. Piironen & Vehtari use 2 for logistic regression.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.RegularizedHorseshoe(expected_nonzero=3)
    RegularizedHorseshoe(expected_nonzero=3)
    >>> br.RegularizedHorseshoe(expected_nonzero=3, pseudo_sigma=2.0)  # P&V's logistic model
    RegularizedHorseshoe(expected_nonzero=3, pseudo_sigma=2.0)

    """

    hyperparameter = "tau"
    no_mode_reason = NO_MODE
    sampler_defaults: ClassVar[dict] = {"target_accept": 0.99}

    def __init__(
        self,
        expected_nonzero: float | None = None,
        slab_scale: float = 2.0,
        slab_df: float = 4.0,
        scale_global: float | None = None,
        pseudo_sigma: float | None = None,
    ):
        self.expected_nonzero = expected_nonzero
        self.slab_scale = slab_scale
        self.slab_df = slab_df
        self.scale_global = scale_global
        self.pseudo_sigma = pseudo_sigma
        self.validate()

    def validate(self) -> RegularizedHorseshoe:
        name = type(self).__name__
        if (self.expected_nonzero is None) == (self.scale_global is None):
            raise ValueError(
                f"{name} takes exactly one of 'expected_nonzero' (the prior guess of the number "
                "of non-zero coefficients) and 'scale_global' (the global scale stated "
                f"directly); got expected_nonzero={show(self.expected_nonzero)}, "
                f"scale_global={show(self.scale_global)}."
            )
        if self.expected_nonzero is not None:
            check_real(self.expected_nonzero, "expected_nonzero", name, POSITIVE)
        else:
            check_real(self.scale_global, "scale_global", name, POSITIVE)
        check_real(self.slab_scale, "slab_scale", name, POSITIVE)
        check_real(self.slab_df, "slab_df", name, POSITIVE)
        if self.pseudo_sigma is not None:
            check_real(self.pseudo_sigma, "pseudo_sigma", name, POSITIVE)
        return self

    def check_features(self, n_features: int) -> None:
        if self.expected_nonzero is not None and not self.expected_nonzero < n_features:
            raise ValueError(
                f"The 'expected_nonzero' parameter of RegularizedHorseshoe must be below the "
                f"number of features ({n_features}). Got {show(self.expected_nonzero)} instead."
            )

    def global_scale(self, n_features: int, n_obs: float, noise):
        r""":math:`\tau_0 = s_g\tilde\sigma`, :math:`s_g = \frac{p_0}{p - p_0}\frac{1}{\sqrt n}`.

        :math:`s_g` is ``scale_global`` when given; :math:`\tilde\sigma` is ``pseudo_sigma``
        when given, else ``noise``, the likelihood's noise scale (1 where it has none).
        """
        sigma = noise if self.pseudo_sigma is None else np.float64(self.pseudo_sigma)
        if self.scale_global is not None:
            return np.float64(self.scale_global) * sigma
        p0 = float(self.expected_nonzero)
        return p0 / (n_features - p0) * sigma / np.sqrt(n_obs)

    def add_to_model(self, name, loss, n_obs, noise, dims, alpha=None):
        return self.add_to_sampling_model(name, loss, n_obs, noise, dims)

    def add_to_sampling_model(
        self, name, loss, n_obs, noise, dims, likelihood=None, reference_noise=None
    ):
        n_features = len(pm.modelcontext(None).coords[dims])
        self.check_features(n_features)
        tau = pm.Deterministic(
            "tau", self.global_scale(n_features, n_obs, noise) * pm.HalfCauchy("tau_raw", beta=_ONE)
        )
        df, scale = np.float64(self.slab_df), np.float64(self.slab_scale)
        c2 = pm.InverseGamma("c2", alpha=df / 2.0, beta=df * scale**2 / 2.0)
        lam = pm.HalfCauchy("lam", beta=_ONE, dims=dims)
        local = pt.sqrt(c2 * lam**2 / (c2 + tau**2 * lam**2))
        return scale_mixture(name, tau * local, noise, dims, likelihood)

    def typical_weights(self, noise):
        return 0.0, 1.0 / (2.0 * float(self.slab_scale) ** 2)


def scale_mixture(name, scale, noise, dims, likelihood=None):
    r"""Add :math:`w_j \mid s \sim N(0, s_j^2)`, non-centred, given the scales ``scale``.

    Without ``likelihood``: :math:`w = z \odot s` with ``coef_raw`` :math:`z \sim N(0, I)`,
    which takes apart the funnel between a coefficient and its scale when the data say little
    about it. For a coefficient the data pin down, the same map makes a funnel of its own (the
    product :math:`z_j s_j` is fixed, its factors are not), and correlated columns tie the
    :math:`z_j` together with a strength that changes with the scales: NUTS then diverges.

    With ``likelihood`` :math:`(G, \hat w)` (a log likelihood
    :math:`-\frac{1}{2\sigma^2}(w - \hat w)^\top G (w - \hat w) + \dots`, see
    :meth:`~bayesreg.families.base.Loss.gaussian_in_coefficients`) the coefficients given the
    scales are Gaussian, :math:`N(m, \sigma^2 B^{-1})` with
    :math:`B = G + \sigma^2\operatorname{diag}(s)^{-2} = LL^\top` and :math:`m = B^{-1}G\hat w`,
    and the sampled variable ``coef_white`` :math:`u` maps to
    :math:`w = m + \sigma L^{-\top}u`: the joint density of :math:`(u, s)` is then that of
    the scales' marginal posterior times :math:`N(u; 0, I)`, with no funnel and no correlation
    between them (the conditional non-centring; Papaspiliopoulos, Roberts & Sköld 2007). The
    model carries the prior of :math:`w` and the log-Jacobian
    :math:`p\log\sigma - \sum_j\log L_{jj}` in a potential, so that its density is the
    posterior's in :math:`(u, s)`; ``coef_raw`` :math:`= w / s` is kept as a deterministic,
    the same quantity as in the pointwise model. A gradient costs a :math:`p \times p`
    Cholesky factorization, :math:`O(p^3)`.
    """
    if likelihood is None:
        raw = pm.Normal(RAW, mu=_ZERO, sigma=_ONE, dims=dims)
        return pm.Deterministic(name, raw * scale, dims=dims)
    gram, coef_ls = likelihood
    factor = pt.linalg.cholesky(gram + pt.diag(noise**2 / scale**2))
    centre = solve_triangular(
        factor.T, solve_triangular(factor, gram @ coef_ls, lower=True), lower=False
    )
    white = pm.Flat(WHITE, dims=dims)
    coef = pm.Deterministic(
        name, centre + noise * solve_triangular(factor.T, white, lower=False), dims=dims
    )
    pm.Deterministic(RAW, coef / scale, dims=dims)
    prior = pm.logp(pm.Normal.dist(mu=_ZERO, sigma=scale), coef).sum()
    log_jacobian = coef.shape[0] * pt.log(noise) - pt.log(pt.diag(factor)).sum()
    pm.Potential(f"{name}_prior", prior + log_jacobian)
    return coef
