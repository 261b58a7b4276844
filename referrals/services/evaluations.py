"""Evaluations of the action plan and impact measurements. Project leaders only.

A referral has at most one evaluation per moment (mid-term, end) and one
impact measurement per moment (start, mid-term, end); the database enforces
it. Recording a moment that was recorded before **corrects** it: the earlier
answers are replaced (the forms show them, so nothing is lost by accident).
That keeps one way to fix a typo, and the unique constraint stays the rule.

Errors name the form fields they belong to: ``goal_<pk>_result`` for a goal,
``question_<pk>`` for an impact question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from initiatives.models import Programme

from ..models import (
    Evaluation,
    Goal,
    GoalEvaluation,
    ImpactMeasurement,
    ImpactQuestion,
    ImpactScore,
    MatchParticipant,
    Referral,
)
from .anonymised import ensure_not_anonymised

S = Referral.Status
# An evaluation looks back on the guidance, so the pupil has been matched.
EVALUATION_STATUSES = frozenset({S.MATCHED, S.COMPLETED, S.STOPPED_EARLY})
# The start measurement may be taken before the match, during intake or on the waitlist.
IMPACT_STATUSES = {
    ImpactMeasurement.Moment.START: frozenset(
        {S.INTAKE, S.WAITING, S.MATCHED, S.COMPLETED, S.STOPPED_EARLY}
    ),
    ImpactMeasurement.Moment.MID: EVALUATION_STATUSES,
    ImpactMeasurement.Moment.END: EVALUATION_STATUSES,
}
SATISFACTION_RANGE = range(1, 6)
SCORE_RANGE = range(1, 6)


def _require_leader(user, referral: Referral) -> None:
    if not scope_for(user).leads(referral.programme.initiative_id):
        raise PermissionDenied(_("Only the initiative's project leaders can do this."))


def is_adult_programme(programme) -> bool:
    """A programme for adults: its evaluation is with the coach and the learner."""
    return programme.audience == Programme.Audience.ADULTS


def goal_field(goal_id: int) -> str:
    return f"goal_{goal_id}_result"


def question_field(question_id: int) -> str:
    return f"question_{question_id}"


def active_questions(programme) -> list[ImpactQuestion]:
    """The questions the programme asks now, in their order."""
    return list(
        ImpactQuestion.objects.filter(programme=programme, is_active=True).order_by("order", "pk")
    )


def _guidance_started_on(referral: Referral) -> dt.date | None:
    return MatchParticipant.objects.filter(referral=referral).aggregate(first=Min("joined_on"))[
        "first"
    ]


@transaction.atomic
def evaluation_record(
    *,
    user,
    referral: Referral,
    moment: str,
    held_on: dt.date,
    summary: str = "",
    goal_results: Iterable[tuple[int, str, str]],
    pupil_satisfaction: int | None = None,
    parent_satisfaction: int | None = None,
    coach_satisfaction: int | None = None,
) -> Evaluation:
    """Record (or correct) the mid-term or end evaluation of a referral's action plan.

    ``goal_results`` has one ``(goal_id, result, note)`` for every goal of
    the action plan: each goal is scored once. In a programme for adults the
    evaluation is held with the coach and the learner: ``pupil_satisfaction``
    is the learner's, ``coach_satisfaction`` the coach's, and there are no
    parents; a pupil's evaluation asks the parents, not the coach.
    """
    _require_leader(user, referral)
    ensure_not_anonymised(pupils=[referral.pupil_id])
    if referral.status not in EVALUATION_STATUSES:
        raise ValidationError(
            _("An evaluation is held once the pupil has been matched; this referral is “%(s)s”.")
            % {"s": referral.get_status_display()},
            code="not_matched",
        )
    errors: dict[str, str] = {}
    if moment not in Evaluation.Moment.values:
        errors["moment"] = _("Choose mid-term or end evaluation.")
    if held_on is None:
        errors["held_on"] = _("Give the date of the evaluation.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("The evaluation cannot have been held in the future.")
    else:
        started = _guidance_started_on(referral)
        if started and held_on < started:
            errors["held_on"] = _(
                "The guidance started on %(start)s; the evaluation cannot be earlier."
            ) % {"start": date_format(started, "DATE_FORMAT")}
    for field, value in (
        ("pupil_satisfaction", pupil_satisfaction),
        ("parent_satisfaction", parent_satisfaction),
        ("coach_satisfaction", coach_satisfaction),
    ):
        if value is not None and value not in SATISFACTION_RANGE:
            errors[field] = _("Choose a score from 1 to 5.")
    if is_adult_programme(referral.programme):
        if parent_satisfaction is not None:
            errors["parent_satisfaction"] = _(
                "An adult's evaluation is held with the coach and the learner, without "
                "parents: give the coach's satisfaction instead."
            )
    elif coach_satisfaction is not None:
        errors["coach_satisfaction"] = _(
            "The coach's satisfaction is asked in programmes for adults; a pupil's "
            "evaluation asks the parents."
        )

    goals = {g.pk: g for g in Goal.objects.filter(plan__referral=referral)}
    results: dict[int, tuple[str, str]] = {}
    for goal_id, result, note in goal_results:
        if goal_id not in goals:
            errors["goal_results"] = _("Only the goals of this pupil's action plan can be scored.")
            continue
        if goal_id in results:
            errors[goal_field(goal_id)] = _("Each goal is scored once.")
            continue
        if result not in GoalEvaluation.Result.values:
            errors[goal_field(goal_id)] = _("Choose achieved, partly achieved or not achieved.")
            continue
        results[goal_id] = (result, (note or "").strip())
    for goal_id in goals:
        if goal_id not in results and goal_field(goal_id) not in errors:
            errors[goal_field(goal_id)] = _("Score this goal.")
    if errors:
        raise ValidationError(errors)

    evaluation = (
        Evaluation.objects.select_for_update().filter(referral=referral, moment=moment).first()
    )
    if evaluation is None:
        evaluation = Evaluation(referral=referral, moment=moment)
    evaluation.held_on = held_on
    evaluation.summary = (summary or "").strip()
    evaluation.pupil_satisfaction = pupil_satisfaction
    evaluation.parent_satisfaction = parent_satisfaction
    evaluation.coach_satisfaction = coach_satisfaction
    evaluation.recorded_by = user
    evaluation.save()
    evaluation.goal_results.all().delete()
    GoalEvaluation.objects.bulk_create(
        [
            GoalEvaluation(evaluation=evaluation, goal_id=goal_id, result=result, note=note)
            for goal_id, (result, note) in results.items()
        ]
    )
    return evaluation


@transaction.atomic
def impact_measurement_record(
    *,
    user,
    referral: Referral,
    moment: str,
    measured_on: dt.date,
    scores: Mapping[int, int],
) -> ImpactMeasurement:
    """Record (or correct) the scores 1-5 on each active question of the programme.

    Every active question needs a score. Scores a measurement already has on
    questions the programme no longer asks are kept.
    """
    _require_leader(user, referral)
    ensure_not_anonymised(pupils=[referral.pupil_id])
    if moment not in ImpactMeasurement.Moment.values:
        raise ValidationError({"moment": _("Choose start, mid-term or end.")})
    if referral.status not in IMPACT_STATUSES[moment]:
        raise ValidationError(
            _("This measurement cannot be taken while the referral is “%(s)s”.")
            % {"s": referral.get_status_display()},
            code="wrong_status",
        )
    questions = active_questions(referral.programme)
    if not questions:
        raise ValidationError(
            _("This programme has no impact questions yet. Add them to the programme first."),
            code="no_questions",
        )
    errors: dict[str, str] = {}
    if measured_on is None:
        errors["measured_on"] = _("Give the date of the measurement.")
    elif measured_on > timezone.localdate():
        errors["measured_on"] = _("The measurement cannot have been taken in the future.")
    asked = {q.pk for q in questions}
    if set(scores) - asked:
        errors["scores"] = _("Only the questions this programme asks can be scored.")
    for question in questions:
        score = scores.get(question.pk)
        if score is None:
            errors[question_field(question.pk)] = _("Give a score from 1 to 5.")
        elif score not in SCORE_RANGE:
            errors[question_field(question.pk)] = _("The score is from 1 to 5.")
    if errors:
        raise ValidationError(errors)

    measurement = (
        ImpactMeasurement.objects.select_for_update()
        .filter(referral=referral, moment=moment)
        .first()
    )
    if measurement is None:
        measurement = ImpactMeasurement(referral=referral, moment=moment)
    measurement.measured_on = measured_on
    measurement.recorded_by = user
    measurement.save()
    measurement.scores.filter(question_id__in=asked).delete()
    ImpactScore.objects.bulk_create(
        [ImpactScore(measurement=measurement, question=q, score=scores[q.pk]) for q in questions]
    )
    return measurement
