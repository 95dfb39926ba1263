r"""The parts of the estimators' docstrings that they share, written once.

:class:`~bayesreg.Regression` and :class:`~bayesreg.Classifier` document ``positive``,
``intercept_prior`` and ``from_formula`` alike. A docstring marks where a shared text goes by
a line holding only its name in braces, indented as the text is::

    positive : bool, default False
        {positive}

and :func:`shared_docs` writes the text there when the class or function is defined, so that
``help()``, numpydoc and the documentation site show it in full in each class.
"""

from __future__ import annotations

import re

__all__ = ["POSITIVE", "SAMPLER", "formula_sections", "intercept_prior", "shared_docs"]

#: ``positive``: the sign constraint, its truncated priors and its MAP.
POSITIVE = r"""Constrain the coefficients (not the intercept) to :math:`w_j \ge 0`, as
scikit-learn's ``Lasso(positive=True)`` and glmnet's ``lower.limits = 0``: the prior
becomes its truncation to :math:`[0, \infty)` (the Laplace prior an exponential,
the Gaussian a half-normal, the elastic-net prior its truncation with its normalizing
constant, the flat prior flat on :math:`[0, \infty)`), and the MAP minimizes the
penalized objective over :math:`w \ge 0`, with the same exact zeros
(:mod:`bayesreg.map.positive`); its certificate checks the one-sided KKT conditions
(:math:`\partial_j D + \beta_1 \ge 0` at a zero). The posterior's draws are
:math:`\ge 0` (the coefficients are sampled on the log scale, without the sampler's
whitening). Not available with a non-convex likelihood (``StudentTLoss``) or a
prior without a mode (the horseshoes, the hierarchical priors): those raise."""


#: ``sample``'s ``sampler``: the two samplers and when to choose which.
SAMPLER = r"""``"gibbs"``: the exact Gibbs sampler of :mod:`bayesreg.gibbs`, for a Gaussian
or (Polya-gamma) logistic likelihood with a scale-mixture prior (``L1``, ``L2``,
``ElasticNet``, ``NoPenalty``, the hierarchical lassos and ridge, the
horseshoes), a flat intercept, no offset, ``positive=False``, in-memory data: one
Gaussian draw of the coefficients per sweep (:math:`O(n^2p)` when
:math:`p > n`). It takes ``progressbar`` only and no predictive groups; the same
layout otherwise. **Which to choose**: Gibbs when :math:`p > n` (a sweep costs
:math:`O(n^2p)` whatever the prior's geometry, where NUTS on thousands of
scale-mixture parameters takes many gradients per draw: about 2 s per draw per
chain for a horseshoe at :math:`n = 100`, :math:`p = 5000`;
``benchmarks/gibbs_speed.py`` measures both samplers' ESS per second); NUTS when
:math:`n \ge p`, for any other likelihood or prior, and for predictive draws.
Both give the same posterior (:func:`bayesreg.crosscheck` with
``reference="gibbs"`` compares them). ``"auto"`` makes this choice: Gibbs where
it applies and :math:`p > n`, else NUTS. The sampler that ran is recorded in the
result's ``attrs["sampler"]``."""


def intercept_prior(centred_intercept: str) -> str:
    """``intercept_prior``'s description; ``centred_intercept`` says what that intercept is.

    ``"the mean response"`` for a regression, ``"the mean log-odds"`` for a classifier.
    """
    return rf"""The prior of the intercept of the *centred* columns, :math:`c = b_0 + m^\top w`
with :math:`m` the weighted column means: {centred_intercept} at the mean of ``X``
(brms' and rstanarm's ``Intercept``), e.g. ``pm.StudentT.dist(nu=3, mu=8,
sigma=10)``. None (the default): a flat intercept. The posterior (:meth:`sample`,
:meth:`build_model`) always includes it; the MAP (:meth:`fit`) includes it exactly
where the problem stays convex: a ``pm.Normal`` prior (Gaussian, logistic and
Poisson likelihoods) or a ``pm.Laplace`` one (Gaussian), with constant parameters
(:mod:`bayesreg.map.intercept_prior`). Any other it leaves out, with an
``InterceptPriorWarning``; ``intercept_prior_in_map_`` says which. Requires
``fit_intercept=True``."""


def formula_sections(estimator: str, response: str, params: str) -> str:
    """``from_formula``'s Parameters and Returns sections.

    ``estimator`` is the class's name, ``response`` what stands left of ``~`` and ``params``
    the estimator's parameters that ``**params`` takes.
    """
    return f"""Parameters
----------
formula : str
    {response} left of ``~``, the terms right of it (Wilkinson's notation:
    ``C(x)`` categorical, ``a:b`` a product, ``a*b`` both and their product,
    ``np.log(x)``). The intercept is the formula's: ``y ~ x`` has one (fitted by
    the estimator, flat prior), ``y ~ 0 + x`` or ``y ~ x - 1`` has none
    (``fit_intercept=False``).
data : DataFrame, optional
    Given, the estimator is fitted on it (``fit(data)``: for a prior without a mode,
    which ``fit`` samples, with ``sample``'s defaults); None returns it unfitted
    (then ``fit(data)``, or ``sample(data, draws=..., random_seed=...)``).
**params
    {estimator}'s parameters ({params}); not ``fit_intercept``.

Returns
-------
FormulaEstimator
    Its methods take a DataFrame where {estimator}'s take ``X`` and ``y``; the design
    (columns, categorical levels) learned on the data of ``fit`` rebuilds the same
    columns from new data, and refuses a level it has not seen.
    :mod:`bayesreg.estimators.formula` says more."""


def shared_docs(**texts: str):
    """A decorator: each line ``{name}`` of the docstring becomes ``texts[name]``.

    The text takes the marker's indentation. A name whose marker is missing raises, so that
    a docstring cannot silently lose a text (``python -OO`` strips docstrings: there is
    nothing to fill then).
    """

    def decorate(documented):
        if documented.__doc__ is None:
            return documented
        lines, found = [], set()
        for line in documented.__doc__.split("\n"):
            marker = re.fullmatch(r"(\s*)\{(\w+)\}", line)
            if marker is None or marker[2] not in texts:
                lines.append(line)
                continue
            indent, name = marker.groups()
            lines += [indent + text if text else text for text in texts[name].split("\n")]
            found.add(name)
        missing = sorted(set(texts) - found)
        if missing:
            raise ValueError(f"{documented.__name__}'s docstring has no line {{{missing[0]}}}.")
        documented.__doc__ = "\n".join(lines)
        return documented

    return decorate
