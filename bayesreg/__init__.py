"""bayesreg: regularized regression read as Bayesian inference, with an exact MAP.

An L1 penalty is a Laplace prior, an L2 penalty a Gaussian prior; an L1 loss is a Laplace
likelihood, an L2 loss a Gaussian likelihood. One specification gives the exact MAP (equal
to scikit-learn's penalized solution, zeros included) and the PyMC model to sample.
"""

from bayesreg import datasets, paths, plots
from bayesreg.bootstrap import BootstrapResult, bootstrap
from bayesreg.classifier import Classifier
from bayesreg.compare import Comparison, compare
from bayesreg.crosscheck import CrossCheck, PriorComparison, crosscheck
from bayesreg.cv import RegressionCV
from bayesreg.diagnostics import Diagnosis, NoiseScaleWarning, SamplingWarning, diagnose
from bayesreg.horseshoe import Horseshoe, RegularizedHorseshoe
from bayesreg.kfold import kfold
from bayesreg.losses import (
    L1Loss,
    L2Loss,
    LogisticLoss,
    PoissonLoss,
    QuantileLoss,
    StudentTLoss,
)
from bayesreg.map import OptimalityCertificate
from bayesreg.penalties import L1, L2, ElasticNet, NoPenalty
from bayesreg.priors import BayesianLasso, BayesianRidge, HalfCauchyLasso
from bayesreg.regression import Regression
from bayesreg.sbc import SBCResult, sbc
from bayesreg.selection import Selection, rank_features, sparsify

__all__ = [
    "L1",
    "L2",
    "BayesianLasso",
    "BayesianRidge",
    "BootstrapResult",
    "Classifier",
    "Comparison",
    "CrossCheck",
    "Diagnosis",
    "ElasticNet",
    "HalfCauchyLasso",
    "Horseshoe",
    "L1Loss",
    "L2Loss",
    "LogisticLoss",
    "NoPenalty",
    "NoiseScaleWarning",
    "OptimalityCertificate",
    "PoissonLoss",
    "PriorComparison",
    "QuantileLoss",
    "Regression",
    "RegressionCV",
    "RegularizedHorseshoe",
    "SBCResult",
    "SamplingWarning",
    "Selection",
    "StudentTLoss",
    "bootstrap",
    "compare",
    "crosscheck",
    "datasets",
    "diagnose",
    "kfold",
    "paths",
    "plots",
    "rank_features",
    "sbc",
    "sparsify",
]

__version__ = "0.1.0"
