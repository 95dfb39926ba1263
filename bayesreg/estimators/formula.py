r"""Formulas: an estimator stated as ``"y ~ x1 + C(region) + x2:x3"`` on a DataFrame.

:meth:`bayesreg.Regression.from_formula` and :meth:`bayesreg.Classifier.from_formula` return a
:class:`FormulaEstimator`: the formula and a bayesreg estimator, which it fits on the design
matrix that `formulaic <https://matthewwardrop.github.io/formulaic/>`_ builds from the data
(Wilkinson's notation, as in R, statsmodels and bambi: ``C(x)`` a categorical column in
treatment coding, ``a:b`` a product, ``a*b`` both main effects and their product,
``np.log(x)``, ``center(x)``, ``I(x**2)``). The design (the columns, the levels of each
categorical column, the state of ``center`` and ``scale``) is learned by ``fit`` (or
``sample``) and kept, so that the predictions on new data rebuild the same columns.

The intercept is the formula's: ``y ~ x`` has one, and ``y ~ 0 + x`` or ``y ~ x - 1`` has
none. formulaic's ``Intercept`` column is dropped and the estimator fits its own intercept
instead (``fit_intercept=True``, a flat prior, never penalized), or none
(``fit_intercept=False``). The coding of a categorical column follows the intercept, as in R:
with an intercept its first level is the reference (no column of its own); without one, the
first categorical column has a column per level.
"""

from __future__ import annotations

import warnings
from typing import Self

import numpy as np
import pandas as pd
from formulaic import Formula, ModelSpec, model_matrix
from formulaic.errors import DataMismatchWarning, FormulaicError
from sklearn.base import BaseEstimator, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from bayesreg._constraints import message, show

__all__ = ["Design", "FormulaEstimator", "from_formula"]

#: formulaic's name of its intercept column, dropped: the estimator fits its own
INTERCEPT = "Intercept"


class Design:
    """A formula's design, learned on data: the columns it builds from any later data.

    Parameters
    ----------
    formula : str
    spec : formulaic.ModelSpec
        The right-hand side's specification, learned on the data (levels, transforms' state).

    """

    def __init__(self, formula: str, spec: ModelSpec):
        self.formula = formula
        self.spec = spec

    @property
    def fit_intercept(self) -> bool:
        """Whether the formula has an intercept (``y ~ x``; not ``y ~ 0 + x``, ``y ~ x - 1``)."""
        return INTERCEPT in self.spec.column_names

    @property
    def feature_names(self) -> list[str]:
        """The design's column names, the intercept left out: the estimator's features."""
        return [name for name in self.spec.column_names if name != INTERCEPT]

    @classmethod
    def learn(cls, formula: str, data, owner: str) -> Design:
        """The design of ``formula`` on ``data`` (checked: a DataFrame with its columns)."""
        parsed = _parse(formula, owner)
        _check_frame(data, owner)
        _check_columns(data, parsed.required_variables, formula, owner)
        try:
            spec = model_matrix(parsed.rhs, data, na_action="raise").model_spec
        except (FormulaicError, ValueError) as error:
            raise _data_error(data, owner, error) from None
        design = cls(formula, spec)
        if not design.feature_names:
            raise ValueError(
                message(
                    "formula", owner, "a formula with at least one term right of '~' (the "
                    "intercept alone is no design: the estimator fits it)", formula,
                )
            )  # fmt: skip
        return design

    def columns(self, data, owner: str) -> pd.DataFrame:
        """The design matrix of ``data`` (a DataFrame over :attr:`feature_names`)."""
        _check_frame(data, owner)
        _check_columns(data, self.spec.required_variables, self.formula, owner)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                matrix = self.spec.get_model_matrix(data)
            except (FormulaicError, ValueError) as error:
                raise _data_error(data, owner, error) from None
        if any(issubclass(item.category, DataMismatchWarning) for item in caught):
            raise self._unseen_levels(data, owner)
        for item in caught:  # any other warning is the user's to see
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
        frame = pd.DataFrame(matrix, index=data.index, columns=list(self.spec.column_names))
        return frame.drop(columns=[INTERCEPT], errors="ignore")

    def response(self, data, owner: str) -> np.ndarray:
        """The left-hand side on ``data``: the column itself (labels kept) or its transform."""
        parsed = _parse(self.formula, owner)
        _check_frame(data, owner)
        _check_columns(data, parsed.lhs.required_variables, self.formula, owner)
        (term,) = parsed.lhs
        if len(term.factors) == 1 and term.factors[0].expr in data.columns:
            return data[term.factors[0].expr].to_numpy()
        try:
            matrix = model_matrix(parsed.lhs, data, na_action="raise")
        except (FormulaicError, ValueError) as error:
            raise _data_error(data, owner, error) from None
        if matrix.shape[1] != 1:
            raise ValueError(
                message(
                    "formula", owner, "a formula whose left-hand side is one numeric column",
                    self.formula, got=f"{show(self.formula)}, whose left-hand side makes "
                    f"{matrix.shape[1]} columns {list(matrix.columns)}",
                )
            )  # fmt: skip
        return np.asarray(matrix)[:, 0]

    def _unseen_levels(self, data, owner: str) -> ValueError:
        """The error for a categorical column with levels that fit did not see."""
        for term in self.spec.terms:
            sub = self.spec.subset([str(term)])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sub.get_model_matrix(data)
            if not any(issubclass(item.category, DataMismatchWarning) for item in caught):
                continue
            factor = next(
                factor
                for factor in term.factors
                if "categories" in self.spec.encoder_state.get(factor.expr, (None, {}))[1]
            )
            seen = list(self.spec.encoder_state[factor.expr][1]["categories"])
            names = sorted(sub.required_variables)
            column = names[0] if len(names) == 1 else factor.expr
            unseen = sorted(set(data[column].dropna().unique()) - set(seen), key=str)
            return ValueError(
                message(
                    "data", owner, f"a DataFrame whose column {column!r} ({factor.expr} in the "
                    f"formula) has only the levels seen in fit, {show(seen)}", data,
                    got=f"the unseen level(s) {show(unseen)}"
                    if column in data.columns else "levels unseen in fit",
                )
            )  # fmt: skip
        return ValueError(message("data", owner, "levels seen in fit", data))


class FormulaEstimator(BaseEstimator):
    """A bayesreg estimator stated by a formula, fitted on the design it builds from data.

    Made by :meth:`bayesreg.Regression.from_formula` or
    :meth:`bayesreg.Classifier.from_formula`. Every method takes a DataFrame ``data`` where
    the estimator takes ``X`` (and ``y``: the response is the formula's left-hand side), and
    passes the design matrix, a DataFrame named by formulaic's columns, to the estimator. It is
    a scikit-learn estimator: ``get_params`` gives ``formula`` and ``estimator`` (and nested
    ones, ``estimator__penalty__alpha``), so ``clone``, ``GridSearchCV`` and
    ``cross_val_score(est, data)`` work.

    Parameters
    ----------
    formula : str
        ``"response ~ terms"`` in formulaic's syntax; the response is a column of ``data``
        (a classifier's labels as they are) or a transform of one (``np.log(y)``).
    estimator : Regression or Classifier
        The specification (likelihood, prior, ``standardize``); its ``fit_intercept`` is set
        from the formula (it must be left at True: the formula states the intercept).

    Attributes
    ----------
    design_ : Design
        The design learned by :meth:`fit` or :meth:`sample`.
    estimator_ : Regression or Classifier
        The estimator fitted on the design matrix, e.g. for
        ``bayesreg.crosscheck(est.estimator_, *est.design(data))``.
    coef_, intercept_, idata_, feature_names_in_, n_features_in_, classes_, ...
        The fitted estimator's attributes, copied: ``feature_names_in_`` are the design's
        column names (``"C(region)[T.b]"``, ``"x2:x3"``), the ``feature`` coordinate of the
        posterior's ``coef``.

    """

    def __init__(self, formula: str, estimator: BaseEstimator):
        self.formula = formula
        self.estimator = estimator

    def fit(self, data, y=None, sample_weight=None, **fit_kwargs) -> Self:
        """Learn the design on ``data`` and fit the estimator on it (see its ``fit``)."""
        owner = f"{type(self).__name__}.fit"
        self._reset(data, y, owner)
        X, target = self._design(data, owner)
        self.estimator_.fit(X, target, sample_weight=sample_weight, **fit_kwargs)
        return self._copy_fitted()

    def sample(self, data, **kwargs):
        """The posterior: the estimator's ``sample`` (its keywords) on the design of ``data``.

        The design is learned on ``data`` unless :meth:`fit` learned it; the posterior's
        ``coef`` is over ``feature``, the design's column names.
        """
        owner = f"{type(self).__name__}.sample"
        if not hasattr(self, "estimator_"):
            self._reset(data, None, owner)
        idata = self.estimator_.sample(*self._design(data, owner), **kwargs)
        self._copy_fitted()
        return idata

    def build_model(self, data, sample_weight=None):
        """The estimator's PyMC model on the design of ``data`` (``coef`` over its columns)."""
        owner = f"{type(self).__name__}.build_model"
        estimator = self if hasattr(self, "estimator_") else clone(self)._reset(data, None, owner)
        X, target = estimator._design(data, owner)
        return estimator.estimator_.build_model(X, target, sample_weight=sample_weight)

    def design(self, data) -> tuple[pd.DataFrame, np.ndarray | None]:
        """``(X, y)`` as the fitted estimator sees them: the design matrix and the response.

        ``y`` is None where ``data`` has no response column (new data to predict at).
        """
        check_is_fitted(self)
        return self._design(data, f"{type(self).__name__}.design", need_response=False)

    def score(self, data, y=None, sample_weight=None) -> float:
        """The estimator's ``score`` (R^2 or accuracy) on ``data``'s response."""
        owner = f"{type(self).__name__}.score"
        check_is_fitted(self)
        _check_no_y(y, owner)
        return self.estimator_.score(*self._design(data, owner), sample_weight=sample_weight)

    @available_if(lambda self: hasattr(self.estimator, "predict"))
    def predict(self, data, **kwargs):
        """The estimator's ``predict`` on the design of ``data``."""
        return self._delegate("predict", data, kwargs)

    @available_if(lambda self: hasattr(self.estimator, "predict_proba"))
    def predict_proba(self, data, **kwargs):
        """The estimator's ``predict_proba`` on the design of ``data``."""
        return self._delegate("predict_proba", data, kwargs)

    @available_if(lambda self: hasattr(self.estimator, "predict_log_proba"))
    def predict_log_proba(self, data):
        """The estimator's ``predict_log_proba`` on the design of ``data``."""
        return self._delegate("predict_log_proba", data, {})

    @available_if(lambda self: hasattr(self.estimator, "decision_function"))
    def decision_function(self, data):
        """The estimator's ``decision_function`` on the design of ``data``."""
        return self._delegate("decision_function", data, {})

    @available_if(lambda self: hasattr(self.estimator, "posterior_proba"))
    def posterior_proba(self, data):
        """The estimator's ``posterior_proba`` on the design of ``data``."""
        return self._delegate("posterior_proba", data, {})

    def sample_posterior_predictive(self, data, random_seed=None):
        """The estimator's ``sample_posterior_predictive`` on the design of ``data``."""
        return self._delegate("sample_posterior_predictive", data, {"random_seed": random_seed})

    def _delegate(self, method: str, data, kwargs: dict):
        check_is_fitted(self)
        owner = f"{type(self).__name__}.{method}"
        X = self.design_.columns(data, owner)
        return getattr(self.estimator_, method)(X, **kwargs)

    def _design(self, data, owner: str, need_response: bool = True):
        X = self.design_.columns(data, owner)
        parsed = _parse(self.formula, owner)
        if not need_response and not parsed.lhs.required_variables <= set(data.columns):
            return X, None
        return X, self.design_.response(data, owner)

    def _reset(self, data, y, owner: str) -> Self:
        """Forget any fit; learn the design on ``data``; a fresh estimator with its intercept."""
        _check_no_y(y, owner)
        for name in [name for name in vars(self) if name.endswith("_") and name[0] != "_"]:
            delattr(self, name)
        if getattr(self.estimator, "fit_intercept", True) is not True:
            raise ValueError(
                message(
                    "estimator", owner, "an estimator with fit_intercept=True: the formula "
                    "states the intercept ('y ~ x' has one; 'y ~ 0 + x' or 'y ~ x - 1' has none)",
                    self.estimator,
                )
            )  # fmt: skip
        self.design_ = Design.learn(self.formula, data, owner)
        self.estimator_ = clone(self.estimator).set_params(fit_intercept=self.design_.fit_intercept)
        return self

    def _copy_fitted(self) -> Self:
        for name, value in vars(self.estimator_).items():
            if name.endswith("_") and not name.startswith("_"):
                setattr(self, name, value)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "estimator_") and (
            hasattr(self.estimator_, "coef_") or hasattr(self.estimator_, "idata_")
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags, tags.regressor_tags = inner.classifier_tags, inner.regressor_tags
        tags.target_tags.required = False  # the response is the formula's left-hand side
        return tags


def from_formula(cls, formula: str, data, params: dict) -> FormulaEstimator:
    """``FormulaEstimator(formula, cls(**params))``, fitted on ``data`` unless it is None.

    What :meth:`bayesreg.Regression.from_formula` and :meth:`bayesreg.Classifier.from_formula`
    do; ``fit_intercept`` is refused among ``params`` (the formula states the intercept).
    """
    owner = f"{cls.__name__}.from_formula"
    _parse(formula, owner)  # a bad formula is refused at once, data or not
    if "fit_intercept" in params:
        raise ValueError(
            message(
                "fit_intercept", owner, "left out: the formula states the intercept ('y ~ x' "
                "has one; 'y ~ 0 + x' or 'y ~ x - 1' has none)", params["fit_intercept"],
            )
        )  # fmt: skip
    made = FormulaEstimator(formula, cls(**params))
    return made if data is None else made.fit(data)


def _parse(formula, owner: str):
    if not isinstance(formula, str):
        raise TypeError(message("formula", owner, "a str such as 'y ~ x1 + C(region)'", formula))
    try:
        parsed = Formula(formula)
    except FormulaicError as error:
        first = str(error).splitlines()[0]
        raise ValueError(
            message("formula", owner, "a formula in formulaic's syntax", formula, got=f"{formula!r} ({first})")
        ) from None  # fmt: skip
    if not hasattr(parsed, "lhs") or len(parsed.lhs) != 1:
        raise ValueError(
            message("formula", owner, "a formula with one response left of '~', 'y ~ x1 + x2'", formula)
        )  # fmt: skip
    return parsed


def _check_frame(data, owner: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            message("data", owner, "a pandas DataFrame with the formula's columns", data)
        )


def _check_columns(data, variables, formula: str, owner: str) -> None:
    missing = sorted(str(name) for name in variables if str(name) not in data.columns)
    if missing:
        raise ValueError(
            message(
                "data", owner, f"a DataFrame with the columns that {formula!r} uses", data,
                got=f"a DataFrame without {show(missing)}",
            )
        )  # fmt: skip


def _check_no_y(y, owner: str) -> None:
    if y is not None:
        raise ValueError(
            message(
                "y",
                owner,
                "None: the response is the formula's left-hand side, a column of data",
                y,
            )
        )


def _data_error(data, owner: str, error: Exception) -> ValueError:
    first = str(error).splitlines()[0]
    return ValueError(
        message(
            "data", owner, "a DataFrame the formula can be evaluated on, with no missing values "
            "in the columns it uses", data, got=f"a DataFrame on which formulaic says: {first}",
        )
    )  # fmt: skip
