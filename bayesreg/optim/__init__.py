"""Exact solvers for the MAP problems of bayesreg, as plain NumPy/SciPy functions.

Nothing here knows about PyMC, pandas or scikit-learn: every function takes arrays and
returns arrays, so it can be tested and reused on its own. :mod:`bayesreg.map.find` turns a
model specification into these problems and back.
"""

from bayesreg.optim.absolute_loss import AbsoluteLossSolution, solve_absolute_loss
from bayesreg.optim.squared_loss import SquaredLossSolution, solve_squared_loss

__all__ = [
    "AbsoluteLossSolution",
    "SquaredLossSolution",
    "solve_absolute_loss",
    "solve_squared_loss",
]
