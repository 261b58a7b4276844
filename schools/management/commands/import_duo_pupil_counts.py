import pathlib

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.imports import ImportFileError, write_result
from schools.services import import_duo_pupil_counts


class Command(BaseCommand):
    help = _(
        "Create or update pupil counts per school location and school year from DUO, e.g. "
        "../shared/data/duo/06-historisch-overzicht-aantal-leerlingen-per-schoolvestiging.csv. "
        "Import the school locations first; rows for other locations are out of scope."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=pathlib.Path, help=_("CSV file from DUO"))

    def handle(self, *args, path: pathlib.Path, **options):
        try:
            result = import_duo_pupil_counts(path=path)
        except ImportFileError as exc:
            raise CommandError(_("%(path)s: %(error)s") % {"path": path, "error": exc}) from exc
        write_result(self, result, label=_("Pupil counts per school year"))
