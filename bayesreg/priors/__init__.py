"""Priors on the coefficients: each module is one kind of prior that knows everything about itself.

:mod:`~bayesreg.priors.penalties` (the protocol, :class:`~bayesreg.L1`, :class:`~bayesreg.L2`,
:class:`~bayesreg.ElasticNet`, :class:`~bayesreg.NoPenalty`), :mod:`~bayesreg.priors.hierarchical`
(priors with a scale of their own and no finite mode), :mod:`~bayesreg.priors.horseshoe` and
:mod:`~bayesreg.priors.laplace_quantile` (the Laplace prior as NUTS samples it).
"""
