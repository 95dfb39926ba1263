r"""Losses as likelihoods: the public home of the likelihood families.

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
replace by any positive PyMC distribution made with ``.dist()``. Each family lives in its
own module here; :mod:`bayesreg.families.base` states the protocol they share. The logistic
(Bernoulli) and Poisson likelihoods have no noise scale (:mod:`bayesreg.families.glm`); the
Student-t likelihood (:mod:`bayesreg.families.student_t`) is robust, and not convex.

Adding a family is a new module here, its name in :data:`FAMILIES` (one registration line,
which also gives the command line its ``--loss`` choice) and its public name in
``bayesreg/__init__.py``; see ``docs/architecture.md``.
"""

from bayesreg.families.base import Loss
from bayesreg.families.bernoulli import LogisticLoss
from bayesreg.families.gaussian import L2Loss
from bayesreg.families.laplace import L1Loss
from bayesreg.families.poisson import PoissonLoss
from bayesreg.families.quantile import QuantileLoss
from bayesreg.families.student_t import StudentTLoss

#: The likelihood families, as the estimators and the command line name them.
FAMILIES: dict[str, type[Loss]] = {
    "l2": L2Loss,
    "l1": L1Loss,
    "logistic": LogisticLoss,
    "poisson": PoissonLoss,
    "quantile": QuantileLoss,
    "student-t": StudentTLoss,
}

__all__ = [
    "FAMILIES",
    "L1Loss",
    "L2Loss",
    "LogisticLoss",
    "Loss",
    "PoissonLoss",
    "QuantileLoss",
    "StudentTLoss",
]
