"""Evaluations, impact measurements and the certificate of participation.

For the initiative's project leaders only (``leader_required``: others get
403); a referral or participant of another initiative is 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.scope import scope_for

from .. import selectors
from ..forms.evaluations import EvaluationForm, ImpactMeasurementForm
from ..models import (
    ContactMoment,
    Evaluation,
    Goal,
    ImpactMeasurement,
    Match,
    MatchParticipant,
    Referral,
)
from ..services import evaluations as evaluation_services
from ..services.evaluations import EVALUATION_STATUSES, IMPACT_STATUSES, active_questions
from .leader import _add_errors, leader_required


def _to_detail(referral: Referral):
    return redirect("referrals:leader_detail", pk=referral.pk)


def _chosen(request, values, default: str) -> str:
    moment = request.GET.get("moment")
    return moment if moment in values else default


# --- evaluation ----------------------------------------------------------------


@leader_required
def evaluation_record(request, pk: int):
    """Mid-term or end evaluation: each goal scored, satisfaction, summary."""
    referral = selectors.leader_referral_detail(user=request.user, pk=pk)
    if referral.status not in EVALUATION_STATUSES:
        messages.error(request, _("An evaluation is held once the pupil has been matched."))
        return _to_detail(referral)
    goals = list(Goal.objects.filter(plan__referral=referral).order_by("review_date", "pk"))
    recorded = {
        e.moment: e
        for e in Evaluation.objects.filter(referral=referral).prefetch_related("goal_results")
    }
    if request.method == "POST":
        form = EvaluationForm(request.POST, goals=goals)
        if form.is_valid():
            try:
                evaluation_services.evaluation_record(
                    user=request.user, referral=referral, **form.service_kwargs()
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                saved = {
                    Evaluation.Moment.MID: _("The mid-term evaluation has been saved."),
                    Evaluation.Moment.END: _("The final evaluation has been saved."),
                }
                messages.success(request, saved[form.cleaned_data["moment"]])
                return _to_detail(referral)
        moment = form["moment"].value() or ""
    else:
        default = Evaluation.Moment.END if Evaluation.Moment.MID in recorded else "mid"
        moment = _chosen(request, Evaluation.Moment.values, default)
        form = EvaluationForm(
            goals=goals,
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
                    _add_errors(form, error)
                else:
                    messages.success(request, _("The impact measurement has been saved."))
                    return _to_detail(referral)
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


@dataclass(frozen=True)
class Certificate:
    pupil_name: str
    programme: str
    initiative: str
    start: dt.date
    end: dt.date
    sessions_held: int
    signed_by: str
    issued_on: dt.date


def certificate_available(participant: MatchParticipant) -> bool:
    """Only for a pupil whose guidance was completed: match completed, referral completed."""
    return (
        participant.match.end_reason == Match.EndReason.COMPLETED
        and participant.referral.status == Referral.Status.COMPLETED
    )


def certificate_for(participant: MatchParticipant, *, signed_by) -> Certificate:
    """The facts on the certificate, over the whole guidance of the referral.

    A replaced volunteer means more than one match for the same referral: the
    period runs from the first day in any of them and the sessions of all count.
    """
    participations = list(
        MatchParticipant.objects.filter(referral_id=participant.referral_id).select_related("match")
    )
    windows = Q()
    ends = []
    for p in participations:
        end = p.left_on or p.match.end_date
        window = Q(match_id=p.match_id, date__gte=p.joined_on)
        if end:
            window &= Q(date__lte=end)
            ends.append(end)
        windows |= window
    sessions_held = (
        ContactMoment.objects.filter(
            windows, kind=ContactMoment.Kind.SESSION, attendance=ContactMoment.Attendance.HELD
        )
        .exclude(absent_pupils=participant.pupil_id)
        .count()
    )
    programme = participant.match.programme
    return Certificate(
        pupil_name=participant.pupil.full_name,
        programme=programme.name,
        initiative=programme.initiative.name,
        start=min(p.joined_on for p in participations),
        end=max(ends) if ends else participant.match.end_date,
        sessions_held=sessions_held,
        signed_by=signed_by.get_full_name() or signed_by.email,
        issued_on=timezone.localdate(),
    )


def certificate_html(certificate: Certificate) -> str:
    return render_to_string("referrals/evaluations/certificate.html", {"c": certificate})


def certificate_pdf(certificate: Certificate) -> bytes:
    import weasyprint  # heavy import; only when a certificate is made

    return weasyprint.HTML(string=certificate_html(certificate)).write_pdf()


@leader_required
def certificate(request, pk: int):
    """The Bewijs van Deelname as a PDF download, once the match was completed."""
    scope = scope_for(request.user)
    qs = MatchParticipant.objects.select_related(
        "pupil", "referral", "match__programme__initiative"
    )
    if not scope.is_superuser:
        qs = qs.filter(match__programme__initiative_id__in=scope.led_initiative_ids)
    participant = get_object_or_404(qs, pk=pk)
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
