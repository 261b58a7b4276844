import codecs

import pytest
from django.utils import translation

from core.imports import ImportFileError, ImportResult, read_csv


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "VESTIGINGSCODE;NAAM\r\n03MJ00;Eben-Haëzer\r\n".encode())

    csv_file = read_csv(path, required_columns=["VESTIGINGSCODE"])

    assert csv_file.encoding == "utf-8-sig"
    assert csv_file.rows[0].get("VESTIGINGSCODE") == "03MJ00"
    assert csv_file.rows[0].get("NAAM") == "Eben-Haëzer"


def test_utf8_without_bom_is_read_as_utf8_and_other_bytes_as_windows_1252(tmp_path):
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes("NAAM\nSkôalle\n".encode())
    cp1252 = tmp_path / "cp1252.csv"
    cp1252.write_bytes("NAAM\r\n’t Kompas\r\n".encode("cp1252"))

    assert read_csv(utf8, required_columns=["NAAM"]).rows[0].get("NAAM") == "Skôalle"
    assert read_csv(cp1252, required_columns=["NAAM"]).rows[0].get("NAAM") == "’t Kompas"


def test_line_numbers_count_physical_lines_and_blank_lines_are_ignored(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text('CODE;NAAM\n\nA;"two\nlines"\nB;x;y\n', encoding="utf-8")

    csv_file = read_csv(path, required_columns=["CODE"])

    assert [(row.line_number, row.get("NAAM")) for row in csv_file.rows] == [(3, "two\nlines")]
    assert csv_file.invalid_rows == [(5, "expected 2 fields, found 3")]


def test_column_names_are_matched_case_insensitively(tmp_path):
    path = tmp_path / "case.csv"
    path.write_text("Gemeentecode, GemeentecodeGM \n0344,GM0344\n", encoding="utf-8")

    csv_file = read_csv(path, required_columns=["GemeentecodeGM"], delimiters=(",",))

    assert csv_file.rows[0].get("GEMEENTECODEGM") == "GM0344"


def test_empty_file_raises_clear_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\r\n")

    with pytest.raises(ImportFileError, match="is empty"):
        read_csv(path, required_columns=["CODE"])


def test_summary_lists_counts_and_out_of_scope_only_when_there_are_any():
    result = ImportResult(created=2, updated=1, unchanged=3)
    result.skip(7, "bad")

    assert result.summary() == "2 created, 1 updated, 3 unchanged, 1 skipped"
    result.out_of_scope = 5
    assert result.summary().endswith(", 5 out of scope")
