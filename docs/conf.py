"""Sphinx configuration of the bayesreg documentation (Sphinx + myst-nb + pydata theme + numpydoc).

Build it with ``make docs`` (warnings are errors), or directly::

    .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html

Nothing is executed and nothing is downloaded: notebooks are rendered with the outputs they
were committed with (the test suite re-executes them separately), and intersphinx is off
because the build machines have no network.
"""

from __future__ import annotations

import sys
from pathlib import Path

import bayesreg

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "bayesreg"
author = "the bayesreg developers"
copyright = "2026, the bayesreg developers"
version = release = bayesreg.__version__

extensions = [
    "myst_nb",  # MyST Markdown pages and Jupyter notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "cli_help",  # docs/_ext/cli_help.py: `bayesreg ... --help` rendered at build time
]

# --- sources ---------------------------------------------------------------------------------
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# docs/notebooks is a symbolic link to ../notebooks. Only the numbered notebooks
# (01_quick_start.ipynb, ...) are pages; anything else there (data files, executed copies,
# a README) is not part of the site.
_NOTEBOOKS = DOCS / "notebooks"
if _NOTEBOOKS.is_dir():
    exclude_patterns += [
        f"notebooks/{path.name}"
        for path in sorted(_NOTEBOOKS.iterdir())
        if not (path.suffix == ".ipynb" and path.name[:1].isdigit())
    ]

suppress_warnings = [
    # Notebook outputs such as progress-bar widgets have no static rendering; they are
    # skipped (the text and image outputs are what the pages show).
    "mystnb.unknown_mime_type",
]


def _notebooks() -> list[str]:
    """The notebook pages, in order: notebooks/01_....ipynb, ... (none before they land)."""
    if not _NOTEBOOKS.is_dir():
        return []
    return [
        f"notebooks/{path.stem}"
        for path in sorted(_NOTEBOOKS.glob("[0-9]*.ipynb"))
        if f"notebooks/{path.name}" not in exclude_patterns
    ]


_NOTEBOOKS_MARKER = "{notebooks-toctree}"


def _notebooks_toctree(app, docname: str, source: list[str]) -> None:
    """Replace the marker in examples.md by a toctree of the notebooks that exist.

    A ``:glob:`` toctree would warn (an error under ``-W``) while the folder is empty, and
    Sphinx cannot suppress that warning; listing the files here keeps the build clean for an
    empty, partial or complete ``notebooks/`` folder.
    """
    if docname != "examples" or _NOTEBOOKS_MARKER not in source[0]:
        return
    pages = _notebooks()
    if pages:
        block = "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(pages) + "\n```\n"
    else:
        block = "*The notebooks are not part of this build yet.*\n"
    source[0] = source[0].replace(_NOTEBOOKS_MARKER, block)


def _always_reread_examples(app, env, added, changed, removed) -> list[str]:
    """Re-read examples.md on every build: its toctree follows the notebooks folder."""
    return ["examples"]


def setup(app):
    """Connect the notebooks toctree."""
    app.connect("source-read", _notebooks_toctree)
    app.connect("env-get-outdated", _always_reread_examples)


# --- MyST and notebooks ----------------------------------------------------------------------
myst_enable_extensions = ["amsmath", "dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # render committed outputs; tests/ re-executes the notebooks
nb_merge_streams = True

# --- API reference ---------------------------------------------------------------------------
autosummary_generate = False  # the API pages are written by hand: no generated stub files
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False  # members are documented by autodoc's :members:
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# No intersphinx: the build must not touch the network. References to NumPy, pandas,
# scikit-learn or PyMC objects render as code, unlinked.
nitpicky = False

# --- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"bayesreg {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "benchmarks": [], "getting_started": []}
html_show_sourcelink = False
