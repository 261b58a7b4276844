"""The administrators' import page: upload a CBS or DUO reference data file.

Superusers only (anyone else signed in: 403; anonymous: the login page).
The page calls the same import services as the management commands; each
runs in one transaction and reads the whole file before writing, so a file
that cannot be imported changes nothing. The result is shown at once (it is
not stored): created, updated, unchanged and out-of-scope counts and every
skipped line with its reason. Reference data holds no personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from municipality.services import import_municipalities
from schools.services import import_duo_pupil_counts, import_duo_schools

from .forms import ReferenceFileKind, ReferenceImportForm
from .imports import ImportFileError, ImportResult

logger = logging.getLogger(__name__)

IMPORTERS: dict[str, Callable[..., ImportResult]] = {
    ReferenceFileKind.MUNICIPALITIES: import_municipalities,
    ReferenceFileKind.SCHOOLS: import_duo_schools,
    ReferenceFileKind.PUPIL_COUNTS: import_duo_pupil_counts,
}

# Skipped lines listed on the result page; the rest are counted.
MAX_SKIPPED_SHOWN = 500


@login_required
def reference_import(request):
    if not request.user.is_superuser:
        raise PermissionDenied
    if request.method != "POST":
        return render(request, "core/reference_import.html", {"form": ReferenceImportForm()})
    form = ReferenceImportForm(request.POST, request.FILES)
    if form.is_valid():
        kind = ReferenceFileKind(form.cleaned_data["kind"])
        file = form.cleaned_data["file"]
        try:
            result = IMPORTERS[kind](file=file)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            logger.info(
                "Reference data imported by user %s: %s, %s created, %s updated, %s skipped",
                request.user.pk,
                kind.value,
                result.created,
                result.updated,
                len(result.skipped),
            )
            context = {
                "kind": kind,
                "file_name": file.name,
                "result": result,
                "skipped_shown": result.skipped[:MAX_SKIPPED_SHOWN],
                "skipped_hidden": max(len(result.skipped) - MAX_SKIPPED_SHOWN, 0),
            }
            return render(request, "core/reference_import_result.html", context)
    return render(request, "core/reference_import.html", {"form": form})
