"""The import pipeline refuses what is not a CSV file it can read, and writes nothing.

The fixtures are small slices of the real files in shared/data (the CBS list
and DUO's primary school locations), written by the tests, and real small
files of the kinds people send by mistake: an Excel workbook, a ZIP archive,
a PDF.
"""

from __future__ import annotations

import gzip
import io
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from core.imports import ImportFileError, check_upload, import_source, read_csv
from municipality.models import Municipality
from municipality.services import import_municipalities
from municipality.tests.factories import MunicipalityFactory
from schools.models import SchoolBoard, SchoolLocation
from schools.services import import_duo_schools

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent

# The first lines of cbs/gemeenten-alfabetisch-2023.csv (comma-separated, UTF-8).
CBS_SLICE = (
    "Gemeentecode,GemeentecodeGM,Gemeentenaam,Provinciecode,ProvinciecodePV,Provincienaam\r\n"
    "1680,GM1680,Aa en Hunze,22,PV22,Drenthe\r\n"
    "0358,GM0358,Aalsmeer,27,PV27,Noord-Holland\r\n"
    "0059,GM0059,Achtkarspelen,21,PV21,Fryslân\r\n"
)
# The first lines of duo/02-alle-schoolvestigingen-basisonderwijs.csv, the
# columns the import reads (semicolon-separated, Windows-1252, CRLF).
PO_SLICE = (
    "PROVINCIE;BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;STRAATNAAM;"
    "HUISNUMMER-TOEVOEGING;POSTCODE;PLAATSNAAM;GEMEENTENUMMER;GEMEENTENAAM;DENOMINATIE;"
    "TELEFOONNUMMER;INTERNETADRES\r\n"
    "Drenthe;20091;32JK;32JK00;BBS de Verwondering;Melkweg;13;9306 TC;"
    "ALTEVEER GEM NOORDENVELD;1699;NOORDENVELD;Algemeen bijzonder; ; \r\n"
    "Drenthe;32073;03WU;03WU00;Kindcentrum De Wegwijzer;Harm Tiesingstraat;74;9571 AZ;"
    "2E EXLOERMOND;1681;BORGER-ODOORN;Protestants-Christelijk;0599671206;www.ckcdewegwijzer.nl\r\n"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def po_municipalities():
    MunicipalityFactory(cbs_code="GM1699", name="Noordenveld")
    MunicipalityFactory(cbs_code="GM1681", name="Borger-Odoorn")


def xlsx_bytes() -> bytes:
    """A real (minimal) Excel workbook: a ZIP archive of the parts Excel writes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        workbook.writestr("xl/workbook.xml", "<workbook/>")
        workbook.writestr("xl/worksheets/sheet1.xml", f"<worksheet>{CBS_SLICE}</worksheet>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    """A ZIP archive with the CSV file inside, as some open data portals hand it out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gemeenten-alfabetisch-2023.csv", CBS_SLICE)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF (what a 'download as PDF' button gives)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def old_xls_bytes() -> bytes:
    """The start of an Excel 97-2003 workbook (.xls): an OLE2 compound file header."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"


def write(tmp_path, name: str, content: bytes) -> pathlib.Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


# --- Size -----------------------------------------------------------------------


def test_file_over_import_max_bytes_is_refused_before_it_is_read(tmp_path, settings, monkeypatch):
    settings.IMPORT_MAX_BYTES = 100
    path = write(tmp_path, "gemeenten.csv", CBS_SLICE.encode())  # about 200 bytes
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: pytest.fail("the file was read"))

    with pytest.raises(
        ImportFileError, match=r"The file is 2\d\d\sbytes; files of at most 100\sbytes"
    ):
        import_municipalities(path=path)

    assert not Municipality.objects.exists()


def test_file_within_the_limit_is_imported(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = len(CBS_SLICE.encode())
    path = write(tmp_path, "gemeenten.csv", CBS_SLICE.encode())

    assert import_municipalities(path=path).created == 3


def test_upload_over_the_limit_is_refused_even_if_its_size_says_otherwise(settings):
    settings.IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("gemeenten.csv", CBS_SLICE.encode(), content_type="text/csv")
    upload.size = 50  # what a client claims does not count

    with pytest.raises(ImportFileError, match=r"at most 100\sbytes"):
        import_municipalities(file=upload)

    assert not Municipality.objects.exists()


def test_import_max_mb_sets_the_limit_and_a_bad_value_stops_start_up():
    def start(value: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(DJANGO_SETTINGS_MODULE="config.settings.test", IMPORT_MAX_MB=value)
        code = "import django; django.setup(); from django.conf import settings; "
        code += "print(settings.IMPORT_MAX_BYTES)"
        return subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )

    assert start("3").stdout.strip() == str(3 * 1024 * 1024)
    refused = start("0")
    assert refused.returncode != 0
    assert "IMPORT_MAX_MB=0 must be at least 1" in refused.stderr


# --- Not a CSV file ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("gemeenten.xlsx", xlsx_bytes(), "spreadsheet workbook"),
        # renamed, it is still a workbook
        ("gemeenten.csv", xlsx_bytes(), "spreadsheet workbook"),
        ("gemeenten.xls", old_xls_bytes(), "spreadsheet workbook"),
        ("gemeenten.zip", zip_bytes(), "compressed archive"),
        ("gemeenten.csv.gz", gzip.compress(CBS_SLICE.encode()), "compressed archive"),
        ("gemeenten.pdf", pdf_bytes(), "PDF document"),
        ("gemeenten.csv", pdf_bytes(), "PDF document"),
    ],
)
def test_spreadsheets_archives_and_pdfs_are_refused_with_what_they_are(
    tmp_path, name, content, message
):
    MunicipalityFactory(cbs_code="GM1680", name="Distinctive Untouched Name")
    path = write(tmp_path, name, content)

    with pytest.raises(ImportFileError, match=message) as refused:
        import_municipalities(path=path)

    assert "not CSV" in str(refused.value)
    assert Municipality.objects.get().name == "Distinctive Untouched Name"


def test_workbook_message_says_how_to_save_it_as_csv(tmp_path):
    path = write(tmp_path, "gemeenten.xlsx", xlsx_bytes())

    with pytest.raises(ImportFileError, match="Save it as CSV first"):
        import_municipalities(path=path)


def test_nul_byte_after_the_first_kilobytes_is_refused(tmp_path, po_municipalities):
    # Every line is valid; one far down holds a NUL, as a damaged download does.
    header, *rows = PO_SLICE.split("\r\n")
    filler = [rows[1].replace("03WU00", f"03WU{n:02d}") for n in range(1, 60)]
    text = "\r\n".join([header, rows[0], *filler, rows[1].replace("Harm", "Ha\x00rm"), ""])
    path = write(tmp_path, "po.csv", text.encode("cp1252"))
    assert text.index("\x00") > 4096

    with pytest.raises(ImportFileError, match="looks binary"):
        import_duo_schools(path=path)

    assert not SchoolLocation.objects.exists()
    assert not SchoolBoard.objects.exists()


def test_other_control_bytes_are_refused_as_binary(tmp_path):
    path = write(tmp_path, "gemeenten.csv", CBS_SLICE.replace("Aalsmeer", "Aals\x07meer").encode())

    with pytest.raises(ImportFileError, match="looks binary"):
        import_municipalities(path=path)

    assert not Municipality.objects.exists()


def test_utf16_with_byte_order_mark_is_text_despite_its_nul_bytes(tmp_path):
    # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
    text = CBS_SLICE.replace(",", "\t")
    path = write(tmp_path, "gemeenten.txt", text.encode("utf-16"))

    csv_file = read_csv(path, required_columns=["GemeentecodeGM"], delimiters=("\t",))

    assert [row.get("GEMEENTENAAM") for row in csv_file.rows] == [
        "Aa en Hunze",
        "Aalsmeer",
        "Achtkarspelen",
    ]


def test_dos_end_of_file_mark_is_not_binary(tmp_path):
    path = write(tmp_path, "gemeenten.csv", CBS_SLICE.encode() + b"\x1a")

    assert import_municipalities(path=path).created == 3


@pytest.mark.parametrize("name", ["gemeenten.json", "gemeenten", "gemeenten.csv.bak"])
def test_text_with_an_unknown_extension_is_refused(tmp_path, name):
    path = write(tmp_path, name, CBS_SLICE.encode())

    with pytest.raises(
        ImportFileError, match=f"ending in .csv or .txt, can be imported, not “{name}”"
    ):
        import_municipalities(path=path)

    assert not Municipality.objects.exists()


def test_txt_and_upper_case_csv_extensions_are_accepted(tmp_path):
    assert (
        import_municipalities(path=write(tmp_path, "gemeenten.txt", CBS_SLICE.encode())).created
        == 3
    )
    assert (
        import_municipalities(path=write(tmp_path, "GEMEENTEN.CSV", CBS_SLICE.encode())).unchanged
        == 3
    )


# --- Readable, but not the file asked for ------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\r\n", b"  \n\n"])
def test_empty_file_is_refused_and_writes_nothing(tmp_path, po_municipalities, content):
    path = write(tmp_path, "po.csv", content)

    with pytest.raises(ImportFileError, match="is empty"):
        import_duo_schools(path=path)

    assert not SchoolLocation.objects.exists()


def test_wrong_separator_is_refused_and_writes_nothing(tmp_path, po_municipalities):
    # The DUO file saved with tabs instead of semicolons.
    path = write(tmp_path, "po.csv", PO_SLICE.replace(";", "\t").encode("cp1252"))

    with pytest.raises(ImportFileError, match="not semicolon-separated"):
        import_duo_schools(path=path)

    assert not SchoolLocation.objects.exists()
    assert not SchoolBoard.objects.exists()


def test_the_cbs_file_given_as_the_duo_file_is_refused_for_its_missing_columns(
    tmp_path, po_municipalities
):
    path = write(tmp_path, "gemeenten.csv", CBS_SLICE.replace(",", ";").encode())

    with pytest.raises(ImportFileError, match="missing required columns: BEVOEGD GEZAG NUMMER"):
        import_duo_schools(path=path)

    assert not SchoolLocation.objects.exists()
    assert not SchoolBoard.objects.exists()


def test_a_bad_file_leaves_earlier_imports_as_they_were(tmp_path, po_municipalities):
    good = write(tmp_path, "po.csv", PO_SLICE.encode("cp1252"))
    import_duo_schools(path=good)
    bad = write(
        tmp_path,
        "po-new.csv",
        PO_SLICE.replace("BBS de Verwondering", "Ch\x00nged").encode("cp1252"),
    )

    with pytest.raises(ImportFileError):
        import_duo_schools(path=bad)

    assert set(SchoolLocation.objects.values_list("name", flat=True)) == {
        "BBS de Verwondering",
        "Kindcentrum De Wegwijzer",
    }


# --- Commands and uploads ------------------------------------------------------------


def test_command_reports_a_pdf_as_a_clear_error(tmp_path):
    path = write(tmp_path, "gemeenten.pdf", pdf_bytes())

    with pytest.raises(CommandError, match=r"gemeenten\.pdf: The file is a PDF document, not CSV"):
        call_command("import_municipalities", str(path))


def test_service_imports_an_uploaded_file(po_municipalities):
    upload = SimpleUploadedFile("po.csv", PO_SLICE.encode("cp1252"), content_type="text/csv")

    result = import_duo_schools(file=upload)

    assert result.created == 2
    assert SchoolLocation.objects.get(location_code="32JK00").name == "BBS de Verwondering"


def test_check_upload_refuses_by_the_first_bytes_and_rewinds_an_accepted_file(settings):
    with pytest.raises(ImportFileError, match="spreadsheet workbook"):
        check_upload(SimpleUploadedFile("gemeenten.csv", xlsx_bytes()))
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ImportFileError, match=r"at most 10\sbytes"):
        check_upload(SimpleUploadedFile("gemeenten.csv", CBS_SLICE.encode()))
    settings.IMPORT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("gemeenten.csv", CBS_SLICE.encode())

    check_upload(upload)

    assert upload.read() == CBS_SLICE.encode()


def test_a_service_takes_a_path_or_a_file_not_both(tmp_path):
    path = write(tmp_path, "gemeenten.csv", CBS_SLICE.encode())

    with pytest.raises(TypeError):
        import_source()
    with pytest.raises(TypeError):
        import_source(path=path, file=SimpleUploadedFile("g.csv", b"x"))
    assert import_source(path=path) == path
