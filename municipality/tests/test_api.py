"""The REST API for funding agreements and funders: the same rules as the agreement pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.tests.factories import ProgrammeFactory
from municipality.models import FundingAgreement, Target
from municipality.tests.factories import (
    AccountabilityTextFactory,
    FunderFactory,
    FundingAgreementFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

AGREEMENTS = "/api/v1/funding-agreements/"
FUNDERS = "/api/v1/funders/"
TI = Target.Indicator


def detail(agreement) -> str:
    return f"{AGREEMENTS}{agreement.pk}/"


def agreement_of(side, **fields) -> FundingAgreement:
    defaults = {
        "municipality": side.municipality,
        "initiative": side.initiative,
        "programmes": [side.programme],
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2026, 12, 31),
    }
    return FundingAgreementFactory(**{**defaults, **fields})


def payload(side, funder, /, **overrides) -> dict:
    data = {
        "funder": funder.pk,
        "reference": "UTR-2026-AL-0142",
        "initiative": side.initiative.pk,
        "programmes": [side.programme.pk],
        "amount": "30000.00",
        "period_kind": "school",
        "start_date": "2025-08-01",
        "end_date": "2027-07-31",
        "targets": {"pupils_reached": 220, "matches_started": 200},
    }
    data.update(overrides)
    return data


def names(response) -> set[str]:
    return {param["name"] for param in response.json()["invalid_params"]}


@pytest.fixture
def foundation(db):
    return FunderFactory(name="Fonds Leesplezier Nederland")


@pytest.fixture
def a_agreement(world):
    agreement = agreement_of(world.a, reference="UTR-SUBSIDIE-7781", amount=Decimal("42500.00"))
    TargetFactory(agreement=agreement, indicator=TI.PUPILS_REACHED, value=120)
    TargetFactory(agreement=agreement, indicator=TI.CONTACT_HOURS, value=900)
    return agreement


@pytest.fixture
def b_agreement(world):
    return agreement_of(world.b, reference="DOR-SUBSIDIE-5521")


# --- reading ----------------------------------------------------------------------


def test_official_lists_their_municipalitys_agreements_with_targets(
    api_for, world, a_agreement, b_agreement
):
    response = api_for(world.a.municipal_official).get(AGREEMENTS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == a_agreement.pk
    assert row["reference"] == "UTR-SUBSIDIE-7781"
    assert row["amount"] == "42500.00"
    assert row["municipality_name"] == "Utrecht"
    assert row["initiative_name"] == "Taal Doet Meer"
    assert row["programmes"] == [{"id": world.a.programme.pk, "name": "Taalmentoraat PO"}]
    assert row["period_kind"] == "calendar"
    assert (row["start_date"], row["end_date"]) == ("2026-01-01", "2026-12-31")
    assert row["targets"] == {
        "pupils_reached": 120,
        "matches_started": None,
        "volunteers_active": None,
        "contact_hours": 900,
        "sessions_held": None,
        "schools_referring": None,
        "goals_achieved_pct": None,
        "adult_learners_reached": None,
        "adult_tracks_started": None,
    }


def test_project_leader_reads_their_initiatives_agreements_only(
    api_for, world, a_agreement, b_agreement
):
    client = api_for(world.a.project_leader)
    listed = client.get(AGREEMENTS).json()["results"]
    assert [row["id"] for row in listed] == [a_agreement.pk]
    assert client.get(detail(a_agreement)).json()["reference"] == "UTR-SUBSIDIE-7781"
    assert client.get(detail(b_agreement)).status_code == 404


def test_official_of_b_sees_nothing_of_world_a(api_for, world, a_agreement, b_agreement):
    client = api_for(world.b.municipal_official)
    assert [row["id"] for row in client.get(AGREEMENTS).json()["results"]] == [b_agreement.pk]
    response = client.get(detail(a_agreement))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "UTR-SUBSIDIE-7781" not in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "volunteer_user", "school_referrer"])
def test_others_than_officials_and_leaders_get_403(api_for, world, a_agreement, who):
    user = world.outsider if who == "outsider" else getattr(world.a, who)
    client = api_for(user)
    assert client.get(AGREEMENTS).status_code == 403
    assert client.get(detail(a_agreement)).status_code == 403
    assert client.get(FUNDERS).status_code == 403


def test_anonymous_gets_401(api_for, world, a_agreement):
    assert api_for(None).get(AGREEMENTS).status_code == 401
    assert api_for(None).get(detail(a_agreement)).status_code == 401


def test_agreement_filters(api_for, world, a_agreement, foundation):
    other_programme = ProgrammeFactory(
        initiative=world.a.initiative, name="Rekenmaatjes", municipalities=[world.a.municipality]
    )
    school_year = agreement_of(
        world.a,
        funder=foundation,
        programmes=[other_programme],
        period_kind=FundingAgreement.PeriodKind.SCHOOL_YEAR,
        start_date=dt.date(2024, 8, 1),
        end_date=dt.date(2025, 7, 31),
    )
    client = api_for(world.a.municipal_official)

    def ids(**params):
        response = client.get(AGREEMENTS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {a_agreement.pk, school_year.pk}
    assert ids(programme=other_programme.pk) == {school_year.pk}
    assert ids(programme=world.a.programme.pk) == {a_agreement.pk}
    assert ids(funder=foundation.pk) == {school_year.pk}
    assert ids(initiative=world.a.initiative.pk) == {a_agreement.pk, school_year.pk}
    assert ids(initiative=world.b.initiative.pk) == set()
    assert ids(period_kind="school") == {school_year.pk}
    assert ids(start_date_after="2025-01-01") == {a_agreement.pk}
    assert ids(start_date_before="2025-01-01") == {school_year.pk}
    assert ids(end_date_after="2026-12-31", end_date_before="2026-12-31") == {a_agreement.pk}
    assert ids(municipality=world.b.municipality.pk) == set()
    assert ids(funder=10**30) == set()  # beyond any id: matches nothing
    ordered = client.get(AGREEMENTS, {"ordering": "start_date"}).json()["results"]
    assert [row["id"] for row in ordered] == [school_year.pk, a_agreement.pk]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("period_kind", "fortnight"),
        ("programme", "0.5"),
        ("programme", ""),
        ("programme", "vijf"),
        ("period_kind", ""),
        ("start_date_after", ""),
        ("end_date_before", "2025-8-1"),
        ("start_date_after", "gisteren"),
        ("ordering", "amount_secret"),
    ],
)
def test_invalid_agreement_filter_is_a_400_naming_it(api_for, world, param, value):
    response = api_for(world.a.municipal_official).get(AGREEMENTS, {param: value})
    assert response.status_code == 400
    assert names(response) == {param}


def test_agreement_list_queries_do_not_grow_with_rows(api_for, world, a_agreement):
    client = api_for(world.a.municipal_official)
    client.get(AGREEMENTS)  # the token's first use records last_used_at
    with CaptureQueriesContext(connection) as few:
        client.get(AGREEMENTS)
    for _ in range(6):
        agreement = agreement_of(world.a, funder=FunderFactory())
        TargetFactory(agreement=agreement, indicator=TI.SESSIONS_HELD, value=300)
        agreement.programmes.add(
            ProgrammeFactory(initiative=world.a.initiative, municipalities=[world.a.municipality])
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(AGREEMENTS)
    assert response.json()["count"] == 7
    assert len(many) == len(few)


# --- recording --------------------------------------------------------------------


def test_official_records_an_agreement_with_targets(api_for, world, foundation):
    response = api_for(world.a.municipal_official).post(
        AGREEMENTS, payload(world.a, foundation), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    agreement = FundingAgreement.objects.get(pk=body["id"])
    assert agreement.municipality == world.a.municipality  # the official's own
    assert agreement.amount == Decimal("30000.00")
    assert (agreement.start_date, agreement.end_date) == (dt.date(2025, 8, 1), dt.date(2027, 7, 31))
    assert dict(agreement.targets.values_list("indicator", "value")) == {
        "pupils_reached": 220,
        "matches_started": 200,
    }
    assert body["funder_name"] == "Fonds Leesplezier Nederland"
    assert body["targets"]["pupils_reached"] == 220
    assert body["targets"]["contact_hours"] is None


@pytest.mark.parametrize("who", ["project_leader", "volunteer_user", "school_referrer"])
def test_others_than_officials_cannot_record_an_agreement(api_for, world, foundation, who):
    response = api_for(getattr(world.a, who)).post(
        AGREEMENTS, payload(world.a, foundation), format="json"
    )
    assert response.status_code == 403
    assert not FundingAgreement.objects.exists()


def test_read_only_token_cannot_record_an_agreement(api_for, world, foundation):
    client = api_for(world.a.municipal_official, read_only=True)
    assert client.get(AGREEMENTS).status_code == 200
    response = client.post(AGREEMENTS, payload(world.a, foundation), format="json")
    assert response.status_code == 403
    assert not FundingAgreement.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "-5.00"}, "amount"),
        ({"amount": 30000}, "amount"),  # a number, not the documented string
        ({"amount": "12.345"}, "amount"),
        ({"period_kind": "decade"}, "period_kind"),
        ({"start_date": "2025-02-01"}, "start_date"),  # a school year starts on 1 August
        ({"end_date": "2030-07-31"}, "end_date"),  # more than two years
        ({"start_date": "1999-08-01", "end_date": "2000-07-31"}, "start_date"),
        ({"start_date": "20250801"}, "start_date"),
        ({"programmes": []}, "programmes"),
        ({"programmes": ["1"]}, "programmes"),
        ({"reference": "x" * 101}, "reference"),
        ({"reference": "UTR\x00"}, "reference"),
        ({"reference": 12}, "reference"),
        ({"targets": {"goals_achieved_pct": 101}}, "targets.goals_achieved_pct"),
        ({"targets": {"pupils_reached": -1}}, "targets.pupils_reached"),
        ({"targets": {"pupils_reached": "220"}}, "targets.pupils_reached"),
        ({"funder": None}, "funder"),
    ],
)
def test_invalid_agreement_is_a_400_naming_the_field_and_saves_nothing(
    api_for, world, foundation, overrides, field
):
    response = api_for(world.a.municipal_official).post(
        AGREEMENTS, payload(world.a, foundation, **overrides), format="json"
    )
    assert response.status_code == 400, response.json()
    assert field in names(response)
    assert not FundingAgreement.objects.exists()


def test_other_worlds_objects_by_id_do_not_exist(api_for, world, foundation):
    b_funder = FunderFactory(municipal=True, municipality=world.b.municipality)
    client = api_for(world.a.municipal_official)
    cases = {
        "funder": {"funder": b_funder.pk},
        "initiative": {"initiative": world.b.initiative.pk},
        "programmes": {"programmes": [world.b.programme.pk]},
        "municipality": {"municipality": world.b.municipality.pk},
    }
    for field, overrides in cases.items():
        response = client.post(AGREEMENTS, payload(world.a, foundation, **overrides), format="json")
        assert response.status_code == 400
        (param,) = response.json()["invalid_params"]
        assert (param["name"], param["code"]) == (field, "does_not_exist")
    assert not FundingAgreement.objects.exists()


def test_a_programme_of_another_initiative_is_refused_by_the_service(api_for, world, foundation):
    from initiatives.tests.factories import InitiativeFactory

    other = InitiativeFactory(name="Leesclub Kanaleneiland", municipalities=[world.a.municipality])
    other_programme = ProgrammeFactory(initiative=other, municipalities=[world.a.municipality])
    response = api_for(world.a.municipal_official).post(
        AGREEMENTS,
        payload(world.a, foundation, programmes=[other_programme.pk]),
        format="json",
    )
    assert response.status_code == 400
    assert names(response) == {"programmes"}
    assert not FundingAgreement.objects.exists()


# --- changing ---------------------------------------------------------------------


def test_official_changes_an_agreement_partly_and_merges_targets(api_for, world, a_agreement):
    response = api_for(world.a.municipal_official).patch(
        detail(a_agreement),
        {"amount": "50000.00", "targets": {"contact_hours": None, "sessions_held": 480}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    a_agreement.refresh_from_db()
    assert a_agreement.amount == Decimal("50000.00")
    assert a_agreement.reference == "UTR-SUBSIDIE-7781"  # not sent: kept
    assert dict(a_agreement.targets.values_list("indicator", "value")) == {
        "pupils_reached": 120,  # left out: kept
        "sessions_held": 480,
    }
    assert response.json()["targets"]["contact_hours"] is None


def test_project_leader_cannot_change_their_initiatives_agreement(api_for, world, a_agreement):
    response = api_for(world.a.project_leader).patch(
        detail(a_agreement), {"amount": "1.00"}, format="json"
    )
    assert response.status_code == 403
    a_agreement.refresh_from_db()
    assert a_agreement.amount == Decimal("42500.00")


def test_official_of_b_cannot_change_a_agreement(api_for, world, a_agreement):
    response = api_for(world.b.municipal_official).patch(
        detail(a_agreement), {"amount": "1.00"}, format="json"
    )
    assert response.status_code == 404
    a_agreement.refresh_from_db()
    assert a_agreement.amount == Decimal("42500.00")


def test_invalid_change_is_a_400_and_changes_nothing(api_for, world, a_agreement):
    response = api_for(world.a.municipal_official).patch(
        detail(a_agreement), {"period_kind": "school", "amount": "1.00"}, format="json"
    )
    assert response.status_code == 400
    assert names(response) == {"start_date", "end_date"}  # calendar dates, school kind
    a_agreement.refresh_from_db()
    assert (a_agreement.period_kind, a_agreement.amount) == ("calendar", Decimal("42500.00"))


def test_agreement_with_accountability_stays_with_its_initiative(api_for, world, a_agreement):
    from initiatives.tests.factories import InitiativeFactory

    AccountabilityTextFactory(agreement=a_agreement)
    other = InitiativeFactory(name="Leesclub Overvecht", municipalities=[world.a.municipality])
    programme = ProgrammeFactory(initiative=other, municipalities=[world.a.municipality])
    response = api_for(world.a.municipal_official).patch(
        detail(a_agreement),
        {"initiative": other.pk, "programmes": [programme.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert names(response) == {"initiative"}
    a_agreement.refresh_from_db()
    assert a_agreement.initiative == world.a.initiative


def test_put_and_delete_are_not_offered(api_for, world, a_agreement):
    client = api_for(world.a.municipal_official)
    assert client.put(detail(a_agreement), {}, format="json").status_code == 405
    assert client.delete(detail(a_agreement)).status_code == 405
    assert FundingAgreement.objects.filter(pk=a_agreement.pk).exists()


# --- funders ----------------------------------------------------------------------


def test_official_lists_the_funders_they_can_choose(api_for, world, foundation, b_agreement):
    own = FunderFactory(municipal=True, municipality=world.a.municipality)
    FunderFactory(municipal=True, municipality=world.b.municipality, name="Gemeente Dordrecht")
    response = api_for(world.a.municipal_official).get(FUNDERS)

    assert response.status_code == 200
    listed = {row["name"] for row in response.json()["results"]}
    assert foundation.name in listed and own.name in listed
    assert "Gemeente Dordrecht" not in listed
    assert b_agreement.funder.name in listed  # a foundation: anyone may choose it
    kinds = api_for(world.a.municipal_official).get(FUNDERS, {"kind": "municipality"})
    assert [row["id"] for row in kinds.json()["results"]] == [own.pk]


def test_project_leader_sees_the_funders_of_their_agreements(api_for, world, a_agreement):
    FunderFactory(name="Stichting Onbekend Geld")
    client = api_for(world.a.project_leader)
    listed = [row["id"] for row in client.get(FUNDERS).json()["results"]]
    assert listed == [a_agreement.funder_id]
    assert client.get(f"{FUNDERS}{a_agreement.funder_id}/").json()["kind"] == "foundation"


def test_invalid_funder_filter_is_a_400(api_for, world):
    response = api_for(world.a.municipal_official).get(FUNDERS, {"kind": "bank"})
    assert response.status_code == 400
    assert names(response) == {"kind"}


def test_funder_list_queries_do_not_grow_with_rows(api_for, world, foundation):
    client = api_for(world.a.municipal_official)
    client.get(FUNDERS)
    with CaptureQueriesContext(connection) as few:
        client.get(FUNDERS)
    FunderFactory.create_batch(8)
    with CaptureQueriesContext(connection) as many:
        response = client.get(FUNDERS)
    assert response.json()["count"] == 9
    assert len(many) == len(few)


# --- no personal data ---------------------------------------------------------------


def test_no_endpoint_shows_a_childs_name(api_for, world, a_agreement, foundation):
    for user in (world.a.municipal_official, world.a.project_leader, world.superuser):
        client = api_for(user)
        for path in (AGREEMENTS, detail(a_agreement), FUNDERS):
            response = client.get(path)
            assert response.status_code == 200
            assert "Zwartewaal" not in response.content.decode()
            assert "Yasmina" not in response.content.decode()
