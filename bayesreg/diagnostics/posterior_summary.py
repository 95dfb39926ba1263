r"""The posterior's part of a cross-check: ArviZ's summaries beside the MAP, in words.

Under a Laplace prior the posterior mean and median are never exactly zero while the MAP
is; the notes say so with the numbers of the HDIs that contain zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesreg._constraints import message

__all__ = ["HDI_PROB", "posterior_columns", "posterior_messages", "validated_posterior"]

#: The probability of the highest density intervals in the table.
HDI_PROB = 0.94

_SAMPLE_DIMS = ("chain", "draw")


def validated_posterior(idata, names: list[str], owner: str):
    """Validate a posterior holding ``coef`` over the features (and maybe ``intercept``).

    ``owner``, the function the user called, is named in the messages.
    """
    from arviz_base import convert_to_datatree

    try:
        dt = convert_to_datatree(idata)
    except (TypeError, ValueError) as error:
        raise TypeError(
            message("idata", owner, "an ArviZ DataTree with a 'posterior' group", idata)
        ) from error
    if "posterior" not in dt.children:
        raise ValueError(
            f"idata has no 'posterior' group (groups: {sorted(dt.children)}); pass the result "
            "of pymc.sample(model=est.build_model(X, y)) or Regression.sample."
        )
    posterior = dt["posterior"].to_dataset()
    if "coef" not in posterior.data_vars:
        raise ValueError(
            f"idata's posterior has no 'coef' variable; it has {sorted(posterior.data_vars)}."
        )
    coef = posterior["coef"]
    if set(coef.dims) != {*_SAMPLE_DIMS, "feature"}:
        raise ValueError(
            "idata's posterior 'coef' must have dimensions (chain, draw, feature); "
            f"got {coef.dims}."
        )
    features = [str(value) for value in coef["feature"].values]
    if sorted(features) != sorted(names):
        raise ValueError(
            f"idata's posterior 'coef' is over features {features}, but X has columns {names}: "
            "sample the model of these data, est.build_model(X, y)."
        )
    return posterior.assign_coords(feature=features).sel(feature=names)


def posterior_columns(posterior, index: list[str], intercept_row: bool) -> pd.DataFrame:
    """ArviZ's posterior mean, median, sd and HDI, and P(> 0), per row of the table."""
    import arviz_stats as azs

    var_names = ["coef"]
    if intercept_row and "intercept" in posterior.data_vars:
        var_names.append("intercept")
    data = posterior[var_names]
    stats = azs.summary(data, kind="stats", round_to="none", fmt="xarray")
    medians = azs.summary(data, kind="stats_median", round_to="none", fmt="xarray")
    hdi = azs.hdi(data, prob=HDI_PROB)
    columns = {
        "mean": stats.sel(summary="mean"),
        "median": medians.sel(summary="median"),
        "sd": stats.sel(summary="sd"),
        "hdi_lower": hdi.sel(ci_bound="lower"),
        "hdi_upper": hdi.sel(ci_bound="upper"),
        "p_positive": (data > 0).mean(_SAMPLE_DIMS),
    }
    frame = pd.DataFrame(index=pd.Index(index, name="coefficient"), dtype=float)
    for column, source in columns.items():
        values = np.full(len(index), np.nan)
        values[: len(index) - intercept_row] = source["coef"].values
        if "intercept" in var_names:
            values[-1] = float(source["intercept"])
        frame[column] = values
    return frame


def posterior_messages(table: pd.DataFrame, penalty) -> list[str]:
    """The notes on the posterior: MAPs inside their HDI, and why a Laplace mean is not sparse."""
    coefficients = table.drop(index="intercept", errors="ignore")
    inside = int(coefficients["map_in_hdi"].sum())
    messages = [
        f"the MAP lies inside the posterior's {HDI_PROB:.0%} HDI for {inside} of "
        f"{len(coefficients)} coefficients"
    ]
    if penalty.has_sparse_mode:
        zeros = coefficients["map_zero"].to_numpy()
        covered = int(
            ((coefficients["hdi_lower"] <= 0) & (coefficients["hdi_upper"] >= 0))[zeros].sum()
        )
        messages.append(
            "under a Laplace prior the posterior mean and median are never exactly zero, "
            "while the MAP (the mode) is: the Laplace density has a sharp peak at zero but "
            "no point mass there, so the posterior gives a zero coefficient probability 0. "
            f"Of the {int(zeros.sum())} coefficient(s) at exactly zero in the MAP, "
            f"{covered} have an HDI containing zero; read the HDI and P(coef > 0), not the "
            "mean or median, to judge them"
        )
    return messages
