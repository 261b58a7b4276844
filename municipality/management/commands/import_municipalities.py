import pathlib

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.imports import ImportFileError, write_result
from municipality.services import import_municipalities


class Command(BaseCommand):
    help = _(
        "Create or update municipalities from the CBS municipality list "
        "(Gemeenten alfabetisch), e.g. ../shared/data/cbs/gemeenten-alfabetisch-2023.csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=pathlib.Path, help=_("CSV file from CBS"))

    def handle(self, *args, path: pathlib.Path, **options):
        try:
            result = import_municipalities(path=path)
        except ImportFileError as exc:
            raise CommandError(_("%(path)s: %(error)s") % {"path": path, "error": exc}) from exc
        write_result(self, result, label=_("Municipalities"))
