"""The shared strict input of the REST API (core.api.fields and core.api.filters)."""

import datetime as dt

import pytest
from rest_framework import serializers

from core.api.fields import (
    MAX_ID,
    IdField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictDateTimeField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from schools.models import SchoolLocation

SCHOOLS = "/api/v1/schools/"
PROGRAMMES = "/api/v1/programmes/"
VOLUNTEERS = "/api/v1/volunteers/"


@pytest.mark.parametrize(
    ("field", "refused", "accepted", "expected"),
    [
        (StrictCharField(), 12, "12", "12"),
        (StrictBooleanField(), "true", True, True),
        (StrictIntegerField(), "12", 12, 12),
        (StrictDateField(), "02-12-2026", "2026-12-02", dt.date(2026, 12, 2)),
        (StrictDateTimeField(), "2026-12-02T10:00:00", "2026-12-02T10:00:00Z", None),
        (StrictChoiceField(choices=[(6, "Groep 6")]), "6", 6, 6),
        (IdField(), 0, MAX_ID, MAX_ID),
        (IdField(), MAX_ID + 1, 1, 1),
    ],
)
def test_strict_fields_take_only_what_the_schema_says(field, refused, accepted, expected):
    with pytest.raises(serializers.ValidationError):
        field.run_validation(refused)
    value = field.run_validation(accepted)
    if expected is not None:
        assert value == expected


@pytest.mark.parametrize("refused", ["12", True, 12.0])
def test_an_identifier_is_a_json_integer(refused):
    field = StrictPrimaryKeyRelatedField(queryset=SchoolLocation.objects.all())
    with pytest.raises(serializers.ValidationError) as error:
        field.run_validation(refused)
    assert error.value.detail[0].code == "incorrect_type"


def test_an_identifier_beyond_64_bits_does_not_exist_without_asking_the_database(
    django_assert_num_queries,
):
    field = StrictPrimaryKeyRelatedField(queryset=SchoolLocation.objects.all())
    with django_assert_num_queries(0), pytest.raises(serializers.ValidationError) as error:
        field.run_validation(2**70)
    assert error.value.detail[0].code == "does_not_exist"


@pytest.mark.django_db
def test_a_foreign_key_filter_beyond_any_id_matches_nothing(api_for, world):
    response = api_for(world.a.school_referrer).get(SCHOOLS, {"municipality": str(2**70)})
    assert (response.status_code, response.json()["count"]) == (200, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params", "name"),
    [
        (SCHOOLS, {"municipality": ""}, "municipality"),
        (SCHOOLS, {"sector": ""}, "sector"),
        (PROGRAMMES, {"is_active": "True"}, "is_active"),
        (PROGRAMMES, {"online": "1"}, "online"),
        (VOLUNTEERS, {"start_date_after": "2026-1-5"}, "start_date_after"),
        (VOLUNTEERS, {"end_date_before": "05-01-2026"}, "end_date_before"),
    ],
)
def test_a_filter_value_the_schema_does_not_allow_is_a_400(api_for, world, url, params, name):
    response = api_for(world.a.project_leader).get(url, params)
    assert response.status_code == 400
    assert [param["name"] for param in response.json()["invalid_params"]] == [name]


@pytest.mark.django_db
def test_empty_free_text_filters_nothing(api_for, world):
    response = api_for(world.a.school_referrer).get(SCHOOLS, {"name": "", "sector": "PO"})
    assert (response.status_code, response.json()["count"]) == (200, 2)
