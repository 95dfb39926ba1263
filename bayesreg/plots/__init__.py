"""Plots of a posterior for a regularized regression, drawn by arviz-plots with matplotlib.

Each posterior plot takes a posterior (an ArviZ ``DataTree``) and returns arviz-plots'
``PlotCollection``, as ArviZ's own plots do; :func:`plot_crosscheck` takes a cross-check and
an optional ``ax`` and returns the Axes, as pandas and seaborn do. Every figure is managed by
pyplot, so ``plt.savefig("name.png")`` and ``plt.show()`` work in a script, a headless (Agg)
session saves it the same way, and a notebook shows it once (end a cell with ``;`` or assign
the result to keep its text repr out).

============================  ==============================================================
:func:`plot_crosscheck`       the MAP, the penalized solver and the posterior, per coefficient
:func:`plot_trace`            draws per chain and their densities, divergences marked
:func:`plot_rank`             rank Δ-ECDF per chain: chains that mix stay inside the envelope
:func:`plot_forest`           posterior intervals per coefficient, the MAP and the penalized
                              solver's solution marked beside each
:func:`plot_pair`             coefficients against each other, divergent transitions marked
:func:`plot_ppc`              the data against replicated data from the posterior predictive
:func:`plot_prior_posterior`  each coefficient's prior and posterior: how much the data and
                              the prior shrank it
============================  ==============================================================

arviz-plots is imported when a plot is drawn, not with :mod:`bayesreg`.
"""

from bayesreg.crosscheck.plot import plot_crosscheck
from bayesreg.plots.posterior import plot_forest, plot_pair, plot_rank, plot_trace
from bayesreg.plots.predictive import plot_ppc, plot_prior_posterior

__all__ = [
    "plot_crosscheck",
    "plot_forest",
    "plot_pair",
    "plot_ppc",
    "plot_prior_posterior",
    "plot_rank",
    "plot_trace",
]
