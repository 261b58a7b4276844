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

DATA = pathlib.Path(__file__).parent / "data"
CBS_2023 = pathlib.Path(settings.BASE_DIR).parent / "shared" / "data" / "cbs"
CBS_2023 = CBS_2023 / "gemeenten-alfabetisch-2023.csv"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_import_creates_municipalities_with_accented_names_and_provinces():
    result = import_municipalities(path=DATA / "gemeenten-selectie.csv")

    assert (result.created, result.updated, result.unchanged, result.skipped) == (6, 0, 0, [])
    assert dict(Municipality.objects.values_list("cbs_code", "name")) == {
        "GM0344": "Utrecht",
        "GM0505": "Dordrecht",
        "GM1900": "Súdwest-Fryslân",
        "GM0086": "Opsterland",
        "GM1680": "Aa en Hunze",
        "GM0820": "Nuenen, Gerwen en Nederwetten",
    }
    assert Municipality.objects.get(cbs_code="GM0086").province == "Fryslân"


def test_importing_twice_creates_nothing_new_and_reports_all_unchanged():
    import_municipalities(path=DATA / "gemeenten-selectie.csv")

    result = import_municipalities(path=DATA / "gemeenten-selectie.csv")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 6)
    assert Municipality.objects.count() == 6


def test_changed_name_is_updated_and_other_municipalities_are_kept():
    MunicipalityFactory(cbs_code="GM0344", name="Utreg", province="Utrecht")
    kept = MunicipalityFactory(cbs_code="GM0001", name="Merged away")

    result = import_municipalities(path=DATA / "gemeenten-selectie.csv")

    assert (result.created, result.updated, result.unchanged) == (5, 1, 0)
    assert Municipality.objects.get(cbs_code="GM0344").name == "Utrecht"
    assert Municipality.objects.filter(pk=kept.pk).exists()


def test_bad_rows_are_skipped_with_line_number_and_reason():
    result = import_municipalities(path=DATA / "gemeenten-bad-rows.csv")

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert result.skipped == [
        (3, "invalid CBS code 'GM344'"),
        (4, "municipality GM0505 has no name"),
        (6, "GM0344 appears again (first on line 2)"),
        (7, "expected 6 fields, found 4"),
    ]
    assert Municipality.objects.get(cbs_code="GM0344").name == "Utrecht"


def test_file_without_required_columns_raises_clear_error_and_writes_nothing():
    with pytest.raises(ImportFileError, match="missing required columns: GEMEENTECODEGM"):
        import_municipalities(path=DATA / "gemeenten-missing-columns.csv")

    assert not Municipality.objects.exists()


def test_semicolon_separated_list_is_accepted_too(tmp_path):
    path = tmp_path / "gemeenten.csv"
    path.write_text(
        "Gemeentecode;GemeentecodeGM;Gemeentenaam;Provinciecode;ProvinciecodePV;Provincienaam\n"
        "0344;GM0344;Utrecht;26;PV26;Utrecht\n",
        encoding="cp1252",
    )

    result = import_municipalities(path=path)

    assert result.created == 1
    assert Municipality.objects.get().name == "Utrecht"


@pytest.mark.skipif(not CBS_2023.exists(), reason="shared/data/cbs is not available")
def test_real_cbs_list_imports_all_342_municipalities(django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        result = import_municipalities(path=CBS_2023)

    assert (result.created, result.skipped) == (342, [])
    assert Municipality.objects.get(cbs_code="GM0505").name == "Dordrecht"


def test_command_prints_counts_and_skipped_rows():
    out = StringIO()

    call_command("import_municipalities", str(DATA / "gemeenten-bad-rows.csv"), stdout=out)

    output = out.getvalue()
    assert "Municipalities: 2 created, 0 updated, 0 unchanged, 4 skipped" in output
    assert "Line 3 skipped: invalid CBS code 'GM344'" in output
    assert "Line 7 skipped: expected 6 fields, found 4" in output


def test_command_reports_malformed_file_as_command_error():
    with pytest.raises(CommandError, match="missing required columns"):
        call_command("import_municipalities", str(DATA / "gemeenten-missing-columns.csv"))

    assert not Municipality.objects.exists()


def test_command_reports_missing_file_as_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_municipalities", str(tmp_path / "nope.csv"))
