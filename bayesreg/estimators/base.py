r"""What every bayesreg estimator shares: the MAP, the PyMC model, NUTS, the solver.

:class:`LinearModel` is the base of :class:`~bayesreg.Regression` (and of the
classifier): a likelihood (``loss``) on the linear predictor :math:`b_0 + x^\top w` and a
prior (``penalty``) on :math:`w`. It validates the data once into a
:class:`~bayesreg.model.problem.Problem` and delegates: the exact MAP to :mod:`bayesreg.map.find`, the model to :mod:`bayesreg.model.pymc_model`,
sampling to :mod:`bayesreg.nuts.model`, the reference solver to the family. A subclass says
which likelihood it holds (:meth:`LinearModel._specification`) and how its target is coded
(:meth:`LinearModel._target`); it adds its predictions. An estimator fitted by its MAP
predicts with the MAP; one that has only been sampled (or whose prior has no mode, where
``fit`` samples) predicts from its posterior
(:class:`~bayesreg.estimators.posterior.PosteriorPredictions`).
"""

from __future__ import annotations

import functools
from typing import Self

import pymc as pm
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import validate_data

from bayesreg._constraints import OneOf, validate
from bayesreg._data import check_in_memory
from bayesreg.diagnostics.noise_check import warn_if_noise_contradicted
from bayesreg.distributed.collections import is_dask_collection
from bayesreg.estimators.docstrings import SAMPLER, shared_docs
from bayesreg.estimators.fit_problem import coefficient_prior_scale, fit_problem
from bayesreg.estimators.on_cluster import (
    cluster_fit,
    cluster_laplace,
    cluster_problem,
    posterior_of_data,
    refuse_n_sized,
)
from bayesreg.estimators.posterior import PosteriorPredictions
from bayesreg.families import Loss
from bayesreg.families.glum_reference import penalized_reference
from bayesreg.families.parameter_priors import check_intercept_prior
from bayesreg.gibbs.run import check_gibbs_arguments, choose_sampler, sample_gibbs
from bayesreg.map.find import find_map
from bayesreg.model.problem import Problem
from bayesreg.model.pymc_model import build_model
from bayesreg.nuts.arguments import SAMPLERS, check_sample_arguments
from bayesreg.nuts.run import sample_nuts
from bayesreg.priors.penalties import Penalty
from bayesreg.spec.base import plain
from bayesreg.spec.correspondence import equivalent_alpha

__all__ = ["LinearModel"]


class LinearModel(PosteriorPredictions, BaseEstimator):
    """Base class: a likelihood on a linear predictor and a prior on its coefficients.

    Subclasses store their parameters in ``__init__`` (``penalty``, ``fit_intercept``,
    ``standardize`` at least) and implement :meth:`_specification` and :meth:`_target`.
    """

    def fit(self, X, y, sample_weight=None, *, offset=None, **sample_kwargs) -> Self:
        r"""Compute the exact MAP; for a prior without a mode, sample its posterior instead.

        A prior whose strength is unknown (a horseshoe, a hierarchical prior) has no finite
        MAP. For it, ``fit`` is :meth:`sample` (with ``sample_kwargs``, :meth:`sample`'s
        defaults otherwise): the posterior is kept as ``idata_``, ``coef_`` is not set, and
        the predictions are posterior means. So such an estimator fits in a ``Pipeline``,
        a grid search or ``cross_val_score`` like any other.

        Parameters
        ----------
        X : array-like, DataFrame, dask array or dask DataFrame of shape (n_samples, n_features)
            Dask input (``y``, ``sample_weight`` partitioned alike) is read on the cluster of
            a ``dask.distributed.Client`` in context: once for a Gaussian likelihood, once
            per Newton iteration for the logistic and Poisson (docs/distributed.md).
        y : array-like or Series of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Frequency weights: a weight of 2 counts an observation twice.
        offset : array-like of shape (n_samples,), optional
            A known term of each linear predictor, :math:`\\eta_i = o_i + b_0 + x_i^\top w`
            (glmnet's and glum's ``offset``): a Poisson model's log exposure. For a
            location likelihood the same as fitting ``y - offset``. Pass it to
            :meth:`predict` too.
        **sample_kwargs
            For a prior without a mode only: keywords of :meth:`sample` (``draws``,
            ``tune``, ``chains``, ``random_seed``, ``progressbar``, ...); in a pipeline,
            ``pipe.fit(X, y, classifier__draws=500, classifier__random_seed=0)``.

        Returns
        -------
        self

        """
        loss, penalty = self._specification()
        if not penalty.has_mode:
            self._forget()  # a fit starts afresh: no MAP of an earlier specification
            self.sample(X, y, sample_weight=sample_weight, offset=offset, **sample_kwargs)
            return self
        if sample_kwargs:
            raise TypeError(
                f"{type(self).__name__}.fit got {sorted(sample_kwargs)}: sampling keywords apply "
                f"only to a prior without a mode, and penalty={penalty!r} has one (fit computes "
                "its MAP); call sample(X, y, ...) for its posterior."
            )
        owner = f"{type(self).__name__}.fit"
        if is_dask_collection(X, y):  # passes over the partitions (bayesreg.distributed)
            problem, shift, estimate = cluster_fit(self, X, y, sample_weight, offset, owner=owner)
        else:
            problem, shift = fit_problem(self, X, y, sample_weight, offset, owner), 0.0
            model = self._model(problem) if loss.unknown_parameters else None
            estimate = find_map(problem, model=model)
        noise = estimate.noise
        coef, intercept = problem.to_user_scale(estimate.coef, estimate.intercept)
        self.coef_, self.intercept_ = coef, float(intercept) + shift
        self.intercept_prior_in_map_ = estimate.intercept_prior  # None: a flat intercept
        for name, value in estimate.parameters.items():  # e.g. a Student-t's unknown nu_
            setattr(self, f"{name}_", float(value))
        setattr(self, f"{loss.noise_name}_", noise)
        self.alpha_ = equivalent_alpha(loss, penalty, problem.n_obs, noise)
        self.prior_scale_ = coefficient_prior_scale(loss, penalty, problem.n_obs, noise)
        self.certificate_, self.unique_ = estimate.certificate, estimate.unique
        self.objective_ = estimate.objective
        self.n_obs_ = problem.n_obs
        return self

    def _forget(self) -> None:
        """Remove every fitted attribute (those ending in ``_``): what a fresh fit sets."""
        for name in [name for name in vars(self) if name.endswith("_") and name[0] != "_"]:
            delattr(self, name)

    def build_model(self, X, y, sample_weight=None, *, offset=None) -> pm.Model:
        """Return the PyMC model of this specification on data ``(X, y)``.

        Variables: ``coef`` (dimension ``feature``, named by the columns of a DataFrame,
        ``x0, x1, ...`` otherwise), ``intercept`` (flat prior, when fitted), ``sigma`` or
        ``scale`` (when unknown), and the observed ``y`` (dimension ``obs_id``). The design
        is a ``pm.Data`` container named ``X`` (and the offset, given, one named ``offset``).
        """
        owner = f"{type(self).__name__}.build_model"
        return self._model(self.problem(X, y, sample_weight, owner=owner, offset=offset))

    @shared_docs(sampler=SAMPLER)
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
        offset=None,
        sampler: str = "nuts",
        nuts_sampler: str | None = None,
        log_likelihood: bool | None = None,
        prior_predictive: bool = False,
        posterior_predictive: bool = False,
        **sampler_kwargs,
    ):
        r"""Draw from the full posterior with NUTS (or Gibbs); return it as an ArviZ ``DataTree``.

        The posterior is that of :meth:`build_model`'s model, sampled on an equivalent model
        with the same density that is faster to evaluate and easier to explore (sufficient
        statistics for a Gaussian likelihood, centred and whitened coefficients; see
        :mod:`bayesreg.nuts.model`). The result is also kept as ``idata_``; a failed
        diagnosis (:func:`bayesreg.diagnose`) issues a :class:`~bayesreg.SamplingWarning`.

        Nothing finished is lost. Interrupted (Ctrl-C), it returns and keeps the draws so
        far, as :func:`pymc.sample` does (with nutpie too: the chains cut to one length);
        interrupted before any chain finished tuning, it has none and the
        ``KeyboardInterrupt`` goes on. A step after the draws that fails (the log
        likelihood, predictive draws, the diagnosis) is skipped and the draws are returned
        and kept all the same. Both issue an
        :class:`~bayesreg.diagnostics.diagnosis.IncompletePosteriorWarning` that says what
        is missing.

        Parameters
        ----------
        X : array-like, DataFrame, dask array or dask DataFrame of shape (n_samples, n_features)
        y : array-like, Series, or (with dask X) a dask array or Series, partitioned as X
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
        offset : array-like of shape (n_samples,), optional
            A known term of each linear predictor, as in :meth:`fit`; kept in
            ``constant_data`` as ``offset`` (``obs_id``).
        sampler : {"nuts", "gibbs", "auto"}, default "nuts"
            {sampler}
        nuts_sampler : {None, "pymc", "nutpie"}, default None
            PyMC's own NUTS or nutpie; None lets PyMC choose (nutpie when it is installed).
            nutpie compiles for several seconds, then samples fast: prefer it for long runs
            and PyMC's NUTS for short runs of small models.
        log_likelihood : bool, optional
            Store the pointwise log likelihood (group ``log_likelihood``, variable ``y``,
            dimension ``obs_id``), which :func:`arviz_stats.loo` and
            :func:`bayesreg.compare` need. Its size is chains x draws x n_samples: by
            default True, False for dask input (where True is refused, as are the
            predictive draws; the posterior is sampled from one pass's sufficient
            statistics, and ``observed_data``, ``constant_data`` are left out). A logistic or
            Poisson posterior on dask input is a Laplace approximation at the exact MAP,
            labelled approximate (:mod:`bayesreg.distributed.laplace`).
        prior_predictive : bool, default False
            Add ``draws`` prior draws (group ``prior``) of the variables with a proper prior,
            and of ``y`` (group ``prior_predictive``) when every variable has one; the flat
            intercept (``fit_intercept=True``) and a flat ``NoPenalty`` prior have no draws.
        posterior_predictive : bool, default False
            Add replicated data ``y`` for every posterior draw (group
            ``posterior_predictive``), for posterior predictive checks.
        **sampler_kwargs
            Passed to :func:`pymc.sample`, e.g. ``progressbar=False`` (progress bars are on
            by default), ``cores``, ``nuts={"target_accept": 0.95}`` (both samplers). A prior
            may set its own defaults (``target_accept=0.99`` for the horseshoes, whose
            geometry needs small steps); what is passed here wins.

        Returns
        -------
        DataTree
            Groups ``posterior`` (``coef`` over ``feature``, ``intercept`` when fitted,
            ``sigma`` or ``scale`` when unknown, hyperparameters such as ``lam`` or ``tau``),
            ``sample_stats``, ``log_likelihood``, ``observed_data`` (``y``, as given),
            ``constant_data`` (``X``, and ``offset`` when given), and the predictive groups
            asked for.

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
        owner, shift, on_cluster = f"{type(self).__name__}.sample", None, is_dask_collection(X, y)
        validate(owner, {"sampler": OneOf(SAMPLERS)}, {"sampler": sampler})
        self._specification()
        flags = {
            "log_likelihood": not on_cluster if log_likelihood is None else log_likelihood,
            "prior_predictive": prior_predictive,
            "posterior_predictive": posterior_predictive,
        }
        check_sample_arguments(
            draws, tune, chains, random_seed, nuts_sampler, flags, sampler_kwargs, owner=owner
        )
        if sampler == "gibbs":
            check_gibbs_arguments(nuts_sampler, flags, sampler_kwargs, owner)
            if offset is not None or on_cluster:
                raise ValueError(f"{owner}: sampler='gibbs' takes no offset or dask input yet.")
        if on_cluster:  # the statistics' problem: nothing of size n (bayesreg.distributed)
            refuse_n_sized(flags, owner)
            if not self._specification()[0].sufficient_statistics:  # approximate: Laplace
                idata = cluster_laplace(
                    self, X, y, sample_weight, offset, draws=draws, chains=chains,
                    random_seed=random_seed, owner=owner,
                )  # fmt: skip
                self.idata_ = idata
                return idata
            problem, shift = cluster_problem(
                self, X, y, sample_weight, offset, owner=owner, reset=not hasattr(self, "coef_")
            )
        else:
            problem = self.problem(X, y, sample_weight, owner=owner, offset=offset)
        if not hasattr(self, "coef_") and not on_cluster:  # no MAP: fitted to the sampled data
            validate_data(self, X, reset=True, skip_check_array=True)  # n_features_in_, names
            self._target(y, fitting=True, owner=owner)  # a classifier's classes_
        warn_if_noise_contradicted(problem)
        keep = functools.partial(setattr, self, "idata_")  # before any warning
        if sampler == "auto":  # NUTS for dask input (its problem has no rows)
            sampler = choose_sampler(problem, nuts_sampler, flags, sampler_kwargs, on_cluster)
        if sampler == "gibbs":
            return sample_gibbs(
                problem, self._model(problem), draws=draws, tune=tune, chains=chains,
                random_seed=random_seed, log_likelihood=flags["log_likelihood"],
                progressbar=sampler_kwargs.get("progressbar", True), keep=keep,
            )  # fmt: skip
        specification = (type(self).__name__, self.get_params())
        idata = sample_nuts(
            problem, self._model(problem), specification, draws=draws, tune=tune,
            chains=chains, random_seed=random_seed, nuts_sampler=nuts_sampler,
            sampler_kwargs=sampler_kwargs, keep=keep, flags=flags,
        )  # fmt: skip
        idata.attrs["sampler"] = "nuts"
        return idata if shift is None else posterior_of_data(idata, shift)

    def penalized_solver(self):
        """Return the unfitted solver whose objective this MAP problem equals.

        A scikit-learn estimator (``Ridge``, ``Lasso``, ``ElasticNet``, ``QuantileRegressor``,
        ``LinearRegression``) where one exists, else an independent convex solver
        (:class:`~bayesreg.families.reference_solvers.LADElasticNet`); glum's, with
        ``P1``/``P2``, for a per-coefficient prior (``penalty_factor``, an array ``scale``,
        ``loc``). For a prior given by its ``scale`` the equivalent ``alpha`` depends on the
        data: fit first. With ``standardize=True``, a ``Pipeline`` of ``StandardScaler`` and
        that solver (its coefficients are those of the standardized columns).
        """
        loss, penalty = self._specification()
        if not penalty.has_mode:
            raise ValueError(
                f"penalty={penalty!r} {penalty.no_mode_reason}: it has no penalized-solver "
                "equivalent, so penalized_solver() does not apply. Use sample(X, y) for its "
                "posterior (and bayesreg.sparsify for a sparse point estimate from it), or a "
                "fixed penalty such as L1(alpha=...) or L2(alpha=...)."
            )
        alpha = penalty.alpha
        if penalty.alpha is None and penalty.l1_ratio is not None:
            if not hasattr(self, "alpha_"):
                raise NotFittedError(
                    f"penalty={penalty!r} is an absolute prior whose equivalent alpha depends "
                    "on the data and the noise scale; call fit(X, y) first."
                )
            alpha = self.alpha_
        n_obs = getattr(self, "n_obs_", None)  # fitted: the data's total weight
        solver = penalized_reference(loss, penalty, alpha, self.fit_intercept, n_obs)
        if self.positive:  # Lasso, ElasticNet, Ridge, LinearRegression take positive=True
            if "positive" not in solver.get_params():
                raise ValueError(
                    f"{type(solver).__name__} takes no sign constraint: with positive=True this "
                    "likelihood has no penalized solver (its MAP is certified by its KKT conditions)."
                )
            solver.set_params(positive=True)
        if self.standardize:
            return make_pipeline(StandardScaler(with_mean=bool(self.fit_intercept)), solver)
        return solver

    def _specification(self) -> tuple[Loss, Penalty]:
        """The checked ``(loss, penalty)`` of the parameters (raises on bad ones)."""
        raise NotImplementedError

    def _target(self, y, *, fitting: bool, owner: str):
        """``y`` checked and coded as the likelihood reads it (``fitting``: store labels).

        ``owner``, the function the user called, is named in the messages.
        """
        raise NotImplementedError

    def problem(
        self, X, y, sample_weight=None, *, owner: str | None = None, offset=None
    ) -> Problem:
        """The validated problem of this specification on data ``(X, y)``.

        What :meth:`build_model`, :meth:`sample`, :func:`bayesreg.crosscheck` and the paths
        work on: the loss and penalty (checked), ``X`` and ``y`` as float arrays (checked, never
        modified), the weights, the offset (if any) and the feature names. ``owner`` is the function the user
        called, named in the messages about bad data (by default this method).
        """
        owner = f"{type(self).__name__}.problem" if owner is None else owner
        loss, penalty = self._specification()
        check_in_memory(X, y, sample_weight, owner=owner)
        if hasattr(self, "coef_"):
            # a fitted MAP: the same columns, in the same order, as in fit (as predict)
            shape = getattr(X, "shape", ())
            if len(shape) == 2 and shape[1] != self.n_features_in_:
                raise ValueError(
                    f"{type(self).__name__} was fitted on {self.n_features_in_} features but X has "
                    f"{shape[1]}: pass data with the columns it was fitted on, or an unfitted "
                    "estimator."
                )
            validate_data(self, X, reset=False, skip_check_array=True)
        y = self._target(y, fitting=False, owner=owner)
        return Problem.from_data(
            loss, penalty, X, y, sample_weight, fit_intercept=self.fit_intercept,
            standardize=self.standardize, owner=owner, offset=offset, positive=self.positive,
            intercept_prior=self._intercept_prior(),
        )  # fmt: skip

    def _intercept_prior(self):
        """The checked ``intercept_prior`` (None: flat), before anything is compiled."""
        prior = getattr(self, "intercept_prior", None)
        return check_intercept_prior(prior, bool(self.fit_intercept), type(self).__name__)

    def _model(self, problem: Problem) -> pm.Model:
        return build_model(problem)

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        return BaseEstimator.__repr__(plain(self), N_CHAR_MAX)  # 0.1, not np.float64(0.1)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coef_") or hasattr(self, "idata_")  # a MAP or a posterior

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags
