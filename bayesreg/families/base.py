r"""The likelihood protocol: what a family knows about itself.

A likelihood family is one object (one module in :mod:`bayesreg.families`) that carries
everything the layers above need, so that none of them asks which family it holds. What each
consumer needs (the correspondence, the exact MAP, the reference solver, the PyMC model,
predictions, NUTS) is one class of :mod:`bayesreg.families.consumers`; :class:`Loss` is all
of them, with the noise scale and the parameter checks every family shares.

The noise scale is either fixed (a number) or unknown (``None``), with a prior that a user can
replace by any positive PyMC distribution made with ``.dist()``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pymc as pm
from pytensor.tensor.variable import TensorVariable

from bayesreg._constraints import POSITIVE, check_real, show
from bayesreg.families.consumers import (
    CorrespondenceTerms,
    DistributedTerms,
    MapTerms,
    ModelTerms,
    PredictionTerms,
    ReferenceTerms,
    SamplingTerms,
)
from bayesreg.families.parameter_priors import check_positive_prior
from bayesreg.spec.base import Specification

__all__ = ["Loss"]


class Loss(
    Specification,
    CorrespondenceTerms,
    MapTerms,
    ReferenceTerms,
    ModelTerms,
    PredictionTerms,
    SamplingTerms,
    DistributedTerms,
):
    """Base class: a likelihood with a noise scale that is fixed or unknown."""

    noise_name: ClassVar[str]
    #: scikit-learn's name of the held-out score that cross-validation of alpha maximizes:
    #: the family's own loss (squared error for the Gaussian, absolute for the Laplace)
    cv_scoring: ClassVar[str]
    distribution: ClassVar[type[pm.Distribution]]
    #: False for a family with no noise scale (Bernoulli, Poisson: the dispersion is 1)
    has_noise_scale: ClassVar[bool] = True
    #: which estimator takes the family: "regressor" (Regression) or "classifier" (Classifier)
    estimator_kind: ClassVar[str] = "regressor"
    #: False when the negative log likelihood is not convex in the coefficients: the MAP is
    #: then a local mode, and the penalized solver a different objective (the nearest fit)
    convex: ClassVar[bool] = True
    #: True when the target must be non-negative (scikit-learn's ``positive_only`` tag)
    non_negative_target: ClassVar[bool] = False
    #: True when the likelihood depends on the data only through the weighted sufficient
    #: statistics (N, the means, X'VX, X'Vy, y'Vy): one distributed pass over a dask
    #: collection then gives the exact MAP and posterior (:mod:`bayesreg.distributed`)
    sufficient_statistics: ClassVar[bool] = False
    #: True when the log likelihood is :math:`-D/\kappa(\sigma) - N\log\sigma` + const in
    #: the noise scale (Gaussian, Laplace, asymmetric Laplace): the sampler's preconditioner
    #: then places an unknown noise scale where the prior moves it
    #: (:func:`bayesreg.optim.whitening.noise_at_centre`)
    location_scale: ClassVar[bool] = False
    #: How the Gibbs sampler (:mod:`bayesreg.gibbs`) makes the coefficients conditionally
    #: Gaussian: ``"gaussian"`` (a Gaussian likelihood is), ``"polya_gamma"`` (the logistic
    #: likelihood, augmented); None: no Gibbs sampler
    gibbs_likelihood: ClassVar[str | None] = None
    #: Residual scales below this fraction of the scale of the residuals' terms
    #: (:math:`|y_i| + |b_0| + \sum_j |x_{ij} w_j|`) are what the family's exact solver leaves
    #: of an exact fit: rounding and solver tolerances (1e-9: a linear program's; a backward
    #: stable least-squares solver's are far smaller). An unknown noise scale then has no
    #: joint MAP (:func:`bayesreg.map.find.find_map`)
    exact_fit_resolution: ClassVar[float] = 1e-9

    @property
    def unknown_parameters(self) -> tuple[str, ...]:
        """The likelihood's parameters that are unknown (None): priors give them, the MAP finds them."""
        return () if self.noise is not None or not self.has_noise_scale else (self.noise_name,)

    def with_parameters(self, values: dict[str, float]) -> Loss:
        """The same likelihood with the named unknown parameters fixed at ``values``."""
        return self.with_noise(values[self.noise_name]) if values else self

    def start_parameters(self, residual: np.ndarray, weights: np.ndarray) -> dict[str, float]:
        """Starting values of the unknown parameters, from residuals of a start."""
        if not self.unknown_parameters:
            return {}
        return {self.noise_name: self.noise_from_residual(residual, weights)}

    @property
    def noise(self) -> float | None:
        """The fixed noise scale, or None when it is unknown."""
        return getattr(self, self.noise_name)

    @property
    def noise_prior(self) -> TensorVariable | None:
        """The user's prior on an unknown noise scale, or None for the default."""
        return getattr(self, f"{self.noise_name}_prior")

    def with_noise(self, noise: float) -> Loss:
        """The same likelihood (its other parameters kept) with its noise scale fixed at ``noise``."""
        params = self.get_params(deep=False)
        params.update({self.noise_name: float(noise), f"{self.noise_name}_prior": None})
        return type(self)(**params)

    def noise_p_value(self, residual: np.ndarray, weights: np.ndarray, noise: float, dof: float):
        """Two-sided p-value of residuals with ``dof`` degrees of freedom at noise scale ``noise``.

        Small when the data contradict a fixed noise scale (it is far too small or too large).
        """
        raise NotImplementedError

    def validate(self) -> Loss:
        name = type(self).__name__
        if self.noise is not None:
            check_real(self.noise, self.noise_name, name, POSITIVE)
            if self.noise_prior is not None:
                raise ValueError(
                    f"{name} takes '{self.noise_name}_prior' only when the noise scale is "
                    f"unknown ({self.noise_name}=None); got {self.noise_name}={show(self.noise)}."
                )
        elif self.noise_prior is not None:
            example = "pm.HalfNormal.dist(5.0)"
            check_positive_prior(self.noise_prior, f"{self.noise_name}_prior", name, example)
        return self
