"""The project leader's pages: inbox, referral, driehoeksgesprek, waitlist, new referral."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.tests.factories import project_leader_of
from referrals import selectors
from referrals.models import (
    ActionPlan,
    PriorityChange,
    Referral,
    ReferralStatusChange,
    TripartiteMeeting,
)
from referrals.services import ConcurrentChangeError, InvalidTransitionError
from referrals.services.lifecycle import TRANSITIONS
from referrals.tests.factories import (
    GoalFactory,
    GuardianFactory,
    PupilFactory,
    ReferralFactory,
    TripartiteMeetingFactory,
    days_ago,
    moment_ago,
)

S = Referral.Status


def text(response) -> str:
    return response.content.decode()


def shown(response, message: str) -> bool:
    """Whether the page shows ``message`` (translated as the page is, HTML-escaped)."""
    with translation.override("nl"):
        translated = gettext(message)
    return escape(translated) in text(response)


def message_shown(response, message) -> bool:
    return escape(str(message)) in text(response)


def rows_order(response, names: list[str]) -> list[str]:
    """The given names in the order they appear on the page."""
    content = text(response)
    return sorted(names, key=lambda name: content.index(name))


def referral_for(side, *, status=S.SUBMITTED, first_name=None, days=7, **kwargs) -> Referral:
    pupil_fields = {"initiative": side.initiative, "school": side.school}
    if first_name:
        pupil_fields["first_name"] = first_name
    pupil = PupilFactory(**pupil_fields)
    GuardianFactory(pupil=pupil, language="Tigrinya", interpreter_needed=True)
    fields = {
        "status": status,
        "referred_by": side.school_referrer,
        "submitted_at": moment_ago(days),
    }
    if status in (S.WAITING, S.MATCHED):
        fields["waiting_since"] = moment_ago(days)
    if status in (S.DECLINED, S.WITHDRAWN, S.STOPPED_EARLY):
        fields["outcome_reason"] = "Eerder gesloten."
    fields.update(kwargs)
    return ReferralFactory(pupil=pupil, programme=side.programme, **fields)


def with_action_plan(referral: Referral) -> Referral:
    meeting = TripartiteMeetingFactory(referral=referral)
    GoalFactory(plan=ActionPlan.objects.create(referral=referral, meeting=meeting))
    return referral


def url(name: str, referral: Referral, **kwargs) -> str:
    return reverse(f"referrals:{name}", kwargs={"pk": referral.pk, **kwargs})


# --- the journey -------------------------------------------------------------


def test_journey_from_inbox_to_waitlist(world, client_for, django_capture_on_commit_callbacks):
    newer = referral_for(world.a, first_name="Nieuwkomer", days=2)
    older = referral_for(world.a, first_name="Oudgediende", days=12)
    client = client_for(world.a.project_leader)

    # The inbox: oldest first, with the days waiting.
    inbox = client.get(reverse("referrals:inbox"))
    assert inbox.status_code == 200
    assert rows_order(inbox, ["Oudgediende", "Nieuwkomer"]) == ["Oudgediende", "Nieuwkomer"]
    row = re.search(rf'data-referral="{older.pk}".*?</tr>', text(inbox), re.S).group(0)
    assert ">12<" in row
    assert world.a.school.name in row
    assert newer.pupil.full_name in text(inbox)

    # Accept.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("leader_accept", older), {"version": older.version})
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.status == S.INTAKE
    assert len(mail.outbox) == 1

    # In the inbox's intake section, the next step is to plan the meeting.
    inbox = client.get(reverse("referrals:inbox"))
    assert re.search(rf'data-referral="{older.pk}".*?data-step="plan"', text(inbox), re.S)

    # Plan the driehoeksgesprek.
    page = client.get(url("leader_meeting_plan", older))
    assert page.status_code == 200
    planned = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        url("leader_meeting_plan", older),
        {
            "version": older.version,
            "date": planned.isoformat(),
            "time": "15:30",
            "attendees": ["parent", "pupil", "teacher", "initiative"],
        },
    )
    assert response.status_code == 302
    meeting = TripartiteMeeting.objects.get(referral=older)
    assert timezone.localtime(meeting.planned_at).date() == planned
    assert meeting.attendees == ["parent", "pupil", "teacher", "initiative"]
    inbox = client.get(reverse("referrals:inbox"))
    assert re.search(rf'data-referral="{older.pk}".*?data-step="outcome"', text(inbox), re.S)

    # Record the outcome with one goal.
    older.refresh_from_db()
    outcome_url = url("leader_meeting_outcome", older, meeting_pk=meeting.pk)
    assert client.get(outcome_url).status_code == 200
    response = client.post(
        outcome_url,
        {
            "version": older.version,
            "held_on": days_ago(0).isoformat(),
            "attendees": ["parent", "teacher", "initiative"],
            "agreements": "Wekelijks een uur lezen in de bibliotheek.",
            "parent_conditions": "Op tijd komen.",
            "conditions_accepted": "on",
            "goals-TOTAL_FORMS": "3",
            "goals-INITIAL_FORMS": "0",
            "goals-0-description": "Leest elke week een hoofdstuk.",
            "goals-0-responsible": "Leerling en vrijwilliger",
            "goals-0-review_date": days_ago(-42).isoformat(),
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    detail = client.get(url("leader_detail", older))
    assert "Leest elke week een hoofdstuk." in text(detail)
    assert "Wekelijks een uur lezen in de bibliotheek." in text(detail)

    # Put on the waitlist.
    older.refresh_from_db()
    response = client.post(url("leader_waitlist", older), {"version": older.version}, follow=True)
    older.refresh_from_db()
    assert older.status == S.WAITING
    assert shown(response, "The pupil is now on the waitlist.")

    # And there it is.
    waitlist = client.get(reverse("referrals:waitlist"))
    assert older.pupil.full_name in text(waitlist)
    assert "Tigrinya" in text(waitlist)
    assert [c.to_status for c in older.status_changes.all()] == [S.INTAKE, S.WAITING]


def test_the_detail_page_shows_what_the_leader_needs(world, client_for):
    referral = referral_for(world.a, support_what="Begrijpend lezen oefenen.")

    response = client_for(world.a.project_leader).get(url("leader_detail", referral))

    assert response.status_code == 200
    content = text(response)
    assert referral.pupil.full_name in content
    assert "Tigrinya" in content
    assert "Begrijpend lezen oefenen." in content
    assert referral.consent_given_by in content
    assert url("leader_accept", referral) in content
    assert url("leader_decline", referral) in content
    # Actions of later steps are not offered yet.
    assert url("leader_waitlist", referral) not in content
    assert url("leader_meeting_plan", referral) not in content


def test_the_waiting_for_a_place_mark_shows_in_the_inbox(world, client_for):
    referral_for(world.a, beyond_places=True)

    response = client_for(world.a.project_leader).get(reverse("referrals:inbox"))

    assert shown(response, "Waiting for a place")


def _same_child_again(side, known, **referral_fields) -> Referral:
    """A new referral of a child the initiative already knows, as a new pupil record."""
    pupil = PupilFactory(
        initiative=side.initiative,
        school=None,
        first_name=known.first_name,
        last_name=known.last_name.upper(),  # typed differently
        date_of_birth=known.date_of_birth,
    )
    fields = {"from_parent": True, "submitted_at": moment_ago(2), **referral_fields}
    return ReferralFactory(pupil=pupil, programme=side.programme, **fields)


def test_a_child_already_active_is_pointed_out_in_the_inbox_and_on_the_detail(world, client_for):
    known = world.a.pupil  # matched through world a's school: already active
    again = _same_child_again(world.a, known)
    other = referral_for(world.a)
    client = client_for(world.a.project_leader)

    inbox = client.get(reverse("referrals:inbox"))
    detail = client.get(url("leader_detail", again))

    assert inbox.status_code == detail.status_code == 200
    assert f"{url('leader_detail', again)}#possible-duplicates" in text(inbox)
    assert f"{url('leader_detail', other)}#possible-duplicates" not in text(inbox)
    assert text(inbox).count("data-possible-duplicate") == 1
    assert 'id="possible-duplicates"' in text(detail)
    assert shown(detail, "Possible duplicate")
    assert shown(detail, "Already active")
    assert url("leader_detail", world.a.referral) in text(detail)  # a link to the known one
    assert 'id="possible-duplicates"' not in text(client.get(url("leader_detail", other)))


def test_the_known_child_shows_the_new_referral_as_a_possible_duplicate_too(world, client_for):
    again = _same_child_again(world.a, world.a.pupil)

    response = client_for(world.a.project_leader).get(url("leader_detail", world.a.referral))

    assert url("leader_detail", again) in text(response)


def test_the_duplicate_panel_shows_only_what_the_leader_may_see(world, client_for):
    # The same child known in initiative b, and a school's draft in initiative a:
    # neither is revealed to the leader of a.
    new = referral_for(world.a)
    _same_child_again(world.b, new.pupil)
    draft_pupil = PupilFactory(
        initiative=world.a.initiative,
        school=world.a.school,
        first_name=new.pupil.first_name,
        last_name=new.pupil.last_name,
        date_of_birth=new.pupil.date_of_birth,
    )
    draft = ReferralFactory(pupil=draft_pupil, programme=world.a.programme, draft=True)
    client = client_for(world.a.project_leader)

    detail = client.get(url("leader_detail", new))
    inbox = client.get(reverse("referrals:inbox"))

    assert 'id="possible-duplicates"' not in text(detail)
    assert url("leader_detail", draft) not in text(detail)
    assert "data-possible-duplicate" not in text(inbox)


def test_the_inbox_query_count_stays_the_same_with_possible_duplicates(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.a.project_leader)
    page_url = reverse("referrals:inbox")
    for _ in range(3):
        _same_child_again(world.a, referral_for(world.a, status=S.INTAKE).pupil)
    few = _count_queries(client, page_url, django_assert_max_num_queries, 25)
    for _ in range(9):
        _same_child_again(world.a, referral_for(world.a, status=S.INTAKE).pupil)

    many = _count_queries(client, page_url, django_assert_max_num_queries, few)

    assert many == few
    assert text(client.get(page_url)).count("data-possible-duplicate") == 24


# --- decline ------------------------------------------------------------------


def test_declining_requires_a_reason_and_the_school_sees_it(world, client_for):
    referral = referral_for(world.a)
    leader = client_for(world.a.project_leader)

    response = leader.post(
        url("leader_decline", referral), {"decline-version": 1, "decline-reason": "  "}
    )
    assert response.status_code == 200
    assert shown(response, "Give a reason.")
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED

    response = leader.post(
        url("leader_decline", referral),
        {"decline-version": 1, "decline-reason": "Past niet bij de leeftijdsgroep."},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.DECLINED
    assert referral.status_changes.get().reason == "Past niet bij de leeftijdsgroep."

    school_page = client_for(world.a.school_referrer).get(url("school_detail", referral))
    assert school_page.status_code == 200
    assert "Past niet bij de leeftijdsgroep." in text(school_page)


def test_withdrawing_requires_a_reason(world, client_for):
    referral = referral_for(world.a, status=S.INTAKE)
    leader = client_for(world.a.project_leader)

    leader.post(url("leader_withdraw", referral), {"withdraw-version": 1, "withdraw-reason": ""})
    referral.refresh_from_db()
    assert referral.status == S.INTAKE

    leader.post(
        url("leader_withdraw", referral), {"withdraw-version": 1, "withdraw-reason": "Verhuisd."}
    )
    referral.refresh_from_db()
    assert referral.status == S.WITHDRAWN
    assert referral.outcome_reason == "Verhuisd."


# --- invalid transitions via the pages ----------------------------------------

# (action, target status, POST data) for each status-changing page.
ACTIONS = {
    "leader_accept": (S.INTAKE, lambda v: {"version": v}),
    "leader_decline": (S.DECLINED, lambda v: {"decline-version": v, "decline-reason": "Reden."}),
    "leader_withdraw": (
        S.WITHDRAWN,
        lambda v: {"withdraw-version": v, "withdraw-reason": "Reden."},
    ),
    "leader_waitlist": (S.WAITING, lambda v: {"version": v}),
}
# Drafts are invisible to the initiative (404), so they are left out.
INVALID_PAGE_ACTIONS = [
    (action, status)
    for action, status in itertools.product(ACTIONS, S.values)
    if status != S.DRAFT and ACTIONS[action][0] not in TRANSITIONS.get(status, frozenset())
]


@pytest.mark.parametrize(("action", "status"), INVALID_PAGE_ACTIONS)
def test_an_invalid_status_change_via_the_page_shows_a_message(world, client_for, action, status):
    referral = referral_for(world.a, status=status)
    target, data = ACTIONS[action]

    response = client_for(world.a.project_leader).post(
        url(action, referral), data(referral.version), follow=True
    )

    assert response.status_code == 200
    assert message_shown(response, InvalidTransitionError(status, target).messages[0])
    referral.refresh_from_db()
    assert referral.status == status
    assert not ReferralStatusChange.objects.filter(referral=referral).exists()


def test_waitlist_before_the_action_plan_is_refused_with_a_message(world, client_for):
    referral = referral_for(world.a, status=S.INTAKE)

    response = client_for(world.a.project_leader).post(
        url("leader_waitlist", referral), {"version": 1}, follow=True
    )

    assert shown(
        response, "Record the driehoeksgesprek and an action plan with at least one goal first."
    )
    referral.refresh_from_db()
    assert referral.status == S.INTAKE


def test_a_form_without_a_version_changes_nothing(world, client_for):
    referral = referral_for(world.a)

    response = client_for(world.a.project_leader).post(url("leader_accept", referral), {})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED


def test_accept_is_post_only(world, client_for):
    referral = referral_for(world.a)

    response = client_for(world.a.project_leader).get(url("leader_accept", referral))

    assert response.status_code == 405


# --- two people at once --------------------------------------------------------


def test_two_stale_forms_first_wins_second_is_told(world, client_for):
    referral = referral_for(world.a)
    colleague = project_leader_of(world.a.initiative)
    first, second = client_for(world.a.project_leader), client_for(colleague)
    # Both opened the page at version 1.
    assert first.get(url("leader_detail", referral)).status_code == 200
    assert second.get(url("leader_detail", referral)).status_code == 200

    first.post(url("leader_accept", referral), {"version": 1})
    response = second.post(
        url("leader_decline", referral),
        {"decline-version": 1, "decline-reason": "Geen plek."},
        follow=True,
    )

    assert response.status_code == 200
    assert message_shown(response, ConcurrentChangeError().messages[0])
    referral.refresh_from_db()
    assert referral.status == S.INTAKE
    assert referral.outcome_reason == ""
    assert referral.status_changes.count() == 1


def test_the_same_stale_button_twice_is_a_concurrent_change(world, client_for):
    referral = referral_for(world.a)
    client = client_for(world.a.project_leader)

    client.post(url("leader_accept", referral), {"version": 1})
    response = client.post(url("leader_accept", referral), {"version": 1}, follow=True)

    assert message_shown(response, ConcurrentChangeError().messages[0])
    assert referral.status_changes.count() == 1


def test_recording_an_outcome_on_a_stale_page_writes_nothing(world, client_for):
    referral = referral_for(world.a, status=S.INTAKE, version=4)
    meeting = TripartiteMeetingFactory(referral=referral, held_on=None)

    response = client_for(world.a.project_leader).post(
        url("leader_meeting_outcome", referral, meeting_pk=meeting.pk),
        {
            "version": 3,
            "held_on": days_ago(1).isoformat(),
            "attendees": ["parent"],
            "agreements": "Afspraken.",
            "goals-TOTAL_FORMS": "1",
            "goals-INITIAL_FORMS": "0",
            "goals-0-description": "Een doel.",
            "goals-0-responsible": "Leerling",
            "goals-0-review_date": days_ago(-30).isoformat(),
        },
        follow=True,
    )

    assert message_shown(response, ConcurrentChangeError().messages[0])
    meeting.refresh_from_db()
    assert meeting.held_on is None
    assert not ActionPlan.objects.filter(referral=referral).exists()


# --- driehoeksgesprek forms ------------------------------------------------------


def test_the_outcome_needs_at_least_one_goal(world, client_for):
    referral = referral_for(world.a, status=S.INTAKE)
    meeting = TripartiteMeetingFactory(referral=referral, held_on=None)

    response = client_for(world.a.project_leader).post(
        url("leader_meeting_outcome", referral, meeting_pk=meeting.pk),
        {
            "version": referral.version,
            "held_on": days_ago(1).isoformat(),
            "attendees": ["parent"],
            "agreements": "Afspraken.",
            "goals-TOTAL_FORMS": "3",
            "goals-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert shown(response, "Add at least one goal.")
    meeting.refresh_from_db()
    assert meeting.held_on is None


def test_planning_needs_attendees(world, client_for):
    referral = referral_for(world.a, status=S.INTAKE)

    response = client_for(world.a.project_leader).post(
        url("leader_meeting_plan", referral),
        {"version": 1, "date": days_ago(-2).isoformat(), "time": "10:00"},
    )

    assert response.status_code == 200
    assert shown(response, "Choose who takes part.")
    assert not TripartiteMeeting.objects.filter(referral=referral).exists()


def test_planning_a_meeting_outside_intake_shows_a_message(world, client_for):
    referral = referral_for(world.a, status=S.SUBMITTED)

    response = client_for(world.a.project_leader).get(
        url("leader_meeting_plan", referral), follow=True
    )

    assert response.status_code == 200
    assert referral.get_status_display() in text(response)
    assert not TripartiteMeeting.objects.filter(referral=referral).exists()


# --- priority and the waitlist ---------------------------------------------------


def waitlist_cells(response, referral: Referral) -> list[str]:
    """The cells of the waitlist row of ``referral``, as text."""
    import html

    found = re.search(
        rf'<tr class="utrecht-table__row" data-referral="{referral.pk}">(.*?)</tr>',
        text(response),
        re.S,
    )
    assert found, f"no row for referral {referral.pk}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", found.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]


def test_the_waitlist_shows_school_age_needs_and_the_parents_language(world, client_for):
    today = timezone.localdate()
    from_school = referral_for(world.a, status=S.WAITING, days=30)
    from_school.pupil.date_of_birth = today.replace(year=today.year - 9) - dt.timedelta(days=1)
    from_school.pupil.needs = "Rekenen: breuken en procenten."
    from_school.pupil.save()
    from_parent = referral_for(
        world.a, status=S.WAITING, days=3, source=Referral.Source.PARENT, referring_school=None
    )
    from_parent.pupil.date_of_birth = today.replace(year=today.year - 11)
    from_parent.pupil.needs = ""
    from_parent.pupil.save()

    response = client_for(world.a.project_leader).get(reverse("referrals:waitlist"))

    # Priority, pupil, days since referral, school, age, needs, language, match.
    school_row = waitlist_cells(response, from_school)
    assert school_row[2] == "30"
    assert school_row[3] == world.a.school.name
    assert school_row[4] == "9"
    assert school_row[5] == "Rekenen: breuken en procenten."
    assert school_row[6] == "Tigrinya (tolk nodig)"
    parent_row = waitlist_cells(response, from_parent)
    with translation.override("nl"):
        assert parent_row[3] == str(Referral.Source.PARENT.label)  # the source, no school
    assert parent_row[4] == "11"
    assert parent_row[5] == from_parent.support_what  # no needs recorded: the question


def test_changing_priority_records_the_reason_and_reorders_the_waitlist(world, client_for):
    world.a.unmatched_referral.delete()
    first = referral_for(world.a, status=S.WAITING, first_name="Eerstaangemeld", days=30)
    second = referral_for(world.a, status=S.WAITING, first_name="Lateraangemeld", days=3)
    client = client_for(world.a.project_leader)
    waitlist_url = reverse("referrals:waitlist")

    before = client.get(waitlist_url)
    assert rows_order(before, ["Eerstaangemeld", "Lateraangemeld"]) == [
        "Eerstaangemeld",
        "Lateraangemeld",
    ]

    without_reason = client.post(
        url("leader_priority", second), {"priority-version": 1, "priority-priority": 1}
    )
    assert without_reason.status_code == 200
    assert not PriorityChange.objects.exists()

    response = client.post(
        url("leader_priority", second),
        {
            "priority-version": 1,
            "priority-priority": 1,
            "priority-reason": "Dreigt te blijven zitten.",
            "next": waitlist_url,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == waitlist_url

    change = PriorityChange.objects.get()
    assert (change.referral, change.from_priority, change.to_priority) == (second, 3, 1)
    assert change.reason == "Dreigt te blijven zitten."
    after = client.get(waitlist_url)
    assert rows_order(after, ["Eerstaangemeld", "Lateraangemeld"]) == [
        "Lateraangemeld",
        "Eerstaangemeld",
    ]
    assert "Dreigt te blijven zitten." in text(client.get(url("leader_detail", second)))
    assert first.priority == 3


def test_an_unsafe_next_is_ignored_after_a_priority_change(world, client_for):
    referral = referral_for(world.a, status=S.WAITING)

    response = client_for(world.a.project_leader).post(
        url("leader_priority", referral),
        {
            "priority-version": 1,
            "priority-priority": 2,
            "priority-reason": "Reden.",
            "next": "https://evil.example.com/",
        },
    )

    assert response["Location"] == url("leader_detail", referral)


def test_long_waits_are_flagged_on_the_waitlist(world, client_for, settings):
    settings.WAITLIST_REMINDER_WEEKS = 8
    world.a.unmatched_referral.delete()
    long_wait = referral_for(world.a, status=S.WAITING, days=60)
    short_wait = referral_for(world.a, status=S.WAITING, days=10)

    response = client_for(world.a.project_leader).get(reverse("referrals:waitlist"))

    rows = {
        r.pk: re.search(rf'data-referral="{r.pk}".*?</tr>', text(response), re.S).group(0)
        for r in (long_wait, short_wait)
    }
    with translation.override("nl"):
        badge = escape(gettext("Long wait"))
    assert badge in rows[long_wait.pk]
    assert badge not in rows[short_wait.pk]
    days = selectors.days_waiting(long_wait)
    assert days >= 59
    assert f">{days}<" in rows[long_wait.pk]


def test_the_waitlist_is_paged_and_counts_everyone_waiting(
    world, client_for, settings, monkeypatch
):
    from referrals.views import leader as views

    monkeypatch.setattr(views, "WAITLIST_PER_PAGE", 2)
    settings.WAITLIST_REMINDER_WEEKS = 8
    world.a.unmatched_referral.delete()
    waiting = [referral_for(world.a, status=S.WAITING, days=days) for days in (90, 80, 70)]
    client = client_for(world.a.project_leader)
    url = reverse("referrals:waitlist")

    first = text(client.get(url, {"programme": world.a.programme.pk}))
    second = text(client.get(url, {"programme": world.a.programme.pk, "page": 2}))

    assert first.count("data-referral=") == 2
    assert second.count("data-referral=") == 1
    assert f'data-referral="{waiting[-1].pk}"' in second
    with translation.override("nl"):
        assert escape(gettext("Next page")) in first
        # every waiting pupil and every long wait counts, not only this page's
    assert "3 leerlingen wachten." in first
    assert "Daarvan staan er 3 al langer dan 8 weken op de wachtlijst." in first
    assert f"programme={world.a.programme.pk}" in first  # the next page keeps the programme


def test_the_inbox_pages_new_and_intake_referrals_each_on_their_own(world, client_for, monkeypatch):
    from referrals.views import leader as views

    monkeypatch.setattr(views, "INBOX_PER_PAGE", 2)
    Referral.objects.filter(
        programme__initiative=world.a.initiative, status__in=[S.SUBMITTED, S.INTAKE]
    ).delete()
    new = [referral_for(world.a, days=days) for days in (30, 20, 10)]
    intake = [referral_for(world.a, status=S.INTAKE, days=days) for days in (40, 35, 25)]
    client = client_for(world.a.project_leader)
    inbox = reverse("referrals:inbox")

    first = text(client.get(inbox))
    new_second = text(client.get(inbox, {"page": 2}))
    intake_second = text(client.get(inbox, {"intake": 2, "page": 2}))

    shown = re.compile(r'data-referral="(\d+)"')
    assert shown.findall(first) == [str(r.pk) for r in (*new[:2], *intake[:2])]
    assert shown.findall(new_second) == [str(r.pk) for r in (new[2], *intake[:2])]
    assert shown.findall(intake_second) == [str(new[2].pk), str(intake[2].pk)]
    # each list's links keep the other list's page
    assert "?intake=2&amp;page=2" in new_second or "?page=2&amp;intake=2" in new_second
    assert "(3 in all)" in first or "(3 in totaal)" in first


def test_the_reminder_interval_of_the_programme_decides_what_is_a_long_wait(world, client_for):
    world.a.programme.waitlist_reminder_weeks = 1
    world.a.programme.save()
    world.a.unmatched_referral.delete()
    referral = referral_for(world.a, status=S.WAITING, days=10)

    response = client_for(world.a.project_leader).get(reverse("referrals:waitlist"))

    row = re.search(rf'data-referral="{referral.pk}".*?</tr>', text(response), re.S).group(0)
    with translation.override("nl"):
        assert escape(gettext("Long wait")) in row


def test_the_waitlist_shows_one_programme_at_a_time(world, client_for):
    from initiatives.tests.factories import ProgrammeFactory

    # "Huiswerkhulp" sorts before "Taalmentoraat PO", so it is the default.
    homework = ProgrammeFactory(
        initiative=world.a.initiative, name="Huiswerkhulp", municipalities=[world.a.municipality]
    )
    pupil = PupilFactory(initiative=world.a.initiative, school=world.a.school)
    homework_waiting = ReferralFactory(pupil=pupil, programme=homework, waiting=True)
    language_waiting = world.a.unmatched_referral
    client = client_for(world.a.project_leader)

    default = text(client.get(reverse("referrals:waitlist")))
    chosen = text(client.get(reverse("referrals:waitlist"), {"programme": world.a.programme.pk}))

    assert homework_waiting.pupil.full_name in default
    assert language_waiting.pupil.full_name not in default
    assert language_waiting.pupil.full_name in chosen
    assert homework_waiting.pupil.full_name not in chosen


@pytest.mark.parametrize("programme", ["abc", "999999"])
def test_an_unknown_programme_on_the_waitlist_is_404(world, client_for, programme):
    response = client_for(world.a.project_leader).get(
        reverse("referrals:waitlist"), {"programme": programme}
    )
    assert response.status_code == 404


def test_another_initiatives_programme_on_the_waitlist_is_404(world, client_for):
    response = client_for(world.a.project_leader).get(
        reverse("referrals:waitlist"), {"programme": world.b.programme.pk}
    )
    assert response.status_code == 404


# --- bad input on the leader's forms -------------------------------------------------
# Garbage never gives a 500 and never writes anything: the form comes back with
# its errors (200) or, for a stale or out-of-range version, the detail page
# with the "someone else changed this" message (302).


@pytest.mark.parametrize(
    "data",
    [
        {"version": "abc", "date": "x", "time": "y", "attendees": ["zzz"]},
        {"version": "1", "date": "2024-13-45", "time": "25:99", "attendees": ["parent"]},
        {"version": "1", "date": days_ago(-14).isoformat(), "time": "10:00", "attendees": []},
        {
            "version": "1",
            "date": days_ago(-14).isoformat(),
            "time": "10:00",
            "attendees": ["bogus"],
        },
        {"version": "1", "date": "0001-01-01", "time": "00:00", "attendees": ["parent"]},
        {"version": "1", "date": "9999-12-31", "time": "23:59", "attendees": ["parent"]},
        {
            "version": "0",
            "date": days_ago(-14).isoformat(),
            "time": "10:00",
            "attendees": ["parent"],
        },
        {
            "version": "99999999999999999999",
            "date": days_ago(-14).isoformat(),
            "time": "10:00",
            "attendees": ["parent"],
        },
        {},
    ],
)
def test_invalid_meeting_plan_input_never_errors(world, client_for, data):
    referral = referral_for(world.a, status=S.INTAKE)

    response = client_for(world.a.project_leader).post(url("leader_meeting_plan", referral), data)

    assert response.status_code in (200, 302)
    assert not TripartiteMeeting.objects.filter(referral=referral).exists()
    referral.refresh_from_db()
    assert referral.version == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"held_on": "nope"},
        {"held_on": "0001-01-01"},
        {"held_on": days_ago(-3).isoformat()},
        {"goals-0-review_date": "nope"},
        {"goals-0-description": ""},
        {"goals-0-responsible": ""},
        {"goals-TOTAL_FORMS": "abc"},
        {"goals-TOTAL_FORMS": "5000"},
        {"goals-TOTAL_FORMS": "0"},
        {"attendees": ["bogus"]},
        {"agreements": ""},
        {"version": "-1"},
        {"version": "abc"},
        {"version": "99999999999999999999"},
    ],
)
def test_invalid_meeting_outcome_input_never_errors(world, client_for, extra):
    referral = referral_for(world.a, status=S.INTAKE)
    meeting = TripartiteMeetingFactory(referral=referral, held_on=None)
    data = {
        "version": referral.version,
        "held_on": days_ago(1).isoformat(),
        "attendees": ["parent"],
        "agreements": "Afspraken.",
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "0",
        "goals-0-description": "Doel",
        "goals-0-responsible": "Leerling",
        "goals-0-review_date": days_ago(-30).isoformat(),
        **extra,
    }

    response = client_for(world.a.project_leader).post(
        url("leader_meeting_outcome", referral, meeting_pk=meeting.pk), data
    )

    assert response.status_code in (200, 302)
    meeting.refresh_from_db()
    assert meeting.held_on is None
    assert not ActionPlan.objects.filter(referral=referral).exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"priority-priority": "abc"},
        {"priority-priority": "9"},
        {"priority-priority": "0"},
        {"priority-priority": ""},
        {"priority-reason": ""},
        {"priority-version": "x"},
        {"priority-version": "-3"},
        {"priority-version": "99999999999999999999"},
    ],
)
def test_invalid_priority_input_never_errors(world, client_for, extra):
    referral = referral_for(world.a, status=S.WAITING)
    data = {"priority-version": 1, "priority-priority": 1, "priority-reason": "Dringend.", **extra}

    response = client_for(world.a.project_leader).post(url("leader_priority", referral), data)

    assert response.status_code in (200, 302)
    assert not PriorityChange.objects.filter(referral=referral).exists()
    referral.refresh_from_db()
    assert referral.version == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"postcode": "hallo"},
        {"postcode": "0123 AB"},
        {"date_of_birth": "1800-01-01"},
        {"date_of_birth": "31-02-abc"},
        {"date_of_birth": days_ago(-5).isoformat()},
        {"consent_date": "2999-01-01"},
        {"consent_date": "gisteren"},
        {"consent_method": "telepathy"},
        {"grade": "99"},
        {"grade": "abc"},
        {"source": "client_manager"},
        {"source": "bogus"},
        {"source": "school"},  # without the school
        {"school": "abc", "source": "school"},
        {"guardians-TOTAL_FORMS": "x"},
        {"guardians-TOTAL_FORMS": "5000"},
        {"guardians-0-email": "no"},
        {"guardians-0-phone": "x" * 30},
        {"programme": "abc"},
        {"programme": "999999"},
        {"neighbourhood": "999999"},
        {"home_languages": "a" * 300},
        {"first_name": ""},
        {"first_name": "x" * 300},
    ],
)
def test_invalid_leader_referral_input_never_errors(world, client_for, extra):
    from referrals.models import Guardian, Pupil

    before = Pupil.objects.count(), Guardian.objects.count(), Referral.objects.count()

    response = client_for(world.a.project_leader).post(
        reverse("referrals:leader_create"), _create_data(world.a, **extra)
    )

    assert response.status_code == 200
    assert (Pupil.objects.count(), Guardian.objects.count(), Referral.objects.count()) == before


def test_the_leader_form_stores_the_postcode_as_the_school_form_does(world, client_for):
    response = client_for(world.a.project_leader).post(
        reverse("referrals:leader_create"), _create_data(world.a, postcode="3531ab")
    )

    assert response.status_code == 302
    assert Referral.objects.get(pupil__first_name="Noor").pupil.postcode == "3531 AB"


# --- query counts ----------------------------------------------------------------


def _count_queries(client, url_, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url_)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("page", "status"), [("inbox", S.SUBMITTED), ("inbox", S.INTAKE), ("waitlist", S.WAITING)]
)
def test_list_pages_query_count_does_not_grow(
    world, client_for, django_assert_max_num_queries, page, status
):
    client = client_for(world.a.project_leader)
    page_url = reverse(f"referrals:{page}")
    for _ in range(3):
        referral_for(world.a, status=status)
    few = _count_queries(client, page_url, django_assert_max_num_queries, 20)
    for _ in range(18):  # the lists show 25 a page
        referral = referral_for(world.a, status=status)
        if status == S.INTAKE:
            TripartiteMeetingFactory(referral=referral, held_on=None)

    many = _count_queries(client, page_url, django_assert_max_num_queries, few)

    assert many == few
    assert text(client.get(page_url)).count("data-referral=") >= 21


# --- entering a referral by phone or mail -----------------------------------------


def _create_data(side, **overrides) -> dict:
    data = {
        "programme": side.programme.pk,
        "source": "parent",
        "source_detail": "Moeder belde op maandag",
        "first_name": "Noor",
        "last_name": "Bakker",
        "date_of_birth": days_ago(10 * 365 + 40).isoformat(),
        "grade": "6",
        "home_languages": "Arabisch, Nederlands",
        "support_what": "Hulp bij lezen.",
        "consent_given_by": "Fatima Bakker",
        "consent_date": days_ago(1).isoformat(),
        "consent_method": "verbal",
        "guardians-TOTAL_FORMS": "2",
        "guardians-INITIAL_FORMS": "0",
        "guardians-0-name": "Fatima Bakker",
        "guardians-0-relationship": "mother",
        "guardians-0-language": "Arabisch",
        "guardians-0-interpreter_needed": "on",
    }
    data.update(overrides)
    return data


def test_a_leader_enters_a_referral_that_then_waits_in_the_inbox(world, client_for):
    client = client_for(world.a.project_leader)
    assert client.get(reverse("referrals:leader_create")).status_code == 200

    response = client.post(reverse("referrals:leader_create"), _create_data(world.a))

    assert response.status_code == 302
    referral = Referral.objects.get(pupil__first_name="Noor")
    assert referral.status == S.SUBMITTED
    assert referral.source == Referral.Source.PARENT
    assert referral.pupil.home_languages == ["Arabisch", "Nederlands"]
    guardian = referral.pupil.guardians.get()
    assert (guardian.language, guardian.interpreter_needed) == ("Arabisch", True)
    assert "Noor Bakker" in text(client.get(reverse("referrals:inbox")))


def test_entering_a_school_referral_needs_the_school(world, client_for):
    client = client_for(world.a.project_leader)

    missing = client.post(
        reverse("referrals:leader_create"), _create_data(world.a, source="school")
    )
    assert missing.status_code == 200
    assert shown(missing, "Choose the school that referred the pupil.")

    response = client.post(
        reverse("referrals:leader_create"),
        _create_data(world.a, source="school", school=world.a.school.pk),
    )
    assert response.status_code == 302
    referral = Referral.objects.get(pupil__first_name="Noor")
    assert referral.referring_school == world.a.school


def test_entering_a_referral_needs_consent(world, client_for):
    response = client_for(world.a.project_leader).post(
        reverse("referrals:leader_create"),
        _create_data(world.a, consent_given_by="", consent_date="", consent_method=""),
    )

    assert response.status_code == 200
    assert not Referral.objects.filter(pupil__first_name="Noor").exists()


def test_only_the_leaders_own_programmes_can_be_chosen(world, client_for):
    client = client_for(world.a.project_leader)

    page = client.get(reverse("referrals:leader_create"))
    response = client.post(
        reverse("referrals:leader_create"), _create_data(world.a, programme=world.b.programme.pk)
    )

    assert list(page.context["form"].fields["programme"].queryset) == [world.a.programme]
    assert world.b.programme.initiative.name not in text(page)
    assert response.status_code == 200
    assert not Referral.objects.filter(pupil__first_name="Noor").exists()


def test_a_possible_duplicate_is_shown_and_saving_needs_confirmation(world, client_for):
    known = world.a.pupil  # matched: already active
    client = client_for(world.a.project_leader)
    data = _create_data(
        world.a,
        first_name=known.first_name,
        last_name=known.last_name,
        date_of_birth=known.date_of_birth.isoformat(),
    )

    response = client.post(reverse("referrals:leader_create"), data)

    assert response.status_code == 200
    assert url("leader_detail", world.a.referral) in text(response)
    assert shown(response, "Already active")
    assert 'name="save_anyway"' in text(response)
    assert Referral.objects.filter(pupil__first_name=known.first_name).count() == 1

    response = client.post(reverse("referrals:leader_create"), {**data, "save_anyway": "on"})

    assert response.status_code == 302
    assert Referral.objects.filter(pupil__first_name=known.first_name).count() == 2


def test_the_duplicate_hint_never_reveals_another_initiatives_pupil(world, client_for):
    other = world.b.pupil
    data = _create_data(
        world.a,
        first_name=other.first_name,
        last_name=other.last_name,
        date_of_birth=other.date_of_birth.isoformat(),
    )

    response = client_for(world.a.project_leader).post(reverse("referrals:leader_create"), data)

    assert response.status_code == 302  # no hint, saved straight away
    assert url("leader_detail", world.b.referral) not in text(response)


# --- emails from the pages ---------------------------------------------------------


def test_a_decision_on_the_page_emails_only_the_submitting_referrer(
    world, client_for, django_capture_on_commit_callbacks
):
    referral = referral_for(world.a)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.a.project_leader).post(
            url("leader_decline", referral),
            {"decline-version": 1, "decline-reason": "Buiten de doelgroep."},
        )

    assert [m.to for m in mail.outbox] == [[world.a.school_referrer.email]]


def test_the_status_email_is_in_dutch_when_the_leader_works_in_english(
    world, client_for, django_capture_on_commit_callbacks, settings
):
    referral = referral_for(world.a)
    client = client_for(world.a.project_leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("leader_decline", referral),
            {"decline-version": 1, "decline-reason": "Buiten de doelgroep."},
            follow=True,
        )

    assert "The referral has been declined" in text(response)  # the page is English
    [message] = mail.outbox
    assert message.subject == f"Aanmelding voor {world.a.programme.name}: Afgewezen"
    assert message.body.startswith("Hallo,")
    assert "De status van de aanmelding van" in message.body
    assert "is nu: Afgewezen." in message.body
    assert "The status of the referral" not in message.body


# --- access --------------------------------------------------------------------------


def _leader_urls(referral: Referral, meeting: TripartiteMeeting) -> list[str]:
    return [
        reverse("referrals:inbox"),
        reverse("referrals:waitlist"),
        reverse("referrals:leader_create"),
        *_referral_urls_for(referral, meeting),
    ]


def _referral_urls_for(referral: Referral, meeting: TripartiteMeeting) -> list[str]:
    return [
        url("leader_detail", referral),
        url("leader_accept", referral),
        url("leader_decline", referral),
        url("leader_meeting_plan", referral),
        url("leader_meeting_outcome", referral, meeting_pk=meeting.pk),
        url("leader_waitlist", referral),
        url("leader_priority", referral),
        url("leader_withdraw", referral),
    ]


@pytest.fixture
def a_in_intake(world):
    referral = referral_for(world.a, status=S.INTAKE)
    meeting = TripartiteMeetingFactory(referral=referral, held_on=None)
    return referral, meeting


def test_anonymous_visitors_go_to_the_login_page(world, client, a_in_intake):
    for page in _leader_urls(*a_in_intake):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("account_login")), page


@pytest.mark.parametrize("who", ["school_referrer", "volunteer_user", "municipal_official"])
def test_other_roles_get_403_on_leader_pages(world, client_for, a_in_intake, who):
    client = client_for(getattr(world.a, who))
    for page in _leader_urls(*a_in_intake):
        assert client.get(page).status_code == 403, page
        assert client.post(page, {"version": 1}).status_code == 403, page
    referral = a_in_intake[0]
    referral.refresh_from_db()
    assert referral.status == S.INTAKE


def test_an_outsider_gets_403(world, client_for, a_in_intake):
    client = client_for(world.outsider)
    for page in _leader_urls(*a_in_intake):
        assert client.get(page).status_code == 403, page


def test_a_leader_of_another_initiative_gets_404_and_changes_nothing(
    world, client_for, a_in_intake
):
    client = client_for(world.b.project_leader)
    referral, meeting = a_in_intake
    for page in _referral_urls_for(referral, meeting):
        assert client.get(page).status_code in (404, 405), page
        assert client.post(page, {"version": referral.version}).status_code == 404, page
    referral.refresh_from_db()
    assert referral.status == S.INTAKE
    assert referral.version == 1


def test_a_leader_of_another_initiative_never_sees_its_pupils(world, client_for):
    waiting = world.a.unmatched_referral
    submitted = referral_for(world.a, status=S.SUBMITTED)
    in_intake = referral_for(world.a, status=S.INTAKE)
    client = client_for(world.b.project_leader)

    pages = [client.get(reverse("referrals:inbox")), client.get(reverse("referrals:waitlist"))]

    for page in pages:
        assert page.status_code == 200
        for referral in (waiting, submitted, in_intake):
            assert referral.pupil.full_name not in text(page)


def test_drafts_are_invisible_to_the_leader(world, client_for):
    draft = referral_for(
        world.a,
        status=S.DRAFT,
        consent_given_by="",
        consent_date=None,
        consent_method="",
        submitted_at=None,
        status_changed_at=None,
    )
    client = client_for(world.a.project_leader)

    assert client.get(url("leader_detail", draft)).status_code == 404
    assert draft.pupil.full_name not in text(client.get(reverse("referrals:inbox")))


def test_the_navigation_offers_the_leader_pages(world, client_for):
    response = client_for(world.a.project_leader).get(reverse("home"))

    for name in ("inbox", "waitlist", "leader_create"):
        assert reverse(f"referrals:{name}") in text(response)


def test_with_action_plan_helper_makes_a_referral_ready_for_the_waitlist(world, client_for):
    referral = with_action_plan(referral_for(world.a, status=S.INTAKE))

    response = client_for(world.a.project_leader).get(reverse("referrals:inbox"))

    assert re.search(rf'data-referral="{referral.pk}".*?data-step="waitlist"', text(response), re.S)
