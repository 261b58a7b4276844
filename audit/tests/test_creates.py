"""Making a record of a pupil, guardian or volunteer leaves ``create`` entries.

The addresses of the forms and endpoints that make them name no record, so
the registry cannot resolve them: the view notes what it made
(``audit.services.note_record``) and the middleware writes it.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from audit.models import ProcessingLogEntry
from initiatives.models import Volunteer
from initiatives.tests.test_api import profile_payload
from initiatives.tests.test_views import profile_post
from referrals.models import ContactMoment, Evaluation, Match, Referral
from referrals.tests.factories import ActionPlanFactory, GoalFactory
from referrals.tests.test_adult_journey import form_data as client_manager_post
from referrals.tests.test_adult_leader_create import adult_programme
from referrals.tests.test_adult_leader_create import form_data as adult_post
from referrals.tests.test_api_intake import leader_payload, school_payload
from referrals.tests.test_api_matching import create_body, moment_body
from referrals.tests.test_leader_views import _create_data as leader_post
from referrals.tests.test_match_services import eligible, waiting
from referrals.tests.test_school_views import referral_post

pytestmark = pytest.mark.django_db


def created(user, channel: str) -> set[tuple[str, int]]:
    return set(
        ProcessingLogEntry.objects.filter(
            actor_id=user.pk, action="create", result="allowed", channel=channel
        ).values_list("record_type", "record_id")
    )


def pupil_and_guardians(referral: Referral) -> set[tuple[str, int]]:
    return {("pupil", referral.pupil_id)} | {
        ("guardian", pk) for pk in referral.pupil.guardians.values_list("pk", flat=True)
    }


# --- pages ---------------------------------------------------------------------------


def test_a_school_referral_logs_the_new_pupil_and_guardian(world, client_for):
    user = world.a.school_referrer
    response = client_for(user).post(
        reverse("referrals:school_create"), referral_post(world.a.programme)
    )

    assert response.status_code == 302
    referral = Referral.objects.get(pupil__last_name="El Amrani")
    assert referral.pupil.guardians.count() == 1
    assert created(user, "page") == pupil_and_guardians(referral)


def test_editing_a_school_draft_is_a_change_not_a_create(world, client_for):
    user = world.a.school_referrer
    client = client_for(user)
    client.post(
        reverse("referrals:school_create"), referral_post(world.a.programme, action="draft")
    )
    referral = Referral.objects.get(pupil__last_name="El Amrani")

    client.post(
        reverse("referrals:school_edit", args=[referral.pk]),
        referral_post(world.a.programme, action="draft", support_what="Anders."),
    )

    actions = list(
        ProcessingLogEntry.objects.filter(record_type="pupil", record_id=referral.pupil_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[0] == "create"
    assert "create" not in actions[1:] and "update" in actions[1:]


def test_a_leaders_referral_logs_the_new_pupil_and_guardian(world, client_for):
    user = world.a.project_leader
    response = client_for(user).post(reverse("referrals:leader_create"), leader_post(world.a))

    assert response.status_code == 302
    referral = Referral.objects.get(pupil__last_name="Bakker")
    assert created(user, "page") == pupil_and_guardians(referral)


def test_a_leaders_adult_registration_logs_the_new_learner(world, client_for):
    user = world.a.project_leader
    response = client_for(user).post(
        reverse("referrals:leader_adult_create"), adult_post(adult_programme(world.a))
    )

    assert response.status_code == 302
    referral = Referral.objects.get(pupil__last_name="Woldemichael")
    assert created(user, "page") == {("pupil", referral.pupil_id)}


def test_a_client_managers_referral_logs_the_new_learner(world, client_for):
    programme = adult_programme(world.a)
    manager = client_manager_of(world.a.municipality)
    response = client_for(manager).post(
        reverse("referrals:client_manager_create"), client_manager_post(programme)
    )

    assert response.status_code == 302
    referral = Referral.objects.get(pupil__last_name="Gebremariam")
    assert created(manager, "page") == {("pupil", referral.pupil_id)}


def test_a_new_volunteer_is_logged_as_created(world, client_for):
    user = world.a.project_leader
    response = client_for(user).post(reverse("initiatives:volunteer_create"), profile_post())

    assert response.status_code == 302
    volunteer = Volunteer.objects.get(last_name="Visser")
    assert created(user, "page") == {("volunteer", volunteer.pk)}


def test_a_match_made_on_the_page_logs_its_pupil_and_volunteer(world, client_for):
    user = world.a.project_leader
    referral, volunteer = waiting(world.a), eligible(world.a)
    response = client_for(user).post(
        reverse("referrals:match_create", args=[referral.pk]),
        {
            "volunteer": volunteer.pk,
            "location_type": "school",
            "start_date": timezone.localdate().isoformat(),
            "frequency": world.a.programme.session_frequency,
            "session_minutes": world.a.programme.session_minutes,
        },
    )

    assert response.status_code == 302, response.content.decode()
    assert created(user, "page") == {("pupil", referral.pupil_id), ("volunteer", volunteer.pk)}


def test_a_form_with_errors_logs_no_create(world, client_for):
    user = world.a.project_leader
    response = client_for(user).post(
        reverse("initiatives:volunteer_create"), profile_post(last_name="")
    )

    assert response.status_code == 200
    assert created(user, "page") == set()


# --- the API -------------------------------------------------------------------------


def test_the_api_logs_a_new_volunteer(world, api_for):
    user = world.a.project_leader
    response = api_for(user).post("/api/v1/volunteers/", profile_payload(world), format="json")

    assert response.status_code == 201
    assert created(user, "api") == {("volunteer", response.json()["id"])}


def test_the_api_logs_a_school_referrals_new_pupil_and_guardian(world, api_for):
    user = world.a.school_referrer
    response = api_for(user).post(
        "/api/v1/referrals/", school_payload(world.a.programme), format="json"
    )

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get(pk=response.json()["id"])
    assert len(pupil_and_guardians(referral)) == 2
    assert created(user, "api") == pupil_and_guardians(referral)


def test_the_api_logs_a_registrations_new_pupil_and_guardian(world, api_for):
    user = world.a.project_leader
    response = api_for(user).post(
        "/api/v1/referrals/registrations/", leader_payload(world.a.programme), format="json"
    )

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get(pk=response.json()["id"])
    assert created(user, "api") == pupil_and_guardians(referral)


def test_the_api_logs_a_client_managers_new_learner(world, api_for):
    manager = client_manager_of(world.a.municipality)
    body = {
        "programme": adult_programme(world.a).pk,
        "first_name": "Meron",
        "last_name": "Tesfamariam",
        "date_of_birth": "1985-04-02",
        "postcode": "3531ab",
        "learner": {"learning_route": "z", "phone": "0611111111"},
        "support_what": "Brieven van de gemeente lezen.",
        "submit": False,
    }

    response = api_for(manager).post("/api/v1/referrals/adults/", body, format="json")

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get(pk=response.json()["id"])
    assert created(manager, "api") == {("pupil", referral.pupil_id)}


def test_the_api_logs_a_new_matchs_pupil_and_volunteer(world, api_for):
    user = world.a.project_leader
    referral, volunteer = waiting(world.a), eligible(world.a)
    response = api_for(user).post(
        "/api/v1/matches/", create_body([referral], volunteer), format="json"
    )

    assert response.status_code == 201, response.json()
    assert Match.objects.filter(pk=response.json()["id"], volunteer=volunteer).exists()
    assert created(user, "api") == {("pupil", referral.pupil_id), ("volunteer", volunteer.pk)}


def test_the_api_logs_a_new_contact_moments_pupil_and_volunteer(world, api_for):
    user = world.a.volunteer_user
    response = api_for(user).post(
        "/api/v1/contact-moments/", moment_body(world.a.match), format="json"
    )

    assert response.status_code == 201, response.json()
    assert ContactMoment.objects.filter(pk=response.json()["id"]).exists()
    assert created(user, "api") == {
        ("pupil", world.a.pupil.pk),
        ("volunteer", world.a.volunteer.pk),
    }


def test_the_api_logs_a_new_evaluation_as_created_and_a_correction_as_changed(world, api_for):
    user = world.a.project_leader
    plan = ActionPlanFactory(referral=world.a.referral)
    goal = GoalFactory(plan=plan, review_date=timezone.localdate() + dt.timedelta(days=30))
    body = {
        "referral": world.a.referral.pk,
        "moment": "mid",
        "held_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "summary": "Leest nu zelfstandig.",
        "goal_results": [{"goal": goal.pk, "result": "achieved"}],
    }
    client = api_for(user)

    assert client.post("/api/v1/evaluations/", body, format="json").status_code == 201
    assert created(user, "api") == {("pupil", world.a.pupil.pk), ("guardian", world.a.guardian.pk)}
    again = client.post("/api/v1/evaluations/", {**body, "summary": "Bijgesteld."}, format="json")
    assert again.status_code == 200
    assert Evaluation.objects.count() == 1
    assert ProcessingLogEntry.objects.filter(
        actor_id=user.pk, action="update", record_type="pupil", record_id=world.a.pupil.pk
    ).exists()


def test_a_refused_api_create_logs_no_create(world, api_for):
    user = world.a.project_leader
    response = api_for(user).post(
        "/api/v1/volunteers/", profile_payload(world, last_name=""), format="json"
    )

    assert response.status_code == 400
    assert ProcessingLogEntry.objects.count() == 0
