"""Database constraints on pupils, referrals, matches and what follows them."""

import datetime as dt

import pytest
from django.utils import timezone

from core.tests.constraints import violates
from initiatives.tests.factories import ProgrammeFactory
from referrals.models import (
    AttentionSignal,
    ContactMoment,
    Evaluation,
    Goal,
    ImpactQuestion,
    Match,
    MatchParticipant,
    PriorityChange,
    Pupil,
    Referral,
)
from referrals.tests.factories import (
    ContactMomentFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GoalFactory,
    ImpactMeasurementFactory,
    ImpactScoreFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilAvailabilityFactory,
    PupilFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


# --- Pupil ------------------------------------------------------------------


def test_pupil_born_in_the_future_is_rejected_by_database():
    pupil = PupilFactory()

    with violates("pupil_born_in_the_past"):
        Pupil.objects.filter(pk=pupil.pk).update(date_of_birth=in_days(2))


@pytest.mark.parametrize("grade", [0, 15])
def test_pupil_grade_out_of_range_is_rejected_by_database(grade):
    pupil = PupilFactory()

    with violates("pupil_grade_range"):
        Pupil.objects.filter(pk=pupil.pk).update(grade=grade)


# --- Referral ---------------------------------------------------------------


def test_school_referral_without_referring_school_is_rejected_by_database():
    referral = ReferralFactory(source=Referral.Source.SCHOOL)

    with violates("referral_school_source_has_school"):
        Referral.objects.filter(pk=referral.pk).update(referring_school=None)


@pytest.mark.parametrize(
    "missing",
    [{"consent_given_by": ""}, {"consent_date": None}, {"consent_method": ""}],
    ids=["given-by", "date", "method"],
)
def test_submitted_referral_without_consent_is_rejected_by_database(missing):
    referral = ReferralFactory(submitted=True)

    with violates("referral_consent_required_after_draft"):
        Referral.objects.filter(pk=referral.pk).update(**missing)


def test_draft_referral_without_consent_is_accepted_by_database():
    referral = ReferralFactory(draft=True)

    assert Referral.objects.get(pk=referral.pk).consent_given_by == ""


def test_referral_consent_dated_in_the_future_is_rejected_by_database():
    referral = ReferralFactory()

    with violates("referral_consent_not_in_future"):
        Referral.objects.filter(pk=referral.pk).update(consent_date=in_days(2))


def test_submitted_referral_without_submitted_at_is_rejected_by_database():
    referral = ReferralFactory(submitted=True)

    with violates("referral_submitted_has_submitted_at"):
        Referral.objects.filter(pk=referral.pk).update(submitted_at=None)


@pytest.mark.parametrize("status", ["declined", "withdrawn", "stopped_early"])
def test_closed_referral_without_reason_is_rejected_by_database(status):
    referral = ReferralFactory(waiting=True)

    with violates("referral_closed_has_reason"):
        Referral.objects.filter(pk=referral.pk).update(status=status, outcome_reason="")


def test_completed_referral_without_reason_is_accepted_by_database():
    referral = ReferralFactory(completed=True, outcome_reason="")

    assert Referral.objects.get(pk=referral.pk).status == "completed"


@pytest.mark.parametrize("priority", [0, 6])
def test_referral_priority_out_of_range_is_rejected_by_database(priority):
    referral = ReferralFactory()

    with violates("referral_priority_range"):
        Referral.objects.filter(pk=referral.pk).update(priority=priority)


def test_priority_change_without_reason_is_rejected_by_database():
    referral = ReferralFactory(waiting=True)

    with violates("priority_change_has_reason"):
        PriorityChange.objects.create(
            referral=referral,
            from_priority=3,
            to_priority=1,
            reason="",
            changed_at=timezone.now(),
        )


def test_goal_without_description_is_rejected_by_database():
    goal = GoalFactory()

    with violates("goal_has_description"):
        Goal.objects.filter(pk=goal.pk).update(description="")


# --- Match ------------------------------------------------------------------


def test_match_end_date_before_start_is_rejected_by_database():
    match = MatchFactory()

    with violates("match_end_not_before_start"):
        Match.objects.filter(pk=match.pk).update(
            end_date=match.start_date - dt.timedelta(days=1),
            end_reason=Match.EndReason.COMPLETED,
        )


def test_match_planned_end_before_start_is_rejected_by_database():
    match = MatchFactory()

    with violates("match_planned_end_not_before_start"):
        Match.objects.filter(pk=match.pk).update(
            planned_end_date=match.start_date - dt.timedelta(days=1)
        )


@pytest.mark.parametrize(
    "change",
    [
        {"end_date": "start", "end_reason": ""},
        {"end_date": None, "end_reason": Match.EndReason.MOVED},
    ],
    ids=["ended-without-reason", "reason-without-end"],
)
def test_match_end_date_and_end_reason_must_go_together_in_database(change):
    match = MatchFactory()
    if change["end_date"] == "start":
        change = {**change, "end_date": match.start_date}

    with violates("match_ended_has_reason"):
        Match.objects.filter(pk=match.pk).update(**change)


@pytest.mark.parametrize("minutes", [0, 481])
def test_match_session_length_out_of_range_is_rejected_by_database(minutes):
    match = MatchFactory()

    with violates("match_session_minutes_range"):
        Match.objects.filter(pk=match.pk).update(session_minutes=minutes)


def test_second_active_match_for_pupil_in_same_programme_is_rejected_by_database():
    first = MatchParticipantFactory()
    second_match = MatchFactory(programme=first.programme)

    with violates("one_active_match_per_pupil_per_programme"):
        MatchParticipantFactory(match=second_match, referral=first.referral)


def test_new_match_for_pupil_in_same_programme_is_allowed_after_the_first_ended():
    first = MatchParticipantFactory()
    MatchParticipant.objects.filter(pk=first.pk).update(left_on=timezone.localdate())
    second_match = MatchFactory(programme=first.programme)

    MatchParticipantFactory(match=second_match, referral=first.referral)

    assert MatchParticipant.objects.filter(pupil=first.pupil, left_on__isnull=True).count() == 1


def test_active_matches_for_one_pupil_in_two_programmes_are_allowed():
    first = MatchParticipantFactory()
    other_programme = ProgrammeFactory(initiative=first.programme.initiative)
    other_referral = ReferralFactory(pupil=first.pupil, programme=other_programme, matched=True)

    MatchParticipantFactory(match=MatchFactory(programme=other_programme), referral=other_referral)

    assert MatchParticipant.objects.filter(pupil=first.pupil, left_on__isnull=True).count() == 2


def test_same_pupil_twice_in_one_match_is_rejected_by_database():
    first = MatchParticipantFactory()
    # The first stay has ended, so only "one row per pupil per match" is at stake.
    MatchParticipant.objects.filter(pk=first.pk).update(left_on=timezone.localdate())

    with violates("match_participant_unique"):
        MatchParticipantFactory(match=first.match, referral=first.referral)


def test_participant_leaving_before_joining_is_rejected_by_database():
    participant = MatchParticipantFactory()

    with violates("match_participant_left_not_before_joined"):
        MatchParticipant.objects.filter(pk=participant.pk).update(
            left_on=participant.joined_on - dt.timedelta(days=1)
        )


# --- Contact moments --------------------------------------------------------


def test_contact_moment_about_nobody_is_rejected_by_database():
    moment = ContactMomentFactory(kind=ContactMoment.Kind.TEACHER)

    with violates("contact_moment_about_match_or_pupil"):
        ContactMoment.objects.filter(pk=moment.pk).update(match=None, pupil=None)


def test_contact_moment_longer_than_ten_hours_is_rejected_by_database():
    moment = ContactMomentFactory()

    with violates("contact_moment_duration_range"):
        ContactMoment.objects.filter(pk=moment.pk).update(duration_minutes=601)


def test_held_contact_moment_of_zero_minutes_is_rejected_by_database():
    moment = ContactMomentFactory(attendance=ContactMoment.Attendance.HELD)

    with violates("contact_moment_held_has_duration"):
        ContactMoment.objects.filter(pk=moment.pk).update(duration_minutes=0)


@pytest.mark.parametrize(
    "attendance",
    [ContactMoment.Attendance.PUPIL_ABSENT, ContactMoment.Attendance.VOLUNTEER_CANCELLED],
)
def test_session_that_did_not_take_place_may_last_zero_minutes(attendance):
    moment = ContactMomentFactory(attendance=attendance, duration_minutes=0)

    moment.refresh_from_db()
    assert (moment.attendance, moment.duration_minutes) == (attendance, 0)


def test_tutoring_session_without_match_is_rejected_by_database():
    moment = ContactMomentFactory(kind=ContactMoment.Kind.SESSION)
    pupil = PupilFactory()

    with violates("contact_moment_session_has_match"):
        ContactMoment.objects.filter(pk=moment.pk).update(match=None, pupil=pupil)


def test_parent_contact_about_a_pupil_without_match_is_accepted_by_database():
    moment = ContactMomentFactory(kind=ContactMoment.Kind.PARENT, match=None, pupil=PupilFactory())

    assert ContactMoment.objects.filter(pk=moment.pk).exists()


# --- Evaluations and impact -------------------------------------------------


def test_two_mid_term_evaluations_of_one_referral_are_rejected_by_database():
    evaluation = EvaluationFactory(moment="mid")

    with violates("evaluation_unique_moment"):
        EvaluationFactory(referral=evaluation.referral, moment="mid")


def test_evaluation_held_in_the_future_is_rejected_by_database():
    evaluation = EvaluationFactory()

    with violates("evaluation_not_in_future"):
        type(evaluation).objects.filter(pk=evaluation.pk).update(held_on=in_days(2))


def test_one_goal_evaluated_twice_in_one_evaluation_is_rejected_by_database():
    result = GoalEvaluationFactory()

    with violates("goal_evaluation_unique"):
        GoalEvaluationFactory(evaluation=result.evaluation, goal=result.goal)


def test_two_start_measurements_of_one_referral_are_rejected_by_database():
    measurement = ImpactMeasurementFactory(moment="start")

    with violates("impact_measurement_unique_moment"):
        ImpactMeasurementFactory(referral=measurement.referral, moment="start")


def test_one_question_scored_twice_in_one_measurement_is_rejected_by_database():
    score = ImpactScoreFactory()

    with violates("impact_score_unique_question"):
        ImpactScoreFactory(measurement=score.measurement, question=score.question)


@pytest.mark.parametrize("value", [0, 6])
def test_impact_score_out_of_range_is_rejected_by_database(value):
    score = ImpactScoreFactory()

    with violates("impact_score_range"):
        type(score).objects.filter(pk=score.pk).update(score=value)


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("pupil_satisfaction", "evaluation_pupil_satisfaction_range"),
        ("parent_satisfaction", "evaluation_parent_satisfaction_range"),
        ("coach_satisfaction", "evaluation_coach_satisfaction_range"),
    ],
)
@pytest.mark.parametrize("value", [0, 6])
def test_satisfaction_outside_one_to_five_is_rejected_by_database(field, name, value):
    evaluation = EvaluationFactory()

    with violates(name):
        Evaluation.objects.filter(pk=evaluation.pk).update(**{field: value})


def test_one_question_twice_in_a_programme_is_rejected_by_database():
    programme = ProgrammeFactory()
    ImpactQuestion.objects.create(programme=programme, text="Leesplezier")

    with violates("impact_question_unique_per_programme"):
        ImpactQuestion.objects.create(programme=programme, text="Leesplezier")


def test_pupil_availability_ending_before_it_starts_is_rejected_by_database():
    with violates("pupil_availability_end_after_start"):
        PupilAvailabilityFactory(start_time=dt.time(16), end_time=dt.time(15))


def test_pupil_availability_on_day_eight_is_rejected_by_database():
    with violates("pupil_availability_weekday_range"):
        PupilAvailabilityFactory(weekday=8)


def test_attention_signal_about_nothing_is_rejected_by_database():
    match = MatchFactory()

    with violates("attention_signal_has_subject"):
        AttentionSignal.objects.create(
            initiative=match.programme.initiative, rule="no_session", subject="x", anchor="a"
        )


def test_one_attention_signal_twice_is_rejected_by_database():
    match = MatchFactory()
    fields = {
        "initiative": match.programme.initiative,
        "rule": "no_session",
        "subject": f"match:{match.pk}",
        "anchor": "2026-11-01",
        "match": match,
    }
    AttentionSignal.objects.create(**fields)

    with violates("attention_signal_once"):
        AttentionSignal.objects.create(**fields)


# --- adult language coaching ---------------------------------------------------------


def _adult_constraint_case(world, constraint: str):
    import datetime as _dt

    from django.utils import timezone as _tz

    from referrals.models import CoachCheckIn, DropOutSignal, LearnerProfile

    future = _tz.localdate() + _dt.timedelta(days=2)
    a = world.a
    cases = {
        "learner_profile_route_known": lambda: LearnerProfile.objects.create(
            pupil=a.unmatched_pupil, municipality=a.municipality, learning_route="x"
        ),
        "learner_profile_level_known": lambda: LearnerProfile.objects.create(
            pupil=a.unmatched_pupil, municipality=a.municipality, learning_route="b1",
            level_goal="Z9",
        ),
        "drop_out_signal_has_reason": lambda: DropOutSignal.objects.create(
            referral=a.referral, match=a.match, signalled_on=_tz.localdate(), reason=""
        ),
        "drop_out_signal_not_in_future": lambda: DropOutSignal.objects.create(
            referral=a.referral, match=a.match, signalled_on=future, reason="Stopt"
        ),
        "coach_check_in_not_in_future": lambda: CoachCheckIn.objects.create(
            match=a.match, held_on=future
        ),
    }  # fmt: skip
    return cases[constraint]


@pytest.mark.parametrize(
    "constraint",
    [
        "learner_profile_route_known",
        "learner_profile_level_known",
        "drop_out_signal_has_reason",
        "drop_out_signal_not_in_future",
        "coach_check_in_not_in_future",
    ],
)
def test_adult_coaching_constraints(world, constraint):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _adult_constraint_case(world, constraint)()
