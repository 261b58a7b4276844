"""Forms of core: the administrators' upload of a reference data file.

The form checks the upload as far as it can without parsing it (size, name,
first bytes: ``core.imports.check_upload``); the import service reads and
checks the whole file.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .imports import ALLOWED_EXTENSIONS, ImportFileError, check_upload


class ReferenceFileKind(models.TextChoices):
    """The reference data files that can be imported, in the order to import them."""

    MUNICIPALITIES = "cbs_municipalities", _("CBS municipalities (Gemeenten alfabetisch)")
    SCHOOLS = "duo_schools", _("DUO school locations (Adressen alle vestigingen, PO or VO)")
    PUPIL_COUNTS = "duo_pupil_counts", _("DUO pupil counts per school location")


class ReferenceImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of file"),
        choices=ReferenceFileKind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Import the municipalities first, then the school locations, then the pupil counts: "
            "each needs the one before it."
        ),
    )
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.FileInput(attrs={"accept": ",".join((*ALLOWED_EXTENSIONS, "text/csv"))}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The file as published by CBS or DUO: CSV (.csv or .txt), at most %(max)s."
        ) % {"max": filesizeformat(settings.IMPORT_MAX_BYTES)}

    def clean_file(self):
        file = self.cleaned_data["file"]
        try:
            check_upload(file)
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc), code="invalid_file") from exc
        return file
