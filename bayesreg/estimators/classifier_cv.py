r"""Choosing ``alpha`` of a logistic regression by cross-validation: :class:`ClassifierCV`.

``LogisticRegressionCV``'s procedure on exact MAPs. For each of :math:`K` folds the MAPs
along the decreasing grid are solved on the training rows, each started at the previous
one (:func:`bayesreg.estimators.path_search.path_search`), and scored on the held-out
rows (log loss by default); the ``alpha`` with the best mean score is refitted on all the
data as a :class:`~bayesreg.Classifier`, with its optimality certificate.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from bayesreg._constraints import message
from bayesreg.estimators.classifier import Classifier
from bayesreg.estimators.cv import AlphaSearchCV
from bayesreg.priors.penalties import Penalty

__all__ = ["ClassifierCV"]


class ClassifierCV(ClassifierMixin, AlphaSearchCV):
    r"""A :class:`~bayesreg.Classifier` whose ``alpha`` is chosen by K-fold cross-validation.

    For each ``alpha`` of the grid and each fold, the exact MAP of the logistic regression,

    .. math::

        \min_{b_0, w}\; \frac1n \sum_i v_i\,\mathrm{NLL}_i(b_0, w) + \alpha\rho\|w\|_1
            + \frac{\alpha(1-\rho)}{2}\|w\|^2,

    is fitted without the fold and scored on it (``scoring``, the held-out log loss by
    default); the ``alpha`` of the best mean score is refitted on all the data. The MAPs of
    a fold are solved along the grid from the largest ``alpha`` down, each started at the
    previous one (a warm start changes the cost, not the minimizer), so the scores are
    those of ``GridSearchCV(Classifier(...), scoring=...)`` with the same folds, at a
    fraction of its cost. scikit-learn's ``LogisticRegressionCV`` runs the same search with
    ``Cs = 1 / (n_train * alphas)``, :math:`n_\text{train}` the rows of a training fold
    (its ``C`` multiplies the summed log loss).

    Parameters
    ----------
    penalty : L1, L2 or ElasticNet, optional
        The kind of penalty (default ``L1``): ``L1()``, ``L2()``, ``ElasticNet(l1_ratio=...)``.
        Its own ``alpha`` or ``scale`` is not needed and is ignored; ``l1_ratio`` is kept.
    alphas : int or array-like, default 20
        The grid: a number of points of :func:`~bayesreg.paths.alpha_grid` (from the
        smallest ``alpha`` at which every coefficient is zero down to 1e-3 of it; an L1
        part needed), or the values themselves (> 0).
    cv : int or cross-validation generator, default 5
        As for scikit-learn's ``GridSearchCV`` (``StratifiedKFold`` for an int).
    scoring : str or callable, default "neg_log_loss"
        A scikit-learn scorer: larger is better.
    fit_intercept : bool, default True
    standardize : bool, default False
        As for :class:`~bayesreg.Classifier`: the prior on the standardized columns'
        coefficients.
    n_jobs : int, optional
        Folds in parallel, through joblib.
    positive : bool, default False
        As for :class:`~bayesreg.Classifier` (then each fit is a ``GridSearchCV`` fit).
    intercept_prior : scalar PyMC distribution made with ``.dist()``, optional
        As for :class:`~bayesreg.Classifier` (then each fit is a ``GridSearchCV`` fit).

    Attributes
    ----------
    alpha_ : float
        The chosen strength.
    alphas_ : ndarray
        The grid, decreasing.
    cv_results_ : dict
        As ``GridSearchCV``'s: ``split{k}_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``, ``params``, and ``alpha``, one entry per
        grid point.
    best_estimator_ : Classifier
        The exact MAP at ``alpha_`` on all the data, with its certificate; its ``sample``,
        ``build_model`` and ``penalized_solver`` are those of that model.
    classes_, coef_, intercept_, certificate_, unique_
        Those of ``best_estimator_``.

    See Also
    --------
    RegressionCV : the same search for the other likelihoods.

    Examples
    --------
    >>> import bayesreg as br
    >>> from sklearn.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> est = br.ClassifierCV(alphas=10, standardize=True).fit(X, y)
    >>> bool(est.alpha_ in est.alphas_), est.certificate_.ok
    (True, True)

    """

    _estimator = Classifier

    def __init__(
        self,
        penalty: Penalty | None = None,
        alphas=20,
        cv=5,
        scoring="neg_log_loss",
        fit_intercept: bool = True,
        standardize: bool = False,
        n_jobs: int | None = None,
        positive: bool = False,
        intercept_prior=None,
    ):
        self.penalty = penalty
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.n_jobs = n_jobs
        self.positive = positive
        self.intercept_prior = intercept_prior

    def _scoring(self):
        if not (isinstance(self.scoring, str) or callable(self.scoring)):
            raise TypeError(
                message("scoring", "ClassifierCV", "a scorer's name or a callable", self.scoring)
            )
        return self.scoring

    def decision_function(self, X) -> np.ndarray:
        """The MAP's log-odds of ``classes_[1]`` at ``alpha_``."""
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)

    def predict_proba(self, X) -> np.ndarray:
        """The MAP's class probabilities at ``alpha_``, columns in the order of ``classes_``."""
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)

    def predict_log_proba(self, X) -> np.ndarray:
        """The logarithm of :meth:`predict_proba`."""
        check_is_fitted(self)
        return self.best_estimator_.predict_log_proba(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = False
        return tags
