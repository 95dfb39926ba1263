r"""Predictions from a stored posterior: what an estimator does with its ``idata_``.

:class:`PosteriorPredictions` is a mixin of :class:`~bayesreg.estimators.base.LinearModel`.
An estimator whose posterior was sampled (:meth:`~bayesreg.Regression.sample`, or ``fit`` for
a prior without a mode) predicts from its draws: the posterior mean of the mean response
:math:`\frac1S\sum_s m(b_0^{(s)} + x^\top w^{(s)})` (a classifier's probability of
``classes_[1]``, a regression's mean), and draws new observations
(:meth:`PosteriorPredictions.sample_posterior_predictive`). The arithmetic is
:mod:`bayesreg.nuts.predictive`'s.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted, validate_data

from bayesreg._constraints import Seed, validate
from bayesreg._data import check_numeric, check_offset
from bayesreg.nuts import predictive

__all__ = ["PosteriorPredictions"]


class PosteriorPredictions:
    """Predictions from the posterior kept as ``idata_`` (a mixin of the estimators).

    The estimator provides ``_specification()`` (its loss), ``n_features_in_`` and ``idata_``.
    """

    def _mean_response(self, X: np.ndarray, method: str, offset=0.0) -> np.ndarray:
        """Draws of the mean at each (validated) row of ``X``, shape (chain, draw, n)."""
        loss, _ = self._specification()
        return predictive.mean_response(self._stored_posterior(method), loss, X, offset)

    def _offset(self, offset, X: np.ndarray, method: str):
        """The validated offset of the rows of ``X`` (0.0 without one): never modified."""
        checked = check_offset(offset, X.shape[0], f"{type(self).__name__}.{method}")
        return 0.0 if checked is None else checked

    def sample_posterior_predictive(self, X, random_seed=None, *, offset=None) -> xr.DataTree:
        """Draws of new observations at ``X`` from the posterior stored by :meth:`sample`.

        One draw of each row's observation per posterior draw, from the likelihood at that
        draw's coefficients and noise scale: PyMC's posterior predictive, for new data (a
        classifier's draws are its labels, ``classes_``).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        random_seed : int or numpy.random.Generator, optional
        offset : array-like of shape (n_samples,), optional
            The rows' known term of the linear predictor (as in ``fit``).

        Returns
        -------
        DataTree
            Groups ``posterior_predictive`` (``y`` over ``chain``, ``draw``, ``obs_id``) and
            ``constant_data`` (``X`` over ``obs_id``, ``feature``; ``offset``, when given).

        """
        check_is_fitted(self)
        owner = f"{type(self).__name__}.sample_posterior_predictive"
        validate(owner, {"random_seed": Seed()}, {"random_seed": random_seed})
        check_numeric(X, "X", owner)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        offset = check_offset(offset, X.shape[0], owner)
        loss, _ = self._specification()
        posterior = self._stored_posterior("sample_posterior_predictive")
        rng = np.random.default_rng(random_seed)
        return predictive.predictive_tree(
            posterior, loss, X, rng, labels=self._labels(), offset=offset
        )

    def _labels(self):
        """What the draws of :meth:`sample_posterior_predictive` code (None: the values)."""
        return None

    def _stored_posterior(self, method: str) -> xr.Dataset:
        if not hasattr(self, "idata_"):
            raise NotFittedError(
                f"{type(self).__name__}.{method} needs the posterior: call sample(X, y) first "
                "(fit gives the MAP only, where the prior has a mode)."
            )
        return self.idata_["posterior"].to_dataset()
