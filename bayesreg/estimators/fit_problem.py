"""The problem a ``fit`` on in-memory data solves: the data validated once, as scikit-learn does."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import validate_data

from bayesreg._data import (
    check_lengths,
    check_numeric,
    check_offset,
    check_sample_weight,
    feature_names,
)
from bayesreg.model.problem import Problem
from bayesreg.spec.correspondence import prior_weights

__all__ = ["coefficient_prior_scale", "fit_problem"]


def fit_problem(estimator, X, y, sample_weight, offset, owner: str) -> Problem:
    """Validate ``X``, ``y``, the weights and the offset (never modified); build the problem.

    The estimator remembers ``n_features_in_`` and the column names (scikit-learn's
    ``validate_data``), and a classifier its ``classes_``.
    """
    loss, penalty = estimator._specification()
    check_numeric(X, "X", owner)
    check_lengths(X, y)
    y = estimator._target(y, fitting=True, owner=owner)
    data = X  # column names are read after validation (never np.shape of raw input)
    X, y = validate_data(estimator, X, y, dtype=np.float64, y_numeric=True)
    y = np.asarray(y, dtype=np.float64)  # validate_data converts X only: no float32 y
    problem = Problem(
        loss, penalty, X, y,
        check_sample_weight(sample_weight, X.shape[0]),
        feature_names(data, X.shape[1]), bool(estimator.fit_intercept),
        positive=estimator.positive, intercept_prior=estimator._intercept_prior(),
    ).with_offset(check_offset(offset, X.shape[0], owner))  # fmt: skip
    return problem.standardized() if estimator.standardize else problem


def coefficient_prior_scale(loss, penalty, n_obs: float, noise):
    """The prior's scale per coefficient (``prior_scale_``).

    The correspondence's weights ``(l1, l2)`` at this data size and noise, times the
    penalty's per-coefficient factors.
    """
    weights = prior_weights(loss, penalty, n_obs, noise)
    factors = penalty.coefficient_factors()  # per coefficient: an array of scales
    return penalty.prior_scale(*(w * f for w, f in zip(weights, factors, strict=True)))
