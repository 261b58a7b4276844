"""An anonymised pupil is read only: every write service refuses, and nothing is saved.

``anonymise(side)`` ends the side's guidance (match and referral ended
yesterday) and anonymises its pupil, Yasmina Zwartewaal on side a, through
the real erasure service. A pupil in guidance is never anonymised, so for the
services that act on open referrals or running matches the pupil is marked
anonymised directly (``mark_anonymised``): the guard must not rely on the
erasure's preconditions (for example a page opened before the nightly job).
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.retention import ANONYMISED, RETENTION_REASON
from initiatives.models import Volunteer
from initiatives.privacy import volunteer_anonymise
from initiatives.tests.factories import ProgrammeFactory, VolunteerFactory
from referrals import services
from referrals.models import ContactMoment, Match, MatchParticipant, Pupil, Referral
from referrals.privacy import pupil_anonymise
from referrals.services.intake import GoalData
from referrals.services.lifecycle import GuardianData, PupilData
from referrals.tests.factories import (
    ImpactQuestionFactory,
    MatchFactory,
    MatchParticipantFactory,
    ReferralFactory,
    days_ago,
)
from referrals.tests.test_school_views import referral_post

pytestmark = pytest.mark.django_db

S = Referral.Status
MESSAGE = "This record has been anonymised and can no longer be changed."


def nl(message: str) -> str:
    """``message`` as pages and the API show it: in Dutch, the default language."""
    with translation.override("nl"):
        return gettext(message)


def dump() -> str:
    """Every row of the referrals and initiatives tables, as JSON text."""
    return "\n".join(
        serializers.serialize("json", model.objects.order_by("pk"))
        for model in apps.get_models()
        if model._meta.app_label in {"referrals", "initiatives"}
    )


@contextmanager
def refused_and_unchanged():
    """The block raises the anonymised refusal, and no row of any table changed."""
    before = dump()
    with translation.override("nl"), pytest.raises(ValidationError) as caught:
        yield
    assert caught.value.code == "anonymised"
    assert caught.value.messages == [nl(MESSAGE)]
    assert dump() == before


def anonymise(side) -> Pupil:
    """End the side's guidance yesterday and anonymise its pupil, as the nightly job does."""
    Match.objects.filter(pk=side.match.pk).update(
        end_date=days_ago(1), end_reason=Match.EndReason.COMPLETED
    )
    MatchParticipant.objects.filter(pk=side.participant.pk).update(left_on=days_ago(1))
    Referral.objects.filter(pk=side.referral.pk).update(
        status=S.COMPLETED, status_changed_at=timezone.now() - dt.timedelta(days=1)
    )
    assert pupil_anonymise(pupil=side.pupil, by=None, reason=RETENTION_REASON) is True
    for record in (side.pupil, side.referral, side.match, side.participant, side.contact_moment):
        record.refresh_from_db()
    return side.pupil


def mark_anonymised(pupil: Pupil) -> None:
    Pupil.objects.filter(pk=pupil.pk).update(anonymised_at=timezone.now())
    pupil.refresh_from_db()


def anonymised_draft(world) -> Referral:
    """A draft of world a's school, never submitted, whose pupil was anonymised."""
    draft = ReferralFactory(
        programme=world.a.programme,
        pupil__school=world.a.school,
        pupil__first_name="Roosmarijntje",
        pupil__last_name="Vlietstra",
        referred_by=world.a.school_referrer,
        draft=True,
        consent_given_by="Henk Vlietstra",
        consent_date=days_ago(3),
        consent_method=Referral.ConsentMethod.IN_WRITING,
    )
    assert pupil_anonymise(pupil=draft.pupil, by=None, reason=RETENTION_REASON) is True
    draft.refresh_from_db()
    return draft


def pupil_data(**overrides) -> PupilData:
    values = {
        "first_name": "Roosmarijntje",
        "last_name": "Vlietstra",
        "date_of_birth": days_ago(10 * 365 + 100),
        "grade": 6,
    }
    values.update(overrides)
    return PupilData(**values)


# --- pupil, guardians and referral ---------------------------------------------------------


def test_a_draft_of_an_anonymised_pupil_cannot_be_saved_with_names_again(world):
    draft = anonymised_draft(world)

    with refused_and_unchanged():
        services.referral_save_draft(
            user=world.a.school_referrer,
            school=world.a.school,
            programme=world.a.programme,
            pupil=pupil_data(),
            guardians=[GuardianData(name="Henk Vlietstra", phone="06-98765432")],
            referral=draft,
        )

    draft.pupil.refresh_from_db()
    assert draft.pupil.first_name == ANONYMISED


def test_a_draft_of_an_anonymised_pupil_cannot_be_submitted(world):
    draft = anonymised_draft(world)

    with refused_and_unchanged():
        services.referral_submit(referral=draft, user=world.a.school_referrer)


def test_the_availability_of_an_anonymised_pupil_cannot_be_set(world):
    pupil = anonymise(world.a)

    with refused_and_unchanged():
        services.pupil_set_availability(
            user=world.a.project_leader, pupil=pupil, slots=[(2, dt.time(14), dt.time(15))]
        )


@pytest.mark.parametrize(
    "change",
    [
        lambda referral, user: services.referral_withdraw(
            referral=referral, user=user, reason="Verhuisd"
        ),
        lambda referral, user: services.referral_change_priority(
            referral=referral, user=user, priority=1, reason="Lang gewacht"
        ),
        lambda referral, user: services.referral_transition(
            referral=referral, to_status=S.STOPPED_EARLY, user=user, reason="Gestopt"
        ),
    ],
    ids=["withdraw", "priority", "transition"],
)
def test_an_open_referral_of_an_anonymised_pupil_is_not_changed(world, change):
    referral = world.a.unmatched_referral  # waiting for a volunteer
    mark_anonymised(referral.pupil)

    with refused_and_unchanged():
        change(referral, world.a.project_leader)


# --- driehoeksgesprek, action plan and goals -----------------------------------------------


def test_no_goals_are_added_to_the_action_plan_of_an_anonymised_pupil(world):
    anonymise(world.a)

    with refused_and_unchanged():
        services.action_plan_record(
            referral=world.a.referral,
            user=world.a.project_leader,
            goals=[GoalData("Leest voor in de klas.", "Yasmina", days_ago(-30))],
        )


def test_no_driehoeksgesprek_is_planned_or_waitlisted_for_an_anonymised_pupil(world):
    referral = ReferralFactory(programme=world.a.programme, intake=True)
    mark_anonymised(referral.pupil)
    leader = world.a.project_leader

    with refused_and_unchanged():
        services.tripartite_meeting_plan(
            referral=referral,
            user=leader,
            planned_at=timezone.now() + dt.timedelta(days=3),
            attendees=["parent", "initiative"],
        )
    with refused_and_unchanged():
        services.referral_place_on_waitlist(referral=referral, user=leader)


# --- matches -------------------------------------------------------------------------------


def test_an_anonymised_waiting_pupil_is_not_matched(world):
    referral = world.a.unmatched_referral
    mark_anonymised(referral.pupil)

    with refused_and_unchanged():
        services.match_create(
            user=world.a.project_leader,
            referrals=[referral],
            volunteer=world.a.volunteer,
            location_type=Match.LocationType.SCHOOL,
            start_date=timezone.localdate(),
        )
    with refused_and_unchanged():
        services.match_confirm_proposal(
            user=world.a.project_leader,
            programme=world.a.programme,
            pairs=[(referral, world.a.volunteer)],
            start_date=timezone.localdate(),
        )


def test_an_anonymised_volunteer_is_not_matched(world):
    volunteer = VolunteerFactory(initiative=world.a.initiative, stopped=True)
    assert volunteer_anonymise(volunteer=volunteer, by=None, reason=RETENTION_REASON)

    with refused_and_unchanged():
        services.match_create(
            user=world.a.project_leader,
            referrals=[world.a.unmatched_referral],
            volunteer=volunteer,
            location_type=Match.LocationType.SCHOOL,
            start_date=timezone.localdate(),
        )
    with refused_and_unchanged():
        services.match_replace_volunteer(
            user=world.a.project_leader,
            match=world.a.match,
            volunteer=volunteer,
            date=timezone.localdate(),
        )


def test_a_match_of_an_anonymised_pupil_is_not_ended(world):
    mark_anonymised(world.a.pupil)

    with refused_and_unchanged():
        services.match_end(
            user=world.a.project_leader,
            match=world.a.match,
            end_date=timezone.localdate(),
            end_reason=Match.EndReason.COMPLETED,
        )


def test_an_anonymised_pupil_does_not_join_or_leave_a_group(world):
    programme = ProgrammeFactory(initiative=world.a.initiative, group=True)
    group = MatchFactory(programme=programme, kind=Match.Kind.GROUP)
    staying, leaving = MatchParticipantFactory(match=group), MatchParticipantFactory(match=group)
    joining = ReferralFactory(programme=programme, waiting=True)
    mark_anonymised(leaving.pupil)
    mark_anonymised(joining.pupil)
    leader = world.a.project_leader

    with refused_and_unchanged():
        services.match_add_participant(user=leader, match=group, referral=joining)
    with refused_and_unchanged():
        services.match_remove_participant(
            user=leader,
            participant=leaving,
            date=timezone.localdate(),
            end_reason=Match.EndReason.MOVED,
        )
    assert staying.pupil.anonymised_at is None


# --- contact moments -----------------------------------------------------------------------


def test_no_late_contact_moment_is_logged_for_an_anonymised_pupil(world):
    anonymise(world.a)

    with refused_and_unchanged():
        services.contact_moment_log(
            user=world.a.project_leader,
            match=world.a.match,
            kind=ContactMoment.Kind.SESSION,
            date=days_ago(3),
            duration_minutes=60,
            note="Yasmina las een heel boek.",
        )


def test_a_contact_moment_of_an_anonymised_pupil_is_neither_corrected_nor_deleted(world):
    anonymise(world.a)
    moment = world.a.contact_moment

    with refused_and_unchanged():
        services.contact_moment_update(
            user=world.a.project_leader,
            moment=moment,
            kind=ContactMoment.Kind.SESSION,
            date=moment.date,
            duration_minutes=30,
            note="Yasmina was moe.",
        )
    with refused_and_unchanged():
        services.contact_moment_delete(user=world.a.project_leader, moment=moment)


def test_no_contact_moment_is_logged_for_a_match_of_an_anonymised_volunteer(world):
    match = MatchFactory(programme=world.a.programme, ended=True, start_date=days_ago(60))
    MatchParticipantFactory(match=match, left_on=days_ago(1))
    Volunteer.objects.filter(pk=match.volunteer_id).update(
        status=Volunteer.Status.STOPPED, end_date=days_ago(1)
    )
    assert volunteer_anonymise(volunteer=match.volunteer, by=None, reason=RETENTION_REASON)

    with refused_and_unchanged():
        services.contact_moment_log(
            user=world.a.project_leader,
            match=match,
            kind=ContactMoment.Kind.SESSION,
            date=days_ago(5),
            duration_minutes=60,
        )


def test_a_group_goes_on_after_a_member_who_left_was_anonymised(world):
    """Only the moments of the days the anonymised member was in the group are refused."""
    programme = ProgrammeFactory(initiative=world.a.initiative, group=True)
    group = MatchFactory(programme=programme, kind=Match.Kind.GROUP, start_date=days_ago(60))
    MatchParticipantFactory(match=group)
    gone = MatchParticipantFactory(match=group, left_on=days_ago(40))
    mark_anonymised(gone.pupil)
    leader = world.a.project_leader

    today = services.contact_moment_log(
        user=leader, match=group, kind="session", date=days_ago(1), duration_minutes=60
    )
    assert today.pk is not None
    with refused_and_unchanged():
        services.contact_moment_log(
            user=leader, match=group, kind="session", date=days_ago(50), duration_minutes=60
        )


# --- evaluations ---------------------------------------------------------------------------


def test_no_evaluation_or_measurement_is_recorded_for_an_anonymised_pupil(world):
    anonymise(world.a)
    question = ImpactQuestionFactory(programme=world.a.programme)
    leader = world.a.project_leader

    with refused_and_unchanged():
        services.evaluation_record(
            user=leader,
            referral=world.a.referral,
            moment="end",
            held_on=days_ago(1),
            summary="Yasmina leest nu vlot.",
            goal_results=[],
            pupil_satisfaction=5,
        )
    with refused_and_unchanged():
        services.impact_measurement_record(
            user=leader,
            referral=world.a.referral,
            moment="end",
            measured_on=days_ago(1),
            scores={question.pk: 4},
        )


# --- what keeps working ----------------------------------------------------------------------


def test_anonymising_again_and_reading_still_work(world, client_for):
    pupil = anonymise(world.a)

    assert pupil_anonymise(pupil=pupil, by=None, reason=RETENTION_REASON) is False
    response = client_for(world.a.project_leader).get(
        reverse("referrals:leader_detail", args=[world.a.referral.pk])
    )
    assert response.status_code == 200


def test_other_pupils_can_still_be_changed(world):
    anonymise(world.a)  # someone else's pupil
    referral = world.a.unmatched_referral

    changed = services.referral_change_priority(
        referral=referral, user=world.a.project_leader, priority=1, reason="Lang gewacht"
    )

    assert changed.priority == 1


# --- pages ---------------------------------------------------------------------------------


def test_posting_the_draft_form_of_an_anonymised_pupil_shows_the_refusal(world, client_for):
    draft = anonymised_draft(world)
    before = dump()
    data = referral_post(
        world.a.programme, first_name="Roosmarijntje", last_name="Vlietstra", action="draft"
    )

    response = client_for(world.a.school_referrer).post(
        reverse("referrals:school_edit", args=[draft.pk]), data
    )

    assert response.status_code == 200
    assert nl(MESSAGE) in response.content.decode()
    assert dump() == before
    assert not Pupil.objects.filter(last_name="Vlietstra").exists()


def test_deleting_a_moment_of_an_anonymised_pupil_on_the_page_is_refused(world, client_for):
    anonymise(world.a)
    client = client_for(world.a.project_leader)
    before = dump()

    response = client.post(
        reverse("referrals:moment_delete", args=[world.a.contact_moment.pk]), follow=True
    )

    assert response.status_code == 200
    assert nl(MESSAGE) in response.content.decode()
    assert dump() == before


# --- API -----------------------------------------------------------------------------------


def assert_conflict(response) -> None:
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "anonymised"
    assert body["detail"] == nl(MESSAGE)
    assert body["invalid_params"] == [
        {"name": "non_field_errors", "code": "anonymised", "reason": nl(MESSAGE)}
    ]


def test_api_refuses_goals_for_an_anonymised_pupil_with_409(world, api_for):
    anonymise(world.a)
    before = dump()

    response = api_for(world.a.project_leader).post(
        f"/api/v1/referrals/{world.a.referral.pk}/action-plan/",
        {
            "goals": [
                {
                    "description": "Leest voor in de klas.",
                    "responsible": "Yasmina",
                    "review_date": days_ago(-30).isoformat(),
                }
            ]
        },
        format="json",
    )

    assert_conflict(response)
    assert dump() == before


def test_api_refuses_to_correct_a_moment_of_an_anonymised_pupil_with_409(world, api_for):
    anonymise(world.a)
    before = dump()

    response = api_for(world.a.project_leader).patch(
        f"/api/v1/contact-moments/{world.a.contact_moment.pk}/",
        json.dumps({"note": "Yasmina was moe.", "duration_minutes": 30}),
        content_type="application/json",
    )

    assert_conflict(response)
    assert dump() == before
