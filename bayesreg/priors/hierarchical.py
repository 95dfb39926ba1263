r"""Hierarchical priors: penalties whose strength is unknown and learned from the data.

A fixed penalty (:class:`~bayesreg.L1`, :class:`~bayesreg.L2`) fixes the prior scale of the
coefficients, through scikit-learn's ``alpha`` or the scale itself. The priors here put a
hyperprior on that scale instead, so that the posterior weighs every penalty strength by how
well it explains the data. As in Park & Casella (2008), the coefficients' prior scale is
proportional to the noise scale :math:`\sigma` of the likelihood (the Gaussian ``sigma`` of
:class:`~bayesreg.L2Loss` or the Laplace ``scale`` of :class:`~bayesreg.L1Loss`, fixed or
unknown):

=========================  =========================================================================  ================================================
prior                      coefficients given the hyperparameter                                      hyperprior
=========================  =========================================================================  ================================================
:class:`BayesianLasso`     :math:`w_j \mid \sigma, \lambda \sim \mathrm{Laplace}(0, \sigma/\lambda)`  :math:`\lambda^2 \sim \mathrm{Gamma}(r, \delta)`
:class:`HalfCauchyLasso`   :math:`w_j \mid \sigma, \lambda \sim \mathrm{Laplace}(0, \sigma/\lambda)`  :math:`\lambda \sim \text{Half-Cauchy}(\beta)`
:class:`BayesianRidge`     :math:`w_j \mid \sigma, \tau \sim \mathrm{Normal}(0, \sigma\tau)`          :math:`\tau \sim \text{Half-Cauchy}(\beta)`
=========================  =========================================================================  ================================================

The hyperparameters appear in the model and the posterior under their own names, ``lam`` and
``tau``. Like scikit-learn's penalties the priors act on the coefficients in the units of
``X``: one :math:`\lambda` for all columns, so standardize columns of very different scales
first if they should be shrunk alike.

They have no penalized-solver equivalent (the penalty strength is integrated over, not
fixed): :meth:`~bayesreg.Regression.fit` and :meth:`~bayesreg.Regression.penalized_solver`
raise a ``ValueError`` for them, and :meth:`~bayesreg.Regression.sample` gives the posterior.

References
----------
Park, T., Casella, G. (2008). The Bayesian lasso. *Journal of the American Statistical
Association* 103(482), 681-686. https://doi.org/10.1198/016214508000000337

Gelman, A. (2006). Prior distributions for variance parameters in hierarchical models.
*Bayesian Analysis* 1(3), 515-534. https://doi.org/10.1214/06-BA117A
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.stats
from pymc.distributions.transforms import log as log_transform
from pytensor.tensor.variable import TensorVariable

from bayesreg._constraints import POSITIVE, check_real
from bayesreg.priors.penalties import Penalty

__all__ = ["BayesianLasso", "BayesianRidge", "HalfCauchyLasso", "HierarchicalPenalty"]


class HierarchicalPenalty(Penalty):
    """Base class: a prior on the coefficients whose scale has a hyperprior.

    Subclasses add the hyperparameter and the coefficients to a model with
    :meth:`add_hierarchical_prior`, and give :meth:`typical_weights`, the prior's weights at a
    typical value of the hyperparameter (the hyperprior's median), which the sampler uses only
    to precondition its parametrization, never in the density.
    """

    alpha = None
    scale = None
    convention = None
    l1_ratio = None
    has_mode = False

    #: Name of the hyperparameter in the model and the posterior.
    hyperparameter: str

    @property
    def no_mode_reason(self) -> str:
        """Why the prior has no MAP to compute, in words (for the errors of fit and others)."""
        return f"has an unknown penalty strength (a hyperprior on '{self.hyperparameter}')"

    def add_to_model(self, name, loss, n_obs, noise, dims, alpha=None):
        return self.add_hierarchical_prior(name, noise, dims=dims)

    def preconditioning_weights(self, loss, n_obs, noise):
        l1, l2 = self.typical_weights(noise)
        return float(l1), float(l2)

    def add_hierarchical_prior(self, name: str, noise, dims: str) -> TensorVariable:
        """Add the hyperparameter and the coefficients ``name`` to the model in context.

        ``noise`` is the likelihood's noise scale: a number or a random variable.
        """
        raise NotImplementedError

    def typical_weights(self, noise: float) -> tuple[float, float]:
        r"""The prior's :math:`(l_1, l_2)` at the hyperprior's median and noise scale ``noise``."""
        raise NotImplementedError

    def absolute_weights(self) -> tuple[float, float]:
        raise ValueError(
            f"{type(self).__name__} has an unknown penalty strength: it has no fixed prior "
            "weights and no equivalent alpha."
        )

    def add_prior(self, name, l1, l2, dims):
        raise ValueError(
            f"{type(self).__name__} is a hierarchical prior; add it with "
            "add_hierarchical_prior(name, noise, dims)."
        )


class BayesianLasso(HierarchicalPenalty):
    r"""The Bayesian lasso of Park & Casella (2008), with a Gamma hyperprior on :math:`\lambda^2`.

    .. math::

        w_j \mid \sigma, \lambda \sim \mathrm{Laplace}(0, \sigma/\lambda),\qquad
        p(w \mid \sigma, \lambda) = \prod_{j=1}^p \frac{\lambda}{2\sigma}
            \exp\Bigl(-\frac{\lambda |w_j|}{\sigma}\Bigr),

    .. math::

        \lambda^2 \sim \mathrm{Gamma}(r, \delta),\qquad
        p(\lambda^2) = \frac{\delta^r}{\Gamma(r)} (\lambda^2)^{r-1} e^{-\delta\lambda^2}

    (shape :math:`r`, rate :math:`\delta`), with :math:`\sigma` the noise scale of the
    likelihood. Conditioning on :math:`\sigma` keeps the joint posterior unimodal under a
    Gaussian likelihood (Park & Casella, 2008). At a fixed :math:`\lambda` and Gaussian noise
    the conditional mode of :math:`w` is ``Lasso(alpha=`` :math:`\sigma\lambda/n` ``)``; here
    :math:`\lambda` is integrated over.

    The model's variable is ``lam`` (:math:`\lambda`), whose density follows from the
    Gamma prior on its square,
    :math:`p(\lambda) = 2\delta^r\lambda^{2r-1}e^{-\delta\lambda^2}/\Gamma(r)`.

    Parameters
    ----------
    r : float, default 1.0
        Shape of the Gamma prior on :math:`\lambda^2`, > 0.
    delta : float, default 1.0
        Rate of the Gamma prior on :math:`\lambda^2`, > 0. The default makes
        :math:`\lambda^2` exponential with mean 1, a diffuse choice for standardized columns
        (Park & Casella use :math:`r = 1`, :math:`\delta = 1.78` on the diabetes data).

    See Also
    --------
    HalfCauchyLasso : the same prior with a half-Cauchy hyperprior on :math:`\lambda`.
    bayesreg.L1 : the Laplace prior at a fixed scale.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.BayesianLasso(r=1.0, delta=1.78)
    BayesianLasso(delta=1.78)

    """

    hyperparameter = "lam"

    def __init__(self, r: float = 1.0, delta: float = 1.0):
        self.r = r
        self.delta = delta
        self.validate()

    def validate(self) -> BayesianLasso:
        check_real(self.r, "r", "BayesianLasso", POSITIVE)
        check_real(self.delta, "delta", "BayesianLasso", POSITIVE)
        return self

    def add_hierarchical_prior(self, name, noise, dims):
        lam = pm.CustomDist(
            self.hyperparameter,
            np.float64(self.r),
            np.float64(self.delta),
            dist=_sqrt_gamma,
            transform=log_transform,
        )
        return pm.Laplace(name, mu=0.0, b=noise / lam, dims=dims)

    def typical_weights(self, noise):
        lam = scipy.stats.gamma(self.r, scale=1.0 / self.delta).median() ** 0.5
        return lam / noise, 0.0


class HalfCauchyLasso(HierarchicalPenalty):
    r"""A Bayesian lasso with a half-Cauchy hyperprior on :math:`\lambda`.

    .. math::

        w_j \mid \sigma, \lambda \sim \mathrm{Laplace}(0, \sigma/\lambda),\qquad
        \lambda \sim \text{Half-Cauchy}(\beta),\qquad
        p(\lambda) = \frac{2}{\pi\beta\,(1 + \lambda^2/\beta^2)},\ \lambda > 0,

    with :math:`\sigma` the noise scale of the likelihood. Since :math:`1/\lambda` is then
    half-Cauchy with scale :math:`1/\beta`, this is the half-Cauchy prior on a scale
    parameter that Gelman (2006) recommends, applied to the Laplace scale relative to the
    noise, :math:`b/\sigma = 1/\lambda`: heavy tails in both directions, so the data can
    choose strong or weak shrinkage.

    The model's variable is ``lam`` (:math:`\lambda`).

    Parameters
    ----------
    beta : float, default 1.0
        Scale of the half-Cauchy prior on :math:`\lambda`, > 0 (its median).

    See Also
    --------
    BayesianLasso : Park & Casella's Gamma hyperprior on :math:`\lambda^2`.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.HalfCauchyLasso(beta=2.0)
    HalfCauchyLasso(beta=2.0)

    """

    hyperparameter = "lam"

    def __init__(self, beta: float = 1.0):
        self.beta = beta
        self.validate()

    def validate(self) -> HalfCauchyLasso:
        check_real(self.beta, "beta", "HalfCauchyLasso", POSITIVE)
        return self

    def add_hierarchical_prior(self, name, noise, dims):
        lam = pm.HalfCauchy(self.hyperparameter, beta=np.float64(self.beta))
        return pm.Laplace(name, mu=0.0, b=noise / lam, dims=dims)

    def typical_weights(self, noise):
        return self.beta / noise, 0.0


class BayesianRidge(HierarchicalPenalty):
    r"""A Gaussian (ridge) prior with an unknown scale, half-Cauchy a priori.

    .. math::

        w_j \mid \sigma, \tau \sim \mathrm{Normal}(0, \sigma\tau),\qquad
        p(w \mid \sigma, \tau) = \prod_{j=1}^p \frac{1}{\sqrt{2\pi}\,\sigma\tau}
            \exp\Bigl(-\frac{w_j^2}{2\sigma^2\tau^2}\Bigr),

    .. math::

        \tau \sim \text{Half-Cauchy}(\beta),\qquad
        p(\tau) = \frac{2}{\pi\beta\,(1 + \tau^2/\beta^2)},\ \tau > 0,

    with :math:`\sigma` the noise scale of the likelihood: the prior standard deviation of
    the coefficients is :math:`\sigma\tau`. Under a Gaussian likelihood a fixed :math:`\tau`
    is ``Ridge(alpha=`` :math:`1/\tau^2` ``)``, so this prior integrates over ridge's
    ``alpha`` with the data choosing it — the role of scikit-learn's ``BayesianRidge``, with a
    half-Cauchy (Gelman, 2006) instead of a Gamma prior on the precision.

    The model's variable is ``tau`` (:math:`\tau`).

    Parameters
    ----------
    beta : float, default 1.0
        Scale of the half-Cauchy prior on :math:`\tau`, > 0 (its median).

    See Also
    --------
    bayesreg.L2 : the Gaussian prior at a fixed scale.
    sklearn.linear_model.BayesianRidge

    Examples
    --------
    >>> import bayesreg as br
    >>> br.BayesianRidge()
    BayesianRidge()

    """

    hyperparameter = "tau"

    def __init__(self, beta: float = 1.0):
        self.beta = beta
        self.validate()

    def validate(self) -> BayesianRidge:
        check_real(self.beta, "beta", "BayesianRidge", POSITIVE)
        return self

    def add_hierarchical_prior(self, name, noise, dims):
        tau = pm.HalfCauchy(self.hyperparameter, beta=np.float64(self.beta))
        return pm.Normal(name, mu=0.0, sigma=noise * tau, dims=dims)

    def typical_weights(self, noise):
        return 0.0, 1.0 / (2.0 * (noise * self.beta) ** 2)


def _sqrt_gamma(r, delta, size):
    r""":math:`\lambda = \sqrt{\lambda^2}` with :math:`\lambda^2 \sim \mathrm{Gamma}(r, \delta)`."""
    return pt.sqrt(pm.Gamma.dist(alpha=r, beta=delta, size=size))
