"""Logging contact moments: who may, what is checked, group sessions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.tests.factories import project_leader_of
from initiatives.tests.factories import ProgrammeFactory, VolunteerFactory
from referrals.models import ContactMoment
from referrals.services.sessions import (
    contact_moment_delete,
    contact_moment_log,
    contact_moment_update,
    may_log_moments,
)
from referrals.tests.factories import (
    ContactMomentFactory,
    MatchFactory,
    MatchParticipantFactory,
    days_ago,
)

Kind = ContactMoment.Kind
Attendance = ContactMoment.Attendance


@pytest.fixture(autouse=True)
def _one_day():
    """Freeze the clock, so 'today' is the same day for the data and the checks."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def log(user, match, **kwargs) -> ContactMoment:
    fields = {
        "kind": Kind.SESSION,
        "date": timezone.localdate(),
        "duration_minutes": 60,
    }
    fields.update(kwargs)
    return contact_moment_log(user=user, match=match, **fields)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def group_match(side, *, pupils: int = 3):
    programme = ProgrammeFactory(initiative=side.initiative, group=True)
    volunteer = VolunteerFactory(initiative=side.initiative, active=True, with_account=True)
    match = MatchFactory(programme=programme, volunteer=volunteer, kind="group")
    members = [MatchParticipantFactory(match=match) for _ in range(pupils)]
    return match, [m.pupil for m in members]


# --- who may log ---------------------------------------------------------------


def test_project_leader_logs_a_session_for_the_matchs_pupil(world):
    moment = log(world.a.project_leader, world.a.match, note="  Lezen geoefend.  ")

    assert moment.match == world.a.match
    assert moment.pupil == world.a.pupil
    assert moment.logged_by == world.a.project_leader
    assert moment.attendance == Attendance.HELD
    assert moment.note == "Lezen geoefend."
    assert moment.participants == ["volunteer", "pupil"]


def test_volunteer_logs_a_session_of_their_own_match_when_the_initiative_allows(world):
    world.a.initiative.volunteers_log_sessions = True
    world.a.initiative.save()

    moment = log(world.a.volunteer_user, world.a.match)

    assert moment.logged_by == world.a.volunteer_user
    assert moment.pupil == world.a.pupil


def test_volunteer_cannot_log_when_the_initiative_does_not_allow_it(world):
    world.a.initiative.volunteers_log_sessions = False
    world.a.initiative.save()
    world.a.match.refresh_from_db()

    assert not may_log_moments(world.a.volunteer_user, world.a.match)
    with pytest.raises(PermissionDenied):
        log(world.a.volunteer_user, world.a.match)
    # the project leader still can
    assert log(world.a.project_leader, world.a.match).pk


def test_volunteer_cannot_log_for_another_volunteers_match(world):
    other = MatchFactory(programme=world.a.programme)
    MatchParticipantFactory(match=other)

    with pytest.raises(PermissionDenied):
        log(world.a.volunteer_user, other)


def test_volunteer_cannot_log_for_their_match_once_it_ended(world):
    ended = MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer, ended=True)
    MatchParticipantFactory(match=ended, left_on=ended.end_date)

    with pytest.raises(PermissionDenied):
        log(world.a.volunteer_user, ended, date=ended.end_date)


@pytest.mark.parametrize(
    "who", ["outsider", "b.project_leader", "a.school_referrer", "a.municipal_official"]
)
def test_others_cannot_log_a_moment(world, who):
    user = world.outsider if who == "outsider" else getattr(getattr(world, who[0]), who[2:])

    with pytest.raises(PermissionDenied):
        log(user, world.a.match)
    assert ContactMoment.objects.filter(match=world.a.match).count() == 1  # the world's own


def test_project_leader_may_log_late_for_an_ended_match_up_to_its_end(world):
    ended = MatchFactory(
        programme=world.a.programme,
        end_date=days_ago(5),
        end_reason="completed",
        start_date=days_ago(60),
    )
    MatchParticipantFactory(match=ended, left_on=ended.end_date)

    moment = log(world.a.project_leader, ended, date=days_ago(6))
    assert moment.pk

    with pytest.raises(ValidationError) as excinfo:
        log(world.a.project_leader, ended, date=days_ago(2))
    assert "date" in errors_of(excinfo)


# --- what is checked -------------------------------------------------------------


def test_date_cannot_be_in_the_future(world):
    with pytest.raises(ValidationError) as excinfo:
        log(world.a.project_leader, world.a.match, date=timezone.localdate() + dt.timedelta(1))
    assert "date" in errors_of(excinfo)


def test_date_cannot_be_before_the_match_started(world):
    with pytest.raises(ValidationError) as excinfo:
        log(
            world.a.project_leader,
            world.a.match,
            date=world.a.match.start_date - dt.timedelta(days=1),
        )
    assert "date" in errors_of(excinfo)


@pytest.mark.parametrize("minutes", [-1, 601])
def test_duration_must_be_between_0_and_600_minutes(world, minutes):
    with pytest.raises(ValidationError) as excinfo:
        log(world.a.project_leader, world.a.match, duration_minutes=minutes)
    assert "duration_minutes" in errors_of(excinfo)


def test_a_held_session_cannot_last_0_minutes_but_a_missed_one_can(world):
    with pytest.raises(ValidationError) as excinfo:
        log(world.a.project_leader, world.a.match, duration_minutes=0)
    assert "duration_minutes" in errors_of(excinfo)

    moment = log(
        world.a.project_leader,
        world.a.match,
        duration_minutes=0,
        attendance=Attendance.PUPIL_ABSENT,
    )
    assert moment.attendance == Attendance.PUPIL_ABSENT
    assert moment.participants == ["volunteer"]


def test_teacher_contact_needs_its_phase(world):
    with pytest.raises(ValidationError) as excinfo:
        log(world.a.project_leader, world.a.match, kind=Kind.TEACHER)
    assert "phase" in errors_of(excinfo)

    moment = log(world.a.project_leader, world.a.match, kind=Kind.TEACHER, phase="start")
    assert moment.phase == "start"
    assert moment.participants == ["initiative", "teacher"]


def test_a_tutoring_session_has_no_phase(world):
    moment = log(world.a.project_leader, world.a.match, phase="mid")

    assert moment.phase == ""


@pytest.mark.parametrize("kind", [Kind.PARENT, Kind.TRIPARTITE])
def test_parent_contact_and_driehoeksgesprek_can_be_logged(world, kind):
    moment = log(world.a.volunteer_user, world.a.match, kind=kind, duration_minutes=20)

    assert moment.kind == kind
    assert "parent" in moment.participants


def test_unknown_kind_and_attendance_are_refused_together(world):
    with pytest.raises(ValidationError) as excinfo:
        log(world.a.project_leader, world.a.match, kind="other", attendance="late")
    assert {"kind", "attendance"} <= set(errors_of(excinfo))


def test_every_problem_is_reported_at_once(world):
    with pytest.raises(ValidationError) as excinfo:
        log(
            world.a.project_leader,
            world.a.match,
            kind=Kind.TEACHER,
            date=timezone.localdate() + dt.timedelta(days=3),
            duration_minutes=900,
        )
    assert {"date", "duration_minutes", "phase"} <= set(errors_of(excinfo))


def test_absent_pupils_are_for_group_matches(world):
    with pytest.raises(ValidationError) as excinfo:
        log(world.a.project_leader, world.a.match, absent_pupil_ids=[world.a.pupil.pk])
    assert "absent_pupils" in errors_of(excinfo)


# --- group sessions ----------------------------------------------------------------


def test_group_session_is_one_row_with_the_absent_pupils(world):
    match, pupils = group_match(world.a)

    moment = log(world.a.project_leader, match, absent_pupil_ids=[pupils[0].pk])

    assert moment.pupil is None
    assert moment.attendance == Attendance.HELD
    assert list(moment.absent_pupils.all()) == [pupils[0]]
    assert ContactMoment.objects.filter(match=match).count() == 1


def test_group_volunteer_logs_their_group_session(world):
    match, pupils = group_match(world.a)

    moment = log(match.volunteer.user, match, absent_pupil_ids=[pupils[1].pk, pupils[2].pk])

    assert set(moment.absent_pupils.all()) == {pupils[1], pupils[2]}


def test_only_current_group_members_can_be_absent(world):
    match, _pupils = group_match(world.a)
    left = MatchParticipantFactory(match=match, left_on=days_ago(3))

    for outsider_pupil in (world.a.pupil, left.pupil):
        with pytest.raises(ValidationError) as excinfo:
            log(world.a.project_leader, match, absent_pupil_ids=[outsider_pupil.pk])
        assert "absent_pupils" in errors_of(excinfo)

    # before they left, the pupil was in the group
    moment = log(world.a.project_leader, match, date=days_ago(5), absent_pupil_ids=[left.pupil.pk])
    assert list(moment.absent_pupils.all()) == [left.pupil]


def test_group_session_with_everyone_absent_is_recorded_as_pupil_absent(world):
    match, pupils = group_match(world.a, pupils=2)

    moment = log(world.a.project_leader, match, absent_pupil_ids=[p.pk for p in pupils])

    assert moment.attendance == Attendance.PUPIL_ABSENT
    whole_group = log(world.a.project_leader, match, attendance=Attendance.PUPIL_ABSENT)
    assert set(whole_group.absent_pupils.all()) == set(pupils)


def test_cancelled_group_session_has_no_absent_pupils(world):
    match, pupils = group_match(world.a)

    moment = log(
        world.a.project_leader,
        match,
        attendance=Attendance.VOLUNTEER_CANCELLED,
        duration_minutes=0,
        absent_pupil_ids=[pupils[0].pk],
    )

    assert moment.absent_pupils.count() == 0
    assert moment.participants == []


# --- correct and delete ----------------------------------------------------------


def _update(user, moment, **kwargs):
    fields = {
        "kind": moment.kind,
        "date": moment.date,
        "duration_minutes": moment.duration_minutes,
        "attendance": moment.attendance,
        "note": moment.note,
    }
    fields.update(kwargs)
    return contact_moment_update(user=user, moment=moment, **fields)


def test_who_logged_a_moment_can_correct_it(world):
    moment = log(world.a.volunteer_user, world.a.match)

    _update(world.a.volunteer_user, moment, duration_minutes=45, note="Toch korter.")

    moment.refresh_from_db()
    assert (moment.duration_minutes, moment.note) == (45, "Toch korter.")


def test_corrections_are_checked_like_new_moments(world):
    moment = log(world.a.volunteer_user, world.a.match)

    with pytest.raises(ValidationError) as excinfo:
        _update(world.a.volunteer_user, moment, date=timezone.localdate() + dt.timedelta(1))
    assert "date" in errors_of(excinfo)


def test_project_leader_can_correct_and_delete_a_volunteers_moment(world):
    moment = log(world.a.volunteer_user, world.a.match)

    _update(world.a.project_leader, moment, attendance=Attendance.PUPIL_ABSENT)
    moment.refresh_from_db()
    assert moment.attendance == Attendance.PUPIL_ABSENT

    contact_moment_delete(user=world.a.project_leader, moment=moment)
    assert not ContactMoment.objects.filter(pk=moment.pk).exists()


def test_volunteer_cannot_change_a_moment_someone_else_logged(world):
    by_leader = log(world.a.project_leader, world.a.match)
    second_leader = project_leader_of(world.b.initiative)

    for user in (world.a.volunteer_user, world.b.project_leader, second_leader):
        with pytest.raises(PermissionDenied):
            _update(user, by_leader, duration_minutes=10)
        with pytest.raises(PermissionDenied):
            contact_moment_delete(user=user, moment=by_leader)
    assert ContactMoment.objects.filter(pk=by_leader.pk).exists()


def test_volunteer_cannot_delete_their_moment_once_logging_is_switched_off(world):
    moment = ContactMomentFactory(match=world.a.match, logged_by=world.a.volunteer_user)
    world.a.initiative.volunteers_log_sessions = False
    world.a.initiative.save()
    moment = ContactMoment.objects.select_related("match__programme__initiative").get(pk=moment.pk)

    with pytest.raises(PermissionDenied):
        contact_moment_delete(user=world.a.volunteer_user, moment=moment)
