"""The quick session log from the home page, and the contact moments of a match."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.tests.factories import project_leader_of
from audit.models import ProcessingLogEntry
from initiatives.tests.factories import ProgrammeFactory, VolunteerFactory
from referrals.models import ContactMoment
from referrals.tests.factories import (
    ContactMomentFactory,
    MatchFactory,
    MatchParticipantFactory,
    days_ago,
)

Attendance = ContactMoment.Attendance


@pytest.fixture(autouse=True)
def _one_day():
    with time_machine.travel(timezone.now(), tick=False):
        yield


def text(response) -> str:
    return response.content.decode()


def shown(response, message: str) -> bool:
    with translation.override("nl"):
        translated = gettext(message)
    return escape(translated) in text(response)


def log_url(match) -> str:
    return reverse("referrals:session_log", args=[match.pk])


def moments_url(match) -> str:
    return reverse("referrals:match_moments", args=[match.pk])


def log_link_on_home(client, match) -> str:
    """Step 1: the home page, and the href of the match's 'Log a session' button."""
    home = client.get(reverse("home"))
    assert home.status_code == 200
    found = re.search(rf'href="([^"]+)" data-log-session="{match.pk}"', text(home))
    assert found, "no 'Log a session' button for the match on the home page"
    return found.group(1)


def checked_value(html: str, name: str) -> str | None:
    found = re.search(rf'<input type="radio" name="{name}" value="([^"]*)"[^>]*checked', html)
    return found.group(1) if found else None


def input_value(html: str, name: str) -> str | None:
    """The value of the first input called ``name`` in the page's main content."""
    html = html[html.index('id="main"') :]
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    if not tag:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def form_data(**overrides) -> dict:
    data = {
        "kind": "session",
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "90",
        "attendance": "held",
        "note": "",
    }
    data.update(overrides)
    return data


# --- the three steps -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["volunteer_user", "project_leader"])
def test_session_is_logged_in_three_steps_from_the_home_page(world, client_for, persona):
    match = world.a.match
    match.session_minutes = 45
    match.save()
    client = client_for(getattr(world.a, persona))

    # 1. home: the match with its button
    href = log_link_on_home(client, match)
    assert href == log_url(match)

    # 2. the form, filled in with today, the usual length, a held tutoring session
    form = client.get(href)
    assert form.status_code == 200
    html = text(form)
    assert world.a.pupil.full_name in html
    assert input_value(html, "date") == timezone.localdate().isoformat()
    assert input_value(html, "duration_minutes") == "45"
    assert checked_value(html, "kind") == "session"
    assert checked_value(html, "attendance") == "held"
    assert 'name="viewport"' in html

    # 3. save: back home with a message
    response = client.post(
        href,
        {
            "kind": "session",
            "date": input_value(html, "date"),
            "duration_minutes": input_value(html, "duration_minutes"),
            "attendance": "held",
            "note": "Spreekbeurt voorbereid.",
            "next": input_value(html, "next"),
        },
        follow=True,
    )
    assert response.redirect_chain[-1] == (reverse("home"), 302)
    moment = ContactMoment.objects.get(note="Spreekbeurt voorbereid.")
    assert moment.match == match
    assert moment.date == timezone.localdate()
    assert moment.duration_minutes == 45
    assert moment.logged_by == getattr(world.a, persona)
    assert 'class="utrecht-alert utrecht-alert--ok"' in text(response)


def test_home_lists_only_the_volunteers_own_running_matches(world, client_for):
    other = MatchFactory(programme=world.a.programme)
    MatchParticipantFactory(match=other)
    ended = MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer, ended=True)
    MatchParticipantFactory(match=ended, left_on=ended.end_date)

    html = text(client_for(world.a.volunteer_user).get(reverse("home")))

    assert f'data-match="{world.a.match.pk}"' in html
    assert f'data-match="{other.pk}"' not in html
    assert f'data-match="{ended.pk}"' not in html
    assert other.participants.get().pupil.full_name not in html


def test_volunteer_gets_no_log_button_when_the_initiative_logs_itself(world, client_for):
    world.a.initiative.volunteers_log_sessions = False
    world.a.initiative.save()
    client = client_for(world.a.volunteer_user)

    html = text(client.get(reverse("home")))

    assert f'data-match="{world.a.match.pk}"' in html
    assert "data-log-session" not in html
    assert client.get(log_url(world.a.match)).status_code == 403
    assert client.post(log_url(world.a.match), form_data()).status_code == 403
    assert ContactMoment.objects.filter(match=world.a.match).count() == 1


def test_project_leader_home_lists_running_matches_of_their_initiatives(world, client_for):
    ended = MatchFactory(programme=world.a.programme, ended=True)

    html = text(client_for(world.a.project_leader).get(reverse("home")))

    assert f'data-log-session="{world.a.match.pk}"' in html
    assert f'data-match="{ended.pk}"' not in html
    assert f'data-match="{world.b.match.pk}"' not in html
    assert world.b.pupil.full_name not in html


def test_project_leader_home_shows_longest_unlogged_matches_first_and_caps_the_list(
    world, client_for
):
    world.a.contact_moment.delete()
    logged = {}
    for days in range(1, 13):
        match = MatchFactory(programme=world.a.programme)
        MatchParticipantFactory(match=match)
        ContactMomentFactory(match=match, date=days_ago(days))
        logged[days] = match

    html = text(client_for(world.a.project_leader).get(reverse("home")))

    shown_ids = [int(pk) for pk in re.findall(r'data-log-session="(\d+)"', html)]
    assert len(shown_ids) == 10
    # never logged first, then the longest ago
    assert shown_ids[:3] == [world.a.match.pk, logged[12].pk, logged[11].pk]
    assert logged[1].pk not in shown_ids
    assert re.search(r"13\s", html)  # the number of running matches


def test_a_match_beyond_the_home_list_is_three_steps_away_through_the_name_search(
    world, client_for
):
    just_held = world.a.match
    ContactMomentFactory(match=just_held, date=days_ago(1))
    for days in range(2, 14):  # twelve matches wait longer for a session
        match = MatchFactory(programme=world.a.programme)
        MatchParticipantFactory(match=match)
        ContactMomentFactory(match=match, date=days_ago(days))
    client = client_for(world.a.project_leader)
    home = text(client.get(reverse("home")))
    assert f'data-log-session="{just_held.pk}"' not in home
    assert 'name="q"' in home

    # 1. search by the pupil's last name: the name is kept out of the address
    searched = client.post(reverse("home"), {"q": f"  {world.a.pupil.last_name} "}, follow=True)
    address = searched.redirect_chain[-1][0]
    assert world.a.pupil.last_name not in address
    assert re.fullmatch(r"/\?search=[\w-]{16}", address)
    html = text(searched)
    assert "data-match-search-result" in html
    found = re.search(rf'href="([^"]+)" data-log-session="{just_held.pk}"', html)
    assert found
    # 2. the form, 3. save
    form = text(client.get(found.group(1)))
    response = client.post(
        found.group(1),
        form_data(note="Na het zoeken vastgelegd.", next=input_value(form, "next")),
        follow=True,
    )
    assert response.status_code == 200
    assert ContactMoment.objects.get(note="Na het zoeken vastgelegd.").match == just_held


def test_the_home_search_finds_a_volunteer_and_nothing_of_another_initiative(world, client_for):
    client = client_for(world.a.project_leader)

    by_volunteer = text(
        client.post(reverse("home"), {"q": world.a.volunteer.last_name}, follow=True)
    )
    elsewhere = text(client.post(reverse("home"), {"q": world.b.pupil.last_name}, follow=True))

    assert f'data-log-session="{world.a.match.pk}"' in by_volunteer
    assert world.b.pupil.full_name not in elsewhere
    assert f'data-match="{world.b.match.pk}"' not in elsewhere
    if world.b.pupil.last_name not in world.a.pupil.last_name:
        assert "data-no-match-found" in elsewhere


def test_an_expired_home_search_says_so_and_shows_every_match(world, client_for):
    response = client_for(world.a.project_leader).get(reverse("home"), {"search": "onbekend"})

    assert shown(response, "This search by name has expired; search again.")
    assert f'data-log-session="{world.a.match.pk}"' in text(response)


@pytest.mark.parametrize("persona", ["project_leader", "volunteer_user"])
def test_the_home_page_logs_the_pupils_and_volunteers_it_names(world, client_for, persona):
    user = getattr(world.a, persona)

    html = text(client_for(user).get(reverse("home")))

    logged = set(
        ProcessingLogEntry.objects.filter(actor_id=user.pk, action="list").values_list(
            "record_type", "record_id"
        )
    )
    assert world.a.pupil.full_name in html
    assert ("pupil", world.a.pupil.pk) in logged
    assert ("volunteer", world.a.volunteer.pk) in logged
    assert ("pupil", world.b.pupil.pk) not in logged


def test_home_query_count_does_not_grow_with_matches(world, client_for):
    leader, volunteer = client_for(world.a.project_leader), client_for(world.a.volunteer_user)

    def count(client):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured.captured_queries)

    leader_few, volunteer_few = count(leader), count(volunteer)
    for _ in range(6):
        match = MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer)
        MatchParticipantFactory(match=match)
        ContactMomentFactory(match=match)
    group = MatchFactory(programme=ProgrammeFactory(initiative=world.a.initiative, group=True))
    for _ in range(3):
        MatchParticipantFactory(match=group)

    assert count(leader) == leader_few
    assert count(volunteer) == volunteer_few


# --- validation errors on the form -------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"date": (dt.date.today() + dt.timedelta(days=2)).isoformat()},
            "date",
            "The date cannot be in the future.",
        ),
        (
            {"duration_minutes": "601"},
            "duration_minutes",
            "Give the duration in minutes, from 0 to %(max)s.",
        ),
        (
            {"kind": "teacher"},
            "phase",
            "Choose the phase of the guidance: start, mid-term or end of the contact "
            "with the teacher.",
        ),
        ({"duration_minutes": "een uur"}, "duration_minutes", None),
    ],
)
def test_impossible_values_come_back_as_form_errors(world, client_for, overrides, field, message):
    client = client_for(world.a.volunteer_user)

    response = client.post(log_url(world.a.match), form_data(**overrides))

    assert response.status_code == 200
    html = text(response)
    assert f'id="id_{field}_error"' in html
    if message:
        with translation.override("nl"):
            expected = gettext(message)
        if "%(max)s" in expected:
            expected = expected % {"max": 600}
        assert escape(expected) in html
    assert ContactMoment.objects.filter(match=world.a.match).count() == 1


def test_teacher_contact_with_phase_is_saved(world, client_for):
    client = client_for(world.a.volunteer_user)

    response = client.post(
        log_url(world.a.match), form_data(kind="teacher", phase="mid", duration_minutes="15")
    )

    assert response.status_code == 302
    moment = ContactMoment.objects.get(match=world.a.match, kind="teacher")
    assert (moment.phase, moment.duration_minutes) == ("mid", 15)


def test_group_session_with_absent_pupils_from_the_form(world, client_for):
    programme = ProgrammeFactory(initiative=world.a.initiative, group=True)
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True, with_account=True)
    match = MatchFactory(programme=programme, volunteer=volunteer, kind="group")
    members = [MatchParticipantFactory(match=match).pupil for _ in range(3)]
    client = client_for(volunteer.user)

    page = text(client.get(log_url(match)))
    for pupil in members:
        assert escape(pupil.full_name) in page  # a name may hold an apostrophe
    response = client.post(
        log_url(match), form_data(absent_pupils=[str(members[0].pk), str(members[2].pk)])
    )

    assert response.status_code == 302
    moment = ContactMoment.objects.get(match=match)
    assert moment.pupil is None
    assert set(moment.absent_pupils.all()) == {members[0], members[2]}


def test_after_logging_from_the_moments_page_the_user_goes_back_there(world, client_for):
    client = client_for(world.a.project_leader)

    response = client.post(log_url(world.a.match), form_data(next=moments_url(world.a.match)))
    assert response.status_code == 302
    assert response.url == moments_url(world.a.match)

    elsewhere = client.post(log_url(world.a.match), form_data(next="https://example.com/"))
    assert elsewhere.url == reverse("home")


# --- who sees what ------------------------------------------------------------------------


def test_volunteer_gets_404_for_another_volunteers_match(world, client_for):
    other = MatchFactory(programme=world.a.programme)
    MatchParticipantFactory(match=other)
    client = client_for(world.a.volunteer_user)

    for url in (log_url(other), moments_url(other), log_url(world.b.match)):
        assert client.get(url).status_code == 404
    assert client.post(log_url(other), form_data()).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "b.project_leader", "b.volunteer_user"])
def test_outsiders_and_the_other_initiative_get_404(world, client_for, who):
    user = world.outsider if who == "outsider" else getattr(world.b, who[2:])
    client = client_for(user)

    for url in (log_url(world.a.match), moments_url(world.a.match)):
        response = client.get(url)
        assert response.status_code == 404
        assert world.a.pupil.full_name not in text(response)
    assert client.post(log_url(world.a.match), form_data()).status_code == 404


def test_school_sees_no_contact_moments_and_cannot_log(world, client_for):
    client = client_for(world.a.school_referrer)

    for url in (log_url(world.a.match), moments_url(world.a.match)):
        response = client.get(url)
        assert response.status_code in (403, 404)
        assert world.a.contact_moment.note not in text(response)


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(log_url(world.a.match))

    assert response.status_code == 302
    assert reverse("account_login") in response.url


# --- the contact moments of a match ----------------------------------------------------------


@pytest.mark.parametrize("persona", ["project_leader", "volunteer_user"])
def test_moments_page_lists_moments_with_their_notes(world, client_for, persona):
    ContactMomentFactory(
        match=world.a.match,
        kind="teacher",
        phase="start",
        date=days_ago(20),
        duration_minutes=15,
        note="Juf vindt het lezen vooruitgaan.",
    )

    response = client_for(getattr(world.a, persona)).get(moments_url(world.a.match))

    assert response.status_code == 200
    html = text(response)
    assert world.a.contact_moment.note in html
    assert "Juf vindt het lezen vooruitgaan." in html
    assert shown(response, "Contact with teacher or mentor")
    # newest first
    assert html.index(world.a.contact_moment.note) < html.index("Juf vindt")
    assert re.search(r'id="moments-totals">1 ', html)


def test_moments_page_shows_absent_group_members(world, client_for):
    programme = ProgrammeFactory(initiative=world.a.initiative, group=True)
    match = MatchFactory(programme=programme, kind="group")
    members = [
        MatchParticipantFactory(
            match=match, pupil__first_name=first, pupil__last_name="Groepslid"
        ).pupil
        for first in ("Aanwezige", "Afwezige")
    ]
    moment = ContactMomentFactory(match=match)
    moment.absent_pupils.add(members[1])

    html = text(client_for(world.a.project_leader).get(moments_url(match)))

    row = re.search(rf'data-moment="{moment.pk}".*?</li>', html, re.S).group(0)
    assert members[1].full_name in row
    assert members[0].full_name not in row


def test_moments_query_count_does_not_grow_with_moments(
    world, client_for, django_assert_max_num_queries
):
    programme = ProgrammeFactory(initiative=world.a.initiative, group=True)
    match = MatchFactory(programme=programme, kind="group")
    members = [MatchParticipantFactory(match=match).pupil for _ in range(3)]
    client = client_for(world.a.project_leader)

    def count():
        with django_assert_max_num_queries(20) as captured:
            assert client.get(moments_url(match)).status_code == 200
        return len(captured.captured_queries)

    ContactMomentFactory(match=match).absent_pupils.add(members[0])
    few = count()
    for n in range(15):
        ContactMomentFactory(match=match, date=days_ago(n + 1)).absent_pupils.add(*members[:2])

    assert count() == few


# --- correcting and deleting ---------------------------------------------------------------


def test_volunteer_corrects_their_own_moment(world, client_for):
    moment = ContactMomentFactory(match=world.a.match, logged_by=world.a.volunteer_user)
    client = client_for(world.a.volunteer_user)
    url = reverse("referrals:moment_edit", args=[moment.pk])

    page = text(client.get(url))
    assert input_value(page, "date") == moment.date.isoformat()
    response = client.post(url, form_data(date=moment.date.isoformat(), duration_minutes="30"))

    assert response.status_code == 302
    moment.refresh_from_db()
    assert moment.duration_minutes == 30


def test_volunteer_cannot_correct_the_leaders_moment_nor_other_initiatives(world, client_for):
    by_leader = ContactMomentFactory(match=world.a.match, logged_by=world.a.project_leader)
    client = client_for(world.a.volunteer_user)

    assert client.get(reverse("referrals:moment_edit", args=[by_leader.pk])).status_code == 403
    assert client.post(reverse("referrals:moment_delete", args=[by_leader.pk])).status_code == 403
    other_side = reverse("referrals:moment_edit", args=[world.b.contact_moment.pk])
    assert client_for(world.a.project_leader).get(other_side).status_code == 404
    assert ContactMoment.objects.filter(pk=by_leader.pk).exists()


def test_project_leader_deletes_a_moment_after_confirming(world, client_for):
    client = client_for(project_leader_of(world.a.initiative))
    url = reverse("referrals:moment_delete", args=[world.a.contact_moment.pk])

    assert client.get(url).status_code == 200
    assert ContactMoment.objects.filter(pk=world.a.contact_moment.pk).exists()
    response = client.post(url)

    assert response.status_code == 302
    assert response.url == moments_url(world.a.match)
    assert not ContactMoment.objects.filter(pk=world.a.contact_moment.pk).exists()


@pytest.mark.parametrize("who", ["outsider", "b.project_leader", "b.volunteer_user", "other"])
def test_correct_and_delete_pages_are_404_outside_the_match(world, client_for, who):
    if who == "other":
        user = VolunteerFactory(initiative=world.a.initiative, active=True, with_account=True).user
    elif who == "outsider":
        user = world.outsider
    else:
        user = getattr(world.b, who[2:])
    client = client_for(user)
    moment = world.a.contact_moment

    for name in ("moment_edit", "moment_delete"):
        url = reverse(f"referrals:{name}", args=[moment.pk])
        response = client.get(url)
        assert response.status_code == 404
        assert moment.note not in text(response)
        assert client.post(url, form_data()).status_code == 404
    assert ContactMoment.objects.filter(pk=moment.pk).exists()
