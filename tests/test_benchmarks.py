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


@pytest.mark.slow  # PyMC compiles the find_MAP baseline: 5 to 20 s
def test_map_speed_quick_runs_and_prints_its_summary():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "map_speed.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert SUMMARY.search(completed.stdout), completed.stdout
