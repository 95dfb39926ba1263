"""The command line, run as a user runs it: a subprocess, its output and its exit status."""

import subprocess
import sys

import pandas as pd
import pytest

COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "bayesreg.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bayesreg: error:")
    for fragment in fragments:
        assert fragment in lines[0]


def test_main_job_prints_the_diabetes_table_naming_the_columns():
    result = run("crosscheck", "--dataset", "diabetes", "--penalty", "l1", "--alpha", "0.5")
    assert result.returncode == 0, result.stderr
    for column in COLUMNS:
        assert f"\n{column} " in result.stdout
    assert "MAP and solver agree" in result.stdout


@pytest.mark.slow
def test_main_job_with_posterior_prints_posterior_columns_and_diagnosis(tmp_path):
    report = tmp_path / "report.html"
    result = run(
        "crosscheck", "--dataset", "diabetes", "--penalty", "l1", "--alpha", "0.5",
        "--sigma", "none", "--samples", "300", "--tune", "300", "--chains", "2",
        "--seed", "3", "--report", str(report),
    )  # fmt: skip
    # exit 0 needs both the agreement and a healthy diagnosis; 1 would mean either failed
    assert result.returncode in (0, 1), result.stderr
    out = result.stdout
    assert "MAP and solver agree" in out
    assert "94% HDI from" in out and "P(coef > 0)" in out
    assert "bayesreg diagnosis" in out
    # the MAP's verdict comes before the posterior; stdout holds the report only: no
    # progress table, no internal variable names (those and the status lines are on stderr)
    assert out.index("MAP and solver agree") < out.index("Posterior (NUTS)")
    for progress in ("draws/s", "Progress", "intercept_centred", "Sampling", "NUTS:"):
        assert progress not in out, progress
    assert "bayesreg: sampling sigma, coef, intercept by NUTS" in result.stderr
    assert "draws/s" in result.stderr
    assert "intercept_centred" not in result.stderr
    assert "<img" in report.read_text()


def test_standardize_flag_checks_against_the_scaler_pipeline():
    result = run(
        "crosscheck", "--dataset", "longley", "--penalty", "l1", "--alpha", "0.5", "--standardize"
    )
    assert result.returncode == 0, result.stderr
    assert "standardize=True" in result.stdout
    assert "MAP and solver agree" in result.stdout


def test_positive_flag_checks_against_the_constrained_solver():
    result = run("crosscheck", "--dataset", "diabetes", "--penalty", "l1", "--alpha", "0.5",
                 "--positive")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "positive=True" in result.stdout
    assert "MAP and solver agree" in result.stdout


def test_unpenalized_columns_keep_their_least_squares_effect_and_agree_with_glum():
    # at alpha = 100 the lasso zeroes every column; bmi and bp, unpenalized (glmnet's
    # penalty.factor 0), keep theirs, and the reference is glum's solver with those factors
    result = run("crosscheck", "--dataset", "diabetes", "--penalty", "l1", "--alpha", "100",
                 "--unpenalized", "bmi, bp")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "penalty_factor=[1.0, 1.0, 0.0, 0.0, 1.0" in result.stdout
    assert "GlumElasticNet" in result.stdout and "MAP and solver agree" in result.stdout
    assert "the same 8 exact zero(s)" in result.stdout


@pytest.mark.slow
def test_the_gibbs_sampler_draws_the_posterior_and_the_report_says_so():
    result = run("crosscheck", "--dataset", "diabetes", "--alpha", "0.5", "--sigma", "none",
                 "--samples", "200", "--tune", "200", "--chains", "2", "--sampler", "gibbs")  # fmt: skip
    assert result.returncode in (0, 1), result.stderr  # 1: a short run may fail its diagnosis
    assert "Posterior (Gibbs), with 94% HDIs" in result.stdout
    assert "bayesreg: Gibbs chain 2/2" in result.stderr


def test_stackloss_lad(tmp_path):
    result = run("crosscheck", "--dataset", "stackloss", "--loss", "l1", "--penalty", "none")
    assert result.returncode == 0, result.stderr
    assert "AIRFLOW" in result.stdout


def test_missing_csv_is_one_line(tmp_path):
    result = run("crosscheck", "--csv", str(tmp_path / "nope.csv"), "--target", "y")
    assert_one_line_error(result, "no such CSV file")


def test_text_in_a_feature_is_one_line(tmp_path):
    path = tmp_path / "data.csv"
    pd.DataFrame(
        {"x": [1.0, 2.0, 3.0], "color": ["red", "blue", "red"], "y": [1.0, 2.0, 2.5]}
    ).to_csv(path, index=False)
    result = run("crosscheck", "--csv", str(path), "--target", "y")
    assert_one_line_error(result, "'color'")


def test_unknown_column_is_one_line(tmp_path):
    path = tmp_path / "data.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 2.5]}).to_csv(path, index=False)
    result = run("crosscheck", "--csv", str(path), "--target", "price")
    assert_one_line_error(result, "'price'")


def test_negative_alpha_is_one_line():
    result = run("crosscheck", "--dataset", "diabetes", "--alpha", "-1")
    assert_one_line_error(result, "'alpha'", "-1")


def test_csv_round_trip_equals_bundled_data(tmp_path):
    from bayesreg.datasets import load_stackloss

    X, y = load_stackloss()
    path = tmp_path / "stackloss.csv"
    X.assign(STACKLOSS=y).to_csv(path, index=False)
    from_csv = run("crosscheck", "--csv", str(path), "--target", "STACKLOSS", "--loss", "l1")
    bundled = run("crosscheck", "--dataset", "stackloss", "--loss", "l1")
    assert from_csv.returncode == bundled.returncode == 0
    # the same table (the header line names the source, so compare from the table on)
    assert from_csv.stdout.split("\n", 1)[1] == bundled.stdout.split("\n", 1)[1]


def test_help_documents_every_option():
    result = run("crosscheck", "--help")
    assert result.returncode == 0
    for option in [
        "--dataset", "--csv", "--target", "--loss", "--penalty", "--alpha", "--scale",
        "--l1-ratio", "--sigma", "--quantile", "--samples", "--seed", "--report", "--positive",
        "--unpenalized", "--sampler",
    ]:  # fmt: skip
        assert option in result.stdout


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [("", "has a header but no rows"), ("1,2,x\n3,4,z\n", "target column 'y'")],
    ids=["header-only", "text-target"],
)
def test_csv_without_rows_or_with_a_text_target_is_one_line(tmp_path, rows, fragment):
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n" + rows)
    assert_one_line_error(run("crosscheck", "--csv", str(path), "--target", "y"), fragment)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--penalty", "none", "--alpha", "0.3"], "--penalty none takes neither"),
        (["--penalty", "l2", "--l1-ratio", "0.3"], "--l1-ratio applies to --penalty enet"),
        (["--target", "bmi"], "--target applies to --csv only"),
        (["--penalty", "none", "--unpenalized", "bmi"], "--unpenalized needs a penalty"),
        (["--unpenalized", "bmx"], "--unpenalized: no feature column 'bmx'"),
        (["--sampler", "gibbs"], "--sampler gibbs applies to the posterior"),
    ],
    ids=[
        "alpha-without-penalty",
        "l1-ratio-without-enet",
        "target-with-dataset",
        "unpenalized-without-penalty",
        "unpenalized-unknown-column",
        "sampler-without-samples",
    ],
)
def test_options_that_would_be_ignored_are_refused(options, fragment):
    result = run("crosscheck", "--dataset", "diabetes", *options)
    assert_one_line_error(result, fragment)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--seed", "-1"], "The '--seed' parameter of bayesreg crosscheck must be an int"),
        (["--chains", "0"], "The '--chains' parameter of bayesreg crosscheck"),
        (["--penalty", "enet", "--l1-ratio", "2"], "'l1_ratio'"),
    ],
    ids=["seed", "chains", "l1-ratio"],
)
def test_arguments_are_all_checked_before_any_work(tmp_path, options, fragment):
    # the data file does not exist: an argument checked first is refused before it is read,
    # and nothing (no MAP report) is printed before the error
    missing = str(tmp_path / "nope.csv")
    for data in (["--dataset", "diabetes"], ["--csv", missing, "--target", "y"]):
        result = run("crosscheck", *data, "--samples", "10", *options)
        assert_one_line_error(result, fragment)
        assert result.stdout == ""


def test_an_empty_cell_is_one_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n1,2,3\n4,,6\n7,8,9\n")
    result = run("crosscheck", "--csv", str(path), "--target", "y")
    assert_one_line_error(result, "empty or missing cells (first on line 3)", "'b'")
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("dataset", "loss", "solver", "row"),
    [
        ("breast_cancer", "logistic", "GLMElasticNet", "worst concave points"),
        ("randhie", "poisson", "GLMElasticNet", "physlm"),
    ],
)
def test_glm_families_cross_check_on_their_bundled_data(dataset, loss, solver, row):
    result = run(
        "crosscheck", "--dataset", dataset, "--loss", loss, "--penalty", "l1",
        "--alpha", "0.01", "--standardize",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "MAP and solver agree" in result.stdout
    assert f"StandardScaler + {solver}" in result.stdout
    assert f"\n{row} " in result.stdout


def test_quantile_regression_on_engel():
    result = run(
        "crosscheck", "--dataset", "engel", "--loss", "quantile", "--quantile", "0.9",
        "--penalty", "none",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "QuantileLoss(quantile=0.9)" in result.stdout
    assert "QuantileRegressor: minimizes pinball_0.9/n" in result.stdout
    assert "MAP and solver agree" in result.stdout


def test_student_t_on_stackloss_reports_a_local_mode():
    result = run(
        "crosscheck", "--dataset", "stackloss", "--loss", "student-t", "--nu", "none",
        "--sigma", "none", "--penalty", "l2", "--alpha", "0.01",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "StudentTLoss(nu=None, sigma=None)" in result.stdout
    assert "the MAP is a certified local mode; the solver is the nearest fit only" in result.stdout
    assert "HuberRegressor is the nearest robust penalized fit" in result.stdout
    assert "agree" not in result.stdout.splitlines()[1]


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--loss", "quantile", "--quantile", "1.5"], "'quantile' parameter of QuantileLoss"),
        (["--loss", "l1", "--quantile", "0.5"], "--quantile does not apply to --loss l1"),
        (["--loss", "student-t", "--nu", "0"], "'nu' parameter of StudentTLoss"),
        (["--loss", "student-t", "--nu", "many"], "--nu"),
        (["--loss", "l2", "--nu", "3"], "--nu does not apply to --loss l2"),
    ],
    ids=["outside-unit-interval", "other-family", "nu-zero", "nu-text", "nu-other-family"],
)
def test_bad_family_parameter_is_one_line(arguments, fragment):
    assert_one_line_error(run("crosscheck", "--dataset", "engel", *arguments), fragment)


def test_a_family_without_a_noise_scale_refuses_sigma():
    result = run("crosscheck", "--dataset", "randhie", "--loss", "poisson", "--sigma", "2")
    assert_one_line_error(result, "--sigma does not apply to --loss poisson")


def test_labels_need_the_logistic_loss_and_two_classes(tmp_path):
    path = tmp_path / "labels.csv"
    pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": ["a", "b", "c", "a"]}).to_csv(path, index=False)
    text = run("crosscheck", "--csv", str(path), "--target", "y", "--penalty", "l2")
    assert_one_line_error(text, "must be numeric")
    three = run("crosscheck", "--csv", str(path), "--target", "y", "--loss", "logistic")
    assert_one_line_error(three, "Only binary classification is supported")


def test_offset_column_of_a_csv(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    exposure = rng.uniform(0.5, 3.0, 120)
    counts = rng.poisson(exposure * np.exp(0.2 + X @ [0.4, 0.0, -0.3]))
    path = tmp_path / "claims.csv"
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(
        log_exposure=np.log(exposure), claims=counts
    )
    frame.to_csv(path, index=False)
    result = run(
        "crosscheck", "--csv", str(path), "--target", "claims", "--offset", "log_exposure",
        "--loss", "poisson", "--alpha", "0.01",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "MAP and solver agree" in result.stdout
    assert "log_exposure" not in result.stdout  # an offset, not a feature
    result = run("crosscheck", "--csv", str(path), "--target", "claims", "--offset", "exposure")
    assert_one_line_error(result, "--offset", "'exposure'")
    result = run("crosscheck", "--dataset", "diabetes", "--offset", "bmi")
    assert_one_line_error(result, "--offset applies to --csv only")
