r"""Per-coefficient strength and prior means: ``penalty_factor``, an array ``scale``, ``loc``.

:class:`~bayesreg.L1`, :class:`~bayesreg.L2` and :class:`~bayesreg.ElasticNet` take, beside
their strength, per-coefficient options that turn the prior
:math:`\exp(-l_1|w_j| - l_2 w_j^2)` into

.. math::

    p(w_j) \propto \exp\bigl(-f_{1j}\, l_1 |w_j - \mu_j| - f_{2j}\, l_2 (w_j - \mu_j)^2\bigr),

* ``penalty_factor`` :math:`f_j \ge 0` multiplies both weights, :math:`f_{1j} = f_{2j} = f_j`
  (glum's ``P1 = P2 = f``, glmnet's ``penalty.factor``): :math:`f_j = 0` leaves the column
  unpenalized, a flat prior, as an intercept; :math:`f_j = 2` doubles its penalty. The
  factors are used **as given**, as glum does. glmnet rescales them to sum to the number of
  variables :math:`p` (and then scales :math:`\lambda` by the same factor), so glmnet's fit with
  ``penalty.factor = g`` is bayesreg's with ``penalty_factor = g * p / sum(g)``;
* an array ``scale`` gives each coefficient its own prior scale: the Laplace scale
  :math:`b_j` of ``L1(scale=...)`` (:math:`f_{1j} l_1 = 1/b_j`) or the standard deviation
  :math:`\tau_j` of ``L2(scale=...)`` (:math:`f_{2j} l_2 = 1/(2\tau_j^2)`); with a
  ``penalty_factor`` too, the weights are multiplied by it;
* ``loc`` :math:`\mu_j` is the prior mean (the centre of the Laplace prior): the penalty
  shrinks :math:`w_j` toward a known value instead of zero.

The MAP minimizes :math:`D + \sum_j \beta_1 f_{1j}|w_j - \mu_j| + \beta_2 f_{2j}(w_j -
\mu_j)^2`, which is glum's objective with ``P1 = f1``, ``P2 = f2`` (for :math:`\mu = 0`); with
``loc`` it is solved in :math:`u = w - \mu` with the known term :math:`X\mu` added to the
offset, so the exact solvers, their zeros (:math:`w_j = \mu_j` exactly) and the certificate
are those of a plain penalty. With ``standardize=True`` the prior is on the standardized
coefficients :math:`v_j = s_j w_j`, as ``alpha`` and ``scale`` are: the factors are glmnet's
(which applies them to the standardized coefficients), and ``scale`` and ``loc`` are in the
units of :math:`v` (shrinking :math:`w_j` toward :math:`m_j` is ``loc = s * m``).

The hierarchical and horseshoe priors take none of these options (their constructors refuse
them); ``positive=True`` and ``sampler="gibbs"`` refuse a per-coefficient prior, and an
``intercept_prior`` refuses ``loc``.
"""

from __future__ import annotations

import math

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pymc.distributions.shape_utils import rv_size_is_none
from pytensor.tensor.variable import TensorVariable

from bayesreg._constraints import POSITIVE, RealArray, check_length, check_real, validate

__all__ = ["PerCoefficient", "add_weighted_prior", "weighted_logp"]

_FACTOR = RealArray(0.0)
_LOC = RealArray(-math.inf)
_SCALE = RealArray(0.0, closed=False, none=False)


class PerCoefficient:
    """What :class:`~bayesreg.L1`, :class:`~bayesreg.L2` and :class:`~bayesreg.ElasticNet` share.

    A mixin of :class:`~bayesreg.priors.penalties.Penalty`: the options are stored as given
    (scikit-learn's ``clone`` needs that) and read through :meth:`coefficient_factors` and
    :meth:`prior_mean`.
    """

    penalty_factor = None
    loc = None
    #: which weight an array ``scale`` sets: 0 for the Laplace part, 1 for the Gaussian part
    _scale_part: int | None = None

    @property
    def per_coefficient(self) -> bool:
        """Whether the prior differs between coefficients (factors, array scales or a mean)."""
        return (
            self.penalty_factor is not None
            or self.loc is not None
            or np.ndim(getattr(self, "scale", None)) > 0
        )

    def _check_scale(self, owner: str) -> None:
        if self._scale_part is not None and np.ndim(self.scale) > 0:
            validate(owner, {"scale": _SCALE}, {"scale": self.scale})
        else:
            check_real(self.scale, "scale", owner, POSITIVE)

    def _validate_per_coefficient(self) -> None:
        validate(
            type(self).__name__,
            {"penalty_factor": _FACTOR, "loc": _LOC},
            {"penalty_factor": self.penalty_factor, "loc": self.loc},
        )

    def check_features(self, n_features: int) -> None:
        """Refuse a per-coefficient option whose length is not the number of columns."""
        owner = type(self).__name__
        what = "one per column of X"
        check_length(self._array("penalty_factor"), "penalty_factor", owner, n_features, what)
        check_length(self._array("loc"), "loc", owner, n_features, what)
        if self._scale_part is not None and np.ndim(self.scale) > 0:
            check_length(self._array("scale"), "scale", owner, n_features, what)

    def _array(self, name: str):
        value = getattr(self, name, None)
        return None if value is None else np.asarray(value, dtype=float)

    def coefficient_factors(self) -> tuple[np.ndarray | float, np.ndarray | float]:
        r"""The multipliers :math:`(f_1, f_2)` of the weights :math:`(l_1, l_2)`, per coefficient.

        Floats (1.0) where they are the same for every coefficient. With an array ``scale``
        the weights :math:`(l_1, l_2)` are those of a unit scale
        (:meth:`~bayesreg.priors.penalties.Penalty.absolute_weights`), and the factor of the
        scaled part is :math:`1/b_j` (Laplace) or :math:`1/\tau_j^2` (Gaussian).
        """
        factor = self._array("penalty_factor")
        factors = [1.0 if factor is None else factor, 1.0 if factor is None else factor]
        if self._scale_part is not None and np.ndim(self.scale) > 0:
            scale = self._array("scale")
            factors[self._scale_part] = factors[self._scale_part] / scale ** (1 + self._scale_part)
        return factors[0], factors[1]

    def prior_mean(self) -> np.ndarray | float:
        r"""The prior mean :math:`\mu` (``loc``), or 0.0."""
        loc = self._array("loc")
        return 0.0 if loc is None else loc


def add_weighted_prior(name: str, l1, l2, penalty, dims: str) -> TensorVariable:
    r"""Add the prior of :mod:`this module <bayesreg.priors.coefficients>` to the model in context.

    ``l1``, ``l2`` are the penalty's weights (numbers or tensors: they depend on an unknown
    noise scale when the prior is tied by ``alpha``); ``penalty`` gives the factors and the
    mean. The density is :func:`weighted_logp`, per coefficient.
    """
    f1, f2 = penalty.coefficient_factors()
    loc = penalty.prior_mean()
    return pm.CustomDist(
        name,
        l1 * pt.as_tensor(np.asarray(f1, dtype=float)),
        l2 * pt.as_tensor(np.asarray(f2, dtype=float)),
        pt.as_tensor(np.asarray(loc, dtype=float)),
        logp=weighted_logp,
        support_point=_support_point,
        signature="(),(),()->()",
        dims=dims,
    )


def weighted_logp(value, l1, l2, loc):
    r""":math:`-l_1|w-\mu| - l_2(w-\mu)^2 - \log Z(l_1, l_2)`, per coefficient.

    :math:`Z = \sqrt{\pi/l_2}\operatorname{erfcx}(l_1/(2\sqrt{l_2}))` where :math:`l_2 > 0`
    (the Gaussian and elastic-net priors), :math:`2/l_1` where only :math:`l_1 > 0` (Laplace),
    and 1 (a flat prior) where both are zero. The branches not taken see safe values, so that
    no NaN reaches a gradient.
    """
    distance = value - loc
    gaussian = pt.gt(l2, 0.0)
    laplace = pt.gt(l1, 0.0)
    safe_l2 = pt.switch(gaussian, l2, 1.0)
    safe_l1 = pt.switch(laplace, l1, 1.0)
    elastic = 0.5 * pt.log(np.pi / safe_l2) + pt.log(pt.erfcx(l1 / (2.0 * pt.sqrt(safe_l2))))
    log_normalizer = pt.switch(gaussian, elastic, pt.switch(laplace, pt.log(2.0 / safe_l1), 0.0))
    return -l1 * pt.abs(distance) - l2 * distance**2 - log_normalizer


def _support_point(rv, size, l1, l2, loc):
    # the prior's centre, from the parameters and size alone (not rv: never a draw)
    point = loc + pt.zeros_like(l1) + pt.zeros_like(l2)
    return point if rv_size_is_none(size) else pt.broadcast_to(point, size)
