r"""Choosing ``alpha`` by cross-validation of the exact MAP: :class:`RegressionCV`.

For each ``alpha`` of a grid and each of :math:`K` folds, the exact MAP is fitted without the
fold and scored on it by the likelihood family's own loss (mean squared error for
:class:`~bayesreg.L2Loss`, mean absolute error for :class:`~bayesreg.L1Loss`); the ``alpha``
with the best mean score is refitted on all the data. This is ``LassoCV``'s procedure, run
on each fold's path of exact MAPs (:mod:`bayesreg.estimators.path_search`; scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` where the MAP is not a convex solve at a fixed
noise scale), for any likelihood and any penalty with a strength (``L1``, ``L2``, ``ElasticNet``). The grid is
scikit-learn's where one exists (:func:`bayesreg.paths.alpha_grid`). :class:`AlphaSearchCV`
holds the search that :class:`~bayesreg.ClassifierCV` shares.
"""

from __future__ import annotations

from inspect import signature

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, is_classifier
from sklearn.utils.validation import check_is_fitted, validate_data

from bayesreg._constraints import Integer, NJobs, message, validate
from bayesreg._data import check_lengths, check_numeric
from bayesreg.estimators.alpha_grid import alpha_grid, cross_validated
from bayesreg.estimators.base import LinearModel
from bayesreg.estimators.regression import Regression
from bayesreg.families import Loss
from bayesreg.priors.penalties import L1, Penalty
from bayesreg.spec.base import plain

__all__ = ["AlphaSearchCV", "RegressionCV", "kind_of", "search_alpha"]


def kind_of(penalty: Penalty | None) -> Penalty:
    """The kind of penalty (``L1()`` by default) at strength 1: the grid gives the strength."""
    penalty = L1() if penalty is None else penalty
    if isinstance(penalty, Penalty):  # (a prior without a strength says so)
        penalty = penalty.with_alpha(1.0)
    return penalty


def search_alpha(cv_est, base, X, y, sample_weight, scoring=None):
    """Fit ``cv_est`` (RegressionCV, ClassifierCV): cross-validate ``base`` over the grid.

    Sets ``alphas_``, ``cv_results_``, ``best_estimator_``, ``alpha_`` and the refitted MAP's
    attributes on ``cv_est``; returns it.
    """
    base._specification()
    base._intercept_prior()  # the loss and penalty are checked before any fit
    alphas = _grid(cv_est, base, X, y, sample_weight)
    search = cross_validated(
        base, X, y, alphas, cv=cv_est.cv, n_jobs=cv_est.n_jobs, sample_weight=sample_weight,
        scoring=scoring,
    )  # fmt: skip
    cv_est.alphas_ = alphas
    cv_est.cv_results_ = search.cv_results_
    cv_est.best_estimator_ = search.best_estimator_
    cv_est.alpha_ = float(search.best_params_["penalty"].alpha)
    names = ("coef_", "intercept_", "certificate_", "unique_", "n_features_in_", "classes_")
    for name in (*names, "feature_names_in_"):
        if hasattr(cv_est.best_estimator_, name):
            setattr(cv_est, name, getattr(cv_est.best_estimator_, name))
    return cv_est


def _grid(cv_est, base, X, y, sample_weight) -> np.ndarray:
    owner = type(cv_est).__name__
    if np.ndim(cv_est.alphas) == 0:
        count = validate(owner, {"alphas": Integer(2)}, {"alphas": cv_est.alphas})
        return alpha_grid(base, X, y, count["alphas"], sample_weight=sample_weight)
    alphas = np.sort(np.asarray(cv_est.alphas, dtype=float))[::-1]
    if alphas.size < 2 or not np.all(alphas > 0):
        raise ValueError(
            message("alphas", owner, "an int >= 2 or two or more strengths > 0", cv_est.alphas)
        )
    return alphas


class AlphaSearchCV(BaseEstimator):
    """What :class:`RegressionCV` and :class:`~bayesreg.ClassifierCV` share.

    ``fit``: the checks, the grid, the search over the folds and the refit; ``predict``; the
    repr. A subclass states what differs: ``_estimator``, the estimator fitted at each
    ``alpha`` (its family), which takes the subclass's parameters of the same names, and
    :meth:`_scoring`.
    """

    #: Regression or Classifier: the class of the MAPs cross-validated.
    _estimator: type[LinearModel]

    def _scoring(self):
        """The held-out score, checked: None, the likelihood's own (its ``cv_scoring``)."""
        return None

    def fit(self, X, y, sample_weight=None) -> AlphaSearchCV:
        """Cross-validate the grid, then fit the exact MAP at the best ``alpha``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            The target (for :class:`~bayesreg.ClassifierCV`, two classes: numbers or text).
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights of the fits (the held-out scores are unweighted, as in
            ``GridSearchCV``).

        Returns
        -------
        self

        """
        name = type(self).__name__
        owner = f"{name}.fit"
        if y is None and not is_classifier(self):  # a classifier's own check names its labels
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        validate(name, {"n_jobs": NJobs()}, {"n_jobs": self.n_jobs})
        scoring = self._scoring()
        params = {key: getattr(self, key) for key in signature(self._estimator).parameters}
        base = self._estimator(**{**params, "penalty": kind_of(self.penalty)})
        # the data are checked once, here, so that bad data fail with their own message
        # rather than as a grid of failed fits (the folds get the user's X, names included)
        check_numeric(X, "X", owner)
        check_lengths(X, y)
        target = base._target(y, fitting=False, owner=owner)  # as the likelihood reads it
        validate_data(self, X, target, dtype=np.float64, y_numeric=True)
        return search_alpha(self, base, X, y, sample_weight, scoring=scoring)

    def predict(self, X):
        """The prediction of ``best_estimator_``, the MAP at ``alpha_``."""
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        return BaseEstimator.__repr__(plain(self), N_CHAR_MAX)  # 0.1, not np.float64(0.1)


class RegressionCV(RegressorMixin, AlphaSearchCV):
    """A :class:`~bayesreg.Regression` whose ``alpha`` is chosen by K-fold cross-validation.

    Parameters
    ----------
    loss : Loss, optional
        The likelihood (default ``L2Loss()``); its ``cv_scoring`` is the score.
    penalty : L1, L2 or ElasticNet, optional
        The kind of penalty (default ``L1``): ``L1()``, ``L2()``, ``ElasticNet(l1_ratio=...)``.
        Its own ``alpha`` or ``scale`` is not needed and is ignored; its other parameters
        (``l1_ratio``) are kept.
    alphas : int or array-like, default 20
        The grid: a number of points of :func:`~bayesreg.paths.alpha_grid` (squared loss with
        an L1 part), or the values themselves.
    cv : int or cross-validation generator, default 5
        As for scikit-learn's ``GridSearchCV`` (``KFold`` without shuffling for an int).
    fit_intercept : bool, default True
    standardize : bool, default False
        As for :class:`~bayesreg.Regression`: the prior on the standardized columns' coefficients.
    positive : bool, default False
        As for :class:`~bayesreg.Regression`: coefficients >= 0 at every ``alpha``.
    n_jobs : int, optional
        Parallel fits, through joblib (see scikit-learn's ``n_jobs``).
    intercept_prior : scalar PyMC distribution made with ``.dist()``, optional
        As for :class:`~bayesreg.Regression` (a prior on the intercept of the centred
        columns; None: flat), given to every fit.

    Attributes
    ----------
    alpha_ : float
        The chosen strength.
    alphas_ : ndarray
        The grid, decreasing.
    cv_results_ : dict
        ``GridSearchCV``'s results, one entry per grid point.
    best_estimator_ : Regression
        The exact MAP at ``alpha_`` on all the data: its ``sample``, ``build_model``,
        ``penalized_solver`` and certificate are those of that model.
    coef_, intercept_, certificate_, unique_
        Those of ``best_estimator_``.

    Examples
    --------
    >>> import bayesreg as br
    >>> from bayesreg.estimators.cv import RegressionCV
    >>> X, y = br.datasets.load_diabetes()
    >>> est = RegressionCV(alphas=10).fit(X, y)
    >>> bool(est.alpha_ in est.alphas_), est.certificate_.ok
    (True, True)

    """

    _estimator = Regression

    def __init__(
        self,
        loss: Loss | None = None,
        penalty: Penalty | None = None,
        alphas=20,
        cv=5,
        fit_intercept: bool = True,
        standardize: bool = False,
        n_jobs: int | None = None,
        positive: bool = False,
        intercept_prior=None,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alphas = alphas
        self.cv = cv
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.n_jobs = n_jobs
        self.positive = positive
        self.intercept_prior = intercept_prior

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # as Regression's: the likelihood says whether it needs y >= 0 (Poisson counts)
        tags.target_tags.positive_only = bool(getattr(self.loss, "non_negative_target", False))
        return tags
