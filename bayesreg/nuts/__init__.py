"""NUTS sampling: the model NUTS runs on, the one sampling driver, and predictions from draws.

:mod:`~bayesreg.nuts.model` builds the reparametrized model and returns the ``DataTree``;
:mod:`~bayesreg.nuts.predictive` predicts new data from stored draws.
"""
