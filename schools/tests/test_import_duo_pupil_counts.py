import pathlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from core.imports import ImportFileError
from schools.models import SchoolLocation, SchoolYearFigure
from schools.services import import_duo_pupil_counts
from schools.tests.factories import SchoolLocationFactory

DATA = pathlib.Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def schools():
    """Locations in pupil-counts.csv, except 01PE00 (not imported, so out of scope)."""
    return {
        code: SchoolLocationFactory(location_code=code, brin=code[:4])
        for code in ("03MJ00", "28BF00", "18XB00", "00KK00")
    }


def _counts(code: str) -> dict[int, tuple[int | None, bool]]:
    figures = SchoolYearFigure.objects.filter(school__location_code=code)
    return {f.school_year: (f.pupil_count, f.pupil_count_below_five) for f in figures}


def test_pupil_counts_are_stored_per_school_year(schools):
    result = import_duo_pupil_counts(path=DATA / "pupil-counts.csv")

    counts = _counts("03MJ00")
    assert len(counts) == 30
    assert counts[1996] == (107, False)
    assert counts[2025] == (104, False)
    assert result.out_of_scope == 1
    assert result.skipped == []


def test_below_five_is_stored_as_unknown_count_below_five(schools):
    import_duo_pupil_counts(path=DATA / "pupil-counts.csv")

    counts = _counts("00KK00")
    assert counts[1997] == (None, True)
    assert counts[1998] == (62, False)


def test_zero_counts_store_nothing(schools):
    import_duo_pupil_counts(path=DATA / "pupil-counts.csv")

    counts = _counts("28BF00")
    assert 2004 not in counts  # 0: the school did not exist yet
    assert counts[2005] == (31, False)
    assert 1996 not in _counts("00KK00")


def test_importing_twice_creates_nothing_new_and_a_changed_count_is_updated(schools):
    first = import_duo_pupil_counts(path=DATA / "pupil-counts.csv")
    SchoolYearFigure.objects.filter(school__location_code="18XB00", school_year=2024).update(
        pupil_count=1
    )

    second = import_duo_pupil_counts(path=DATA / "pupil-counts.csv")

    assert (second.created, second.updated, second.unchanged) == (0, 1, first.created - 1)
    assert _counts("18XB00")[2024] == (305, False)


def test_unreadable_count_is_skipped_with_reason(schools, tmp_path):
    text = (DATA / "pupil-counts.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "counts.csv"
    path.write_text(text.replace(";107;109;", ";n.v.t.;109;"), encoding="utf-8-sig")

    result = import_duo_pupil_counts(path=path)

    assert result.skipped == [(4, "03MJ00: LEERLINGEN_1996 'n.v.t.' is not a number")]
    assert 1996 not in _counts("03MJ00")
    assert _counts("03MJ00")[1997] == (109, False)


def test_file_without_count_columns_raises_clear_error(schools):
    with pytest.raises(ImportFileError, match="no pupil count columns"):
        import_duo_pupil_counts(path=DATA / "po-utf8-bom.csv")

    assert not SchoolYearFigure.objects.exists()


def test_command_prints_counts():
    SchoolLocationFactory(location_code="03MJ00", brin="03MJ")
    out = StringIO()

    call_command("import_duo_pupil_counts", str(DATA / "pupil-counts.csv"), stdout=out)

    assert (
        "Pupil counts per school year: 30 created, 0 updated, 0 unchanged, 0 skipped, "
        "4 out of scope"
    ) in out.getvalue()
    assert SchoolLocation.objects.get().year_figures.count() == 30


def test_command_reports_malformed_file_as_command_error():
    with pytest.raises(CommandError, match="missing required columns: VESTIGINGSCODE"):
        call_command("import_duo_pupil_counts", str(DATA / "po-missing-columns.csv"))
