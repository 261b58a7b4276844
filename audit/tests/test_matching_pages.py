"""The matching pages log the pupils and volunteers they show and the matches they make."""

import pytest
from django.urls import reverse

from audit.models import ProcessingLogEntry
from referrals.models import Match, Referral
from referrals.tests.factories import PupilAvailabilityFactory
from referrals.tests.test_match_services import waiting
from referrals.tests.test_matching_views import batch_post, fitting

pytestmark = pytest.mark.django_db


def logged(user, action: str) -> set[tuple[str, int]]:
    return set(
        ProcessingLogEntry.objects.filter(
            actor_id=user.pk, action=action, result="allowed", channel="page"
        ).values_list("record_type", "record_id")
    )


@pytest.fixture
def proposal(world):
    """World a's waiting pupil and another, two fitting volunteers, and world b's own."""
    referrals = [world.a.unmatched_referral, waiting(world.a)]
    for referral in referrals:
        PupilAvailabilityFactory(pupil=referral.pupil)
    volunteers = [fitting(world.a), fitting(world.a)]
    PupilAvailabilityFactory(pupil=waiting(world.b).pupil)
    fitting(world.b)
    return referrals, volunteers


def test_the_batch_page_logs_the_waiting_pupils_and_the_volunteers_it_offers(
    world, client_for, proposal
):
    referrals, volunteers = proposal
    leader = world.a.project_leader

    page = client_for(leader).get(reverse("referrals:match_batch", args=[world.a.programme.pk]))

    assert page.status_code == 200
    shown = logged(leader, "list")
    assert {("pupil", r.pupil_id) for r in referrals} <= shown
    assert {("volunteer", v.pk) for v in volunteers} <= shown
    world_b = set(
        Referral.objects.filter(programme=world.b.programme).values_list("pupil_id", flat=True)
    )
    assert not {pk for kind, pk in shown if kind == "pupil"} & world_b


def test_confirming_the_batch_logs_the_new_matches_pupils_and_volunteers(
    world, client_for, proposal
):
    referrals, volunteers = proposal
    leader = world.a.project_leader
    client = client_for(leader)
    url = reverse("referrals:match_batch", args=[world.a.programme.pk])
    page = client.get(url).content.decode()

    response = client.post(url, batch_post(page))

    assert response.status_code == 302
    matches = Match.objects.filter(volunteer__in=volunteers)
    assert matches.count() == 2
    assert logged(leader, "create") == {("pupil", r.pupil_id) for r in referrals} | {
        ("volunteer", v.pk) for v in volunteers
    }


def test_the_suggestions_log_the_volunteers_they_show(world, client_for, proposal):
    referrals, volunteers = proposal
    leader = world.a.project_leader

    page = client_for(leader).get(reverse("referrals:match_suggestions", args=[referrals[0].pk]))

    assert page.status_code == 200
    assert all(f'data-volunteer="{v.pk}"' in page.content.decode() for v in volunteers)
    shown = logged(leader, "list")
    assert {("volunteer", v.pk) for v in volunteers} <= shown
    assert ("pupil", referrals[0].pupil_id) in logged(leader, "view")


def test_the_match_form_logs_the_volunteers_it_offers(world, client_for, proposal):
    referrals, volunteers = proposal
    leader = world.a.project_leader

    page = client_for(leader).get(reverse("referrals:match_create", args=[referrals[0].pk]))

    assert page.status_code == 200
    assert {("volunteer", v.pk) for v in volunteers} <= logged(leader, "list")
