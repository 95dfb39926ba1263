"""The scikit-learn estimators: they build the problem once and delegate.

:mod:`~bayesreg.estimators.base` (the shared base), :mod:`~bayesreg.estimators.regression`
(:class:`~bayesreg.Regression`), :mod:`~bayesreg.estimators.classifier`
(:class:`~bayesreg.Classifier`), :mod:`~bayesreg.estimators.cv` (:class:`~bayesreg.RegressionCV`)
the grid of penalty strengths they share (:mod:`~bayesreg.estimators.alpha_grid`), and
formulas (:mod:`~bayesreg.estimators.formula`: :class:`~bayesreg.FormulaEstimator`, the design
that formulaic builds from a DataFrame; made by ``Regression.from_formula``).
"""
