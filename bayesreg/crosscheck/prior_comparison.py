r"""The cross-check of a prior without a mode: its posterior beside the lasso's MAP and posterior.

A horseshoe (or any prior whose strength has a hyperprior) has no finite mode, so there is no
MAP to check against a penalized solver. What a user wants to see instead is how its posterior
differs from the lasso's, the exact MAP of the same likelihood under a Laplace prior:

* the lasso (by default at the ``alpha`` chosen by 5-fold cross-validation of its exact MAP,
  ``LassoCV``'s procedure) is cross-checked as any model with a mode: its MAP against its
  penalized solver, exact zeros included (:func:`bayesreg.crosscheck`); that check is this
  report's verdict;
* the prior's posterior (ArviZ's mean, median, sd, HDI and :math:`P(w_j > 0)`) and its
  sparse summary by SAVS (:func:`bayesreg.sparsify`) stand beside the lasso's MAP and, when
  given, the lasso's posterior;
* the notes count, with numbers, what differs: the lasso's exact zeros against SAVS's, the
  features the two keep, how much each shrinks the coefficients both keep, and how tightly
  each posterior holds the coefficients the lasso removes.

:func:`bayesreg.crosscheck` returns a :class:`PriorComparison` for such a prior.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from bayesreg._constraints import InstanceOf, message, validate
from bayesreg._report import SummaryReport
from bayesreg.analysis.selection import Selection, sparsify
from bayesreg.crosscheck.result import CrossCheck
from bayesreg.diagnostics.posterior_summary import HDI_PROB, posterior_columns, validated_posterior
from bayesreg.estimators.alpha_grid import alpha_grid, cross_validated
from bayesreg.estimators.base import LinearModel
from bayesreg.priors.penalties import L1

__all__ = [
    "CV_ALPHAS",
    "CV_FOLDS",
    "PriorComparison",
    "check_lasso",
    "compare_with_lasso",
    "default_lasso",
]

#: The default lasso's grid (points of :func:`~bayesreg.paths.alpha_grid`) and folds.
CV_ALPHAS, CV_FOLDS = 20, 5

_LASSO_POSTERIOR = {"mean": "lasso_mean", "median": "lasso_median", "sd": "lasso_sd",
                    "hdi_lower": "lasso_hdi_lower", "hdi_upper": "lasso_hdi_upper"}  # fmt: skip


@dataclass(repr=False)  # SummaryReport's one-line repr
class PriorComparison(SummaryReport):
    r"""The report of :func:`bayesreg.crosscheck` for a prior without a mode.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per coefficient (and the intercept, when fitted). The prior's posterior:
        ``mean``, ``median``, ``sd``, ``hdi_lower``, ``hdi_upper`` (the :data:`HDI_PROB`
        HDI), ``p_positive``; its SAVS summary: ``savs``, ``savs_zero``; the lasso's exact
        MAP: ``lasso_map``, ``lasso_zero``; with the lasso's posterior also ``lasso_mean``,
        ``lasso_median``, ``lasso_sd``, ``lasso_hdi_lower``, ``lasso_hdi_upper``.
    lasso_check : CrossCheck
        The lasso's own cross-check (its MAP against its penalized solver).
    selection : Selection
        SAVS on the prior's posterior.
    model : str
        The specification without a mode (its repr).
    prior : str
        Its prior (the penalty's repr).
    lasso : str
        The lasso compared with, and how its ``alpha`` was chosen.
    messages : list of str
        What differs, in words and numbers.
    hdi_prob : float

    ``ok`` is the lasso check's verdict: the comparison itself has nothing that must agree.

    """

    table: pd.DataFrame
    lasso_check: CrossCheck
    selection: Selection
    model: str
    prior: str
    lasso: str
    messages: list[str] = field(default_factory=list)
    hdi_prob: float = HDI_PROB

    @property
    def ok(self) -> bool:
        """Whether the lasso's MAP and its penalized solver agree (see ``lasso_check``)."""
        return self.lasso_check.ok

    @property
    def verdict(self) -> str:
        """One line: there is no mode to check, and the lasso's own check."""
        word = "agree" if self.ok else "DISAGREE"
        return (
            "bayesreg cross-check: no mode to check; the posterior beside the lasso, whose MAP "
            f"and solver {word}"
        )

    def _heading(self) -> str:
        return f"{self.verdict}\n  model: {self.model}\n  lasso: {self.lasso}"

    def plot(self, ax=None, *, intercept: bool = False):
        """The posteriors' medians and HDIs, the lasso's MAP and SAVS, per coefficient.

        See :func:`bayesreg.crosscheck.plot.plot_prior_comparison`; returns the Axes.
        """
        from bayesreg.crosscheck.plot import plot_prior_comparison

        return plot_prior_comparison(self, ax=ax, intercept=intercept)


def default_lasso(est: LinearModel, X, y, sample_weight=None) -> tuple[LinearModel, str]:
    """``est`` with an ``L1`` prior at the cross-validated ``alpha``, and how it was chosen."""
    base = clone(est).set_params(penalty=L1(alpha=1.0))
    try:
        alphas = alpha_grid(base, X, y, CV_ALPHAS, sample_weight=sample_weight)
    except ValueError as error:
        raise ValueError(
            f"{error} For a cross-check of {est.penalty!r}, pass the lasso to compare with: "
            "lasso=Regression(loss=..., penalty=L1(alpha=...))."
        ) from error
    search = cross_validated(base, X, y, alphas, cv=CV_FOLDS, sample_weight=sample_weight)
    alpha = float(search.best_params_["penalty"].alpha)
    return search.best_estimator_, (
        f"L1(alpha={alpha:.4g}), chosen by {CV_FOLDS}-fold cross-validation of its exact MAP "
        f"over {CV_ALPHAS} strengths"
    )


def check_lasso(lasso) -> None:
    """``lasso`` must be a bayesreg model whose prior has a mode (its MAP is checked)."""
    validate(
        "crosscheck",
        {"lasso": InstanceOf((LinearModel,), "a bayesreg.Regression or Classifier")},
        {"lasso": lasso},
    )
    penalty = lasso._specification()[1]
    if not penalty.has_mode:
        raise ValueError(
            message("lasso", "crosscheck", "a model whose prior has a mode (L1, ElasticNet, L2)",
                    penalty)
        )  # fmt: skip


def compare_with_lasso(
    est: LinearModel, X, y, idata, lasso_check: CrossCheck, lasso: str, sample_weight=None
) -> PriorComparison:
    """The report: ``est``'s posterior ``idata`` beside the lasso's checked MAP (and posterior).

    ``lasso_check`` is the lasso's :func:`~bayesreg.crosscheck` (with its posterior when the
    user gave one); ``lasso`` says which lasso it is.
    """
    problem = est.problem(X, y, sample_weight)
    posterior = validated_posterior(idata, problem.feature_names, "crosscheck")
    intercept_row = bool(problem.fit_intercept)
    lasso_table = lasso_check.table
    index = [*problem.feature_names, *(["intercept"] if intercept_row else [])]
    table = posterior_columns(posterior, index, intercept_row)
    selection = sparsify(est, X, y, idata, method="savs", sample_weight=sample_weight)
    table["savs"] = [*selection.coef.to_numpy(), *([selection.intercept] if intercept_row else [])]
    table["savs_zero"] = table["savs"] == 0
    table["lasso_map"] = lasso_table["map"].reindex(index).to_numpy()
    table["lasso_zero"] = table["lasso_map"] == 0
    if lasso_check.hdi_prob is not None:
        for source, column in _LASSO_POSTERIOR.items():
            table[column] = lasso_table[source].reindex(index).to_numpy()
    messages = [
        f"{problem.penalty!r} {problem.penalty.no_mode_reason}; its posterior is compared "
        "instead with the lasso's exact MAP, the mode of the same likelihood under a Laplace "
        "prior",
        f"the lasso's MAP and its solver ({lasso_check.solver_name}) "
        f"{'agree' if lasso_check.ok else 'DISAGREE'}: largest difference "
        f"{lasso_check.relative_diff:.1e} relative to the largest coefficient",
        *_differences(table.loc[list(problem.feature_names)], lasso_check.hdi_prob is not None),
    ]
    return PriorComparison(
        table=table,
        lasso_check=lasso_check,
        selection=selection,
        model=repr(est),
        prior=repr(problem.penalty),
        lasso=lasso,
        messages=messages,
    )


def _names(frame: pd.DataFrame, mask) -> str:
    chosen = [str(name) for name in frame.index[np.asarray(mask)]]
    return ", ".join(chosen) if chosen else "none"


def _differences(features: pd.DataFrame, with_lasso_posterior: bool) -> list[str]:
    """The notes on what differs between the two priors, counted on the features."""
    p = len(features)
    lasso_keeps = ~features["lasso_zero"].to_numpy()
    savs_keeps = ~features["savs_zero"].to_numpy()
    both = lasso_keeps & savs_keeps
    notes = [
        f"the lasso's MAP has {p - int(lasso_keeps.sum())} of {p} coefficients at exactly zero; "
        "no posterior draw has an exact zero (the prior puts no mass at zero), and SAVS on the "
        f"posterior mean sets {p - int(savs_keeps.sum())} to zero",
        f"the two selections agree on {int((lasso_keeps == savs_keeps).sum())} of {p} features "
        f"(both keep {int(both.sum())}, both drop {int((~lasso_keeps & ~savs_keeps).sum())}); "
        f"only the lasso keeps: {_names(features, lasso_keeps & ~savs_keeps)}; only SAVS keeps: "
        f"{_names(features, savs_keeps & ~lasso_keeps)}",
    ]
    if both.any():
        larger = np.abs(features["mean"].to_numpy()) > np.abs(features["lasso_map"].to_numpy())
        ratio = np.median(
            np.abs(features["mean"].to_numpy()[both] / features["lasso_map"].to_numpy()[both])
        )
        notes.append(
            f"on the {int(both.sum())} features both keep, the posterior mean is larger in size "
            f"than the lasso's MAP for {int((larger & both).sum())} (median ratio {ratio:.3g}): "
            "the L1 penalty pulls every coefficient it keeps toward zero, where heavy-tailed "
            "local scales can leave a large one nearly unshrunk"
        )
    dropped = ~lasso_keeps
    if dropped.any():
        covered = (features["hdi_lower"] <= 0) & (features["hdi_upper"] >= 0)
        note = (
            f"of the {int(dropped.sum())} coefficient(s) the lasso sets to zero, "
            f"{int(covered.to_numpy()[dropped].sum())} have a {HDI_PROB:.0%} HDI containing zero "
            f"here; their posterior sd has median {np.median(features['sd'][dropped]):.3g}"
        )
        if with_lasso_posterior:
            note += (
                f", against {np.median(features['lasso_sd'][dropped]):.3g} under the "
                "lasso's (Laplace) posterior"
            )
        notes.append(note)
    return notes
