import pathlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core.demo.builder import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DemoWorldBuilder,
    delete_demo_world,
    demo_logins,
    demo_world_exists,
)
from core.demo.reference import missing_reference_files


class Command(BaseCommand):
    help = _(
        "Build a believable demo world: Utrecht and Dordrecht with their real schools, "
        "Taal Doet Meer and Stichting Lina with volunteers, pupils, referrals, matches, "
        "contact moments and funding agreements over two school years, and one demo login "
        "per role. Does nothing when the demo world exists already (use --reset to rebuild)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help=_("Multiply volunteers, pupils and contact moments, e.g. 50 for benchmarks."),
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=_("Random seed (default 2026).")
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=_("Delete the existing demo world first and build it again."),
        )
        parser.add_argument(
            "--data-dir",
            type=pathlib.Path,
            default=None,
            help=_("Folder with cbs/ and duo/ reference files (default: REFERENCE_DATA_DIR)."),
        )

    def handle(self, *args, scale: int, seed: int, reset: bool, data_dir, **options):
        if scale < 1:
            raise CommandError(_("--scale must be at least 1."))
        data_dir = data_dir or pathlib.Path(settings.REFERENCE_DATA_DIR)
        started = time.perf_counter()
        exists = demo_world_exists()
        if exists and not reset:
            self.stdout.write(
                _("The demo world exists already; nothing changed. Use --reset to rebuild it.")
            )
            self._write_logins()
            return
        # Check the files before deleting anything, so a wrong folder leaves the world as it was.
        missing = missing_reference_files(data_dir=data_dir)
        if missing:
            raise CommandError(
                _(
                    "Reference data not found: %(files)s. Nothing changed. Put the CBS and DUO "
                    "files in %(folder)s, or point REFERENCE_DATA_DIR or --data-dir to them."
                )
                % {"files": ", ".join(str(path) for path in missing), "folder": data_dir}
            )

        builder = DemoWorldBuilder(data_dir=data_dir, seed=seed, scale=scale, log=self.stdout.write)
        # Delete and rebuild in one transaction: if the build fails, the old world stays.
        with transaction.atomic():
            if exists:
                delete_demo_world()
            counts = builder.build()
        if exists:
            self.stdout.write(_("Deleted the existing demo world."))

        self.stdout.write("")
        self.stdout.write(_("Timings (seconds):"))
        for label, seconds in builder.timings:
            self.stdout.write(f"  {label:<28} {seconds:8.2f}")
        self.stdout.write(_("Created:"))
        for label, count in counts.items():
            self.stdout.write(f"  {label:<28} {count:8d}")
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo world built (scale %(scale)d, seed %(seed)d) in %(seconds).1f s.")
                % {"scale": scale, "seed": seed, "seconds": time.perf_counter() - started}
            )
        )
        self._write_logins()

    def _write_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            return
        role_width = max(len(_("Role")), *(len(login.role) for login in logins))
        email_width = max(len(_("Email")), *(len(login.email) for login in logins))
        self.stdout.write("")
        self.stdout.write(_("Demo logins (password: %(password)s)") % {"password": DEMO_PASSWORD})
        self.stdout.write(
            f"  {_('Role'):<{role_width}}  {_('Email'):<{email_width}}  {_('Organisation')}"
        )
        for login in logins:
            self.stdout.write(
                f"  {login.role:<{role_width}}  {login.email:<{email_width}}  {login.organisation}"
            )
