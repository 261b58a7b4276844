"""The programmes and volunteers endpoints: who sees what, what changes, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import MembershipFactory, UserFactory
from audit.models import ProcessingLogEntry
from core.api.errors import CONFLICT_CODES
from initiatives.models import VOG, Availability, TrainingCompletion, Volunteer
from initiatives.tests.factories import (
    AvailabilityFactory,
    ProgrammeFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    VOGFactory,
    VolunteerFactory,
    VolunteerStatusChangeFactory,
    days_ago,
)
from initiatives.tests.helpers import resolve
from municipality.tests.factories import NeighbourhoodFactory
from referrals.matching.rules import add_years

pytestmark = pytest.mark.django_db

S = Volunteer.Status
PROGRAMMES = "/api/v1/programmes/"
VOLUNTEERS = "/api/v1/volunteers/"


def volunteer_url(volunteer, action: str = "") -> str:
    return f"{VOLUNTEERS}{volunteer.pk}/" + (f"{action}/" if action else "")


def today() -> dt.date:
    return timezone.localdate()


def field_names(response) -> set[str]:
    assert response["Content-Type"] == "application/problem+json"
    return {param["name"] for param in response.json()["invalid_params"]}


def names(response) -> list[str]:
    return [f"{v['first_name']} {v['last_name']}" for v in response.json()["results"]]


def assert_same_queries_for_more_rows(client, url, make_rows, *, expected_count=None):
    client.get(url)  # the token's first use records last_used_at
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    make_rows()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    if expected_count is not None:
        assert response.json()["count"] == expected_count
    assert len(many) == len(few)


# --- programmes -------------------------------------------------------------------


def test_anonymous_requests_are_refused_with_401(api_for, world):
    client = api_for(None)
    assert client.get(PROGRAMMES).status_code == 401
    assert client.get(VOLUNTEERS).status_code == 401
    assert client.post(VOLUNTEERS, {}, format="json").status_code == 401
    response = client.post(volunteer_url(world.a.volunteer, "status"), {}, format="json")
    assert response.status_code == 401


def test_programme_list_shows_target_group_and_municipalities_served(api_for, world):
    ProgrammeFactory(
        initiative=world.a.initiative,
        name="Huiswerkklas Kanaleneiland",
        group=True,
        support_type="homework",
        min_age=10,
        max_age=14,
        min_grade=7,
        max_grade=10,
        municipalities=[world.a.municipality],
    )
    response = api_for(world.a.project_leader).get(
        PROGRAMMES, {"initiative": world.a.initiative.pk}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    group = next(p for p in body["results"] if p["name"] == "Huiswerkklas Kanaleneiland")
    assert group["initiative"] == world.a.initiative.pk
    assert group["initiative_name"] == "Taal Doet Meer"
    assert group["works_in_groups"] is True
    assert group["format"] == "group"
    assert group["group_size_max"] == 6
    assert group["support_type"] == "homework"
    assert (group["min_age"], group["max_age"]) == (10, 14)
    assert (group["min_grade"], group["max_grade"]) == (7, 10)
    assert (group["min_grade_name"], group["max_grade_name"]) == ("Groep 7", "Klas 2")
    assert group["municipalities"] == [
        {"id": world.a.municipality.pk, "cbs_code": "GM0344", "name": "Utrecht"}
    ]
    one_to_one = next(p for p in body["results"] if p["name"] == "Taalmentoraat PO")
    assert one_to_one["works_in_groups"] is False


@pytest.mark.parametrize("who", ["outsider", "a.municipal_official", "b.volunteer_user"])
def test_programmes_hold_no_personal_data_so_every_signed_in_user_sees_them(api_for, world, who):
    response = api_for(resolve(world, who)).get(PROGRAMMES)
    assert response.status_code == 200
    assert {p["initiative_name"] for p in response.json()["results"]} == {
        "Taal Doet Meer",
        "Stichting Lina",
    }
    detail = api_for(resolve(world, who)).get(f"{PROGRAMMES}{world.a.programme.pk}/")
    assert detail.status_code == 200
    assert detail.json()["name"] == "Taalmentoraat PO"


def test_programmes_filter_by_municipality_and_active(api_for, world):
    ProgrammeFactory(
        initiative=world.b.initiative,
        name="Leesclub Dubbeldam",
        is_active=False,
        municipalities=[world.b.municipality],
    )
    client = api_for(world.a.project_leader)
    served = client.get(PROGRAMMES, {"municipality": world.b.municipality.pk})
    assert sorted(p["name"] for p in served.json()["results"]) == [
        "Leesclub Dubbeldam",
        "Taalmentoraat PO",
    ]
    beyond_any_id = client.get(PROGRAMMES, {"municipality": 10**30, "initiative": -(10**30)})
    assert (beyond_any_id.status_code, beyond_any_id.json()["count"]) == (200, 0)
    inactive = client.get(PROGRAMMES, {"is_active": "false"})
    assert [p["name"] for p in inactive.json()["results"]] == ["Leesclub Dubbeldam"]
    active = client.get(PROGRAMMES, {"is_active": "true", "municipality": world.b.municipality.pk})
    assert [p["id"] for p in active.json()["results"]] == [world.b.programme.pk]


def test_programmes_filter_by_working_in_groups(api_for, world):
    ProgrammeFactory(initiative=world.a.initiative, name="Huiswerkklas Overvecht", group=True)
    client = api_for(world.a.project_leader)
    groups = client.get(PROGRAMMES, {"works_in_groups": "true"})
    assert [p["name"] for p in groups.json()["results"]] == ["Huiswerkklas Overvecht"]
    one_to_one = client.get(PROGRAMMES, {"works_in_groups": "false"})
    assert [p["name"] for p in one_to_one.json()["results"]] == [
        "Taalmentoraat PO",
        "Taalmentoraat PO",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"support_type": "knutselen"}, "support_type"),
        ({"online": "null"}, "online"),
        ({"municipality": "0.5"}, "municipality"),
        ({"is_active": ""}, "is_active"),
    ],
)
def test_programme_filter_with_an_invalid_value_is_a_400_naming_the_filter(
    api_for, world, params, field
):
    response = api_for(world.a.project_leader).get(PROGRAMMES, params)
    assert response.status_code == 400
    assert field_names(response) == {field}


def test_unknown_programme_is_a_404(api_for, world):
    response = api_for(world.a.project_leader).get(f"{PROGRAMMES}999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_programmes_cannot_be_written(api_for, world):
    client = api_for(world.a.project_leader)
    assert client.post(PROGRAMMES, {"name": "Nieuw"}, format="json").status_code == 405
    url = f"{PROGRAMMES}{world.a.programme.pk}/"
    assert client.patch(url, {"name": "Anders"}, format="json").status_code == 405
    world.a.programme.refresh_from_db()
    assert world.a.programme.name == "Taalmentoraat PO"


def test_programme_list_queries_do_not_grow_with_rows(api_for, world):
    def more():
        training = TrainingFactory(initiative=world.a.initiative)
        for _ in range(6):
            programme = ProgrammeFactory(
                initiative=world.a.initiative,
                municipalities=[world.a.municipality, world.b.municipality],
                schools=[world.a.school],
            )
            programme.required_trainings.add(training)

    assert_same_queries_for_more_rows(
        api_for(world.a.project_leader), PROGRAMMES, more, expected_count=8
    )


# --- volunteers: reading ----------------------------------------------------------


def test_project_leader_lists_their_initiatives_volunteers_with_matching_facts(api_for, world):
    world.a.volunteer.intake_notes = "Gemotiveerd, ervaring als bijlesdocent."
    world.a.volunteer.save()
    response = api_for(world.a.project_leader).get(VOLUNTEERS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == world.a.volunteer.pk
    assert (row["first_name"], row["last_name"]) == ("Wilhelmina", "Ouwerkerk")
    assert row["initiative_name"] == "Taal Doet Meer"
    assert row["status"] == "active"
    assert row["has_account"] is True
    assert row["start_date"] == days_ago(90).isoformat()
    assert row["end_date"] is None
    assert row["tenure_months"] in (2, 3)
    assert row["active_pupils"] == 1
    assert row["vog_issued_on"] is None
    assert row["vog_valid"] is False
    assert row["can_match"] is False
    assert row["match_blockers"]
    assert row["intake_notes"] == "Gemotiveerd, ervaring als bijlesdocent."
    assert row["allowed_transitions"] == ["paused", "stopped"]
    assert "Bartholomeus" not in str(body)


def test_volunteer_sees_only_their_own_record_without_intake_notes(api_for, world):
    world.a.volunteer.intake_notes = "Alleen voor de projectleider."
    world.a.volunteer.save()
    VolunteerFactory(initiative=world.a.initiative, first_name="Gijsbrecht", last_name="Amstel")
    client = api_for(world.a.volunteer_user)
    response = client.get(VOLUNTEERS)
    assert names(response) == ["Wilhelmina Ouwerkerk"]
    (row,) = response.json()["results"]
    assert row["intake_notes"] is None
    assert row["allowed_transitions"] == []
    detail = client.get(volunteer_url(world.a.volunteer))
    assert detail.status_code == 200
    assert detail.json()["intake_notes"] is None


def test_volunteer_cannot_see_a_fellow_volunteers_record(api_for, world):
    fellow = VolunteerFactory(initiative=world.a.initiative, first_name="Gijsbrecht")
    response = api_for(world.a.volunteer_user).get(volunteer_url(fellow))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "who",
    [
        "outsider",
        "a.school_referrer",
        "a.municipal_official",
        "b.project_leader",
        "b.volunteer_user",
        "b.municipal_official",
    ],
)
def test_others_see_no_volunteers_of_world_a(api_for, world, who):
    client = api_for(resolve(world, who))
    listed = client.get(VOLUNTEERS)
    assert listed.status_code == 200
    assert "Wilhelmina" not in names(listed)
    assert "Ouwerkerk" not in str(listed.json())
    detail = client.get(volunteer_url(world.a.volunteer))
    assert detail.status_code == 404
    assert detail.json()["code"] == "not_found"


@pytest.mark.parametrize("who", ["outsider", "a.school_referrer", "a.municipal_official"])
def test_users_without_a_volunteer_role_list_no_volunteers(api_for, world, who):
    assert api_for(resolve(world, who)).get(VOLUNTEERS).json()["count"] == 0


def test_volunteer_record_shows_histories_vog_and_trainings(api_for, world):
    volunteer = world.a.volunteer
    VolunteerStatusChangeFactory(
        volunteer=volunteer, from_status="screening", to_status="active", date=days_ago(90)
    )
    issued = days_ago(400)
    VOGFactory(volunteer=volunteer, issued_on=issued, checked_by=world.a.project_leader)
    required = TrainingFactory(
        initiative=world.a.initiative, name="Veilig werken met kinderen", required=True
    )
    followed = TrainingFactory(initiative=world.a.initiative, name="Taalcoach basis")
    TrainingCompletionFactory(volunteer=volunteer, training=followed, completed_on=days_ago(60))
    AvailabilityFactory(volunteer=volunteer)

    response = api_for(world.a.project_leader).get(volunteer_url(volunteer))
    assert response.status_code == 200
    body = response.json()
    assert body["vog_issued_on"] == issued.isoformat()
    assert body["vog_valid_until"] == add_years(issued, 3).isoformat()
    assert body["vog_valid"] is True
    assert body["missing_trainings"] == ["Veilig werken met kinderen"]
    assert body["status_history"] == [
        {
            "status": "active",
            "date": days_ago(90).isoformat(),
            "reason": "",
            "changed_by_name": None,
        }
    ]
    (vog,) = body["vogs"]
    assert vog["issued_on"] == issued.isoformat()
    assert vog["checked_by"] == world.a.project_leader.pk
    assert body["trainings_followed"] == [
        {
            "id": followed.completions.get().pk,
            "training": followed.pk,
            "training_name": "Taalcoach basis",
            "completed_on": days_ago(60).isoformat(),
        }
    ]
    assert body["availability"] == [
        {"weekday": 3, "start_time": "14:00:00", "end_time": "17:00:00"}
    ]
    (eligibility,) = body["eligibility"]
    assert eligibility["programme"] == world.a.programme.pk
    assert eligibility["eligible"] is False
    assert any(required.name in blocker for blocker in eligibility["blockers"])


def test_expired_vog_is_not_valid(api_for, world):
    VOGFactory(volunteer=world.a.volunteer, issued_on=days_ago(4 * 366))
    (row,) = api_for(world.a.project_leader).get(VOLUNTEERS).json()["results"]
    assert row["vog_valid"] is False
    assert row["vog_valid_until"] < today().isoformat()


def test_stopped_volunteer_shows_end_date_reason_and_tenure(api_for, world):
    stopped = VolunteerFactory(
        initiative=world.a.initiative,
        stopped=True,
        start_date=days_ago(400),
        end_date=days_ago(30),
        stop_reason="Verhuisd naar Groningen",
    )
    body = api_for(world.a.project_leader).get(volunteer_url(stopped)).json()
    assert body["status"] == "stopped"
    assert body["end_date"] == days_ago(30).isoformat()
    assert body["stop_reason"] == "Verhuisd naar Groningen"
    assert body["tenure_months"] in (12, 11)
    assert body["allowed_transitions"] == ["applicant"]


def test_volunteers_filter_by_status_programme_and_initiative(api_for, world):
    other_programme = ProgrammeFactory(initiative=world.a.initiative, name="Rekenmaatjes")
    only_other = VolunteerFactory(
        initiative=world.a.initiative, first_name="Hendrika", last_name="Rekenaar"
    )
    only_other.programmes.add(other_programme)
    stopped = VolunteerFactory(
        initiative=world.a.initiative, stopped=True, first_name="Cornelis", last_name="Vertrokken"
    )
    client = api_for(world.a.project_leader)

    assert names(client.get(VOLUNTEERS, {"status": "stopped"})) == [stopped.full_name]
    # the world's volunteer works in every programme (none chosen), so also in this one
    assert sorted(names(client.get(VOLUNTEERS, {"programme": world.a.programme.pk}))) == [
        "Cornelis Vertrokken",
        "Wilhelmina Ouwerkerk",
    ]
    assert sorted(names(client.get(VOLUNTEERS, {"programme": other_programme.pk}))) == [
        "Cornelis Vertrokken",
        "Hendrika Rekenaar",
        "Wilhelmina Ouwerkerk",
    ]
    assert client.get(VOLUNTEERS, {"programme": 999999}).json()["count"] == 0
    assert client.get(VOLUNTEERS, {"programme": 10**30}).json()["count"] == 0
    assert client.get(VOLUNTEERS, {"initiative": world.b.initiative.pk}).json()["count"] == 0
    assert client.get(VOLUNTEERS, {"initiative": world.a.initiative.pk}).json()["count"] == 3
    started = client.get(VOLUNTEERS, {"start_date_after": days_ago(100).isoformat()})
    assert names(started) == ["Wilhelmina Ouwerkerk"]


def test_volunteers_order_by_name_by_default_and_by_start_date_on_request(api_for, world):
    VolunteerFactory(
        initiative=world.a.initiative,
        active=True,
        first_name="Aaltje",
        last_name="Zijlstra",
        start_date=days_ago(500),
    )
    VolunteerFactory(
        initiative=world.a.initiative,
        active=True,
        first_name="Bram",
        last_name="Aalders",
        start_date=days_ago(10),
    )
    client = api_for(world.a.project_leader)
    assert names(client.get(VOLUNTEERS)) == [
        "Bram Aalders",
        "Wilhelmina Ouwerkerk",
        "Aaltje Zijlstra",
    ]
    assert names(client.get(VOLUNTEERS, {"ordering": "start_date"})) == [
        "Aaltje Zijlstra",
        "Wilhelmina Ouwerkerk",
        "Bram Aalders",
    ]
    assert names(client.get(VOLUNTEERS, {"ordering": "-last_name"}))[0] == "Aaltje Zijlstra"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "afwezig"}, "status"),
        ({"programme": "Taalmentoraat"}, "programme"),
        ({"start_date_after": "gisteren"}, "start_date_after"),
        ({"start_date_before": ""}, "start_date_before"),
        ({"initiative": "1.5"}, "initiative"),
    ],
)
def test_volunteer_filter_with_an_invalid_value_is_a_400(api_for, world, params, field):
    response = api_for(world.a.project_leader).get(VOLUNTEERS, params)
    assert response.status_code == 400
    assert field_names(response) == {field}


def test_volunteer_list_logs_each_volunteer_it_shows(api_for, world):
    response = api_for(world.a.project_leader).get(VOLUNTEERS)
    assert response.status_code == 200
    logged = set(
        ProcessingLogEntry.objects.filter(
            actor_id=world.a.project_leader.pk, action="list", channel="api"
        ).values_list("record_type", "record_id")
    )
    assert logged == {("volunteer", world.a.volunteer.pk)}


def test_volunteer_list_queries_do_not_grow_with_rows(api_for, world):
    training = TrainingFactory(initiative=world.a.initiative, required=True)
    neighbourhood = NeighbourhoodFactory(municipality=world.a.municipality)

    def more():
        for _ in range(6):
            volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)
            volunteer.programmes.add(world.a.programme)
            volunteer.neighbourhoods.add(neighbourhood)
            AvailabilityFactory(volunteer=volunteer)
            VOGFactory(volunteer=volunteer)
            TrainingCompletionFactory(volunteer=volunteer, training=training)

    assert_same_queries_for_more_rows(
        api_for(world.a.project_leader), VOLUNTEERS, more, expected_count=7
    )


def test_token_for_the_volunteer_role_sees_only_the_own_record(api_for, world):
    """A user who leads initiative b and volunteers in a, with a token for the volunteer role."""
    user = world.a.volunteer_user
    MembershipFactory(user=user, project_leader=True, initiative=world.b.initiative)
    membership = user.memberships.get(role="volunteer")
    narrowed = api_for(user, membership=membership)
    assert names(narrowed.get(VOLUNTEERS)) == ["Wilhelmina Ouwerkerk"]
    assert narrowed.get(volunteer_url(world.b.volunteer)).status_code == 404
    full = api_for(user)
    assert sorted(names(full.get(VOLUNTEERS))) == [
        "Bartholomeus Tjeenk-Willink",
        "Wilhelmina Ouwerkerk",
    ]


# --- volunteers: registering --------------------------------------------------------


def profile_payload(world, **changes) -> dict:
    neighbourhood = NeighbourhoodFactory(municipality=world.a.municipality, name="Lombok")
    payload = {
        "initiative": world.a.initiative.pk,
        "first_name": "Geertruida",
        "last_name": "Vlasblom",
        "email": "g.vlasblom@example.nl",
        "phone": "06-12345678",
        "postcode": "3531 ab",
        "date_of_birth": "1990-04-12",
        "programmes": [world.a.programme.pk],
        "neighbourhoods": [neighbourhood.pk],
        "max_travel_km": 12,
        "online_possible": True,
        "languages": ["Nederlands", "Tamazight"],
        "subjects": ["rekenen"],
        "school_levels": ["PO"],
        "education_level": "hbo",
        "capacity": 2,
        "availability": [
            {"weekday": 2, "start_time": "15:00", "end_time": "17:00"},
            {"weekday": 4, "start_time": "09:00", "end_time": "12:00"},
        ],
    }
    payload.update(changes)
    return payload


def test_project_leader_registers_a_volunteer_as_applicant(api_for, world):
    payload = profile_payload(world)
    response = api_for(world.a.project_leader).post(VOLUNTEERS, payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "applicant"
    assert body["postcode"] == "3531 AB"
    assert body["programmes"] == [world.a.programme.pk]
    assert body["neighbourhoods"] == payload["neighbourhoods"]
    assert body["languages"] == ["Nederlands", "Tamazight"]
    assert body["capacity"] == 2
    assert body["availability"] == [
        {"weekday": 2, "start_time": "15:00:00", "end_time": "17:00:00"},
        {"weekday": 4, "start_time": "09:00:00", "end_time": "12:00:00"},
    ]
    assert [line["status"] for line in body["status_history"]] == ["applicant"]
    volunteer = Volunteer.objects.get(pk=body["id"])
    assert volunteer.initiative == world.a.initiative
    assert volunteer.full_name == "Geertruida Vlasblom"
    assert volunteer.availability.count() == 2
    assert volunteer.status_changes.get().changed_by == world.a.project_leader


def test_registering_needs_only_the_initiative_and_the_name(api_for, world):
    response = api_for(world.a.project_leader).post(
        VOLUNTEERS,
        {"initiative": world.a.initiative.pk, "first_name": "Jantje", "last_name": "Minimaal"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["capacity"], body["programmes"], body["availability"]) == (1, [], [])


@pytest.mark.parametrize(
    "who", ["a.volunteer_user", "a.school_referrer", "a.municipal_official", "outsider"]
)
def test_only_project_leaders_may_register_volunteers(api_for, world, who):
    response = api_for(resolve(world, who)).post(VOLUNTEERS, profile_payload(world), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Volunteer.objects.filter(last_name="Vlasblom").exists()


def test_read_only_token_cannot_register_a_volunteer(api_for, world):
    client = api_for(world.a.project_leader, read_only=True)
    response = client.post(VOLUNTEERS, profile_payload(world), format="json")
    assert response.status_code == 403
    assert not Volunteer.objects.filter(last_name="Vlasblom").exists()


def test_registering_in_another_organisations_initiative_is_a_400(api_for, world):
    response = api_for(world.a.project_leader).post(
        VOLUNTEERS, profile_payload(world, initiative=world.b.initiative.pk), format="json"
    )
    assert response.status_code == 400
    assert field_names(response) == {"initiative"}
    assert not Volunteer.objects.filter(last_name="Vlasblom").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": None}, "last_name"),
        ({"first_name": "Geert\x00ruida"}, "first_name"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 21}, "capacity"),
        ({"max_travel_km": 500}, "max_travel_km"),
        ({"school_levels": ["MBO"]}, "school_levels"),
        ({"education_level": "promotie"}, "education_level"),
        ({"email": "geen-adres"}, "email"),
        ({"postcode": "3531 AB X"}, "postcode"),
        ({"languages": "Nederlands"}, "languages"),
        ({"programmes": [999999]}, "programmes"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        (
            {"availability": [{"weekday": 8, "start_time": "15:00", "end_time": "17:00"}]},
            "availability",
        ),
    ],
)
def test_invalid_registration_is_a_400_naming_the_field(api_for, world, changes, field):
    response = api_for(world.a.project_leader).post(
        VOLUNTEERS, profile_payload(world, **changes), format="json"
    )
    assert response.status_code == 400
    assert field in {name.split(".")[0].split("[")[0] for name in field_names(response)}
    assert not Volunteer.objects.filter(last_name="Vlasblom").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ("other_programme", "programmes"),
        ("other_neighbourhood", "neighbourhoods"),
        ("overlap", "availability"),
    ],
)
def test_registration_against_the_rules_is_a_400_from_the_service(api_for, world, changes, field):
    options = {
        "other_programme": {"programmes": [world.b.programme.pk]},
        "other_neighbourhood": {
            "neighbourhoods": [NeighbourhoodFactory(municipality=world.b.municipality).pk]
        },
        "overlap": {
            "availability": [
                {"weekday": 2, "start_time": "15:00", "end_time": "17:00"},
                {"weekday": 2, "start_time": "16:00", "end_time": "18:00"},
            ]
        },
    }
    response = api_for(world.a.project_leader).post(
        VOLUNTEERS, profile_payload(world, **options[changes]), format="json"
    )
    assert response.status_code == 400
    assert field_names(response) == {field}
    assert not Volunteer.objects.filter(last_name="Vlasblom").exists()


# --- volunteers: changing the profile -------------------------------------------------


def test_project_leader_changes_only_the_fields_sent(api_for, world):
    volunteer = world.a.volunteer
    volunteer.programmes.add(world.a.programme)
    AvailabilityFactory(volunteer=volunteer)
    response = api_for(world.a.project_leader).patch(
        volunteer_url(volunteer),
        {"capacity": 3, "languages": ["Nederlands", "Pools"], "online_possible": True},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["capacity"], body["languages"]) == (3, ["Nederlands", "Pools"])
    assert body["online_possible"] is True
    volunteer.refresh_from_db()
    assert volunteer.capacity == 3
    assert volunteer.first_name == "Wilhelmina"
    assert volunteer.email == "vrijwilliger-a@example.nl"
    assert list(volunteer.programmes.all()) == [world.a.programme]
    assert volunteer.availability.count() == 1


def test_sending_availability_replaces_every_slot(api_for, world):
    volunteer = world.a.volunteer
    AvailabilityFactory(volunteer=volunteer)
    response = api_for(world.a.project_leader).patch(
        volunteer_url(volunteer),
        {"availability": [{"weekday": 6, "start_time": "10:00", "end_time": "12:30"}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["availability"] == [
        {"weekday": 6, "start_time": "10:00:00", "end_time": "12:30:00"}
    ]
    assert list(volunteer.availability.values_list("weekday", flat=True)) == [6]


def test_volunteer_cannot_change_their_own_profile(api_for, world):
    """As on the pages: a volunteer's own record is read only for them."""
    response = api_for(world.a.volunteer_user).patch(
        volunteer_url(world.a.volunteer), {"capacity": 5}, format="json"
    )
    assert response.status_code == 403
    world.a.volunteer.refresh_from_db()
    assert world.a.volunteer.capacity == 1


@pytest.mark.parametrize("who", ["outsider", "b.project_leader", "a.municipal_official"])
def test_changing_a_volunteer_one_cannot_see_is_a_404(api_for, world, who):
    response = api_for(resolve(world, who)).patch(
        volunteer_url(world.a.volunteer), {"capacity": 5}, format="json"
    )
    assert response.status_code == 404
    world.a.volunteer.refresh_from_db()
    assert world.a.volunteer.capacity == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "   "}, "first_name"),
        ({"capacity": 25}, "capacity"),
        ({"school_levels": ["HAVO"]}, "school_levels"),
        ({"neighbourhoods": ["Lombok"]}, "neighbourhoods"),
        ({"programmes": [999999]}, "programmes"),
        (
            {"availability": [{"weekday": 1, "start_time": "17:00", "end_time": "15:00"}]},
            "availability",
        ),
    ],
)
def test_invalid_profile_change_is_a_400_and_changes_nothing(api_for, world, payload, field):
    response = api_for(world.a.project_leader).patch(
        volunteer_url(world.a.volunteer), payload, format="json"
    )
    assert response.status_code == 400
    assert field in {name.split(".")[0].split("[")[0] for name in field_names(response)}
    volunteer = Volunteer.objects.get(pk=world.a.volunteer.pk)
    assert (volunteer.first_name, volunteer.capacity) == ("Wilhelmina", 1)
    assert volunteer.availability.count() == 0


def test_volunteers_cannot_be_replaced_or_deleted(api_for, world):
    client = api_for(world.a.project_leader)
    url = volunteer_url(world.a.volunteer)
    assert client.put(url, profile_payload(world), format="json").status_code == 405
    assert client.delete(url).status_code == 405
    assert Volunteer.objects.filter(pk=world.a.volunteer.pk).exists()


# --- volunteers: status -----------------------------------------------------------


def test_project_leader_moves_an_applicant_to_screening_and_active(api_for, world):
    applicant = VolunteerFactory(initiative=world.a.initiative, first_name="Sjoerd")
    client = api_for(world.a.project_leader)
    screening = client.post(
        volunteer_url(applicant, "status"),
        {"status": "screening", "date": days_ago(5).isoformat(), "reason": "Intake gepland"},
        format="json",
    )
    assert screening.status_code == 200
    assert screening.json()["status"] == "screening"
    active = client.post(
        volunteer_url(applicant, "status"),
        {"status": "active", "date": days_ago(1).isoformat()},
        format="json",
    )
    assert active.status_code == 200
    body = active.json()
    assert body["status"] == "active"
    assert body["start_date"] == days_ago(1).isoformat()
    assert [(line["status"], line["reason"]) for line in body["status_history"]] == [
        ("screening", "Intake gepland"),
        ("active", ""),
    ]
    applicant.refresh_from_db()
    assert applicant.status == S.ACTIVE
    assert applicant.status_changes.count() == 2


def test_stopping_records_end_date_reason_and_tenure(api_for, world):
    volunteer = VolunteerFactory(
        initiative=world.a.initiative, active=True, start_date=days_ago(200)
    )
    response = api_for(world.a.project_leader).post(
        volunteer_url(volunteer, "status"),
        {"status": "stopped", "date": today().isoformat(), "reason": "Studie in het buitenland"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["end_date"]) == ("stopped", today().isoformat())
    assert body["stop_reason"] == "Studie in het buitenland"
    assert body["tenure_months"] in (6, 5)


def test_a_status_the_current_one_does_not_lead_to_is_a_409(api_for, world):
    applicant = VolunteerFactory(initiative=world.a.initiative)
    response = api_for(world.a.project_leader).post(
        volunteer_url(applicant, "status"),
        {"status": "active", "date": today().isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    applicant.refresh_from_db()
    assert applicant.status == S.APPLICANT
    assert applicant.status_changes.count() == 0


def test_stopping_a_volunteer_with_active_matches_is_refused(api_for, world):
    response = api_for(world.a.project_leader).post(
        volunteer_url(world.a.volunteer, "status"),
        {"status": "stopped", "date": today().isoformat(), "reason": "Verhuisd"},
        format="json",
    )
    # The service's code is ``active_matches``: a 409 once the lead lists it among the
    # conflict codes, a 400 (a non-field error) until then.
    if "active_matches" in CONFLICT_CODES:
        assert response.status_code == 409
    else:
        assert response.status_code == 400
        assert response.json()["invalid_params"][0]["code"] == "active_matches"
    world.a.volunteer.refresh_from_db()
    assert world.a.volunteer.status == S.ACTIVE


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "stopped", "date": "today"}, "reason"),
        ({"status": "paused", "date": "2999-01-01"}, "date"),
        ({"status": "paused", "date": "1-1-2024"}, "date"),
        ({"status": "vakantie", "date": "today"}, "status"),
        ({"date": "today"}, "status"),
        ({"status": "paused", "date": "today", "reason": "x" * 201}, "reason"),
    ],
)
def test_invalid_status_change_is_a_400_naming_the_field(api_for, world, payload, field):
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)
    payload = {k: (today().isoformat() if v == "today" else v) for k, v in payload.items()}
    response = api_for(world.a.project_leader).post(
        volunteer_url(volunteer, "status"), payload, format="json"
    )
    assert response.status_code == 400
    assert field_names(response) == {field}
    volunteer.refresh_from_db()
    assert volunteer.status == S.ACTIVE


def test_status_change_before_the_previous_one_is_a_400(api_for, world):
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)
    VolunteerStatusChangeFactory(volunteer=volunteer, date=days_ago(3))
    response = api_for(world.a.project_leader).post(
        volunteer_url(volunteer, "status"),
        {"status": "paused", "date": days_ago(10).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert field_names(response) == {"date"}


def test_volunteer_cannot_change_their_own_status(api_for, world):
    response = api_for(world.a.volunteer_user).post(
        volunteer_url(world.a.volunteer, "status"),
        {"status": "paused", "date": today().isoformat()},
        format="json",
    )
    assert response.status_code == 403
    world.a.volunteer.refresh_from_db()
    assert world.a.volunteer.status == S.ACTIVE


@pytest.mark.parametrize("action", ["status", "vog", "trainings", "intake"])
@pytest.mark.parametrize("who", ["outsider", "b.project_leader", "a.school_referrer"])
def test_actions_on_a_volunteer_one_cannot_see_are_a_404(api_for, world, who, action):
    response = api_for(resolve(world, who)).post(
        volunteer_url(world.a.volunteer, action), {}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("action", ["status", "vog", "trainings", "intake"])
def test_volunteer_may_not_act_on_their_own_record_even_with_invalid_input(api_for, world, action):
    response = api_for(world.a.volunteer_user).post(
        volunteer_url(world.a.volunteer, action), {}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("action", ["status", "vog", "trainings", "intake"])
def test_read_only_token_may_not_act(api_for, world, action):
    response = api_for(world.a.project_leader, read_only=True).post(
        volunteer_url(world.a.volunteer, action), {}, format="json"
    )
    assert response.status_code == 403


# --- volunteers: VOG, trainings, intake ---------------------------------------------


def test_project_leader_records_a_vog_as_the_checker(api_for, world):
    client = api_for(world.a.project_leader)
    issued = days_ago(20)
    response = client.post(
        volunteer_url(world.a.volunteer, "vog"),
        {"issued_on": issued.isoformat(), "checked_on": days_ago(2).isoformat()},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["issued_on"] == issued.isoformat()
    assert body["checked_on"] == days_ago(2).isoformat()
    assert body["checked_by"] == world.a.project_leader.pk
    vog = VOG.objects.get(pk=body["id"])
    assert (vog.volunteer, vog.checked_by) == (world.a.volunteer, world.a.project_leader)
    record = client.get(volunteer_url(world.a.volunteer)).json()
    assert record["vog_valid"] is True
    assert record["vog_issued_on"] == issued.isoformat()


def test_vog_checked_on_defaults_to_today(api_for, world):
    response = api_for(world.a.project_leader).post(
        volunteer_url(world.a.volunteer, "vog"),
        {"issued_on": days_ago(3).isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["checked_on"] == today().isoformat()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"issued_on": "2999-01-01"}, "issued_on"),
        ({}, "issued_on"),
        ({"issued_on": "vorige week"}, "issued_on"),
        ({"issued_on": "days_ago_5", "checked_on": "days_ago_10"}, "checked_on"),
        ({"issued_on": "days_ago_5", "checked_on": "2999-01-01"}, "checked_on"),
    ],
)
def test_invalid_vog_is_a_400_and_records_nothing(api_for, world, payload, field):
    payload = {
        k: (days_ago(int(v.rsplit("_", 1)[1])).isoformat() if v.startswith("days_ago") else v)
        for k, v in payload.items()
    }
    response = api_for(world.a.project_leader).post(
        volunteer_url(world.a.volunteer, "vog"), payload, format="json"
    )
    assert response.status_code == 400
    assert field_names(response) == {field}
    assert not VOG.objects.exists()


def test_project_leader_records_a_training_followed(api_for, world):
    training = TrainingFactory(
        initiative=world.a.initiative, name="Kindermishandeling signaleren", required=True
    )
    client = api_for(world.a.project_leader)
    before = client.get(volunteer_url(world.a.volunteer)).json()
    assert before["missing_trainings"] == ["Kindermishandeling signaleren"]
    response = client.post(
        volunteer_url(world.a.volunteer, "trainings"),
        {"training": training.pk, "completed_on": days_ago(4).isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert response.json() == {
        "id": TrainingCompletion.objects.get().pk,
        "training": training.pk,
        "training_name": "Kindermishandeling signaleren",
        "completed_on": days_ago(4).isoformat(),
    }
    after = client.get(volunteer_url(world.a.volunteer)).json()
    assert after["missing_trainings"] == []


def test_training_of_another_organisation_is_a_400(api_for, world):
    other = TrainingFactory(initiative=world.b.initiative)
    response = api_for(world.a.project_leader).post(
        volunteer_url(world.a.volunteer, "trainings"),
        {"training": other.pk, "completed_on": days_ago(4).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert field_names(response) == {"training"}
    assert not TrainingCompletion.objects.exists()


def test_training_of_another_initiative_one_leads_is_refused_by_the_service(api_for, world):
    MembershipFactory(
        user=world.a.project_leader, project_leader=True, initiative=world.b.initiative
    )
    other = TrainingFactory(initiative=world.b.initiative)
    response = api_for(world.a.project_leader).post(
        volunteer_url(world.a.volunteer, "trainings"),
        {"training": other.pk, "completed_on": days_ago(4).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert field_names(response) == {"training"}
    # the service's own refusal (the training exists and is visible), not "does not exist"
    assert "pk" not in response.json()["detail"]
    assert not TrainingCompletion.objects.exists()


def test_recording_a_training_twice_is_refused(api_for, world):
    completion = TrainingCompletionFactory(volunteer=world.a.volunteer)
    response = api_for(world.a.project_leader).post(
        volunteer_url(world.a.volunteer, "trainings"),
        {"training": completion.training_id, "completed_on": days_ago(1).isoformat()},
        format="json",
    )
    assert response.status_code == 409  # a conflict with what is recorded
    assert field_names(response) == {"training"}
    assert TrainingCompletion.objects.get().completed_on == completion.completed_on


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"completed_on": "2999-01-01"}, "completed_on"),
        ({"completed_on": None}, "completed_on"),
        ({"training": "Basistraining"}, "training"),
        ({"training": 999999}, "training"),
    ],
)
def test_invalid_training_record_is_a_400(api_for, world, payload, field):
    training = TrainingFactory(initiative=world.a.initiative)
    data = {"training": training.pk, "completed_on": days_ago(1).isoformat(), **payload}
    response = api_for(world.a.project_leader).post(
        volunteer_url(world.a.volunteer, "trainings"), data, format="json"
    )
    assert response.status_code == 400
    assert field_names(response) == {field}
    assert not TrainingCompletion.objects.exists()


def test_project_leader_records_the_intake_talk(api_for, world):
    applicant = VolunteerFactory(initiative=world.a.initiative)
    response = api_for(world.a.project_leader).post(
        volunteer_url(applicant, "intake"),
        {"date": days_ago(2).isoformat(), "notes": "  Wil graag met groep 7 werken.  "},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["intake_date"] == days_ago(2).isoformat()
    assert body["intake_notes"] == "Wil graag met groep 7 werken."
    applicant.refresh_from_db()
    assert applicant.intake_date == days_ago(2)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"date": "2999-01-01"}, "date"),
        ({"notes": "Zonder datum"}, "date"),
        ({"date": "2024-01-01", "notes": "a\x00b"}, "notes"),
    ],
)
def test_invalid_intake_is_a_400(api_for, world, payload, field):
    applicant = VolunteerFactory(initiative=world.a.initiative)
    response = api_for(world.a.project_leader).post(
        volunteer_url(applicant, "intake"), payload, format="json"
    )
    assert response.status_code == 400
    assert field_names(response) == {field}
    applicant.refresh_from_db()
    assert applicant.intake_date is None


def test_superuser_manages_any_volunteer(api_for, world):
    client = api_for(world.superuser)
    assert client.get(VOLUNTEERS).json()["count"] == 2
    response = client.post(
        volunteer_url(world.b.volunteer, "vog"),
        {"issued_on": days_ago(1).isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert Availability.objects.count() == 0
    assert UserFactory._meta.model.objects.get(pk=response.json()["checked_by"]).is_superuser
