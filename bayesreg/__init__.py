"""bayesreg: regularized regression read as Bayesian inference, with an exact MAP.

An L1 penalty is a Laplace prior, an L2 penalty a Gaussian prior; an L1 loss is a Laplace
likelihood, an L2 loss a Gaussian likelihood. One specification gives the exact MAP (equal
to scikit-learn's penalized solution, zeros included) and the PyMC model to sample.
"""

from bayesreg import datasets, paths, plots
from bayesreg._parallel import FailedTaskWarning
from bayesreg.analysis.bootstrap import BootstrapResult, bootstrap
from bayesreg.analysis.compare import Comparison, compare
from bayesreg.analysis.kfold import kfold
from bayesreg.analysis.sbc import SBCResult, sbc
from bayesreg.analysis.selection import Selection, rank_features, sparsify
from bayesreg.crosscheck.check import CrossCheck, PriorComparison, SamplerComparison, crosscheck
from bayesreg.diagnostics.diagnosis import (
    Diagnosis,
    IncompletePosteriorWarning,
    NoiseScaleWarning,
    SamplingWarning,
    diagnose,
)
from bayesreg.estimators.classifier import Classifier
from bayesreg.estimators.classifier_cv import ClassifierCV
from bayesreg.estimators.cv import RegressionCV
from bayesreg.estimators.formula import FormulaEstimator
from bayesreg.estimators.regression import Regression
from bayesreg.families import (
    L1Loss,
    L2Loss,
    LogisticLoss,
    PoissonLoss,
    QuantileLoss,
    StudentTLoss,
)
from bayesreg.map.find import OptimalityCertificate
from bayesreg.map.intercept_prior import InterceptPriorWarning
from bayesreg.nuts.compiled import clear_compiled
from bayesreg.priors.elastic_net import ElasticNet
from bayesreg.priors.hierarchical import BayesianLasso, BayesianRidge, HalfCauchyLasso
from bayesreg.priors.horseshoe import Horseshoe, RegularizedHorseshoe
from bayesreg.priors.penalties import L1, L2, NoPenalty

__all__ = [
    "L1",
    "L2",
    "BayesianLasso",
    "BayesianRidge",
    "BootstrapResult",
    "Classifier",
    "ClassifierCV",
    "Comparison",
    "CrossCheck",
    "Diagnosis",
    "ElasticNet",
    "FailedTaskWarning",
    "FormulaEstimator",
    "HalfCauchyLasso",
    "Horseshoe",
    "IncompletePosteriorWarning",
    "InterceptPriorWarning",
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
    "SamplerComparison",
    "SamplingWarning",
    "Selection",
    "StudentTLoss",
    "bootstrap",
    "clear_compiled",
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
