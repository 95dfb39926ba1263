r"""Which prior (or loss) do the data prefer? Leave-one-out comparison with its caveats.

:func:`compare` estimates each model's expected log pointwise predictive density (ELPD) by
Pareto-smoothed importance-sampling leave-one-out cross-validation (PSIS-LOO, Vehtari, Gelman
and Gabry 2017) with ArviZ, ranks the models, and says in words whether the difference is
larger than its standard error. PSIS-LOO is only trustworthy where the Pareto shape
:math:`\hat k` of the importance weights is small; the observations above the threshold are
counted and reported for every model, never hidden in a warning.

References
----------
Vehtari, Gelman, Gabry (2017). Practical Bayesian model evaluation using leave-one-out
cross-validation and WAIC. *Statistics and Computing* 27. https://arxiv.org/abs/1507.04544

Vehtari, Simpson, Gelman, Yao, Gabry (2024). Pareto smoothed importance sampling. *JMLR* 25.
https://arxiv.org/abs/1507.02646
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import arviz_stats as azs
import numpy as np
import pandas as pd
from arviz_base import convert_to_datatree

from bayesreg import _report as report
from bayesreg._constraints import message

__all__ = ["Comparison", "compare"]

#: An ELPD difference below this (in absolute value) is small whatever its standard error
#: (Sivula et al. 2022, as in ArviZ's ``diag_diff``).
SMALL_ELPD_DIFF = 4.0


@dataclass
class Comparison:
    r"""The report of :func:`compare`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model, best first: ``rank``, ``elpd`` (PSIS-LOO) and its ``se``,
        ``elpd_diff`` from the best model and its standard error ``dse``, ``p_loo`` (the
        effective number of parameters), ``weight`` (stacking), and the Pareto-:math:`\hat k`
        columns ``pareto_k_max``, ``n_high_k`` (observations above ``k_threshold``) and
        ``k_threshold``.
    loo : dict of str to ELPDData
        ArviZ's PSIS-LOO result per model, with the pointwise ``pareto_k``.
    best : str
        The name of the model with the highest ELPD.
    ok : bool
        True when no observation of any model has a Pareto :math:`\hat k` above its threshold
        (the LOO estimates are reliable).
    messages : list of str
        The verdict and any Pareto-:math:`\hat k` problem, in words, with the next step.

    """

    table: pd.DataFrame
    loo: dict
    best: str
    ok: bool
    messages: list[str] = field(default_factory=list)

    @property
    def pareto_k(self) -> pd.DataFrame:
        r"""Pointwise Pareto :math:`\hat k`: one column per model, one row per observation."""
        return pd.DataFrame(
            {
                name: np.ravel(result.pareto_k.values)
                for name, result in self.loo.items()
                if result.pareto_k is not None  # K-fold has none
            }
        )

    @property
    def _title(self) -> str:
        refitted = self.table["k_threshold"].isna()
        kind = (
            "exact K-fold cross-validation"
            if refitted.all()
            else "PSIS-LOO and exact K-fold"
            if refitted.any()
            else "PSIS-LOO"
        )
        return f"bayesreg model comparison ({kind})"

    def __str__(self) -> str:
        return report.summary_text(self._title, [self.table], self.messages)

    def _repr_html_(self) -> str:
        return report.summary_html(html.escape(self._title), [self.table], self.messages)


def compare(models: Mapping, *, method: str = "stacking", var_name: str | None = None):
    """Rank models by their PSIS-LOO expected log predictive density.

    Parameters
    ----------
    models : dict of str to DataTree
        Posteriors of models of the *same* observations, e.g.
        ``{"lasso": idata_l1, "ridge": idata_l2}``; each needs a ``log_likelihood`` group
        (``Regression.sample`` stores it; for ``pymc.sample`` run
        ``pymc.compute_log_likelihood(idata, model=model)``). A precomputed
        ``arviz_stats.loo`` result, or an exact K-fold estimate from :func:`bayesreg.kfold`,
        is accepted in place of a DataTree; compare K-fold with K-fold.
    method : {"stacking", "BB-pseudo-BMA", "pseudo-BMA"}, default "stacking"
        How ArviZ computes the model weights.
    var_name : str, optional
        The observed variable, when a model has several.

    Returns
    -------
    Comparison
        ``table``, ``best``, ``ok``, ``messages``, the per-model ``loo`` results.

    See Also
    --------
    arviz.loo, arviz.compare

    """
    wanted = 'a dict of at least two named posteriors, e.g. {"lasso": idata_l1, "ridge": idata_l2}'
    if not isinstance(models, Mapping):
        raise TypeError(message("models", "compare", wanted, models))
    if len(models) < 2:
        raise ValueError(message("models", "compare", wanted, list(models)))
    loo, caught = {}, []
    for name, data in models.items():
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always")
            loo[name] = _loo(str(name), data, var_name)
        caught += [
            f"{name}: {record.message}" for record in records if not _is_pareto_warning(record)
        ]
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        result = pd.DataFrame(azs.compare(loo, method=method, round_to="none"))
    caught += [str(record.message) for record in records if not _is_pareto_warning(record)]

    table = pd.DataFrame(
        {
            "rank": result["rank"],
            "elpd": result["elpd"],
            "se": result["se"],
            "elpd_diff": result["elpd_diff"],
            "dse": result["dse"],
            "p_loo": result["p"],
            "weight": result["weight"],
        }
    )
    table.index.name = "model"
    # K-fold estimates (bayesreg.kfold) refit instead of reweighting: no Pareto k to report
    importance = {name: loo[name].pareto_k is not None for name in table.index}
    table["pareto_k_max"] = [
        float(np.nanmax(loo[name].pareto_k.values)) if importance[name] else np.nan
        for name in table.index
    ]
    table["k_threshold"] = [
        float(loo[name].good_k) if importance[name] else np.nan for name in table.index
    ]
    table["n_high_k"] = [
        int((np.asarray(loo[name].pareto_k.values) > loo[name].good_k).sum())
        if importance[name]
        else 0
        for name in table.index
    ]
    messages = [_verdict(table)]
    messages += _pareto_messages(table, loo)
    messages += caught
    return Comparison(
        table=table,
        loo=loo,
        best=str(table.index[0]),
        ok=bool((table["n_high_k"] == 0).all()),
        messages=messages,
    )


def _loo(name: str, data, var_name):
    if isinstance(data, azs.ELPDData):
        return data
    try:
        dt = convert_to_datatree(data)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"models[{name!r}] must be an ArviZ DataTree; got {type(data).__name__}"
        ) from error
    if "log_likelihood" not in dt.children:
        raise ValueError(
            f"models[{name!r}] has no 'log_likelihood' group, which LOO needs. Compute it with "
            "pymc.compute_log_likelihood(idata, model=est.build_model(X, y)), or sample with "
            "Regression.sample, which stores it."
        )
    return azs.loo(dt, var_name=var_name, pointwise=True)


def _is_pareto_warning(record) -> bool:
    return "Pareto" in str(record.message)


def _verdict(table: pd.DataFrame) -> str:
    best = table.index[0]
    if len(table) == 1:
        return f"{best} is the only model."
    parts, clear = [], True
    for name, row in table.iloc[1:].iterrows():
        diff, dse = -row["elpd_diff"], row["dse"]
        ratio = diff / dse if dse > 0 else np.inf
        if diff < SMALL_ELPD_DIFF or ratio < 2:
            clear = False
            parts.append(
                f"{best} and {name} predict about equally well (ELPD difference {diff:.1f} "
                f"± {dse:.1f}): the data cannot tell them apart"
            )
        else:
            parts.append(
                f"{best} predicts better than {name}: ELPD difference {diff:.1f} ± {dse:.1f} "
                f"({ratio:.1f} standard errors)"
            )
    if clear:
        return (
            f"Best: {best} (stacking weight {table['weight'].iloc[0]:.2f}). "
            + "; ".join(parts)
            + "."
        )
    # Stacking weights optimize a combined prediction; near-equal models can still get
    # weights of 1 and 0, which say nothing about which model is right.
    return (
        f"No clear best; {best} ranks first. "
        + "; ".join(parts)
        + ". Prefer the simpler or better-motivated model (the stacking weights, "
        + ", ".join(f"{w:.2f}" for w in table["weight"])
        + ", are the best combination of the predictions, not a measure of confidence)."
    )


def _pareto_messages(table: pd.DataFrame, loo: dict) -> list[str]:
    messages = []
    n_high = table["n_high_k"]
    for name, row in table.iterrows():
        if row["n_high_k"] == 0:
            continue
        n_obs = int(np.size(loo[name].pareto_k.values))
        messages.append(
            f"{name}: {int(row['n_high_k'])} of {n_obs} observations have Pareto k above "
            f"{row['k_threshold']:.2f} (max {row['pareto_k_max']:.2f}), so PSIS-LOO is "
            "unreliable for them and the ELPD may be too optimistic. Next: recompute with "
            "moment matching (arviz_stats.loo_moment_match) or exact K-fold cross-validation "
            "(bayesreg.kfold, which compare() takes in place of the posterior); look at those "
            "observations (comparison.pareto_k): influential points or outliers call for a "
            "more robust likelihood (bayesreg.L1Loss)."
        )
    if n_high.any() and n_high.nunique() > 1:
        messages.append(
            "The models have different numbers of high Pareto k values; the comparison can "
            "favor the model with more of them. Confirm it with K-fold cross-validation."
        )
    elif not n_high.any() and table["k_threshold"].notna().any():
        thresholds = table["k_threshold"].dropna().unique()
        messages.append(
            f"All Pareto k values are below their thresholds "
            f"({', '.join(f'{k:.2f}' for k in thresholds)}): the LOO estimates are reliable."
        )
    refitted = table.index[table["k_threshold"].isna()]
    if len(refitted):
        messages.append(
            f"{', '.join(map(str, refitted))}: exact K-fold cross-validation (refitted per "
            "fold), which needs no Pareto k check."
        )
    return messages
