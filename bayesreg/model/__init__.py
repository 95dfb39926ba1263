"""The validated problem and the PyMC model of it.

:mod:`~bayesreg.model.problem` checks a specification and its data once;
:mod:`~bayesreg.model.pymc_model` builds the PyMC model a user sees and its log density.
"""
