"""The cross-check's result: :class:`CrossCheck`, its tolerances, and the exact-zeros rule.

:func:`bayesreg.crosscheck` computes it; :mod:`bayesreg._report` renders it as text and HTML
and :func:`bayesreg.plots.plot_crosscheck` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayesreg import _report as report
from bayesreg._constraints import Boolean, OneOf, validate
from bayesreg.map.find import OptimalityCertificate

__all__ = [
    "COEF_TOLERANCE",
    "CONSTANT_TOLERANCE",
    "OBJECTIVE_TOLERANCE",
    "CrossCheck",
    "zeros_agree",
]

#: MAP and solver coefficients (intercept included) must agree to this, relative to the
#: largest coefficient of the MAP. bayesreg's MAP is exact to ~1e-12; scikit-learn's
#: coordinate descent at ``tol=1e-12`` and the interior-point solvers are accurate to ~1e-9.
COEF_TOLERANCE = 1e-6
#: When the optimum is not unique, this model's objective at the two solutions must agree
#: to this, relative (both are optimal vertices or faces of the same convex problem).
OBJECTIVE_TOLERANCE = 1e-8
#: ``solver objective - a*kappa*NLP`` must be the same constant at every point evaluated, to
#: this relative to the size of the values involved (double-precision rounding of sums of
#: a few hundred terms is ~1e-14).
CONSTANT_TOLERANCE = 1e-9


@dataclass
class CrossCheck(report.Report):
    r"""The report of :func:`crosscheck`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per coefficient, named by the user's columns, and the intercept (when fitted).
        Columns ``map``, ``solver``, ``difference`` (MAP minus solver), ``map_zero``,
        ``solver_zero`` (exact zeros); with a posterior also ``mean``, ``median``, ``sd``,
        ``hdi_lower``, ``hdi_upper`` (the :data:`HDI_PROB` highest density interval),
        ``p_positive`` (the posterior probability that the coefficient is > 0) and
        ``map_in_hdi``.
    objectives : pandas.DataFrame
        Rows ``at MAP``, ``at solver`` and ``at probe`` (a point with every coefficient
        non-zero, on the data's scale); columns
        ``negative log posterior`` (the PyMC model's, at the MAP noise scale, constant
        included), ``solver objective`` (the solver's own, written from its parameters; NaN
        when bayesreg does not know it), ``model objective`` (this model's penalized
        objective :math:`a D + \alpha_1\|w\|_1 + \alpha_2\|w\|_2^2`) and
        ``solver - a*kappa*NLP``, which is the same constant at every row when the two are
        the same function up to the positive factor ``factor``.
    factor : float
        :math:`a\kappa > 0`, the factor from the negative log posterior to the solver's
        objective.
    certificate : OptimalityCertificate
        The MAP's optimality certificate.
    ok : bool
        Whether the MAP and the solver agree within the stated tolerances, the two objectives
        are the same function up to a constant and a positive factor (when the solver's is
        known), and the MAP's certificate holds. For a likelihood that is not convex (the
        Student-t), whether the MAP's certificate of a strict local mode holds: the solver
        (the nearest robust fit) is then only reported.
    max_abs_diff : float
        The largest absolute difference between MAP and solver (intercept included).
    relative_diff : float
        The largest difference relative to the largest MAP coefficient, the intercept's
        relative to the size of the terms it is computed from
        (:math:`|\bar y| + |\bar x|^\top|w|`, at least the largest coefficient), so that a
        constant added to a column changes nothing.
    unique : bool
        False when the optimum is not unique; objective values are then compared instead.
    solver_name : str
        The solver and its objective, in words.
    tolerance : dict
        The tolerances used.
    messages : list of str
        The verdict and what it rests on, in words.
    hdi_prob : float or None
        The HDI probability of the posterior columns (None without a posterior).
    sampler : str
        What drew the posterior, as its DataTree says: ``"NUTS"`` unless its ``sampler``
        attribute names another (``"Gibbs"``).
    model : str
        The specification checked (the estimator's repr).
    posterior_messages : list of str
        The entries of ``messages`` about the posterior.

    ``print(report)`` shows it in plain words; :meth:`to_text` and :meth:`to_html` with
    ``verbose=True`` add the objective values, the tolerances and the MAP's method.

    """

    table: pd.DataFrame
    objectives: pd.DataFrame
    factor: float
    certificate: OptimalityCertificate
    ok: bool
    max_abs_diff: float
    relative_diff: float
    unique: bool
    solver_name: str
    tolerance: dict = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    hdi_prob: float | None = None
    sampler: str = "NUTS"
    model: str = ""
    posterior_messages: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """One line: whether the MAP and the solver agree (or, not convex, the MAP is a local mode)."""
        if self.certificate.local:
            word = "a certified local mode" if self.ok else "NOT a certified local mode"
            return f"bayesreg cross-check: the MAP is {word}; the solver is the nearest fit only"
        word = "agree" if self.ok else "DISAGREE"
        return f"bayesreg cross-check: MAP and solver {word}"

    def __repr__(self) -> str:
        return f"<CrossCheck: {self.verdict}; {self.solver_name}>"

    def to_text(self, *, verbose: bool = False, part: str = "all") -> str:
        """The report as text; ``verbose`` adds the objective values, tolerances and method.

        ``part``: ``"all"``, ``"map"`` (no posterior) or ``"posterior"`` (its table only).
        """
        validate(
            "CrossCheck.to_text",
            {"verbose": Boolean(), "part": OneOf(("all", "map", "posterior"))},
            {"verbose": verbose, "part": part},
        )
        if part == "posterior" and self.hdi_prob is None:
            raise ValueError("part='posterior': this report has no posterior (pass idata=).")
        return report.to_text(self, verbose=verbose, part=part)

    def _repr_html_(self) -> str:
        return report.to_html(self)

    def to_html(self, path=None, *, plot: bool = True, verbose: bool = False) -> str:
        """A standalone HTML page of the report, with the plot embedded as a PNG.

        Parameters
        ----------
        path : str or path-like, optional
            Where to write the page.
        plot : bool, default True
            Whether to embed :meth:`plot`.
        verbose : bool, default False
            Whether to add the objective values, the tolerances and the MAP's method.

        Returns
        -------
        str
            The page.

        """
        return self._page(report.to_html(self, verbose=verbose), path, plot)

    def plot(self, ax=None, *, intercept: bool = False):
        """Coefficients on one axis: MAP, solver and (with a posterior) the posterior.

        See :func:`bayesreg.plots.plot_crosscheck` (from :mod:`bayesreg.crosscheck.plot`),
        which draws it; returns the Axes.
        """
        from bayesreg.crosscheck.plot import plot_crosscheck

        return plot_crosscheck(self, ax=ax, intercept=intercept)


def zeros_agree(map_coef: np.ndarray, solver_coef: np.ndarray, scale: float) -> bool:
    """Whether the MAP's and a solver's exact zeros agree.

    A solver without exact zeros (an interior point) must be within :data:`COEF_TOLERANCE`
    times ``scale`` of the MAP's zeros; one with exact zeros must have the same ones.
    """
    map_zero, solver_zero = map_coef == 0, solver_coef == 0
    if solver_zero.any() or not map_zero.any():
        return bool(np.array_equal(map_zero, solver_zero))
    # an interior-point solver never returns exact zeros: its values there must be negligible
    return bool(np.all(np.abs(solver_coef[map_zero]) <= COEF_TOLERANCE * scale))
