"""Matching, logging a session and a mid-term evaluation in a real browser (issue 4).

The project leader matches a waiting pupil using a suggestion, the
volunteer logs a session from a phone-sized window, and the project leader
records the mid-term evaluation of the action plan's goal.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from accounts.tests.factories import TEST_PASSWORD
from initiatives.tests.factories import AvailabilityFactory, VOGFactory, VolunteerFactory
from referrals.models import ContactMoment, Evaluation, GoalEvaluation, Match, Referral
from referrals.services.evaluations import goal_field
from referrals.tests.factories import ActionPlanFactory, GoalFactory, PupilAvailabilityFactory

from .axe import check_a11y
from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_leader_matches_with_a_suggestion_volunteer_logs_on_phone_leader_evaluates(
    world, chromium_browser, live_server, browser_page, phone_page
):
    a = world.a
    today = timezone.localdate()
    referral = a.unmatched_referral
    goal = GoalFactory(plan=ActionPlanFactory(referral=referral, meeting=None))
    PupilAvailabilityFactory(pupil=referral.pupil, weekday=3)
    volunteer = VolunteerFactory(
        initiative=a.initiative,
        active=True,
        with_account=True,
        first_name="Noor",
        last_name="Visser",
        email="noor.visser@example.nl",
    )
    VOGFactory(volunteer=volunteer, checked_by=a.project_leader)
    AvailabilityFactory(volunteer=volunteer, weekday=3)

    # --- the project leader matches using the suggestion ----------------
    leader = browser_page
    log_in(leader, a.project_leader.email, TEST_PASSWORD)
    check_a11y(leader, "project leader: home")
    leader.goto("/wachtlijst/")
    check_a11y(leader, "project leader: waitlist")
    leader.locator(f"a[href='/koppelingen/aanmelding/{referral.pk}/']").first.click()
    leader.wait_for_url(re.compile(rf"/koppelingen/aanmelding/{referral.pk}/$"))
    check_a11y(leader, "project leader: suggestions")
    suggestion = leader.locator(f"li[data-volunteer='{volunteer.pk}']")
    assert "Noor Visser" in suggestion.inner_text()
    suggestion.locator("a.utrecht-button-link").click()
    leader.wait_for_url(re.compile(rf"/koppelingen/aanmelding/{referral.pk}/nieuw/\?volunteer="))
    check_a11y(leader, "project leader: new match")
    leader.select_option("[name=location_type]", "library")
    leader.locator("main form button[type=submit]").last.click()
    leader.wait_for_url(re.compile(r"/koppelingen/\d+/$"))
    check_a11y(leader, "project leader: match")

    match = Match.objects.get(volunteer=volunteer)
    assert match.start_date == today
    referral.refresh_from_db()
    assert referral.status == Referral.Status.MATCHED

    # --- the volunteer logs a session on a phone, in three steps ----------
    phone = phone_page
    log_in(phone, volunteer.email, TEST_PASSWORD)  # step 1: the home page
    check_a11y(phone, "volunteer (phone): home")
    phone.locator(f"a[data-log-session='{match.pk}']").click()  # step 2
    phone.wait_for_url(re.compile(rf"/koppelingen/{match.pk}/sessie-vastleggen/"))
    check_a11y(phone, "volunteer (phone): log a session")
    assert phone.input_value("[name=date]") == today.isoformat()
    assert phone.input_value("[name=duration_minutes]") == str(match.session_minutes)
    phone.fill("[name=note]", "Samen een prentenboek gelezen.")
    phone.locator("main form button[type=submit]").last.click()  # step 3
    phone.wait_for_url(re.compile(r"/(\?.*)?$"))
    check_a11y(phone, "volunteer (phone): session logged")

    moment = ContactMoment.objects.get(match=match)
    assert moment.kind == ContactMoment.Kind.SESSION
    assert moment.attendance == ContactMoment.Attendance.HELD
    assert moment.date == today
    assert moment.logged_by == volunteer.user

    # --- the project leader records the mid-term evaluation ---------------
    leader.goto(f"/intake/{referral.pk}/evaluatie/")
    check_a11y(leader, "project leader: evaluation")
    leader.check("[name=moment][value=mid]")
    leader.fill("[name=held_on]", today.isoformat())
    leader.check(f"[name={goal_field(goal.pk)}][value=partly]")
    leader.fill(f"[name=goal_{goal.pk}_note]", "Leest al vlotter voor.")
    leader.check("[name=pupil_satisfaction][value='4']")
    leader.check("[name=parent_satisfaction][value='5']")
    leader.locator("main form button[type=submit]").last.click()
    leader.wait_for_load_state()

    check_a11y(leader, "project leader: evaluation recorded")
    evaluation = Evaluation.objects.get(referral=referral, moment=Evaluation.Moment.MID)
    assert (evaluation.pupil_satisfaction, evaluation.parent_satisfaction) == (4, 5)
    result = GoalEvaluation.objects.get(evaluation=evaluation, goal=goal)
    assert result.result == GoalEvaluation.Result.PARTLY
    assert evaluation.held_on == today
