"""An anonymised volunteer is read only: every write service refuses, and nothing is saved.

``anonymised_volunteer(world)`` is a volunteer of world a's initiative who
stopped last week and was anonymised through the real erasure service. The
helpers (a dump of every row, the refusal) are the referrals tests'.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.retention import ANONYMISED, RETENTION_REASON
from initiatives import services
from initiatives.models import Volunteer
from initiatives.privacy import volunteer_anonymise
from initiatives.tests.factories import TrainingFactory, VolunteerFactory
from referrals.tests.test_anonymised_guard import (
    MESSAGE,
    assert_conflict,
    dump,
    nl,
    refused_and_unchanged,
)

pytestmark = pytest.mark.django_db

S = Volunteer.Status


def anonymised_volunteer(world) -> Volunteer:
    volunteer = VolunteerFactory(
        initiative=world.a.initiative,
        stopped=True,
        first_name="Hendrikje",
        last_name="Oosterbroek-Zuidema",
    )
    assert volunteer_anonymise(volunteer=volunteer, by=None, reason=RETENTION_REASON) is True
    return volunteer


def profile(**overrides) -> services.VolunteerProfile:
    values = {"first_name": "Hendrikje", "last_name": "Oosterbroek-Zuidema", "capacity": 2}
    values.update(overrides)
    return services.VolunteerProfile(**values)


# --- the services ----------------------------------------------------------------------------


def test_the_profile_of_an_anonymised_volunteer_is_not_changed(world):
    volunteer = anonymised_volunteer(world)

    with refused_and_unchanged():
        services.volunteer_update(
            user=world.a.project_leader,
            volunteer=volunteer,
            profile=profile(email="hendrikje@example.nl"),
            availability=[(2, dt.time(15), dt.time(17))],
        )

    volunteer.refresh_from_db()
    assert (volunteer.first_name, volunteer.email) == (ANONYMISED, "")


def test_the_availability_of_an_anonymised_volunteer_is_not_set(world):
    volunteer = anonymised_volunteer(world)

    with refused_and_unchanged():
        services.volunteer_set_availability(
            user=world.a.project_leader, volunteer=volunteer, slots=[(2, dt.time(15), dt.time(17))]
        )


def test_no_intake_vog_or_training_is_recorded_for_an_anonymised_volunteer(world):
    volunteer = anonymised_volunteer(world)
    leader = world.a.project_leader
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    training = TrainingFactory(initiative=world.a.initiative)

    with refused_and_unchanged():
        services.volunteer_record_intake(
            user=leader, volunteer=volunteer, date=yesterday, notes="Hendrikje is gemotiveerd."
        )
    with refused_and_unchanged():
        services.vog_record(
            user=leader, volunteer=volunteer, issued_on=yesterday, checked_on=yesterday
        )
    with refused_and_unchanged():
        services.training_record(
            user=leader,
            volunteer=volunteer,
            training=training,
            completed_on=yesterday,
        )


def test_an_anonymised_volunteer_does_not_come_back_as_an_applicant(world):
    volunteer = anonymised_volunteer(world)

    with refused_and_unchanged():
        services.volunteer_change_status(
            user=world.a.project_leader,
            volunteer=volunteer,
            to_status=S.APPLICANT,
            date=timezone.localdate(),
        )

    volunteer.refresh_from_db()
    assert volunteer.status == S.STOPPED


def test_anonymising_again_and_other_volunteers_still_work(world):
    volunteer = anonymised_volunteer(world)

    assert volunteer_anonymise(volunteer=volunteer, by=None, reason=RETENTION_REASON) is False
    services.volunteer_set_availability(
        user=world.a.project_leader,
        volunteer=world.a.volunteer,
        slots=[(2, dt.time(15), dt.time(17))],
    )
    assert world.a.volunteer.availability.count() == 1


# --- pages ---------------------------------------------------------------------------------


def test_the_availability_page_of_an_anonymised_volunteer_shows_the_refusal(world, client_for):
    volunteer = anonymised_volunteer(world)
    before = dump()

    response = client_for(world.a.project_leader).post(
        reverse("initiatives:availability_edit", args=[volunteer.pk]),
        {
            "availability-TOTAL_FORMS": "1",
            "availability-INITIAL_FORMS": "0",
            "availability-MIN_NUM_FORMS": "0",
            "availability-MAX_NUM_FORMS": "21",
            "availability-0-weekday": "2",
            "availability-0-start_time": "15:00",
            "availability-0-end_time": "17:00",
        },
    )

    assert response.status_code == 200
    assert nl(MESSAGE) in response.content.decode()
    assert dump() == before


def test_the_status_form_of_an_anonymised_volunteer_shows_the_refusal(world, client_for):
    volunteer = anonymised_volunteer(world)
    before = dump()

    response = client_for(world.a.project_leader).post(
        reverse("initiatives:volunteer_status", args=[volunteer.pk]),
        {"to_status": S.APPLICANT, "date": timezone.localdate().isoformat(), "reason": ""},
    )

    assert response.status_code == 200
    assert nl(MESSAGE) in response.content.decode()
    assert dump() == before


# --- API -----------------------------------------------------------------------------------


def volunteer_url(volunteer, action: str = "") -> str:
    return f"/api/v1/volunteers/{volunteer.pk}/" + (f"{action}/" if action else "")


def test_api_refuses_to_change_an_anonymised_volunteer_with_409(world, api_for):
    volunteer = anonymised_volunteer(world)
    client = api_for(world.a.project_leader)
    before = dump()

    patched = client.patch(
        volunteer_url(volunteer),
        {"first_name": "Hendrikje", "last_name": "Oosterbroek", "capacity": 2},
        format="json",
    )
    status = client.post(
        volunteer_url(volunteer, "status"),
        {"status": S.APPLICANT, "date": timezone.localdate().isoformat()},
        format="json",
    )

    assert_conflict(patched)
    assert_conflict(status)
    assert dump() == before
    assert client.get(volunteer_url(volunteer)).status_code == 200  # reading stays allowed
