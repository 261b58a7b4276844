"""Reference data the demo world stands on: municipalities, wijken and real schools.

Municipalities and schools come from the CBS and DUO files through the
import services; the wijken are created here with the four-digit postcode
areas that belong to them, and every school without a wijk gets the one its
postcode falls in. The mapping is a plausible approximation for a demo, not
an official CBS wijk/postcode table.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.imports import ImportFileError
from municipality.models import Municipality, Neighbourhood
from municipality.services import import_municipalities
from schools.models import SchoolLocation
from schools.services import import_duo_pupil_counts, import_duo_schools

UTRECHT = "GM0344"
DORDRECHT = "GM0505"
DEMO_MUNICIPALITIES = (UTRECHT, DORDRECHT)

CBS_FILE = pathlib.Path("cbs") / "gemeenten-alfabetisch-2023.csv"
DUO_SCHOOL_FILES = (
    pathlib.Path("duo") / "02-alle-schoolvestigingen-basisonderwijs.csv",
    pathlib.Path("duo") / "alle-vestigingen-vo.csv",
)
DUO_PUPIL_COUNT_FILE = (
    pathlib.Path("duo") / "06-historisch-overzicht-aantal-leerlingen-per-schoolvestiging.csv"
)

# Wijk -> four-digit postcode areas.
NEIGHBOURHOODS: dict[str, dict[str, tuple[str, ...]]] = {
    UTRECHT: {
        "Binnenstad": ("3511", "3512"),
        "Noordoost": ("3513", "3514", "3571", "3572", "3573"),
        "Oost": ("3581", "3582", "3583", "3584", "3585"),
        "Zuid": ("3523", "3524", "3525"),
        "Zuidwest": ("3521", "3522", "3526", "3527", "3528"),
        "West": ("3531", "3532", "3533", "3534"),
        "Noordwest": ("3515", "3551", "3552", "3553", "3554", "3555"),
        "Overvecht": ("3561", "3562", "3563", "3564", "3565"),
        "Leidsche Rijn": ("3541", "3542", "3543", "3544", "3545", "3546"),
        "Vleuten-De Meern": ("3451", "3452", "3453", "3454", "3455"),
    },
    DORDRECHT: {
        "Binnenstad": ("3311", "3312"),
        "Noordflank": ("3313",),
        "Krispijn": ("3314",),
        "Reeland": ("3315",),
        "Stadspolders": ("3316",),
        "Wielwijk": ("3317",),
        "Crabbehof": ("3318",),
        "Dubbeldam": ("3319",),
        "Sterrenburg": ("3328",),
        "Zuidhoven": ("3329",),
    },
}

# How often families reached by the programmes live in each wijk (relative).
NEIGHBOURHOOD_WEIGHTS = {
    UTRECHT: {
        "Overvecht": 6, "Zuidwest": 6, "Noordwest": 4, "West": 3, "Zuid": 3,
        "Leidsche Rijn": 2, "Noordoost": 1, "Oost": 1, "Binnenstad": 1, "Vleuten-De Meern": 1,
    },
    DORDRECHT: {
        "Krispijn": 5, "Wielwijk": 4, "Crabbehof": 4, "Reeland": 2, "Noordflank": 2,
        "Zuidhoven": 2, "Binnenstad": 1, "Sterrenburg": 1, "Dubbeldam": 1, "Stadspolders": 1,
    },
}  # fmt: skip


@dataclass
class ReferenceData:
    municipalities: dict[str, Municipality]
    neighbourhoods: dict[str, list[Neighbourhood]]  # by CBS code
    po_schools: dict[str, list[SchoolLocation]]  # by CBS code
    vo_schools: dict[str, list[SchoolLocation]]
    log: list[str]


def missing_reference_files(*, data_dir: pathlib.Path) -> list[pathlib.Path]:
    """The files ``ensure_reference_data`` needs that are not in ``data_dir``.

    The CBS list is needed only while a demo municipality is missing; the DUO
    school files are read on every build. The pupil counts are optional.
    """
    needed = [data_dir / relative for relative in DUO_SCHOOL_FILES]
    present = Municipality.objects.filter(cbs_code__in=DEMO_MUNICIPALITIES).count()
    if present != len(DEMO_MUNICIPALITIES):
        needed.insert(0, data_dir / CBS_FILE)
    return [path for path in needed if not path.is_file()]


def ensure_reference_data(*, data_dir: pathlib.Path) -> ReferenceData:
    """Import what is missing from the CBS and DUO files and create the wijken."""
    log: list[str] = []
    missing = set(DEMO_MUNICIPALITIES) - set(
        Municipality.objects.filter(cbs_code__in=DEMO_MUNICIPALITIES).values_list(
            "cbs_code", flat=True
        )
    )
    cbs_path = data_dir / CBS_FILE
    if missing:
        result = _run(import_municipalities, path=_existing(cbs_path))
        log.append(
            _("Municipalities (%(file)s): %(summary)s")
            % {"file": cbs_path.name, "summary": result.summary()}
        )
    municipalities = {
        m.cbs_code: m for m in Municipality.objects.filter(cbs_code__in=DEMO_MUNICIPALITIES)
    }
    if len(municipalities) != len(DEMO_MUNICIPALITIES):
        raise CommandError(
            f"Municipalities {', '.join(DEMO_MUNICIPALITIES)} are not in {cbs_path}."
        )

    for relative in DUO_SCHOOL_FILES:
        path = _existing(data_dir / relative)
        result = _run(import_duo_schools, path=path, municipality_codes=set(DEMO_MUNICIPALITIES))
        log.append(
            _("Schools (%(file)s): %(summary)s") % {"file": path.name, "summary": result.summary()}
        )
    counts_path = data_dir / DUO_PUPIL_COUNT_FILE
    if counts_path.exists():
        result = _run(import_duo_pupil_counts, path=counts_path)
        log.append(
            _("Pupil counts (%(file)s): %(summary)s")
            % {"file": counts_path.name, "summary": result.summary()}
        )

    neighbourhoods = _ensure_neighbourhoods(municipalities)
    _link_schools(municipalities, neighbourhoods)

    po_schools: dict[str, list[SchoolLocation]] = {}
    vo_schools: dict[str, list[SchoolLocation]] = {}
    for code, municipality in municipalities.items():
        schools = list(
            SchoolLocation.objects.filter(municipality=municipality)
            .select_related("neighbourhood")
            .order_by("location_code")
        )
        po_schools[code] = [s for s in schools if s.sector == SchoolLocation.Sector.PO]
        vo_schools[code] = [s for s in schools if s.sector == SchoolLocation.Sector.VO]
        if not po_schools[code] or not vo_schools[code]:
            raise CommandError(
                f"{municipality.name} needs primary and secondary schools; "
                f"check the DUO files in {data_dir}."
            )
    return ReferenceData(municipalities, neighbourhoods, po_schools, vo_schools, log)


def _run(service, **kwargs):
    try:
        return service(**kwargs)
    except ImportFileError as exc:
        raise CommandError(f"{kwargs['path']}: {exc}") from exc


def _existing(path: pathlib.Path) -> pathlib.Path:
    if not path.exists():
        raise CommandError(
            f"Reference data file {path} not found; set REFERENCE_DATA_DIR or pass --data-dir."
        )
    return path


def _ensure_neighbourhoods(
    municipalities: dict[str, Municipality],
) -> dict[str, list[Neighbourhood]]:
    result: dict[str, list[Neighbourhood]] = {}
    for code, wijken in NEIGHBOURHOODS.items():
        municipality = municipalities[code]
        existing = {n.name: n for n in municipality.neighbourhoods.filter(parent__isnull=True)}
        to_create = []
        to_update = []
        for name, postcodes in wijken.items():
            neighbourhood = existing.get(name)
            if neighbourhood is None:
                to_create.append(
                    Neighbourhood(municipality=municipality, name=name, postcodes=list(postcodes))
                )
            elif not neighbourhood.postcodes:
                neighbourhood.postcodes = list(postcodes)
                to_update.append(neighbourhood)
        Neighbourhood.objects.bulk_create(to_create)
        Neighbourhood.objects.bulk_update(to_update, ["postcodes"])
        by_name = {n.name: n for n in municipality.neighbourhoods.filter(name__in=list(wijken))}
        result[code] = [by_name[name] for name in wijken]
    return result


def _link_schools(
    municipalities: dict[str, Municipality], neighbourhoods: dict[str, list[Neighbourhood]]
) -> None:
    for code, municipality in municipalities.items():
        by_area = {area: n for n in neighbourhoods[code] for area in n.postcodes}
        schools = list(
            SchoolLocation.objects.filter(municipality=municipality, neighbourhood__isnull=True)
        )
        linked = []
        for school in schools:
            neighbourhood = by_area.get(school.postcode.replace(" ", "")[:4])
            if neighbourhood is not None:
                school.neighbourhood = neighbourhood
                linked.append(school)
        SchoolLocation.objects.bulk_update(linked, ["neighbourhood"], batch_size=500)
