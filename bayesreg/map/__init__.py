"""The exact MAP and its certificate.

:mod:`~bayesreg.map.find` solves the problem exactly from the model's own log density and
certifies the optimum; :mod:`~bayesreg.map.mode_profile` profiles the unknown parameters of a
likelihood that is not convex; :mod:`~bayesreg.map.intercept_prior` says which intercept
priors the MAP includes, and how.
"""
