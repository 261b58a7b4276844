"""The referral journey in a real browser (issue 3).

An IB'er refers a pupil, the project leader accepts, records a
driehoeksgesprek with a goal and puts the pupil on the waitlist, and the
IB'er sees the new status. Part of the journey runs on a phone-sized screen.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from accounts.tests.factories import TEST_PASSWORD
from referrals.models import Referral

from .axe import check_a11y
from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def nl(label) -> str:
    with translation.override("nl"):
        return str(label)


def test_school_refers_leader_takes_it_to_the_waitlist_school_sees_it(
    world, chromium_browser, live_server, browser_page, phone_page
):
    a = world.a
    today = timezone.localdate()
    birth = today.replace(year=today.year - 10) - dt.timedelta(days=30)

    # --- the IB'er refers a pupil ---------------------------------------
    school = browser_page
    log_in(school, a.school_referrer.email, TEST_PASSWORD)
    check_a11y(school, "school referrer: home")
    school.goto("/aanmeldingen/nieuw/")
    check_a11y(school, "school referrer: refer a pupil")
    school.fill("[name=first_name]", "Yara")
    school.fill("[name=last_name]", "Bouzid")
    school.fill("[name=date_of_birth]", birth.isoformat())
    school.select_option("[name=grade]", "6")
    school.fill("[name=postcode]", "3533 AB")
    school.fill("[name=guardians-0-name]", "Samira Bouzid")
    school.fill("[name=guardians-0-phone]", "0612345678")
    school.fill("[name=guardians-0-language]", "Arabisch")
    school.check("[name=guardians-0-interpreter_needed]")
    school.fill("[name=support_what]", "Woordenschat en begrijpend lezen")
    school.fill("[name=support_why]", "Loopt een jaar achter bij taal")
    school.select_option("[name=programme]", str(a.programme.pk))
    school.fill("[name=consent_given_by]", "Samira Bouzid (moeder)")
    school.fill("[name=consent_date]", today.isoformat())
    school.check("[name=consent_method][value=written]")
    school.click("button[name=action][value=submit]")
    school.wait_for_load_state()
    check_a11y(school, "school referrer: after submitting")

    referral = Referral.objects.get(pupil__first_name="Yara", pupil__last_name="Bouzid")
    assert referral.status == Referral.Status.SUBMITTED
    school.goto("/aanmeldingen/")
    check_a11y(school, "school referrer: referrals")
    row = school.locator("tr", has_text="Yara Bouzid")
    assert nl(Referral.Status.SUBMITTED.label) in row.inner_text()

    # --- the project leader, on a phone --------------------------------
    leader = phone_page
    log_in(leader, a.project_leader.email, TEST_PASSWORD)
    check_a11y(leader, "project leader (phone): home")
    leader.goto("/intake/")
    check_a11y(leader, "project leader (phone): inbox")
    leader.get_by_role("link", name="Yara Bouzid").first.click()
    leader.wait_for_url(re.compile(rf"/intake/{referral.pk}/$"))
    check_a11y(leader, "project leader (phone): referral")
    leader.locator(f"form[action$='/intake/{referral.pk}/accepteren/'] button").click()
    leader.wait_for_load_state()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INTAKE
    check_a11y(leader, "project leader (phone): referral in intake")

    leader.goto(f"/intake/{referral.pk}/gesprek/")
    check_a11y(leader, "project leader (phone): plan the meeting")
    leader.fill("[name=date]", today.isoformat())
    leader.fill("[name=time]", "15:30")
    leader.locator(
        "form.utrecht-form button[type=submit], main form button[type=submit]"
    ).last.click()
    leader.wait_for_load_state()
    meeting = referral.tripartite_meetings.get()
    check_a11y(leader, "project leader (phone): meeting planned")

    leader.goto(f"/intake/{referral.pk}/gesprek/{meeting.pk}/verslag/")
    check_a11y(leader, "project leader (phone): meeting report")
    leader.fill("[name=held_on]", today.isoformat())
    for attendee in ("parent", "teacher", "initiative"):
        leader.check(f"[name=attendees][value={attendee}]")
    leader.fill("[name=agreements]", "Wekelijks een uur voorlezen thuis; maatje op woensdag.")
    leader.fill("[name=goals-0-description]", "Leest in zes weken een boek van AVI E5 uit")
    leader.fill("[name=goals-0-responsible]", "Vrijwilliger en ouder")
    leader.fill("[name=goals-0-review_date]", (today + dt.timedelta(weeks=6)).isoformat())
    leader.locator("main form button[type=submit]").last.click()
    leader.wait_for_load_state()
    assert referral.action_plan.goals.count() == 1
    check_a11y(leader, "project leader (phone): meeting recorded")

    leader.goto(f"/intake/{referral.pk}/")
    check_a11y(leader, "project leader (phone): referral with action plan")
    leader.locator(f"form[action$='/intake/{referral.pk}/wachtlijst/'] button").click()
    leader.wait_for_load_state()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WAITING
    leader.goto(f"/wachtlijst/?programme={a.programme.pk}")
    assert "Yara Bouzid" in leader.locator("main").inner_text()
    check_a11y(leader, "project leader (phone): waitlist")

    # --- the IB'er sees the new status and the goal --------------------
    school.goto("/aanmeldingen/")
    row = school.locator("tr", has_text="Yara Bouzid")
    assert nl(Referral.Status.WAITING.label) in row.inner_text()
    school.goto(f"/aanmeldingen/{referral.pk}/")
    check_a11y(school, "school referrer: referral")
    detail = school.locator("main").inner_text()
    assert "Leest in zes weken een boek van AVI E5 uit" in detail
    assert nl(Referral.Status.WAITING.label) in detail
