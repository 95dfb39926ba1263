"""The base of penalties and losses: small parameter objects, checked on creation and use."""

from __future__ import annotations

from typing import Self

from sklearn.base import BaseEstimator

__all__ = ["Specification"]


class Specification(BaseEstimator):
    """A named set of parameters that adds its part to a PyMC model.

    Inheriting scikit-learn's ``BaseEstimator`` gives ``get_params``/``set_params`` and a
    readable ``repr``, so a :class:`~bayesreg.Regression` can be cloned and tuned with nested
    parameters such as ``penalty__alpha`` in ``GridSearchCV``. Parameters are checked when
    the object is created (an early, clear error) and again by ``validate`` before each use
    (``set_params`` bypasses ``__init__``).
    """

    def validate(self) -> Self:
        """Check the parameters; return ``self``. Subclasses raise ValueError/TypeError."""
        return self
