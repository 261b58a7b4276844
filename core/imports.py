"""Shared pieces for importing reference data from CSV files (CBS, DUO).

Files are read as their publishers actually produce them: UTF-8 with or
without a byte order mark, or Windows-1252; CRLF or LF line endings; quoted
fields with doubled quotes. The whole file is checked before anything is
written, so a malformed file raises :class:`ImportFileError` and an import
service can refuse it without touching the database.

A file comes from a path (the management commands) or from an upload (the
import page); both pass the same checks: at most ``IMPORT_MAX_BYTES``, a
``.csv`` or ``.txt`` name, and text: no spreadsheet, archive or PDF, no NUL
or other control bytes. The upload form runs them on the file's first bytes
(:func:`check_upload`) to answer at once; :func:`read_csv` runs them on the
whole file. A browser's declared content type is not trusted: the content
decides.
"""

from __future__ import annotations

import codecs
import csv
import io
import pathlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# A file to import: a path (management commands) or an uploaded file.
ImportSource = pathlib.Path | File

ALLOWED_EXTENSIONS = (".csv", ".txt")
# How much of an upload the form looks at before accepting it.
HEAD_BYTES = 64 * 1024
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control characters that text CSV does not hold: all C0 controls except tab,
# line feed, vertical tab, form feed, carriage return, and the old DOS
# end-of-file mark (0x1A). In UTF-8 and Windows-1252 these bytes are always
# these characters, so the bytes can be checked before decoding.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x19\x1b-\x1f]")
# File formats that are mistaken for CSV, by their first bytes.
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")  # also .xlsx, .ods, .docx
_GZIP = b"\x1f\x8b"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files: .xls, .doc
_PDF = b"%PDF-"
# Names a ZIP archive of a spreadsheet holds near its start.
_SPREADSHEET_MARKS = (b"[Content_Types].xml", b"xl/", b"opendocument.spreadsheet")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, wrong format, missing columns)."""


@dataclass
class ImportResult:
    """What an import did: counts per outcome and every skipped line with its reason."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    out_of_scope: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def skip(self, line_number: int, reason: str) -> None:
        self.skipped.append((line_number, reason))

    def summary(self) -> str:
        text = _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d skipped"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
        }
        if self.out_of_scope:
            text += _(", %(count)d out of scope") % {"count": self.out_of_scope}
        return text


@dataclass(frozen=True)
class CsvRow:
    """One data row: the line it starts on and its values by (upper-case) column name."""

    line_number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        """The stripped value; DUO writes a single space for "no value", which becomes ""."""
        return self.values.get(column, "").strip()


@dataclass
class CsvFile:
    columns: list[str]
    rows: list[CsvRow]
    invalid_rows: list[tuple[int, str]]
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding): a BOM decides; else strict UTF-8; else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith(_UTF16_BOMS):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _("The file could not be read as UTF-8 or Windows-1252 text. Export it again as CSV.")
    )


def import_source(*, path: pathlib.Path | None = None, file: File | None = None) -> ImportSource:
    """The one of ``path`` and ``file`` an import service was given."""
    if (path is None) == (file is None):
        raise TypeError("Pass either path or file.")
    return path if path is not None else file


def check_size(size: int) -> None:
    """Refuse a file larger than ``IMPORT_MAX_BYTES`` (the IMPORT_MAX_MB setting)."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            _("The file is %(size)s; files of at most %(max)s can be imported.")
            % {"size": filesizeformat(size), "max": filesizeformat(limit)}
        )


def check_content(name: str, data: bytes) -> None:
    """Refuse what is not a text CSV file, by its name and its (first) bytes.

    The format is told by its content first, so an Excel workbook gets the
    advice to save it as CSV whatever it is called; then the name must end
    in .csv or .txt.
    """
    spreadsheet = data.startswith(_OLE2) or (
        data.startswith(_ZIP) and any(mark in data[:4096] for mark in _SPREADSHEET_MARKS)
    )
    if spreadsheet:
        raise ImportFileError(
            _(
                "The file is a spreadsheet workbook (such as .xlsx or .xls), not CSV. "
                "Save it as CSV first: in Excel choose Save as and the type CSV."
            )
        )
    if data.startswith((*_ZIP, _GZIP)):
        raise ImportFileError(
            _("The file is a compressed archive (ZIP or gzip), not CSV. Unpack it first.")
        )
    if data.startswith(_PDF):
        raise ImportFileError(
            _("The file is a PDF document, not CSV. Download the data from DUO or CBS as CSV.")
        )
    if not data.startswith(_UTF16_BOMS) and _CONTROL_BYTES.search(data):
        raise ImportFileError(
            _("The file looks binary (an Excel workbook?), not CSV. Export it as CSV first.")
        )
    if pathlib.PurePath(name).suffix.lower() not in ALLOWED_EXTENSIONS:
        raise ImportFileError(
            _("Only CSV files, ending in .csv or .txt, can be imported, not “%(name)s”.")
            % {"name": pathlib.PurePath(name).name or name}
        )
    if not data.strip():
        raise ImportFileError(_("The file %(path)s is empty.") % {"path": name})


def check_upload(file: File) -> None:
    """The checks of :func:`read_csv` that need no parsing, on an upload's first bytes.

    For the upload form, so that a wrong file is refused before an import
    service is called; the service checks the whole file again.
    """
    check_size(file.size)
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    check_content(file.name or "", head)


def read_bytes(source: ImportSource) -> tuple[str, bytes]:
    """(name, content) of a path or an uploaded file, refusing one that is too large.

    The size is checked before the content is read.
    """
    if isinstance(source, pathlib.Path):
        try:
            check_size(source.stat().st_size)
            return str(source), source.read_bytes()
        except OSError as exc:
            raise ImportFileError(
                _("Cannot read %(path)s: %(error)s")
                % {"path": source, "error": exc.strerror or exc}
            ) from exc
    name = pathlib.PurePath(source.name or "").name
    check_size(source.size)
    source.seek(0)
    # Never more than one byte over the limit, whatever the size said.
    data = source.read(settings.IMPORT_MAX_BYTES + 1)
    check_size(len(data))
    return name, data


def read_csv(
    source: ImportSource,
    *,
    required_columns: Iterable[str],
    delimiters: tuple[str, ...] = (";",),
) -> CsvFile:
    """Read and check a whole CSV file, from a path or an uploaded file.

    The file must pass :func:`check_size` and :func:`check_content`. Column
    names are compared stripped and upper-cased. The first delimiter
    in ``delimiters`` with which the header has all ``required_columns`` is
    used. Rows with the wrong number of fields are returned in
    ``invalid_rows`` (line number, reason) for the caller to report; blank
    lines are ignored. Line numbers count physical lines, the header is 1.
    """
    required = [column.upper() for column in required_columns]
    name, data = read_bytes(source)
    check_content(name, data)
    text, encoding = decode(data)

    header_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _choose_delimiter(header_line, required, delimiters)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().upper() for name in next(reader)]
        rows: list[CsvRow] = []
        invalid: list[tuple[int, str]] = []
        while True:
            line_number = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            if not any(value.strip() for value in fields):
                continue
            if len(fields) > len(header) and not any(v.strip() for v in fields[len(header) :]):
                fields = fields[: len(header)]  # trailing empty fields, e.g. a final ";"
            if len(fields) != len(header):
                invalid.append(
                    (
                        line_number,
                        _("expected %(expected)d fields, found %(found)d")
                        % {"expected": len(header), "found": len(fields)},
                    )
                )
                continue
            rows.append(CsvRow(line_number, dict(zip(header, fields, strict=True))))
    except csv.Error as exc:
        raise ImportFileError(
            _("The file is not valid CSV near line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    return CsvFile(columns=header, rows=rows, invalid_rows=invalid, encoding=encoding)


def _choose_delimiter(header_line: str, required: list[str], delimiters: tuple[str, ...]) -> str:
    if len(required) > 1 and not any(delimiter in header_line for delimiter in delimiters):
        raise ImportFileError(
            _("The file is not %(expected)s-separated: its first line has no %(chars)s.")
            % {
                "expected": " / ".join(_delimiter_name(d) for d in delimiters),
                "chars": " ".join(repr(d) for d in delimiters),
            }
        )
    first_missing: list[str] = []
    for delimiter in delimiters:
        header = {
            name.strip().upper() for name in next(csv.reader([header_line], delimiter=delimiter))
        }
        missing = [column for column in required if column not in header]
        if not missing:
            return delimiter
        first_missing = first_missing or missing
    raise ImportFileError(
        _("The file is missing required columns: %(columns)s.")
        % {"columns": ", ".join(first_missing)}
    )


def _delimiter_name(delimiter: str) -> str:
    names = {";": _("semicolon"), ",": _("comma"), "\t": _("tab")}
    return names.get(delimiter, repr(delimiter))


def field_problems(model: type[models.Model], values: dict[str, str]) -> str | None:
    """A reason if a value does not fit its CharField's max_length, else None.

    Cheaper than ``full_clean()`` (which queries for unique checks), so it
    can run for thousands of rows.
    """
    for name, value in values.items():
        model_field = model._meta.get_field(name)
        max_length = getattr(model_field, "max_length", None)
        if max_length and isinstance(value, str) and len(value) > max_length:
            return _("%(field)s is longer than %(max)d characters") % {
                "field": model_field.verbose_name,
                "max": max_length,
            }
    return None


def changed_fields(instance: models.Model, values: dict[str, object]) -> list[str]:
    """Names of the fields in ``values`` whose value differs from ``instance``'s."""
    return [name for name, value in values.items() if getattr(instance, name) != value]


def write_result(command: BaseCommand, result: ImportResult, *, label: str) -> None:
    """Print an import's counts and every skipped line, for a management command."""
    command.stdout.write(command.style.SUCCESS(f"{label}: {result.summary()}"))
    for line_number, reason in result.skipped:
        command.stdout.write(
            command.style.WARNING(
                _("Line %(line)d skipped: %(reason)s") % {"line": line_number, "reason": reason}
            )
        )
