"""Adult language coaching: the mid-term evaluation is held with the coach and the learner.

In a programme for adults the evaluation form asks the learner's and the
coach's satisfaction, never the parents'; the service and the API keep the
two kinds apart.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals.models import Evaluation, GoalEvaluation
from referrals.privacy.export import pupil_export_data, pupil_export_html
from referrals.services import evaluation_record
from referrals.services.evaluations import goal_field

from .test_adult_attention import adult_match

pytestmark = pytest.mark.django_db
EVALUATIONS = "/api/v1/evaluations/"


@pytest.fixture
def adult(world):
    """A running adult match, halfway: its referral and its one goal."""
    match = adult_match(world.a, start=timezone.localdate() - dt.timedelta(weeks=10))
    referral = match.participants.get().referral
    return referral, referral.action_plan.goals.get()


def url(referral) -> str:
    return reverse("referrals:evaluation_record", args=[referral.pk])


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html).lower()


def test_an_adults_evaluation_asks_the_learner_and_the_coach_not_the_parents(
    world, client_for, adult
):
    referral, _goal = adult
    response = client_for(world.a.project_leader).get(url(referral))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Hoe tevreden is de deelnemer?" in html
    assert "Hoe tevreden is de taalcoach?" in html
    assert "Houd de evaluatie met de taalcoach en de deelnemer samen." in html
    assert html.count('name="pupil_satisfaction"') == 5
    assert html.count('name="coach_satisfaction"') == 5
    assert 'name="parent_satisfaction"' not in html
    visible = visible_text(html)
    assert "ouder" not in visible  # ouders, ouder(s)
    assert "leerling" not in visible


def test_a_pupils_evaluation_still_asks_the_pupil_and_the_parents(world, client_for):
    response = client_for(world.a.project_leader).get(url(world.a.referral))

    html = response.content.decode()
    assert "Hoe tevreden is de leerling?" in html
    assert "Hoe tevreden zijn de ouders?" in html
    assert 'name="coach_satisfaction"' not in html
    assert "Hoe tevreden is de taalcoach?" not in html


def test_the_leader_records_the_learners_and_the_coachs_satisfaction(world, client_for, adult):
    referral, goal = adult
    response = client_for(world.a.project_leader).post(
        url(referral),
        {
            "moment": "mid",
            "held_on": timezone.localdate().isoformat(),
            goal_field(goal.pk): "partly",
            "pupil_satisfaction": "4",
            "coach_satisfaction": "3",
            "parent_satisfaction": "5",  # not on the form: ignored
            "summary": "Spreekt de buurvrouw nu aan.",
        },
    )

    assert response.status_code == 302
    evaluation = Evaluation.objects.get(referral=referral, moment="mid")
    assert (
        evaluation.pupil_satisfaction,
        evaluation.coach_satisfaction,
        evaluation.parent_satisfaction,
    ) == (4, 3, None)
    # Correcting it shows what was recorded, with the adult wording.
    page = client_for(world.a.project_leader).get(url(referral) + "?moment=mid")
    html = page.content.decode()
    assert re.search(r'name="coach_satisfaction" value="3"[^>]*checked', html)
    assert 'name="parent_satisfaction"' not in html


def test_the_service_keeps_parents_out_of_an_adults_evaluation(world, adult):
    referral, goal = adult
    with pytest.raises(ValidationError) as refused:
        evaluation_record(
            user=world.a.project_leader,
            referral=referral,
            moment=Evaluation.Moment.MID,
            held_on=timezone.localdate(),
            goal_results=[(goal.pk, GoalEvaluation.Result.PARTLY, "")],
            parent_satisfaction=4,
        )
    assert list(refused.value.error_dict) == ["parent_satisfaction"]
    assert "zonder ouders" in refused.value.message_dict["parent_satisfaction"][0]
    assert not Evaluation.objects.filter(referral=referral).exists()


def test_the_service_asks_the_coach_only_in_a_programme_for_adults(world):
    with pytest.raises(ValidationError) as refused:
        evaluation_record(
            user=world.a.project_leader,
            referral=world.a.referral,
            moment=Evaluation.Moment.MID,
            held_on=timezone.localdate(),
            goal_results=[],
            coach_satisfaction=4,
        )
    assert list(refused.value.error_dict) == ["coach_satisfaction"]
    assert not Evaluation.objects.filter(referral=world.a.referral).exists()


@pytest.mark.parametrize("score", [0, 6])
def test_the_coachs_satisfaction_is_from_1_to_5(world, adult, score):
    referral, goal = adult
    with pytest.raises(ValidationError) as refused:
        evaluation_record(
            user=world.a.project_leader,
            referral=referral,
            moment=Evaluation.Moment.MID,
            held_on=timezone.localdate(),
            goal_results=[(goal.pk, GoalEvaluation.Result.PARTLY, "")],
            coach_satisfaction=score,
        )
    assert list(refused.value.error_dict) == ["coach_satisfaction"]


def test_the_api_records_an_adults_evaluation_with_the_coach(world, api_for, adult):
    referral, goal = adult
    client = api_for(world.a.project_leader)
    body = {
        "referral": referral.pk,
        "moment": "mid",
        "held_on": timezone.localdate().isoformat(),
        "pupil_satisfaction": 5,
        "coach_satisfaction": 4,
        "goal_results": [{"goal": goal.pk, "result": "achieved"}],
    }

    response = client.post(EVALUATIONS, body, format="json")

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["pupil_satisfaction"], answer["coach_satisfaction"]) == (5, 4)
    assert answer["parent_satisfaction"] is None

    refused = client.post(EVALUATIONS, {**body, "parent_satisfaction": 3}, format="json")
    assert refused.status_code == 400
    assert [p["name"] for p in refused.json()["invalid_params"]] == ["parent_satisfaction"]


def test_the_data_export_holds_the_coachs_satisfaction(world, adult):
    referral, goal = adult
    evaluation_record(
        user=world.a.project_leader,
        referral=referral,
        moment=Evaluation.Moment.MID,
        held_on=timezone.localdate(),
        goal_results=[(goal.pk, GoalEvaluation.Result.PARTLY, "")],
        pupil_satisfaction=4,
        coach_satisfaction=2,
    )

    data = pupil_export_data(referral.pupil)
    [exported] = data["referrals"][0]["evaluations"]
    assert (exported["pupil_satisfaction"], exported["coach_satisfaction"]) == (4, 2)
    assert exported["parent_satisfaction"] is None
    html = pupil_export_html(data)
    assert "tevredenheid taalcoach 2 van 5" in html
