import pathlib
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.imports import ImportFileError, write_result
from schools.services import import_duo_schools


class Command(BaseCommand):
    help = _(
        "Create or update school boards and school locations from a DUO location file "
        "(PO or VO), e.g. ../shared/data/duo/02-alle-schoolvestigingen-basisonderwijs.csv. "
        "Import the municipalities first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=pathlib.Path, help=_("CSV file from DUO"))
        parser.add_argument(
            "--municipality",
            action="append",
            dest="municipalities",
            metavar="GM0344",
            help=_("Only import schools in this municipality (CBS code); may be repeated."),
        )

    def handle(self, *args, path: pathlib.Path, municipalities: list[str] | None, **options):
        codes = None
        if municipalities:
            codes = {code.strip().upper() for code in municipalities}
            if invalid := sorted(c for c in codes if not re.fullmatch(r"GM\d{4}", c)):
                raise CommandError(
                    _("Not a CBS municipality code (use the form GM0344): %(codes)s")
                    % {"codes": ", ".join(invalid)}
                )
        try:
            result = import_duo_schools(path=path, municipality_codes=codes)
        except ImportFileError as exc:
            raise CommandError(_("%(path)s: %(error)s") % {"path": path, "error": exc}) from exc
        write_result(self, result, label=_("School locations"))
