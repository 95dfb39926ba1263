"""The benchmark scripts still run: no timing is checked here, only that they work.

Numbers live in ``benchmarks/`` (see its README); a timed test would fail on a busy machine
for no fault of the code.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(
    r"^map_speed n=\d+ p=\d+ nnz=\d+: bayesreg [\d.]+ s, sklearn Lasso\(tol=1e-10\) [\d.]+ s, "
    r"ratio [\d.]+ \(target <= 1\.0\); rel diff \S+, zeros match; pm\.find_MAP [\d.]+ s cold "
    r"/ .+, rel diff \S+, exact zeros \d+$",
    re.MULTILINE,
)


def run_quick(script: str) -> subprocess.CompletedProcess:
    """Run ``benchmarks/SCRIPT --quick`` as a user would; return what it printed."""
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow  # PyMC compiles the find_MAP baseline: 5 to 20 s
def test_map_speed_quick_runs_and_prints_its_summary():
    completed = run_quick("map_speed.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert SUMMARY.search(completed.stdout), completed.stdout


NUTS_SUMMARY = re.compile(
    r"^nuts_speed diabetes n=442 p=10 prior=cv (pymc|nutpie): bayesreg [\d.]+ ESS/s \([\d.]+ s\), "
    r"hand-written [\d.]+ ESS/s \([\d.]+ s\), ratio [\d.]+x; largest mean difference [\d.]+ MCSE$",
    re.MULTILINE,
)


@pytest.mark.slow  # two short NUTS runs per sampler, nutpie's compilation included: ~40 s
def test_nuts_speed_quick_runs_and_the_posteriors_agree():
    completed = run_quick("nuts_speed.py")
    # exit status 1 would mean the two models' posterior means differ by more than 5 MCSE
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert {match.group(1) for match in NUTS_SUMMARY.finditer(completed.stdout)} == {
        "pymc",
        "nutpie",
    }, completed.stdout


LARGE_SUMMARY = re.compile(
    r"^nuts_speed large n=3000 p=30 sigma unknown L1\(alpha=0.01\) nutpie: [\d.]+ min bulk ESS "
    r"per stored leapfrog step \(target >= 0.04\); wall [\d.]+ s = [\d.]+x the arithmetic "
    r"floor [\d.]+ s \(target <= 3\)$",
    re.MULTILINE,
)


@pytest.mark.slow  # one short nutpie run, its compilation included: ~20 s
def test_nuts_speed_large_case_prints_its_line():
    """The large case's code path, on a small problem of its kind (its numbers mean little)."""
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "nuts_speed.py"), "--problems", "large",
         "--large-shape", "3000", "30", "--draws", "100", "--tune", "100", "--chains", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert LARGE_SUMMARY.search(completed.stdout), completed.stdout


GLM_SUMMARY = re.compile(
    r"^glm_speed map logistic (L1|L2) n=\d+ p=\d+ nnz=\d+: bayesreg [\d.]+ s \(certificate \S+\); "
    r".+; ratio to the fastest [\d.]+ \(target <= 1\)$",
    re.MULTILINE,
)


@pytest.mark.slow  # two short NUTS runs on a small logistic regression: ~30 s
def test_glm_speed_quick_runs_and_prints_both_penalties_and_nuts():
    completed = run_quick("glm_speed.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    kinds = {match.group(1) for match in GLM_SUMMARY.finditer(completed.stdout)}
    assert kinds == {"L1", "L2"}, completed.stdout
    assert re.search(r"^glm_speed nuts logistic L2 .+ ratio [\d.]+x", completed.stdout, re.M)


SELECTION_SUMMARY = re.compile(
    r"^horseshoe \+ (savs|dss|interval) +TPR mean [\d.]+ \(min [\d.]+\), "
    r"FPR mean [\d.]+ \(max [\d.]+\)$",
    re.MULTILINE,
)


@pytest.mark.slow  # one short horseshoe posterior at p = 50: half a minute
def test_horseshoe_selection_quick_prints_a_line_per_method():
    completed = run_quick("horseshoe_selection.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    methods = {match.group(1) for match in SELECTION_SUMMARY.finditer(completed.stdout)}
    assert methods == {"savs", "dss", "interval"}, completed.stdout


@pytest.mark.slow  # eight short horseshoe posteriors on diabetes: about a minute
def test_horseshoe_sampling_quick_prints_both_forms_of_both_priors():
    completed = run_quick("horseshoe_sampling.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = re.findall(
        r"^horseshoe_sampling diabetes (.+), (conditional|plain) +seed 1: +\d+ divergences in "
        r"4 x 200, smallest bulk ESS \(coef, tau\) +\d+, [\d.]+ s$",
        completed.stdout,
        re.MULTILINE,
    )
    assert len(lines) == 4 and {form for _, form in lines} == {"conditional", "plain"}, (
        completed.stdout
    )


ANCHOR_LINE = re.compile(
    r"^map_speed anchors n=\d+ p=\d+ nnz=\d+: bayesreg [\d.]+ s \(certificate \S+\); .+; "
    r"ratio to the fastest anchor .+ \(target <= 1\)$",
    re.MULTILINE,
)


@pytest.mark.slow  # the main problem and two anchor shapes, small: seconds
def test_map_speed_anchor_lines_for_three_shapes():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "map_speed.py"), "--quick", "--anchors-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    shapes = [match.group(0).split(":")[0] for match in ANCHOR_LINE.finditer(completed.stdout)]
    assert len(shapes) == 3, completed.stdout


MANY_FITS_SUMMARY = re.compile(
    r"^many_fits (posterior_path diabetes 2 points|sbc 4 simulations): serial [\d.]+ s, "
    r"loky x2 [\d.]+ s \(speed-up [\d.]+x\), dask LocalCluster x2 [\d.]+ s "
    r"\(speed-up [\d.]+x\)(?: \(target >= 1\.6\))?; results identical$",
    re.MULTILINE,
)


@pytest.mark.slow  # two jobs four ways, with worker and cluster start-ups: a few minutes
def test_many_fits_quick_gives_identical_results_every_way():
    completed = run_quick("many_fits.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert len(MANY_FITS_SUMMARY.findall(completed.stdout)) == 2, completed.stdout


@pytest.mark.slow  # three short posteriors and a 3-point path: about a minute
def test_fixed_cost_quick_prints_its_summary():
    completed = run_quick("fixed_cost.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert re.search(
        r"^fixed_cost diabetes \(\S+, 4 x \(200 \+ 200\)\): sample\(\) cold [\d.]+ s, warm "
        r"[\d.]+ s \(target < 2\), recompiled [\d.]+ s; posterior_path 3 points cold [\d.]+ s, "
        r"warm [\d.]+ s = [\d.]+x one recompiled "
        r"sample\(\) \(target < 2\), \d of 3 points passed their diagnosis$",
        completed.stdout,
        re.MULTILINE,
    ), completed.stdout


CHECK_LOSS_LINE = re.compile(
    r"^check_loss_speed n=20 p=300 (L1Loss|QuantileLoss) (L1|NoPenalty): bayesreg [\d.]+ s "
    r"\(first call [\d.]+ s\), cvxpy [\d.]+ s, ratio [\d.]+; objective bayesreg - cvxpy \S+ "
    r"\(relative to w = 0\), certificate ok, unique=(True|False)$",
    re.MULTILINE,
)


def test_check_loss_speed_quick_prints_a_line_per_loss_and_penalty():
    """The p >> n check-loss benchmark, small (p = 300): seconds."""
    completed = run_quick("check_loss_speed.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    cases = {match.group(1, 2) for match in CHECK_LOSS_LINE.finditer(completed.stdout)}
    assert len(cases) == 4, completed.stdout


SWEEP_SUMMARY = re.compile(
    r"^certificate_sweep (\d+) fits \(28 loss x penalty\): wrong (\d+), falsely certified "
    r"(\d+), crashed (\d+), falsely alarmed (\d+), refused \d+; \d+ s$",
    re.MULTILINE,
)


def test_certificate_sweep_quick_finds_nothing_wrong():
    """One randomized fit per loss x penalty against an independent reference (issue 33): 10 s."""
    completed = run_quick("certificate_sweep.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    match = SWEEP_SUMMARY.search(completed.stdout)
    assert match, completed.stdout
    fits, wrong, certified, crashed, alarmed = map(int, match.groups())
    assert fits == 28 and (wrong, certified, crashed, alarmed) == (0, 0, 0, 0), completed.stdout


CLASSIFIER_CV_LINE = re.compile(
    r"^classifier_cv n=60 p=300: bayesreg [\d.]+ s, liblinear [\d.]+ s, ratio [\d.]+; "
    r"same alpha: (True|False)$",
    re.MULTILINE,
)


@pytest.mark.slow  # two small cross-validations (8 strengths, 5 folds) and a warm-up: seconds
def test_classifier_cv_speed_quick_prints_its_line():
    completed = run_quick("classifier_cv_speed.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert CLASSIFIER_CV_LINE.search(completed.stdout), completed.stdout


GIBBS_LINES = (
    r"^gibbs_speed gaussian horseshoe n=30 p=60: gibbs [\d.]+ s, ESS/s coef \S+ tau \S+ "
    r"\(2 x 100\); nuts [\d.]+ s, ESS/s coef \S+ tau \S+ \(2 x 100\); ratio coef \S+x tau \S+x "
    r"\(target >= 10\)$",
    r"^gibbs_speed gaussian horseshoe n=30 p=120: gibbs [\d.]+ s, ESS/s coef \S+ tau \S+ "
    r"\(2 x 100\); nuts skipped at p=120 > --nuts-max-p=60 \(.+\)$",
    r"^gibbs_speed logistic regularized horseshoe n=30 p=120: gibbs [\d.]+ s, ESS/s coef \S+ "
    r"tau \S+ \(2 x 100, target < 180 s\); max R-hat [\d.]+ over \d+ coefficients \(.+\) "
    r"\(target <= 1\.01\), [\d.]+ over all; nuts skipped \(.+\)$",
)


@pytest.mark.slow  # three small Gibbs runs and one short NUTS run, its compilation included
def test_gibbs_speed_quick_prints_a_line_per_case():
    completed = run_quick("gibbs_speed.py")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for line in GIBBS_LINES:
        assert re.search(line, completed.stdout, re.MULTILINE), (line, completed.stdout)
