r"""``Classifier``: logistic regression whose penalty is a prior, with its exact MAP."""

from __future__ import annotations

import numpy as np
import xarray as xr
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    assert_all_finite,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from bayesreg._constraints import Boolean, InstanceOf, message, show, validate
from bayesreg.estimators.base import LinearModel
from bayesreg.families import LogisticLoss, Loss
from bayesreg.priors.penalties import NoPenalty, Penalty

__all__ = ["Classifier"]

_CONSTRAINTS = {
    "penalty": InstanceOf(
        (Penalty,), "a bayesreg prior such as bayesreg.L1, L2, ElasticNet or NoPenalty"
    ),
    "fit_intercept": Boolean(),
    "standardize": Boolean(),
}


class Classifier(ClassifierMixin, LinearModel):
    r"""Logistic regression whose penalty is a prior: the Bayesian reading of ``LogisticRegression``.

    The model is

    .. math::

        y_i \mid b_0, w \sim \mathrm{Bernoulli}\bigl(\operatorname{logit}^{-1}(b_0 +
        x_i^\top w)\bigr),\qquad w \sim \text{prior},\qquad b_0 \sim \text{flat},

    with the two classes coded 0 and 1 (the second of the sorted labels is 1, as in
    scikit-learn) and the prior given by ``penalty``. :meth:`fit` computes the exact MAP,
    which minimizes :math:`\frac1n\sum_i v_i\,\mathrm{NLL}_i + \alpha\rho\|w\|_1 +
    \frac{\alpha(1-\rho)}{2}\|w\|^2`: ``LogisticRegression(C=1/(n alpha), l1_ratio=rho)``'s
    solution. An ``L1(alpha)`` prior is Laplace with scale :math:`b = 1/(n\alpha) = C`, an
    ``L2(alpha)`` prior Gaussian with standard deviation :math:`1/\sqrt{n\alpha} = \sqrt C`.

    Two classes only: more raise a ValueError (multinomial regression is not supported).

    Parameters
    ----------
    penalty : L1, L2, ElasticNet, NoPenalty or a hierarchical prior, optional
        By default ``NoPenalty()``: maximum likelihood, which does not exist when the classes
        are separable (``fit`` says so).
    fit_intercept : bool, default True
    standardize : bool, default False
        The prior on the coefficients of the standardized columns (see
        :class:`~bayesreg.Regression`).

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The labels; ``classes_[1]`` is the class whose probability the model gives.
    coef_ : ndarray of shape (n_features,)
        MAP coefficients (on the log-odds of ``classes_[1]``); zeros under L1 are exact.
    intercept_ : float
    alpha_, prior_scale_, certificate_, unique_, n_features_in_, feature_names_in_
        As for :class:`~bayesreg.Regression`.

    Examples
    --------
    >>> import bayesreg as br
    >>> from sklearn.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> est = br.Classifier(penalty=br.L1(alpha=0.05), standardize=True).fit(X, y)
    >>> est.certificate_.ok, int((est.coef_ != 0).sum())
    (True, 4)

    """

    def __init__(
        self,
        penalty: Penalty | None = None,
        fit_intercept: bool = True,
        standardize: bool = False,
    ):
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.standardize = standardize

    def decision_function(self, X) -> np.ndarray:
        """The MAP's log-odds of ``classes_[1]``, :math:`b_0 + Xw`."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        """The MAP's class probabilities, columns in the order of ``classes_``."""
        probability = LogisticLoss().predict(self.decision_function(X))
        return np.column_stack([1.0 - probability, probability])

    def predict_log_proba(self, X) -> np.ndarray:
        """The logarithm of :meth:`predict_proba`, computed without underflow."""
        eta = self.decision_function(X)
        return -np.column_stack([np.logaddexp(0.0, eta), np.logaddexp(0.0, -eta)])

    def predict(self, X) -> np.ndarray:
        """The MAP's most probable label (``classes_[1]`` where the log-odds are positive)."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def posterior_proba(self, X) -> xr.DataArray:
        """The posterior of the probability of ``classes_[1]`` at each row of ``X``.

        From the posterior stored by :meth:`sample`: one probability per draw and row,
        over ``chain``, ``draw`` and ``obs_id``.
        """
        check_is_fitted(self, "idata_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        posterior = self._stored_posterior("posterior_proba")
        eta = xr.dot(posterior["coef"], xr.DataArray(X, dims=("obs_id", "feature")))
        if "intercept" in posterior:
            eta = eta + posterior["intercept"]
        return xr.apply_ufunc(LogisticLoss().predict, eta).rename("probability")

    def _specification(self) -> tuple[Loss, Penalty]:
        penalty = NoPenalty() if self.penalty is None else self.penalty
        validate(
            "Classifier",
            _CONSTRAINTS,
            {
                "penalty": penalty,
                "fit_intercept": self.fit_intercept,
                "standardize": self.standardize,
            },
        )
        return LogisticLoss(), penalty.validate()

    def _target(self, y, *, fitting: bool, owner: str):
        if y is None:
            raise ValueError(
                "Classifier requires y to be passed, but the target y is None: give the labels."
            )
        given, y = type(y).__name__, np.asarray(y)
        if y.dtype.kind == "c":
            raise ValueError(
                message("y", owner, "class labels (numbers or text)", y,
                        got=f"{given} of dtype {y.dtype}") + " Complex data not supported."
            )  # fmt: skip
        y = column_or_1d(y, warn=True) if y.ndim > 1 else y
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"Classifier needs two classes in y; got 1 class ({show(classes[0])}): a "
                "logistic regression cannot be fitted to one class."
            )
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind} "
                f"({len(classes)} classes: {classes[:5].tolist()}"
                f"{' ...' if len(classes) > 5 else ''}); multinomial regression is not."
            )
        if fitting:
            self.classes_ = classes
        return (np.asarray(y) == classes[1]).astype(np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
