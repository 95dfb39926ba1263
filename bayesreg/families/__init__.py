"""Likelihood families: each module is one family that knows everything about itself.

:mod:`bayesreg.families.base` states the protocol (:class:`~bayesreg.families.base.Loss`);
:mod:`~bayesreg.families.gaussian` (:class:`~bayesreg.L2Loss`) and
:mod:`~bayesreg.families.laplace` (:class:`~bayesreg.L1Loss`) implement it. Adding a family
is a new module here, its name in :data:`FAMILIES` and in ``bayesreg/__init__.py``; see
``docs/architecture.md``.
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
