"""The matching half of the referrals API: matches, suggestions, contact moments,
evaluations and impact measurements."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from initiatives.models import Programme
from initiatives.tests.factories import AvailabilityFactory, VOGFactory, VolunteerFactory
from referrals.api.matching_serializers import FREQUENCIES, MATCH_KINDS, PHASES
from referrals.matching.rules import matching_blockers
from referrals.models import (
    ContactMoment,
    Evaluation,
    ImpactMeasurement,
    Match,
    MatchParticipant,
    Referral,
)
from referrals.tests.factories import (
    ActionPlanFactory,
    ContactMomentFactory,
    GoalFactory,
    ImpactQuestionFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilAvailabilityFactory,
    days_ago,
)
from referrals.tests.test_match_services import eligible, group_programme, waiting

pytestmark = pytest.mark.django_db

S = Referral.Status
R = Match.EndReason
MATCHES = "/api/v1/matches/"
SUGGESTIONS = "/api/v1/matches/suggestions/"
MOMENTS = "/api/v1/contact-moments/"
EVALUATIONS = "/api/v1/evaluations/"
IMPACT = "/api/v1/impact-measurements/"
NO_ACCESS = ["municipal_official", "school_referrer", "outsider"]


@pytest.fixture(autouse=True)
def _one_moment():
    """Dates relative to today stay on one day, also when a test runs over midnight."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def person(world, who: str):
    """A persona of world a by name; ``outsider`` belongs to neither world."""
    return world.outsider if who == "outsider" else getattr(world.a, who)


def params(response) -> dict[str, list[str]]:
    """The invalid_params of a problem response, by field name."""
    found: dict[str, list[str]] = {}
    for param in response.json().get("invalid_params", []):
        found.setdefault(param["name"], []).append(param["reason"])
    return found


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def today() -> dt.date:
    return timezone.localdate()


def test_the_schema_choice_sets_are_the_models(world):
    assert [value for value, _label in MATCH_KINDS] == Match.Kind.values
    assert [value for value, _label in FREQUENCIES] == Programme.Frequency.values
    assert [value for value, _label in PHASES] == ContactMoment.Phase.values


# --- matches: reading ------------------------------------------------------------------------


def test_leader_lists_the_initiatives_matches_with_pupils_and_volunteer(world, api_for):
    response = api_for(world.a.project_leader).get(MATCHES)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    match = body["results"][0]
    assert match["id"] == world.a.match.pk
    assert match["volunteer"] == world.a.volunteer.pk
    assert match["volunteer_name"] == "Wilhelmina Ouwerkerk"
    assert match["programme_name"] == "Taalmentoraat PO"
    assert [(p["referral"], p["pupil_name"]) for p in match["participants"]] == [
        (world.a.referral.pk, "Yasmina Zwartewaal")
    ]
    assert "Thijmen" not in response.content.decode()


def test_match_detail_shows_the_arrangements_and_sessions_held(world, api_for):
    ContactMomentFactory(match=world.a.match, attendance=ContactMoment.Attendance.PUPIL_ABSENT)

    response = api_for(world.a.project_leader).get(f"{MATCHES}{world.a.match.pk}/")

    assert response.status_code == 200
    match = response.json()
    assert match["kind"] == "one_to_one"
    assert match["location_type"] == "library"
    assert match["frequency"] == "weekly"
    assert match["session_minutes"] == 90
    assert match["start_date"] == days_ago(30).isoformat()
    assert match["planned_end_date"] == (days_ago(30) + dt.timedelta(weeks=40)).isoformat()
    assert match["end_date"] is None
    assert match["end_reason"] is None
    assert match["end_note"] is None
    assert match["is_active"] is True
    assert match["sessions_held"] == 1  # the absent one does not count
    assert match["participants"][0]["id"] == world.a.participant.pk
    assert match["participants"][0]["left_on"] is None
    assert "referrals" not in match


def test_volunteer_sees_only_their_own_running_matches(world, api_for):
    ended_own = MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer, ended=True)
    colleague = MatchFactory(programme=world.a.programme)
    client = api_for(world.a.volunteer_user)

    response = client.get(MATCHES)

    assert ids(response) == [world.a.match.pk]
    assert client.get(f"{MATCHES}{ended_own.pk}/").status_code == 404
    assert client.get(f"{MATCHES}{colleague.pk}/").status_code == 404
    assert client.get(f"{MATCHES}{world.a.match.pk}/").status_code == 200


def test_volunteer_of_world_b_sees_nothing_of_world_a(world, api_for):
    client = api_for(world.b.volunteer_user)

    assert ids(client.get(MATCHES)) == [world.b.match.pk]
    assert client.get(f"{MATCHES}{world.a.match.pk}/").status_code == 404
    assert ids(client.get(MOMENTS)) == [world.b.contact_moment.pk]
    assert client.get(f"{MOMENTS}{world.a.contact_moment.pk}/").status_code == 404
    assert client.get(EVALUATIONS).json()["count"] == 0


def test_leader_of_world_b_gets_404_for_a_match_of_world_a(world, api_for):
    client = api_for(world.b.project_leader)

    assert ids(client.get(MATCHES)) == [world.b.match.pk]
    response = client.get(f"{MATCHES}{world.a.match.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("who", NO_ACCESS)
def test_official_school_and_outsider_see_no_matches(world, api_for, who):
    client = api_for(person(world, who))

    response = client.get(MATCHES)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert client.get(f"{MATCHES}{world.a.match.pk}/").status_code == 404


def test_anonymous_gets_401_for_matches(world, api_for):
    assert api_for(None).get(MATCHES).status_code == 401


def test_matches_filter_on_status_programme_volunteer_and_dates(world, api_for):
    ended = MatchFactory(
        programme=world.a.programme,
        start_date=days_ago(200),
        end_date=days_ago(100),
        end_reason=R.COMPLETED,
    )
    other = group_programme(world.a)
    grouped = MatchFactory(programme=other, kind=Match.Kind.GROUP, start_date=days_ago(5))
    client = api_for(world.a.project_leader)

    assert ids(client.get(MATCHES, {"status": "ended"})) == [ended.pk]
    assert set(ids(client.get(MATCHES, {"status": "active"}))) == {world.a.match.pk, grouped.pk}
    assert ids(client.get(MATCHES, {"programme": other.pk})) == [grouped.pk]
    assert ids(client.get(MATCHES, {"volunteer": world.a.volunteer.pk})) == [world.a.match.pk]
    assert ids(client.get(MATCHES, {"referral": world.a.referral.pk})) == [world.a.match.pk]
    window = {"start_date_after": days_ago(40), "start_date_before": days_ago(10)}
    assert ids(client.get(MATCHES, window)) == [world.a.match.pk]
    assert ids(client.get(MATCHES, {"end_date_before": days_ago(50)})) == [ended.pk]
    assert ids(client.get(MATCHES)) == [grouped.pk, world.a.match.pk, ended.pk]
    assert ids(client.get(MATCHES, {"ordering": "start_date"})) == [
        ended.pk,
        world.a.match.pk,
        grouped.pk,
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "running"},
        {"programme": "abc"},
        {"volunteer": str(2**70)},
        {"start_date_after": "gisteren"},
        {"start_date_before": ""},
        {"status": ""},
        {"programme": "0"},
        {"ordering": "volunteer__last_name"},
    ],
)
def test_invalid_match_filters_are_a_400_naming_the_parameter(world, api_for, query):
    response = api_for(world.a.project_leader).get(MATCHES, query)

    assert response.status_code == 400
    assert set(params(response)) == set(query)


def test_match_list_queries_do_not_grow_with_rows(world, api_for):
    client = api_for(world.a.project_leader)
    client.get(MATCHES)  # the token's first use records last_used_at
    with CaptureQueriesContext(connection) as few:
        client.get(MATCHES)
    for _ in range(6):
        match = MatchFactory(programme=world.a.programme, kind=Match.Kind.GROUP)
        MatchParticipantFactory(match=match)
        MatchParticipantFactory(match=match)
        ContactMomentFactory(match=match)
    with CaptureQueriesContext(connection) as many:
        response = client.get(MATCHES)
    assert response.json()["count"] == 7
    assert len(many) == len(few)


# --- matches: making one ------------------------------------------------------------------


def create_body(referrals, volunteer, /, **overrides) -> dict:
    body = {
        "referrals": [r.pk for r in referrals],
        "volunteer": volunteer.pk,
        "location_type": "school",
        "start_date": today().isoformat(),
    }
    body.update(overrides)
    return body


def test_leader_matches_a_waiting_pupil_with_the_programmes_defaults(world, api_for):
    referral = waiting(world.a)
    volunteer = eligible(world.a, first_name="Cornelis", last_name="Vlasblom")

    response = api_for(world.a.project_leader).post(
        MATCHES, create_body([referral], volunteer), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    match = Match.objects.get(pk=body["id"])
    assert match.volunteer == volunteer
    assert body["volunteer_name"] == "Cornelis Vlasblom"
    assert [p["referral"] for p in body["participants"]] == [referral.pk]
    programme = world.a.programme
    assert body["frequency"] == programme.session_frequency
    assert body["session_minutes"] == programme.session_minutes
    planned = today() + dt.timedelta(weeks=programme.usual_duration_weeks)
    assert body["planned_end_date"] == planned.isoformat()
    assert body["kind"] == "one_to_one"
    referral.refresh_from_db()
    assert referral.status == S.MATCHED


def test_given_arrangements_override_the_programmes(world, api_for):
    referral = waiting(world.a)
    body = create_body(
        [referral],
        eligible(world.a),
        frequency="twice_weekly",
        session_minutes=45,
        planned_end_date=(today() + dt.timedelta(days=70)).isoformat(),
        location_type="home",
    )

    response = api_for(world.a.project_leader).post(MATCHES, body, format="json")

    assert response.status_code == 201
    match = Match.objects.get(pk=response.json()["id"])
    assert (match.frequency, match.session_minutes, match.location_type) == (
        "twice_weekly",
        45,
        "home",
    )
    assert match.planned_end_date == today() + dt.timedelta(days=70)


def test_a_group_match_takes_several_waiting_pupils(world, api_for):
    programme = group_programme(world.a, size=3)
    pupils = [waiting(world.a, programme=programme) for _ in range(2)]
    volunteer = eligible(world.a, capacity=3)

    response = api_for(world.a.project_leader).post(
        MATCHES, create_body(pupils, volunteer), format="json"
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "group"
    assert {p["referral"] for p in response.json()["participants"]} == {r.pk for r in pupils}


def test_matching_a_volunteer_without_a_valid_vog_is_a_400_with_the_reason(world, api_for):
    referral = waiting(world.a)
    no_vog = VolunteerFactory(initiative=world.a.initiative, active=True)
    with translation.override("nl"):
        reasons = matching_blockers(no_vog, world.a.programme, on=today())

    response = api_for(world.a.project_leader).post(
        MATCHES, create_body([referral], no_vog), format="json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert reasons and "VOG" in reasons[0]
    assert params(response) == {"volunteer": reasons}
    assert not Match.objects.filter(volunteer=no_vog).exists()
    referral.refresh_from_db()
    assert referral.status == S.WAITING


def test_matching_a_volunteer_without_free_capacity_is_a_400(world, api_for):
    VOGFactory(volunteer=world.a.volunteer)  # valid VOG, but already matched with one of one
    referral = waiting(world.a)

    response = api_for(world.a.project_leader).post(
        MATCHES, create_body([referral], world.a.volunteer), format="json"
    )

    assert response.status_code == 400
    assert list(params(response)) == ["volunteer"]
    assert Match.objects.filter(volunteer=world.a.volunteer).count() == 1


def test_matching_a_pupil_who_is_not_waiting_is_a_400(world, api_for):
    response = api_for(world.a.project_leader).post(
        MATCHES, create_body([world.a.referral], eligible(world.a)), format="json"
    )

    assert response.status_code == 400
    assert list(params(response)) == ["referrals"]
    assert Match.objects.filter(participants__referral=world.a.referral).count() == 1


def test_a_referral_or_volunteer_of_world_b_does_not_exist_for_world_a(world, api_for):
    referral = waiting(world.a)
    client = api_for(world.a.project_leader)

    response = client.post(MATCHES, create_body([referral], eligible(world.b)), format="json")
    assert response.status_code == 400
    assert list(params(response)) == ["volunteer"]

    response = client.post(
        MATCHES,
        create_body([waiting(world.b)], eligible(world.a)),
        format="json",
    )
    assert response.status_code == 400
    assert list(params(response)) == ["referrals"]
    assert Match.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("location_type", None),
        ("location_type", "sportschool"),
        ("location_type", "sch\x00ool"),
        ("session_minutes", 0),
        ("session_minutes", 481),
        ("frequency", "daily"),
        ("start_date", "morgen"),
        ("start_date", "9999-12-31"),
        ("referrals", "12"),
        ("volunteer", 2**70),
    ],
)
def test_a_match_of_the_wrong_shape_is_a_400_naming_the_field(world, api_for, field, value):
    referral = waiting(world.a)
    body = create_body([referral], eligible(world.a), **{field: value})

    response = api_for(world.a.project_leader).post(MATCHES, body, format="json")

    assert response.status_code == 400
    assert list(params(response)) == [field]
    assert Match.objects.count() == 2


@pytest.mark.parametrize("who", ["volunteer_user", *NO_ACCESS])
def test_only_project_leaders_make_matches(world, api_for, who):
    referral = waiting(world.a)

    response = api_for(person(world, who)).post(
        MATCHES, create_body([referral], eligible(world.a)), format="json"
    )

    assert response.status_code == 403
    assert Match.objects.count() == 2


def test_a_read_only_token_makes_no_match(world, api_for):
    referral = waiting(world.a)

    response = api_for(world.a.project_leader, read_only=True).post(
        MATCHES, create_body([referral], eligible(world.a)), format="json"
    )

    assert response.status_code == 403
    assert Match.objects.count() == 2


# --- matches: ending and changing ------------------------------------------------------------


def end_url(match) -> str:
    return f"{MATCHES}{match.pk}/end/"


def test_leader_ends_a_match_and_the_referral_is_completed(world, api_for):
    body = {"end_date": days_ago(1).isoformat(), "end_reason": "completed", "end_note": "Klaar."}

    response = api_for(world.a.project_leader).post(end_url(world.a.match), body, format="json")

    assert response.status_code == 200
    assert response.json()["end_date"] == days_ago(1).isoformat()
    assert response.json()["end_reason"] == "completed"
    assert response.json()["end_note"] == "Klaar."
    assert response.json()["is_active"] is False
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.COMPLETED


def test_ending_with_back_to_waitlist_puts_the_pupil_back(world, api_for):
    body = {
        "end_date": days_ago(1).isoformat(),
        "end_reason": "volunteer_stopped",
        "back_to_waitlist": True,
    }

    response = api_for(world.a.project_leader).post(end_url(world.a.match), body, format="json")

    assert response.status_code == 200
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.WAITING


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end_date": "2020-01-01"}, "end_reason"),
        ({"end_reason": "", "end_date": "2020-01-01"}, "end_reason"),
        ({"end_reason": "completed"}, "end_date"),
        ({"end_reason": "completed", "end_date": "2999-01-01"}, "end_date"),
        ({"end_reason": "completed", "end_date": "2001-01-01"}, "end_date"),  # before start
        (
            {"end_reason": "completed", "end_date": "2020-01-01", "back_to_waitlist": True},
            "back_to_waitlist",
        ),
    ],
)
def test_ending_needs_a_reason_and_a_possible_date(world, api_for, body, field):
    if body.get("end_date") == "2020-01-01":
        body["end_date"] = days_ago(1).isoformat()

    response = api_for(world.a.project_leader).post(end_url(world.a.match), body, format="json")

    assert response.status_code == 400
    assert list(params(response)) == [field]
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_ending_a_match_that_has_ended_is_a_409(world, api_for):
    ended = MatchFactory(programme=world.a.programme, ended=True)
    body = {"end_date": days_ago(1).isoformat(), "end_reason": "other"}

    response = api_for(world.a.project_leader).post(end_url(ended), body, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "already_ended"
    ended.refresh_from_db()
    assert ended.end_reason == R.COMPLETED


def test_changing_a_match_that_has_ended_is_a_409(world, api_for, group):
    match, _members = group
    match.end_date, match.end_reason = days_ago(1), R.COMPLETED
    match.save()
    MatchParticipant.objects.filter(match=match).update(left_on=days_ago(1))
    client = api_for(world.a.project_leader)

    replace = client.post(
        f"{MATCHES}{match.pk}/replace-volunteer/",
        {"volunteer": eligible(world.a).pk, "date": today().isoformat()},
        format="json",
    )
    add = client.post(
        f"{MATCHES}{match.pk}/participants/",
        {"referral": waiting(world.a, programme=match.programme).pk},
        format="json",
    )

    assert (replace.status_code, add.status_code) == (409, 409)
    assert replace.json()["code"] == add.json()["code"] == "already_ended"
    assert Match.objects.filter(programme=match.programme).count() == 1


def test_the_volunteer_may_not_end_their_match(world, api_for):
    body = {"end_date": days_ago(1).isoformat(), "end_reason": "completed"}

    response = api_for(world.a.volunteer_user).post(end_url(world.a.match), body, format="json")

    assert response.status_code == 403
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


@pytest.mark.parametrize("who", ["b_leader", *NO_ACCESS])
def test_others_cannot_find_the_match_to_end(world, api_for, who):
    user = world.b.project_leader if who == "b_leader" else person(world, who)
    body = {"end_date": days_ago(1).isoformat(), "end_reason": "completed"}

    response = api_for(user).post(end_url(world.a.match), body, format="json")

    assert response.status_code == 404
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_leader_replaces_the_volunteer_and_a_new_match_starts(world, api_for):
    newcomer = eligible(world.a, first_name="Geertruida", last_name="Brinkhorst")
    body = {"volunteer": newcomer.pk, "date": today().isoformat(), "reason_note": "Ziek."}

    response = api_for(world.a.project_leader).post(
        f"{MATCHES}{world.a.match.pk}/replace-volunteer/", body, format="json"
    )

    assert response.status_code == 201
    new = response.json()
    assert new["id"] != world.a.match.pk
    assert new["volunteer_name"] == "Geertruida Brinkhorst"
    assert new["start_date"] == today().isoformat()
    assert [p["referral"] for p in new["participants"]] == [world.a.referral.pk]
    world.a.match.refresh_from_db()
    assert world.a.match.end_reason == R.VOLUNTEER_STOPPED


def test_replacing_with_a_volunteer_without_vog_is_a_400_and_changes_nothing(world, api_for):
    no_vog = VolunteerFactory(initiative=world.a.initiative, active=True)
    body = {"volunteer": no_vog.pk, "date": today().isoformat()}

    response = api_for(world.a.project_leader).post(
        f"{MATCHES}{world.a.match.pk}/replace-volunteer/", body, format="json"
    )

    assert response.status_code == 400
    assert list(params(response)) == ["volunteer"]
    world.a.match.refresh_from_db()
    assert world.a.match.is_active
    assert not Match.objects.filter(volunteer=no_vog).exists()


def test_the_volunteer_may_not_replace_themselves(world, api_for):
    body = {"volunteer": eligible(world.a).pk, "date": today().isoformat()}

    response = api_for(world.a.volunteer_user).post(
        f"{MATCHES}{world.a.match.pk}/replace-volunteer/", body, format="json"
    )

    assert response.status_code == 403


@pytest.fixture
def group(world):
    programme = group_programme(world.a, size=3)
    volunteer = eligible(world.a, capacity=3)
    match = MatchFactory(programme=programme, volunteer=volunteer, kind=Match.Kind.GROUP)
    members = [MatchParticipantFactory(match=match) for _ in range(2)]
    return match, members


def test_leader_adds_a_waiting_pupil_to_a_group_and_one_leaves(world, api_for, group):
    match, members = group
    newcomer = waiting(world.a, programme=match.programme)
    client = api_for(world.a.project_leader)

    response = client.post(
        f"{MATCHES}{match.pk}/participants/",
        {"referral": newcomer.pk, "date": today().isoformat()},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["referral"] == newcomer.pk
    assert response.json()["pupil_name"] == newcomer.pupil.full_name
    newcomer.refresh_from_db()
    assert newcomer.status == S.MATCHED

    leaving = members[0]
    response = client.post(
        f"{MATCHES}{match.pk}/participants/{leaving.pk}/leave/",
        {"date": today().isoformat(), "end_reason": "moved", "back_to_waitlist": True},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["left_on"] == today().isoformat()
    leaving.referral.refresh_from_db()
    assert leaving.referral.status == S.WAITING
    assert match.participants.filter(left_on__isnull=True).count() == 2


def test_pupils_join_group_matches_only(world, api_for):
    newcomer = waiting(world.a)

    response = api_for(world.a.project_leader).post(
        f"{MATCHES}{world.a.match.pk}/participants/", {"referral": newcomer.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["code"] == "not_group"
    newcomer.refresh_from_db()
    assert newcomer.status == S.WAITING


def test_a_pupil_of_another_match_or_who_left_cannot_leave_this_group(world, api_for, group):
    match, members = group
    members[1].left_on = today()
    members[1].save()
    client = api_for(world.a.project_leader)
    body = {"date": today().isoformat(), "end_reason": "moved"}

    for participant in (world.a.participant, members[1]):
        response = client.post(
            f"{MATCHES}{match.pk}/participants/{participant.pk}/leave/", body, format="json"
        )
        assert response.status_code == 404


def test_a_volunteer_cannot_add_pupils_to_their_match(world, api_for):
    client = api_for(world.a.volunteer_user)

    response = client.post(
        f"{MATCHES}{world.a.match.pk}/participants/",
        {"referral": waiting(world.a).pk},
        format="json",
    )

    assert response.status_code == 403


# --- suggestions ---------------------------------------------------------------------------


def test_leader_gets_ranked_suggestions_with_scores_and_reasons(world, api_for):
    referral = waiting(world.a)
    PupilAvailabilityFactory(pupil=referral.pupil)
    fitting = eligible(world.a, first_name="Hendrika", last_name="Schoonhoven")
    AvailabilityFactory(volunteer=fitting)
    without_vog = VolunteerFactory(initiative=world.a.initiative, active=True)

    response = api_for(world.a.project_leader).get(SUGGESTIONS, {"referral": referral.pk})

    assert response.status_code == 200
    body = response.json()
    assert body["referral"] == referral.pk
    assert body["is_waiting"] is True
    suggested = {s["volunteer"]: s for s in body["suggestions"]}
    assert without_vog.pk not in suggested
    best = suggested[fitting.pk]
    assert best["volunteer_name"] == "Hendrika Schoonhoven"
    assert 0 <= best["score"] <= 100
    assert best["free_capacity"] == 1
    codes = [reason["code"] for reason in best["reasons"]]
    assert codes[0] == "availability" and len(codes) == 6
    assert sum(reason["points"] for reason in best["reasons"]) == pytest.approx(best["score"])
    scores = [s["score"] for s in body["suggestions"]]
    assert scores == sorted(scores, reverse=True)


def test_a_pupil_who_is_not_waiting_gets_no_suggestions(world, api_for):
    eligible(world.a)

    response = api_for(world.a.project_leader).get(SUGGESTIONS, {"referral": world.a.referral.pk})

    assert response.status_code == 200
    assert response.json()["is_waiting"] is False
    assert response.json()["suggestions"] == []


@pytest.mark.parametrize("who", ["volunteer_user", *NO_ACCESS])
def test_only_project_leaders_get_suggestions(world, api_for, who):
    response = api_for(person(world, who)).get(
        SUGGESTIONS, {"referral": world.a.unmatched_referral.pk}
    )

    assert response.status_code == 403


def test_suggestions_for_a_referral_of_another_initiative_are_404(world, api_for):
    response = api_for(world.b.project_leader).get(
        SUGGESTIONS, {"referral": world.a.unmatched_referral.pk}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("query", [{}, {"referral": "twaalf"}, {"referral": "0"}])
def test_suggestions_need_a_referral(world, api_for, query):
    response = api_for(world.a.project_leader).get(SUGGESTIONS, query)

    assert response.status_code == 400
    assert list(params(response)) == ["referral"]


# --- contact moments ---------------------------------------------------------------------------


def test_leader_lists_contact_moments_with_their_notes(world, api_for):
    response = api_for(world.a.project_leader).get(MOMENTS)

    assert response.status_code == 200
    assert ids(response) == [world.a.contact_moment.pk]
    moment = response.json()["results"][0]
    assert moment["match"] == world.a.match.pk
    assert moment["pupil"] is None
    assert moment["kind"] == "session"
    assert moment["phase"] is None
    assert moment["attendance"] == "held"
    assert moment["duration_minutes"] == 90
    assert moment["note"] == "Goede sessie met Yasmina."
    assert moment["participants"] == ["volunteer", "pupil"]
    assert moment["absent_pupils"] == []


def test_volunteer_sees_the_moments_of_their_running_match_only(world, api_for):
    ended = MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer, ended=True)
    old = ContactMomentFactory(match=ended, date=days_ago(3))
    colleague = ContactMomentFactory(match=MatchFactory(programme=world.a.programme))
    client = api_for(world.a.volunteer_user)

    assert ids(client.get(MOMENTS)) == [world.a.contact_moment.pk]
    assert client.get(f"{MOMENTS}{old.pk}/").status_code == 404
    assert client.get(f"{MOMENTS}{colleague.pk}/").status_code == 404


@pytest.mark.parametrize("who", NO_ACCESS)
def test_school_official_and_outsider_see_no_contact_moments(world, api_for, who):
    client = api_for(person(world, who))

    response = client.get(MOMENTS)

    assert response.json()["count"] == 0
    assert "Goede sessie" not in response.content.decode()
    assert client.get(f"{MOMENTS}{world.a.contact_moment.pk}/").status_code == 404


def test_contact_moments_filter_on_match_kind_and_dates(world, api_for):
    teacher = ContactMomentFactory(
        match=world.a.match,
        kind=ContactMoment.Kind.TEACHER,
        phase=ContactMoment.Phase.START,
        date=days_ago(20),
    )
    other = ContactMomentFactory(match=MatchFactory(programme=world.a.programme), date=days_ago(2))
    client = api_for(world.a.project_leader)

    assert ids(client.get(MOMENTS, {"match": world.a.match.pk})) == [
        world.a.contact_moment.pk,
        teacher.pk,
    ]
    assert ids(client.get(MOMENTS, {"kind": "teacher"})) == [teacher.pk]
    assert client.get(f"{MOMENTS}{teacher.pk}/").json()["phase"] == "start"
    window = {"date_after": days_ago(10).isoformat(), "date_before": days_ago(5).isoformat()}
    assert ids(client.get(MOMENTS, window)) == [world.a.contact_moment.pk]
    assert ids(client.get(MOMENTS, {"ordering": "date"})) == [
        teacher.pk,
        world.a.contact_moment.pk,
        other.pk,
    ]
    assert client.get(MOMENTS, {"kind": "sport"}).status_code == 400


def test_contact_moment_list_queries_do_not_grow_with_rows(world, api_for):
    client = api_for(world.a.project_leader)
    client.get(MOMENTS)
    with CaptureQueriesContext(connection) as few:
        client.get(MOMENTS)
    group = MatchFactory(programme=group_programme(world.a), kind=Match.Kind.GROUP)
    members = [MatchParticipantFactory(match=group) for _ in range(3)]
    for days in range(2, 10):
        moment = ContactMomentFactory(match=group, date=days_ago(days))
        moment.absent_pupils.set([members[0].pupil, members[1].pupil])
    with CaptureQueriesContext(connection) as many:
        response = client.get(MOMENTS)
    assert response.json()["count"] == 9
    assert len(many) == len(few)


def moment_body(match, /, **overrides) -> dict:
    body = {
        "match": match.pk,
        "kind": "session",
        "date": today().isoformat(),
        "duration_minutes": 60,
        "note": "Spreekbeurt voorbereid.",
    }
    body.update(overrides)
    return body


def test_volunteer_logs_a_session_of_their_match(world, api_for):
    response = api_for(world.a.volunteer_user).post(
        MOMENTS, moment_body(world.a.match), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    moment = ContactMoment.objects.get(pk=body["id"])
    assert moment.logged_by == world.a.volunteer_user
    assert moment.note == "Spreekbeurt voorbereid."
    assert body["pupil"] == world.a.pupil.pk
    assert body["attendance"] == "held"
    assert body["participants"] == ["volunteer", "pupil"]
    assert body["logged_by"] == world.a.volunteer_user.pk


def test_leader_logs_a_teacher_contact_with_its_phase(world, api_for):
    body = moment_body(world.a.match, kind="teacher", phase="mid", duration_minutes=15)

    response = api_for(world.a.project_leader).post(MOMENTS, body, format="json")

    assert response.status_code == 201
    assert response.json()["phase"] == "mid"
    assert response.json()["participants"] == ["initiative", "teacher"]


def test_a_group_session_records_the_absent_pupils(world, api_for, group):
    match, members = group

    response = api_for(world.a.project_leader).post(
        MOMENTS, moment_body(match, absent_pupils=[members[0].pupil.pk]), format="json"
    )

    assert response.status_code == 201
    assert response.json()["absent_pupils"] == [members[0].pupil.pk]
    assert response.json()["pupil"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": "2999-01-01"}, "date"),
        ({"date": "2001-01-01"}, "date"),  # before the match started
        ({"kind": "teacher"}, "phase"),
        ({"kind": "other"}, "kind"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 601}, "duration_minutes"),
        ({"attendance": "late"}, "attendance"),
        ({"note": "x" * 2001}, "note"),
        ({"note": "nul\x00teken"}, "note"),
        ({"absent_pupils": [1]}, "absent_pupils"),  # not a group session
        ({"absent_pupils": "1"}, "absent_pupils"),
        ({"match": None}, "match"),
    ],
)
def test_an_impossible_contact_moment_is_a_400_and_nothing_is_saved(
    world, api_for, overrides, field
):
    response = api_for(world.a.project_leader).post(
        MOMENTS, moment_body(world.a.match, **overrides), format="json"
    )

    assert response.status_code == 400
    assert list(params(response)) == [field]
    assert ContactMoment.objects.count() == 2


def test_a_match_of_world_b_does_not_exist_for_logging(world, api_for):
    response = api_for(world.a.project_leader).post(
        MOMENTS, moment_body(world.b.match), format="json"
    )

    assert response.status_code == 400
    assert list(params(response)) == ["match"]
    assert ContactMoment.objects.filter(match=world.b.match).count() == 1


def test_the_school_sees_the_match_but_may_not_log_moments(world, api_for):
    response = api_for(world.a.school_referrer).post(
        MOMENTS, moment_body(world.a.match), format="json"
    )

    assert response.status_code == 403
    assert ContactMoment.objects.count() == 2


def test_a_volunteer_logs_nothing_where_the_initiative_does_not_let_them(world, api_for):
    world.a.initiative.volunteers_log_sessions = False
    world.a.initiative.save()

    response = api_for(world.a.volunteer_user).post(
        MOMENTS, moment_body(world.a.match), format="json"
    )

    assert response.status_code == 403
    assert ContactMoment.objects.count() == 2


@pytest.mark.parametrize("who", ["municipal_official", "outsider"])
def test_officials_and_outsiders_cannot_find_a_match_to_log(world, api_for, who):
    response = api_for(person(world, who)).post(MOMENTS, moment_body(world.a.match), format="json")

    assert response.status_code == 400
    assert list(params(response)) == ["match"]
    assert ContactMoment.objects.count() == 2


def test_leader_corrects_the_note_and_the_rest_stays(world, api_for):
    moment = world.a.contact_moment

    response = api_for(world.a.project_leader).patch(
        f"{MOMENTS}{moment.pk}/", {"note": "Toch vooral gerekend."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["note"] == "Toch vooral gerekend."
    moment.refresh_from_db()
    assert moment.note == "Toch vooral gerekend."
    assert (moment.kind, moment.date, moment.duration_minutes) == ("session", days_ago(7), 90)


def test_a_correction_follows_the_rules_of_logging(world, api_for):
    moment = world.a.contact_moment
    client = api_for(world.a.project_leader)

    response = client.patch(f"{MOMENTS}{moment.pk}/", {"kind": "teacher"}, format="json")
    assert response.status_code == 400
    assert list(params(response)) == ["phase"]

    for elsewhere in (world.b.match, MatchFactory(programme=world.a.programme)):
        response = client.patch(f"{MOMENTS}{moment.pk}/", {"match": elsewhere.pk}, format="json")
        assert response.status_code == 400
        assert list(params(response)) == ["match"]

    moment.refresh_from_db()
    assert moment.kind == "session"


def test_the_volunteer_corrects_their_own_moment_but_not_the_leaders(world, api_for):
    own = ContactMomentFactory(match=world.a.match, logged_by=world.a.volunteer_user)
    leaders = ContactMomentFactory(match=world.a.match, logged_by=world.a.project_leader)
    client = api_for(world.a.volunteer_user)

    response = client.patch(f"{MOMENTS}{own.pk}/", {"duration_minutes": 75}, format="json")
    assert response.status_code == 200
    assert response.json()["duration_minutes"] == 75

    response = client.patch(f"{MOMENTS}{leaders.pk}/", {"duration_minutes": 75}, format="json")
    assert response.status_code == 403
    leaders.refresh_from_db()
    assert leaders.duration_minutes == 90


@pytest.mark.parametrize("who", ["b_volunteer", *NO_ACCESS])
def test_others_cannot_find_a_moment_to_correct_or_delete(world, api_for, who):
    user = world.b.volunteer_user if who == "b_volunteer" else person(world, who)
    client = api_for(user)
    url = f"{MOMENTS}{world.a.contact_moment.pk}/"

    assert client.patch(url, {"note": "Overschreven"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    world.a.contact_moment.refresh_from_db()
    assert world.a.contact_moment.note == "Goede sessie met Yasmina."


def test_leader_deletes_a_moment_logged_by_mistake(world, api_for):
    response = api_for(world.a.project_leader).delete(f"{MOMENTS}{world.a.contact_moment.pk}/")

    assert response.status_code == 204
    assert not ContactMoment.objects.filter(pk=world.a.contact_moment.pk).exists()


def test_the_volunteer_deletes_no_moment_they_did_not_log(world, api_for):
    response = api_for(world.a.volunteer_user).delete(f"{MOMENTS}{world.a.contact_moment.pk}/")

    assert response.status_code == 403
    assert ContactMoment.objects.filter(pk=world.a.contact_moment.pk).exists()


def test_a_read_only_token_logs_no_moment(world, api_for):
    client = api_for(world.a.volunteer_user, read_only=True)

    assert client.post(MOMENTS, moment_body(world.a.match), format="json").status_code == 403
    assert client.delete(f"{MOMENTS}{world.a.contact_moment.pk}/").status_code == 403
    assert ContactMoment.objects.count() == 2


# --- evaluations ---------------------------------------------------------------------------------


@pytest.fixture
def goals(world):
    plan = ActionPlanFactory(referral=world.a.referral)
    return [
        GoalFactory(
            plan=plan, description="Leest elke dag een kwartier.", review_date=days_ago(-30)
        ),
        GoalFactory(plan=plan, description="Durft vragen te stellen.", review_date=days_ago(-60)),
    ]


def evaluation_body(world, goals, **overrides) -> dict:
    body = {
        "referral": world.a.referral.pk,
        "moment": "mid",
        "held_on": days_ago(1).isoformat(),
        "summary": "Leest nu zelfstandig.",
        "pupil_satisfaction": 4,
        "parent_satisfaction": 5,
        "goal_results": [
            {"goal": goals[0].pk, "result": "achieved", "note": "Elke dag."},
            {"goal": goals[1].pk, "result": "partly"},
        ],
    }
    body.update(overrides)
    return body


def test_leader_records_a_mid_term_evaluation_with_each_goal(world, api_for, goals):
    response = api_for(world.a.project_leader).post(
        EVALUATIONS, evaluation_body(world, goals), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["moment"] == "mid"
    assert body["pupil_satisfaction"] == 4
    assert body["parent_satisfaction"] == 5
    assert body["summary"] == "Leest nu zelfstandig."
    assert body["recorded_by"] == world.a.project_leader.pk
    assert [(g["goal_description"], g["result"], g["note"]) for g in body["goal_results"]] == [
        ("Leest elke dag een kwartier.", "achieved", "Elke dag."),
        ("Durft vragen te stellen.", "partly", ""),
    ]
    assert Evaluation.objects.get(pk=body["id"]).referral == world.a.referral


def test_recording_the_moment_again_corrects_it_with_200(world, api_for, goals):
    client = api_for(world.a.project_leader)
    first = client.post(EVALUATIONS, evaluation_body(world, goals), format="json")

    again = client.post(
        EVALUATIONS,
        evaluation_body(world, goals, pupil_satisfaction=None, summary="Bijgesteld."),
        format="json",
    )

    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["pupil_satisfaction"] is None
    assert Evaluation.objects.get().summary == "Bijgesteld."


def test_every_goal_must_be_scored(world, api_for, goals):
    body = evaluation_body(world, goals, goal_results=[{"goal": goals[0].pk, "result": "partly"}])

    response = api_for(world.a.project_leader).post(EVALUATIONS, body, format="json")

    assert response.status_code == 400
    assert list(params(response)) == [f"goal_{goals[1].pk}_result"]
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"moment": "start"}, "moment"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"pupil_satisfaction": 6}, "pupil_satisfaction"),
        ({"goal_results": [{"goal": 1, "result": "great"}]}, "goal_results.0.result"),
        ({"summary": "\x00"}, "summary"),
    ],
)
def test_an_evaluation_of_the_wrong_shape_is_a_400(world, api_for, goals, overrides, field):
    response = api_for(world.a.project_leader).post(
        EVALUATIONS, evaluation_body(world, goals, **overrides), format="json"
    )

    assert response.status_code == 400
    assert list(params(response)) == [field]
    assert not Evaluation.objects.exists()


def test_an_evaluation_needs_a_matched_pupil(world, api_for):
    body = {
        "referral": world.a.unmatched_referral.pk,
        "moment": "mid",
        "held_on": days_ago(1).isoformat(),
        "goal_results": [],
    }

    response = api_for(world.a.project_leader).post(EVALUATIONS, body, format="json")

    assert response.status_code == 409  # the referral is in the wrong state
    assert response.json()["invalid_params"][0]["code"] == "not_matched"
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("who", ["volunteer_user", *NO_ACCESS])
def test_only_project_leaders_see_and_record_evaluations(world, api_for, goals, who):
    client_leader = api_for(world.a.project_leader)
    recorded = client_leader.post(EVALUATIONS, evaluation_body(world, goals), format="json")
    client = api_for(person(world, who))

    assert client.get(EVALUATIONS).json()["count"] == 0
    assert client.get(f"{EVALUATIONS}{recorded.json()['id']}/").status_code == 404
    response = client.post(EVALUATIONS, evaluation_body(world, goals, moment="end"), format="json")
    assert response.status_code == 403
    assert Evaluation.objects.count() == 1


def test_the_leader_of_world_b_neither_sees_nor_records_world_as_evaluations(world, api_for, goals):
    api_for(world.a.project_leader).post(EVALUATIONS, evaluation_body(world, goals), format="json")
    client = api_for(world.b.project_leader)

    assert client.get(EVALUATIONS).json()["count"] == 0
    response = client.post(EVALUATIONS, evaluation_body(world, goals, moment="end"), format="json")
    assert response.status_code == 400
    assert list(params(response)) == ["referral"]
    assert Evaluation.objects.count() == 1


def test_evaluations_filter_and_do_not_grow_in_queries(world, api_for, goals):
    client = api_for(world.a.project_leader)
    client.post(EVALUATIONS, evaluation_body(world, goals), format="json")
    with CaptureQueriesContext(connection) as few:
        client.get(EVALUATIONS)
    client.post(EVALUATIONS, evaluation_body(world, goals, moment="end"), format="json")
    for _ in range(3):
        match = MatchFactory(programme=world.a.programme)
        referral = MatchParticipantFactory(match=match).referral
        plan = ActionPlanFactory(referral=referral)
        more = [GoalFactory(plan=plan), GoalFactory(plan=plan)]
        body = evaluation_body(
            world,
            more,
            referral=referral.pk,
            held_on=today().isoformat(),
        )
        assert client.post(EVALUATIONS, body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as many:
        response = client.get(EVALUATIONS)
    assert response.json()["count"] == 5
    assert len(many) == len(few)
    assert client.get(EVALUATIONS, {"moment": "end"}).json()["count"] == 1
    assert client.get(EVALUATIONS, {"referral": world.a.referral.pk}).json()["count"] == 2
    assert client.get(EVALUATIONS, {"held_on_after": today().isoformat()}).json()["count"] == 3


# --- impact measurements ----------------------------------------------------------------------


@pytest.fixture
def questions(world):
    return [
        ImpactQuestionFactory(programme=world.a.programme, text="Leesplezier", order=1),
        ImpactQuestionFactory(programme=world.a.programme, text="Zelfvertrouwen", order=2),
    ]


def impact_body(world, questions, **overrides) -> dict:
    body = {
        "referral": world.a.referral.pk,
        "moment": "start",
        "measured_on": days_ago(2).isoformat(),
        "scores": [{"question": q.pk, "score": 2 + n} for n, q in enumerate(questions)],
    }
    body.update(overrides)
    return body


def test_leader_records_an_impact_measurement(world, api_for, questions):
    client = api_for(world.a.project_leader)

    response = client.post(IMPACT, impact_body(world, questions), format="json")

    assert response.status_code == 201
    body = response.json()
    assert [(s["question_text"], s["score"]) for s in body["scores"]] == [
        ("Leesplezier", 2),
        ("Zelfvertrouwen", 3),
    ]
    assert ImpactMeasurement.objects.get(pk=body["id"]).moment == "start"
    assert client.get(f"{IMPACT}{body['id']}/").json()["measured_on"] == days_ago(2).isoformat()

    again = client.post(
        IMPACT,
        impact_body(
            world,
            questions,
            scores=[
                {"question": questions[0].pk, "score": 5},
                {"question": questions[1].pk, "score": 5},
            ],
        ),
        format="json",
    )
    assert again.status_code == 200, again.json()
    assert [s["score"] for s in again.json()["scores"]] == [5, 5]


@pytest.mark.parametrize("field", ["scores", "question"])
def test_every_question_is_scored_once(world, api_for, questions, field):
    scores = (
        [{"question": questions[0].pk, "score": 3}] * 2
        if field == "scores"
        else [{"question": questions[0].pk, "score": 3}]
    )

    response = api_for(world.a.project_leader).post(
        IMPACT, impact_body(world, questions, scores=scores), format="json"
    )

    assert response.status_code == 400
    expected = "scores" if field == "scores" else f"question_{questions[1].pk}"
    assert list(params(response)) == [expected]
    assert not ImpactMeasurement.objects.exists()


def test_a_score_outside_1_to_5_is_a_400(world, api_for, questions):
    scores = [{"question": q.pk, "score": 6} for q in questions]

    response = api_for(world.a.project_leader).post(
        IMPACT, impact_body(world, questions, scores=scores), format="json"
    )

    assert response.status_code == 400
    assert set(params(response)) == {"scores.0.score", "scores.1.score"}


@pytest.mark.parametrize("who", ["volunteer_user", *NO_ACCESS])
def test_only_project_leaders_see_and_record_impact(world, api_for, questions, who):
    api_for(world.a.project_leader).post(IMPACT, impact_body(world, questions), format="json")
    client = api_for(person(world, who))

    assert client.get(IMPACT).json()["count"] == 0
    response = client.post(IMPACT, impact_body(world, questions, moment="mid"), format="json")
    assert response.status_code == 403
    assert ImpactMeasurement.objects.count() == 1


def test_impact_of_world_a_is_not_found_by_world_b(world, api_for, questions):
    recorded = api_for(world.a.project_leader).post(
        IMPACT, impact_body(world, questions), format="json"
    )
    client = api_for(world.b.project_leader)

    assert client.get(f"{IMPACT}{recorded.json()['id']}/").status_code == 404
    response = client.post(IMPACT, impact_body(world, questions, moment="mid"), format="json")
    assert list(params(response)) == ["referral"]


def test_impact_list_queries_do_not_grow_with_rows(world, api_for, questions):
    client = api_for(world.a.project_leader)
    client.post(IMPACT, impact_body(world, questions), format="json")
    with CaptureQueriesContext(connection) as few:
        client.get(IMPACT)
    for moment in ("mid", "end"):
        client.post(IMPACT, impact_body(world, questions, moment=moment), format="json")
    for _ in range(3):
        referral = MatchParticipantFactory(match=MatchFactory(programme=world.a.programme)).referral
        body = impact_body(world, questions, referral=referral.pk)
        assert client.post(IMPACT, body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as many:
        response = client.get(IMPACT)
    assert response.json()["count"] == 6
    assert len(many) == len(few)
    assert client.get(IMPACT, {"moment": "end"}).json()["count"] == 1
    assert client.get(IMPACT, {"programme": world.b.programme.pk}).json()["count"] == 0
