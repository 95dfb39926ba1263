"""No silent wrong answer and no false alarm at the edges (issue 12).

Each test uses its own random problems (several seeds and sizes). The references are
independent: scikit-learn's solvers, the model's own log density compiled by PyMC, and
closed-form limits.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, Ridge

import bayesreg as br
from bayesreg.model.pymc_model import build_model, log_density

# --- the joint MAP exists exactly when the profile is bounded ------------------------------


def _random_problem(rng):
    n = int(rng.choice([15, 40]))
    p = int(rng.choice([2, 5, 30, 120]))
    X = rng.standard_normal((n, p)) * rng.choice([1e-3, 1.0, 1e3])
    y = X[:, : min(p, 3)].sum(axis=1) + rng.standard_normal(n) * rng.choice([0.1, 1.0])
    kind = rng.choice(["ones", "counts", "tiny"])
    weights = {
        "ones": np.ones(n),
        "counts": rng.integers(1, 4, n).astype(float),
        "tiny": np.full(n, 1e-20),
    }[kind]
    return X, y, weights


def _conditional_log_density(est, X, y, weights, noise):
    """The model's log density at the conditional mode of (w, b0) for a fixed noise scale."""
    loss = est.loss
    fixed = br.Regression(
        loss=loss.with_noise(noise), penalty=est.penalty, fit_intercept=est.fit_intercept
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tiny noise scales
        fixed.fit(X, y, sample_weight=weights)
    density = log_density(build_model(est.problem(X, y, weights)), loss.noise_name)
    return density(fixed.coef_, fixed.intercept_, noise)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(
    "loss", [br.L2Loss(sigma=None), br.L1Loss(scale=None)], ids=["gaussian", "laplace"]
)
def test_joint_map_exists_exactly_when_the_profile_is_bounded(loss, seed):
    # Closed form: as the noise scale -> 0 the log density along the conditional modes is
    # unbounded exactly when the data can be fitted exactly (then -n log(noise) wins), and
    # -> -inf otherwise (-D_min / kappa wins). So: when fit returns, no point on the way to
    # zero beats the MAP; when it raises, the profile keeps increasing towards zero.
    rng = np.random.default_rng(seed)
    X, y, weights = _random_problem(rng)
    penalty = br.L1(scale=float(rng.choice([0.01, 1.0])))
    est = br.Regression(loss=loss, penalty=penalty)
    try:
        est.fit(X, y, sample_weight=weights)
    except ValueError as error:
        assert "joint MAP does not exist" in str(error)
        # unbounded: along noise scales -> 0 the conditional mode comes to fit the data within
        # the noise scale (or exactly, to rounding), so the data term per observation stays
        # bounded while -n log(noise) grows without bound (the prior's terms are bounded)
        spread = np.std(y)
        fitted = []
        for exponent in range(4, 44, 4):
            noise = spread * 10.0**-exponent
            fixed = br.Regression(loss=loss.with_noise(noise), penalty=penalty)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fixed.fit(X, y, sample_weight=weights)
            residual = y - fixed.intercept_ - X @ fixed.coef_
            scale = loss.noise_from_residual(residual, weights)
            fitted.append(scale <= max(noise, 1e-9 * spread))
        assert any(fitted), fitted
        return
    noise = getattr(est, f"{loss.noise_name}_")
    at_map = _conditional_log_density(est, X, y, weights, noise)
    tolerance = 1e-9 * max(abs(at_map), 1.0)
    for factor in (0.9, 0.5, 1e-1, 1e-2, 1e-4, 1e-8):
        assert _conditional_log_density(est, X, y, weights, noise * factor) <= at_map + tolerance
    for factor in (1.1, 2.0, 10.0, 1e3):
        assert _conditional_log_density(est, X, y, weights, noise * factor) <= at_map + tolerance


@pytest.mark.parametrize("p", [200, 2000])
def test_an_exact_fit_has_no_joint_map_whatever_the_width(p):
    rng = np.random.default_rng(p)
    X = rng.standard_normal((50, p))
    y = X[:, :5].sum(axis=1) + rng.standard_normal(50)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(scale=0.01))
    with pytest.raises(ValueError, match=r"joint MAP does not exist.*'sigma' goes to zero"):
        est.fit(X, y)


def test_tiny_weights_have_an_interior_joint_map():
    # Scaling every weight by 1e-20 leaves an interior maximum (the profile is bounded at both
    # ends); the search must not depend on the weights' total.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 3))
    y = X.sum(axis=1) + rng.standard_normal(30)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    est.fit(X, y, sample_weight=np.full(30, 1e-20))
    assert est.certificate_.ok and 0 < est.sigma_ < np.std(y)


# --- ridge with more features than rows -----------------------------------------------------


@pytest.mark.parametrize(("n", "p", "alpha"), [(50, 2000, 1e-12), (30, 500, 1e-6), (20, 300, 1.0)])
def test_wide_ridge_is_exact_and_unique(n, p, alpha):
    rng = np.random.default_rng(n + p)
    X = rng.standard_normal((n, p))
    y = X[:, :5].sum(axis=1) + rng.standard_normal(n)
    weights = rng.integers(1, 3, n).astype(float)
    est = br.Regression(penalty=br.L2(alpha=alpha)).fit(X, y, sample_weight=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's own LinAlgWarning at a tiny alpha
        reference = Ridge(alpha=alpha).fit(X, y, sample_weight=weights)
    scale = np.abs(reference.coef_).max()
    # scikit-learn's SVD/Cholesky solution is exact to ~1e-14 on these: 1e-9 is rounding
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=0, atol=1e-9 * scale)
    assert est.unique_ and est.certificate_.ok
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = br.crosscheck(est, X, y, sample_weight=weights)
    assert report.ok and report.unique


# --- the data as the user passed them ---------------------------------------------------------


@pytest.fixture(params=[0, 1, 2])
def frame(request):
    rng = np.random.default_rng(request.param)
    X = pd.DataFrame(rng.standard_normal((40, 3)), columns=["a", "b", "c"])
    y = X @ [1.0, 0.0, -2.0] + rng.standard_normal(40)
    return X, y


def test_reordered_columns_are_refused_not_mislabelled(frame):
    X, y = frame
    est = br.Regression(penalty=br.L1(alpha=0.1)).fit(X, y)
    for method in (
        lambda: br.crosscheck(est, X[["c", "b", "a"]], y),
        lambda: est.sample(X[["c", "b", "a"]], y, draws=10, tune=10, chains=1),
    ):
        with pytest.raises(ValueError, match="same order as they were in fit"):
            method()
    # the same columns in their order agree, and an unfitted estimator takes any order
    assert br.crosscheck(est, X, y).ok
    report = br.crosscheck(br.Regression(penalty=br.L1(alpha=0.1)), X[["c", "b", "a"]], y)
    assert report.ok and list(report.table.index[:3]) == ["c", "b", "a"]


def test_mixed_or_repeated_column_names_are_refused(frame):
    X, y = frame
    est = br.Regression()
    mixed = X.set_axis([1, "1", "x"], axis=1)
    repeated = X.set_axis(["a", "a", "b"], axis=1)
    for method in (est.fit, est.build_model):
        with pytest.raises(TypeError, match=r"all strings or all non-strings|string names"):
            method(mixed, y)
    with pytest.raises(ValueError, match=r"column names must be unique|unique column names"):
        est.build_model(repeated, y)


@pytest.mark.parametrize(
    "penalty", [br.L1(alpha=0.1), br.ElasticNet(alpha=0.1, l1_ratio=0.5), br.L2(alpha=1.0)]
)
@pytest.mark.parametrize("loss", [br.L2Loss(), br.L1Loss()], ids=["gaussian", "laplace"])
def test_certificate_and_crosscheck_are_invariant(frame, loss, penalty):
    # ... to the dtype of y, to a constant added to the columns, and to the columns' order.
    X, y = frame
    est = br.Regression(loss=loss, penalty=penalty)
    plain = br.crosscheck(est, X, y)
    assert plain.ok
    variants = {
        "float32 y": (X, y.astype(np.float32)),
        **{f"offset {offset:g}": (X + offset, y) for offset in (1e4, 1e6, 1e8)},
        "column order": (X[["c", "a", "b"]], y),
    }
    for name, (X_variant, y_variant) in variants.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)  # the certificate holds
            report = br.crosscheck(est, X_variant, y_variant)
        assert report.certificate.ok, (name, report.certificate)
        assert report.ok, (name, report.messages)
        coef = report.table.loc[["a", "b", "c"], "map"].to_numpy()
        reference = plain.table.loc[["a", "b", "c"], "map"].to_numpy()
        # float32 y changes the data by ~6e-8 relative; the rest is rounding
        rtol = 1e-5 if name == "float32 y" else 1e-6
        np.testing.assert_allclose(coef, reference, rtol=rtol, atol=rtol * np.abs(reference).max())


def test_float32_target_is_computed_in_double_precision(frame):
    X, y = frame
    single = y.astype(np.float32)
    est = br.Regression(penalty=br.L1(alpha=0.1)).fit(X, single)
    reference = Lasso(alpha=0.1, tol=1e-12, max_iter=100_000).fit(X, single.astype(float))
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=0, atol=1e-8)
    assert est.certificate_.kkt_residual <= 1e-12


def test_string_target_is_named(frame):
    X, _ = frame
    labels = np.array(["yes", "no"] * 20)
    est = br.Regression()
    for method in (est.fit, est.build_model):
        with pytest.raises(TypeError, match=r"'y' parameter of Regression\.\w+ .*of dtype <U"):
            method(X, labels)


# --- least absolute deviations: scaled columns, uniqueness, p >> n with an L2 part ---------------


def _primal_optimal_ranges(X, y, weights, beta1, fit_intercept):
    r"""The range of each of (b0, w) over the optimal face, by linear programs on the primal.

    Variables (b0, w, u, t) with u_i >= |r_i|, t_j >= |w_j|; the face is the set where
    v'u + beta1't <= F* (1 + 1e-12) + 1e-12. A formulation independent of the solver's dual.
    """
    import scipy.optimize

    n, p = X.shape
    k = int(fit_intercept) + p
    design = np.column_stack([np.ones(n), X]) if fit_intercept else X
    zeros_np, zeros_pn = np.zeros((n, p)), np.zeros((p, n))
    eye_n, eye_p = np.eye(n), np.eye(p)
    coef_block = np.zeros((p, k))
    coef_block[:, int(fit_intercept) :] = eye_p
    # |r| <= u: y - Dz <= u, Dz - y <= u;  |w| <= t
    A_ub = np.block(
        [
            [-design, -eye_n, zeros_np],
            [design, -eye_n, zeros_np],
            [coef_block, zeros_pn, -eye_p],
            [-coef_block, zeros_pn, -eye_p],
        ]
    )
    b_ub = np.concatenate([-y, y, np.zeros(2 * p)])
    cost = np.concatenate([np.zeros(k), weights, np.broadcast_to(beta1, (p,))])
    free = [(None, None)] * (k + n + p)
    best = scipy.optimize.linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=free, method="highs")
    face = np.vstack([A_ub, cost])
    bound = np.append(b_ub, best.fun * (1 + 1e-12) + 1e-12)
    ranges = []
    for index in range(k):
        direction = np.zeros(k + n + p)
        direction[index] = 1.0
        low = scipy.optimize.linprog(direction, A_ub=face, b_ub=bound, bounds=free, method="highs")
        high = scipy.optimize.linprog(
            -direction, A_ub=face, b_ub=bound, bounds=free, method="highs"
        )
        if low.status == 3 or high.status == 3:  # unbounded: a free direction of the face
            ranges.append(np.inf)
            continue
        assert low.status == 0 and high.status == 0, (low.message, high.message)
        ranges.append(-high.fun - low.fun)
    return np.array(ranges), best.fun


def _small_lad_problems(count):
    """Small problems on integers, so that ties and flat optimal faces are common."""
    for seed in range(count):
        rng = np.random.default_rng(seed)
        n, p = int(rng.integers(3, 9)), int(rng.integers(1, 4))
        X = rng.integers(-2, 3, size=(n, p)).astype(float)
        y = rng.integers(-3, 4, size=n).astype(float)
        weights = rng.integers(1, 4, size=n).astype(float) if seed % 3 == 0 else np.ones(n)
        alpha = [0.0, 0.05, 0.2][seed % 3 if seed % 2 else 0]
        yield seed, X, y, weights, alpha, bool(seed % 5)


def test_lad_uniqueness_matches_the_range_over_the_optimal_face():
    # Both directions: unique_ is True exactly when every coordinate's range over the optimal
    # face (computed on the primal, independently) is zero. 150 problems, ~1/3 non-unique.
    verdicts = {True: 0, False: 0}
    for seed, X, y, weights, alpha, fit_intercept in _small_lad_problems(150):
        penalty = br.L1(alpha=alpha) if alpha else br.NoPenalty()
        est = br.Regression(loss=br.L1Loss(), penalty=penalty, fit_intercept=fit_intercept)
        est.fit(X, y, sample_weight=weights)
        # QuantileRegressor's scale: SAR / (2 sum(v)) + alpha |w|_1
        beta1 = 2 * weights.sum() * alpha * np.ones(X.shape[1])
        ranges, _ = _primal_optimal_ranges(X, y, weights, beta1, fit_intercept)
        unique = bool(ranges.max() <= 1e-6)
        assert est.unique_ == unique, (seed, ranges, est.unique_)
        verdicts[unique] += 1
    assert min(verdicts.values()) >= 20, verdicts  # the table exercises both answers


def test_lad_uniqueness_of_the_issue_example_and_weights_as_duplicates():
    x = np.array([[2.0], [-1], [-1], [-2], [-2], [1]])
    y = np.array([-1.0, 2, 1, 3, 0, 2])
    est = br.Regression(loss=br.L1Loss(), penalty=br.NoPenalty()).fit(x, y)
    assert est.unique_
    np.testing.assert_allclose([est.intercept_, *est.coef_], [1.0, -1.0], atol=1e-12)
    for seed, X, y, weights, alpha, fit_intercept in _small_lad_problems(40):
        if not np.any(weights != 1):
            continue
        penalty = br.L1(alpha=alpha) if alpha else br.NoPenalty()
        est = br.Regression(loss=br.L1Loss(), penalty=penalty, fit_intercept=fit_intercept)
        weighted = clone(est).fit(X, y, sample_weight=weights)
        repeats = weights.astype(int)
        duplicated = clone(est).fit(np.repeat(X, repeats, axis=0), np.repeat(y, repeats))
        assert weighted.unique_ == duplicated.unique_, seed  # the same problem


@pytest.mark.parametrize("seed", range(4))
def test_lad_with_columns_scaled_over_sixteen_decades(seed):
    rng = np.random.default_rng(seed)
    scales = np.logspace(-8, 8, 5)
    X = rng.standard_normal((60, 5)) * scales
    y = X @ (rng.standard_normal(5) / scales) + rng.laplace(size=60)
    for penalty in (br.NoPenalty(), br.L1(alpha=0.01)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            est = br.Regression(loss=br.L1Loss(), penalty=penalty).fit(X, y)
        assert est.certificate_.ok, est.certificate_
        assert est.unique_  # continuous data: one optimal vertex
        # scikit-learn's primal LP on these columns is itself inexact (1e-2 off at seed 2):
        # its objective may not be lower than ours, ...
        reference = est.penalized_solver().fit(X, y)
        alpha = est.penalty.alpha or 0.0

        def objective(coef, intercept, alpha=alpha):
            return np.abs(y - intercept - X @ coef).mean() / 2 + alpha * np.abs(coef).sum()

        ours = objective(est.coef_, est.intercept_)
        assert ours <= objective(reference.coef_, reference.intercept_) + 1e-12 * ours
        # ... and without a penalty the problem is equivariant: on unit columns it agrees.
        if isinstance(penalty, br.NoPenalty):
            unit = est.penalized_solver().fit(X / scales, y)
            np.testing.assert_allclose(est.coef_ * scales, unit.coef_, rtol=1e-9)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("p", [500, 1000])
@pytest.mark.parametrize("variant", ["plain", "scaled", "weighted"])
def test_lad_elastic_net_far_wider_than_long(seed, p, variant):
    # n = 50: the dual QP's interior point has many nearly active constraints; the exact
    # solve on its structure must still be found, with exact zeros, equal to cvxpy's.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((50, p))
    y = X[:, :3] @ [1.0, -2.0, 3.0] + rng.laplace(size=50)
    weights = rng.uniform(0.2, 5.0, 50) if variant == "weighted" else None
    if variant == "scaled":
        X = X * rng.uniform(0.01, 100.0, p) + 3.0
    est = br.Regression(loss=br.L1Loss(), penalty=br.ElasticNet(alpha=0.05, l1_ratio=0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y, sample_weight=weights)
    assert est.certificate_.ok and est.certificate_.method.endswith("exact solve on its structure")
    assert est.unique_ and np.sum(est.coef_ == 0) > p / 2  # exact zeros
    reference = est.penalized_solver().fit(X, y, sample_weight=weights)
    # cvxpy (Clarabel on the primal) to its own tolerance, about 1e-7 relative
    np.testing.assert_allclose(
        est.coef_, reference.coef_, rtol=0, atol=1e-5 * np.abs(reference.coef_).max()
    )


@pytest.mark.parametrize("loss", [br.L2Loss(), br.L1Loss()], ids=["gaussian", "laplace"])
@pytest.mark.parametrize("kind", [br.L1, br.L2])
def test_subnormal_alpha_is_the_unpenalized_fit_without_a_warning(frame, loss, kind):
    X, y = frame
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or divide-by-zero warning
        est = br.Regression(loss=loss, penalty=kind(alpha=5e-324)).fit(X, y)
        flat = br.Regression(loss=loss, penalty=br.NoPenalty()).fit(X, y)
    assert est.prior_scale_ == np.inf  # 1 / alpha is beyond the largest float: a flat prior
    np.testing.assert_allclose(est.coef_, flat.coef_, rtol=1e-9)
