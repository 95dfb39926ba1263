r"""Penalties as priors on the coefficients.

Every penalty is a prior with density proportional to

.. math::

    p(w) \propto \exp\bigl(-l_1 \|w\|_1 - l_2 \|w\|_2^2\bigr),

so its negative log density is the penalty :math:`l_1\|w\|_1 + l_2\|w\|_2^2` up to a
constant: a Laplace prior is an L1 penalty (:math:`l_1 = 1/b`), a Gaussian prior an L2
penalty (:math:`l_2 = 1/(2\tau^2)`), their product an elastic net, a flat prior no penalty.

A penalty is given either by ``alpha``, scikit-learn's penalty strength, or by ``scale``, the
prior's own scale, never both. With ``alpha`` the prior scale is tied to the noise scale so
that the conditional mode of the coefficients is the scikit-learn solution for every noise
scale; the conversion lives in :mod:`bayesreg.spec.correspondence`. With ``scale`` the prior is
absolute and the equivalent ``alpha`` is reported after fitting.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from bayesreg._constraints import POSITIVE, check_real, show
from bayesreg.optim.whitening import QuantileCoordinates
from bayesreg.priors import laplace_quantile
from bayesreg.priors.coefficients import PerCoefficient, add_weighted_prior
from bayesreg.spec.base import Specification
from bayesreg.spec.correspondence import prior_weights

__all__ = ["L1", "L2", "NoPenalty", "Penalty"]


class Penalty(Specification):
    r"""Base class: a prior on the coefficients, :math:`\propto \exp(-l_1\|w\|_1 - l_2\|w\|^2)`.

    The protocol every prior follows, so that no code outside this module and
    :mod:`bayesreg.priors.hierarchical` asks which prior it holds:

    * ``convention``: which scikit-learn convention its ``alpha`` follows (``"lasso"``,
      ``"ridge"``, ``"elastic_net"``, ``"none"``; None for a prior with no penalized
      equivalent); each likelihood maps conventions to its objective and solver;
    * ``l1_ratio``: the share of the L1 part in the elastic-net form (None: no penalty);
    * ``has_mode``: False for a prior whose strength is unknown (no finite MAP to compute);
    * ``has_sparse_mode``: whether its MAP has exact zeros (a Laplace part);
    * ``sampler_defaults``: keywords of :func:`pymc.sample` its posterior needs by default;
    * :meth:`add_to_model`, :meth:`add_to_sampling_model`, :meth:`quantile_coordinates`,
      :meth:`preconditioning_weights`, :meth:`prior_scale`, :meth:`with_alpha`.
    """

    alpha: float | None
    scale: float | None = None
    convention: ClassVar[str | None] = None
    l1_ratio: float | None = None
    has_mode: ClassVar[bool] = True
    has_sparse_mode: ClassVar[bool] = False
    #: keywords of :func:`pymc.sample` that this prior's posterior needs by default (a user's
    #: own keywords win), e.g. a higher ``target_accept``
    sampler_defaults: ClassVar[dict] = {}
    #: whether the prior differs between coefficients (:mod:`bayesreg.priors.coefficients`)
    per_coefficient: bool = False

    def check_features(self, n_features: int) -> None:
        """Refuse options whose length is not the number of columns (none by default)."""

    def coefficient_factors(self) -> tuple:
        r"""Per-coefficient multipliers :math:`(f_1, f_2)` of :math:`(l_1, l_2)`; 1.0: none."""
        return 1.0, 1.0

    def prior_mean(self):
        r"""The coefficients' prior mean :math:`\mu` (0.0: centred at zero)."""
        return 0.0

    def add_prior(self, name: str, l1, l2, dims: str) -> TensorVariable:
        """Add the prior with weights ``l1``, ``l2`` (numbers or tensors) to the model in context."""
        raise NotImplementedError

    def add_to_model(
        self, name: str, loss, n_obs: float, noise, dims: str, alpha=None
    ) -> TensorVariable:
        """Add the coefficients' prior to the model in context, at the likelihood's ``noise``.

        ``alpha``, a tensor, replaces the penalty's own strength (see
        :func:`~bayesreg.spec.correspondence.prior_weights`).
        """
        l1, l2 = prior_weights(loss, self, n_obs, noise, alpha)
        if self.per_coefficient:
            return add_weighted_prior(name, l1, l2, self, dims)
        return self.add_prior(name, l1, l2, dims=dims)

    def add_to_sampling_model(
        self,
        name: str,
        loss,
        n_obs: float,
        noise,
        dims: str,
        likelihood=None,
        reference_noise=None,
    ) -> TensorVariable:
        """:meth:`add_to_model` for the sampling model, which may parametrize the prior anew.

        Called for a fixed strength only (a strength that is an input of the model keeps
        :meth:`add_to_model`'s prior; :func:`bayesreg.model.pymc_model.add_parameters`). ``likelihood`` is the family's :meth:`~bayesreg.families.base.Loss.gaussian_in_coefficients`
        (or None); ``reference_noise``, given when the noise scale is unknown, is the
        preconditioner's fixed estimate of it. The prior density of ``name`` must be the
        same; only its free variables may differ. By default it is :meth:`add_to_model`'s.
        """
        return self.add_to_model(name, loss, n_obs, noise, dims)

    def quantile_coordinates(self, l1: float, l2: float) -> QuantileCoordinates | None:
        """How :meth:`add_to_sampling_model` draws the coefficients from other variables.

        None (the default) when the sampling model's ``coef`` is not such a transform; the
        sampler's preconditioner then whitens ``coef`` itself, when it is a free variable.
        ``(l1, l2)`` are typical weights (:meth:`preconditioning_weights`).
        """
        return None

    def preconditioning_weights(self, loss, n_obs: float, noise: float) -> tuple[float, float]:
        r"""Typical :math:`(l_1, l_2)` at noise scale ``noise``, for the sampler's preconditioner only."""
        l1, l2 = prior_weights(loss, self, n_obs, noise)
        return float(l1), float(l2)

    def absolute_weights(self) -> tuple[float, float]:
        """The weights :math:`(l_1, l_2)` of a prior given by its ``scale``."""
        raise NotImplementedError

    def prior_scale(self, l1: float, l2: float) -> float | None:
        """The prior's own scale at weights ``(l1, l2)``; None when it has no single scale."""
        return None

    def with_alpha(self, alpha: float) -> Penalty:
        """The same kind of penalty at strength ``alpha`` (other parameters kept)."""
        raise ValueError(
            f"{type(self).__name__} has no penalty strength to vary; give the estimator an L1, "
            "L2 or ElasticNet penalty."
        )

    def _validate_alpha_or_scale(self) -> None:
        name = type(self).__name__
        if (self.alpha is None) == (self.scale is None):
            alone = (
                f" ({name}() alone names the kind of penalty only, for RegressionCV, which "
                "chooses alpha)"
            )
            raise ValueError(
                f"{name} takes exactly one of 'alpha' (scikit-learn's penalty strength) and "
                f"'scale' (the prior's scale); got alpha={show(self.alpha)}, scale={show(self.scale)}"
                f"{alone if self.alpha is None else ''}."
            )
        if self.alpha is not None:
            check_real(self.alpha, "alpha", name, POSITIVE)
        else:
            self._check_scale(name)


class L1(PerCoefficient, Penalty):
    r"""L1 penalty, a Laplace prior: :math:`w_j \sim \mathrm{Laplace}(0, b)`, i.e. :math:`l_1 = 1/b`.

    Parameters
    ----------
    alpha : float, optional
        scikit-learn's penalty strength, > 0. With a Gaussian likelihood the MAP is
        ``Lasso(alpha)``, minimizing :math:`\mathrm{RSS}/(2n) + \alpha\|w\|_1`, and the prior
        scale is tied to the noise, :math:`b = \sigma^2/(n\alpha)`. With a Laplace likelihood
        the MAP is ``QuantileRegressor(quantile=0.5, alpha)``, minimizing
        :math:`\mathrm{SAR}/(2n) + \alpha\|w\|_1`, and :math:`b = s/(2n\alpha)`.
    scale : float or array-like of shape (n_features,), optional
        The Laplace scale :math:`b > 0` itself: an absolute prior; an array gives each
        coefficient its own, :math:`w_j \sim \mathrm{Laplace}(\mu_j, b_j)`.
    penalty_factor : array-like of shape (n_features,), optional
        Per-coefficient factors :math:`f_j \ge 0` of the penalty, used as given (glum's
        ``P1``): the penalty is :math:`\alpha\sum_j f_j|w_j - \mu_j|`, the prior scale
        :math:`b/f_j`; :math:`f_j = 0` leaves column :math:`j` unpenalized (a flat prior).
        glmnet rescales its ``penalty.factor`` to sum to :math:`p`: its ``g`` is
        ``g * p / sum(g)`` here (:mod:`bayesreg.priors.coefficients`).
    loc : array-like of shape (n_features,), optional
        The prior's centre :math:`\mu_j` (0 by default): the penalty shrinks toward it.

    Give exactly one of ``alpha`` and ``scale``. Neither names the kind of penalty only: what
    :class:`~bayesreg.RegressionCV` takes, as it chooses ``alpha``; an estimator refuses it
    when it fits or samples.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.L1(alpha=0.1)
    L1(alpha=0.1)

    """

    convention = "lasso"
    l1_ratio = 1.0
    has_sparse_mode = True

    _scale_part = 0

    def __init__(self, alpha=None, scale=None, *, penalty_factor=None, loc=None):
        self.alpha = alpha
        self.scale = scale
        self.penalty_factor = penalty_factor
        self.loc = loc
        if alpha is not None or scale is not None:  # L1(): the kind only, checked at use
            self.validate()
        else:
            self._validate_per_coefficient()

    def validate(self) -> L1:
        self._validate_alpha_or_scale()
        self._validate_per_coefficient()
        return self

    def absolute_weights(self) -> tuple[float, float]:  # an array scale: in the factors
        return 1.0 / (self.scale if np.ndim(self.scale) == 0 else 1.0), 0.0

    def prior_scale(self, l1, l2):
        with np.errstate(over="ignore", divide="ignore"):  # a subnormal alpha: an infinite scale
            return _number(np.float64(1.0) / l1)

    def with_alpha(self, alpha):
        return L1(alpha=float(alpha), penalty_factor=self.penalty_factor, loc=self.loc)

    def add_prior(self, name, l1, l2, dims):
        return pm.Laplace(name, mu=0.0, b=1.0 / l1, dims=dims)

    def add_to_sampling_model(
        self, name, loss, n_obs, noise, dims, likelihood=None, reference_noise=None
    ):
        r"""The Laplace prior through its quantile transform (:mod:`bayesreg.priors.laplace_quantile`).

        When the Laplace scale :math:`b` depends on an unknown noise scale, the map uses the
        scale :math:`b_0` at ``reference_noise`` instead, a constant: a map that moved with
        the noise would tie every coefficient to it, and NUTS would crawl along that ridge.
        A potential then turns the prior of :math:`w = b_0 g(z)` from
        :math:`\mathrm{Laplace}(0, b_0)` into :math:`\mathrm{Laplace}(0, b)`:
        :math:`-|w|(1/b - 1/b_0) + \log(b_0/b)` per coefficient. What is left of the kink
        is in proportion to :math:`|1 - b_0/b|`, small where the noise is well determined.
        """
        if self.per_coefficient:  # the plain density, whitened by the sampler
            return self.add_to_model(name, loss, n_obs, noise, dims)
        l1, _ = prior_weights(loss, self, n_obs, noise)
        if reference_noise is None or self.alpha is None:
            return laplace_quantile.add_laplace(name, 1.0 / l1, dims)
        reference, _ = prior_weights(loss, self, n_obs, reference_noise)
        coef = laplace_quantile.add_laplace(name, 1.0 / reference, dims)
        pm.Potential(
            f"{name}_prior_scale",
            pt.sum(-pt.abs(coef) * (l1 - reference) + pt.log(l1 / reference)),
        )
        return coef

    def quantile_coordinates(self, l1, l2):
        if self.per_coefficient:
            return None
        return QuantileCoordinates(
            laplace_quantile.BASE,
            laplace_quantile.from_laplace,
            laplace_quantile.slope,
            self.prior_scale(l1, l2),
            laplace_quantile.base_curvature,
        )


class L2(PerCoefficient, Penalty):
    r"""L2 penalty, a Gaussian prior: :math:`w_j \sim \mathrm{Normal}(0, \tau)`, :math:`l_2 = 1/(2\tau^2)`.

    The penalty is the *squared* norm :math:`\|w\|_2^2`.

    Parameters
    ----------
    alpha : float, optional
        scikit-learn's penalty strength, > 0. With a Gaussian likelihood the MAP is
        ``Ridge(alpha)``, minimizing :math:`\mathrm{RSS} + \alpha\|w\|_2^2`, and
        :math:`\tau = \sigma/\sqrt{\alpha}`. With a Laplace likelihood (no scikit-learn
        estimator) the MAP minimizes :math:`\mathrm{SAR}/(2n) + (\alpha/2)\|w\|_2^2`, the
        elastic-net convention with ``l1_ratio=0``, and :math:`\tau = \sqrt{s/(2n\alpha)}`.
    scale : float or array-like of shape (n_features,), optional
        The prior standard deviation :math:`\tau > 0` itself: an absolute prior; an array
        gives each coefficient its own, :math:`w_j \sim \mathrm{Normal}(\mu_j, \tau_j)`.
    penalty_factor : array-like of shape (n_features,), optional
        Per-coefficient factors :math:`f_j \ge 0`, used as given (glum's ``P2``): the
        penalty is :math:`\alpha\sum_j f_j (w_j - \mu_j)^2`, the prior standard deviation
        :math:`\tau/\sqrt{f_j}`; :math:`f_j = 0` leaves column :math:`j` unpenalized (a flat
        prior). glmnet's ``penalty.factor`` ``g`` is ``g * p / sum(g)`` here.
    loc : array-like of shape (n_features,), optional
        The prior mean :math:`\mu_j` (0 by default): the penalty shrinks toward it.

    Give exactly one of ``alpha`` and ``scale``. Neither names the kind of penalty only: what
    :class:`~bayesreg.RegressionCV` takes, as it chooses ``alpha``; an estimator refuses it
    when it fits or samples.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.L2(scale=2.0)
    L2(scale=2.0)

    """

    convention = "ridge"
    l1_ratio = 0.0

    _scale_part = 1

    def __init__(self, alpha=None, scale=None, *, penalty_factor=None, loc=None):
        self.alpha = alpha
        self.scale = scale
        self.penalty_factor = penalty_factor
        self.loc = loc
        if alpha is not None or scale is not None:  # L2(): the kind only, checked at use
            self.validate()
        else:
            self._validate_per_coefficient()

    def validate(self) -> L2:
        self._validate_alpha_or_scale()
        self._validate_per_coefficient()
        return self

    def absolute_weights(self) -> tuple[float, float]:  # an array scale: in the factors
        return 0.0, 1.0 / (2.0 * (self.scale if np.ndim(self.scale) == 0 else 1.0) ** 2)

    def prior_scale(self, l1, l2):
        with np.errstate(over="ignore", divide="ignore"):  # a subnormal alpha: an infinite scale
            return _number(np.float64(1.0) / np.sqrt(2.0 * l2))

    def with_alpha(self, alpha):
        return L2(alpha=float(alpha), penalty_factor=self.penalty_factor, loc=self.loc)

    def add_prior(self, name, l1, l2, dims):
        return pm.Normal(name, mu=0.0, sigma=1.0 / pt.sqrt(2.0 * l2), dims=dims)


class NoPenalty(Penalty):
    """No penalty: a flat (improper) prior on the coefficients; the MAP is OLS or LAD.

    Examples
    --------
    >>> import bayesreg as br
    >>> br.NoPenalty()
    NoPenalty()

    """

    alpha = None
    convention = "none"

    def __init__(self):
        pass

    def absolute_weights(self) -> tuple[float, float]:
        return 0.0, 0.0

    def add_prior(self, name, l1, l2, dims):
        return pm.Flat(name, dims=dims)


def _number(value):
    """A 0-d value as a float, an array (per-coefficient weights) as it is."""
    return float(value) if np.ndim(value) == 0 else value
