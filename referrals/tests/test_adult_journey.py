"""Adult language coaching: the klantmanager's referral journey, end to end."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from initiatives.models import Programme
from initiatives.services.adult import adult_programme_add_default_questions
from initiatives.tests.factories import ProgrammeFactory, VOGFactory, VolunteerFactory
from referrals.attention import items_for_initiative
from referrals.certificates import certificate_for
from referrals.models import (
    AttentionSignal,
    CoachCheckIn,
    ContactMoment,
    DropOutSignal,
    Evaluation,
    ImpactMeasurement,
    LearnerProfile,
    Match,
    MatchParticipant,
    Pupil,
    Referral,
)
from referrals.services import action_plan_record, match_create, match_end
from referrals.services.evaluations import goal_field, question_field
from referrals.services.intake import GoalData
from referrals.services.sessions import contact_moment_log

from .test_certificate import pdf_text

S = Referral.Status
pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


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


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=AMSTERDAM)


def log_sessions(user, match, days) -> None:
    for day in days:
        contact_moment_log(
            user=user,
            match=match,
            kind=ContactMoment.Kind.SESSION,
            date=day,
            duration_minutes=90,
            note="Geheime sessienotitie Klaproos",
        )


def test_the_adults_track_through_evaluation_impact_and_the_certificate(
    world, client_for, django_capture_on_commit_callbacks
):
    """Referred by the klantmanager; measured at start, halfway and end; certificate at the end."""
    referred_on = timezone.localdate() - dt.timedelta(weeks=22)
    start = referred_on + dt.timedelta(weeks=1)
    halfway = start + dt.timedelta(weeks=10)
    end = start + dt.timedelta(weeks=20)
    manager = client_manager_of(world.a.municipality, email="klantmanager-a@example.nl")
    leader_user = world.a.project_leader

    with time_machine.travel(at(referred_on), tick=False) as traveller:
        # 20 meetings in 20 weeks, with the default questions for adults.
        programme = adult_programme(world.a, planned_meetings=20, usual_duration_weeks=20)
        questions = adult_programme_add_default_questions(programme=programme)
        assert [q.text for q in questions] == [
            "Spreekvaardigheid in het Nederlands",
            "Sociale contacten en activiteiten",
            "Tevredenheid over de taalcoach",
        ]
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(manager).post(
                reverse("referrals:client_manager_create"), form_data(programme)
            )
        assert response.status_code == 302
        referral = Referral.objects.get(pupil__last_name="Gebremariam")
        leader = client_for(leader_user)
        leader.post(
            reverse("referrals:leader_accept", kwargs={"pk": referral.pk}),
            {"version": referral.version},
        )
        referral.refresh_from_db()
        assert referral.status == S.INTAKE
        action_plan_record(
            referral=referral,
            user=leader_user,
            goals=[GoalData("Zelf een afspraak bij de huisarts maken", "Coach", halfway)],
        )
        goal = referral.action_plan.goals.get()

        # The start measurement, during the intake.
        impact_url = reverse("referrals:impact_record", kwargs={"pk": referral.pk})

        def measure(client, moment: str, scores: list[int]):
            answer = client.post(
                impact_url,
                {
                    "moment": moment,
                    "measured_on": timezone.localdate().isoformat(),
                    **{
                        question_field(q.pk): str(n) for q, n in zip(questions, scores, strict=True)
                    },
                },
            )
            assert answer.status_code == 302, answer.content.decode()

        measure(leader, "start", [2, 1, 3])
        referral.refresh_from_db()
        leader.post(
            reverse("referrals:leader_waitlist", kwargs={"pk": referral.pk}),
            {"version": referral.version},
        )
        referral.refresh_from_db()
        assert referral.status == S.WAITING

        # A week later the coach starts.
        traveller.move_to(at(start))
        coach = VolunteerFactory(initiative=world.a.initiative, active=True, last_name="Coachsma")
        VOGFactory(volunteer=coach)
        match = match_create(
            user=leader_user,
            referrals=[referral],
            volunteer=coach,
            location_type=Match.LocationType.LIBRARY,
            start_date=start,
        )
        assert match.planned_end_date == end

        # Halfway: ten meetings held, and the mid-term evaluation is due.
        traveller.move_to(at(halfway))
        log_sessions(leader_user, match, [start + dt.timedelta(weeks=w) for w in range(10)])
        due = [
            i
            for i in items_for_initiative(world.a.initiative)
            if i.rule == AttentionSignal.Rule.MID_EVALUATION
        ]
        assert [i.match for i in due] == [match]

        leader = client_for(leader_user)
        evaluation_url = reverse("referrals:evaluation_record", kwargs={"pk": referral.pk})
        form = leader.get(evaluation_url).content.decode()
        assert "Hoe tevreden is de deelnemer?" in form
        assert "Hoe tevreden is de taalcoach?" in form
        assert "Hoe tevreden zijn de ouders?" not in form
        response = leader.post(
            evaluation_url,
            {
                "moment": "mid",
                "held_on": halfway.isoformat(),
                goal_field(goal.pk): "partly",
                "pupil_satisfaction": "4",
                "coach_satisfaction": "4",
                "summary": "Geheime evaluatie Korenbloem",
            },
        )
        assert response.status_code == 302
        measure(leader, "mid", [3, 2, 4])
        assert not [
            i
            for i in items_for_initiative(world.a.initiative)
            if i.rule == AttentionSignal.Rule.MID_EVALUATION
        ]

        # The end: twenty meetings held, the final evaluation, the track completed.
        traveller.move_to(at(end))
        log_sessions(leader_user, match, [start + dt.timedelta(weeks=w) for w in range(10, 20)])
        leader = client_for(leader_user)
        assert (
            leader.post(
                evaluation_url,
                {
                    "moment": "end",
                    "held_on": end.isoformat(),
                    goal_field(goal.pk): "achieved",
                    "pupil_satisfaction": "5",
                    "coach_satisfaction": "5",
                },
            ).status_code
            == 302
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            match_end(
                user=leader_user,
                match=match,
                end_date=end,
                end_reason=Match.EndReason.COMPLETED,
            )
        referral.refresh_from_db()
        assert referral.status == S.COMPLETED
        measure(leader, "end", [4, 4, 5])

        evaluations = {e.moment: e for e in Evaluation.objects.filter(referral=referral)}
        assert set(evaluations) == {"mid", "end"}
        assert (evaluations["mid"].pupil_satisfaction, evaluations["mid"].coach_satisfaction) == (
            4,
            4,
        )
        assert evaluations["end"].parent_satisfaction is None
        scores = {
            m.moment: [s.score for s in m.scores.order_by("question__order")]
            for m in ImpactMeasurement.objects.filter(referral=referral)
        }
        assert scores == {"start": [2, 1, 3], "mid": [3, 2, 4], "end": [4, 4, 5]}
        impact_page = leader.get(impact_url).content.decode()
        assert "Spreekvaardigheid in het Nederlands" in impact_page

        # The klantmanager hears of the stop and sees it, never the content.
        assert [m.to for m in mail.outbox] == [["klantmanager-a@example.nl"]]
        page = client_for(manager).get(
            reverse("referrals:client_manager_detail", kwargs={"pk": referral.pk})
        )
        content = page.content.decode()
        assert "gestopt op" in content and "Afgerond" in content
        for secret in ("Korenbloem", "Klaproos", "Coachsma"):
            assert secret not in content

        # The Bewijs van Deelname: linked from the match, downloaded as a PDF.
        participant = MatchParticipant.objects.get(match=match, referral=referral)
        certificate_url = reverse("referrals:certificate", args=[participant.pk])
        moments = leader.get(reverse("referrals:match_moments", args=[match.pk]))
        assert certificate_url in moments.content.decode()
        download = leader.get(certificate_url)
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert re.search(
            r'filename="[a-z-]+-abebech-gebremariam\.pdf"', download["Content-Disposition"]
        )
        pdf = pdf_text(download.content)
        assert download.content.startswith(b"%PDF")
        assert b"Abebech Gebremariam" in pdf
        facts = certificate_for(participant, signed_by=leader_user)
        assert (facts.programme, facts.start, facts.end, facts.sessions_held) == (
            "Taalcoaching Inburgering",
            start,
            end,
            20,
        )
        # The klantmanager does not download it (a page of the initiative).
        assert client_for(manager).get(certificate_url).status_code == 403


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
