"""Adult language coaching: the 'no check-in with the coach' rule, the mid-term evaluation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from initiatives.tests.factories import VOGFactory, VolunteerFactory
from referrals.attention import items_for_initiative
from referrals.models import AttentionSignal, Evaluation, GoalEvaluation, Match
from referrals.services import (
    action_plan_record,
    evaluation_record,
    match_create,
    referral_accept,
    referral_place_on_waitlist,
)
from referrals.services.adults import coach_check_in_record
from referrals.services.intake import GoalData

from .test_adult_scoping import adult_referral

pytestmark = pytest.mark.django_db
Rule = AttentionSignal.Rule


def adult_match(side, *, start: dt.date) -> Match:
    manager = client_manager_of(side.municipality)
    referral = adult_referral(side, manager)
    leader = side.project_leader
    referral_accept(referral=referral, user=leader)
    action_plan_record(
        referral=referral,
        user=leader,
        goals=[GoalData("Zelf boodschappen doen", "Coach", timezone.localdate())],
    )
    referral_place_on_waitlist(referral=referral, user=leader)
    volunteer = VolunteerFactory(initiative=side.initiative, active=True)
    VOGFactory(volunteer=volunteer)
    return match_create(
        user=leader,
        referrals=[referral],
        volunteer=volunteer,
        location_type=Match.LocationType.LIBRARY,
        start_date=start,
        planned_end_date=start + dt.timedelta(weeks=20),
    )


def check_in_items(side):
    return [i for i in items_for_initiative(side.initiative) if i.rule == Rule.NO_CHECK_IN]


def test_an_adult_match_without_a_check_in_for_weeks_needs_attention(world, settings):
    settings.ATTENTION_NO_CHECK_IN_WEEKS = 4
    today = timezone.localdate()
    match = adult_match(world.a, start=today - dt.timedelta(weeks=5))
    items = check_in_items(world.a)
    assert [(i.match, i.anchor) for i in items] == [(match, "start")]

    coach_check_in_record(
        user=world.a.project_leader, match=match, held_on=today - dt.timedelta(weeks=1)
    )
    assert check_in_items(world.a) == []

    settings.ATTENTION_NO_CHECK_IN_WEEKS = 1
    assert [i.anchor for i in check_in_items(world.a)] == [
        (today - dt.timedelta(weeks=1)).isoformat()
    ]


def test_a_pupils_match_never_gets_the_check_in_rule(world, settings):
    settings.ATTENTION_NO_CHECK_IN_WEEKS = 1
    world.a.match.start_date = timezone.localdate() - dt.timedelta(weeks=30)
    world.a.match.save()
    assert check_in_items(world.a) == []


def test_the_mid_term_evaluation_works_for_an_adult_without_a_school(world):
    today = timezone.localdate()
    match = adult_match(world.a, start=today - dt.timedelta(weeks=10))
    referral = match.participants.get().referral
    assert referral.referring_school is None and referral.pupil.school is None
    goal = referral.action_plan.goals.get()
    evaluation = evaluation_record(
        user=world.a.project_leader,
        referral=referral,
        moment=Evaluation.Moment.MID,
        held_on=today,
        summary="Gaat goed",
        goal_results=[(goal.pk, GoalEvaluation.Result.values[0], "")],
    )
    assert evaluation.moment == Evaluation.Moment.MID
    assert not [
        i for i in items_for_initiative(world.a.initiative) if i.rule == Rule.MID_EVALUATION
    ]


def test_an_adult_match_halfway_without_a_mid_term_evaluation_gets_the_reminder(world):
    today = timezone.localdate()
    # 20 weeks planned, 10 held: halfway today, with the coach and the learner still to meet.
    match = adult_match(world.a, start=today - dt.timedelta(weeks=10))
    referral = match.participants.get().referral

    items = [i for i in items_for_initiative(world.a.initiative) if i.rule == Rule.MID_EVALUATION]

    assert [(i.match, i.anchor) for i in items] == [(match, "mid")]
    goal = referral.action_plan.goals.get()
    evaluation_record(
        user=world.a.project_leader,
        referral=referral,
        moment=Evaluation.Moment.MID,
        held_on=today,
        goal_results=[(goal.pk, GoalEvaluation.Result.PARTLY, "")],
    )
    assert not [
        i for i in items_for_initiative(world.a.initiative) if i.rule == Rule.MID_EVALUATION
    ]
