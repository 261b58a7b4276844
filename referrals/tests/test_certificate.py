"""The certificate of participation (Bewijs van Deelname) as a PDF."""

from __future__ import annotations

import re
import zlib

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from initiatives.tests.factories import ProgrammeFactory, VolunteerFactory
from referrals.certificates import certificate_for, certificate_html
from referrals.models import Match, Referral
from referrals.tests.factories import (
    ContactMomentFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilFactory,
    ReferralFactory,
    days_ago,
)

S = Referral.Status


@pytest.fixture(autouse=True)
def _one_day():
    with time_machine.travel(timezone.now(), tick=False):
        yield


def completed_participant(side, *, first_name="Noor", last_name="Bakker", sessions=3):
    """A pupil whose one-to-one match ran 100 to 10 days ago and was completed."""
    pupil = PupilFactory(
        initiative=side.initiative, school=side.school, first_name=first_name, last_name=last_name
    )
    referral = ReferralFactory(pupil=pupil, programme=side.programme, status=S.COMPLETED)
    match = MatchFactory(
        programme=side.programme,
        volunteer=side.volunteer,
        start_date=days_ago(100),
        end_date=days_ago(10),
        end_reason=Match.EndReason.COMPLETED,
    )
    participant = MatchParticipantFactory(match=match, referral=referral, left_on=match.end_date)
    for n in range(sessions):
        ContactMomentFactory(match=match, pupil=pupil, date=days_ago(20 + n))
    return participant


def cert_url(participant) -> str:
    return reverse("referrals:certificate", args=[participant.pk])


def pdf_text(pdf: bytes) -> bytes:
    """The PDF's streams, unpacked: metadata and bookmarks become searchable."""
    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_project_leader_downloads_the_certificate_as_pdf(world, client_for):
    participant = completed_participant(world.a)

    response = client_for(world.a.project_leader).get(cert_url(participant))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="[a-z-]+-noor-bakker\.pdf"', disposition)
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert b"Noor Bakker" in pdf_text(pdf)


def test_certificate_names_pupil_programme_initiative_period_sessions_and_signer(world):
    participant = completed_participant(world.a, sessions=4)
    # not counted: a missed session, a teacher contact, a session of another match
    ContactMomentFactory(match=participant.match, attendance="pupil_absent", duration_minutes=0)
    ContactMomentFactory(match=participant.match, kind="teacher", phase="end")
    ContactMomentFactory(match=world.a.match)

    facts = certificate_for(participant, signed_by=world.a.project_leader)
    html = certificate_html(facts)

    assert facts.sessions_held == 4
    assert (facts.start, facts.end) == (days_ago(100), days_ago(10))
    assert "Noor Bakker" in html
    assert world.a.programme.name in html
    assert world.a.initiative.name in html
    assert world.a.project_leader.get_full_name() in html
    with translation.override("nl"):
        assert gettext("Certificate of participation") in certificate_html(facts)


def test_certificate_counts_the_whole_guidance_across_a_replaced_volunteer(world):
    participant = completed_participant(world.a, sessions=2)
    first = MatchFactory(
        programme=world.a.programme,
        start_date=days_ago(200),
        end_date=days_ago(101),
        end_reason=Match.EndReason.VOLUNTEER_STOPPED,
    )
    MatchParticipantFactory(
        match=first,
        referral=participant.referral,
        joined_on=first.start_date,
        left_on=first.end_date,
    )
    ContactMomentFactory(match=first, date=days_ago(150))

    facts = certificate_for(participant, signed_by=world.a.project_leader)

    assert facts.sessions_held == 3
    assert facts.start == days_ago(200)


def test_group_certificate_leaves_out_sessions_the_pupil_missed(world):
    programme = ProgrammeFactory(initiative=world.a.initiative, group=True)
    match = MatchFactory(
        programme=programme,
        kind="group",
        start_date=days_ago(60),
        end_date=days_ago(1),
        end_reason=Match.EndReason.COMPLETED,
    )
    referral = ReferralFactory(programme=programme, status=S.COMPLETED)
    participant = MatchParticipantFactory(match=match, referral=referral, left_on=match.end_date)
    other = MatchParticipantFactory(match=match, left_on=match.end_date)
    ContactMomentFactory(match=match, date=days_ago(30))
    ContactMomentFactory(match=match, date=days_ago(20)).absent_pupils.add(participant.pupil)
    ContactMomentFactory(match=match, date=days_ago(10)).absent_pupils.add(other.pupil)

    facts = certificate_for(participant, signed_by=world.a.project_leader)

    assert facts.sessions_held == 2


@pytest.mark.parametrize("case", ["running", "ended_early", "referral_not_completed"])
def test_no_certificate_before_the_guidance_was_completed(world, client_for, case):
    participant = completed_participant(world.a)
    if case == "running":
        participant = world.a.participant
    elif case == "ended_early":
        Match.objects.filter(pk=participant.match_id).update(end_reason="pupil_stopped")
    else:
        Referral.objects.filter(pk=participant.referral_id).update(
            status=S.STOPPED_EARLY, outcome_reason="Verhuisd."
        )

    response = client_for(world.a.project_leader).get(cert_url(participant))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    with translation.override("nl"):
        message = gettext(
            "There is no certificate for %(name)s yet: it is available once the match has "
            "been completed and the guidance ended as completed."
        ) % {"name": participant.pupil.full_name}
    assert escape(message) in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("outsider", 403),
        ("a.volunteer_user", 403),
        ("a.school_referrer", 403),
        ("a.municipal_official", 403),
        ("b.project_leader", 404),
    ],
)
def test_only_the_initiatives_project_leaders_download_the_certificate(
    world, client_for, who, status
):
    participant = completed_participant(world.a)
    user = world.outsider if who == "outsider" else getattr(getattr(world, who[0]), who[2:])

    response = client_for(user).get(cert_url(participant))

    assert response.status_code == status
    assert b"%PDF" not in response.content
    assert b"Noor Bakker" not in response.content


def test_moments_page_links_to_the_certificate_once_completed(world, client_for):
    participant = completed_participant(world.a)
    client = client_for(world.a.project_leader)

    completed_page = client.get(reverse("referrals:match_moments", args=[participant.match_id]))
    running_page = client.get(reverse("referrals:match_moments", args=[world.a.match.pk]))

    assert cert_url(participant) in completed_page.content.decode()
    assert cert_url(world.a.participant) not in running_page.content.decode()


def test_volunteer_sees_no_certificate_link(world, client_for):
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True, with_account=True)
    match = MatchFactory(programme=world.a.programme, volunteer=volunteer)
    MatchParticipantFactory(match=match)

    page = client_for(volunteer.user).get(reverse("referrals:match_moments", args=[match.pk]))

    assert page.status_code == 200
    assert "bewijs-van-deelname" not in page.content.decode()
