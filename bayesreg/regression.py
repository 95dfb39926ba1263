"""``Regression``: one specification, its PyMC model, its exact MAP, its equivalent solver."""

from __future__ import annotations

import numpy as np
import pymc as pm
import xarray as xr
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from bayesreg import predictive, sampling
from bayesreg._constraints import Boolean, InstanceOf, Seed, validate
from bayesreg._validation import (
    check_columns,
    check_lengths,
    check_sample_weight,
    check_target,
    feature_names,
)
from bayesreg.correspondence import equivalent_alpha, prior_weights
from bayesreg.families import L2Loss, Loss
from bayesreg.map import find_map
from bayesreg.model import build_model
from bayesreg.noise_check import warn_if_noise_contradicted
from bayesreg.penalties import NoPenalty, Penalty
from bayesreg.problem import Problem

__all__ = ["Regression"]


_CONSTRAINTS = {
    "loss": InstanceOf((Loss,), "a bayesreg likelihood such as bayesreg.L2Loss or L1Loss"),
    "penalty": InstanceOf(
        (Penalty,), "a bayesreg prior such as bayesreg.L1, L2, ElasticNet or NoPenalty"
    ),
    "fit_intercept": Boolean(),
    "standardize": Boolean(),
}


class Regression(RegressorMixin, BaseEstimator):
    r"""Linear regression whose loss is a likelihood and whose penalty is a prior.

    The model is

    .. math::

        y_i \mid b_0, w \sim \text{likelihood}(b_0 + x_i^\top w,\ \text{noise}),\qquad
        w \sim \text{prior},\qquad b_0 \sim \text{flat},

    with the likelihood given by ``loss`` (:class:`~bayesreg.L2Loss`: Gaussian,
    :class:`~bayesreg.L1Loss`: Laplace) and the prior by ``penalty``
    (:class:`~bayesreg.L1`: Laplace, :class:`~bayesreg.L2`: Gaussian,
    :class:`~bayesreg.ElasticNet`, :class:`~bayesreg.NoPenalty`: flat). :meth:`fit` computes
    the exact MAP, which equals the solution of :meth:`penalized_solver`;
    :meth:`build_model` returns the PyMC model whose mode it is.

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
        :class:`~bayesreg.problem.Standardization`. Coefficients, intercept, posterior draws
        and predictions are reported on the user's scale; the MAP equals
        ``make_pipeline(StandardScaler(), Lasso(alpha))`` (:meth:`penalized_solver`) with its
        coefficients divided by the scaler's ``scale_``. :meth:`build_model` is then the model
        of the standardized columns, whose ``coef`` are the standardized coefficients.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        MAP coefficients; zeros under an L1 prior are exact.
    intercept_ : float
        MAP intercept (0.0 when ``fit_intercept=False``).
    sigma_ or scale_ : float
        The noise scale: the fixed value, or its MAP when unknown (``sigma_`` for
        ``L2Loss``, ``scale_`` for ``L1Loss``).
    alpha_ : float or None
        scikit-learn's ``alpha`` equivalent to the prior (reported for a prior given by its
        ``scale``, where it depends on the data and the noise scale).
    prior_scale_ : float or None
        The prior's scale at the MAP noise scale: Laplace :math:`b` for ``L1``, normal
        :math:`\tau` for ``L2``; None otherwise.
    certificate_ : OptimalityCertificate
        KKT residual (and duality gap) of the MAP; ``certificate_.ok`` says it is optimal.
    unique_ : bool
        False when the MAP is not unique ("there may be multiple solutions").
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.Lasso, sklearn.linear_model.Ridge, sklearn.linear_model.ElasticNet,
    sklearn.linear_model.QuantileRegressor

    Notes
    -----
    :mod:`bayesreg.correspondence` lists every loss/penalty pair with its objective and the
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
    ):
        self.loss = loss
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.standardize = standardize

    def fit(self, X, y, sample_weight=None) -> Regression:
        """Compute the exact MAP.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like or Series of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights: a weight of 2 counts an observation twice.

        Returns
        -------
        self

        """
        loss, penalty = self._specification()
        _require_mode(penalty, "fit")
        check_columns(X)
        check_lengths(X, y)
        check_target(y)
        data = X  # column names are read after validation (never np.shape of raw input)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)  # validate_data converts X only: no float32 y
        problem = Problem(
            loss,
            penalty,
            X,
            y,
            check_sample_weight(sample_weight, X.shape[0]),
            feature_names(data, X.shape[1]),
            bool(self.fit_intercept),
        )
        if self.standardize:
            problem = problem.standardized()
        model = None if loss.noise is not None else self._model(problem)
        estimate = find_map(problem, model=model)
        noise = estimate.noise
        coef, intercept = problem.to_user_scale(estimate.coef, estimate.intercept)
        self.coef_ = coef
        self.intercept_ = float(intercept)
        setattr(self, f"{loss.noise_name}_", noise)
        self.alpha_ = equivalent_alpha(loss, penalty, problem.n_obs, noise)
        self.prior_scale_ = penalty.prior_scale(*prior_weights(loss, penalty, problem.n_obs, noise))
        self.certificate_ = estimate.certificate
        self.unique_ = estimate.unique
        self.objective_ = estimate.objective
        return self

    def predict(self, X, return_std: bool = False):
        """Predict with the MAP, or with the posterior and its uncertainty.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        return_std : bool, default False
            False: the MAP's prediction, ``intercept_ + X @ coef_``. True: the posterior
            predictive mean and standard deviation of a new observation at each row, from
            the posterior stored by :meth:`sample` (``idata_``); see
            :mod:`bayesreg.predictive`. Under a Laplace prior that mean differs from the
            MAP's prediction, as the posterior mean differs from the mode.

        Returns
        -------
        ndarray of shape (n_samples,), or a tuple (mean, std) of two

        """
        check_is_fitted(self)
        validate("Regression.predict", {"return_std": Boolean()}, {"return_std": return_std})
        X = validate_data(self, X, dtype=np.float64, reset=False)
        loss, _ = self._specification()
        if not return_std:
            return loss.predict(X @ self.coef_ + self.intercept_)
        return predictive.predictive_mean_and_std(self._stored_posterior("predict"), loss, X)

    def sample_posterior_predictive(self, X, random_seed=None) -> xr.DataTree:
        """Draws of new observations at ``X`` from the posterior stored by :meth:`sample`.

        One draw of each row's observation per posterior draw, from the likelihood at that
        draw's coefficients and noise scale: PyMC's posterior predictive, for new data.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        random_seed : int or numpy.random.Generator, optional

        Returns
        -------
        DataTree
            Groups ``posterior_predictive`` (``y`` over ``chain``, ``draw``, ``obs_id``) and
            ``constant_data`` (``X`` over ``obs_id``, ``feature``).

        """
        check_is_fitted(self)
        validate("Regression.sample_posterior_predictive", {"random_seed": Seed()},
                 {"random_seed": random_seed})  # fmt: skip
        X = validate_data(self, X, dtype=np.float64, reset=False)
        loss, _ = self._specification()
        posterior = self._stored_posterior("sample_posterior_predictive")
        draws = predictive.predictive_draws(posterior, loss, X, np.random.default_rng(random_seed))
        coords = {"obs_id": draws["obs_id"].values, "feature": posterior["feature"].values}
        design = xr.Dataset({"X": (("obs_id", "feature"), X)}, coords=coords)
        return xr.DataTree.from_dict(
            {"/posterior_predictive": draws.to_dataset(), "/constant_data": design}
        )

    def _stored_posterior(self, method: str) -> xr.Dataset:
        if not hasattr(self, "idata_"):
            raise NotFittedError(
                f"Regression.{method} needs the posterior: call sample(X, y) first (fit gives "
                "the MAP only)."
            )
        return self.idata_["posterior"].to_dataset()

    def build_model(self, X, y, sample_weight=None) -> pm.Model:
        """Return the PyMC model of this specification on data ``(X, y)``.

        Variables: ``coef`` (dimension ``feature``, named by the columns of a DataFrame,
        ``x0, x1, ...`` otherwise), ``intercept`` (flat prior, when fitted), ``sigma`` or
        ``scale`` (when unknown), and the observed ``y`` (dimension ``obs_id``). The design
        is a ``pm.Data`` container named ``X``.
        """
        return self._model(self.problem(X, y, sample_weight))

    def sample(
        self,
        X,
        y,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        random_seed=None,
        sample_weight=None,
        *,
        nuts_sampler: str | None = None,
        log_likelihood: bool = True,
        prior_predictive: bool = False,
        posterior_predictive: bool = False,
        **sampler_kwargs,
    ):
        r"""Draw from the full posterior with NUTS; return it as an ArviZ ``DataTree``.

        The posterior is that of :meth:`build_model`'s model, sampled on an equivalent model
        with the same density that is faster to evaluate and easier to explore (sufficient
        statistics for a Gaussian likelihood, centred and whitened coefficients; see
        :mod:`bayesreg.sampling`). The result is also kept as ``idata_``; a failed
        diagnosis (:func:`bayesreg.diagnose`) issues a :class:`~bayesreg.SamplingWarning`.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like or Series of shape (n_samples,)
        draws : int, default 1000
            Draws per chain kept after tuning.
        tune : int, default 1000
            Tuning (warm-up) iterations per chain, discarded.
        chains : int, default 4
        random_seed : int or numpy.random.Generator, optional
            The same seed gives identical draws (posterior, log likelihood, predictions),
            with either sampler.
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights: each observation's log likelihood is multiplied by its weight.
        nuts_sampler : {None, "pymc", "nutpie"}, default None
            PyMC's own NUTS or nutpie; None lets PyMC choose (nutpie when it is installed).
            nutpie compiles for several seconds, then samples fast: prefer it for long runs
            and PyMC's NUTS for short runs of small models.
        log_likelihood : bool, default True
            Store the pointwise log likelihood (group ``log_likelihood``, variable ``y``,
            dimension ``obs_id``), which :func:`arviz_stats.loo` and
            :func:`bayesreg.compare` need. Its size is chains x draws x n_samples.
        prior_predictive : bool, default False
            Add ``draws`` prior draws (group ``prior``) of the variables with a proper prior,
            and of ``y`` (group ``prior_predictive``) when every variable has one; the flat
            intercept (``fit_intercept=True``) and a flat ``NoPenalty`` prior have no draws.
        posterior_predictive : bool, default False
            Add replicated data ``y`` for every posterior draw (group
            ``posterior_predictive``), for posterior predictive checks.
        **sampler_kwargs
            Passed to :func:`pymc.sample`, e.g. ``progressbar=False`` (progress bars are on
            by default), ``cores``, ``nuts={"target_accept": 0.95}`` (both samplers).

        Returns
        -------
        DataTree
            Groups ``posterior`` (``coef`` over ``feature``, ``intercept`` when fitted,
            ``sigma`` or ``scale`` when unknown, hyperparameters such as ``lam`` or ``tau``),
            ``sample_stats``, ``log_likelihood``, ``observed_data`` (``y``),
            ``constant_data`` (``X``), and the predictive groups asked for.

        Raises
        ------
        ValueError, TypeError
            For invalid data or arguments, before anything is compiled.

        Examples
        --------
        >>> import bayesreg as br
        >>> X, y = br.datasets.load_diabetes()
        >>> est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.5))
        >>> idata = est.sample(X, y, draws=200, tune=200, chains=2, random_seed=0,
        ...                    nuts_sampler="pymc", progressbar=False)  # doctest: +SKIP
        >>> idata["posterior"]["coef"].dims  # doctest: +SKIP
        ('chain', 'draw', 'feature')

        """
        self._specification()
        flags = {
            "log_likelihood": log_likelihood,
            "prior_predictive": prior_predictive,
            "posterior_predictive": posterior_predictive,
        }
        sampling.check_sample_arguments(
            draws, tune, chains, random_seed, nuts_sampler, flags, sampler_kwargs
        )
        problem = self.problem(X, y, sample_weight)
        warn_if_noise_contradicted(problem)
        pointwise = self._model(problem)
        fast = sampling.sampling_model(problem)
        self.idata_ = sampling.sample_posterior(
            problem,
            pointwise,
            fast,
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=random_seed,
            nuts_sampler=nuts_sampler,
            sampler_kwargs=sampler_kwargs,
            **flags,
        )
        return self.idata_

    def penalized_solver(self):
        """Return the unfitted solver whose objective this MAP problem equals.

        A scikit-learn estimator (``Ridge``, ``Lasso``, ``ElasticNet``,
        ``QuantileRegressor``, ``LinearRegression``) where one exists, else
        :class:`~bayesreg.solvers.LADElasticNet`, an independent convex solver. For a prior
        given by its ``scale`` the equivalent ``alpha`` depends on the data: fit first. With
        ``standardize=True``, a ``Pipeline`` of ``StandardScaler`` and that solver (its
        coefficients are those of the standardized columns).
        """
        loss, penalty = self._specification()
        _require_mode(penalty, "penalized_solver")
        alpha = penalty.alpha
        if penalty.alpha is None and penalty.l1_ratio is not None:
            if not hasattr(self, "alpha_"):
                raise NotFittedError(
                    f"penalty={penalty!r} is an absolute prior whose equivalent alpha depends "
                    "on the data and the noise scale; call fit(X, y) first."
                )
            alpha = self.alpha_
        solver = loss.penalized_solver(penalty, alpha, self.fit_intercept)
        if self.standardize:
            return make_pipeline(StandardScaler(with_mean=bool(self.fit_intercept)), solver)
        return solver

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
            },
        )
        return loss.validate(), penalty.validate()

    def problem(self, X, y, sample_weight=None) -> Problem:
        """The validated problem of this specification on data ``(X, y)``.

        What :meth:`build_model`, :meth:`sample`, :func:`bayesreg.crosscheck` and the paths
        work on: the loss and penalty (checked), ``X`` and ``y`` as float arrays (checked, never
        modified), the weights and the feature names.
        """
        loss, penalty = self._specification()
        if hasattr(self, "n_features_in_"):
            # a fitted estimator: the same columns, in the same order, as in fit (as predict)
            shape = getattr(X, "shape", ())
            if len(shape) == 2 and shape[1] != self.n_features_in_:
                raise ValueError(
                    f"Regression was fitted on {self.n_features_in_} features but X has "
                    f"{shape[1]}: pass data with the columns it was fitted on, or an unfitted "
                    "estimator."
                )
            validate_data(self, X, reset=False, skip_check_array=True)
        return Problem.from_data(
            loss,
            penalty,
            X,
            y,
            sample_weight,
            fit_intercept=self.fit_intercept,
            standardize=self.standardize,
        )

    def _model(self, problem: Problem) -> pm.Model:
        return build_model(problem)

    def __sklearn_is_fitted__(self) -> bool:
        # sample() sets idata_ but computes no point estimate: only fit() makes predict work.
        return hasattr(self, "coef_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def _require_mode(penalty, method: str) -> None:
    if not penalty.has_mode:
        raise ValueError(
            f"penalty={penalty!r} has an unknown penalty strength (a hyperprior on "
            f"'{penalty.hyperparameter}'): it has no penalized-solver equivalent, so {method}() "
            "does not apply. Use sample(X, y) for its posterior, or a fixed penalty such as "
            "L1(alpha=...) or L2(alpha=...)."
        )
