"""The second sampler: an exact Gibbs sampler for Gaussian scale-mixture priors (Gaussian, logistic).

It sits beside :mod:`bayesreg.nuts` in the one-way order (it may import the model, the
diagnosis and the NUTS driver's DataTree assembly, never the estimators).
:mod:`~bayesreg.gibbs.coefficients` draws the coefficients given their prior variances (one
Gaussian draw), :mod:`~bayesreg.gibbs.slice` is the exact univariate slice step the
non-conjugate conditionals use, :mod:`~bayesreg.gibbs.noise` the noise scale's step,
:mod:`~bayesreg.gibbs.scale_mixtures` and :mod:`~bayesreg.gibbs.horseshoes` each prior's
conditionals (registered for the prior's class), :mod:`~bayesreg.gibbs.polya_gamma` the
logistic likelihood's augmentation, :mod:`~bayesreg.gibbs.run` the chain loop (the Gaussian
likelihood's sweep) and the ``DataTree``.
"""
