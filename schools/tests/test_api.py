from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from schools.models import SchoolLocation
from schools.tests.factories import SchoolLocationFactory

pytestmark = pytest.mark.django_db


def test_anonymous_request_is_refused_with_401_problem(api_for, world):
    response = api_for(None).get("/api/v1/schools/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_signed_in_user_lists_schools_with_total_count_and_version_header(api_for, world):
    response = api_for(world.a.school_referrer).get("/api/v1/schools/", {"sector": "PO"})
    assert response.status_code == 200
    assert response["API-Version"] == "1.0.0"
    body = response.json()
    assert body["count"] == 2
    names = {school["name"] for school in body["results"]}
    assert names == {"Basisschool De Regenboog Utrecht", "Basisschool De Regenboog Dordrecht"}


def test_schools_filter_by_municipality(api_for, world):
    response = api_for(world.a.municipal_official).get(
        "/api/v1/schools/", {"municipality": world.b.municipality.pk}
    )
    assert [school["location_code"] for school in response.json()["results"]] == [
        world.b.school.location_code
    ]


def test_invalid_filter_value_is_a_400_with_field_errors(api_for, world):
    response = api_for(world.a.school_referrer).get("/api/v1/schools/", {"sector": "XX"})
    assert response.status_code == 400
    params = response.json()["invalid_params"]
    assert params[0]["name"] == "sector"


def test_unknown_school_is_404_problem(api_for, world):
    response = api_for(world.a.school_referrer).get("/api/v1/schools/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_school_list_queries_do_not_grow_with_rows(api_for, world):
    client = api_for(world.a.school_referrer)
    client.get("/api/v1/schools/")  # the token's first use records last_used_at
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/schools/")
    SchoolLocationFactory.create_batch(15, municipality=world.a.municipality)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/schools/")
    assert response.json()["count"] == 17
    assert len(many) == len(few)


# --- pagination (core.api.pagination, the same for every list) ----------------------------

SCHOOLS = "/api/v1/schools/"


@pytest.fixture
def seven_schools(world):
    """Seven schools besides the world's two, named so the list order is known."""
    SchoolLocationFactory.create_batch(7, municipality=world.a.municipality)
    return sorted(SchoolLocation.objects.values_list("name", flat=True))


def test_page_size_gives_pages_with_the_total_count_and_next_and_previous_links(
    api_for, world, seven_schools
):
    client = api_for(world.a.school_referrer)

    first = client.get(SCHOOLS, {"page_size": 4}).json()
    assert first["count"] == 9
    assert [s["name"] for s in first["results"]] == seven_schools[:4]
    assert first["previous"] is None
    assert _query(first["next"]) == {"page": ["2"], "page_size": ["4"]}

    second = client.get(first["next"]).json()
    assert [s["name"] for s in second["results"]] == seven_schools[4:8]
    assert _query(second["previous"]) == {"page_size": ["4"]}  # the first page
    third = client.get(second["next"]).json()
    assert [s["name"] for s in third["results"]] == seven_schools[8:]
    assert third["next"] is None
    assert third["count"] == 9


def test_without_page_size_a_page_holds_fifty(api_for, world):
    SchoolLocationFactory.create_batch(50, municipality=world.a.municipality)
    body = api_for(world.a.school_referrer).get(SCHOOLS).json()
    assert body["count"] == 52
    assert len(body["results"]) == 50
    assert _query(body["next"]) == {"page": ["2"]}


def test_page_size_up_to_the_maximum_is_allowed(api_for, world, seven_schools):
    response = api_for(world.a.school_referrer).get(SCHOOLS, {"page_size": 200})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 9


@pytest.mark.parametrize("value", ["201", "0", "-1", "ten", "4.5", "04", ""])
def test_page_size_above_the_maximum_or_not_a_number_is_a_400_problem(api_for, world, value):
    response = api_for(world.a.school_referrer).get(SCHOOLS, {"page_size": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    with translation.override("nl"):
        message = gettext("Give a whole number from 1 to %(max)d.") % {"max": 200}
    assert [(p["name"], p["reason"]) for p in body["invalid_params"]] == [("page_size", message)]


@pytest.mark.parametrize("value", ["0", "ten", "-2"])
def test_a_page_that_is_not_a_number_is_a_400_problem(api_for, world, value):
    response = api_for(world.a.school_referrer).get(SCHOOLS, {"page": value})
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalid_params"]] == ["page"]


def test_a_page_past_the_end_is_a_404_problem(api_for, world, seven_schools):
    client = api_for(world.a.school_referrer)
    assert client.get(SCHOOLS, {"page_size": 4, "page": 3}).status_code == 200
    response = client.get(SCHOOLS, {"page_size": 4, "page": 4})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def _query(url: str) -> dict:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)
