import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
