"""The intake API: pupils, referrals and their actions, the driehoeksgesprek,
the action plan and the waitlist (/api/v1/pupils/, /referrals/, /waitlist/)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.tests.factories import MembershipFactory
from core.api.errors import CONFLICT_CODES
from core.models import SchoolGrade
from initiatives.tests.factories import ProgrammeFactory
from referrals.models import (
    ActionPlan,
    Goal,
    GoalEvaluation,
    Guardian,
    PriorityChange,
    Pupil,
    Referral,
    ReferralStatusChange,
    TripartiteMeeting,
)
from referrals.tests.factories import (
    ActionPlanFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GoalFactory,
    GuardianFactory,
    PupilFactory,
    ReferralFactory,
    TripartiteMeetingFactory,
    days_ago,
    moment_ago,
)

pytestmark = pytest.mark.django_db

S = Referral.Status
PUPILS = "/api/v1/pupils/"
REFERRALS = "/api/v1/referrals/"
REGISTRATIONS = "/api/v1/referrals/registrations/"
WAITLIST = "/api/v1/waitlist/"


def pupil_url(pupil) -> str:
    return f"{PUPILS}{pupil.pk}/"


def referral_url(referral, action: str = "") -> str:
    return f"{REFERRALS}{referral.pk}/{action + '/' if action else ''}"


def school_referral(world, **kwargs) -> Referral:
    """A referral from world a's school to world a's programme."""
    return ReferralFactory(programme=world.a.programme, pupil__school=world.a.school, **kwargs)


def nl(message: str) -> str:
    """``message`` as the API answers it: in Dutch, the default language."""
    with translation.override("nl"):
        return gettext(message)


def names_field(response, field: str) -> bool:
    """Whether the 400's ``invalid_params`` name ``field`` (or something inside it)."""
    return any(name == field or name.startswith(f"{field}.") for name in param_names(response))


def param_names(response) -> set[str]:
    return {param["name"] for param in response.json().get("invalid_params", [])}


def row_counts() -> tuple[int, int, int]:
    return Pupil.objects.count(), Guardian.objects.count(), Referral.objects.count()


def names(response) -> set[str]:
    return {f"{r['first_name']} {r['last_name']}" for r in response.json()["results"]}


def referral_ids(response) -> set[int]:
    return {r["id"] for r in response.json()["results"]}


def school_payload(for_programme, **overrides) -> dict:
    """A complete school referral with consent, as a client posts it."""
    data = {
        "programme": for_programme.pk,
        "first_name": "Noor",
        "last_name": "Bakkerswaard-Elgersma",
        "date_of_birth": days_ago(10 * 365 + 100).isoformat(),
        "grade": SchoolGrade.GROEP_6,
        "postcode": "3531ab",
        "support_what": "Woordenschat uitbreiden.",
        "support_why": "Thuis wordt geen Nederlands gesproken.",
        "support_tried": "Extra leesbegeleiding in de klas.",
        "guardians": [
            {
                "name": "Samira Bakkerswaard",
                "relationship": "mother",
                "phone": "06-12345678",
                "email": "samira@example.nl",
                "language": "Arabisch",
                "interpreter_needed": True,
            }
        ],
        "consent_given_by": "Samira Bakkerswaard",
        "consent_date": days_ago(2).isoformat(),
        "consent_method": Referral.ConsentMethod.IN_WRITING,
        "submit": True,
    }
    data.update(overrides)
    return data


def leader_payload(for_programme, **overrides) -> dict:
    data = {
        "programme": for_programme.pk,
        "source": Referral.Source.PARENT,
        "source_detail": "Moeder belde na de informatieavond.",
        "first_name": "Daan",
        "last_name": "Oosterhuis-Vermeulen",
        "date_of_birth": days_ago(11 * 365).isoformat(),
        "grade": SchoolGrade.GROEP_7,
        "postcode": "3532 CD",
        "home_languages": ["Pools", "Nederlands"],
        "needs": "Begrijpend lezen.",
        "guardians": [{"name": "Agnieszka Oosterhuis", "phone": "0612345678"}],
        "support_what": "Hulp bij lezen.",
        "consent_given_by": "Agnieszka Oosterhuis",
        "consent_date": days_ago(1).isoformat(),
        "consent_method": Referral.ConsentMethod.VERBAL,
    }
    data.update(overrides)
    return data


def goal_payload(**overrides) -> dict:
    data = {
        "description": "Leest elke week een hoofdstuk voor.",
        "responsible": "Leerling en vrijwilliger",
        "review_date": days_ago(-42).isoformat(),
    }
    data.update(overrides)
    return data


def assert_constant_queries(client, url, make_rows, *, expected_growth: int):
    client.get(url)  # the token's first use records last_used_at
    with CaptureQueriesContext(connection) as few:
        before = client.get(url).json()["count"]
    make_rows()
    with CaptureQueriesContext(connection) as many:
        after = client.get(url).json()["count"]
    assert after == before + expected_growth
    assert len(many) == len(few)


# --- authentication ------------------------------------------------------------------


@pytest.mark.parametrize("url", [PUPILS, REFERRALS, WAITLIST])
def test_anonymous_requests_are_refused_with_401(api_for, world, url):
    response = api_for(None).get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_cannot_refer_or_act(api_for, world):
    client = api_for(None)
    assert (
        client.post(REFERRALS, school_payload(world.a.programme), format="json").status_code == 401
    )
    assert (
        client.post(referral_url(world.a.referral, "accept"), {}, format="json").status_code == 401
    )


# --- pupils ----------------------------------------------------------------------------


def test_project_leader_lists_initiative_pupils_with_guardian_contact(api_for, world):
    response = api_for(world.a.project_leader).get(PUPILS)

    assert response.status_code == 200
    assert names(response) == {"Yasmina Zwartewaal", world.a.unmatched_pupil.full_name}
    yasmina = next(p for p in response.json()["results"] if p["id"] == world.a.pupil.pk)
    assert yasmina["date_of_birth"] == world.a.pupil.date_of_birth.isoformat()
    assert yasmina["needs"] == world.a.pupil.needs
    assert yasmina["school_name"] == world.a.school.name
    [guardian] = yasmina["guardians"]
    assert guardian["name"] == "Fatima Zwartewaal"
    assert guardian["phone"] == world.a.guardian.phone
    assert guardian["email"] == world.a.guardian.email
    assert guardian["language"] == "Arabisch"
    assert guardian["interpreter_needed"] is False


def test_school_referrer_sees_referred_pupils_but_not_guardian_contact(api_for, world):
    response = api_for(world.a.school_referrer).get(PUPILS)

    # The parent referral of world a's unmatched pupil did not come from the school.
    assert names(response) == {"Yasmina Zwartewaal"}
    [pupil] = response.json()["results"]
    assert pupil["date_of_birth"] == world.a.pupil.date_of_birth.isoformat()
    assert pupil["grade"] == world.a.pupil.grade
    assert pupil["needs"] is None
    assert pupil["postcode"] is None
    [guardian] = pupil["guardians"]
    assert guardian["name"] == "Fatima Zwartewaal"
    assert guardian["language"] == "Arabisch"
    assert (guardian["phone"], guardian["email"]) == (None, None)
    assert world.a.guardian.phone not in response.content.decode()


def test_school_referrer_sees_pupil_of_own_draft(api_for, world):
    draft = school_referral(world, draft=True, pupil__first_name="Ilse", pupil__last_name="Ommeren")

    by_school = api_for(world.a.school_referrer).get(pupil_url(draft.pupil))
    by_leader = api_for(world.a.project_leader).get(pupil_url(draft.pupil))

    assert by_school.status_code == 200
    assert by_school.json()["last_name"] == "Ommeren"
    # Until the school submits, the initiative sees neither the referral nor the child.
    assert by_leader.status_code == 404


def test_volunteer_sees_matched_pupil_name_school_and_year_group_only(api_for, world):
    response = api_for(world.a.volunteer_user).get(pupil_url(world.a.pupil))

    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["last_name"]) == ("Yasmina", "Zwartewaal")
    assert body["school_name"] == world.a.school.name
    assert body["grade"] == world.a.pupil.grade
    assert body["date_of_birth"] is None
    assert body["guardians"] is None
    assert body["needs"] is None
    assert "Fatima" not in response.content.decode()
    listed = api_for(world.a.volunteer_user).get(PUPILS)
    assert names(listed) == {"Yasmina Zwartewaal"}


@pytest.mark.parametrize("who", ["outsider", "a_municipal_official", "b_municipal_official"])
def test_outsider_and_municipal_official_get_no_pupils(api_for, world, who):
    user = {
        "outsider": world.outsider,
        "a_municipal_official": world.a.municipal_official,
        "b_municipal_official": world.b.municipal_official,
    }[who]
    client = api_for(user)

    listed = client.get(PUPILS)
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    assert client.get(pupil_url(world.a.pupil)).status_code == 404


@pytest.mark.parametrize("role", ["project_leader", "school_referrer", "volunteer_user"])
def test_world_b_sees_nothing_of_world_a_pupils(api_for, world, role):
    client = api_for(getattr(world.b, role))

    listed = client.get(PUPILS)
    assert "Yasmina Zwartewaal" not in names(listed)
    assert "Thijmen Korteweg-Ankersmit" in names(listed)
    assert client.get(pupil_url(world.a.pupil)).status_code == 404
    assert client.get(pupil_url(world.a.unmatched_pupil)).status_code == 404


def test_pupils_filter_by_school_and_grade(api_for, world):
    client = api_for(world.a.project_leader)

    by_school = client.get(PUPILS, {"school": world.a.school.pk})
    by_grade = client.get(PUPILS, {"grade": SchoolGrade.KLAS_6})

    assert names(by_school) == {"Yasmina Zwartewaal"}
    assert by_grade.json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"grade": "99"}, "grade"),
        ({"school": "1.5"}, "school"),
        ({"ordering": "date_of_birth"}, "ordering"),
    ],
)
def test_pupils_invalid_filter_is_400_naming_the_parameter(api_for, world, params, field):
    response = api_for(world.a.project_leader).get(PUPILS, params)
    assert response.status_code == 400
    assert names_field(response, field)


def test_pupil_list_queries_do_not_grow_with_rows(api_for, world):
    def more_pupils():
        for _ in range(6):
            referral = school_referral(world, waiting=True)
            GuardianFactory(pupil=referral.pupil)
            GuardianFactory(pupil=referral.pupil)

    assert_constant_queries(
        api_for(world.a.school_referrer), PUPILS, more_pupils, expected_growth=6
    )


# --- referrals: list and detail -----------------------------------------------------------


def test_school_referrer_lists_school_referrals_with_next_step(api_for, world):
    draft = school_referral(world, draft=True)

    response = api_for(world.a.school_referrer).get(REFERRALS)

    assert response.status_code == 200
    assert referral_ids(response) == {world.a.referral.pk, draft.pk}
    row = next(r for r in response.json()["results"] if r["id"] == world.a.referral.pk)
    assert row["status"] == S.MATCHED
    assert row["next_step"] == nl("Tutoring under way")
    assert row["pupil"]["last_name"] == "Zwartewaal"
    assert row["referring_school_name"] == world.a.school.name
    assert row["matched_since"] == world.a.match.start_date.isoformat()
    assert row["sessions_held"] == 1
    # The priority is the initiative's business.
    assert row["priority"] is None
    assert row["waiting_since"] is None


def test_project_leader_lists_initiative_referrals_but_no_drafts(api_for, world):
    draft = school_referral(world, draft=True)

    response = api_for(world.a.project_leader).get(REFERRALS)

    assert referral_ids(response) == {world.a.referral.pk, world.a.unmatched_referral.pk}
    assert draft.pk not in referral_ids(response)
    waiting = next(r for r in response.json()["results"] if r["status"] == S.WAITING)
    assert waiting["priority"] == 3
    assert waiting["days_waiting"] == 7
    assert waiting["referring_school"] is None
    assert api_for(world.a.project_leader).get(referral_url(draft)).status_code == 404


@pytest.mark.parametrize(
    "who", ["outsider", "a_municipal_official", "a_volunteer_user", "b_project_leader"]
)
def test_others_get_no_referrals_of_world_a(api_for, world, who):
    user = {
        "outsider": world.outsider,
        "a_municipal_official": world.a.municipal_official,
        "a_volunteer_user": world.a.volunteer_user,
        "b_project_leader": world.b.project_leader,
    }[who]
    client = api_for(user)

    listed = client.get(REFERRALS)
    assert listed.status_code == 200
    assert not referral_ids(listed) & {world.a.referral.pk, world.a.unmatched_referral.pk}
    assert client.get(referral_url(world.a.referral)).status_code == 404
    assert client.get(referral_url(world.a.unmatched_referral)).status_code == 404


def test_school_referrer_of_world_b_sees_nothing_of_world_a(api_for, world):
    client = api_for(world.b.school_referrer)

    assert referral_ids(client.get(REFERRALS)) == {world.b.referral.pk}
    assert client.get(referral_url(world.a.referral)).status_code == 404
    for action, body in [
        ("withdraw", {"reason": "Verhuisd naar Dordrecht."}),
        ("submit", {}),
        ("accept", {}),
    ]:
        assert (
            client.post(referral_url(world.a.referral, action), body, format="json").status_code
            == 404
        )
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.MATCHED


def test_school_sees_history_goals_and_match_but_no_volunteer_notes_or_meetings(api_for, world):
    referral = world.a.referral
    volunteer = world.a.volunteer
    volunteer.phone = "06-99887766"
    volunteer.save()
    ReferralStatusChange.objects.create(
        referral=referral,
        from_status=S.SUBMITTED,
        to_status=S.INTAKE,
        reason="Past goed bij het project.",
        changed_by=world.a.project_leader,
        changed_at=timezone.now() - dt.timedelta(days=6),
    )
    plan = ActionPlanFactory(referral=referral, meeting__agreements="Geheime afspraak.")
    goal = GoalFactory(plan=plan, description="Leest elke week een boek uit.")
    evaluation = EvaluationFactory(referral=referral, summary="Vertrouwelijke samenvatting.")
    GoalEvaluationFactory(evaluation=evaluation, goal=goal, result="achieved", note="Topper")

    response = api_for(world.a.school_referrer).get(referral_url(referral))

    assert response.status_code == 200
    body = response.json()
    [change] = body["status_changes"]
    assert (change["status"], change["reason"]) == (S.INTAKE, "Past goed bij het project.")
    assert change["changed_by_name"] is None
    [shared_goal] = body["goals"]
    assert shared_goal["description"] == "Leest elke week een boek uit."
    assert shared_goal["responsible"] is None
    assert shared_goal["results"] == [
        {"evaluation": "mid", "result": GoalEvaluation.Result.ACHIEVED}
    ]
    assert body["matched_since"] == world.a.match.start_date.isoformat()
    assert body["sessions_held"] == 1
    assert body["tripartite_meetings"] is None
    assert body["priority_changes"] is None
    assert body["consent_given_by"] == referral.consent_given_by
    [guardian] = body["guardians"]
    assert (guardian["name"], guardian["phone"], guardian["email"]) == (
        "Fatima Zwartewaal",
        None,
        None,
    )
    text = response.content.decode()
    for secret in (
        volunteer.first_name,
        volunteer.last_name,
        volunteer.email,
        volunteer.phone,
        world.a.contact_moment.note,
        "Geheime afspraak.",
        "Vertrouwelijke samenvatting.",
        "Topper",
        world.a.guardian.phone,
    ):
        assert secret not in text


def test_project_leader_sees_meetings_priority_history_and_contact(api_for, world):
    referral = school_referral(world, intake=True)
    GuardianFactory(pupil=referral.pupil, name="Karim Oudenrijn", phone="06-11112222")
    TripartiteMeetingFactory(referral=referral, agreements="Wekelijks lezen in de bieb.")
    PriorityChange.objects.create(
        referral=referral,
        from_priority=3,
        to_priority=1,
        reason="Dreigt te blijven zitten.",
        changed_by=world.a.project_leader,
        changed_at=moment_ago(1),
    )

    body = api_for(world.a.project_leader).get(referral_url(referral)).json()

    [meeting] = body["tripartite_meetings"]
    assert meeting["agreements"] == "Wekelijks lezen in de bieb."
    assert meeting["attendees"] == ["parent", "pupil", "teacher", "initiative"]
    [change] = body["priority_changes"]
    assert (change["from_priority"], change["to_priority"]) == (3, 1)
    assert change["changed_by_name"] == world.a.project_leader.get_full_name()
    [guardian] = body["guardians"]
    assert guardian["phone"] == "06-11112222"
    assert body["priority"] == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "waiting"}, {"unmatched"}),
        ({"status": "matched"}, {"matched"}),
        ({"school": "school"}, {"matched"}),
        ({"programme": "programme"}, {"matched", "unmatched"}),
        ({"programme": "other_programme"}, set()),
        ({"programme": "world_b_programme"}, set()),
        ({"school": "world_b_school"}, set()),
        ({"school_year": "this_year"}, {"matched", "unmatched"}),
        ({"school_year": "last_year"}, set()),
        ({"submitted_after": "today"}, set()),
        ({"submitted_after": "week_ago"}, {"matched", "unmatched"}),
        ({"submitted_before": "yesterday"}, {"matched", "unmatched"}),
        ({"created_after": "today", "created_before": "today"}, {"matched", "unmatched"}),
        ({"created_before": "yesterday"}, set()),
    ],
)
def test_referrals_filter(api_for, world, params, expected):
    this_year = world.a.referral.school_year
    values = {
        "school": world.a.school.pk,
        "programme": world.a.programme.pk,
        "other_programme": ProgrammeFactory(initiative=world.a.initiative).pk,
        "world_b_programme": world.b.programme.pk,
        "world_b_school": world.b.school.pk,
        "this_year": this_year,
        "last_year": this_year - 1,
        "today": timezone.localdate().isoformat(),
        "yesterday": days_ago(1).isoformat(),
        "week_ago": days_ago(7).isoformat(),
    }
    query = {key: values.get(value, value) for key, value in params.items()}
    ids = {"matched": world.a.referral.pk, "unmatched": world.a.unmatched_referral.pk}

    response = api_for(world.a.project_leader).get(REFERRALS, query)

    assert response.status_code == 200
    assert referral_ids(response) == {ids[name] for name in expected}


def test_referrals_ordering(api_for, world):
    older = school_referral(world, submitted=True, submitted_at=moment_ago(30))
    client = api_for(world.a.project_leader)

    oldest_first = client.get(REFERRALS, {"ordering": "submitted_at"}).json()["results"]
    newest_first = client.get(REFERRALS, {"ordering": "-submitted_at"}).json()["results"]

    assert oldest_first[0]["id"] == older.pk
    assert newest_first[-1]["id"] == older.pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"programme": "1.5"}, "programme"),
        ({"school_year": "1.5"}, "school_year"),
        ({"submitted_after": "gisteren"}, "submitted_after"),
        ({"ordering": "priority"}, "ordering"),
    ],
)
def test_referrals_invalid_filter_is_400_naming_the_parameter(api_for, world, params, field):
    response = api_for(world.a.school_referrer).get(REFERRALS, params)
    assert response.status_code == 400
    assert names_field(response, field)


def test_referral_list_queries_do_not_grow_with_rows(api_for, world):
    def more_referrals():
        for _ in range(6):
            referral = school_referral(world, waiting=True)
            GuardianFactory(pupil=referral.pupil)

    assert_constant_queries(
        api_for(world.a.project_leader), REFERRALS, more_referrals, expected_growth=6
    )


# --- referrals: a school's new referral ------------------------------------------------------


def test_school_referrer_submits_a_referral_with_pupil_and_guardians(api_for, world):
    response = api_for(world.a.school_referrer).post(
        REFERRALS, school_payload(world.a.programme), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    referral = Referral.objects.get(pk=body["id"])
    assert body["status"] == S.SUBMITTED
    assert body["pupil"]["last_name"] == "Bakkerswaard-Elgersma"
    assert referral.referring_school == world.a.school
    assert referral.referred_by == world.a.school_referrer
    assert referral.submitted_at is not None
    pupil = referral.pupil
    assert (pupil.postcode, pupil.home_languages, pupil.school) == (
        "3531 AB",
        ["Arabisch"],
        world.a.school,
    )
    guardian = pupil.guardians.get()
    assert (guardian.name, guardian.phone, guardian.interpreter_needed) == (
        "Samira Bakkerswaard",
        "06-12345678",
        True,
    )
    assert [c.to_status for c in referral.status_changes.all()] == [S.SUBMITTED]


def test_school_referrer_saves_a_draft_without_consent(api_for, world):
    response = api_for(world.a.school_referrer).post(
        REFERRALS,
        school_payload(
            world.a.programme,
            submit=False,
            consent_given_by="",
            consent_date=None,
            consent_method="",
        ),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == S.DRAFT
    assert response.json()["submitted_at"] is None
    assert Referral.objects.get(pk=response.json()["id"]).status == S.DRAFT


def test_referral_without_parental_consent_cannot_be_submitted(api_for, world):
    before = row_counts()

    response = api_for(world.a.school_referrer).post(
        REFERRALS,
        school_payload(world.a.programme, consent_given_by="", consent_date=None),
        format="json",
    )

    assert response.status_code == 400
    assert {"consent_given_by", "consent_date"} <= param_names(response)
    reasons = {p["reason"] for p in response.json()["invalid_params"]}
    assert nl("Parental consent is required before the referral can be submitted.") in reasons
    assert row_counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"guardians": []}, "guardians"),
        ({"guardians": [{"name": "Zonder Contact"}]}, "guardians.0.phone"),
        ({"guardians": [{"name": "X", "phone": "bel me"}]}, "guardians.0.phone"),
        ({"first_name": "No\x00or"}, "first_name"),
        ({"first_name": "N" * 101}, "first_name"),
        ({"postcode": "", "neighbourhood": None}, "postcode"),
        ({"postcode": "ABCD 12"}, "postcode"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"consent_date": "2999-01-01"}, "consent_date"),
        ({"grade": 99}, "grade"),
        ({"support_what": ""}, "support_what"),
        ({"programme": None}, "programme"),
        ({"programme": "world_b"}, "programme"),
        ({"school": "world_b"}, "school"),
        ({"date_of_birth": days_ago(3 * 365).isoformat()}, "programme"),  # too young
    ],
)
def test_invalid_school_referral_is_400_naming_the_field_and_saves_nothing(
    api_for, world, overrides, field
):
    replacements = {"programme": world.b.programme.pk, "school": world.b.school.pk}
    overrides = {
        key: replacements[key] if value == "world_b" else value for key, value in overrides.items()
    }
    before = row_counts()

    response = api_for(world.a.school_referrer).post(
        REFERRALS, school_payload(world.a.programme, **overrides), format="json"
    )

    assert response.status_code == 400, response.json()
    assert names_field(response, field)
    assert row_counts() == before


def test_possible_duplicate_needs_confirmation(api_for, world):
    client = api_for(world.a.school_referrer)
    payload = school_payload(
        world.a.programme,
        first_name=world.a.pupil.first_name,
        last_name=world.a.pupil.last_name,
        date_of_birth=world.a.pupil.date_of_birth.isoformat(),
    )

    refused = client.post(REFERRALS, payload, format="json")
    confirmed = client.post(REFERRALS, {**payload, "confirm_duplicate": True}, format="json")

    assert refused.status_code == 400
    assert param_names(refused) == {"confirm_duplicate"}
    assert confirmed.status_code == 201


@pytest.mark.parametrize(
    "who", ["a_project_leader", "a_volunteer_user", "a_municipal_official", "outsider"]
)
def test_only_school_referrers_refer_pupils(api_for, world, who):
    user = {
        "a_project_leader": world.a.project_leader,
        "a_volunteer_user": world.a.volunteer_user,
        "a_municipal_official": world.a.municipal_official,
        "outsider": world.outsider,
    }[who]
    before = row_counts()

    response = api_for(user).post(REFERRALS, school_payload(world.a.programme), format="json")

    assert response.status_code == 403
    assert row_counts() == before


def test_read_only_token_cannot_refer(api_for, world):
    response = api_for(world.a.school_referrer, read_only=True).post(
        REFERRALS, school_payload(world.a.programme), format="json"
    )
    assert response.status_code == 403


def test_referrer_of_several_schools_must_choose_the_school(api_for, world):
    user = world.a.school_referrer
    other_school = PupilFactory(initiative=world.a.initiative).school
    other_school.municipality = world.a.municipality
    other_school.save()
    MembershipFactory(user=user, school_referrer=True, school=other_school)
    client = api_for(user)

    without = client.post(REFERRALS, school_payload(world.a.programme), format="json")
    chosen = client.post(
        REFERRALS, school_payload(world.a.programme, school=other_school.pk), format="json"
    )

    assert without.status_code == 400
    assert param_names(without) == {"school"}
    assert chosen.status_code == 201
    assert chosen.json()["referring_school"] == other_school.pk


# --- referrals: a project leader's registration ------------------------------------------


def test_project_leader_enters_a_parent_referral(api_for, world):
    response = api_for(world.a.project_leader).post(
        REGISTRATIONS, leader_payload(world.a.programme), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["source"], body["referring_school"]) == (
        S.SUBMITTED,
        Referral.Source.PARENT,
        None,
    )
    assert body["source_detail"] == "Moeder belde na de informatieavond."
    pupil = Referral.objects.get(pk=body["id"]).pupil
    assert pupil.home_languages == ["Pools", "Nederlands"]
    assert pupil.guardians.get().name == "Agnieszka Oosterhuis"


def test_project_leader_enters_a_school_referral_only_with_the_school(api_for, world):
    client = api_for(world.a.project_leader)
    payload = leader_payload(world.a.programme, source=Referral.Source.SCHOOL)

    without = client.post(REGISTRATIONS, payload, format="json")
    with_school = client.post(
        REGISTRATIONS, {**payload, "school": world.a.school.pk}, format="json"
    )

    assert without.status_code == 400
    assert param_names(without) == {"school"}
    assert with_school.status_code == 201
    assert with_school.json()["referring_school"] == world.a.school.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"consent_given_by": ""}, "consent_given_by"),
        ({"consent_date": None}, "consent_date"),
        ({"consent_date": "2999-01-01"}, "consent_date"),
        ({"source": "alien"}, "source"),
        ({"programme": "world_b"}, "programme"),
        ({"home_languages": ["x" * 51]}, "home_languages.0"),
        ({"guardians": [{"name": ""}]}, "guardians.0.name"),
    ],
)
def test_invalid_registration_is_400_and_saves_nothing(api_for, world, overrides, field):
    if overrides.get("programme") == "world_b":
        overrides["programme"] = world.b.programme.pk
    before = row_counts()

    response = api_for(world.a.project_leader).post(
        REGISTRATIONS, leader_payload(world.a.programme, **overrides), format="json"
    )

    assert response.status_code == 400, response.json()
    assert names_field(response, field)
    assert row_counts() == before


@pytest.mark.parametrize("who", ["a_school_referrer", "a_volunteer_user", "outsider"])
def test_only_project_leaders_enter_registrations(api_for, world, who):
    user = {
        "a_school_referrer": world.a.school_referrer,
        "a_volunteer_user": world.a.volunteer_user,
        "outsider": world.outsider,
    }[who]
    response = api_for(user).post(REGISTRATIONS, leader_payload(world.a.programme), format="json")
    assert response.status_code == 403


# --- actions: submit, accept, decline, withdraw ---------------------------------------------


def test_school_submits_its_draft_with_consent(api_for, world):
    draft = school_referral(
        world,
        draft=True,
        consent_given_by="Fatima Zwartewaal",
        consent_date=days_ago(1),
        consent_method=Referral.ConsentMethod.DIGITAL,
    )

    response = api_for(world.a.school_referrer).post(
        referral_url(draft, "submit"), {"version": draft.version}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == S.SUBMITTED
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED


def test_draft_without_consent_cannot_be_submitted(api_for, world):
    draft = school_referral(world, draft=True)

    response = api_for(world.a.school_referrer).post(
        referral_url(draft, "submit"), {}, format="json"
    )

    assert response.status_code == 400
    assert param_names(response) == {"consent_given_by", "consent_date", "consent_method"}
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_submitting_a_submitted_referral_is_409(api_for, world):
    referral = school_referral(world, submitted=True)
    response = api_for(world.a.school_referrer).post(
        referral_url(referral, "submit"), {}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_project_leader_accepts_a_submitted_referral(api_for, world):
    referral = school_referral(world, submitted=True)

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "accept"), {"version": referral.version}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == S.INTAKE
    assert response.json()["next_step"] == nl(
        "Driehoeksgesprek with parents, school and initiative"
    )
    assert response.json()["version"] == referral.version + 1
    referral.refresh_from_db()
    assert referral.status == S.INTAKE


def test_an_action_may_be_posted_without_a_body(api_for, world):
    referral = school_referral(world, submitted=True)
    response = api_for(world.a.project_leader).post(referral_url(referral, "accept"))
    assert response.status_code == 200
    assert response.json()["status"] == S.INTAKE


def test_accepting_a_declined_referral_is_409(api_for, world):
    referral = school_referral(world, declined=True)

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "accept"), {}, format="json"
    )

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_transition"
    referral.refresh_from_db()
    assert referral.status == S.DECLINED


def test_acting_on_a_stale_version_is_409(api_for, world):
    referral = school_referral(world, submitted=True)

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "accept"), {"version": referral.version + 1}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_change"
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED


@pytest.mark.parametrize("version", [0, "een", 2**40])
def test_invalid_version_is_400(api_for, world, version):
    referral = school_referral(world, submitted=True)
    response = api_for(world.a.project_leader).post(
        referral_url(referral, "accept"), {"version": version}, format="json"
    )
    assert response.status_code == 400
    assert param_names(response) == {"version"}


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("accept", {}),
        ("decline", {"reason": "Past niet."}),
        ("waitlist", {}),
        ("priority", {"priority": 1, "reason": "Urgent."}),
        ("meeting", {"planned_at": "2030-01-01T15:00:00+01:00", "attendees": ["parent"]}),
        ("action-plan", {"goals": [goal_payload()]}),
    ],
)
def test_school_referrer_may_not_take_project_leader_actions(api_for, world, action, body):
    referral = school_referral(world, intake=True)

    response = api_for(world.a.school_referrer).post(
        referral_url(referral, action), body, format="json"
    )

    assert response.status_code == 403
    referral.refresh_from_db()
    assert (referral.status, referral.priority) == (S.INTAKE, 3)
    assert not TripartiteMeeting.objects.filter(referral=referral).exists()
    assert not Goal.objects.filter(plan__referral=referral).exists()


@pytest.mark.parametrize(
    "action", ["submit", "accept", "decline", "withdraw", "waitlist", "priority", "meeting"]
)
@pytest.mark.parametrize("who", ["outsider", "a_municipal_official", "a_volunteer_user"])
def test_others_get_404_on_every_action(api_for, world, action, who):
    user = {
        "outsider": world.outsider,
        "a_municipal_official": world.a.municipal_official,
        "a_volunteer_user": world.a.volunteer_user,
    }[who]
    referral = world.a.referral

    response = api_for(user).post(referral_url(referral, action), {"reason": "x"}, format="json")

    assert response.status_code == 404


def test_project_leader_declines_with_a_reason_the_school_sees(api_for, world):
    referral = school_referral(world, submitted=True)

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "decline"), {"reason": "Leeftijd past niet."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == S.DECLINED
    school_view = api_for(world.a.school_referrer).get(referral_url(referral)).json()
    assert school_view["status_changes"][-1]["reason"] == "Leeftijd past niet."
    assert school_view["outcome_reason"] == "Leeftijd past niet."


@pytest.mark.parametrize("action", ["decline", "withdraw"])
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_decline_and_withdraw_need_a_reason(api_for, world, action, body):
    referral = school_referral(world, submitted=True)

    response = api_for(world.a.project_leader).post(
        referral_url(referral, action), body, format="json"
    )

    assert response.status_code == 400
    assert param_names(response) == {"reason"}
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED


def test_school_withdraws_its_referral(api_for, world):
    referral = school_referral(world, intake=True)

    response = api_for(world.a.school_referrer).post(
        referral_url(referral, "withdraw"), {"reason": "Ouders zien ervan af."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == S.WITHDRAWN
    assert response.json()["status_changes"][-1]["reason"] == "Ouders zien ervan af."


def test_school_cannot_withdraw_a_matched_referral(api_for, world):
    response = api_for(world.a.school_referrer).post(
        referral_url(world.a.referral, "withdraw"), {"reason": "Toch niet."}, format="json"
    )
    assert response.status_code == 409
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.MATCHED


def test_read_only_token_cannot_act(api_for, world):
    referral = school_referral(world, submitted=True)
    response = api_for(world.a.project_leader, read_only=True).post(
        referral_url(referral, "accept"), {}, format="json"
    )
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED


# --- actions: waitlist and priority ------------------------------------------------------


def test_project_leader_places_a_referral_with_goals_on_the_waitlist(api_for, world):
    referral = school_referral(world, intake=True)
    GoalFactory(plan=ActionPlanFactory(referral=referral))

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "waitlist"), {}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == S.WAITING
    assert response.json()["waiting_since"] is not None


def test_waitlist_without_action_plan_is_refused(api_for, world):
    referral = school_referral(world, intake=True)

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "waitlist"), {}, format="json"
    )

    expected = 409 if "action_plan_required" in CONFLICT_CODES else 400
    assert response.status_code == expected
    assert response.json()["detail"] == nl(
        "Record the driehoeksgesprek and an action plan with at least one goal first."
    )
    referral.refresh_from_db()
    assert referral.status == S.INTAKE


def test_waitlisting_a_matched_referral_is_409(api_for, world):
    response = api_for(world.a.project_leader).post(
        referral_url(world.a.referral, "waitlist"), {}, format="json"
    )
    assert response.status_code == 409


def test_project_leader_changes_the_priority_with_a_reason(api_for, world):
    referral = world.a.unmatched_referral

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "priority"),
        {"priority": 1, "reason": "Dreigt te blijven zitten.", "version": referral.version},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["priority"] == 1
    [change] = response.json()["priority_changes"]
    assert (change["from_priority"], change["to_priority"], change["reason"]) == (
        3,
        1,
        "Dreigt te blijven zitten.",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"priority": 9, "reason": "Waarom niet."}, "priority"),
        ({"priority": 0, "reason": "Waarom niet."}, "priority"),
        ({"priority": 2}, "reason"),
        ({"priority": 2, "reason": ""}, "reason"),
    ],
)
def test_invalid_priority_is_400(api_for, world, body, field):
    referral = world.a.unmatched_referral
    response = api_for(world.a.project_leader).post(
        referral_url(referral, "priority"), body, format="json"
    )
    assert response.status_code == 400
    assert param_names(response) == {field}
    assert not PriorityChange.objects.exists()


def test_priority_of_a_matched_referral_is_409(api_for, world):
    response = api_for(world.a.project_leader).post(
        referral_url(world.a.referral, "priority"), {"priority": 1, "reason": "Nu."}, format="json"
    )
    assert response.status_code == 409
    assert not PriorityChange.objects.exists()


# --- actions: driehoeksgesprek and action plan ---------------------------------------------


def test_project_leader_plans_a_driehoeksgesprek(api_for, world):
    referral = school_referral(world, intake=True)
    planned_at = (timezone.now() + dt.timedelta(days=5)).replace(microsecond=0)

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "meeting"),
        {
            "planned_at": planned_at.isoformat(),
            "attendees": ["teacher", "parent", "parent"],
            "version": referral.version,
        },
        format="json",
    )

    assert response.status_code == 200
    [meeting] = response.json()["tripartite_meetings"]
    assert meeting["attendees"] == ["parent", "teacher"]
    assert meeting["held_on"] is None
    stored = TripartiteMeeting.objects.get(referral=referral)
    assert stored.planned_at == planned_at
    assert stored.recorded_by == world.a.project_leader


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"planned_at": "2030-01-01T15:00:00+01:00", "attendees": []}, "attendees"),
        ({"planned_at": "2030-01-01T15:00:00+01:00", "attendees": ["buurman"]}, "attendees.0"),
        ({"planned_at": "morgen", "attendees": ["parent"]}, "planned_at"),
        ({"attendees": ["parent"]}, "planned_at"),
    ],
)
def test_invalid_meeting_plan_is_400(api_for, world, body, field):
    referral = school_referral(world, intake=True)
    response = api_for(world.a.project_leader).post(
        referral_url(referral, "meeting"), body, format="json"
    )
    assert response.status_code == 400
    assert names_field(response, field)
    assert not TripartiteMeeting.objects.filter(referral=referral).exists()


def test_planning_a_meeting_outside_the_intake_is_409(api_for, world):
    referral = school_referral(world, submitted=True)
    response = api_for(world.a.project_leader).post(
        referral_url(referral, "meeting"),
        {"planned_at": "2030-01-01T15:00:00+01:00", "attendees": ["parent"]},
        format="json",
    )
    assert response.status_code == 409
    assert not TripartiteMeeting.objects.exists()


def _planned_meeting(referral):
    return TripartiteMeetingFactory(
        referral=referral, held_on=None, agreements="", parent_conditions=""
    )


def outcome_payload(**overrides) -> dict:
    data = {
        "held_on": days_ago(1).isoformat(),
        "attendees": ["parent", "pupil", "initiative"],
        "agreements": "Twee keer per week lezen met de vrijwilliger.",
        "parent_conditions": "Ouders lezen thuis mee.",
        "conditions_accepted": True,
        "goals": [goal_payload(), goal_payload(description="Haalt een voldoende voor taal.")],
    }
    data.update(overrides)
    return data


def test_project_leader_records_the_outcome_and_the_action_plan(api_for, world):
    referral = school_referral(world, intake=True)
    meeting = _planned_meeting(referral)

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "meeting/outcome"), outcome_payload(), format="json"
    )

    assert response.status_code == 200
    body = response.json()
    [shown] = body["tripartite_meetings"]
    assert shown["held_on"] == days_ago(1).isoformat()
    assert shown["agreements"] == "Twee keer per week lezen met de vrijwilliger."
    assert shown["conditions_accepted"] is True
    assert {g["description"] for g in body["goals"]} == {
        "Leest elke week een hoofdstuk voor.",
        "Haalt een voldoende voor taal.",
    }
    assert ActionPlan.objects.get(referral=referral).meeting == meeting
    # Now the referral can go on the waitlist.
    placed = api_for(world.a.project_leader).post(
        referral_url(referral, "waitlist"), {}, format="json"
    )
    assert placed.json()["status"] == S.WAITING


def test_outcome_names_the_meeting_when_several_are_planned(api_for, world):
    referral = school_referral(world, intake=True)
    first = _planned_meeting(referral)
    _planned_meeting(referral)
    client = api_for(world.a.project_leader)

    unnamed = client.post(
        referral_url(referral, "meeting/outcome"), outcome_payload(), format="json"
    )
    named = client.post(
        referral_url(referral, "meeting/outcome"),
        outcome_payload(meeting=first.pk),
        format="json",
    )

    assert unnamed.status_code == 400
    assert param_names(unnamed) == {"meeting"}
    assert named.status_code == 200
    first.refresh_from_db()
    assert first.held_on == days_ago(1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"goals": []}, "goals"),
        ({"goals": [goal_payload(responsible="")]}, "goals.0.responsible"),
        ({"goals": [goal_payload(review_date="volgende week")]}, "goals.0.review_date"),
        ({"held_on": days_ago(-3).isoformat()}, "held_on"),
        ({"agreements": ""}, "agreements"),
        ({"attendees": []}, "attendees"),
        ({"meeting": "other"}, "meeting"),
    ],
)
def test_invalid_outcome_is_400_and_saves_nothing(api_for, world, overrides, field):
    referral = school_referral(world, intake=True)
    meeting = _planned_meeting(referral)
    if overrides.get("meeting") == "other":
        overrides["meeting"] = TripartiteMeetingFactory(held_on=None).pk

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "meeting/outcome"), outcome_payload(**overrides), format="json"
    )

    assert response.status_code == 400, response.json()
    assert names_field(response, field)
    meeting.refresh_from_db()
    assert meeting.held_on is None
    assert not Goal.objects.filter(plan__referral=referral).exists()


def test_outcome_without_a_planned_meeting_or_twice_is_409(api_for, world):
    referral = school_referral(world, intake=True)
    client = api_for(world.a.project_leader)
    url = referral_url(referral, "meeting/outcome")

    nothing_planned = client.post(url, outcome_payload(), format="json")
    held = TripartiteMeetingFactory(referral=referral)
    twice = client.post(url, outcome_payload(meeting=held.pk), format="json")

    assert nothing_planned.status_code == 409
    assert twice.status_code == 409
    assert not Goal.objects.filter(plan__referral=referral).exists()


def test_outcome_outside_the_intake_is_409(api_for, world):
    referral = school_referral(world, waiting=True)
    _planned_meeting(referral)
    response = api_for(world.a.project_leader).post(
        referral_url(referral, "meeting/outcome"), outcome_payload(), format="json"
    )
    assert response.status_code == 409


def test_project_leader_adds_goals_to_the_action_plan(api_for, world):
    referral = world.a.referral

    response = api_for(world.a.project_leader).post(
        referral_url(referral, "action-plan"),
        {"goals": [goal_payload(description="Schrijft een boekverslag.")]},
        format="json",
    )

    assert response.status_code == 200
    [goal] = response.json()["goals"]
    assert goal["description"] == "Schrijft een boekverslag."
    assert goal["responsible"] == "Leerling en vrijwilliger"
    assert goal["results"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"goals": []}, "goals"),
        ({}, "goals"),
        ({"goals": [goal_payload(description="   ")]}, "goals.0.description"),
        ({"goals": [goal_payload()] * 11}, "goals"),
    ],
)
def test_invalid_action_plan_is_400(api_for, world, body, field):
    response = api_for(world.a.project_leader).post(
        referral_url(world.a.referral, "action-plan"), body, format="json"
    )
    assert response.status_code == 400
    assert names_field(response, field)
    assert not Goal.objects.exists()


# --- waitlist ----------------------------------------------------------------------------


def test_waitlist_in_the_pages_order_with_waiting_days_and_priority(api_for, world):
    urgent = ReferralFactory(
        programme=world.a.programme, from_parent=True, waiting=True, priority=1
    )
    GuardianFactory(pupil=urgent.pupil, language="Tigrinya", interpreter_needed=True)
    # noon, 40 local days ago: 40 x 24 hours ago can be 39 days across a change to winter time
    forty_days_ago = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() - dt.timedelta(days=40), dt.time(12))
    )
    older_same_priority = ReferralFactory(
        programme=world.a.programme, from_parent=True, waiting=True, submitted_at=forty_days_ago
    )

    response = api_for(world.a.project_leader).get(WAITLIST)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["referral"] for r in rows] == [
        urgent.pk,
        older_same_priority.pk,
        world.a.unmatched_referral.pk,
    ]
    first = rows[0]
    assert first["priority"] == 1
    assert first["days_waiting"] == 7
    assert first["guardian_languages"] == ["Tigrinya"]
    assert first["interpreter_needed"] is True
    assert first["age"] == 10
    assert rows[1]["days_waiting"] == 40


def test_waitlist_filters_by_programme(api_for, world):
    other = ProgrammeFactory(initiative=world.a.initiative, municipalities=[world.a.municipality])
    elsewhere = ReferralFactory(programme=other, from_parent=True, waiting=True)
    client = api_for(world.a.project_leader)

    mine = client.get(WAITLIST, {"programme": other.pk})
    not_mine = client.get(WAITLIST, {"programme": world.b.programme.pk})

    assert [r["referral"] for r in mine.json()["results"]] == [elsewhere.pk]
    assert not_mine.status_code == 200
    assert not_mine.json()["count"] == 0
    assert client.get(WAITLIST, {"programme": "1.5"}).status_code == 400


def test_waitlist_of_world_b_holds_nothing_of_world_a(api_for, world):
    response = api_for(world.b.project_leader).get(WAITLIST)
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    "who", ["a_school_referrer", "a_volunteer_user", "a_municipal_official", "outsider"]
)
def test_waitlist_is_for_project_leaders_only(api_for, world, who):
    user = {
        "a_school_referrer": world.a.school_referrer,
        "a_volunteer_user": world.a.volunteer_user,
        "a_municipal_official": world.a.municipal_official,
        "outsider": world.outsider,
    }[who]
    response = api_for(user).get(WAITLIST)
    assert response.status_code == 403
    assert world.a.unmatched_pupil.last_name not in response.content.decode()


def test_waitlist_queries_do_not_grow_with_rows(api_for, world):
    def more_waiting():
        for _ in range(6):
            referral = ReferralFactory(programme=world.a.programme, from_parent=True, waiting=True)
            GuardianFactory(pupil=referral.pupil)

    assert_constant_queries(
        api_for(world.a.project_leader), WAITLIST, more_waiting, expected_growth=6
    )


# --- input is taken as the schema says, never looser ----------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": 12}, "first_name"),
        ({"grade": "6"}, "grade"),
        ({"programme": "1"}, "programme"),
        ({"programme": True}, "programme"),
        ({"programme": 2**70}, "programme"),
        ({"submit": "true"}, "submit"),
        ({"date_of_birth": "1-2-2015"}, "date_of_birth"),
        ({"consent_date": "2025-1-1"}, "consent_date"),
        ({"guardians": [{"name": "Samira", "phone": 612345678}]}, "guardians.0.phone"),
        (
            {"guardians": [{"name": "Samira", "email": "s@example.nl", "interpreter_needed": 1}]},
            "guardians.0.interpreter_needed",
        ),
        ({"guardians": "Samira"}, "guardians"),
    ],
)
def test_school_referral_input_of_the_wrong_type_is_400(api_for, world, overrides, field):
    before = row_counts()
    response = api_for(world.a.school_referrer).post(
        REFERRALS, school_payload(world.a.programme, **overrides), format="json"
    )
    assert response.status_code == 400
    assert names_field(response, field)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("accept", {"version": "1"}, "version"),
        ("accept", {"version": True}, "version"),
        ("decline", {"reason": 0}, "reason"),
        ("priority", {"priority": "1", "reason": "Nu."}, "priority"),
        ("meeting", {"planned_at": "2030-01-01", "attendees": ["parent"]}, "planned_at"),
        ("meeting", {"planned_at": "2030-01-01T15:00", "attendees": ["parent"]}, "planned_at"),
        (
            "meeting",
            {"planned_at": "2030-01-01T15:00:00+01:00", "attendees": "parent"},
            "attendees",
        ),
        ("action-plan", {"goals": [goal_payload(responsible=0)]}, "goals.0.responsible"),
        ("action-plan", {"goals": [goal_payload(review_date="01-02-2030")]}, "goals.0.review_date"),
    ],
)
def test_action_input_of_the_wrong_type_is_400(api_for, world, action, body, field):
    referral = school_referral(world, intake=True)
    response = api_for(world.a.project_leader).post(
        referral_url(referral, action), body, format="json"
    )
    assert response.status_code == 400
    assert names_field(response, field)
    referral.refresh_from_db()
    assert referral.status == S.INTAKE


def test_a_json_list_instead_of_an_object_is_400(api_for, world):
    response = api_for(world.a.school_referrer).post(REFERRALS, [1, 2], format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (REFERRALS, {"programme": str(2**70)}),
        (REFERRALS, {"school": str(-(2**70))}),
        (PUPILS, {"school": str(2**70)}),
        (WAITLIST, {"programme": str(2**70)}),
    ],
)
def test_ids_beyond_the_databases_range_match_nothing(api_for, world, url, params):
    response = api_for(world.a.project_leader).get(url, params)
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (REFERRALS, {"submitted_before": ""}, "submitted_before"),
        (REFERRALS, {"created_after": "02-12-2026"}, "created_after"),
        (REFERRALS, {"school": ""}, "school"),
        (REFERRALS, {"status": ""}, "status"),
        (WAITLIST, {"programme": ""}, "programme"),
    ],
)
def test_empty_or_malformed_filters_are_400(api_for, world, url, params, field):
    response = api_for(world.a.project_leader).get(url, params)
    assert response.status_code == 400
    assert names_field(response, field)


def test_unknown_ids_in_the_path_are_404(api_for, world):
    client = api_for(world.a.project_leader)
    assert client.get(f"{REFERRALS}{2**70}/").status_code == 404
    assert client.get(f"{PUPILS}{2**70}/").status_code == 404
    assert client.post(f"{REFERRALS}{2**70}/accept/", {}, format="json").status_code == 404
