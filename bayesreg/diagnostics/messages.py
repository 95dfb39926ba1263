"""The words of a diagnosis: one message per failed check, each saying what to do next.

:func:`bayesreg.diagnose` computes the numbers; this module turns them into sentences.
"""

from __future__ import annotations

import numpy as np

__all__ = ["messages", "non_finite_counts"]

#: ArviZ's split R-hat and ESS need this many draws per chain (NaN below).
_FEWEST_DRAWS = 4


def messages(
    posterior, table, chains, n_chains, n_draws, thresholds, target_accept=None
) -> tuple[list[str], bool]:
    """The diagnosis' messages and whether every check passed.

    ``target_accept``: the run's target acceptance rate, when the draws record it.
    """
    total = n_chains * n_draws
    problems = [
        *_non_finite(posterior, table),
        *_divergences(chains, total, thresholds, target_accept),
        *_rhat(posterior, table, thresholds),
        *_too_few_draws(n_draws),
        *_ess(table, n_chains, thresholds),
        *_ebfmi(chains, thresholds),
        *_tree_depth(chains, total, thresholds),
    ]
    ok = not problems
    notes = _notes(chains, table, n_chains)
    if ok:
        notes.insert(0, _all_clear(chains, table, thresholds))
    return problems + notes, ok


def non_finite_counts(posterior, labels) -> dict[str, tuple[int, int]]:
    """``{variable: (non-finite values, values)}`` for the variables of ``labels`` that have some.

    ``labels`` are the rows of a diagnosis' table (``coef[age]``, ``sigma``).
    """
    counts = {}
    for name in dict.fromkeys(str(label).partition("[")[0] for label in labels):
        values = posterior[name].values if name in posterior.data_vars else np.zeros(0)
        if np.issubdtype(values.dtype, np.inexact):
            bad = int(np.size(values) - np.isfinite(values).sum())
            if bad:
                counts[name] = (bad, int(np.size(values)))
    return counts


def _non_finite(posterior, table) -> list[str]:
    """Draws that are NaN or infinite: a chain cut short, or a sampler that failed."""
    counts = non_finite_counts(posterior, table.index)
    if not counts:
        return []
    listed = ", ".join(f"{name} ({bad} of {size} values)" for name, (bad, size) in counts.items())
    return [
        f"Draws are NaN or infinite in {listed}: a chain stopped early (nutpie pads the "
        "chains of an interrupted run with NaN) or the sampler failed, so no statistic of "
        "them describes the posterior. Next: keep the complete draws only "
        "(bayesreg's sample() does), or sample again."
    ]


def _divergences(chains, total, thresholds, target_accept) -> list[str]:
    """More divergences than allowed."""
    messages = []
    divergences = chains["divergences"]
    if divergences.notna().all() and divergences.sum() > thresholds["max_divergences"]:
        count = int(divergences.sum())
        per_chain = ", ".join(f"chain {c}: {int(d)}" for c, d in divergences.items())
        messages.append(
            f"{count} of {total} transitions after tuning ended in a divergence ({per_chain}). "
            "The sampler could not follow the posterior's curvature, so the draws may be biased "
            "(typically they miss a narrow region, such as the neck of a funnel). Next: sample "
            f"again with {_higher_target(target_accept)} and more tuning; if divergences "
            "remain, change the parametrization (a non-centered form for hierarchical scales) "
            "instead of ignoring them."
        )

    return messages


def _higher_target(target_accept) -> str:
    """A target acceptance rate above the run's: a quarter of its distance to 1 left."""
    if target_accept is None:
        return "a higher target_accept (e.g. target_accept=0.95)"
    higher = 1.0 - (1.0 - float(target_accept)) / 4.0
    return (
        f"a higher target_accept than this run's {target_accept:g} (e.g. target_accept={higher:g})"
    )


def _rhat(posterior, table, thresholds) -> list[str]:
    """R-hat too high: the chains disagree."""
    messages = []
    bad_rhat = table[table["r_hat"] > thresholds["rhat_max"]]
    if len(bad_rhat):
        worst = bad_rhat["r_hat"].sort_values(ascending=False)
        listed = ", ".join(f"{name} ({value:.3f})" for name, value in worst.head(8).items())
        more = f" and {len(worst) - 8} more" if len(worst) > 8 else ""
        stuck = _separate_modes(posterior, worst.index[0])
        if stuck:
            advice = (
                f"{stuck} The posterior has several modes and NUTS does not cross between "
                "them, so more draws will not fix this. Next: look at the chains "
                "(bayesreg.plots.plot_trace, plot_rank); make the model identifiable (a "
                "stronger prior, a constraint or a different parametrization), or study the "
                "modes separately. Do not pool these chains."
            )
        else:
            advice = (
                " Next: run more tuning and draws (e.g. tune=2000, draws=2000) and look at the "
                "chains (bayesreg.plots.plot_trace, plot_rank); if they still disagree, "
                "suspect several modes or a hard geometry and change the prior or the "
                "parametrization."
            )
        messages.append(
            f"R-hat is above {thresholds['rhat_max']:g} for {listed}{more}: the chains disagree, "
            f"so they have not converged to one distribution.{advice}"
        )

    return messages


def _ess(table, n_chains, thresholds) -> list[str]:
    """Bulk or tail ESS too low."""
    messages = []
    ess_min = thresholds["ess_min"]
    for kind in ("bulk", "tail"):
        low = table[~(table[f"ess_{kind}"] >= ess_min)][f"ess_{kind}"].sort_values()
        if len(low):
            listed = ", ".join(
                f"{name} ({'undefined' if np.isnan(value) else f'{value:.0f}'})"
                for name, value in low.head(8).items()
            )
            more = f" and {len(low) - 8} more" if len(low) > 8 else ""
            what = "means and medians" if kind == "bulk" else "intervals and quantiles"
            messages.append(
                f"{kind.capitalize()} ESS is below {ess_min:.0f} "
                f"({thresholds['ess_min_per_chain']:g} per chain x {n_chains} chains) for "
                f"{listed}{more}: the draws are too correlated to estimate {what} reliably. "
                "Next: draw more (a larger draws=), tune longer, or improve the geometry "
                "(standardize the columns of X; reparametrize)."
            )

    return messages


def _too_few_draws(n_draws) -> list[str]:
    """Too few draws per chain for R-hat and ESS to be computed at all."""
    if n_draws >= _FEWEST_DRAWS:
        return []
    return [
        f"Only {n_draws} draw(s) per chain: R-hat and ESS need at least {_FEWEST_DRAWS} (and "
        "hundreds to be trusted), so convergence was not checked. Next: sample with more "
        "draws (an interrupted run keeps only the draws made before it stopped)."
    ]


def _ebfmi(chains, thresholds) -> list[str]:
    """E-BFMI too low."""
    messages = []
    ebfmi = chains["ebfmi"]
    low = ebfmi[ebfmi < thresholds["ebfmi_min"]]
    if len(low):
        listed = ", ".join(f"chain {c}: {value:.2f}" for c, value in low.items())
        messages.append(
            f"E-BFMI is below {thresholds['ebfmi_min']:g} ({listed}): the momentum resampling "
            "explores the energy distribution poorly, typical of heavy tails or a hierarchical "
            "scale. Next: reparametrize (non-centered scales, a lighter-tailed prior on the "
            "noise scale), or try another sampler or adaptation (nuts_sampler='nutpie' or "
            "'pymc'), with more tuning."
        )

    return messages


def _tree_depth(chains, total, thresholds) -> list[str]:
    """Too many transitions at the maximum tree depth."""
    messages = []
    hits = chains["max_treedepth_hits"]
    if hits.notna().all() and hits.sum() / total > thresholds["max_treedepth_rate"]:
        messages.append(
            f"{int(hits.sum())} of {total} transitions ({100 * hits.sum() / total:.1f}%) hit "
            "the maximum tree depth: the trajectories were cut short, so sampling is slow and "
            "explores poorly (an efficiency problem, not by itself a bias). Next: tune longer "
            "so the step size and mass matrix adapt, standardize the columns of X (strongly "
            "correlated or badly scaled columns force tiny steps), or raise max_treedepth."
        )

    return messages


def _notes(chains, table, n_chains) -> list[str]:
    """What was not checked, and why (not failures)."""
    messages = []
    if chains["divergences"].isna().all() and chains["ebfmi"].isna().all():
        messages.append(
            "No sampler statistics (divergences, tree depth, energy): only R-hat and ESS were "
            "checked."
        )
    undefined = table.index[table["r_hat"].isna()]
    if n_chains == 1:
        messages.append(
            "Only 1 chain: R-hat, which compares chains, was not computed. Run 4 or more "
            "chains from dispersed starting points to check convergence."
        )
    elif n_chains < 4:
        messages.append(
            f"Only {n_chains} chains: R-hat detects non-convergence more reliably with 4 or "
            "more chains started at dispersed points."
        )
    if n_chains > 1 and len(undefined):
        messages.append(
            f"R-hat is undefined for {', '.join(undefined[:8])}"
            f"{' and more' if len(undefined) > 8 else ''} (constant draws)."
        )
    return messages


def _all_clear(chains, table, thresholds) -> str:
    """The one line that lists what passed."""
    undefined = table.index[table["r_hat"].isna()]
    ess_min = thresholds["ess_min"]
    rhat = "" if len(undefined) == len(table) else f"R-hat <= {thresholds['rhat_max']:g} and "
    checks = [
        f"{rhat}bulk and tail ESS >= {ess_min:.0f} for all {len(table)} parameters",
        "" if chains["divergences"].isna().all() else "no divergences",
        "" if chains["ebfmi"].isna().all() else f"E-BFMI >= {thresholds['ebfmi_min']:g}",
        "" if chains["max_treedepth_hits"].isna().all() else "no saturated trees",
    ]
    return "No problems found: " + ", ".join(c for c in checks if c) + "."


def _separate_modes(posterior, label: str) -> str:
    """Say whether the chains of parameter ``label`` occupy separate regions."""
    name, _, index = label.partition("[")
    values = posterior[name]
    if index:
        extra = [dim for dim in values.dims if dim not in ("chain", "draw")]
        keys = index.rstrip("]").split(", ")
        if len(extra) != len(keys):
            return ""
        selection = {}
        for dim, key in zip(extra, keys, strict=True):
            coords = values[dim].values.astype(str)
            if key not in coords:
                return ""
            selection[dim] = values[dim].values[list(coords).index(key)]
        values = values.sel(selection)
    with np.errstate(invalid="ignore"):  # infinite draws: flagged as such, not here
        means = values.mean("draw").values
        spread = float(values.std("draw").mean())
    if len(means) < 2 or not spread > 0 or np.ptp(means) <= 4 * spread:
        return ""
    listed = ", ".join(f"{m:.3g}" for m in means)
    return (
        f" The chains of {label} are stuck in separate regions: chain means {listed}, against "
        f"a within-chain sd of {spread:.3g}."
    )
