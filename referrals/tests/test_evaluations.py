"""Mid-term and end evaluations of the action plan, and impact measurements."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from referrals.models import (
    Evaluation,
    GoalEvaluation,
    ImpactMeasurement,
    ImpactScore,
    Referral,
)
from referrals.services.evaluations import (
    evaluation_record,
    goal_field,
    impact_measurement_record,
    question_field,
)
from referrals.tests.factories import (
    ActionPlanFactory,
    EvaluationFactory,
    GoalFactory,
    ImpactQuestionFactory,
    days_ago,
)

Result = GoalEvaluation.Result
S = Referral.Status


@pytest.fixture(autouse=True)
def _one_day():
    with time_machine.travel(timezone.now(), tick=False):
        yield


@pytest.fixture
def goals(world):
    plan = ActionPlanFactory(referral=world.a.referral)
    return [
        GoalFactory(
            plan=plan, description="Leest elke dag een kwartier.", review_date=days_ago(-30)
        ),
        GoalFactory(
            plan=plan, description="Durft vragen te stellen in de klas.", review_date=days_ago(-60)
        ),
    ]


@pytest.fixture
def questions(world):
    return [
        ImpactQuestionFactory(programme=world.a.programme, text="Leesplezier", order=1),
        ImpactQuestionFactory(programme=world.a.programme, text="Zelfvertrouwen", order=2),
    ]


def text(response) -> str:
    return response.content.decode()


def shown(response, message: str) -> bool:
    with translation.override("nl"):
        translated = gettext(message)
    return escape(translated) in text(response)


def evaluate(world, goals, *, user=None, **kwargs) -> Evaluation:
    fields = {
        "moment": Evaluation.Moment.MID,
        "held_on": timezone.localdate(),
        "summary": "Gaat goed vooruit.",
        "goal_results": [
            (goals[0].pk, Result.ACHIEVED, "Leest nu zelf."),
            (goals[1].pk, Result.PARTLY, ""),
        ],
        "pupil_satisfaction": 4,
        "parent_satisfaction": 5,
    }
    fields.update(kwargs)
    return evaluation_record(
        user=user or world.a.project_leader, referral=world.a.referral, **fields
    )


def checked_value(html: str, name: str) -> str | None:
    found = re.search(rf'<input type="radio" name="{name}" value="([^"]*)"[^>]*checked', html)
    return found.group(1) if found else None


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- evaluation service ---------------------------------------------------------------


def test_mid_term_evaluation_scores_each_goal_with_satisfaction(world, goals):
    evaluation = evaluate(world, goals)

    assert evaluation.moment == "mid"
    assert (evaluation.pupil_satisfaction, evaluation.parent_satisfaction) == (4, 5)
    assert evaluation.recorded_by == world.a.project_leader
    results = {r.goal_id: (r.result, r.note) for r in evaluation.goal_results.all()}
    assert results == {
        goals[0].pk: ("achieved", "Leest nu zelf."),
        goals[1].pk: ("partly", ""),
    }


def test_every_goal_must_be_scored(world, goals):
    with pytest.raises(ValidationError) as excinfo:
        evaluate(world, goals, goal_results=[(goals[0].pk, Result.ACHIEVED, "")])

    assert goal_field(goals[1].pk) in errors_of(excinfo)
    assert not Evaluation.objects.exists()


def test_a_goal_is_scored_once(world, goals):
    with pytest.raises(ValidationError) as excinfo:
        evaluate(
            world,
            goals,
            goal_results=[
                (goals[0].pk, Result.ACHIEVED, ""),
                (goals[0].pk, Result.NOT_ACHIEVED, ""),
                (goals[1].pk, Result.PARTLY, ""),
            ],
        )
    assert goal_field(goals[0].pk) in errors_of(excinfo)


def test_goals_of_another_pupil_cannot_be_scored(world, goals):
    foreign = GoalFactory(plan=ActionPlanFactory(referral=world.a.unmatched_referral))

    with pytest.raises(ValidationError) as excinfo:
        evaluate(
            world,
            goals,
            goal_results=[
                (goals[0].pk, Result.ACHIEVED, ""),
                (goals[1].pk, Result.PARTLY, ""),
                (foreign.pk, Result.ACHIEVED, ""),
            ],
        )
    assert "goal_results" in errors_of(excinfo)


def test_unknown_result_satisfaction_and_future_date_are_refused(world, goals):
    with pytest.raises(ValidationError) as excinfo:
        evaluate(
            world,
            goals,
            held_on=timezone.localdate() + dt.timedelta(days=1),
            pupil_satisfaction=6,
            parent_satisfaction=0,
            goal_results=[(goals[0].pk, "great", ""), (goals[1].pk, Result.PARTLY, "")],
        )
    assert {
        "held_on",
        "pupil_satisfaction",
        "parent_satisfaction",
        goal_field(goals[0].pk),
    } <= set(errors_of(excinfo))


def test_evaluation_cannot_be_before_the_guidance_started(world, goals):
    with pytest.raises(ValidationError) as excinfo:
        evaluate(world, goals, held_on=world.a.participant.joined_on - dt.timedelta(days=1))
    assert "held_on" in errors_of(excinfo)


def test_recording_a_moment_again_corrects_it(world, goals):
    first = evaluate(world, goals)

    second = evaluate(
        world,
        goals,
        summary="Bijgesteld.",
        pupil_satisfaction=None,
        goal_results=[(goals[0].pk, Result.PARTLY, ""), (goals[1].pk, Result.NOT_ACHIEVED, "")],
    )

    assert second.pk == first.pk
    assert Evaluation.objects.filter(referral=world.a.referral).count() == 1
    second.refresh_from_db()
    assert (second.summary, second.pupil_satisfaction) == ("Bijgesteld.", None)
    assert sorted(second.goal_results.values_list("result", flat=True)) == [
        "not_achieved",
        "partly",
    ]


def test_mid_and_end_evaluations_are_separate(world, goals):
    evaluate(world, goals)
    evaluate(world, goals, moment=Evaluation.Moment.END)

    assert set(world.a.referral.evaluations.values_list("moment", flat=True)) == {"mid", "end"}


def test_evaluation_needs_a_matched_pupil(world):
    with pytest.raises(ValidationError):
        evaluation_record(
            user=world.a.project_leader,
            referral=world.a.unmatched_referral,
            moment="mid",
            held_on=timezone.localdate(),
            goal_results=[],
        )


@pytest.mark.parametrize(
    "who", ["a.volunteer_user", "a.school_referrer", "b.project_leader", "outsider"]
)
def test_only_the_initiatives_project_leaders_evaluate(world, goals, who):
    user = world.outsider if who == "outsider" else getattr(getattr(world, who[0]), who[2:])

    with pytest.raises(PermissionDenied):
        evaluate(world, goals, user=user)
    assert not Evaluation.objects.exists()


# --- impact service -------------------------------------------------------------------


def measure(world, scores, *, moment="start", user=None, referral=None):
    return impact_measurement_record(
        user=user or world.a.project_leader,
        referral=referral or world.a.referral,
        moment=moment,
        measured_on=timezone.localdate(),
        scores=scores,
    )


def test_impact_measurement_scores_each_active_question(world, questions):
    ImpactQuestionFactory(programme=world.a.programme, text="Niet meer gevraagd", is_active=False)

    measurement = measure(world, {questions[0].pk: 2, questions[1].pk: 4})

    assert measurement.moment == "start"
    assert dict(measurement.scores.values_list("question__text", "score")) == {
        "Leesplezier": 2,
        "Zelfvertrouwen": 4,
    }


def test_every_question_needs_a_score_from_1_to_5(world, questions):
    with pytest.raises(ValidationError) as excinfo:
        measure(world, {questions[0].pk: 6})

    assert {question_field(questions[0].pk), question_field(questions[1].pk)} <= set(
        errors_of(excinfo)
    )
    assert not ImpactMeasurement.objects.exists()


def test_questions_of_other_programmes_or_no_longer_asked_are_refused(world, questions):
    retired = ImpactQuestionFactory(programme=world.a.programme, text="Oud", is_active=False)
    foreign = ImpactQuestionFactory(programme=world.b.programme, text="Leesplezier")

    for extra in (retired, foreign):
        with pytest.raises(ValidationError) as excinfo:
            measure(world, {questions[0].pk: 3, questions[1].pk: 3, extra.pk: 3})
        assert "scores" in errors_of(excinfo)


def test_programme_without_questions_cannot_be_measured(world):
    with pytest.raises(ValidationError) as excinfo:
        measure(world, {})
    assert excinfo.value.code == "no_questions"


def test_start_measurement_may_be_taken_on_the_waitlist_but_not_mid_term(world, questions):
    scores = {questions[0].pk: 3, questions[1].pk: 3}

    assert measure(world, scores, referral=world.a.unmatched_referral).pk
    with pytest.raises(ValidationError):
        measure(world, scores, referral=world.a.unmatched_referral, moment="mid")


def test_measuring_a_moment_again_replaces_its_scores(world, questions):
    first = measure(world, {questions[0].pk: 2, questions[1].pk: 2})
    second = measure(world, {questions[0].pk: 3, questions[1].pk: 5})

    assert first.pk == second.pk
    assert sorted(ImpactScore.objects.values_list("score", flat=True)) == [3, 5]


def test_only_project_leaders_measure_impact(world, questions):
    for user in (world.a.volunteer_user, world.b.project_leader, world.outsider):
        with pytest.raises(PermissionDenied):
            measure(world, {questions[0].pk: 3, questions[1].pk: 3}, user=user)


# --- evaluation page ------------------------------------------------------------------


def eval_url(referral) -> str:
    return reverse("referrals:evaluation_record", args=[referral.pk])


def impact_url(referral) -> str:
    return reverse("referrals:impact_record", args=[referral.pk])


def test_evaluation_form_lists_every_goal_with_result_and_comment(world, client_for, goals):
    response = client_for(world.a.project_leader).get(eval_url(world.a.referral))

    assert response.status_code == 200
    html = text(response)
    for goal in goals:
        assert goal.description in html
        assert f'name="{goal_field(goal.pk)}"' in html
        assert f'name="goal_{goal.pk}_note"' in html
    assert html.count('name="pupil_satisfaction"') == 5
    assert html.count('name="parent_satisfaction"') == 5
    assert shown(response, "Achieved")
    assert shown(response, "Partly achieved")
    assert shown(response, "Not achieved")


def test_project_leader_records_the_mid_term_evaluation(world, client_for, goals):
    client = client_for(world.a.project_leader)

    response = client.post(
        eval_url(world.a.referral),
        {
            "moment": "mid",
            "held_on": timezone.localdate().isoformat(),
            goal_field(goals[0].pk): "achieved",
            f"goal_{goals[0].pk}_note": "Leest elke avond.",
            goal_field(goals[1].pk): "not_achieved",
            "pupil_satisfaction": "4",
            "parent_satisfaction": "3",
            "summary": "Goed op weg.",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(
        "referrals:leader_detail", args=[world.a.referral.pk]
    )
    assert shown(response, "The mid-term evaluation has been saved.")
    evaluation = Evaluation.objects.get(referral=world.a.referral, moment="mid")
    assert (evaluation.pupil_satisfaction, evaluation.parent_satisfaction) == (4, 3)
    assert evaluation.goal_results.get(goal=goals[0]).note == "Leest elke avond."


def test_unscored_goal_is_an_error_next_to_that_goal(world, client_for, goals):
    response = client_for(world.a.project_leader).post(
        eval_url(world.a.referral),
        {
            "moment": "mid",
            "held_on": timezone.localdate().isoformat(),
            goal_field(goals[0].pk): "achieved",
        },
    )

    assert response.status_code == 200
    assert f'id="id_{goal_field(goals[1].pk)}_error"' in text(response)
    assert shown(response, "Score this goal.")
    assert not Evaluation.objects.exists()


def test_future_evaluation_date_is_a_form_error(world, client_for, goals):
    response = client_for(world.a.project_leader).post(
        eval_url(world.a.referral),
        {
            "moment": "end",
            "held_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            goal_field(goals[0].pk): "achieved",
            goal_field(goals[1].pk): "achieved",
        },
    )

    assert response.status_code == 200
    assert shown(response, "The evaluation cannot have been held in the future.")


def test_recorded_evaluation_is_shown_in_the_form_to_correct(world, client_for, goals):
    evaluation = EvaluationFactory(
        referral=world.a.referral, moment="mid", summary="Eerste indruk.", pupil_satisfaction=2
    )
    GoalEvaluation.objects.create(evaluation=evaluation, goal=goals[0], result="partly")

    response = client_for(world.a.project_leader).get(eval_url(world.a.referral) + "?moment=mid")

    html = text(response)
    assert "Eerste indruk." in html
    assert checked_value(html, goal_field(goals[0].pk)) == "partly"
    assert checked_value(html, "pupil_satisfaction") == "2"
    assert checked_value(html, "moment") == "mid"
    # without a choice, the form is for the next evaluation: the end evaluation
    default = text(client_for(world.a.project_leader).get(eval_url(world.a.referral)))
    assert checked_value(default, "moment") == "end"
    assert "Eerste indruk." not in default


def test_evaluation_page_for_a_waiting_pupil_sends_back_with_a_message(world, client_for):
    response = client_for(world.a.project_leader).get(
        eval_url(world.a.unmatched_referral), follow=True
    )

    assert response.redirect_chain
    assert shown(response, "An evaluation is held once the pupil has been matched.")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("outsider", 403),
        ("a.volunteer_user", 403),
        ("a.school_referrer", 403),
        ("b.project_leader", 404),
    ],
)
def test_evaluation_and_impact_pages_are_for_the_initiatives_leaders(
    world, client_for, goals, questions, who, status
):
    user = world.outsider if who == "outsider" else getattr(getattr(world, who[0]), who[2:])
    client = client_for(user)

    for url in (eval_url(world.a.referral), impact_url(world.a.referral)):
        response = client.get(url)
        assert response.status_code == status
        assert world.a.pupil.full_name not in text(response)
        assert client.post(url, {"moment": "mid"}).status_code == status
    assert not Evaluation.objects.exists()
    assert not ImpactMeasurement.objects.exists()


# --- impact page ---------------------------------------------------------------------


def test_impact_form_asks_the_programmes_questions_on_a_1_to_5_scale(world, client_for, questions):
    ImpactQuestionFactory(programme=world.a.programme, text="Niet meer gevraagd", is_active=False)
    ImpactQuestionFactory(programme=world.b.programme, text="Spreekvaardigheid")

    response = client_for(world.a.project_leader).get(impact_url(world.a.referral))

    html = text(response)
    assert "Leesplezier" in html and "Zelfvertrouwen" in html
    assert "Niet meer gevraagd" not in html
    assert "Spreekvaardigheid" not in html
    for question in questions:
        assert html.count(f'name="{question_field(question.pk)}"') == 5


def test_project_leader_records_an_impact_measurement(world, client_for, questions):
    client = client_for(world.a.project_leader)

    response = client.post(
        impact_url(world.a.referral),
        {
            "moment": "start",
            "measured_on": timezone.localdate().isoformat(),
            question_field(questions[0].pk): "2",
            question_field(questions[1].pk): "5",
        },
    )

    assert response.status_code == 302
    measurement = ImpactMeasurement.objects.get(referral=world.a.referral, moment="start")
    assert dict(measurement.scores.values_list("question_id", "score")) == {
        questions[0].pk: 2,
        questions[1].pk: 5,
    }
    # the next visit shows what was measured, per question and moment
    page = text(client.get(impact_url(world.a.referral)))
    assert 'id="impact-so-far"' in page


def test_missing_impact_score_is_a_form_error(world, client_for, questions):
    response = client_for(world.a.project_leader).post(
        impact_url(world.a.referral),
        {
            "moment": "mid",
            "measured_on": timezone.localdate().isoformat(),
            question_field(questions[0].pk): "3",
        },
    )

    assert response.status_code == 200
    assert f'id="id_{question_field(questions[1].pk)}_error"' in text(response)
    assert not ImpactMeasurement.objects.exists()


def test_impact_page_says_so_when_the_programme_has_no_questions(world, client_for):
    response = client_for(world.a.project_leader).get(impact_url(world.a.referral))

    assert response.status_code == 200
    assert shown(
        response, "This programme has no impact questions yet. Add them to the programme first."
    )
    assert '<form method="post" class="utrecht-form site-touch-form"' not in text(response)


def test_impact_page_query_count_does_not_grow_with_questions(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.a.project_leader)

    def count():
        with django_assert_max_num_queries(20) as captured:
            assert client.get(impact_url(world.a.referral)).status_code == 200
        return len(captured.captured_queries)

    first = ImpactQuestionFactory(programme=world.a.programme, text="Vraag 0")
    measure(world, {first.pk: 3})
    few = count()
    more = [
        ImpactQuestionFactory(programme=world.a.programme, text=f"Vraag {n}") for n in range(1, 8)
    ]
    measure(world, {q.pk: 4 for q in [first, *more]}, moment="mid")

    assert count() == few
