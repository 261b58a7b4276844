"""The report's PDF: HTML from the snapshot, printed by WeasyPrint as tagged PDF/UA-1.

Only the snapshot is read, so printing it again gives the same figures. The
document is in Dutch (the report language, ``settings.LANGUAGE_CODE``), with
``lang`` on the root element and a title, as PDF/UA requires; WeasyPrint tags
headings, paragraphs, lists and tables (with their header cells), and takes a
chart's alternative text from the ``<title>`` of its inline SVG.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

PDF_VARIANT = "pdf/ua-1"
# A breakdown with more rows than this (the referrals of 600 schools, say) is
# printed as its table only: a chart of hundreds of bars cannot be read, and
# drawing it took most of the printing time of a large municipality's report.
CHART_MAX_ROWS = 50


def css_string(text: str) -> str:
    """``text`` as the content of a double-quoted CSS string (safe inside <style>)."""
    escaped = []
    for char in " ".join(text.split()):
        if char in '"\\<>&':
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return "".join(escaped)


def _table(data: dict):
    """The snapshot table as an indicator ``Table`` of its published numbers."""
    from .indicators import Table

    return Table(
        key=data["key"],
        title=data["title"],
        columns=tuple(data["columns"]),
        rows=tuple((row["label"], tuple(row["numbers"])) for row in data["rows"]),
        totals=None,
        counts=data.get("counts", True),
    )


def _suppressed(data: dict):
    """The snapshot table as the ``SuppressedTable`` it was published as."""
    from .suppression import SuppressedTable

    return SuppressedTable(
        table=_table(data),
        cells=tuple(tuple(row["cells"]) for row in data["rows"]),
        totals=tuple(data["totals"]) if data.get("totals") is not None else None,
        hidden=frozenset(tuple(cell) for cell in data.get("hidden", [])),
        hidden_totals=frozenset(data.get("hidden_totals", [])),
    )


def _for_print(chart):
    """The chart without ``height:auto`` on its SVG.

    Browsers need it to keep the proportions when ``max-width`` shrinks the
    chart; WeasyPrint 70 instead makes an inline SVG with ``height:auto`` as
    tall as it is wide. On A4 the chart fits at its own size anyway.
    """
    if chart is None:
        return None
    svg = chart.svg.replace(";height:auto", "", 1)
    return dataclasses.replace(chart, svg=mark_safe(svg))  # noqa: S308 - the chart's own SVG


def _charts(snapshot: dict) -> tuple[object | None, list[dict]]:
    """The chart of figures against targets, and each table with its chart (or None)."""
    from . import charts

    with_target = [f for f in snapshot["figures"] if f.get("target")]
    target_chart = None
    if with_target:
        target_chart = _for_print(
            charts.published_target_bars(with_target, title=_("Realised against target"))
        )
    tables = []
    for data in snapshot.get("tables", []):
        chart = None
        if data["rows"] and data.get("counts", True) and len(data["rows"]) <= CHART_MAX_ROWS:
            chart = _for_print(
                charts.published_bar_chart(
                    _suppressed(data), title=data["title"], row_heading=data.get("row_header", "")
                )
            )
        tables.append({"table": data, "chart": chart})
    return target_chart, tables


def report_html(snapshot: dict) -> str:
    """The report as HTML, in the report language."""
    with translation.override(settings.LANGUAGE_CODE):
        target_chart, tables = _charts(snapshot)
        meta = snapshot["meta"]
        period = meta["period"]
        context = {
            "lang": settings.LANGUAGE_CODE,
            "meta": meta,
            "figures": snapshot["figures"],
            "adult_figures": snapshot.get("adult_figures", []),
            "target_chart": target_chart,
            "tables": tables,
            "legend": snapshot.get("legend", []),
            "texts": snapshot.get("texts", []),
            "definitions": snapshot.get("definitions", []),
            "definitions_version": snapshot.get("definitions_version", ""),
            "period_start": dt.date.fromisoformat(period["start"]),
            "period_end": dt.date.fromisoformat(period["end"]),
            "generated_on": dt.date.fromisoformat(meta["generated_on"]),
            "total_label": _("Total"),
            # The footer reads "pagina 3 van 9".
            "page_word": css_string(pgettext("page X of Y", "page")),
            "of_word": css_string(pgettext("page X of Y", "of")),
            "footer_left": css_string(
                f"{meta['subject']}, {period['label']}, "
                + _("version %(version)s") % {"version": meta["version"]}
            ),
        }
        return render_to_string("reports/pdf/report.html", context)


def render_report_pdf(snapshot: dict) -> bytes:
    import weasyprint  # heavy import; only when a report is made

    return weasyprint.HTML(string=report_html(snapshot), base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant=PDF_VARIANT
    )
