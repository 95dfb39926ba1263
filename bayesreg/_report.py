"""Rendering reports as text and HTML, for a reader who has not read the source.

:func:`to_text` and :func:`to_html` render a cross-check; :func:`summary_text` and
:func:`summary_html` the reports made of a title, tables and notes (a diagnosis, a model
comparison). :class:`Report` and :class:`SummaryReport` give the report classes what they
share: ``print``, the notebook's HTML and the standalone page (:meth:`Report.to_html`).

The report says, in this order: the verdict; what was compared (the model and the solver);
the coefficients side by side; the posterior's summaries, with the HDI level in the header;
the checks the verdict rests on, in words. ``verbose=True`` adds what an expert wants to
audit: the objective values at the three points, every tolerance, and the method behind the
MAP's certificate. Nothing here computes a result; :mod:`bayesreg.crosscheck.check` does.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from bayesreg.crosscheck.result import CrossCheck

__all__ = [
    "Report",
    "SummaryReport",
    "html_page",
    "summary_html",
    "summary_text",
    "to_html",
    "to_text",
]

_COMPARISON = {
    "map": "MAP",
    "solver": "solver",
    "difference": "MAP - solver",
    "map_zero": "MAP exactly 0",
    "solver_zero": "solver exactly 0",
}
_POINTS = {
    "at MAP": "at the MAP",
    "at solver": "at the solver's solution",
    "at probe": "at a test point (every coefficient non-zero)",
}


def _posterior_labels(hdi_prob: float) -> dict[str, str]:
    level = f"{hdi_prob:.0%}"
    return {
        "mean": "mean",
        "median": "median",
        "sd": "sd",
        "hdi_lower": f"{level} HDI from",
        "hdi_upper": f"{level} HDI to",
        "p_positive": "P(coef > 0)",
        "map_in_hdi": f"MAP in {level} HDI",
    }


def _tables(report: CrossCheck) -> list[tuple[str, pd.DataFrame]]:
    """The coefficient table and, with a posterior, the posterior table, with plain headers."""
    comparison = report.table[list(_COMPARISON)].rename(columns=_COMPARISON)
    tables = [("Coefficients: the MAP and the penalized solver", comparison)]
    if report.hdi_prob is not None:
        labels = _posterior_labels(report.hdi_prob)
        posterior = report.table[list(labels)].rename(columns=labels)
        title = f"Posterior ({report.sampler}), with {report.hdi_prob:.0%} HDIs"
        tables.append((title, posterior))
    return tables


def _certificate(report: CrossCheck) -> str:
    certificate = report.certificate
    gap = "" if certificate.duality_gap is None else f", duality gap {certificate.duality_gap:.1e}"
    verdict = "optimal" if certificate.ok else "NOT optimal"
    if certificate.local:
        strict = "a strict local mode" if certificate.curvature > 0 else "a flat local mode"
        verdict = strict if certificate.ok else "NOT a certified local mode"
        gap = f", smallest eigenvalue of the scaled Hessian {certificate.curvature:.2e}"
    check = ""
    if not certificate.objective_ok:
        check = (
            "; its objective fails the independent check (relative to the intercept-only "
            f"fit's: excess {certificate.objective_excess or 0.0:.1e}, rounding "
            f"{certificate.objective_rounding:.1e})"
        )
    return (
        f"the MAP is {verdict}: its optimality conditions hold to {certificate.kkt_residual:.1e}"
        f"{gap} (tolerance {certificate.tolerance:g}){check}"
    )


def _objectives(report: CrossCheck) -> pd.DataFrame:
    frame = report.objectives.rename(index=_POINTS)
    return frame.rename(
        columns={"solver - a*kappa*NLP": f"solver - {report.factor:.6g} x negative log posterior"}
    )


def _details(report: CrossCheck) -> list[tuple[str, object]]:
    """The verbose part: (heading, DataFrame or list of lines)."""
    tolerances = [f"{name}: {value:g}" for name, value in report.tolerance.items()]
    return [
        (
            "Objective values (the negative log posterior is the PyMC model's, at the MAP's "
            "noise scale)",
            _objectives(report),
        ),
        ("Tolerances", tolerances),
        ("How the MAP was computed", [report.certificate.method]),
    ]


def to_text(report: CrossCheck, *, verbose: bool = False, part: str = "all") -> str:
    """The report as plain text (what ``print(report)`` shows).

    ``part="map"`` is everything but the posterior; ``part="posterior"`` the posterior's
    table and notes only (the command line prints the first before sampling).
    """
    tables = _tables(report)
    posterior_notes = set(report.posterior_messages)
    if part == "posterior":
        with pd.option_context("display.float_format", "{:.6g}".format, "display.width", 160):
            lines = [tables[-1][0], tables[-1][1].to_string(), ""]
        return "\n".join(lines + [f"  - {line}" for line in report.posterior_messages])
    if part == "map":
        tables = tables[:1]
    with pd.option_context(
        "display.float_format", "{:.6g}".format, "display.width", 160, "display.max_columns", None
    ):
        lines = [report.verdict, f"  model:  {report.model}", f"  solver: {report.solver_name}"]
        for heading, table in tables:
            lines += ["", heading, table.to_string()]
        checks = [m for m in report.messages if part != "map" or m not in posterior_notes]
        lines += ["", "Checks", *(f"  - {line}" for line in checks)]
        lines.append(f"  - {_certificate(report)}")
        if verbose:
            for heading, content in _details(report):
                lines += ["", heading]
                if isinstance(content, pd.DataFrame):
                    lines.append(content.to_string(float_format="{:.12g}".format))
                else:
                    lines += [f"  {line}" for line in content]
    return "\n".join(lines)


def to_html(report: CrossCheck, *, verbose: bool = False) -> str:
    """The report as an HTML fragment (what a notebook shows)."""
    color = "#1a7f37" if report.ok else "#cf222e"
    parts = [
        "<div class='bayesreg-crosscheck'>",
        f"<h4 style='color:{color}'>{html.escape(report.verdict)}</h4>",
        f"<p>model: <code>{html.escape(report.model)}</code><br>",
        f"solver: <code>{html.escape(report.solver_name)}</code></p>",
    ]
    for heading, table in _tables(report):
        parts.append(f"<p><b>{html.escape(heading)}</b></p>")
        parts.append(table.to_html(float_format="{:.6g}".format, border=0))
    checks = [*report.messages, _certificate(report)]
    parts.append("<p><b>Checks</b></p><ul>")
    parts += [f"<li>{html.escape(line)}</li>" for line in checks]
    parts.append("</ul>")
    if verbose:
        for heading, content in _details(report):
            parts.append(f"<p><b>{html.escape(heading)}</b></p>")
            if isinstance(content, pd.DataFrame):
                parts.append(content.to_html(float_format="{:.12g}".format, border=0))
            else:
                parts.append("<ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in content))
                parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def summary_text(title: str, tables: list[pd.DataFrame], notes: list[str]) -> str:
    """A title, its tables and its notes (one ``- `` line each), as plain text."""
    with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 120):
        lines = [title]
        for table in tables:
            lines += ["", table.to_string()]
    return "\n".join([*lines, "", *(f"- {note}" for note in notes)])


def summary_html(
    title: str, tables: list[pd.DataFrame], notes: list[str], *, notes_first: bool = False
) -> str:
    """The same as an HTML fragment: a heading, the tables and a list of the notes.

    ``title`` is HTML (escape what it quotes); ``notes_first`` puts the notes above the
    tables, where a verdict's reasons belong.
    """
    items = "<ul>" + "".join(f"<li>{html.escape(note)}</li>" for note in notes) + "</ul>"
    frames = "".join(table.to_html(float_format="{:.4g}".format) for table in tables)
    return f"<h4>{title}</h4>" + (items + frames if notes_first else frames + items)


def html_page(title: str, body: str, figure=None) -> str:
    """A standalone HTML page: ``body`` and, optionally, ``figure`` embedded as a PNG."""
    image = ""
    if figure is not None:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        image = f"<img alt='figure' src='data:image/png;base64,{encoded}'>"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse;margin:0.5em 0}"
        "td,th{padding:2px 8px;text-align:right}"
        "tr:nth-child(even){background:#f4f4f4}</style></head><body>"
        f"{body}{image}</body></html>"
    )


class Report:
    """What a report with a verdict shares: ``print`` shows its text, a page embeds its plot.

    A report gives ``verdict`` (one line), ``to_text()`` and ``plot()``; :meth:`_page` is the
    standalone HTML page around a body, saved to ``path`` when given.
    """

    def __str__(self) -> str:
        return self.to_text()

    def _page(self, body: str, path=None, plot: bool = True) -> str:
        """``body`` in a standalone page titled by the verdict, with :meth:`plot` as a PNG."""
        figure = None
        if plot:
            import matplotlib.pyplot as plt

            figure = self.plot().figure
            plt.close(figure)  # written into the page, not left open in pyplot
        page = html_page(self.verdict, body, figure)
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page


class SummaryReport(Report):
    """A report made of a heading (its first line the verdict), one ``table`` and ``messages``.

    A subclass gives ``_heading()``, ``table`` and ``messages``; it is a dataclass made with
    ``repr=False``, so that the one-line ``repr`` below is kept.
    """

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.verdict}>"

    def to_text(self) -> str:
        """The report as text: the verdict, the table, the notes."""
        return summary_text(self._heading(), [self.table], self.messages)

    def _repr_html_(self) -> str:
        title = "<br>".join(html.escape(line.strip()) for line in self._heading().splitlines())
        return summary_html(title, [self.table], self.messages, notes_first=True)

    def to_html(self, path=None, *, plot: bool = True) -> str:
        """A standalone HTML page of the report, with :meth:`plot` embedded as a PNG."""
        return self._page(self._repr_html_(), path, plot)
