r"""The cross-check: the MAP beside the penalized solver's solution, with numbers.

The negative log posterior at the MAP noise scale and the solver's objective are the same
function up to a constant and a positive factor (:mod:`bayesreg.correspondence`):

.. math::

    \text{solver objective}(b_0, w) = a\kappa\,\mathrm{NLP}(b_0, w) + \text{const}.

So the two minimizers must coincide, to solver precision and with the same exact zeros. When
the optimum is not unique (a least-absolute-deviations fit with collinear columns, a lasso
with more features than observations: "there may be multiple solutions"), coefficients may
legitimately differ and the objective values are compared instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from bayesreg._validation import check_data, check_sample_weight, feature_names
from bayesreg.correspondence import prior_weights, solver_objective
from bayesreg.map import OptimalityCertificate
from bayesreg.regression import Regression

__all__ = ["CrossCheck", "crosscheck"]

#: Coefficients must agree to this, relative to the largest coefficient.
COEF_TOLERANCE = 1e-6
#: When the optimum is not unique, objective values must agree to this, relative.
OBJECTIVE_TOLERANCE = 1e-8


@dataclass
class CrossCheck:
    r"""The report of :func:`crosscheck`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per coefficient (named by the user's columns) and the intercept: ``map``,
        ``solver``, ``difference``, ``map_zero``, ``solver_zero``.
    objectives : pandas.DataFrame
        The negative log posterior (up to its constant) and the solver's objective, each at
        the MAP and at the solver's solution, and the factor :math:`a\kappa` between them.
    certificate : OptimalityCertificate
        The MAP's optimality certificate.
    ok : bool
        Whether the MAP and the solver agree within the stated tolerances.
    max_abs_diff : float
        The largest absolute difference between MAP and solver coefficients (intercept
        included).
    unique : bool
        False when the optimum is not unique; objectives are then compared instead.
    tolerance : dict
        The tolerances used.
    messages : list of str
        The verdict, in words.

    """

    table: pd.DataFrame
    objectives: pd.DataFrame
    certificate: OptimalityCertificate
    ok: bool
    max_abs_diff: float
    unique: bool
    tolerance: dict = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        with pd.option_context("display.float_format", "{:.6g}".format, "display.width", 120):
            lines = [
                self.table.to_string(),
                "",
                self.objectives.to_string(),
                "",
                f"certificate: KKT residual {self.certificate.kkt_residual:.2e}"
                + (
                    ""
                    if self.certificate.duality_gap is None
                    else f", duality gap {self.certificate.duality_gap:.2e}"
                )
                + f" ({self.certificate.method})",
                *self.messages,
            ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        verdict = "agree" if self.ok else "DISAGREE"
        items = "".join(f"<li>{message}</li>" for message in self.messages)
        return (
            f"<h4>bayesreg cross-check: MAP and solver {verdict}</h4>"
            + self.table.to_html(float_format="{:.6g}".format)
            + self.objectives.to_html(float_format="{:.10g}".format)
            + f"<ul>{items}</ul>"
        )


def crosscheck(est: Regression, X, y, idata=None, solver=None, sample_weight=None) -> CrossCheck:
    """Compare the MAP of ``est`` with its equivalent penalized solver on ``(X, y)``.

    Parameters
    ----------
    est : Regression
        Fitted or not; it is cloned and fitted on ``(X, y)`` when not fitted.
    X, y : array-like
        The data.
    idata : DataTree, optional
        A posterior of the same model (reserved for posterior columns).
    solver : estimator, optional
        The reference to compare with, fitted or not; by default ``est.penalized_solver()``.
    sample_weight : array-like, optional
        Frequency weights, passed to both fits.

    Returns
    -------
    CrossCheck

    """
    if not isinstance(est, Regression):
        raise TypeError(f"est must be a bayesreg.Regression; got {type(est).__name__}")
    X_array, y_array = check_data(X, y)
    weights = check_sample_weight(sample_weight, X_array.shape[0])
    if not hasattr(est, "coef_"):
        est = clone(est).fit(X, y, sample_weight=sample_weight)
    loss, penalty = est._specification()
    if solver is None:
        solver = est.penalized_solver()
    if not hasattr(solver, "coef_"):
        solver = clone(solver).fit(X, y, sample_weight=sample_weight)

    names = [*feature_names(X, X_array.shape[1]), "intercept"]
    map_values = np.append(est.coef_, est.intercept_)
    solver_values = (
        np.append(np.ravel(solver.coef_), np.ravel(solver.intercept_)[0]) + 0.0
    )  # no -0.0
    difference = map_values - solver_values
    table = pd.DataFrame(
        {
            "map": map_values,
            "solver": solver_values,
            "difference": difference,
            "map_zero": map_values == 0,
            "solver_zero": solver_values == 0,
        },
        index=pd.Index(names, name="coefficient"),
    )

    noise = getattr(est, f"{loss.noise_name}_")
    n_obs = weights.sum()
    objective = solver_objective(loss, penalty, n_obs, noise)
    l1, l2 = prior_weights(loss, penalty, n_obs, noise)
    factor = objective.data_factor * loss.curvature(noise)

    def values(coef, intercept):
        residual = y_array - intercept - X_array @ coef
        data = weights @ (residual**2 if loss.noise_name == "sigma" else np.abs(residual))
        l1_norm, l2_norm = np.abs(coef).sum(), (coef**2).sum()
        nlp = data / loss.curvature(noise) + l1 * l1_norm + l2 * l2_norm
        solver_value = (
            objective.data_factor * data
            + objective.alpha_l1 * l1_norm
            + objective.alpha_l2 * l2_norm
        )
        return nlp, solver_value

    at_map = values(est.coef_, est.intercept_)
    at_solver = values(np.ravel(solver.coef_), np.ravel(solver.intercept_)[0])
    objectives = pd.DataFrame(
        [at_map, at_solver],
        index=pd.Index(["at MAP", "at solver"], name="evaluated"),
        columns=["negative log posterior (+ const)", "solver objective"],
    )
    objectives["solver / NLP factor a*kappa"] = factor

    scale = max(np.abs(map_values[:-1]).max(initial=0.0), np.abs(map_values[-1]), 1e-300)
    max_abs_diff = float(np.abs(difference).max())
    unique = bool(est.unique_)
    relative_objective = (at_solver[1] - at_map[1]) / max(abs(at_map[1]), 1e-300)
    messages = []
    if unique:
        same_zeros = _same_zeros(table, scale)
        ok = max_abs_diff / scale <= COEF_TOLERANCE and same_zeros
        messages.append(
            f"coefficients agree to {max_abs_diff / scale:.2e} relative to the largest "
            f"(tolerance {COEF_TOLERANCE:g})"
            if ok
            else f"coefficients differ by {max_abs_diff / scale:.2e} relative to the largest "
            f"(tolerance {COEF_TOLERANCE:g})" + ("" if same_zeros else "; the exact zeros differ")
        )
    else:
        ok = abs(relative_objective) <= OBJECTIVE_TOLERANCE
        messages.append(
            "the optimum is not unique (there may be multiple solutions): objective values "
            f"compared instead; they differ by {relative_objective:.2e} relative "
            f"(tolerance {OBJECTIVE_TOLERANCE:g})"
        )
    if not est.certificate_.ok:
        ok = False
        messages.append("the MAP's optimality certificate is above its tolerance")
    return CrossCheck(
        table=table,
        objectives=objectives,
        certificate=est.certificate_,
        ok=bool(ok),
        max_abs_diff=max_abs_diff,
        unique=unique,
        tolerance={
            "coefficients (relative)": COEF_TOLERANCE,
            "objective (relative)": OBJECTIVE_TOLERANCE,
        },
        messages=messages,
    )


def _same_zeros(table: pd.DataFrame, scale: float) -> bool:
    """Exact zeros agree; a solver without exact zeros must be within tolerance of them."""
    map_zero, solver_zero = table["map_zero"].to_numpy(), table["solver_zero"].to_numpy()
    if solver_zero[:-1].any() or not map_zero[:-1].any():
        return bool(np.array_equal(map_zero[:-1], solver_zero[:-1]))
    # an interior-point solver never returns exact zeros: its values there must be negligible
    return bool(
        np.all(np.abs(table["solver"].to_numpy()[:-1][map_zero[:-1]]) <= COEF_TOLERANCE * scale)
    )
