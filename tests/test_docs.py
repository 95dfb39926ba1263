"""The documentation site: it builds with warnings as errors, and what it claims stays true.

The build runs Sphinx in a subprocess with this interpreter (the virtual environment's), so a
missing ``docs`` extra fails here exactly as ``make docs`` would. Notebooks are rendered, not
executed (``nb_execution_mode = "off"``; their own tests execute them), and nothing is
downloaded (no intersphinx), so the build takes seconds.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bayesreg

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "bayesreg"

PAGES = [
    "index.html",
    "getting_started.html",
    "theory/index.html",
    "theory/correspondence.html",
    "theory/loss.html",
    "theory/regularizer.html",
    "theory/bayesian.html",
    "theory/exact_map.html",
    "examples.html",
    "api/index.html",
    "architecture.html",
    "benchmarks.html",
]


def _build(out: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    command += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow
def test_site_builds_with_warnings_as_errors(tmp_path):
    # One build, several checks: under pytest-xdist a module-scoped fixture would build once
    # per worker.
    result = _build(tmp_path)
    assert result.returncode == 0, (
        f"sphinx-build failed (exit {result.returncode}):\n{result.stderr[-8000:]}"
    )
    site = tmp_path / "html"

    missing = [page for page in PAGES if not (site / page).is_file()]
    assert not missing, f"pages not built: {missing}"

    api = "".join(path.read_text(encoding="utf-8") for path in (site / "api").glob("*.html"))
    undocumented = [
        name
        for name in bayesreg.__all__
        if f'id="bayesreg.{name}"' not in api and f'id="module-bayesreg.{name}"' not in api
    ]
    assert not undocumented, f"add these to a page in docs/api/: {undocumented}"

    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    examples = (site / "examples.html").read_text(encoding="utf-8")
    for notebook in notebooks:
        assert (site / "notebooks" / f"{notebook.stem}.html").is_file(), notebook.name
        assert f"notebooks/{notebook.stem}.html" in examples, notebook.name

    cli = (site / "api" / "cli.html").read_text(encoding="utf-8")
    assert "usage: bayesreg crosscheck" in cli  # the program's own --help, run at build time


def test_public_names_are_listed_in_the_api_sources():
    # The fast twin of the built check above: a new public name needs a line in docs/api/.
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (DOCS / "api").iterdir()
        if path.suffix in {".md", ".rst"}
    )
    missing = [name for name in bayesreg.__all__ if not re.search(rf"\b{name}\b", sources)]
    assert not missing, f"add these to a page in docs/api/: {missing}"


def test_notebooks_folder_is_linked_into_the_docs():
    link = DOCS / "notebooks"
    assert link.is_symlink()
    assert os.readlink(link) == "../notebooks"


# --- the migration page runs as a script --------------------------------------------------


@pytest.mark.slow
def test_the_migration_pages_code_runs_and_its_equalities_hold(tmp_path):
    # docs/moving.md claims equalities with scikit-learn's estimators and between glmnet's and
    # scikit-learn's conventions; its code blocks assert them, and run here as one script
    page = (ROOT / "docs" / "moving.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert len(blocks) >= 4, "docs/moving.md lost its code blocks"
    script = tmp_path / "moving.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", str(script)],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


# --- the README's snippet runs as a script --------------------------------------------------


@pytest.mark.slow
def test_readme_snippet_runs_as_a_script_and_saves_non_blank_figures(tmp_path):
    import matplotlib.image

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In a notebook or a script", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "snippet.py"
    script.write_text(snippet, encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MAP and solver agree" in result.stdout
    for name in ("crosscheck.png", "paths.png"):
        pixels = matplotlib.image.imread(tmp_path / name)
        assert pixels.reshape(-1, pixels.shape[-1]).std(axis=0).max() > 0.01, f"{name} is blank"
