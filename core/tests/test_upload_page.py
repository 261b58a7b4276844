"""The administrators' import page: upload a CBS or DUO file, see what it did."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.tests.test_import_limits import CBS_SLICE, PO_SLICE, pdf_bytes, xlsx_bytes
from municipality.models import Municipality
from municipality.tests.factories import MunicipalityFactory
from schools.models import SchoolLocation, SchoolYearFigure

pytestmark = pytest.mark.django_db

URL = reverse("core:reference_import")

# The first columns of duo/06-historisch-overzicht-aantal-leerlingen-per-schoolvestiging.csv
# and its last two years, for the two locations of PO_SLICE (UTF-8 with BOM).
PUPIL_COUNTS_SLICE = (
    "\ufeffINSTELLINGSCODE;VESTIGINGSCODE;NAAM_VESTIGING;SOORT_VESTIGING;DENOMINATIE_VESTIGING;"
    "BEVOEGD_GEZAG_NUMMER;GEMEENTECODE_VESTIGING;GEMEENTENAAM_VESTIGING;LEERLINGEN_2023;"
    "LEERLINGEN_2024\r\n"
    "32JK;32JK00;BBS de Verwondering;BAO;Algemeen bijzonder;20091;1699;NOORDENVELD;61;<5\r\n"
    "03WU;03WU00;Kindcentrum De Wegwijzer;BAO;Protestants-Christelijk;32073;1681;BORGER-ODOORN;"
    "118;121\r\n"
)


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(name: str, content: bytes, content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def admin_client(world, client_for):
    return english(client_for(world.superuser))


@pytest.fixture
def po_municipalities():
    MunicipalityFactory(cbs_code="GM1699", name="Noordenveld")
    MunicipalityFactory(cbs_code="GM1681", name="Borger-Odoorn")


# --- Who may use it ----------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "who",
    [
        lambda world: world.outsider,
        lambda world: world.a.project_leader,
        lambda world: world.a.municipal_official,
        lambda world: world.a.school_referrer,
        lambda world: UserFactory(email="staff-not-super@example.nl", is_staff=True),
    ],
    ids=["outsider", "project_leader", "municipal_official", "school_referrer", "staff"],
)
def test_everyone_but_an_administrator_is_refused_and_imports_nothing(world, client_for, who):
    client = client_for(who(world))

    assert client.get(URL).status_code == 403
    response = client.post(
        URL,
        {"kind": "cbs_municipalities", "file": upload("gemeenten.csv", CBS_SLICE.encode())},
    )

    assert response.status_code == 403
    assert not Municipality.objects.filter(name="Aalsmeer").exists()


def test_administrator_sees_the_form(admin_client):
    response = admin_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="file"[^>]*accept=".csv,.txt,text/csv"', html)
    for kind in ("cbs_municipalities", "duo_schools", "duo_pupil_counts"):
        assert f'value="{kind}"' in html
    assert "at most 50.0\xa0MB" in html


def test_navigation_links_to_the_page_for_administrators_only(world, client_for):
    admin_page = english(client_for(world.superuser)).get("/").content.decode()
    staff = UserFactory(email="staff-nav@example.nl", is_staff=True)
    staff_page = english(client_for(staff)).get("/").content.decode()
    leader_page = english(client_for(world.a.project_leader)).get("/").content.decode()

    assert f'href="{URL}"' in admin_page
    assert f'href="{URL}"' not in staff_page
    assert f'href="{URL}"' not in leader_page


# --- Importing ---------------------------------------------------------------------


def counts(html: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_municipalities_file_is_imported_and_summarised(admin_client):
    MunicipalityFactory(cbs_code="GM0358", name="Aalsmeer", province="Noord-Holland")

    response = admin_client.post(
        URL,
        {"kind": "cbs_municipalities", "file": upload("gemeenten-2023.csv", CBS_SLICE.encode())},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Import finished" in html
    assert "gemeenten-2023.csv" in html
    assert counts(html) == {"created": 2, "updated": 0, "unchanged": 1, "skipped": 0}
    assert set(Municipality.objects.values_list("cbs_code", flat=True)) >= {
        "GM1680",
        "GM0358",
        "GM0059",
    }


def test_skipped_lines_are_listed_with_their_reason(admin_client, po_municipalities):
    text = PO_SLICE + PO_SLICE.splitlines()[1].replace("1699", "9999").replace("32JK00", "32JK01")
    response = admin_client.post(
        URL, {"kind": "duo_schools", "file": upload("po.csv", text.encode("cp1252"))}
    )

    html = response.content.decode()
    assert counts(html) == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1}
    assert re.search(
        r">4</td>\s*<td[^>]*>32JK01: unknown municipality GM9999 \(NOORDENVELD\); import it first<",
        html,
    )
    assert SchoolLocation.objects.filter(location_code__in=["32JK00", "03WU00"]).count() == 2
    assert not SchoolLocation.objects.filter(location_code="32JK01").exists()


def test_long_list_of_skipped_lines_is_cut_short(admin_client, monkeypatch):
    monkeypatch.setattr("core.import_views.MAX_SKIPPED_SHOWN", 1)
    # No municipality exists yet: both schools are skipped.
    response = admin_client.post(
        URL, {"kind": "duo_schools", "file": upload("po.csv", PO_SLICE.encode("cp1252"))}
    )

    html = response.content.decode()
    assert counts(html)["skipped"] == 2
    assert html.count("unknown municipality") == 1
    assert "And 1 more line." in html


def test_pupil_counts_are_imported_and_out_of_scope_rows_counted(admin_client, po_municipalities):
    admin_client.post(
        URL, {"kind": "duo_schools", "file": upload("po.csv", PO_SLICE.encode("cp1252"))}
    )
    text = (
        PUPIL_COUNTS_SLICE
        + "00AO;00AO00;De Bolster;VSO;Protestants-Christelijk;40631;285;VOORST;31;35\r\n"
    )

    response = admin_client.post(
        URL, {"kind": "duo_pupil_counts", "file": upload("leerlingen.csv", text.encode())}
    )

    html = response.content.decode()
    assert counts(html) == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "out_of_scope": 1,
        "skipped": 0,
    }
    figure = SchoolYearFigure.objects.get(school__location_code="32JK00", school_year=2024)
    assert figure.pupil_count_below_five


# --- Refused files ---------------------------------------------------------------------


def form_errors(html: str) -> list[str]:
    return re.findall(r'id="id_file_error"><p>([^<]+)</p>', html)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("gemeenten.xlsx", xlsx_bytes(), "The file is a spreadsheet workbook"),
        ("gemeenten.csv", pdf_bytes(), "The file is a PDF document, not CSV"),
        ("gemeenten.csv", CBS_SLICE.encode().replace(b"Aalsmeer", b"Aals\x00meer"), "looks binary"),
        ("gemeenten.json", CBS_SLICE.encode(), "Only CSV files, ending in .csv or .txt"),
        ("gemeenten.csv", b"", "The submitted file is empty."),
        ("gemeenten.csv", b"\r\n\r\n", "is empty"),
    ],
)
def test_a_file_that_is_not_csv_is_refused_next_to_the_field(admin_client, name, content, message):
    response = admin_client.post(URL, {"kind": "cbs_municipalities", "file": upload(name, content)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Import finished" not in html
    errors = form_errors(html)
    assert len(errors) == 1 and message in errors[0], errors
    assert not Municipality.objects.filter(cbs_code="GM0358").exists()


def test_a_file_over_the_limit_is_refused(admin_client, settings):
    settings.IMPORT_MAX_BYTES = 100

    response = admin_client.post(
        URL, {"kind": "cbs_municipalities", "file": upload("gemeenten.csv", CBS_SLICE.encode())}
    )

    assert (
        "files of at most 100\xa0bytes can be imported" in form_errors(response.content.decode())[0]
    )
    assert not Municipality.objects.filter(cbs_code="GM0358").exists()


def test_the_wrong_kind_of_file_is_refused_for_its_columns_and_writes_nothing(
    admin_client, po_municipalities
):
    # The DUO school file, chosen as the CBS municipality list.
    response = admin_client.post(
        URL, {"kind": "cbs_municipalities", "file": upload("po.csv", PO_SLICE.encode("cp1252"))}
    )

    errors = form_errors(response.content.decode())
    assert errors and "missing required columns: GEMEENTECODEGM" in errors[0]
    assert not Municipality.objects.exclude(
        cbs_code__in=["GM1699", "GM1681", "GM0344", "GM0505"]
    ).exists()


def test_without_a_kind_or_a_file_the_form_says_so(admin_client):
    response = admin_client.post(URL, {})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_kind_error"' in html
    assert 'id="id_file_error"' in html
