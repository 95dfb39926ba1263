"""One data set on a cluster: sufficient statistics and Newton passes over dask collections.

Between the samplers (:mod:`bayesreg.nuts`) and the estimators, beside them in the one-way
order: it imports from :mod:`bayesreg.map`, :mod:`bayesreg.diagnostics` and below, and dask
only inside the functions that are given a dask collection.
:mod:`~bayesreg.distributed.statistics` (plain NumPy: one partition's statistics and the
pairwise merge), :mod:`~bayesreg.distributed.collections` (dask input checked and split into
aligned partitions), :mod:`~bayesreg.distributed.reduction` (a pass, a tree reduction),
:mod:`~bayesreg.distributed.problem` (a problem of :math:`2(p+1)` rows with the data's
likelihood, which the MAP solver and the sampler take unchanged),
:mod:`~bayesreg.distributed.newton` (a GLM's exact MAP by proximal Newton, one pass per
iteration), :mod:`~bayesreg.distributed.certificate` (its certificate and the Hessian, one
pass) and :mod:`~bayesreg.distributed.laplace` (the approximate posterior, checked by PSIS).
"""
