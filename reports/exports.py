"""CSV and XLSX exports of the tables in a report's snapshot.

Only the snapshot is read, never the live data, so an export shows the very
values of the PDF: the published ones, small numbers already shown as "<5".
CSV is semicolon-separated UTF-8 with a byte order mark, which Dutch Excel
opens correctly; XLSX has one sheet per table.

Labels come from what users typed (programme, funder and school names, impact
questions), so a text that a spreadsheet would take for a formula (starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written as text:
in CSV with an apostrophe in front (which Excel hides), in XLSX as a string
cell marked as text. Numbers (also negative ones) stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.utils.text import slugify
from django.utils.translation import gettext as _

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL_TABLES = "all"
FIGURES_TABLE = "figures"

_NUMBER = re.compile(r"^-?\d+(,\d+)?$")
# What Excel, LibreOffice and Google Sheets read as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class ExportTable:
    id: str
    title: str
    header: list[str]
    rows: list[list[str]]


def figures_table(snapshot: dict) -> ExportTable:
    """The indicators against their targets, as in the PDF's first table."""
    rows = []
    for figure in snapshot.get("figures", []):
        target = figure.get("target")
        rows.append(
            [
                figure["label"],
                figure["value"],
                figure.get("unit_label", ""),
                "" if target is None else str(target),
                figure.get("of_target") or "",
            ]
        )
    return ExportTable(
        id=FIGURES_TABLE,
        title=snapshot.get("figures_title") or _("Indicators against targets"),
        header=[_("Indicator"), _("Realised"), _("Unit"), _("Target"), _("Of target")],
        rows=rows,
    )


def _table(table: dict) -> ExportTable:
    rows = [[row["label"], *row["cells"]] for row in table["rows"]]
    if table.get("totals") is not None:
        rows.append([_("Total"), *table["totals"]])
    return ExportTable(
        id=table["id"],
        title=table["title"],
        header=[table.get("row_header", ""), *table["columns"]],
        rows=rows,
    )


def snapshot_tables(snapshot: dict) -> list[ExportTable]:
    """Every table of the report, in the order of the PDF."""
    if not snapshot:
        return []
    return [figures_table(snapshot), *(_table(t) for t in snapshot.get("tables", []))]


def _find(snapshot: dict, table_id: str) -> list[ExportTable]:
    tables = snapshot_tables(snapshot)
    if table_id == ALL_TABLES:
        return tables
    found = [t for t in tables if t.id == table_id]
    if not found:
        raise KeyError(table_id)
    return found


def _looks_like_formula(text) -> bool:
    """Text a spreadsheet would evaluate; a number or a lone "-" (not available) is none."""
    return (
        isinstance(text, str)
        and text.startswith(_FORMULA_START)
        and text != "-"
        and not _NUMBER.match(text)
    )


def _csv_cell(text):
    return f"'{text}" if _looks_like_formula(text) else text


def table_csv(snapshot: dict, table_id: str) -> bytes:
    """One table as CSV (``KeyError`` for a table the report does not have)."""
    if table_id == ALL_TABLES:
        raise KeyError(table_id)
    (table,) = _find(snapshot, table_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(c) for c in table.header])
    writer.writerows([_csv_cell(c) for c in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def _cell_value(text: str):
    """A number stays a number in Excel; "<5", "-" and labels stay text."""
    if isinstance(text, str) and _NUMBER.match(text):
        return float(text.replace(",", ".")) if "," in text else int(text)
    return text


def _as_text(sheet, row: int) -> None:
    """Cells of ``row`` that look like a formula: stored and kept as text, not evaluated."""
    for cell in sheet[row]:
        if _looks_like_formula(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:28] or "Tabel"
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:25]} ({n})"
        n += 1
    used.add(name.lower())
    return name


def tables_xlsx(snapshot: dict, table_id: str) -> bytes:
    """One table, or with ``"all"`` every table (a sheet each), as XLSX."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    tables = _find(snapshot, table_id)
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append([table.title])
        sheet["A1"].font = bold
        sheet.append(table.header)
        for cell in sheet[2]:
            cell.font = bold
        for row in table.rows:
            sheet.append([row[0], *(_cell_value(v) for v in row[1:])])
        for row in range(1, sheet.max_row + 1):
            _as_text(sheet, row)
        sheet.column_dimensions["A"].width = max([12, *(len(str(r[0])) + 2 for r in table.rows)])
    meta = snapshot.get("meta", {})
    if meta:
        workbook.properties.title = meta.get("title", "")
        workbook.properties.creator = meta.get("initiative") or meta.get("municipality") or ""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_file_name(report, table_id: str, fmt: str) -> str:
    stem = report.file.name.rsplit("/", 1)[-1].removesuffix(".pdf") if report.file else ""
    stem = stem or slugify(f"rapportage-{report.pk}-v{report.version}")
    return f"{stem}-{slugify(table_id)}.{fmt}"
