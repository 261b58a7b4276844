"""Evaluations, impact measurements and the certificate of participation.

For the initiative's project leaders only (``leader_required``: others get
403); a referral or participant of another initiative is 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.decorators import leader_required
from core.submissions import once_per_submission

from .. import selectors
from ..certificates import certificate_available, certificate_for, certificate_pdf, led_participant
from ..forms.evaluations import EvaluationForm, ImpactMeasurementForm
from ..models import Evaluation, Goal, ImpactMeasurement
from ..services import evaluations as evaluation_services
from ..services.evaluations import EVALUATION_STATUSES, IMPACT_STATUSES, active_questions
from .common import add_errors, to_leader_detail


def _chosen(request, values, default: str) -> str:
    moment = request.GET.get("moment")
    return moment if moment in values else default


# --- evaluation ----------------------------------------------------------------


@leader_required
@once_per_submission
def evaluation_record(request, pk: int):
    """Mid-term or end evaluation: each goal scored, satisfaction, summary.

    In a programme for adults it is held with the coach and the learner: the
    form asks their satisfaction, not the parents'.
    """
    referral = selectors.leader_referral_detail(user=request.user, pk=pk)
    if referral.status not in EVALUATION_STATUSES:
        messages.error(request, _("An evaluation is held once the pupil has been matched."))
        return to_leader_detail(referral)
    goals = list(Goal.objects.filter(plan__referral=referral).order_by("review_date", "pk"))
    adult = evaluation_services.is_adult_programme(referral.programme)
    recorded = {
        e.moment: e
        for e in Evaluation.objects.filter(referral=referral).prefetch_related("goal_results")
    }
    if request.method == "POST":
        form = EvaluationForm(request.POST, goals=goals, adult=adult)
        if form.is_valid():
            try:
                evaluation_services.evaluation_record(
                    user=request.user, referral=referral, **form.service_kwargs()
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                saved = {
                    Evaluation.Moment.MID: _("The mid-term evaluation has been saved."),
                    Evaluation.Moment.END: _("The final evaluation has been saved."),
                }
                messages.success(request, saved[form.cleaned_data["moment"]])
                return to_leader_detail(referral)
        moment = form["moment"].value() or ""
    else:
        default = Evaluation.Moment.END if Evaluation.Moment.MID in recorded else "mid"
        moment = _chosen(request, Evaluation.Moment.values, default)
        form = EvaluationForm(
            goals=goals,
            adult=adult,
            initial={"moment": moment, **EvaluationForm.initial_from(recorded.get(moment))},
        )
    return render(
        request,
        "referrals/evaluations/evaluation_form.html",
        {
            "referral": referral,
            "form": form,
            "goal_rows": form.goal_rows(),
            "recorded": [recorded[m] for m in Evaluation.Moment.values if m in recorded],
            "replaces": recorded.get(moment),
            "adult": adult,
        },
    )


# --- impact measurement ----------------------------------------------------------


@dataclass
class ScoreRow:
    question: str
    scores: list[int | None]  # per moment, in the order of ImpactMeasurement.Moment


@leader_required
def impact_record(request, pk: int):
    """Scores 1-5 on the programme's questions at start, mid-term or end."""
    referral = selectors.leader_referral_detail(user=request.user, pk=pk)
    questions = active_questions(referral.programme)
    measurements = {
        m.moment: m
        for m in ImpactMeasurement.objects.filter(referral=referral).prefetch_related(
            "scores__question"
        )
    }
    allowed = [m for m in ImpactMeasurement.Moment.values if referral.status in IMPACT_STATUSES[m]]
    form = None
    if questions and allowed:
        if request.method == "POST":
            form = ImpactMeasurementForm(request.POST, questions=questions)
            form.fields["moment"].choices = [
                c for c in ImpactMeasurement.Moment.choices if c[0] in allowed
            ]
            if form.is_valid():
                try:
                    evaluation_services.impact_measurement_record(
                        user=request.user, referral=referral, **form.service_kwargs()
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    messages.success(request, _("The impact measurement has been saved."))
                    return to_leader_detail(referral)
        else:
            default = next((m for m in allowed if m not in measurements), allowed[-1])
            moment = _chosen(request, allowed, default)
            form = ImpactMeasurementForm(
                questions=questions,
                initial={
                    "moment": moment,
                    **ImpactMeasurementForm.initial_from(measurements.get(moment)),
                },
            )
            form.fields["moment"].choices = [
                c for c in ImpactMeasurement.Moment.choices if c[0] in allowed
            ]
    # What was measured so far, per question and moment, to show change.
    by_question: dict[int, ScoreRow] = {}
    moments = ImpactMeasurement.Moment.values
    for question in questions:
        by_question[question.pk] = ScoreRow(question=question.text, scores=[None] * len(moments))
    for moment, measurement in measurements.items():
        for score in measurement.scores.all():
            row = by_question.setdefault(
                score.question_id,
                ScoreRow(question=score.question.text, scores=[None] * len(moments)),
            )
            row.scores[moments.index(moment)] = score.score
    return render(
        request,
        "referrals/evaluations/impact_form.html",
        {
            "referral": referral,
            "form": form,
            "questions": questions,
            "score_rows": list(by_question.values()) if measurements else [],
            "moment_labels": [label for _value, label in ImpactMeasurement.Moment.choices],
            "measurements": [measurements[m] for m in moments if m in measurements],
        },
    )


# --- certificate of participation -----------------------------------------------


@leader_required
def certificate(request, pk: int):
    """The Bewijs van Deelname as a PDF download, once the match was completed."""
    participant = led_participant(user=request.user, pk=pk)
    if not certificate_available(participant):
        return render(
            request,
            "referrals/evaluations/certificate_unavailable.html",
            {"participant": participant},
            status=404,
        )
    facts = certificate_for(participant, signed_by=request.user)
    response = HttpResponse(certificate_pdf(facts), content_type="application/pdf")
    filename = f"{slugify(_('certificate of participation'))}-{slugify(facts.pupil_name)}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("intake/<int:pk>/evaluatie/", evaluation_record, name="evaluation_record"),
    path("intake/<int:pk>/impactmeting/", impact_record, name="impact_record"),
    path("deelnames/<int:pk>/bewijs-van-deelname/", certificate, name="certificate"),
]
