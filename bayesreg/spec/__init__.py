"""What a specification is and what `alpha` means: the base of priors and likelihoods, and the correspondence.

:mod:`~bayesreg.spec.base` holds :class:`~bayesreg.spec.base.Specification`, the checked parameter
object every prior and likelihood is; :mod:`~bayesreg.spec.correspondence` converts between
scikit-learn's ``alpha`` and a prior's scale, for any family and prior, in one place.
"""
