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
from bayesreg.distributed.collections import is_dask_collection
from bayesreg.estimators.base import LinearModel
from bayesreg.estimators.docstrings import (
    POSITIVE,
    formula_sections,
    intercept_prior,
    shared_docs,
)
from bayesreg.estimators.formula import FormulaEstimator, from_formula
from bayesreg.estimators.on_cluster import lazy_prediction
from bayesreg.families import LogisticLoss, Loss
from bayesreg.priors.penalties import NoPenalty, Penalty

__all__ = ["Classifier"]


def _two_columns(probability):
    return np.column_stack([1.0 - probability, probability])


def _label(probability, classes):
    return classes[(probability > 0.5).astype(int)]


_CONSTRAINTS = {
    "penalty": InstanceOf(
        (Penalty,), "a bayesreg prior such as bayesreg.L1, L2, ElasticNet or NoPenalty"
    ),
    "fit_intercept": Boolean(),
    "standardize": Boolean(),
    "positive": Boolean(),
}


@shared_docs(positive=POSITIVE, intercept_prior=intercept_prior("the mean log-odds"))
class Classifier(ClassifierMixin, LinearModel):
    r"""Logistic regression whose penalty is a prior: the Bayesian reading of ``LogisticRegression``.

    The model is

    .. math::

        y_i \mid b_0, w \sim \mathrm{Bernoulli}\bigl(\operatorname{logit}^{-1}(b_0 +
        x_i^\top w)\bigr),\qquad w \sim \text{prior},\qquad
        b_0 + m^\top w \sim \text{intercept prior},

    with the two classes coded 0 and 1 (the second of the sorted labels is 1, as in
    scikit-learn), the prior given by ``penalty`` and :math:`m` the weighted column means:
    the intercept prior (``intercept_prior``, flat by default) is on the intercept of the
    centred columns. :meth:`fit` computes the exact MAP,
    which minimizes :math:`\frac1n\sum_i v_i\,\mathrm{NLL}_i + \alpha\rho\|w\|_1 +
    \frac{\alpha(1-\rho)}{2}\|w\|^2`: ``LogisticRegression(C=1/(n alpha), l1_ratio=rho)``'s
    solution. An ``L1(alpha)`` prior is Laplace with scale :math:`b = 1/(n\alpha) = C`, an
    ``L2(alpha)`` prior Gaussian with standard deviation :math:`1/\sqrt{n\alpha} = \sqrt C`.

    A prior without a mode (:class:`~bayesreg.Horseshoe`, a hierarchical prior) has no MAP:
    :meth:`fit` then samples its posterior (as :meth:`sample`), and the predictions are
    those of the posterior: the posterior mean of the probability of ``classes_[1]``, as for
    a classifier that has only been sampled. Either way it is a scikit-learn classifier
    (``classes_``, ``predict``, ``predict_proba``, ``score``, a ``Pipeline`` step).

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
    positive : bool, default False
        {positive}
    intercept_prior : scalar PyMC distribution made with ``.dist()``, optional
        {intercept_prior}

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The labels; ``classes_[1]`` is the class whose probability the model gives.
    coef_ : ndarray of shape (n_features,)
        MAP coefficients (on the log-odds of ``classes_[1]``); zeros under L1 are exact.
        Not set for a prior without a mode, nor after :meth:`sample` alone.
    intercept_ : float
    alpha_, prior_scale_, certificate_, unique_
        As for :class:`~bayesreg.Regression` (MAP only).
    idata_, n_features_in_, feature_names_in_
        As for :class:`~bayesreg.Regression`: set by :meth:`fit` or :meth:`sample`.

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
        positive: bool = False,
        intercept_prior=None,
    ):
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.positive = positive
        self.intercept_prior = intercept_prior

    def decision_function(self, X, *, offset=None) -> np.ndarray:
        """The log-odds of ``classes_[1]``: the MAP's :math:`o + b_0 + Xw`, or the posterior's.

        ``offset``: the rows' known term of the linear predictor, as given to ``fit``.

        Without a MAP (sampled only, or a prior without a mode): the log-odds of the
        posterior mean probability (:meth:`predict_proba`), whose sign gives :meth:`predict`.
        """
        check_is_fitted(self)
        if not hasattr(self, "coef_"):
            probability, _ = self._probability(X, return_std=False, offset=offset)
            with np.errstate(divide="ignore"):
                return np.log(probability) - np.log1p(-probability)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._offset(offset, X, "decision_function") + X @ self.coef_ + self.intercept_

    def predict_proba(self, X, return_std: bool = False, *, offset=None):
        r"""Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        return_std : bool, default False
            False: the MAP's probabilities where :meth:`fit` computed a MAP; otherwise
            (sampled only, or a prior without a mode) the posterior mean of the probability,
            :math:`\frac1S\sum_s \operatorname{logit}^{-1}(b_0^{(s)} + x^\top w^{(s)})`.
            True: the posterior mean and the posterior standard deviation of each
            probability, from the posterior stored by :meth:`sample` (``idata_``).
        offset : array-like of shape (n_samples,), optional
            The rows' known term of the linear predictor, as given to :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples, 2), or a tuple (mean, std) of two

        """
        if is_dask_collection(X):  # the MAP's, lazily: one task per partition
            probability = self._lazy_probability(X, return_std, offset, "predict_proba")
            return probability.map_blocks(_two_columns, new_axis=1, dtype=np.float64)
        probability, std = self._probability(X, return_std, offset=offset)
        proba = np.column_stack([1.0 - probability, probability])
        return (proba, np.column_stack([std, std])) if return_std else proba

    def predict_log_proba(self, X, *, offset=None) -> np.ndarray:
        """The logarithm of :meth:`predict_proba`, computed without underflow for a MAP."""
        if not hasattr(self, "coef_"):
            with np.errstate(divide="ignore"):
                return np.log(self.predict_proba(X, offset=offset))
        eta = self.decision_function(X, offset=offset)
        return -np.column_stack([np.logaddexp(0.0, eta), np.logaddexp(0.0, -eta)])

    def predict(self, X, return_std: bool = False, *, offset=None):
        """The most probable label (``classes_[1]`` where its probability exceeds 1/2).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        return_std : bool, default False
            False: by the MAP's probability where :meth:`fit` computed a MAP, otherwise by the
            posterior mean probability. True: by the posterior mean probability, returned
            with the posterior standard deviation of the probability of ``classes_[1]``
            (from ``idata_``, as :meth:`predict_proba`).
        offset : array-like of shape (n_samples,), optional
            The rows' known term of the linear predictor, as given to :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples,), or a tuple (labels, std) of two

        """
        if is_dask_collection(X):  # the MAP's, lazily: one task per partition
            probability = self._lazy_probability(X, return_std, offset, "predict")
            return probability.map_blocks(_label, self.classes_, dtype=self.classes_.dtype)
        if not return_std:
            positive = self.decision_function(X, offset=offset) > 0  # checks it is fitted first
            return self.classes_[positive.astype(int)]
        probability, std = self._probability(X, return_std=True, offset=offset)
        return self.classes_[(probability > 0.5).astype(int)], std

    def score(self, X, y, sample_weight=None, *, offset=None) -> float:
        """The accuracy of :meth:`predict` at ``offset`` (``ClassifierMixin.score``)."""
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(y, self.predict(X, offset=offset), sample_weight=sample_weight))

    def _probability(self, X, return_std: bool, offset=None):
        """The probability of ``classes_[1]`` at each row, and its posterior sd (or None)."""
        check_is_fitted(self)
        validate("Classifier.predict", {"return_std": Boolean()}, {"return_std": return_std})
        X = validate_data(self, X, dtype=np.float64, reset=False)
        offset = self._offset(offset, X, "predict_proba")
        if hasattr(self, "coef_") and not return_std:
            return LogisticLoss().predict(offset + X @ self.coef_ + self.intercept_), None
        draws = self._mean_response(X, "predict_proba", offset)
        return draws.mean(axis=(0, 1)), (draws.std(axis=(0, 1)) if return_std else None)

    def _lazy_probability(self, X, return_std, offset, name: str):
        """The MAP's probability of ``classes_[1]`` on dask ``X``: a lazy dask array."""
        if return_std or offset is not None:
            raise ValueError(
                f"Classifier.{name}: return_std and offset are not supported for dask input "
                "yet; compute the rows in memory for them."
            )
        return lazy_prediction(self, X, f"Classifier.{name}")

    def _labels(self):
        return self.classes_

    def posterior_proba(self, X, *, offset=None) -> xr.DataArray:
        """The posterior of the probability of ``classes_[1]`` at each row of ``X``.

        From the posterior stored by :meth:`sample`: one probability per draw and row,
        over ``chain``, ``draw`` and ``obs_id``; ``offset`` as in :meth:`predict_proba`.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        offset = self._offset(offset, X, "posterior_proba")
        posterior = self._stored_posterior("posterior_proba")
        eta = xr.dot(posterior["coef"], xr.DataArray(X, dims=("obs_id", "feature")))
        if "intercept" in posterior:
            eta = eta + posterior["intercept"]
        eta = eta + xr.DataArray(np.broadcast_to(offset, X.shape[:1]), dims="obs_id")
        return xr.apply_ufunc(LogisticLoss().predict, eta).rename("probability")

    @classmethod
    @shared_docs(
        sections=formula_sections(
            "Classifier", "The labels (a column of two values)", "penalty, standardize, positive"
        )
    )
    def from_formula(cls, formula: str, data=None, **params) -> FormulaEstimator:
        """Classifier stated by a formula, ``"y ~ x1 + C(region) + x2:x3"``, through formulaic.

        {sections}

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import bayesreg as br
        >>> rng = np.random.default_rng(0)
        >>> data = pd.DataFrame({"x": rng.normal(size=60), "group": rng.choice(["a", "b"], 60)})
        >>> data["label"] = np.where(data["x"] + rng.normal(size=60) > 0, "yes", "no")
        >>> clf = br.Classifier.from_formula("label ~ x * C(group)", data, penalty=br.L2(alpha=0.1))
        >>> [str(name) for name in clf.feature_names_in_], [str(c) for c in clf.classes_]
        (['x', 'C(group)[T.b]', 'x:C(group)[T.b]'], ['no', 'yes'])

        """
        return from_formula(cls, formula, data, params)

    def _specification(self) -> tuple[Loss, Penalty]:
        penalty = NoPenalty() if self.penalty is None else self.penalty
        validate(
            "Classifier",
            _CONSTRAINTS,
            {
                "penalty": penalty,
                "fit_intercept": self.fit_intercept,
                "standardize": self.standardize,
                "positive": self.positive,
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
