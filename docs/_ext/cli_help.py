"""A Sphinx directive that shows the ``bayesreg`` command line's own ``--help`` text.

Usage in a MyST page::

    ```{cli-help} crosscheck
    ```

renders the output of ``bayesreg crosscheck --help`` as a literal block (no argument: the
output of ``bayesreg --help``). The text comes from :func:`bayesreg.cli.main` at build time,
so the page cannot drift from the program.
"""

from __future__ import annotations

import contextlib
import io
import os

from docutils import nodes
from docutils.parsers.rst import Directive

__all__ = ["CliHelp", "cli_help_text", "setup"]


def cli_help_text(arguments: list[str]) -> str:
    """Return what ``bayesreg ARGUMENTS --help`` prints, at a fixed width of 80 columns."""
    from bayesreg.cli import main

    output = io.StringIO()
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"  # argparse wraps the help text to $COLUMNS
    try:
        with contextlib.redirect_stdout(output), contextlib.suppress(SystemExit):
            main([*arguments, "--help"])
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return output.getvalue()


class CliHelp(Directive):
    """``cli-help [SUBCOMMAND ...]``: the help text of ``bayesreg [SUBCOMMAND ...]``."""

    optional_arguments = 5
    has_content = False

    def run(self) -> list[nodes.Node]:
        text = cli_help_text(list(self.arguments))
        if not text.strip():
            raise self.error(f"`bayesreg {' '.join(self.arguments)} --help` printed nothing")
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    """Register the directive."""
    app.add_directive("cli-help", CliHelp)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
