"""Writes for municipalities: the CBS reference-data import."""

from __future__ import annotations

import pathlib
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.imports import ImportResult, changed_fields, field_problems, read_csv

from .models import Municipality

_CBS_CODE = re.compile(r"^GM\d{4}$")

# Columns of CBS's "Gemeenten alfabetisch" list; upper-cased as read_csv compares them.
CBS_CODE = "GEMEENTECODEGM"
CBS_NAME = "GEMEENTENAAM"
CBS_PROVINCE = "PROVINCIENAAM"


@transaction.atomic
def import_municipalities(*, path: pathlib.Path) -> ImportResult:
    """Create or update municipalities from a CBS municipality list, keyed on the CBS code.

    Reads ``GemeentecodeGM`` (e.g. GM0344), ``Gemeentenaam`` and ``Provincienaam``;
    comma- or semicolon-separated. Municipalities missing from the file are left
    alone (a merged municipality may still have schools and agreements).
    Raises ``core.imports.ImportFileError`` for a file that cannot be imported.
    """
    csv_file = read_csv(
        path, required_columns=[CBS_CODE, CBS_NAME, CBS_PROVINCE], delimiters=(",", ";")
    )
    result = ImportResult()
    result.skipped.extend(csv_file.invalid_rows)

    existing = {m.cbs_code: m for m in Municipality.objects.all()}
    seen: dict[str, int] = {}
    to_create: list[Municipality] = []
    to_update: list[Municipality] = []
    now = timezone.now()

    for row in csv_file.rows:
        code = row.get(CBS_CODE).upper()
        values = {"name": row.get(CBS_NAME), "province": row.get(CBS_PROVINCE)}
        if not _CBS_CODE.match(code):
            result.skip(row.line_number, _("invalid CBS code %(code)r") % {"code": code})
            continue
        if not values["name"]:
            result.skip(row.line_number, _("municipality %(code)s has no name") % {"code": code})
            continue
        if problem := field_problems(Municipality, values):
            result.skip(row.line_number, problem)
            continue
        if code in seen:
            result.skip(
                row.line_number,
                _("%(code)s appears again (first on line %(line)d)")
                % {"code": code, "line": seen[code]},
            )
            continue
        seen[code] = row.line_number

        municipality = existing.get(code)
        if municipality is None:
            to_create.append(Municipality(cbs_code=code, **values))
        elif changed := changed_fields(municipality, values):
            for name in changed:
                setattr(municipality, name, values[name])
            municipality.updated_at = now
            to_update.append(municipality)
        else:
            result.unchanged += 1

    Municipality.objects.bulk_create(to_create, batch_size=500)
    Municipality.objects.bulk_update(
        to_update, fields=["name", "province", "updated_at"], batch_size=500
    )
    result.created = len(to_create)
    result.updated = len(to_update)
    result.skipped.sort()
    return result
