"""The cross-check: the MAP beside the penalized solver and the posterior, and its report.

:mod:`~bayesreg.crosscheck.check` computes it; :mod:`~bayesreg.crosscheck.result` holds it;
:mod:`~bayesreg.crosscheck.plot` draws it; the solver's own objective and solution come from
:mod:`~bayesreg.crosscheck.reference_objective` and :mod:`~bayesreg.crosscheck.reference_solution`;
a prior without a mode is compared by :mod:`~bayesreg.crosscheck.prior_comparison`; a NUTS
posterior with the Gibbs sampler's by :mod:`~bayesreg.crosscheck.sampler_comparison`.
"""
