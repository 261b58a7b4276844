"""Screening a volunteer: the intake talk, a VOG, a training followed.

Each is a page with one form whose fields are the keyword arguments of one
service; on success it goes back to the volunteer's record.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import leader_required

from .. import selectors, services
from ..forms import IntakeForm, TrainingCompletionForm, VOGForm
from .common import add_errors, bound, to_detail


def _action_form(
    request,
    volunteer,
    form_class,
    *,
    service,
    initial,
    title,
    intro,
    submit,
    success,
    form_kwargs=None,
):
    """Show ``form_class``; a valid post calls ``service(user, volunteer, **cleaned_data)``."""
    form = bound(request, form_class, initial=initial, **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        try:
            service(user=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, success)
            return to_detail(volunteer)
    return render(
        request,
        "initiatives/action_form.html",
        {"volunteer": volunteer, "form": form, "title": title, "intro": intro, "submit": submit},
    )


@leader_required
def volunteer_intake(request, pk: int):
    volunteer = selectors.volunteer_for_leader(user=request.user, pk=pk)
    return _action_form(
        request,
        volunteer,
        IntakeForm,
        service=services.volunteer_record_intake,
        initial={
            "date": volunteer.intake_date or timezone.localdate(),
            "notes": volunteer.intake_notes,
        },
        title=_("Intake talk"),
        intro=_("Record when the intake talk was held and what was discussed."),
        submit=_("Save the intake talk"),
        success=_("The intake talk has been recorded."),
    )


@leader_required
def vog_record(request, pk: int):
    volunteer = selectors.volunteer_for_leader(user=request.user, pk=pk)
    return _action_form(
        request,
        volunteer,
        VOGForm,
        service=services.vog_record,
        initial={"checked_on": timezone.localdate()},
        title=_("Record a VOG"),
        intro=_(
            "Look at the original certificate of conduct (VOG) and record its issue date. "
            "A VOG is valid for %(years)s years in this initiative."
        )
        % {"years": volunteer.initiative.vog_max_age_years},
        submit=_("Save the VOG"),
        success=_("The VOG has been recorded."),
    )


@leader_required
def training_record(request, pk: int):
    volunteer = selectors.volunteer_for_leader(user=request.user, pk=pk)
    trainings = volunteer.initiative.trainings.exclude(completions__volunteer=volunteer).order_by(
        "name"
    )
    if request.method == "GET" and not trainings.exists():
        messages.info(
            request,
            _("There is no training left to record. Add trainings in the initiative's settings."),
        )
        return to_detail(volunteer)
    return _action_form(
        request,
        volunteer,
        TrainingCompletionForm,
        service=services.training_record,
        initial={"completed_on": timezone.localdate()},
        form_kwargs={"trainings": trainings},
        title=_("Record a training"),
        intro=_("Which training did the volunteer follow, and when?"),
        submit=_("Save the training"),
        success=_("The training has been recorded."),
    )
