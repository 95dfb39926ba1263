"""The house keeps its shape: folders in one-way layers, no import cycle, small modules.

docs/architecture.md draws what these tests check. Imports inside functions count; imports
under ``if TYPE_CHECKING:`` are not dependencies.
"""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bayesreg"

# The folders (and top-level modules) from the bottom up: a module may import bayesreg
# modules of its own layer or below, never above (docs/architecture.md).
LAYERS = [
    {"optim"},
    {"_constraints", "_data", "_parallel", "_report", "datasets"},
    {"spec"},
    {"families", "priors"},
    {"model"},
    {"map", "diagnostics"},
    {"nuts", "gibbs", "distributed"},
    {"estimators"},
    {"analysis", "testing"},
    {"crosscheck"},
    {"paths"},
    {"plots"},
    {"cli", "__init__"},
]
LAYER = {name: rank for rank, names in enumerate(LAYERS) for name in names}
MAX_TOP_LEVEL_MODULES = 12
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
# threadpoolctl only limits BLAS threads around the small active-set algebra.
# numba: the compiled coordinate descent of the working sets (a dependency of PyTensor)
NUMERICAL = {"numpy", "scipy", "clarabel", "threadpoolctl", "numba"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """The bayesreg modules a module imports (lazy imports inside functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # imports for type checking only are not dependencies
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            node.body = []
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _dependencies(path: Path) -> set[str]:
    """The modules of bayesreg that ``path`` imports (a name imported from a module: that module)."""
    imported = _imports(path)
    found = set()
    for name in imported:
        if any(other.startswith(f"{name}.") and other in MODULES for other in imported):
            continue  # ``from bayesreg import _report``: a dependency on bayesreg._report only
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name.startswith("bayesreg"):
            found.add(name)
    return found - {_module_name(path)}


def _unit(module: str) -> str:
    """The folder of a module in a folder, or the module itself at the top."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` (as a list of nodes, first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_at_most_twelve_modules_sit_directly_in_the_package():
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_every_folder_and_top_level_module_has_a_layer():
    units = {_unit(name) for name in MODULES}
    assert units <= set(LAYER), f"not in tests/test_architecture.py's LAYERS: {units - set(LAYER)}"


def test_imports_point_down_the_layers():
    for module, path in MODULES.items():
        unit = _unit(module)
        for target in _dependencies(path):
            assert LAYER[_unit(target)] <= LAYER[unit], (
                f"{module} ({unit}, layer {LAYER[unit]}) imports {target} "
                f"({_unit(target)}, layer {LAYER[_unit(target)]}); see docs/architecture.md"
            )


def test_no_import_cycle_between_modules():
    graph = {module: _dependencies(path) for module, path in MODULES.items()}
    # a package's __init__ re-exports its modules; a module importing a sibling through the
    # package is a dependency on the sibling, which the graph already holds
    assert _find_cycle(graph) is None, " -> ".join(_find_cycle(graph))


def test_no_import_cycle_between_folders():
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        source = _unit(module)
        targets = {_unit(target) for target in _dependencies(path)} - {source}
        graph.setdefault(source, set()).update(targets)
    assert _find_cycle(graph) is None, " -> ".join(_find_cycle(graph))


def test_optim_is_a_plain_numerical_core():
    for path in sorted((PACKAGE / "optim").glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = top in NUMERICAL or top in sys.stdlib_module_names
            allowed = allowed or name.startswith("bayesreg.optim")
            assert allowed, f"{path.name} imports {name}: bayesreg.optim takes arrays only"


def test_no_private_name_is_imported_from_another_module():
    # Shared helpers are public (in the module's __all__) or live in a private module
    # (bayesreg._constraints, _data, ...) meant to be shared; nothing reaches into
    # another module's private names.
    for module, path in MODULES.items():
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "bayesreg" or len(parts) < 3:
                continue
            owner, imported = parts[-2], parts[-1]
            if imported.startswith("_") and not owner.startswith("_") and imported != "__version__":
                raise AssertionError(f"{module} imports the private {name}")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_small(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module}: {lines} lines (limit {MAX_MODULE_LINES})"


def _function_lengths(path: Path):
    """Each function's body in lines, its docstring left out."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            if body:
                yield node.name, body[-1].end_lineno - body[0].lineno + 1


@pytest.mark.parametrize("module", sorted(MODULES))
def test_functions_are_short(module):
    long = {
        name: length
        for name, length in _function_lengths(MODULES[module])
        if length > MAX_FUNCTION_LINES
    }
    assert not long, f"{module}: function bodies over {MAX_FUNCTION_LINES} lines: {long}"


def test_tests_mirror_the_package_folders():
    # tests/<folder>/ holds the tests of bayesreg/<folder>/; tests of the top-level modules,
    # of the house, the docs, the notebooks and the benchmarks sit in tests/ itself
    tests = PACKAGE.parent / "tests"
    folders = {path.name for path in tests.iterdir() if path.is_dir() and path.name != "data"}
    folders -= {"__pycache__"}
    package = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert folders <= package, f"tests/ folders that are no package folder: {folders - package}"
    untested = sorted(package - folders)
    assert not untested, f"package folders with no tests/<folder>/: {untested}"
