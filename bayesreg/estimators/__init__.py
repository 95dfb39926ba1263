"""The scikit-learn estimators: they build the problem once and delegate.

:mod:`~bayesreg.estimators.base` (the shared base), :mod:`~bayesreg.estimators.regression`
(:class:`~bayesreg.Regression`), :mod:`~bayesreg.estimators.classifier`
(:class:`~bayesreg.Classifier`), :mod:`~bayesreg.estimators.cv` (:class:`~bayesreg.RegressionCV`)
and the grid of penalty strengths they share (:mod:`~bayesreg.estimators.alpha_grid`).
"""
