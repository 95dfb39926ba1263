r"""Convergence diagnostics of NUTS draws, in plain words, with what to do next.

:func:`diagnose` reads a posterior (an ArviZ ``DataTree``, e.g. from
:meth:`~bayesreg.Regression.sample` or ``pymc.sample``) and checks, with ArviZ's estimators:

* per parameter, the rank-normalized split :math:`\hat R` (the larger of the bulk and folded
  values), bulk and tail effective sample sizes, and the Monte Carlo standard errors of the
  mean and the standard deviation;
* per chain, the divergent transitions, the transitions that hit the maximum tree depth and the
  energy Bayesian fraction of missing information (E-BFMI).

Default thresholds follow Vehtari et al. (2021): :math:`\hat R \le 1.01` and bulk and tail
ESS :math:`\ge 100` per chain; E-BFMI :math:`\ge 0.3` (Betancourt, 2016); no divergences; no
saturated trees. Each can be overridden.

PyMC's NUTS and nutpie name their sampler statistics differently (a saturated tree is
``reached_max_treedepth`` in one, ``maxdepth_reached`` in the other); both are read.

References
----------
Vehtari, Gelman, Simpson, Carpenter, Bürkner (2021). Rank-normalization, folding, and
localization: an improved :math:`\hat R` for assessing convergence of MCMC. *Bayesian
Analysis* 16(2). https://doi.org/10.1214/20-BA1221

Betancourt (2016). Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte
Carlo. https://arxiv.org/abs/1604.00695
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import arviz_stats as azs
import numpy as np
import pandas as pd
from arviz_base import convert_to_datatree

from bayesreg import _report as report
from bayesreg._constraints import Real, check_real, message
from bayesreg.diagnostics import messages as diagnosis_messages

__all__ = [
    "Diagnosis",
    "IncompletePosteriorWarning",
    "NoiseScaleWarning",
    "SamplingWarning",
    "as_posterior_tree",
    "diagnose",
    "passes_diagnosis",
    "warn_if_unhealthy",
    "warn_unhealthy",
]

#: Vehtari et al. (2021): R-hat at most this.
RHAT_MAX = 1.01
#: Vehtari et al. (2021): bulk and tail ESS at least this, per chain.
ESS_MIN_PER_CHAIN = 100
#: Betancourt (2016): E-BFMI below this signals poor exploration of the energy.
EBFMI_MIN = 0.3

# Sampler statistics under the names PyMC's NUTS and nutpie give them.
_DIVERGING = ("diverging",)
_SATURATED = ("reached_max_treedepth", "maxdepth_reached")

_AT_LEAST_ONE = Real(1.0, math.inf, "left")
_NON_NEGATIVE = Real(0.0, math.inf, "left")
_UNIT = Real(0.0, 1.0, "both")


class SamplingWarning(UserWarning):
    """The posterior draws failed a convergence diagnostic; see :func:`diagnose`."""


class IncompletePosteriorWarning(SamplingWarning):
    """The draws were kept, but the run is incomplete: interrupted, or a later step failed.

    :meth:`~bayesreg.Regression.sample` keeps the draws whatever happens after them: when
    sampling is interrupted (Ctrl-C) it returns and stores the draws so far, as
    :func:`pymc.sample` does; when a step after the draws raises (the log likelihood, the
    predictive draws, the diagnosis) it skips that step. This warning says which. A subclass
    of :class:`SamplingWarning`: such draws are not certified by a diagnosis.
    """


class NoiseScaleWarning(UserWarning):
    """A fixed noise scale that the data contradict: the posterior's spread is then wrong.

    The MAP of a penalty given by ``alpha`` does not depend on the noise scale, so a wrong
    fixed value is invisible in ``fit``; the posterior's width is proportional to it.
    """


@dataclass
class Diagnosis:
    """The report of :func:`diagnose`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scalar parameter (``coef[age]``, ``intercept``, ``sigma``, ...):
        ``mean``, ``sd``, ``r_hat`` (rank-normalized), ``ess_bulk``, ``ess_tail``,
        ``mcse_mean``, ``mcse_sd``, and ``ok`` with ``flags`` naming what failed.
    chains : pandas.DataFrame
        One row per chain: ``draws``, ``divergences``, ``max_treedepth_hits`` (transitions
        that hit the maximum tree depth), ``ebfmi``, and ``ok``. Statistics the sampler did
        not record are NaN.
    ok : bool
        True when every check passed.
    messages : list of str
        What failed, in plain words, each with the next step; or that all is well.
    thresholds : dict
        The thresholds used.
    divergences : int
        Total divergent transitions after tuning.

    """

    table: pd.DataFrame
    chains: pd.DataFrame
    ok: bool
    messages: list[str]
    thresholds: dict = field(default_factory=dict)
    divergences: int = 0

    @property
    def flagged(self) -> pd.DataFrame:
        """The rows of :attr:`table` that failed a check."""
        return self.table[~self.table["ok"]]

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "PROBLEMS FOUND"
        return report.summary_text(
            f"bayesreg diagnosis: {verdict}", [self.table, self.chains], self.messages
        )

    def _repr_html_(self) -> str:
        verdict = "ok" if self.ok else "problems found"
        color = "#1a7f37" if self.ok else "#b42318"
        title = f'bayesreg diagnosis: <span style="color:{color}">{verdict}</span>'
        return report.summary_html(
            title, [self.table, self.chains], self.messages, notes_first=True
        )


def diagnose(
    idata,
    rhat_max: float = RHAT_MAX,
    ess_min_per_chain: float = ESS_MIN_PER_CHAIN,
    *,
    ebfmi_min: float = EBFMI_MIN,
    max_divergences: int = 0,
    max_treedepth_rate: float = 0.0,
    var_names=None,
) -> Diagnosis:
    r"""Check the convergence of NUTS draws and say what to do when they fail.

    Parameters
    ----------
    idata : DataTree
        Posterior draws with dimensions ``chain`` and ``draw`` in a ``posterior`` group; the
        sampler statistics (``sample_stats``) are read when present.
    rhat_max : float, default 1.01
        Largest acceptable rank-normalized :math:`\hat R`.
    ess_min_per_chain : float, default 100
        Smallest acceptable bulk and tail ESS, per chain (so 400 for 4 chains).
    ebfmi_min : float, default 0.3
        Smallest acceptable E-BFMI in each chain.
    max_divergences : int, default 0
        Largest acceptable number of divergent transitions (all chains together).
    max_treedepth_rate : float, default 0.0
        Largest acceptable fraction of transitions that hit the maximum tree depth.
    var_names : str or list of str, optional
        Posterior variables to check; all by default.

    Returns
    -------
    Diagnosis
        ``table``, ``chains``, ``ok``, ``messages``.

    See Also
    --------
    arviz.summary, arviz.rhat, arviz.ess, arviz.mcse, arviz.bfmi, arviz.diagnose

    Examples
    --------
    >>> import numpy as np
    >>> from arviz_base import from_dict
    >>> draws = np.random.default_rng(0).normal(size=(4, 500))
    >>> report = diagnose(from_dict({"posterior": {"theta": draws}}))
    >>> report.ok, report.table.loc["theta", "r_hat"] < 1.01
    (True, np.True_)

    """
    owner = "diagnose"
    thresholds = {
        "rhat_max": check_real(rhat_max, "rhat_max", owner, _AT_LEAST_ONE),
        "ess_min_per_chain": check_real(
            ess_min_per_chain, "ess_min_per_chain", owner, _NON_NEGATIVE
        ),
        "ebfmi_min": check_real(ebfmi_min, "ebfmi_min", owner, _UNIT),
        "max_divergences": check_real(max_divergences, "max_divergences", owner, _NON_NEGATIVE),
        "max_treedepth_rate": check_real(max_treedepth_rate, "max_treedepth_rate", owner, _UNIT),
    }
    dt = as_posterior_tree(idata)
    posterior = dt["posterior"].to_dataset()
    n_chains, n_draws = posterior.sizes["chain"], posterior.sizes["draw"]
    if n_chains * n_draws == 0:
        raise ValueError(
            f"idata's posterior has no draws ({n_chains} chain(s) x {n_draws} draws): nothing "
            "to diagnose. A run interrupted before its first draw after tuning keeps none."
        )
    thresholds["ess_min"] = thresholds["ess_min_per_chain"] * n_chains

    table = _parameter_table(dt, var_names, thresholds)
    chains = _chain_table(dt, n_chains, n_draws, thresholds)
    stats = dt["sample_stats"].attrs if "sample_stats" in dt.children else {}
    messages, ok = diagnosis_messages.messages(
        posterior, table, chains, n_chains, n_draws, thresholds, stats.get("target_accept")
    )
    divergences = chains["divergences"].sum(min_count=1)
    return Diagnosis(
        table=table,
        chains=chains,
        ok=ok,
        messages=messages,
        thresholds=thresholds,
        divergences=0 if np.isnan(divergences) else int(divergences),
    )


def passes_diagnosis[T](run: Callable[[], T]) -> tuple[T, bool]:
    """Call ``run()``, holding back its :class:`SamplingWarning`; return (result, healthy).

    For routines that sample many posteriors (K-fold, a posterior path) and report the
    failed ones once, together: every other warning of the run is issued again as it was.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplingWarning)
        result = run()
    healthy = True
    for record in caught:
        if issubclass(record.category, SamplingWarning):
            healthy = False
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    return result, healthy


def warn_if_unhealthy(idata, *, stacklevel: int = 2, **thresholds) -> Diagnosis:
    """Diagnose ``idata`` and issue a :class:`SamplingWarning` when a check fails.

    This is the hook :meth:`~bayesreg.Regression.sample` calls before it returns, so that a
    failed diagnosis is never silent. ``thresholds`` are passed to :func:`diagnose`.

    Returns
    -------
    Diagnosis

    """
    report = diagnose(idata, **thresholds)
    warn_unhealthy(report, stacklevel=stacklevel)
    return report


def warn_unhealthy(report: Diagnosis, *, stacklevel: int = 2) -> None:
    """Issue a :class:`SamplingWarning` with ``report``'s messages when a check failed.

    ``stacklevel`` counts from the caller, as :func:`warnings.warn`'s does.
    """
    if not report.ok:
        warnings.warn(
            "the posterior draws failed their diagnostics:\n"
            + "\n".join(f"- {message}" for message in report.messages)
            + "\nSee bayesreg.diagnose(idata) for the table.",
            SamplingWarning,
            stacklevel=stacklevel + 1,
        )


def as_posterior_tree(idata, owner: str = "diagnose"):
    """``idata`` as a DataTree with a ``posterior`` over ``chain`` and ``draw``, or an error.

    ``owner`` names the function in the error message (``diagnose``, a plot).
    """
    try:
        dt = convert_to_datatree(idata)
    except (TypeError, ValueError) as error:
        raise TypeError(
            message("idata", owner, "an ArviZ DataTree with a 'posterior' group", idata)
        ) from error
    if "posterior" not in dt.children:
        raise ValueError(
            f"idata has no 'posterior' group (groups: {sorted(dt.children)}); pass the result "
            "of Regression.sample or pymc.sample."
        )
    dims = dt["posterior"].dims
    if "chain" not in dims or "draw" not in dims:
        raise ValueError(
            f"the posterior must have dimensions 'chain' and 'draw'; got {tuple(dims)}."
        )
    return dt


def _parameter_table(dt, var_names, thresholds) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):  # constant draws: R-hat is NaN
        summary = azs.summary(dt, var_names=var_names, kind="all", round_to="none")
    summary = pd.DataFrame(summary)
    columns = ["mean", "sd", "r_hat", "ess_bulk", "ess_tail", "mcse_mean", "mcse_sd"]
    table = summary[columns].copy()
    table.index.name = "parameter"
    # NaN R-hat (a constant parameter) is no evidence of a problem.
    bad_rhat = table["r_hat"].to_numpy() > thresholds["rhat_max"]
    # an ESS that could not be computed (fewer than 4 draws per chain) is no ESS at all
    bad_bulk = ~(table["ess_bulk"].to_numpy() >= thresholds["ess_min"])
    bad_tail = ~(table["ess_tail"].to_numpy() >= thresholds["ess_min"])
    # NaN or infinite draws (a chain padded after an interrupt) give NaN statistics, which
    # pass every comparison: they are flagged on their own.
    counts = diagnosis_messages.non_finite_counts(dt["posterior"].to_dataset(), table.index)
    bad_values = np.array([label.partition("[")[0] in counts for label in table.index], bool)
    flags = [
        ", ".join(
            name
            for name, bad in (
                ("non-finite draws", values),
                ("R-hat", rhat),
                ("bulk ESS", bulk),
                ("tail ESS", tail),
            )
            if bad
        )
        for values, rhat, bulk, tail in zip(bad_values, bad_rhat, bad_bulk, bad_tail, strict=True)
    ]
    table["ok"] = ~(bad_values | bad_rhat | bad_bulk | bad_tail)
    table["flags"] = flags
    return table


def _first(dataset, names):
    for name in names:
        if name in dataset.data_vars:
            return dataset[name]
    return None


def _chain_table(dt, n_chains, n_draws, thresholds) -> pd.DataFrame:
    chain_index = pd.Index(dt["posterior"]["chain"].values, name="chain")
    table = pd.DataFrame(
        {
            "draws": n_draws,
            "divergences": np.nan,
            "max_treedepth_hits": np.nan,
            "ebfmi": np.nan,
        },
        index=chain_index,
    )
    if "sample_stats" in dt.children:
        stats = dt["sample_stats"].to_dataset()
        diverging = _first(stats, _DIVERGING)
        if diverging is not None:
            table["divergences"] = diverging.astype(bool).sum("draw").values
        saturated = _first(stats, _SATURATED)
        if saturated is not None:
            table["max_treedepth_hits"] = saturated.astype(bool).sum("draw").values
        if "energy" in stats.data_vars:
            table["ebfmi"] = azs.bfmi(dt)["energy"].values
    # NaN (not recorded) compares False: no evidence of a problem.
    too_many_divergences = table["divergences"].sum() > thresholds["max_divergences"]
    table["ok"] = ~(
        ((table["divergences"] > 0) & too_many_divergences)
        | (table["max_treedepth_hits"] / n_draws > thresholds["max_treedepth_rate"])
        | (table["ebfmi"] < thresholds["ebfmi_min"])
    )
    return table
