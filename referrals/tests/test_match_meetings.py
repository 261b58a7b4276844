"""Planned versus held meetings on the match page of a programme with a planned dosage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from referrals.models import ContactMoment, Match
from referrals.selectors.matches import with_meetings_held
from referrals.tests.factories import ContactMomentFactory

pytestmark = pytest.mark.django_db


def held_sessions(match) -> int:
    return ContactMoment.objects.filter(
        match=match, kind=ContactMoment.Kind.SESSION, attendance=ContactMoment.Attendance.HELD
    ).count()


def add_sessions(match, n, attendance=ContactMoment.Attendance.HELD, kind=None):
    pupil = match.participants.first().pupil
    for i in range(n):
        ContactMomentFactory(
            match=match,
            pupil=pupil,
            kind=kind or ContactMoment.Kind.SESSION,
            date=dt.date.today() - dt.timedelta(days=i + 1),
            attendance=attendance,
        )


def test_match_page_shows_held_versus_planned_meetings(world, client_for):
    programme = world.a.match.programme
    programme.planned_meetings = 20
    programme.save(update_fields=["planned_meetings"])
    add_sessions(world.a.match, 3)
    add_sessions(world.a.match, 2, attendance=ContactMoment.Attendance.PUPIL_ABSENT)
    held = held_sessions(world.a.match)
    assert held >= 3

    page = (
        client_for(world.a.project_leader)
        .get(reverse("referrals:match_detail", args=[world.a.match.pk]))
        .content.decode()
    )

    assert f'data-meetings-held="{held}"' in page
    assert 'data-meetings-planned="20"' in page


def test_no_planned_meetings_row_without_a_planned_dosage(world, client_for):
    page = (
        client_for(world.a.project_leader)
        .get(reverse("referrals:match_detail", args=[world.a.match.pk]))
        .content.decode()
    )
    assert "data-meetings-planned" not in page


def test_meetings_held_is_one_query_for_many_matches(world, django_assert_num_queries):
    add_sessions(world.a.match, 4)
    with django_assert_num_queries(1):
        rows = {m.pk: m.meetings_held for m in with_meetings_held(Match.objects.all())}
    assert rows[world.a.match.pk] == held_sessions(world.a.match)
    assert rows[world.b.match.pk] == held_sessions(world.b.match)
