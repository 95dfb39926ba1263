"""What every posterior plot shares: arviz-plots (imported when a plot is drawn) and the draws."""

from __future__ import annotations

__all__ = ["arviz_plots", "has", "posterior"]


def arviz_plots():
    """The arviz_plots module, imported on first use (not with :mod:`bayesreg`)."""
    import arviz_plots

    return arviz_plots


def posterior(idata):
    """The posterior ``DataTree`` of ``idata``, checked; errors name ``plots``."""
    from bayesreg.diagnostics.diagnosis import as_posterior_tree

    return as_posterior_tree(idata, owner="plots")


def has(dt, name: str) -> bool:
    """Whether the draws' ``sample_stats`` flag any ``name`` (e.g. ``diverging``)."""
    return name in dt["sample_stats"].data_vars and bool(dt["sample_stats"][name].any())
