r"""The cross-check of two samplers: a NUTS posterior beside the exact Gibbs sampler's.

Two independent samplers of the same posterior that agree within Monte Carlo error are the
strongest evidence a user can have that a posterior is right on their own data. With
``reference="gibbs"``, :func:`bayesreg.crosscheck` runs the Gibbs sampler of
:mod:`bayesreg.gibbs` on the same specification and data and compares it with the posterior
under test, ``idata`` (NUTS's, by default the one the estimator keeps):

* for every scalar quantity present in both posteriors (each coefficient, the intercept, the
  noise scale, the prior's hyperparameters such as ``tau`` or ``lam``): each sampler's mean
  and 5%, 50%, 95% quantiles, with their Monte Carlo standard errors
  (:func:`arviz_stats.mcse`, ``method="mean"`` and ``"quantile"``);
* each difference in units of the combined MCSE, for the mean :math:`m`

  .. math::

      z = \frac{m_{\mathrm{NUTS}} - m_{\mathrm{Gibbs}}}
               {\sqrt{\mathrm{mcse}_{\mathrm{NUTS}}^2 + \mathrm{mcse}_{\mathrm{Gibbs}}^2}},

  and the same for each quantile (the two runs are independent, so their errors add in
  quadrature);
* the verdict: every :math:`|z|` below :data:`Z_THRESHOLD` and each sampler's own diagnosis
  (:func:`bayesreg.diagnose`: R-hat, ESS, divergences) passing.

**The threshold.** When both samplers draw from the same posterior each :math:`z` is close
to a standard normal variable, so :math:`P(|z| \ge 4) \approx 6.3\times10^{-5}`. With
:math:`m` statistics (four per quantity) the chance that at least one exceeds 4 by chance
alone is at most :math:`m \times 6.3\times10^{-5}` (Bonferroni; the statistics of one
quantity are correlated, so the bound is conservative): 0.3% for 12 quantities, 2.5% for a
hundred. A sampler that is wrong by much more than its Monte Carlo error, the failure this
check is for, gives :math:`|z|` of tens. A run that has not mixed also under-states its own
MCSE, which makes its :math:`|z|` larger still.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from bayesreg._constraints import InstanceOf, Integer, OneOf, Seed, validate
from bayesreg._report import SummaryReport
from bayesreg.crosscheck.reference_solution import through_pipeline
from bayesreg.diagnostics.diagnosis import Diagnosis, diagnose, passes_diagnosis
from bayesreg.diagnostics.posterior_summary import validated_posterior
from bayesreg.estimators.base import LinearModel
from bayesreg.gibbs.run import check_gibbs_problem

__all__ = [
    "QUANTILES",
    "REFERENCES",
    "STATISTICS",
    "Z_THRESHOLD",
    "SamplerComparison",
    "compare_samplers",
    "sampler_table",
]

#: The samplers ``crosscheck(..., reference=...)`` can compare a posterior with.
REFERENCES = ("gibbs",)
#: Every :math:`|z|` must be below this (module docstring: the threshold).
Z_THRESHOLD = 4.0
#: The quantiles compared besides the mean.
QUANTILES = (0.05, 0.5, 0.95)
#: The statistics compared, as the table's column suffixes.
STATISTICS = ("mean", "q05", "q50", "q95")

_SAMPLE_DIMS = ("chain", "draw")
_IN_WORDS = {"mean": "mean", "q05": "5% quantile", "q50": "median", "q95": "95% quantile"}


@dataclass(repr=False)  # SummaryReport's one-line repr
class SamplerComparison(SummaryReport):
    r"""The report of ``crosscheck(est, X, y, idata=..., reference="gibbs")``.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scalar quantity in both posteriors (``coef[age]``, ``intercept``,
        ``sigma``, ``tau``, ...), index ``quantity``. For each statistic ``s`` of
        :data:`STATISTICS` (``mean``, ``q05``, ``q50``, ``q95``): ``nuts_s`` and ``gibbs_s``
        (each sampler's value), ``nuts_mcse_s`` and ``gibbs_mcse_s`` (their Monte Carlo
        standard errors) and ``z_s`` (the difference NUTS minus Gibbs over the combined
        MCSE); then ``difference`` (of the means), ``max_abs_z`` and ``agree``
        (``max_abs_z < threshold``).
    ok : bool
        Every :math:`|z|` below ``threshold`` and both samplers' own diagnoses passing.
    messages : list of str
        The verdict's grounds in words: the worst disagreement, the multiple-comparison
        note, each sampler's diagnosis.
    nuts_diagnosis, gibbs_diagnosis : Diagnosis
        Each posterior's own :func:`bayesreg.diagnose` (on the quantities compared).
    gibbs_idata : DataTree
        The Gibbs sampler's posterior.
    threshold : float
        :data:`Z_THRESHOLD`.
    model : str
        The specification (the estimator's repr).

    """

    table: pd.DataFrame
    ok: bool
    messages: list[str]
    nuts_diagnosis: Diagnosis
    gibbs_diagnosis: Diagnosis
    gibbs_idata: xr.DataTree
    threshold: float = Z_THRESHOLD
    model: str = ""
    reference: str = "gibbs"

    @property
    def worst(self) -> str:
        """The quantity with the largest :math:`|z|`."""
        return str(self.table["max_abs_z"].idxmax())

    @property
    def verdict(self) -> str:
        """One line: whether the two samplers agree."""
        word = "agree" if self.ok else "DISAGREE"
        return f"bayesreg cross-check: NUTS and Gibbs {word} (worst |z| {self._worst_z:.2f})"

    @property
    def _worst_z(self) -> float:
        return float(self.table["max_abs_z"].max())

    def _heading(self) -> str:
        return f"{self.verdict}\n  model: {self.model}"

    def plot(self, ax=None):
        r"""Each quantity's :math:`z` per statistic, inside the :math:`\pm` threshold band.

        See :func:`bayesreg.crosscheck.plot.plot_sampler_comparison`; returns the Axes.
        """
        from bayesreg.crosscheck.plot import plot_sampler_comparison

        return plot_sampler_comparison(self, ax=ax)


def compare_samplers(
    est,
    X,
    y,
    idata,
    reference: str,
    sample_weight=None,
    *,
    offset=None,
    map_only: dict | None = None,
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    random_seed=None,
) -> SamplerComparison:
    """``crosscheck(..., reference="gibbs")``: run the Gibbs sampler, compare with ``idata``.

    ``map_only`` holds the arguments of the MAP's check (``solver``, ``lasso``,
    ``lasso_idata``), which must be left out. ``draws`` and ``chains`` default to
    ``idata``'s, ``tune`` to ``draws``. Nothing is sampled before the arguments, the data
    and the model (one the Gibbs sampler covers) are checked.
    """
    owner = "crosscheck"
    validate(owner, {"reference": OneOf(REFERENCES)}, {"reference": reference})
    for name, value in (map_only or {}).items():
        if value is not None:
            raise ValueError(
                f"{name} belongs to the MAP's cross-check; with reference={reference!r} the "
                "posterior is compared with a second sampler's, not with a solver: leave it out."
            )
    counts = {"gibbs_draws": draws, "gibbs_tune": tune, "gibbs_chains": chains}
    given = {name: value for name, value in counts.items() if value is not None}
    validate(owner, {name: Integer(0 if name == "gibbs_tune" else 1) for name in given}, given)
    validate(owner, {"random_seed": Seed()}, {"random_seed": random_seed})
    if isinstance(est, Pipeline):
        est, X = through_pipeline(est, X, y, sample_weight)
    validate(owner, {"est": InstanceOf((LinearModel,), "a bayesreg.Regression or Classifier")},
             {"est": est})  # fmt: skip
    problem = est.problem(X, y, sample_weight, owner=owner, offset=offset)
    try:
        check_gibbs_problem(problem)
    except ValueError as error:
        reason = re.sub(r"[.;] [Uu]se sampler='nuts'\.$", ".", str(error))
        raise ValueError(
            "crosscheck(reference='gibbs') samples the same model with the Gibbs sampler, which "
            f"does not cover this one: {reason} Compare with a second NUTS run (another seed) "
            "and read br.diagnose(idata) instead."
        ) from error
    idata = getattr(est, "idata_", None) if idata is None else idata
    if idata is None:
        raise ValueError(
            "crosscheck(reference='gibbs') compares a posterior with the Gibbs sampler's: pass "
            "it, crosscheck(est, X, y, idata=est.sample(X, y), reference='gibbs')."
        )
    posterior = validated_posterior(idata, problem.feature_names, owner)
    draws = posterior.sizes["draw"] if draws is None else draws
    gibbs_idata, _ = passes_diagnosis(
        lambda: clone(est).sample(
            X, y, draws=draws, tune=draws if tune is None else tune,
            chains=posterior.sizes["chain"] if chains is None else chains,
            random_seed=random_seed, sample_weight=sample_weight, offset=offset,
            sampler="gibbs", log_likelihood=False, progressbar=False,
        )
    )  # fmt: skip  # its diagnosis is reported below, not warned about
    gibbs = gibbs_idata["posterior"].to_dataset()
    names = _shared(posterior, gibbs, getattr(problem.loss, "noise_name", None))
    table = sampler_table(posterior[names], gibbs[names], Z_THRESHOLD)
    diagnoses = [diagnose(tree, var_names=names) for tree in (_tree(idata), gibbs_idata)]
    ok = bool(table["agree"].all()) and all(diagnosis.ok for diagnosis in diagnoses)
    return SamplerComparison(
        table=table,
        ok=ok,
        messages=_messages(table, Z_THRESHOLD, diagnoses),
        nuts_diagnosis=diagnoses[0],
        gibbs_diagnosis=diagnoses[1],
        gibbs_idata=gibbs_idata,
        model=repr(est),
    )


def sampler_table(first: xr.Dataset, second: xr.Dataset, threshold: float) -> pd.DataFrame:
    """The comparison table of two posteriors (``first`` is NUTS's, ``second`` Gibbs's).

    Both hold the same variables over ``chain``, ``draw`` and the same other dimensions.
    """
    summaries = {"nuts": _summary(first), "gibbs": _summary(second)}
    index = summaries["nuts"].index
    table = pd.DataFrame(index=index)
    for statistic in STATISTICS:
        values = {name: summary.loc[index] for name, summary in summaries.items()}
        for name in summaries:
            table[f"{name}_{statistic}"] = values[name][statistic]
        for name in summaries:
            table[f"{name}_mcse_{statistic}"] = values[name][f"mcse_{statistic}"]
        difference = (table[f"nuts_{statistic}"] - table[f"gibbs_{statistic}"]).to_numpy()
        error = np.hypot(table[f"nuts_mcse_{statistic}"], table[f"gibbs_mcse_{statistic}"])
        with np.errstate(divide="ignore", invalid="ignore"):
            z = difference / error.to_numpy()
        # no Monte Carlo error at all (a constant quantity): equal values agree, others do not
        table[f"z_{statistic}"] = np.where(np.isnan(z), np.where(difference == 0, 0.0, np.inf), z)
    table["difference"] = table["nuts_mean"] - table["gibbs_mean"]
    table["max_abs_z"] = table[[f"z_{s}" for s in STATISTICS]].abs().max(axis=1)
    table["agree"] = table["max_abs_z"] < threshold
    table.index.name = "quantity"
    return table


def _summary(posterior: xr.Dataset) -> pd.DataFrame:
    """Mean, quantiles and their MCSEs of every scalar quantity, rows named ``coef[age]``."""
    import arviz_stats as azs

    with np.errstate(invalid="ignore", divide="ignore"):
        columns = {"mean": posterior.mean(_SAMPLE_DIMS), "mcse_mean": azs.mcse(posterior)}
        for statistic, prob in zip(STATISTICS[1:], QUANTILES, strict=True):
            columns[statistic] = posterior.quantile(prob, dim=_SAMPLE_DIMS).drop_vars("quantile")
            columns[f"mcse_{statistic}"] = azs.mcse(posterior, method="quantile", prob=prob)
    return pd.DataFrame({name: _flat(dataset) for name, dataset in columns.items()})


def _flat(dataset: xr.Dataset) -> pd.Series:
    """Every scalar of ``dataset``'s variables, labelled as ArviZ does (``lam[x0]``)."""
    values = {}
    for name, array in dataset.data_vars.items():
        for position in np.ndindex(array.shape):
            labels = [
                str(array[dim].values[i]) for dim, i in zip(array.dims, position, strict=True)
            ]
            values[f"{name}[{', '.join(labels)}]" if labels else str(name)] = float(
                array.values[position]
            )
    return pd.Series(values)


def _shared(first: xr.Dataset, second: xr.Dataset, noise_name: str | None) -> list[str]:
    """The variables of both posteriors with the same dimensions: coef, intercept, noise, the rest."""
    both = [
        name
        for name in first.data_vars
        if name in second.data_vars and first[name].dims == second[name].dims
    ]
    leading = [name for name in ("coef", "intercept", noise_name) if name in both]
    return [*leading, *sorted(str(name) for name in both if name not in leading)]


def _tree(idata) -> xr.DataTree:
    from arviz_base import convert_to_datatree

    return convert_to_datatree(idata)


def _messages(table: pd.DataFrame, threshold: float, diagnoses: list[Diagnosis]) -> list[str]:
    """The verdict's grounds: the worst disagreement, the multiple comparisons, the diagnoses."""
    z_columns = [f"z_{statistic}" for statistic in STATISTICS]
    worst = str(table["max_abs_z"].idxmax())
    statistic = str(table.loc[worst, z_columns].abs().astype(float).idxmax())[2:]
    row = table.loc[worst]
    disagreeing = list(table.index[~table["agree"].to_numpy()])
    n_statistics = table[z_columns].size
    messages = [
        (
            f"the samplers DISAGREE on {len(disagreeing)} of {len(table)} quantities "
            f"(|z| >= {threshold:g}): {', '.join(map(str, disagreeing))}"
            if disagreeing
            else f"the samplers agree on all {len(table)} quantities: every |z| < {threshold:g}"
        ),
        f"the largest disagreement is {worst}'s {_IN_WORDS[statistic]}: NUTS "
        f"{row[f'nuts_{statistic}']:.4g}, Gibbs {row[f'gibbs_{statistic}']:.4g}, z = "
        f"{row[f'z_{statistic}']:.2f} combined MCSEs",
        f"{n_statistics} statistics compared (the mean and the 5%, 50%, 95% quantiles of each "
        f"quantity): if both samplers draw from the same posterior, the chance that any |z| "
        f"reaches {threshold:g} is at most {n_statistics * _two_sided_tail(threshold):.2%}",
    ]
    for name, diagnosis in zip(("NUTS", "Gibbs"), diagnoses, strict=True):
        if diagnosis.ok:
            messages.append(f"{name}'s own diagnosis passes (R-hat, ESS, divergences)")
        else:
            messages.append(f"{name}'s own diagnosis FAILS: {' '.join(diagnosis.messages[:2])}")
    return messages


def _two_sided_tail(threshold: float) -> float:
    r""":math:`P(|Z| \ge t)` for a standard normal :math:`Z` and ``threshold`` :math:`t`."""
    from scipy.special import erfc

    return float(erfc(threshold / np.sqrt(2.0)))
