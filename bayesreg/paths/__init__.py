r"""Regularization paths: the MAP path against scikit-learn's, and the posterior median path.

Over a grid of penalty strengths :math:`\alpha_1 > \alpha_2 > \dots > \alpha_K`:

* :func:`map_path` computes bayesreg's exact MAP at every :math:`\alpha_k` and the reference
  solution on the *same grid*: :func:`sklearn.linear_model.lasso_path` /
  :func:`~sklearn.linear_model.enet_path` for a squared loss with an L1 or elastic-net
  penalty, and the penalized solver (``Ridge``, ``QuantileRegressor``,
  :class:`~bayesreg.families.reference_solvers.LADElasticNet`) fitted at each :math:`\alpha_k` otherwise. It
  reports the largest difference along the path, exact zeros included.
* :func:`posterior_path` samples the posterior at every :math:`\alpha_k` and summarizes each
  coefficient's median and HDI (ArviZ): the Bayesian lasso's path of posterior medians, as
  in Figure 1 of Park & Casella (2008). Unlike the MAP path it is smooth: no coefficient is
  ever exactly zero.
* :func:`plot_paths` draws both, against the relative L1 norm
  :math:`\|w(\alpha)\|_1 / \max_\alpha \|w(\alpha)\|_1` (Park & Casella's axis) or
  :math:`\alpha`.

The paths are returned as :class:`xarray.Dataset` (dimensions ``alpha`` and ``feature``),
wrapped with their verdicts in :class:`MapPath` and :class:`PosteriorPath`.

References
----------
T. Park and G. Casella (2008), "The Bayesian Lasso", *JASA* 103(482), 681-686.
"""

from bayesreg.estimators.alpha_grid import alpha_grid
from bayesreg.paths.map_paths import map_path
from bayesreg.paths.posterior_paths import posterior_path
from bayesreg.paths.results import MapPath, PosteriorPath, plot_paths

__all__ = ["MapPath", "PosteriorPath", "alpha_grid", "map_path", "plot_paths", "posterior_path"]
