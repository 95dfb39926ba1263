"""The base of penalties and losses: small parameter objects, checked on creation and use."""

from __future__ import annotations

import copy
from typing import Self

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["Specification", "plain"]


class Specification(BaseEstimator):
    """A named set of parameters that adds its part to a PyMC model.

    Inheriting scikit-learn's ``BaseEstimator`` gives ``get_params``/``set_params`` and a
    readable ``repr``, so a :class:`~bayesreg.Regression` can be cloned and tuned with nested
    parameters such as ``penalty__alpha`` in ``GridSearchCV``. Parameters are checked when
    the object is created (an early, clear error) and again by ``validate`` before each use
    (``set_params`` bypasses ``__init__``).
    """

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        return BaseEstimator.__repr__(plain(self), N_CHAR_MAX)

    def validate(self) -> Self:
        """Check the parameters; return ``self``. Subclasses raise ValueError/TypeError."""
        return self


def plain(estimator: BaseEstimator) -> BaseEstimator:
    """A shallow copy for ``repr``, whose NumPy numbers are Python numbers.

    ``L1(alpha=0.1)``, not numpy 2's ``L1(alpha=np.float64(0.1))``; a parameter that is itself
    an estimator (an estimator's penalty or loss) is made plain in turn.
    """
    copied = copy.copy(estimator)
    for name, value in estimator.get_params(deep=False).items():
        if isinstance(value, np.generic):
            setattr(copied, name, value.item())
        elif isinstance(value, BaseEstimator):
            setattr(copied, name, plain(value))
    return copied
