"""Writes for schools: the DUO reference-data imports.

DUO open onderwijsdata publishes one file per sector with school locations
(*vestigingen*) and a separate file with pupil counts per location per year.
Both imports are upserts: running one twice changes nothing the second time.
"""

from __future__ import annotations

import pathlib
import re

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.imports import (
    CsvFile,
    ImportFileError,
    ImportResult,
    changed_fields,
    field_problems,
    import_source,
    read_csv,
)
from municipality.models import Municipality

from .models import SchoolBoard, SchoolLocation, SchoolYearFigure

_LOCATION_CODE = re.compile(r"^[0-9A-Z]{4}[0-9]{2}$")
_BRIN = re.compile(r"^[0-9A-Z]{4}$")
_MUNICIPALITY_NUMBER = re.compile(r"^\d{1,4}$")
_BOARD_NUMBER = re.compile(r"^\d{1,10}$")

# Columns of DUO's "Adressen alle vestigingen" files (PO, VO).
BOARD_NUMBER = "BEVOEGD GEZAG NUMMER"
BRIN = "INSTELLINGSCODE"
LOCATION_CODE = "VESTIGINGSCODE"
NAME = "VESTIGINGSNAAM"
MUNICIPALITY_NUMBER = "GEMEENTENUMMER"
MUNICIPALITY_NAME = "GEMEENTENAAM"
ADDRESS_COLUMNS = {
    "street": "STRAATNAAM",
    "house_number": "HUISNUMMER-TOEVOEGING",
    "postcode": "POSTCODE",
    "city": "PLAATSNAAM",
    "phone": "TELEFOONNUMMER",
    "website": "INTERNETADRES",
    "denomination": "DENOMINATIE",
}
# Optional columns.
EDUCATION_STRUCTURE = "ONDERWIJSSTRUCTUUR"  # only in the VO file
BOARD_NAME_COLUMNS = ("BEVOEGD GEZAG NAAM", "NAAM BEVOEGD GEZAG")
TYPE_COLUMNS = ("SOORT VESTIGING", "SOORT_VESTIGING", "SOORT PO", "SOORT_PO")
SPECIAL_EDUCATION_TYPES = {"SO", "VSO", "SO/VSO", "(V)SO", "SO-VSO", "VSO/SO"}

REQUIRED_COLUMNS = [
    BOARD_NUMBER,
    BRIN,
    LOCATION_CODE,
    NAME,
    MUNICIPALITY_NUMBER,
    *ADDRESS_COLUMNS.values(),
]
IMPORTED_FIELDS = [
    "brin",
    "name",
    "board_id",
    "municipality_id",
    "sector",
    *ADDRESS_COLUMNS,
    "education_structure",
]

# Pupil counts: "LEERLINGEN_2024" is the count on 1 October 2024, school year 2024-2025.
_PUPIL_COUNT_COLUMN = re.compile(r"^LEERLINGEN_(\d{4})$")
PUPILS_BELOW_FIVE = "<5"


def municipality_code(number: str) -> str:
    """DUO's GEMEENTENUMMER ("344", "0344") as a CBS code ("GM0344")."""
    return f"GM{number.zfill(4)}"


def sector_rule(columns: list[str]) -> tuple[str | None, str]:
    """How a file's rows get their sector: (type column or None, default sector).

    A row whose type column (e.g. SOORT_VESTIGING) says SO, VSO or SO/VSO is
    special education (SO); SBO (speciaal basisonderwijs) falls under the
    primary education act and stays PO. Without such a value, a file with the
    ONDERWIJSSTRUCTUUR column is DUO's VO file, any other file is PO.
    """
    type_column = next((c for c in TYPE_COLUMNS if c in columns), None)
    default = (
        SchoolLocation.Sector.VO if EDUCATION_STRUCTURE in columns else SchoolLocation.Sector.PO
    )
    return type_column, default


@transaction.atomic
def import_duo_schools(
    *,
    path: pathlib.Path | None = None,
    file: File | None = None,
    municipality_codes: set[str] | None = None,
) -> ImportResult:
    """Create or update school boards and locations from a DUO location file.

    The file is a ``path`` or an uploaded ``file`` (one of the two).

    Upserts locations on VESTIGINGSCODE and boards on BEVOEGD GEZAG NUMMER.
    Municipalities must exist already (import the CBS list first); a row in an
    unknown municipality is skipped with that reason. With
    ``municipality_codes`` only rows in those municipalities are imported; the
    others count as out of scope. Raises ``core.imports.ImportFileError`` for a
    file that cannot be imported; then nothing is written.
    """
    csv_file = read_csv(import_source(path=path, file=file), required_columns=REQUIRED_COLUMNS)
    result = ImportResult()
    result.skipped.extend(csv_file.invalid_rows)

    municipalities = dict(Municipality.objects.values_list("cbs_code", "pk"))
    board_name_column = next((c for c in BOARD_NAME_COLUMNS if c in csv_file.columns), None)
    type_column, default_sector = sector_rule(csv_file.columns)

    rows = _valid_location_rows(
        csv_file,
        result,
        municipalities=municipalities,
        municipality_codes=municipality_codes,
        board_name_column=board_name_column,
        type_column=type_column,
        default_sector=default_sector,
    )
    boards = _upsert_boards({values["board_number"]: values["board_name"] for values in rows})

    existing = {location.location_code: location for location in SchoolLocation.objects.all()}
    to_create: list[SchoolLocation] = []
    to_update: list[SchoolLocation] = []
    now = timezone.now()
    for values in rows:
        code = values.pop("location_code")
        values["board_id"] = boards[values.pop("board_number")]
        del values["board_name"]
        location = existing.get(code)
        if location is None:
            to_create.append(SchoolLocation(location_code=code, **values))
        elif changed := changed_fields(location, values):
            for name in changed:
                setattr(location, name, values[name])
            location.updated_at = now
            to_update.append(location)
        else:
            result.unchanged += 1

    SchoolLocation.objects.bulk_create(to_create, batch_size=500)
    SchoolLocation.objects.bulk_update(
        to_update, fields=[*IMPORTED_FIELDS, "updated_at"], batch_size=500
    )
    result.created = len(to_create)
    result.updated = len(to_update)
    result.skipped.sort()
    return result


def _valid_location_rows(
    csv_file: CsvFile,
    result: ImportResult,
    *,
    municipalities: dict[str, int],
    municipality_codes: set[str] | None,
    board_name_column: str | None,
    type_column: str | None,
    default_sector: str,
) -> list[dict]:
    """The rows that can be imported, as field values; every other row is reported."""
    seen: dict[str, int] = {}
    valid: list[dict] = []
    for row in csv_file.rows:
        line = row.line_number
        number = row.get(MUNICIPALITY_NUMBER)
        cbs_code = municipality_code(number) if _MUNICIPALITY_NUMBER.match(number) else None
        if municipality_codes is not None and cbs_code not in municipality_codes:
            result.out_of_scope += 1
            continue

        code = row.get(LOCATION_CODE).upper()
        brin = row.get(BRIN).upper()
        board_number = row.get(BOARD_NUMBER)
        if not _LOCATION_CODE.match(code):
            result.skip(line, _("invalid location code %(code)r") % {"code": code})
            continue
        if not _BRIN.match(brin) or not code.startswith(brin):
            result.skip(
                line,
                _("%(code)s: BRIN %(brin)r does not match the location code")
                % {"code": code, "brin": brin},
            )
            continue
        if code in seen:
            result.skip(
                line,
                _("%(code)s appears again (first on line %(line)d)")
                % {"code": code, "line": seen[code]},
            )
            continue
        seen[code] = line
        if cbs_code is None:
            result.skip(
                line,
                _("%(code)s: invalid municipality number %(number)r")
                % {"code": code, "number": number},
            )
            continue
        if cbs_code not in municipalities:
            result.skip(
                line,
                _("%(code)s: unknown municipality %(cbs_code)s (%(name)s); import it first")
                % {"code": code, "cbs_code": cbs_code, "name": row.get(MUNICIPALITY_NAME) or "?"},
            )
            continue
        if not _BOARD_NUMBER.match(board_number):
            result.skip(
                line,
                _("%(code)s: invalid board number %(number)r")
                % {"code": code, "number": board_number},
            )
            continue

        values = {
            "brin": brin,
            "name": row.get(NAME),
            "municipality_id": municipalities[cbs_code],
            "sector": _sector(row.get(type_column) if type_column else "", default_sector),
            **{name: row.get(column) for name, column in ADDRESS_COLUMNS.items()},
            "education_structure": row.get(EDUCATION_STRUCTURE),
        }
        if not values["name"]:
            result.skip(line, _("%(code)s has no name") % {"code": code})
            continue
        board_name = row.get(board_name_column) if board_name_column else ""
        problem = field_problems(SchoolLocation, values) or field_problems(
            SchoolBoard, {"number": board_number, "name": board_name}
        )
        if problem:
            result.skip(line, f"{code}: {problem}")
            continue
        valid.append(
            {
                **values,
                "location_code": code,
                "board_number": board_number,
                "board_name": board_name,
            }
        )
    return valid


def _sector(type_value: str, default: str) -> str:
    if type_value.upper().replace(" ", "") in SPECIAL_EDUCATION_TYPES:
        return SchoolLocation.Sector.SO
    return default


def _upsert_boards(names_by_number: dict[str, str]) -> dict[str, int]:
    """Create missing boards; set a board's name when the file has one. Returns pks by number."""
    existing = {board.number: board for board in SchoolBoard.objects.all()}
    now = timezone.now()
    to_create = [
        SchoolBoard(number=number, name=name)
        for number, name in names_by_number.items()
        if number not in existing
    ]
    to_update = []
    for number, name in names_by_number.items():
        board = existing.get(number)
        if board is not None and name and board.name != name:
            board.name = name
            board.updated_at = now
            to_update.append(board)
    SchoolBoard.objects.bulk_create(to_create, batch_size=500)
    SchoolBoard.objects.bulk_update(to_update, fields=["name", "updated_at"], batch_size=500)
    if to_create:
        return dict(SchoolBoard.objects.values_list("number", "pk"))
    return {number: board.pk for number, board in existing.items()}


@transaction.atomic
def import_duo_pupil_counts(
    *, path: pathlib.Path | None = None, file: File | None = None
) -> ImportResult:
    """Create or update pupil counts per school location and school year from DUO.

    The file is a ``path`` or an uploaded ``file`` (one of the two).

    Reads DUO's "historisch overzicht aantal leerlingen per schoolvestiging":
    VESTIGINGSCODE plus one LEERLINGEN_<year> column per year, the count on
    1 October of that year (school year <year>-<year+1>). ``<5`` is stored as
    an unknown count below five. A 0 means the location had no pupils that
    year (mostly: it did not exist yet) and stores nothing. Rows for locations
    that were not imported count as out of scope. The counts are of year
    figures; skipped entries are per line. The schoolweging is left alone.
    """
    csv_file = read_csv(import_source(path=path, file=file), required_columns=[LOCATION_CODE])
    years = {
        column: int(match[1])
        for column in csv_file.columns
        if (match := _PUPIL_COUNT_COLUMN.match(column))
    }
    if not years:
        raise ImportFileError(
            _("The file has no pupil count columns (LEERLINGEN_<year>, e.g. LEERLINGEN_2024).")
        )
    result = ImportResult()
    result.skipped.extend(csv_file.invalid_rows)

    schools = dict(SchoolLocation.objects.values_list("location_code", "pk"))
    existing = {
        (figure.school_id, figure.school_year): figure
        for figure in SchoolYearFigure.objects.filter(school_year__in=set(years.values()))
    }
    to_create: list[SchoolYearFigure] = []
    to_update: list[SchoolYearFigure] = []
    seen: dict[str, int] = {}
    for row in csv_file.rows:
        code = row.get(LOCATION_CODE).upper()
        if code not in schools:
            result.out_of_scope += 1
            continue
        if code in seen:
            result.skip(
                row.line_number,
                _("%(code)s appears again (first on line %(line)d)")
                % {"code": code, "line": seen[code]},
            )
            continue
        seen[code] = row.line_number
        for column, year in years.items():
            raw = row.get(column)
            if raw in ("", "0"):
                continue
            if raw == PUPILS_BELOW_FIVE:
                values = {"pupil_count": None, "pupil_count_below_five": True}
            elif raw.isdigit():
                values = {"pupil_count": int(raw), "pupil_count_below_five": False}
            else:
                result.skip(
                    row.line_number,
                    _("%(code)s: %(column)s %(value)r is not a number")
                    % {"code": code, "column": column, "value": raw},
                )
                continue
            figure = existing.get((schools[code], year))
            if figure is None:
                to_create.append(
                    SchoolYearFigure(school_id=schools[code], school_year=year, **values)
                )
            elif changed := changed_fields(figure, values):
                for name in changed:
                    setattr(figure, name, values[name])
                to_update.append(figure)
            else:
                result.unchanged += 1

    SchoolYearFigure.objects.bulk_create(to_create, batch_size=1000)
    SchoolYearFigure.objects.bulk_update(
        to_update, fields=["pupil_count", "pupil_count_below_five"], batch_size=500
    )
    result.created = len(to_create)
    result.updated = len(to_update)
    result.skipped.sort()
    return result
