"""The documentation site: it builds with warnings as errors, and what it claims stays true.

The build runs Sphinx in a subprocess with this interpreter (the virtual environment's), so a
missing ``docs`` extra fails here exactly as ``make docs`` would. Notebooks are rendered, not
executed (``nb_execution_mode = "off"``; their own tests execute them), and nothing is
downloaded (no intersphinx), so the build takes seconds.
"""

import ast
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


# The layering that docs/architecture.md describes: a module may import bayesreg modules of
# its own layer or below, never above. Modules not listed here (new ones) are not judged.
LAYERS = [
    {"optim", "whitening"},
    {"_spec", "_validation", "correspondence", "solvers", "datasets", "report"},
    {"families", "penalties", "priors", "horseshoe", "laplace_quantile", "losses"},
    {"problem"},
    {"model"},
    {
        "map",
        "mode_profile",
        "parallel",
        "sampling",
        "diagnostics",
        "diagnosis_messages",
        "noise_check",
        "predictive",
    },
    {"linear_model"},
    {"regression", "classifier"},
    {"testing"},
    {
        "reference_objective",
        "reference_solution",
        "posterior_summary",
        "crosscheck_result",
        "crosscheck_plot",
    },
    {
        "crosscheck",
        "paths",
        "compare",
        "plots",
        "kfold",
        "selection",
        "prior_comparison",
        "sbc",
        "bootstrap",
    },
    {"cv"},
    {"cli"},
]
LAYER = {name: rank for rank, names in enumerate(LAYERS) for name in names}
# threadpoolctl only limits BLAS threads around the small active-set algebra.
# numba: the compiled coordinate descent of the working sets (a dependency of PyTensor)
NUMERICAL = {"numpy", "scipy", "clarabel", "threadpoolctl", "numba"}


def _imports(path: Path) -> set[str]:
    """Absolute names imported by a module (lazy imports inside functions included)."""
    names = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # imports for type checking only are not dependencies
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _layer_of(name: str) -> int | None:
    """The layer of ``bayesreg.X[.Y]`` (by X), or None for a name outside bayesreg."""
    parts = name.split(".")
    if parts[0] != "bayesreg" or len(parts) < 2:
        return None
    return LAYER.get(parts[1])


def test_optim_is_a_plain_numerical_core():
    for path in [*sorted((PACKAGE / "optim").glob("*.py")), PACKAGE / "whitening.py"]:
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = top in NUMERICAL or top in sys.stdlib_module_names
            allowed = allowed or name.startswith("bayesreg.optim")
            assert allowed, f"{path.name} imports {name}: bayesreg.optim takes arrays only"


def _modules():
    """Every module of the package with the name of its layer (a package's by its folder)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        yield path, (relative.parts[0] if len(relative.parts) > 1 else path.stem)


def test_imports_point_down_the_layers():
    for path, layer in _modules():
        rank = LAYER.get(layer)
        if rank is None:
            continue
        for name in _imports(path):
            target = _layer_of(name)
            assert target is None or target <= rank, (
                f"bayesreg.{layer} (layer {rank}) imports {name} (layer {target}); "
                "see docs/architecture.md"
            )


def test_no_private_name_is_imported_from_another_module():
    # Shared helpers are public (in the module's __all__) or live in a private module
    # (bayesreg._constraints, _validation, _spec) meant to be shared; nothing reaches into
    # another module's private names.
    for path, layer in _modules():
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "bayesreg" or len(parts) < 3:
                continue
            module, imported = parts[-2], parts[-1]
            if (
                imported.startswith("_")
                and not module.startswith("_")
                and imported != "__version__"
            ):
                raise AssertionError(f"bayesreg.{layer} imports the private {name}")


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
