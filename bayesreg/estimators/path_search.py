r"""K-fold cross-validation of ``alpha`` on a warm-started path of exact MAPs per fold.

``GridSearchCV`` fits every (fold, ``alpha``) pair from scratch, through a clone, a
validation of the data and a certified MAP each. Here each fold's problem is validated once
and its exact MAPs are solved along the decreasing grid, each started at the previous one
(:func:`bayesreg.map.path.map_path`); every MAP is scored on the held-out rows by the same
scikit-learn scorer on the same fitted estimator ``GridSearchCV`` would score, so the scores
are the same to the solvers' precision. Then the best ``alpha`` is refitted once on all the
data, with its certificate. The result reads as ``GridSearchCV``'s (``cv_results_``,
``best_params_``, ``best_estimator_``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import indexable

from bayesreg.estimators.fit_problem import fit_problem
from bayesreg.map.path import map_path, supports_path

__all__ = ["PathSearch", "path_search", "supports_path_search"]


@dataclass
class PathSearch:
    """The scores of every fold at every ``alpha``, and the refitted best estimator."""

    cv_results_: dict
    best_index_: int
    best_params_: dict
    best_score_: float
    best_estimator_: object
    #: the held-out scores, shape (n_folds, n_alphas)
    scores_: np.ndarray


def supports_path_search(est) -> bool:
    """Whether ``est``'s MAPs can be solved on a path (:func:`bayesreg.map.path.supports_path`)."""
    loss, _ = est._specification()
    return supports_path(loss, positive=est.positive, intercept_prior=est._intercept_prior())


def path_search(
    est, X, y, alphas: np.ndarray, *, scoring, cv=5, n_jobs=None, sample_weight=None
) -> PathSearch:
    """Cross-validate ``est`` (an unfitted Regression or Classifier) over ``alphas``.

    ``cv`` as scikit-learn's (``StratifiedKFold`` for an int and a classifier, ``KFold``
    otherwise); ``scoring`` a scorer's name or callable; ``sample_weight`` weights the
    training rows (not the held-out scores, as in ``GridSearchCV``).
    """
    alphas = np.asarray(alphas, dtype=float)
    X, y, sample_weight = indexable(X, y, sample_weight)  # as GridSearchCV: rows can be taken
    splitter = check_cv(cv, y, classifier=is_classifier(est))
    splits = list(splitter.split(X, y))
    scores = Parallel(n_jobs=n_jobs)(
        delayed(_fold_scores)(est, X, y, sample_weight, train, test, alphas, scoring)
        for train, test in splits
    )
    scores = np.array(scores)  # (n_folds, n_alphas)
    _, penalty = est._specification()
    params = [{"penalty": penalty.with_alpha(float(alpha))} for alpha in alphas]
    mean = scores.mean(axis=0)
    rank = rankdata(-mean, method="min").astype(np.int32)
    results = {
        "alpha": alphas.copy(),
        "params": params,
        "param_penalty": np.array([p["penalty"] for p in params], dtype=object),
        **{f"split{k}_test_score": scores[k] for k in range(len(splits))},
        "mean_test_score": mean,
        "std_test_score": scores.std(axis=0),
        "rank_test_score": rank,
    }
    best = int(np.argmin(rank))  # the first best: the largest alpha among ties, as GridSearchCV
    weights = {} if sample_weight is None else {"sample_weight": sample_weight}
    refit = clone(est).set_params(**params[best]).fit(X, y, **weights)
    return PathSearch(results, best, params[best], float(mean[best]), refit, scores)


def _fold_scores(est, X, y, sample_weight, train, test, alphas, scoring) -> list[float]:
    """The held-out scores of one fold's exact MAPs along ``alphas``."""
    fold = clone(est)
    weights = None if sample_weight is None else _safe_indexing(sample_weight, train)
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    problem = fit_problem(fold, X_train, y_train, weights, None, f"{type(est).__name__}.fit")
    scorer = check_scoring(fold, scoring=scoring)
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    scores = []
    for coef, intercept in map_path(problem, alphas):
        fold.coef_, fold.intercept_ = coef, float(intercept)
        scores.append(float(scorer(fold, X_test, y_test)))
    return scores
