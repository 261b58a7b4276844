"""CSV and XLSX exports: the snapshot's published values, the same as in the PDF."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from reports import exports, services
from reports.models import Report
from reports.tests import test_services as base

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with base.freeze() as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    return base.use_media(settings, tmp_path)


@pytest.fixture
def agreement(world):
    return base.agreement_for(world.a)


def nl(text: str) -> str:
    with translation.override("nl"):
        return gettext(text)


@pytest.fixture
def report(world, agreement):
    """World a's report: 12 pupils reached (10 in one programme, 2 in another), 1 volunteer."""
    from initiatives.tests.factories import ProgrammeFactory

    second = ProgrammeFactory(
        initiative=world.a.initiative, name="Huiswerkhulp", municipalities=[world.a.municipality]
    )
    agreement.programmes.add(second)
    base.reached(world.a, 9)
    base.reached(world.a, 2, programme=second)
    report = services.report_request(
        user=world.a.municipal_official, agreement=agreement, period=base.SCHOOL_YEAR
    )
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    return report


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def by_label(rows: list[list]) -> dict:
    return {row[0]: row[1:] for row in rows}


def test_csv_is_semicolon_separated_utf8_with_bom(report):
    rows = read_csv(exports.table_csv(report.figures, "figures"))
    assert rows[0] == [nl("Indicator"), nl("Realised"), nl("Unit"), nl("Target"), nl("Of target")]
    assert by_label(rows)[nl("Pupils reached")] == ["12", "", "20", "60%"]


def test_every_table_of_the_snapshot_can_be_exported(report):
    ids = [t.id for t in exports.snapshot_tables(report.figures)]
    assert ids[0] == "figures"
    assert ids[1:] == [t["id"] for t in report.figures["tables"]]
    for table_id in ids:
        assert read_csv(exports.table_csv(report.figures, table_id))
        assert read_xlsx(exports.tables_xlsx(report.figures, table_id))
    with pytest.raises(KeyError):
        exports.table_csv(report.figures, "no_such_table")


def test_same_figures_in_snapshot_pdf_csv_and_xlsx(report, world, client_for):
    """One source of truth: the snapshot; the PDF and both exports show its values."""
    snapshot = report.figures
    figures = {f["key"]: f for f in snapshot["figures"]}
    by_programme = next(t for t in snapshot["tables"] if t["key"] == "reach_by_programme")
    programme_cells = {row["label"]: row["cells"][0] for row in by_programme["rows"]}
    assert figures["pupils_reached"]["value"] == "12"
    assert figures["volunteers_active"]["value"] == "<5"
    assert programme_cells == {"Taalmentoraat PO": "10", "Huiswerkhulp": "<5"}

    text = base.pdf_text(report)
    client = client_for(world.a.municipal_official)
    csv_figures = by_label(
        read_csv(
            client.get(reverse("reports:report_export", args=[report.pk, "figures", "csv"])).content
        )
    )
    csv_programmes = by_label(
        read_csv(
            client.get(
                reverse("reports:report_export", args=[report.pk, "reach_by_programme", "csv"])
            ).content
        )
    )
    sheets = read_xlsx(
        client.get(reverse("reports:report_export", args=[report.pk, "all", "xlsx"])).content
    )
    xlsx_figures = by_label(sheets[next(iter(sheets))][2:])  # title, header, then rows
    xlsx_programmes = by_label(
        next(rows for rows in sheets.values() if rows[0][0] == by_programme["title"])[2:]
    )

    for key in ("pupils_reached", "volunteers_active", "matches_started"):
        label, value = figures[key]["label"], figures[key]["value"]
        assert re.search(rf"{re.escape(label)} {re.escape(value)}\b", text) or (
            f"{label} {value}" in text
        ), key
        assert csv_figures[label][0] == value
        assert str(xlsx_figures[label][0]) == value
    for label, value in programme_cells.items():
        assert f"{label} {value}" in text
        assert csv_programmes[label] == [value]
        assert [str(v) for v in xlsx_programmes[label]] == [value]


def test_xlsx_keeps_numbers_as_numbers_and_small_counts_as_text(report):
    sheets = read_xlsx(exports.tables_xlsx(report.figures, "figures"))
    (rows,) = sheets.values()
    figures = by_label(rows[2:])
    assert figures[nl("Pupils reached")][0] == 12
    assert figures[nl("Active volunteers")][0] == "<5"


def test_exports_have_no_personal_data(report, world):
    pupil_names = {world.a.pupil.first_name, world.a.pupil.last_name}
    csv_text = " ".join(
        exports.table_csv(report.figures, t.id).decode("utf-8-sig")
        for t in exports.snapshot_tables(report.figures)
    )
    sheets = read_xlsx(exports.tables_xlsx(report.figures, "all"))
    xlsx_text = " ".join(str(cell) for rows in sheets.values() for row in rows for cell in row)
    for name in (*pupil_names, world.a.volunteer.last_name, world.a.guardian.name):
        assert name not in csv_text
        assert name not in xlsx_text


def test_export_download_names_the_report_and_table(report, world, client_for):
    response = client_for(world.a.municipal_official).get(
        reverse("reports:report_export", args=[report.pk, "reach_by_programme", "xlsx"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "2025-2026-v1-reach_by_programme.xlsx" in disposition


def test_dashboard_shows_the_figures_of_the_report(report, world, agreement, client_for):
    """The municipal dashboard over the same period agrees with the frozen report."""
    figures = {f["key"]: f["value"] for f in report.figures["figures"]}
    response = client_for(world.a.municipal_official).get(
        reverse("municipality:dashboard"), {"period": "school-2025"}
    )
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    headline = {shown.key: shown.text for shown in dashboard.headline}
    # Everything world a does is under this one agreement, so the municipality's
    # headline figures are the agreement's.
    assert headline["pupils_reached"] == figures["pupils_reached"] == "12"
    (block,) = [b for b in dashboard.targets if b.agreement == agreement]
    lines = {line.key: line.realised for line in block.lines}
    assert lines["pupils_reached"] == figures["pupils_reached"]


# --- labels that a spreadsheet would take for a formula -------------------------

FORMULAS = ['=HYPERLINK("http://example.org","klik")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _snapshot_with_labels() -> dict:
    rows = [{"label": label, "cells": ["12"]} for label in FORMULAS]
    rows += [{"label": "Gewoon", "cells": ["-3"]}, {"label": "Onbekend", "cells": ["-"]}]
    table = {
        "id": "t",
        "key": "t",
        "title": "=Titel",
        "row_header": "=Kop",
        "columns": ["+Kolom"],
        "rows": rows,
        "totals": None,
    }
    return {"figures": [], "tables": [table]}


def test_csv_writes_labels_that_look_like_formulas_as_text():
    rows = read_csv(exports.table_csv(_snapshot_with_labels(), "t"))

    assert rows[0] == ["'=Kop", "'+Kolom"]
    assert [row[0] for row in rows[1:7]] == [f"'{label}" for label in FORMULAS]
    # numbers (also negative ones) and "-" stay as they are
    assert [row[1] for row in rows[1:]] == ["12"] * 6 + ["-3", "-"]
    assert rows[7][0] == "Gewoon"


def test_xlsx_writes_labels_that_look_like_formulas_as_text_and_keeps_numbers():
    from openpyxl import load_workbook

    content = exports.tables_xlsx(_snapshot_with_labels(), "t")

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["A1"].value == "=Titel" and sheet["A1"].data_type == "s"
    assert [sheet.cell(row=2, column=c).value for c in (1, 2)] == ["=Kop", "+Kolom"]
    labels = [sheet.cell(row=r, column=1) for r in range(3, 3 + len(FORMULAS))]
    # XML stores a carriage return as a line feed
    assert [cell.value for cell in labels] == [f.replace("\r", "\n") for f in FORMULAS]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in labels)
    assert [sheet.cell(row=r, column=2).value for r in range(3, 11)] == [12] * 6 + [-3, "-"]
    assert not sheet.cell(row=9, column=1).quotePrefix  # "Gewoon"
