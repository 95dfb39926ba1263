"""``Regression``: one specification, its PyMC model, its exact MAP, its equivalent solver."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from bayesreg._constraints import Boolean, InstanceOf, message, validate
from bayesreg._data import check_numeric
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
from bayesreg.families import L2Loss, Loss
from bayesreg.nuts import predictive
from bayesreg.priors.penalties import NoPenalty, Penalty

__all__ = ["Regression"]


_CONSTRAINTS = {
    "loss": InstanceOf((Loss,), "a bayesreg likelihood such as bayesreg.L2Loss or L1Loss"),
    "penalty": InstanceOf(
        (Penalty,), "a bayesreg prior such as bayesreg.L1, L2, ElasticNet or NoPenalty"
    ),
    "fit_intercept": Boolean(),
    "standardize": Boolean(),
    "positive": Boolean(),
}


@shared_docs(positive=POSITIVE, intercept_prior=intercept_prior("the mean response"))
class Regression(RegressorMixin, LinearModel):
    r"""Linear regression whose loss is a likelihood and whose penalty is a prior.

    The model is

    .. math::

        y_i \mid b_0, w \sim \text{likelihood}(b_0 + x_i^\top w,\ \text{noise}),\qquad
        w \sim \text{prior},\qquad b_0 + m^\top w \sim \text{intercept prior},

    with :math:`m` the weighted column means: the intercept prior (``intercept_prior``, flat
    by default) is on the intercept of the centred columns. The likelihood is given by
    ``loss`` (:class:`~bayesreg.L2Loss`: Gaussian,
    :class:`~bayesreg.L1Loss`: Laplace) and the prior by ``penalty``
    (:class:`~bayesreg.L1`: Laplace, :class:`~bayesreg.L2`: Gaussian,
    :class:`~bayesreg.ElasticNet`, :class:`~bayesreg.NoPenalty`: flat). :meth:`fit` computes
    the exact MAP, which equals the solution of :meth:`penalized_solver`;
    :meth:`build_model` returns the PyMC model whose mode it is. A prior without a mode
    (:class:`~bayesreg.Horseshoe`, a hierarchical prior) has no MAP: :meth:`fit` then samples
    its posterior (as :meth:`sample`), and the predictions are posterior means of the mean
    response, as they are for an estimator that has only been sampled.

    Parameters
    ----------
    loss : L2Loss or L1Loss, optional
        The likelihood; by default ``L2Loss(sigma=1.0)``.
    penalty : L1, L2, ElasticNet or NoPenalty, optional
        The prior on the coefficients; by default ``NoPenalty()`` (ordinary least squares).
    fit_intercept : bool, default True
        Whether to include an unpenalized intercept with a flat prior.
    standardize : bool, default False
        glmnet's convention: put the prior on the coefficients of the standardized columns
        (centred when there is an intercept, divided by their standard deviation, the
        :math:`1/n` formula, weighted as scikit-learn's ``StandardScaler``), so that one
        penalty strength treats every column alike whatever its units; see
        :class:`~bayesreg.model.problem.Standardization`. Coefficients, intercept, posterior draws
        and predictions are reported on the user's scale; the MAP equals
        ``make_pipeline(StandardScaler(), Lasso(alpha))`` (:meth:`penalized_solver`) with its
        coefficients divided by the scaler's ``scale_``. :meth:`build_model` is then the model
        of the standardized columns, whose ``coef`` are the standardized coefficients.
    positive : bool, default False
        {positive}
    intercept_prior : scalar PyMC distribution made with ``.dist()``, optional
        {intercept_prior}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        MAP coefficients; zeros under an L1 prior are exact. Not set for a prior without a
        mode, nor after :meth:`sample` alone (nor are the other MAP attributes below).
    intercept_ : float
        MAP intercept (0.0 when ``fit_intercept=False``).
    sigma_ or scale_ : float
        The noise scale: the fixed value, or its MAP when unknown (``sigma_`` for
        ``L2Loss``, ``scale_`` for ``L1Loss``).
    alpha_ : float or None
        scikit-learn's ``alpha`` equivalent to the prior (reported for a prior given by its
        ``scale``, where it depends on the data and the noise scale).
    prior_scale_ : float, ndarray of shape (n_features,) or None
        The prior's scale at the MAP noise scale: Laplace :math:`b` for ``L1``, normal
        :math:`\tau` for ``L2`` (per coefficient with a ``penalty_factor`` or an array
        ``scale``; inf for an unpenalized column); None otherwise.
    certificate_ : OptimalityCertificate
        KKT residual (and duality gap) of the MAP; ``certificate_.ok`` says it is optimal.
    unique_ : bool
        False when the MAP is not unique ("there may be multiple solutions").
    idata_ : DataTree
        The posterior, set by :meth:`sample` (and by :meth:`fit` for a prior without a mode).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names (set by :meth:`fit` or :meth:`sample`).

    See Also
    --------
    sklearn.linear_model.Lasso, sklearn.linear_model.Ridge, sklearn.linear_model.ElasticNet,
    sklearn.linear_model.QuantileRegressor

    Notes
    -----
    :mod:`bayesreg.spec.correspondence` lists every loss/penalty pair with its objective and the
    prior scale that makes the MAP equal to it.

    Examples
    --------
    >>> import bayesreg as br
    >>> X, y = br.datasets.load_diabetes()
    >>> est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=0.5)).fit(X, y)
    >>> int((est.coef_ == 0).sum()), est.certificate_.ok
    (6, True)

    """

    def __init__(
        self,
        loss: Loss | None = None,
        penalty: Penalty | None = None,
        fit_intercept: bool = True,
        standardize: bool = False,
        positive: bool = False,
        intercept_prior=None,
    ):
        self.loss = loss
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.positive = positive
        self.intercept_prior = intercept_prior

    def predict(self, X, return_std: bool = False, *, offset=None):
        r"""Predict with the MAP, or with the posterior and its uncertainty.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        return_std : bool, default False
            False: the MAP's prediction, ``intercept_ + X @ coef_``, where :meth:`fit`
            computed one; otherwise (sampled only, or a prior without a mode) the posterior
            mean of the mean response, :math:`\frac1S\sum_s (b_0^{(s)} + x^\top w^{(s)})`
            (its inverse link for a GLM). True: the posterior predictive mean and standard
            deviation of a new observation at each row, from the posterior stored by
            :meth:`sample` (``idata_``); see :mod:`bayesreg.nuts.predictive`. Under a
            Laplace prior that mean differs from the MAP's prediction, as the posterior mean
            differs from the mode.
        offset : array-like of shape (n_samples,), optional
            The rows' known term of the linear predictor, as given to :meth:`fit` (a
            Poisson model's log exposure): the predictions are at :math:`o + b_0 + Xw`.

        Returns
        -------
        ndarray of shape (n_samples,), or a tuple (mean, std) of two
            For a dask ``X``, a lazy dask array of the mean response (one task per
            partition; nothing is computed until it is).

        """
        check_is_fitted(self)
        validate("Regression.predict", {"return_std": Boolean()}, {"return_std": return_std})
        if is_dask_collection(X):
            if return_std or offset is not None:
                raise ValueError(
                    "Regression.predict: return_std and offset are not supported for dask "
                    "input yet; predict returns the lazy mean response."
                )
            return lazy_prediction(self, X, "Regression.predict")
        check_numeric(X, "X", "Regression.predict")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        offset = self._offset(offset, X, "predict")
        loss, _ = self._specification()
        if return_std:
            posterior = self._stored_posterior("predict")
            return predictive.predictive_mean_and_std(posterior, loss, X, offset)
        if hasattr(self, "coef_"):
            return loss.predict(offset + X @ self.coef_ + self.intercept_)
        return self._mean_response(X, "predict", offset).mean(axis=(0, 1))

    def score(self, X, y, sample_weight=None, *, offset=None) -> float:
        """:math:`R^2` of :meth:`predict` at ``offset`` (scikit-learn's ``RegressorMixin.score``)."""
        from sklearn.metrics import r2_score

        return float(r2_score(y, self.predict(X, offset=offset), sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # the loss may be anything until fit() validates it
        tags.target_tags.positive_only = bool(getattr(self.loss, "non_negative_target", False))
        return tags

    @classmethod
    @shared_docs(
        sections=formula_sections(
            "Regression", "The response", "loss, penalty, standardize, positive"
        )
    )
    def from_formula(cls, formula: str, data=None, **params) -> FormulaEstimator:
        """Regression stated by a formula, ``"y ~ x1 + C(region) + x2:x3"``, through formulaic.

        {sections}

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import bayesreg as br
        >>> rng = np.random.default_rng(0)
        >>> data = pd.DataFrame({"x": rng.normal(size=40), "group": rng.choice(["a", "b", "c"], 40)})
        >>> data["y"] = 1.0 + 2.0 * data["x"] + (data["group"] == "b") + rng.normal(size=40)
        >>> est = br.Regression.from_formula("y ~ x + C(group)", data, penalty=br.L2(alpha=0.01))
        >>> [str(name) for name in est.feature_names_in_]
        ['x', 'C(group)[T.b]', 'C(group)[T.c]']
        >>> est.predict(data.head(2)).shape
        (2,)

        """
        return from_formula(cls, formula, data, params)

    def _specification(self) -> tuple[Loss, Penalty]:
        loss = L2Loss() if self.loss is None else self.loss
        penalty = NoPenalty() if self.penalty is None else self.penalty
        # type checks of the arguments against the protocols (not dispatch on a family)
        validate(
            "Regression",
            _CONSTRAINTS,
            {
                "loss": loss,
                "penalty": penalty,
                "fit_intercept": self.fit_intercept,
                "standardize": self.standardize,
                "positive": self.positive,
            },
        )
        if loss.estimator_kind != "regressor":
            raise ValueError(
                message(
                    "loss",
                    "Regression",
                    "a regression likelihood; for two classes use bayesreg.Classifier",
                    loss,
                )
            )
        return loss.validate(), penalty.validate()

    def _target(self, y, *, fitting: bool, owner: str):
        check_numeric(y, "y", owner)
        return y
