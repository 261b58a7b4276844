"""The mid-term or end evaluation, and the impact measurement.

Both forms build one field per goal or question; the field names are the
ones ``referrals.services.evaluations`` uses for its errors, so a refusal
lands next to the goal or question it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Evaluation, Goal, GoalEvaluation, ImpactMeasurement, ImpactQuestion
from ..services.evaluations import goal_field, question_field
from .leader import DATE_WIDGET

SATISFACTION_CHOICES = [
    (1, _("1 - not satisfied at all")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 - very satisfied")),
]
SCORE_CHOICES = [
    (1, _("1 - not at all")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 - very much")),
]


def _optional_int(value):
    return int(value) if value not in (None, "") else None


@dataclass
class GoalRow:
    goal: Goal
    result: BoundField
    note: BoundField


class EvaluationForm(forms.Form):
    moment = forms.ChoiceField(
        label=_("Evaluation"), choices=Evaluation.Moment.choices, widget=forms.RadioSelect
    )
    held_on = forms.DateField(label=_("Held on"), widget=DATE_WIDGET)
    pupil_satisfaction = forms.TypedChoiceField(
        label=_("How satisfied is the pupil?"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    parent_satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are the parents?"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the guidance is going and what was agreed for the next period."),
    )

    # The fields above the goals; the goals come after, then satisfaction and summary.
    top_fields = ("moment", "held_on")
    bottom_fields = ("pupil_satisfaction", "parent_satisfaction", "summary")
    satisfaction_fields = ("pupil_satisfaction", "parent_satisfaction")

    def __init__(self, *args, goals: Sequence[Goal], adult: bool = False, **kwargs):
        initial = {"held_on": timezone.localdate(), **kwargs.pop("initial", {})}
        super().__init__(*args, initial=initial, **kwargs)
        self.adult = adult
        if adult:
            self._for_adults()
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[goal_field(goal.pk)] = forms.ChoiceField(
                label=_("Result"),
                choices=GoalEvaluation.Result.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Score this goal.")},
            )
            self.fields[f"goal_{goal.pk}_note"] = forms.CharField(
                label=_("Comment"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def _for_adults(self) -> None:
        """Held with the coach and the learner: the learner's and the coach's view, no parents."""
        self.fields["pupil_satisfaction"].label = _("How satisfied is the learner?")
        del self.fields["parent_satisfaction"]
        self.fields["coach_satisfaction"] = forms.TypedChoiceField(
            label=_("How satisfied is the coach?"),
            choices=SATISFACTION_CHOICES,
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
        )
        self.fields["summary"].help_text = _(
            "How the coaching is going, in the words of the coach and the learner, and what "
            "was agreed for the next period."
        )
        self.bottom_fields = ("pupil_satisfaction", "coach_satisfaction", "summary")
        self.satisfaction_fields = ("pupil_satisfaction", "coach_satisfaction")

    def satisfaction(self) -> list[BoundField]:
        """The satisfaction questions this evaluation asks, in their order."""
        return [self[name] for name in self.satisfaction_fields]

    @staticmethod
    def initial_from(evaluation: Evaluation | None) -> dict:
        if evaluation is None:
            return {}
        initial = {
            "moment": evaluation.moment,
            "held_on": evaluation.held_on,
            "pupil_satisfaction": evaluation.pupil_satisfaction,
            "parent_satisfaction": evaluation.parent_satisfaction,
            "coach_satisfaction": evaluation.coach_satisfaction,
            "summary": evaluation.summary,
        }
        for result in evaluation.goal_results.all():
            initial[goal_field(result.goal_id)] = result.result
            initial[f"goal_{result.goal_id}_note"] = result.note
        return initial

    def goal_rows(self) -> list[GoalRow]:
        return [
            GoalRow(goal=g, result=self[goal_field(g.pk)], note=self[f"goal_{g.pk}_note"])
            for g in self.goals
        ]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "moment": data["moment"],
            "held_on": data["held_on"],
            "summary": data.get("summary") or "",
            "pupil_satisfaction": _optional_int(data.get("pupil_satisfaction")),
            "parent_satisfaction": _optional_int(data.get("parent_satisfaction")),
            "coach_satisfaction": _optional_int(data.get("coach_satisfaction")),
            "goal_results": [
                (g.pk, data[goal_field(g.pk)], data.get(f"goal_{g.pk}_note") or "")
                for g in self.goals
            ],
        }


class ImpactMeasurementForm(forms.Form):
    moment = forms.ChoiceField(
        label=_("Measurement"), choices=ImpactMeasurement.Moment.choices, widget=forms.RadioSelect
    )
    measured_on = forms.DateField(label=_("Measured on"), widget=DATE_WIDGET)

    def __init__(self, *args, questions: Sequence[ImpactQuestion], **kwargs):
        initial = {"measured_on": timezone.localdate(), **kwargs.pop("initial", {})}
        super().__init__(*args, initial=initial, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question_field(question.pk)] = forms.TypedChoiceField(
                label=question.text,
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Give a score from 1 to 5.")},
            )

    @staticmethod
    def initial_from(measurement: ImpactMeasurement | None) -> dict:
        if measurement is None:
            return {}
        initial = {"moment": measurement.moment, "measured_on": measurement.measured_on}
        for score in measurement.scores.all():
            initial[question_field(score.question_id)] = score.score
        return initial

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "moment": data["moment"],
            "measured_on": data["measured_on"],
            "scores": {q.pk: data[question_field(q.pk)] for q in self.questions},
        }
