"""Adult language coaching: one coach with two learners (a group of at most two).

The generic group format carries it: the programme's maximum group size is
two, so a third learner is refused, and the klantmanager of each learner is
told of the start and the stop of their own learner's track only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from initiatives.models import Programme
from initiatives.tests.factories import ProgrammeFactory, VOGFactory, VolunteerFactory
from referrals.models import Match, MatchParticipant, Referral
from referrals.services import (
    action_plan_record,
    match_add_participant,
    match_create,
    match_end,
    match_remove_participant,
    referral_accept,
    referral_place_on_waitlist,
)
from referrals.services.adults import LearnerData, adult_referral_save
from referrals.services.intake import GoalData
from referrals.services.lifecycle import PupilData

S = Referral.Status
pytestmark = pytest.mark.django_db


def duo_programme(side) -> Programme:
    return ProgrammeFactory(
        initiative=side.initiative,
        name="Taalcoaching Duo",
        audience=Programme.Audience.ADULTS,
        format=Programme.Format.GROUP,
        group_size_max=2,
        planned_meetings=20,
        min_age=18,
        max_age=99,
        municipalities=[side.municipality],
    )


def waiting_learner(side, programme, manager, first_name: str) -> Referral:
    referral = adult_referral_save(
        user=manager,
        municipality=side.municipality,
        programme=programme,
        pupil=PupilData(
            first_name=first_name,
            last_name="Tesfaye",
            date_of_birth=dt.date(1987, 6, 1),
            postcode="3531AB",
        ),
        learner=LearnerData(learning_route="b1", phone="0611111111"),
        support_what="Gesprekken voeren",
        consent_given_by=first_name,
        consent_date=timezone.localdate(),
        consent_method=Referral.ConsentMethod.VERBAL,
        submit=True,
    )
    leader = side.project_leader
    referral_accept(referral=referral, user=leader)
    action_plan_record(
        referral=referral,
        user=leader,
        goals=[GoalData("Boodschappen doen", "Coach", timezone.localdate())],
    )
    referral_place_on_waitlist(referral=referral, user=leader)
    referral.refresh_from_db()
    return referral


def page(client, referral) -> str:
    response = client.get(reverse("referrals:client_manager_detail", kwargs={"pk": referral.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_one_coach_with_two_learners_each_klantmanager_sees_only_their_own(
    world, client_for, django_capture_on_commit_callbacks
):
    programme = duo_programme(world.a)
    km_one = client_manager_of(world.a.municipality, email="km-een@example.nl")
    km_two = client_manager_of(world.a.municipality, email="km-twee@example.nl")
    first = waiting_learner(world.a, programme, km_one, "Abera")
    second = waiting_learner(world.a, programme, km_two, "Bekele")
    third = waiting_learner(world.a, programme, km_one, "Chala")
    # Room for three in the coach's own capacity: only the group size refuses the third.
    coach = VolunteerFactory(initiative=world.a.initiative, active=True, capacity=3)
    VOGFactory(volunteer=coach)
    start = timezone.localdate() - dt.timedelta(days=7)

    def create(referrals):
        return match_create(
            user=world.a.project_leader,
            referrals=referrals,
            volunteer=coach,
            location_type=Match.LocationType.LIBRARY,
            start_date=start,
        )

    # Three at once: refused, nothing changes.
    with pytest.raises(ValidationError) as too_many:
        create([first, second, third])
    assert too_many.value.message_dict["referrals"] == [
        "Een groep in dit project heeft hoogstens 2 leerlingen."
    ]
    assert not Match.objects.filter(programme=programme).exists()

    # Two: one match, the coach with both learners; each klantmanager told of their own.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        match = create([first, second])
    assert match.kind == Match.Kind.GROUP
    assert {p.referral_id for p in match.participants.all()} == {first.pk, second.pk}
    started = {tuple(m.to): m.body for m in mail.outbox}
    assert set(started) == {("km-een@example.nl",), ("km-twee@example.nl",)}
    own = {("km-een@example.nl",): (first, "Bekele"), ("km-twee@example.nl",): (second, "Abera")}
    for to, (referral, other_name) in own.items():
        assert "gestart" in started[to]
        assert referral.pupil.first_name in started[to] and other_name not in started[to]
        assert f"/klantmanager/{referral.pk}/" in started[to]

    # The third cannot join the full pair.
    third.refresh_from_db()
    with pytest.raises(ValidationError) as full:
        match_add_participant(user=world.a.project_leader, match=match, referral=third)
    assert full.value.message_dict["referral"][0].startswith("De groep is vol")
    third.refresh_from_db()
    assert third.status == S.WAITING

    one, two = client_for(km_one), client_for(km_two)
    started_on = start.strftime("%d-%m-%Y")
    assert started_on in page(one, first)
    assert started_on in page(two, second)
    # Neither sees the other's learner, nor the other learner on their own page.
    for client, other in ((one, second), (two, first)):
        url = reverse("referrals:client_manager_detail", kwargs={"pk": other.pk})
        assert client.get(url).status_code == 404
    assert "Bekele" not in page(one, first)
    assert "Abera" not in page(two, second)

    # The first learner stops: only their klantmanager hears of it.
    mail.outbox.clear()
    stopped_on = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        match_remove_participant(
            user=world.a.project_leader,
            participant=MatchParticipant.objects.get(match=match, referral=first),
            date=stopped_on,
            end_reason=Match.EndReason.PUPIL_STOPPED,
        )
    assert [m.to for m in mail.outbox] == [["km-een@example.nl"]]
    assert "Abera" in mail.outbox[0].body and "gestopt" in mail.outbox[0].body
    assert "gestopt op" in page(one, first)
    assert "gestopt op" not in page(two, second)

    # The pair's track ends: now the second klantmanager hears of their learner's stop.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        match_end(
            user=world.a.project_leader,
            match=match,
            end_date=stopped_on,
            end_reason=Match.EndReason.COMPLETED,
        )
    assert [m.to for m in mail.outbox] == [["km-twee@example.nl"]]
    assert "Bekele" in mail.outbox[0].body and "Abera" not in mail.outbox[0].body
    assert "gestopt op" in page(two, second)
