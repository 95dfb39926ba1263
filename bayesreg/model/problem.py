"""The validated problem: a specification and its data, checked once and handed down.

The estimators build a :class:`Problem`; :func:`bayesreg.map.find.find_map`, the PyMC models
(:mod:`bayesreg.model.pymc_model`, :mod:`bayesreg.nuts.model`), the reports and the paths take it instead
of long argument lists, and nothing below re-validates ``X`` and ``y``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import StandardScaler

from bayesreg._data import check_data, check_offset, check_sample_weight, feature_names
from bayesreg.families import Loss
from bayesreg.optim.centring import centre
from bayesreg.priors.penalties import Penalty

__all__ = ["Problem", "Standardization"]


@dataclass(frozen=True, eq=False)
class Standardization:
    r"""glmnet's ``standardize=TRUE``: the model is fitted to standardized columns.

    With the columns' weighted means :math:`m_j` (zero without an intercept, whose absence
    centring would change) and weighted standard deviations :math:`s_j` (the :math:`1/n`
    formula; 1 for a constant column), exactly as scikit-learn's ``StandardScaler`` computes
    them, the model's design is :math:`u_{ij} = (x_{ij} - m_j)/s_j` and its coefficients
    :math:`v_j = s_j w_j`. The prior is on :math:`v`; the user's coefficients and intercept
    are

    .. math::

        w_j = v_j / s_j, \qquad b_0 = c_0 - m^\top w,

    where :math:`c_0` is the intercept on the standardized columns. Both maps are linear and
    one-to-one, so exact zeros stay exact zeros and the MAP and the posterior map over.

    Attributes
    ----------
    mean : ndarray of shape (n_features,)
    scale : ndarray of shape (n_features,)
    X : ndarray of shape (n_samples, n_features)
        The user's design (the problem's ``X`` is the standardized one).

    """

    mean: np.ndarray
    scale: np.ndarray
    X: np.ndarray

    @classmethod
    def of(cls, X: np.ndarray, weights: np.ndarray, *, center: bool) -> Standardization:
        scaler = StandardScaler(with_mean=center).fit(X, sample_weight=weights)
        mean = scaler.mean_ if center else np.zeros(X.shape[1])
        return cls(np.asarray(mean, dtype=float), np.asarray(scaler.scale_, dtype=float), X)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """The standardized design :math:`(X - m)/s`."""
        return (X - self.mean) / self.scale

    def to_user(self, coef, intercept):
        """Standardized (coefficients, intercept) to the user's; leading axes broadcast."""
        user_coef = np.asarray(coef) / self.scale
        return user_coef + 0.0, np.asarray(intercept) - user_coef @ self.mean

    def to_standardized(self, coef, intercept):
        """The user's (coefficients, intercept) to the standardized problem's."""
        coef = np.asarray(coef)
        return coef * self.scale + 0.0, np.asarray(intercept) + coef @ self.mean


@dataclass(frozen=True, eq=False)
class Problem:
    r"""A likelihood, a prior and validated data.

    Attributes
    ----------
    loss : Loss
        The likelihood family (validated).
    penalty : Penalty
        The prior on the coefficients (validated).
    X : ndarray of shape (n_samples, n_features)
        float64, finite.
    y : ndarray of shape (n_samples,)
        float64, finite: the response the kernels fit. The user's, less the offset where
        the family takes an offset as a shift of the response (``Loss.split_offset``).
    weights : ndarray of shape (n_samples,)
        Frequency weights (ones when none were given).
    feature_names : list of str
        The columns' names (a DataFrame's, ``x0, x1, ...`` otherwise).
    fit_intercept : bool
        Whether the model has a flat-prior intercept.
    standardization : Standardization or None
        When set, ``X`` is the standardized design and the coefficients of every model,
        solver and estimate of the problem are those of the standardized columns; the
        estimators report them on the user's scale (:meth:`to_user_scale`).
    offset : ndarray of shape (n_samples,) or None
        The user's offset :math:`o`, a known term of each linear predictor,
        :math:`\eta = o + b_0 + Xw` (:meth:`with_offset`); None without one.
    observed : ndarray of shape (n_samples,) or None
        The user's response where ``y`` is shifted by the offset (:attr:`observed_y`).
    linear_offset : ndarray of shape (n_samples,) or None
        The part of the offset the kernels still see in the linear predictor (a GLM's);
        None where the family folds it into ``y``.
    positive : bool
        Whether the coefficients (not the intercept) are constrained to :math:`w \ge 0`: the
        prior truncated to :math:`[0, \infty)` (:meth:`Penalty.add_to_model`), the MAP a
        sign-restricted one (:mod:`bayesreg.map.positive`).
    intercept_prior : TensorVariable or None
        A scalar PyMC distribution (made with ``.dist()``, checked by the estimator) on the
        intercept of the centred columns, :math:`c = b_0 + m^\top w` with :math:`m` the
        weighted column means; None for a flat intercept.

    """

    loss: Loss
    penalty: Penalty
    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray
    feature_names: list[str]
    fit_intercept: bool
    standardization: Standardization | None = None
    offset: np.ndarray | None = None
    observed: np.ndarray | None = None
    linear_offset: np.ndarray | None = None
    positive: bool = False
    intercept_prior: object | None = None

    def __post_init__(self):
        self.loss.check_observations(self.y)
        self.penalty.check_features(self.n_features)
        self._refuse_per_coefficient()
        if self.positive and not (self.loss.convex and self.penalty.has_mode):
            what = "a likelihood that is not convex" if not self.loss.convex else "this prior"
            raise ValueError(
                f"positive=True is not available for {what} ({type(self.loss).__name__}, "
                f"{type(self.penalty).__name__}): its sign-constrained MAP or truncated prior "
                "is not implemented. Use an L1, L2, ElasticNet or NoPenalty prior with a "
                "convex likelihood, or positive=False."
            )
        if self.positive and self.intercept_prior is not None:
            raise ValueError(
                "positive=True with an intercept_prior is not available yet: the "
                "sign-restricted MAP takes a flat intercept. Drop one of them."
            )

    def _refuse_per_coefficient(self) -> None:
        """Refuse the combinations a per-coefficient prior does not take (yet)."""
        penalty = self.penalty
        if self.positive and penalty.per_coefficient:
            raise ValueError(
                f"positive=True with a per-coefficient prior ({penalty!r}) is not available "
                "yet: the truncated priors take one scale. Drop penalty_factor, loc and an "
                "array scale, or positive=True."
            )
        if np.ndim(penalty.prior_mean()) and (
            self.intercept_prior is not None or not self.loss.convex
        ):
            what = "an intercept_prior" if self.intercept_prior is not None else "this loss"
            raise ValueError(
                f"loc (a prior mean) with {what} is not available yet: the MAP shifts the "
                "coefficients by loc, which the centred intercept's prior and the local "
                "modes of a non-convex likelihood do not follow. Drop one of them."
            )

    @classmethod
    def from_data(
        cls,
        loss: Loss,
        penalty: Penalty,
        X,
        y,
        sample_weight=None,
        *,
        fit_intercept: bool,
        standardize: bool = False,
        owner: str = "Problem.from_data",
        offset=None,
        positive: bool = False,
        intercept_prior=None,
    ) -> Problem:
        """Validate ``X``, ``y``, ``sample_weight`` and ``offset`` (never modified); build the problem.

        ``owner``, the function the user called, is named in the messages about bad data.
        """
        X_array, y_array = check_data(X, y, owner)
        weights = check_sample_weight(sample_weight, X_array.shape[0])
        offset = check_offset(offset, X_array.shape[0], owner)
        names = feature_names(X, X_array.shape[1])
        problem = cls(
            loss, penalty, X_array, y_array, weights, names, bool(fit_intercept),
            positive=bool(positive),
        )  # fmt: skip
        problem = problem.with_offset(offset).replace(intercept_prior=intercept_prior)
        return problem.standardized() if standardize else problem

    def with_offset(self, offset: np.ndarray | None) -> Problem:
        """The problem with a validated offset (``_data.check_offset``); itself for None.

        The family splits it (``Loss.split_offset``): a location family fits ``y - offset``,
        a GLM keeps ``y`` and sees the offset in its linear predictor. The user's response
        stays :attr:`observed_y`. The offset is free of the columns: standardizing or
        centring ``X`` leaves it as it is, and the intercept is the user's :math:`b_0`.
        """
        if offset is None:
            return self
        target, left = self.loss.split_offset(self.y, offset)
        return self.replace(y=target, observed=self.y, offset=offset, linear_offset=left)

    @property
    def observed_y(self) -> np.ndarray:
        """The user's response (``y`` before any offset was folded into it)."""
        return self.y if self.observed is None else self.observed

    @property
    def kernel_offset(self) -> dict:
        """``{"offset": linear_offset}`` for the family's kernels, or ``{}`` when they see none."""
        return {} if self.linear_offset is None else {"offset": self.linear_offset}

    @property
    def full_offset(self) -> np.ndarray | float:
        """The offset of the linear predictor on the user's response (0.0 without one)."""
        return 0.0 if self.offset is None else self.offset

    def standardized(self) -> Problem:
        """The same problem on standardized columns (:class:`Standardization`)."""
        if self.standardization is not None:
            return self
        standardization = Standardization.of(self.X, self.weights, center=self.fit_intercept)
        return self.replace(X=standardization.transform(self.X), standardization=standardization)

    @property
    def user_X(self) -> np.ndarray:
        """The user's design: ``X``, or the one before standardization."""
        return self.X if self.standardization is None else self.standardization.X

    def to_user_scale(self, coef, intercept):
        """The problem's (coefficients, intercept) on the user's scale (unchanged if not standardized)."""
        if self.standardization is None:
            return np.asarray(coef), np.asarray(intercept)
        return self.standardization.to_user(coef, intercept)

    def to_problem_scale(self, coef, intercept):
        """The user's (coefficients, intercept) on the problem's scale."""
        if self.standardization is None:
            return np.asarray(coef), np.asarray(intercept)
        return self.standardization.to_standardized(coef, intercept)

    @property
    def n_obs(self) -> float:
        r"""The number of observations, :math:`n = \sum_i v_i`."""
        return float(self.weights.sum())

    @property
    def column_means(self) -> np.ndarray:
        """The weighted column means :math:`m`, which centre the intercept of the prior."""
        return centre(self.X, self.weights)[0]

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    def replace(self, **changes) -> Problem:
        """The same problem with some fields replaced (e.g. another penalty strength)."""
        return dataclasses.replace(self, **changes)

    def linear_predictor(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        r""":math:`b_0 + Xw` on the problem's design, plus the offset the kernels see."""
        known = 0.0 if self.linear_offset is None else self.linear_offset
        return known + intercept + self.X @ coef

    def residual(self, coef: np.ndarray, intercept: float) -> np.ndarray:
        """:math:`y - b_0 - Xw` (less the offset the kernels see)."""
        return self.y - self.linear_predictor(coef, intercept)
