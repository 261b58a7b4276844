import pathlib
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from core.imports import ImportFileError
from municipality.models import Municipality
from municipality.services import import_municipalities
from municipality.tests.factories import MunicipalityFactory
from schools.models import SchoolBoard, SchoolLocation
from schools.services import import_duo_schools
from schools.tests.factories import SchoolBoardFactory, SchoolLocationFactory

DATA = pathlib.Path(__file__).parent / "data"
MUNICIPALITIES = pathlib.Path(__file__).parents[2] / "municipality" / "tests" / "data"
SHARED = pathlib.Path(settings.BASE_DIR).parent / "shared" / "data"
REAL_PO = SHARED / "duo" / "02-alle-schoolvestigingen-basisonderwijs.csv"
REAL_VO = SHARED / "duo" / "alle-vestigingen-vo.csv"
REAL_CBS = SHARED / "cbs" / "gemeenten-alfabetisch-2023.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def municipalities():
    """Utrecht, Dordrecht, Aa en Hunze, Opsterland, Súdwest-Fryslân and Nuenen; not Leusden."""
    import_municipalities(path=MUNICIPALITIES / "gemeenten-selectie.csv")


def _school(code: str) -> SchoolLocation:
    return SchoolLocation.objects.select_related("board", "municipality").get(location_code=code)


@pytest.mark.parametrize("filename", ["po-cp1252-crlf.csv", "po-utf8-bom.csv"])
def test_po_file_in_either_encoding_gives_correct_accented_names(municipalities, filename):
    result = import_duo_schools(path=DATA / filename)

    assert (result.created, result.updated, result.unchanged) == (8, 0, 0)
    assert _school("03MJ00").name == "Eben-Haëzer school"
    assert _school("12RF00").name == "Skoalle De Dúnwizer"
    assert _school("03IB00").name == "Christelijke Basisschool De Reinbôge"
    assert _school("05OC00").name == "Dalton Kindcentrum ’t Kompas"  # cp1252-only character
    assert _school("28BF00").denomination == "Hindoeïstisch"


def test_po_school_gets_address_board_municipality_and_sector(municipalities):
    import_duo_schools(path=DATA / "po-cp1252-crlf.csv")

    school = _school("03MJ00")
    assert school.brin == "03MJ"
    assert school.sector == SchoolLocation.Sector.PO
    assert school.board.number == "41534"
    assert school.board.name == ""
    assert school.municipality.cbs_code == "GM0344"
    assert (school.street, school.house_number, school.postcode, school.city) == (
        "Madridstraat",
        "3",
        "3541 DZ",
        "UTRECHT",
    )
    assert school.phone == "0302937037"
    assert school.website == "www.ehschool.educatis-rpo.nl"
    assert school.denomination == "Reformatorisch"
    assert school.education_structure == ""


def test_single_space_placeholders_become_empty_values(municipalities):
    import_duo_schools(path=DATA / "po-cp1252-crlf.csv")

    assert _school("16EJ00").website == ""


def test_vo_file_sets_sector_and_education_structure(municipalities):
    result = import_duo_schools(path=DATA / "vo-utf8.csv")

    assert result.created == 4
    school = _school("01KF06")
    assert school.name == "Sint Gregorius College, locatie Globe TopHavo"
    assert school.sector == SchoolLocation.Sector.VO
    assert school.education_structure == "HAVO"
    assert _school("01EK00").education_structure == "PRO"
    assert _school("02CI00").municipality.cbs_code == "GM0505"


def test_type_column_marks_special_education_as_so(municipalities, tmp_path):
    source = (DATA / "po-utf8-bom.csv").read_text(encoding="utf-8-sig").splitlines()
    types = ["SO/VSO", "SBO", "VSO"]
    lines = [f"{source[0]};SOORT_VESTIGING"] + [
        f"{line};{kind}" for line, kind in zip(source[1:4], types, strict=True)
    ]
    path = tmp_path / "so.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")

    import_duo_schools(path=path)

    assert dict(SchoolLocation.objects.values_list("location_code", "sector")) == {
        "03MJ00": "SO",
        "28BF00": "PO",  # speciaal basisonderwijs is primary education
        "15DK00": "SO",
    }


def test_gemeentenummer_without_leading_zero_maps_to_the_cbs_code(municipalities, tmp_path):
    lines = (DATA / "po-utf8-bom.csv").read_text(encoding="utf-8-sig").splitlines()[:2]
    path = tmp_path / "po.csv"
    path.write_text("\n".join([lines[0], lines[1].replace(";0344;", ";344;")]), encoding="utf-8")

    import_duo_schools(path=path)

    assert _school("03MJ00").municipality.cbs_code == "GM0344"


def test_importing_twice_creates_nothing_new_and_reports_all_unchanged(municipalities):
    import_duo_schools(path=DATA / "po-cp1252-crlf.csv")
    boards = SchoolBoard.objects.count()

    result = import_duo_schools(path=DATA / "po-utf8-bom.csv")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 8)
    assert SchoolLocation.objects.count() == 8
    assert SchoolBoard.objects.count() == boards == 8


def test_changed_name_is_reported_as_updated(municipalities):
    import_duo_schools(path=DATA / "po-cp1252-crlf.csv")
    SchoolLocation.objects.filter(location_code="15DK00").update(name="Ariensschool")

    result = import_duo_schools(path=DATA / "po-cp1252-crlf.csv")

    assert (result.created, result.updated, result.unchanged) == (0, 1, 7)
    assert _school("15DK00").name == "KBS Ariëns"


def test_existing_board_keeps_its_name_and_gets_the_school(municipalities):
    board = SchoolBoardFactory(number="41534", name="Stichting Reformatorisch Onderwijs")

    import_duo_schools(path=DATA / "po-cp1252-crlf.csv")

    board.refresh_from_db()
    assert board.name == "Stichting Reformatorisch Onderwijs"
    assert _school("03MJ00").board == board


def test_school_that_moved_board_and_municipality_is_updated(municipalities):
    SchoolLocationFactory(
        location_code="03MJ00",
        brin="03MJ",
        name="Eben-Haëzer school",
        municipality=MunicipalityFactory(cbs_code="GM0505"),
        board=SchoolBoardFactory(number="99999"),
    )

    result = import_duo_schools(path=DATA / "po-cp1252-crlf.csv")

    assert result.updated == 1
    school = _school("03MJ00")
    assert (school.board.number, school.municipality.cbs_code) == ("41534", "GM0344")


def test_school_in_unknown_municipality_is_skipped_with_reason(municipalities):
    result = import_duo_schools(path=DATA / "po-cp1252-crlf.csv")

    assert result.skipped == [
        (10, "18HI00: unknown municipality GM0327 (LEUSDEN); import it first"),
    ]
    assert not SchoolLocation.objects.filter(location_code="18HI00").exists()


def test_bad_rows_are_skipped_with_line_number_and_reason(municipalities):
    result = import_duo_schools(path=DATA / "po-bad-rows.csv")

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert result.skipped == [
        (3, "invalid location code '28BF0'"),
        (4, "expected 31 fields, found 12"),
        (5, "05AU00: unknown municipality GM1992 (VOORNE AAN ZEE); import it first"),
        (6, "03MJ00 appears again (first on line 2)"),
        (7, "16EJ00: BRIN '99ZZ' does not match the location code"),
        (8, "18XB00 has no name"),
        (9, "17CV00: invalid municipality number '03x4'"),
    ]
    assert set(SchoolLocation.objects.values_list("location_code", flat=True)) == {
        "03MJ00",
        "05OC00",
    }


def test_municipality_codes_restrict_the_import_and_count_the_rest_out_of_scope(municipalities):
    result = import_duo_schools(
        path=DATA / "po-cp1252-crlf.csv", municipality_codes={"GM0344", "GM0505"}
    )

    assert (result.created, result.out_of_scope, result.skipped) == (5, 4, [])
    assert set(SchoolLocation.objects.values_list("municipality__cbs_code", flat=True)) == {
        "GM0344",
        "GM0505",
    }


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("po-missing-columns.csv", "missing required columns: VESTIGINGSCODE, GEMEENTENUMMER"),
        ("po-comma-separated.csv", "not semicolon-separated"),
    ],
)
def test_malformed_file_raises_clear_error_and_writes_nothing(municipalities, filename, message):
    with pytest.raises(ImportFileError, match=message):
        import_duo_schools(path=DATA / filename)

    assert not SchoolLocation.objects.exists()
    assert not SchoolBoard.objects.exists()


def test_undecodable_file_raises_clear_error_and_writes_nothing(municipalities, tmp_path):
    path = tmp_path / "po.csv"
    # 0x81 is neither valid UTF-8 here nor a Windows-1252 character.
    path.write_bytes((DATA / "po-cp1252-crlf.csv").read_bytes().replace(b"Madridstraat", b"\x81"))

    with pytest.raises(ImportFileError, match="could not be read as UTF-8 or Windows-1252"):
        import_duo_schools(path=path)

    assert not SchoolLocation.objects.exists()


def test_excel_workbook_instead_of_csv_raises_clear_error(municipalities, tmp_path):
    path = tmp_path / "po.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))

    with pytest.raises(ImportFileError, match="not CSV"):
        import_duo_schools(path=path)


def test_unterminated_quote_raises_clear_error_and_writes_nothing(municipalities, tmp_path):
    path = tmp_path / "po.csv"
    path.write_bytes((DATA / "po-cp1252-crlf.csv").read_bytes().replace(b"KBS Ari", b'"KBS Ari', 1))

    with pytest.raises(ImportFileError, match="not valid CSV"):
        import_duo_schools(path=path)

    assert not SchoolLocation.objects.exists()
    assert not SchoolBoard.objects.exists()


@pytest.mark.skipif(not REAL_PO.exists(), reason="shared/data/duo is not available")
def test_real_po_file_for_utrecht_and_dordrecht_imports_in_bounded_queries(
    municipalities, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        result = import_duo_schools(path=REAL_PO, municipality_codes={"GM0344", "GM0505"})

    assert result.created == 134
    assert result.skipped == []
    assert SchoolLocation.objects.filter(municipality__cbs_code="GM0344").count() == 98

    with django_assert_max_num_queries(6):
        again = import_duo_schools(path=REAL_PO, municipality_codes={"GM0344", "GM0505"})
    assert (again.created, again.updated, again.unchanged) == (0, 0, 134)


@pytest.mark.skipif(not REAL_PO.exists(), reason="shared/data/duo is not available")
def test_whole_real_po_and_vo_files_import(django_assert_max_num_queries):
    import_municipalities(path=REAL_CBS)

    # Batches of bulk_create, not one query per row: SQLite allows 999 parameters per
    # query, so about 115 queries for 6,122 rows; PostgreSQL needs about 15.
    with django_assert_max_num_queries(150):
        po = import_duo_schools(path=REAL_PO)
    vo = import_duo_schools(path=REAL_VO)

    assert (po.created, po.skipped) == (6122, [])
    assert (vo.created, vo.skipped) == (1630, [])
    assert SchoolLocation.objects.filter(sector="VO").count() == 1630
    assert _school("14DC06").name == 'VMBO "De Jutter" Vlieland'

    with django_assert_max_num_queries(6):
        again = import_duo_schools(path=REAL_PO)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6122)


def test_command_prints_counts_and_skipped_rows(municipalities):
    out = StringIO()

    call_command("import_duo_schools", str(DATA / "po-bad-rows.csv"), stdout=out)

    output = out.getvalue()
    assert "School locations: 2 created, 0 updated, 0 unchanged, 7 skipped" in output
    assert "Line 3 skipped: invalid location code '28BF0'" in output
    assert "Line 5 skipped: 05AU00: unknown municipality GM1992" in output


def test_command_restricts_to_municipalities_and_prints_out_of_scope(municipalities):
    out = StringIO()

    call_command(
        "import_duo_schools",
        str(DATA / "po-cp1252-crlf.csv"),
        "--municipality=GM0344",
        "--municipality=gm0505",
        stdout=out,
    )

    assert "5 created, 0 updated, 0 unchanged, 0 skipped, 4 out of scope" in out.getvalue()


def test_command_rejects_invalid_municipality_code(municipalities):
    with pytest.raises(CommandError, match="use the form GM0344"):
        call_command("import_duo_schools", str(DATA / "po-cp1252-crlf.csv"), "--municipality=344")


def test_command_reports_malformed_file_as_command_error(municipalities):
    with pytest.raises(CommandError, match="missing required columns"):
        call_command("import_duo_schools", str(DATA / "po-missing-columns.csv"))

    assert not SchoolLocation.objects.exists()
    assert Municipality.objects.count() == 6
