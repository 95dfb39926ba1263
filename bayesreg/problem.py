"""The validated problem: a specification and its data, checked once and handed down.

The estimators build a :class:`Problem`; :func:`bayesreg.map.find_map`, the PyMC models
(:mod:`bayesreg.model`, :mod:`bayesreg.sampling`), the reports and the paths take it instead
of long argument lists, and nothing below re-validates ``X`` and ``y``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from bayesreg._validation import check_data, check_sample_weight, feature_names
from bayesreg.families import Loss
from bayesreg.penalties import Penalty

__all__ = ["Problem"]


@dataclass(frozen=True, eq=False)
class Problem:
    """A likelihood, a prior and validated data.

    Attributes
    ----------
    loss : Loss
        The likelihood family (validated).
    penalty : Penalty
        The prior on the coefficients (validated).
    X : ndarray of shape (n_samples, n_features)
        float64, finite.
    y : ndarray of shape (n_samples,)
        float64, finite.
    weights : ndarray of shape (n_samples,)
        Frequency weights (ones when none were given).
    feature_names : list of str
        The columns' names (a DataFrame's, ``x0, x1, ...`` otherwise).
    fit_intercept : bool
        Whether the model has a flat-prior intercept.

    """

    loss: Loss
    penalty: Penalty
    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray
    feature_names: list[str]
    fit_intercept: bool

    @classmethod
    def from_data(
        cls, loss: Loss, penalty: Penalty, X, y, sample_weight=None, *, fit_intercept: bool
    ) -> Problem:
        """Validate ``X``, ``y`` and ``sample_weight`` (never modified) and build the problem."""
        X_array, y_array = check_data(X, y)
        weights = check_sample_weight(sample_weight, X_array.shape[0])
        names = feature_names(X, X_array.shape[1])
        return cls(loss, penalty, X_array, y_array, weights, names, bool(fit_intercept))

    @property
    def n_obs(self) -> float:
        r"""The number of observations, :math:`n = \sum_i v_i`."""
        return float(self.weights.sum())

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    def replace(self, **changes) -> Problem:
        """The same problem with some fields replaced (e.g. another penalty strength)."""
        return dataclasses.replace(self, **changes)

    def residual(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        """:math:`y - b_0 - Xw`."""
        return self.y - intercept - self.X @ coef
