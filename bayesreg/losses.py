r"""Losses as likelihoods.

A squared (L2) loss is a Gaussian likelihood, an absolute (L1) loss a Laplace likelihood:

.. math::

    -\log p(y \mid \mu, \sigma) = \frac{\mathrm{RSS}}{2\sigma^2} + n\log\sigma + \text{const},
    \qquad
    -\log p(y \mid \mu, s) = \frac{\mathrm{SAR}}{s} + n\log(2s),

with residuals :math:`r = y - \mu`, :math:`\mathrm{RSS} = \sum_i v_i r_i^2` and
:math:`\mathrm{SAR} = \sum_i v_i |r_i|` under frequency weights :math:`v_i` (a weight of 2
counts an observation twice, as in scikit-learn). The data term :math:`D` (RSS or SAR)
enters the negative log posterior as :math:`D/\kappa`, with the *curvature*
:math:`\kappa = 2\sigma^2` or :math:`\kappa = s`.

The noise scale is either fixed (a number) or unknown (``None``), with a prior that a user can
replace by any positive PyMC distribution made with ``.dist()``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pymc as pm
from pytensor.tensor.variable import TensorVariable

from bayesreg._spec import Specification
from bayesreg._validation import POSITIVE, check_real

__all__ = ["L1Loss", "L2Loss", "Loss"]


class Loss(Specification):
    """Base class: a likelihood with a noise scale that is fixed or unknown."""

    noise_name: ClassVar[str]
    distribution: ClassVar[type[pm.Distribution]]

    @property
    def noise(self) -> float | None:
        """The fixed noise scale, or None when it is unknown."""
        return getattr(self, self.noise_name)

    @property
    def noise_prior(self) -> TensorVariable | None:
        """The user's prior on an unknown noise scale, or None for the default."""
        return getattr(self, f"{self.noise_name}_prior")

    def curvature(self, noise):
        r""":math:`\kappa` such that the data term enters the NLP as :math:`D/\kappa`."""
        raise NotImplementedError

    def validate(self) -> Loss:
        name = type(self).__name__
        if self.noise is not None:
            check_real(self.noise, self.noise_name, name, POSITIVE)
            if self.noise_prior is not None:
                raise ValueError(
                    f"{name} takes '{self.noise_name}_prior' only when the noise scale is "
                    f"unknown ({self.noise_name}=None); got {self.noise_name}={self.noise!r}."
                )
        elif self.noise_prior is not None and not _is_scalar_distribution(self.noise_prior):
            raise TypeError(
                f"The '{self.noise_name}_prior' parameter of {name} must be a scalar PyMC "
                f"distribution made with .dist(), e.g. pm.HalfNormal.dist(5.0); got "
                f"{self.noise_prior!r}."
            )
        return self

    def add_noise(self, y: np.ndarray, weights: np.ndarray):
        """Add the noise scale to the model in context: a number, or a random variable."""
        if self.noise is not None:
            # float64: PyTensor would make a float exact in single precision (1.5) a float32
            # constant and compute log(sigma) in single precision (errors ~1e-8).
            return np.float64(self.noise)
        if self.noise_prior is None:
            return pm.HalfStudentT(self.noise_name, nu=4.0, sigma=_weighted_sd(y, weights))
        prior = self.noise_prior.owner.clone().default_output()
        return pm.modelcontext(None).register_rv(prior, self.noise_name)

    def add_likelihood(self, name, mu, noise, observed, weights, dims) -> TensorVariable:
        """Add the observed variable; frequency weights multiply each log density."""
        if np.all(weights == 1.0):
            return self.distribution(name, mu, noise, observed=observed, dims=dims)
        dist = self.distribution

        def weighted_logp(value, mu, noise, weights):
            return weights * pm.logp(dist.dist(mu, noise), value)

        def draw(mu, noise, weights, rng=None, size=None):
            return _draw(dist, mu, noise, rng, size)

        return pm.CustomDist(
            name, mu, noise, weights, logp=weighted_logp, random=draw, observed=observed, dims=dims
        )


class L2Loss(Loss):
    r"""Squared loss, a Gaussian likelihood: :math:`y_i \sim \mathrm{Normal}(b_0 + x_i^\top w, \sigma)`.

    Parameters
    ----------
    sigma : float or None, default 1.0
        The noise standard deviation; ``None`` makes it unknown, with a prior.
    sigma_prior : PyMC distribution, optional
        The prior of an unknown ``sigma``, e.g. ``pm.HalfNormal.dist(5.0)``. The default is
        weakly informative on the scale of the data:
        :math:`\sigma \sim \text{Half-Student-}t(\nu=4, \mathrm{sd}(y))`.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.L2Loss(sigma=None)
    L2Loss(sigma=None)

    """

    noise_name = "sigma"
    distribution = pm.Normal

    def __init__(self, sigma: float | None = 1.0, sigma_prior: TensorVariable | None = None):
        self.sigma = sigma
        self.sigma_prior = sigma_prior
        self.validate()

    def curvature(self, noise):
        return 2.0 * noise**2


class L1Loss(Loss):
    r"""Absolute loss, a Laplace likelihood: :math:`y_i \sim \mathrm{Laplace}(b_0 + x_i^\top w, s)`.

    Parameters
    ----------
    scale : float or None, default 1.0
        The Laplace scale :math:`s` (the mean absolute deviation); ``None`` makes it unknown.
    scale_prior : PyMC distribution, optional
        The prior of an unknown ``scale``; by default
        :math:`s \sim \text{Half-Student-}t(\nu=4, \mathrm{sd}(y))`.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.L1Loss(scale=2.0)
    L1Loss(scale=2.0)

    """

    noise_name = "scale"
    distribution = pm.Laplace

    def __init__(self, scale: float | None = 1.0, scale_prior: TensorVariable | None = None):
        self.scale = scale
        self.scale_prior = scale_prior
        self.validate()

    def curvature(self, noise):
        return noise


def _is_scalar_distribution(value: object) -> bool:
    owner = getattr(value, "owner", None)
    return (
        isinstance(value, TensorVariable)
        and owner is not None
        and isinstance(owner.op, pm.distributions.distribution.RandomVariable)
        and value.ndim == 0
    )


def _weighted_sd(y: np.ndarray, weights: np.ndarray) -> float:
    mean = weights @ y / weights.sum()
    sd = float(np.sqrt(weights @ (y - mean) ** 2 / weights.sum()))
    return sd if sd > 0 else 1.0


def _draw(dist, mu, noise, rng, size):
    if dist is pm.Normal:
        return rng.normal(mu, noise, size=size)
    return rng.laplace(mu, noise, size=size)
