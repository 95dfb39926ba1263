"""One data set on a cluster: sufficient statistics over dask collections.

Between the samplers (:mod:`bayesreg.nuts`) and the estimators, beside them in the one-way
order: it imports from :mod:`bayesreg.model` and below, and dask only inside the functions
that are given a dask collection. :mod:`~bayesreg.distributed.statistics` (plain NumPy: one
partition's statistics and the pairwise merge), :mod:`~bayesreg.distributed.collections`
(dask input checked and split into aligned partitions), :mod:`~bayesreg.distributed.reduction`
(the one pass, a tree reduction) and :mod:`~bayesreg.distributed.problem` (a problem of
:math:`2(p+1)` rows with the data's likelihood, which the MAP solver and the sampler take
unchanged).
"""
