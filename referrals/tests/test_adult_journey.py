"""Adult language coaching: the klantmanager's referral journey, end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from initiatives.models import Programme
from initiatives.tests.factories import ProgrammeFactory, VOGFactory, VolunteerFactory
from referrals.models import (
    CoachCheckIn,
    DropOutSignal,
    LearnerProfile,
    Match,
    Pupil,
    Referral,
)
from referrals.services import action_plan_record, match_create, match_end
from referrals.services.intake import GoalData

S = Referral.Status
pytestmark = pytest.mark.django_db


def adult_programme(side, **kwargs) -> Programme:
    kwargs.setdefault("name", "Taalcoaching Inburgering")
    return ProgrammeFactory(
        initiative=side.initiative,
        adult=True,
        min_age=18,
        max_age=99,
        municipalities=[side.municipality],
        **kwargs,
    )


def form_data(programme, **overrides) -> dict:
    data = {
        "first_name": "Abebech",
        "last_name": "Gebremariam",
        "date_of_birth": "1990-04-02",
        "phone": "0612345678",
        "email": "",
        "languages": "Tigrinya, Arabisch",
        "postcode": "3531 AB",
        "learning_route": LearnerProfile.LearningRoute.B1,
        "level_goal": "B1",
        "language_school": "Taalschool Utrecht",
        "has_coach": "on",
        "support_what": "Spreken bij de huisarts",
        "programme": programme.pk,
        "consent_given_by": "Abebech Gebremariam",
        "consent_date": timezone.localdate().isoformat(),
        "consent_method": Referral.ConsentMethod.VERBAL,
        "action": "submit",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return response.content.decode()


def test_the_klantmanager_refers_and_follows_the_track(
    world, client_for, django_capture_on_commit_callbacks
):
    programme = adult_programme(world.a)
    manager = client_manager_of(world.a.municipality, email="klantmanager-a@example.nl")
    km = client_for(manager)

    # Refer a newcomer in one form.
    with django_capture_on_commit_callbacks(execute=True):
        response = km.post(reverse("referrals:client_manager_create"), form_data(programme))
    assert response.status_code == 302, text(response)
    referral = Referral.objects.get(pupil__last_name="Gebremariam")
    assert referral.status == S.SUBMITTED
    assert referral.source == Referral.Source.CLIENT_MANAGER
    assert referral.referring_school is None
    assert referral.referred_by == manager
    pupil = referral.pupil
    assert pupil.school is None and pupil.grade is None
    assert pupil.home_languages == ["Tigrinya", "Arabisch"]
    profile = pupil.learner_profile
    assert profile.municipality == world.a.municipality
    assert (profile.learning_route, profile.level_goal, profile.has_coach) == ("b1", "B1", True)
    assert not pupil.guardians.exists()

    # It is in "Mijn aanmeldingen".
    listing = km.get(reverse("referrals:client_manager_list"))
    assert listing.status_code == 200
    assert "Gebremariam" in text(listing)

    # The project leader accepts it, records the plan, places it on the waitlist.
    leader = client_for(world.a.project_leader)
    detail_url = reverse("referrals:leader_detail", kwargs={"pk": referral.pk})
    assert "Gebremariam" in text(leader.get(detail_url))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(
            reverse("referrals:leader_accept", kwargs={"pk": referral.pk}),
            {"version": referral.version},
        )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.INTAKE
    action_plan_record(
        referral=referral,
        user=world.a.project_leader,
        goals=[GoalData("Zelf een afspraak maken", "Coach", timezone.localdate())],
    )
    referral.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        leader.post(
            reverse("referrals:leader_waitlist", kwargs={"pk": referral.pk}),
            {"version": referral.version},
        )
    referral.refresh_from_db()
    assert referral.status == S.WAITING
    # No mail for the intake steps: only the start and stop of the track.
    assert mail.outbox == []

    # Matched: the klantmanager sees the start and gets an email.
    volunteer = VolunteerFactory(
        initiative=world.a.initiative,
        active=True,
        first_name="Hendrikus",
        last_name="Coachvanderlaan",
        email="coach-hendrikus@example.nl",
        phone="0687654321",
    )
    VOGFactory(volunteer=volunteer)
    start = timezone.localdate() - dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        match = match_create(
            user=world.a.project_leader,
            referrals=[referral],
            volunteer=volunteer,
            location_type=Match.LocationType.LIBRARY,
            start_date=start,
        )
    assert [m.to for m in mail.outbox] == [["klantmanager-a@example.nl"]]
    assert "gestart" in mail.outbox[0].body or "started" in mail.outbox[0].body
    assert "Gebremariam" not in mail.outbox[0].subject
    page = km.get(reverse("referrals:client_manager_detail", kwargs={"pk": referral.pk}))
    assert start.strftime("%d-%m-%Y") in text(page) or start.isoformat() in text(page)
    # Never the coach's name or contact details.
    for secret in ("Coachvanderlaan", "Hendrikus", "coach-hendrikus@example.nl", "0687654321"):
        assert secret not in text(page)

    # The leader records a signal of imminent drop-out.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(
            reverse("referrals:leader_drop_out_signal", kwargs={"pk": referral.pk}),
            {"signalled_on": timezone.localdate().isoformat(), "reason": "Komt al drie weken niet"},
        )
    assert response.status_code == 302, text(response)
    signal = DropOutSignal.objects.get(referral=referral)
    assert signal.match == match
    assert [m.to for m in mail.outbox] == [["klantmanager-a@example.nl"]]
    assert "Komt al drie weken niet" in mail.outbox[0].body
    assert "Gebremariam" not in mail.outbox[0].subject
    page = km.get(reverse("referrals:client_manager_detail", kwargs={"pk": referral.pk}))
    assert "Komt al drie weken niet" in text(page)

    # A check-in with the coach on the adult match.
    response = leader.post(
        reverse("referrals:leader_coach_check_in", kwargs={"pk": match.pk}),
        {"held_on": timezone.localdate().isoformat(), "note": "Gaat beter"},
    )
    assert response.status_code == 302
    assert CoachCheckIn.objects.filter(match=match, note="Gaat beter").exists()

    # The match ends: the klantmanager sees the stop and gets an email.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        match_end(
            user=world.a.project_leader,
            match=match,
            end_date=timezone.localdate(),
            end_reason=Match.EndReason.PUPIL_STOPPED,
            end_note="Geheime eindnotitie Zonnebloem",
        )
    referral.refresh_from_db()
    assert referral.status == S.STOPPED_EARLY
    assert [m.to for m in mail.outbox] == [["klantmanager-a@example.nl"]]
    page = text(km.get(reverse("referrals:client_manager_detail", kwargs={"pk": referral.pk})))
    assert str(Match.EndReason.PUPIL_STOPPED.label) in page or "gestopt" in page.lower()
    assert "Geheime eindnotitie Zonnebloem" not in page
    assert "Coachvanderlaan" not in page


def test_a_draft_is_not_seen_by_the_initiative_and_can_be_submitted_later(world, client_for):
    programme = adult_programme(world.a)
    manager = client_manager_of(world.a.municipality)
    km = client_for(manager)
    response = km.post(
        reverse("referrals:client_manager_create"),
        form_data(programme, action="draft", consent_given_by="", consent_method=""),
    )
    assert response.status_code == 302
    referral = Referral.objects.get(pupil__last_name="Gebremariam")
    assert referral.status == S.DRAFT
    assert not Referral.objects.visible_to(world.a.project_leader).filter(pk=referral.pk).exists()

    edit = reverse("referrals:client_manager_edit", kwargs={"pk": referral.pk})
    assert km.get(edit).status_code == 200
    response = km.post(edit, form_data(programme, first_name="Abeba"))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED
    assert referral.pupil.first_name == "Abeba"
    assert Pupil.objects.filter(last_name="Gebremariam").count() == 1


def test_submitting_without_consent_gives_a_dutch_error_and_saves_nothing(world, client_for):
    programme = adult_programme(world.a)
    km = client_for(client_manager_of(world.a.municipality))
    response = km.post(
        reverse("referrals:client_manager_create"),
        form_data(programme, consent_given_by="", consent_date="", consent_method=""),
    )
    assert response.status_code == 200
    assert "niet opgeslagen" in text(response) or "not been saved" in text(response)
    assert not Referral.objects.filter(pupil__last_name="Gebremariam").exists()
    assert not Pupil.objects.filter(last_name="Gebremariam").exists()


def test_bad_input_gives_dutch_form_errors(world, client_for):
    programme = adult_programme(world.a)
    km = client_for(client_manager_of(world.a.municipality))
    response = km.post(
        reverse("referrals:client_manager_create"),
        form_data(programme, first_name="", date_of_birth="gisteren", learning_route="x"),
    )
    assert response.status_code == 200
    content = text(response)
    assert "Dit veld is vereist." in content
    assert "Voer een geldige datum in." in content
    assert "Selecteer een geldige keuze." in content
    assert not Referral.objects.filter(pupil__last_name="Gebremariam").exists()


def test_only_adult_programmes_of_the_own_municipality_can_be_chosen(world, client_for):
    adult_a = adult_programme(world.a)
    adult_b = adult_programme(world.b, name="Taalcoaching Dordrecht")
    km = client_for(client_manager_of(world.a.municipality))
    page = text(km.get(reverse("referrals:client_manager_create")))
    assert adult_a.name in page
    assert "Taalcoaching Dordrecht" not in page
    assert world.a.programme.name not in page  # the pupils' programme
    for other in (adult_b, world.a.programme):
        response = km.post(reverse("referrals:client_manager_create"), form_data(other))
        assert response.status_code == 200
        assert not Referral.objects.filter(pupil__last_name="Gebremariam").exists()


def test_the_project_leader_cannot_record_a_check_in_on_a_pupils_match(world, client_for):
    response = client_for(world.a.project_leader).post(
        reverse("referrals:leader_coach_check_in", kwargs={"pk": world.a.match.pk}),
        {"held_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    assert not CoachCheckIn.objects.exists()


def test_a_drop_out_signal_without_a_reason_or_in_the_future_is_refused(world, client_for):
    programme = adult_programme(world.a)
    km = client_for(client_manager_of(world.a.municipality))
    km.post(reverse("referrals:client_manager_create"), form_data(programme))
    referral = Referral.objects.get(pupil__last_name="Gebremariam")
    url = reverse("referrals:leader_drop_out_signal", kwargs={"pk": referral.pk})
    leader = client_for(world.a.project_leader)
    response = leader.post(url, {"signalled_on": timezone.localdate().isoformat(), "reason": ""})
    assert "Dit veld is vereist." in text(response)
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = leader.post(url, {"signalled_on": future, "reason": "Ziek"})
    assert response.status_code == 200
    assert not DropOutSignal.objects.exists()
    # Another initiative's project leader: 404.
    other = client_for(world.b.project_leader).get(url)
    assert other.status_code == 404
