"""The project leader's volunteer pages, and a volunteer's view of their own record.

Access: signed in (else to the login page). The list and every change:
a project leader of some initiative (else 403) and a volunteer of one's own
initiative (else 404). The detail page: the initiative's project leaders,
or the volunteer themselves (read-only); anyone else gets a 404.

Views are thin: reads come from ``initiatives.selectors``, writes go through
``initiatives.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import leader_required
from municipality.models import Neighbourhood

from . import selectors, services
from .forms import (
    AvailabilityFormSet,
    InitiativeRulesForm,
    IntakeForm,
    StatusForm,
    TrainingCompletionForm,
    TrainingForm,
    VOGForm,
    VolunteerFilterForm,
    VolunteerForm,
    availability_initial,
)
from .models import Programme, Volunteer


def _add_errors(form, error: ValidationError) -> list[str]:
    """Put a service's ValidationError next to the fields it names, or on top.

    Returns the messages about the availability rows (shown above the rows).
    """
    availability: list[str] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            if field == "availability":
                availability.extend(m for e in errors for m in e.messages)
            elif form is not None:
                form.add_error(field if field in form.fields else None, errors)
    elif form is not None:
        form.add_error(None, error)
    return availability


def _to_detail(volunteer: Volunteer):
    return redirect("initiatives:volunteer_detail", pk=volunteer.pk)


def _choices(initiatives) -> dict:
    """The programmes and neighbourhoods a volunteer of these initiatives can choose."""
    ids = [i.pk for i in initiatives]
    programmes = (
        Programme.objects.filter(initiative_id__in=ids)
        .select_related("initiative")
        .order_by("initiative__name", "-is_active", "name")
    )
    neighbourhoods = (
        Neighbourhood.objects.filter(municipality__initiatives__in=ids)
        .select_related("municipality")
        .distinct()
        .order_by("municipality__name", "name")
    )
    return {"programmes": programmes, "neighbourhoods": neighbourhoods}


def _label_choices(form) -> None:
    """Name the municipality / initiative when the choices span more than one."""
    neighbourhoods = form.fields["neighbourhoods"]
    if len({n.municipality_id for n in neighbourhoods.queryset}) > 1:
        neighbourhoods.label_from_instance = lambda n: f"{n.name} ({n.municipality.name})"
    programmes = form.fields["programmes"]
    if len({p.initiative_id for p in programmes.queryset}) > 1:
        programmes.label_from_instance = lambda p: f"{p.name} ({p.initiative.name})"


# --- the list -----------------------------------------------------------------


@leader_required
def volunteer_list(request):
    user = request.user
    programmes = (
        Programme.objects.managed_by(user)
        .select_related("initiative")
        .order_by("initiative__name", "-is_active", "name")
    )
    form = VolunteerFilterForm(request.GET or None, programmes=programmes)
    status, programme, search = selectors.CURRENT, None, ""
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or selectors.CURRENT
        programme = form.cleaned_data["programme"]
        search = form.cleaned_data["q"]
    rows = selectors.volunteer_list(user=user, status=status, programme=programme, search=search)
    return render(
        request,
        "initiatives/volunteer_list.html",
        {
            "form": form,
            "rows": rows,
            "filtered": bool(search or programme or status != selectors.CURRENT),
            "retention": selectors.volunteer_retention(user=user),
            "initiatives": list(selectors.led_initiatives(user).order_by("name")),
        },
    )


# --- one volunteer ------------------------------------------------------------


@login_required
def volunteer_detail(request, pk: int):
    volunteer, can_manage = selectors.volunteer_for_viewer(user=request.user, pk=pk)
    detail = selectors.volunteer_detail(user=request.user, volunteer=volunteer)
    return render(
        request,
        "initiatives/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "detail": detail,
            "row": detail.row,
            "can_manage": can_manage,
            "can_change_status": can_manage
            and bool(services.allowed_transitions(volunteer.status)),
        },
    )


def _render_profile_form(request, *, form, formset, availability_errors, volunteer=None):
    return render(
        request,
        "initiatives/volunteer_form.html",
        {
            "form": form,
            "formset": formset,
            "availability_errors": availability_errors,
            "volunteer": volunteer,
            "cancel_url": reverse("initiatives:volunteer_detail", args=[volunteer.pk])
            if volunteer
            else reverse("initiatives:volunteer_list"),
        },
    )


@leader_required
def volunteer_create(request):
    initiatives = selectors.led_initiatives(request.user).order_by("name")
    if not initiatives.exists():
        messages.error(request, _("There is no initiative to add a volunteer to."))
        return redirect("initiatives:volunteer_list")
    choices = _choices(initiatives)
    availability_errors: list[str] = []
    if request.method == "POST":
        form = VolunteerForm(request.POST, initiatives=initiatives, **choices)
        formset = AvailabilityFormSet(request.POST, prefix="availability")
        if form.is_valid() and formset.is_valid():
            try:
                volunteer = services.volunteer_create(
                    user=request.user,
                    initiative=form.chosen_initiative,
                    profile=form.profile(),
                    availability=formset.slots(),
                )
            except ValidationError as error:
                availability_errors = _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s has been added as an applicant.") % {"name": volunteer.full_name},
                )
                return _to_detail(volunteer)
    else:
        form = VolunteerForm(initiatives=initiatives, **choices)
        formset = AvailabilityFormSet(prefix="availability")
    _label_choices(form)
    return _render_profile_form(
        request, form=form, formset=formset, availability_errors=availability_errors
    )


@leader_required
def volunteer_edit(request, pk: int):
    volunteer = selectors.volunteer_for_leader(user=request.user, pk=pk)
    choices = _choices([volunteer.initiative])
    if request.method == "POST":
        form = VolunteerForm(request.POST, **choices)
        if form.is_valid():
            try:
                services.volunteer_update(
                    user=request.user, volunteer=volunteer, profile=form.profile()
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The profile has been saved."))
                return _to_detail(volunteer)
    else:
        form = VolunteerForm(initial=VolunteerForm.initial_for(volunteer), **choices)
    _label_choices(form)
    return _render_profile_form(
        request, form=form, formset=None, availability_errors=[], volunteer=volunteer
    )


@leader_required
def availability_edit(request, pk: int):
    volunteer = selectors.volunteer_for_leader(user=request.user, pk=pk)
    availability_errors: list[str] = []
    if request.method == "POST":
        formset = AvailabilityFormSet(request.POST, prefix="availability")
        if formset.is_valid():
            try:
                services.volunteer_set_availability(
                    user=request.user, volunteer=volunteer, slots=formset.slots()
                )
            except ValidationError as error:
                availability_errors = _add_errors(None, error)
            else:
                messages.success(request, _("The availability has been saved."))
                return _to_detail(volunteer)
    else:
        formset = AvailabilityFormSet(
            initial=availability_initial(volunteer), prefix="availability"
        )
    return render(
        request,
        "initiatives/availability_form.html",
        {"volunteer": volunteer, "formset": formset, "availability_errors": availability_errors},
    )


@leader_required
def volunteer_status(request, pk: int):
    volunteer = selectors.volunteer_for_leader(user=request.user, pk=pk)
    allowed = services.allowed_transitions(volunteer.status)
    if request.method == "POST":
        form = StatusForm(request.POST, allowed=allowed)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.volunteer_change_status(
                    user=request.user,
                    volunteer=volunteer,
                    to_status=data["to_status"],
                    date=data["date"],
                    reason=data["reason"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                volunteer.refresh_from_db()
                messages.success(
                    request,
                    _("The status of %(name)s is now “%(status)s”.")
                    % {"name": volunteer.full_name, "status": volunteer.get_status_display()},
                )
                return _to_detail(volunteer)
    else:
        form = StatusForm(allowed=allowed, initial={"date": timezone.localdate()})
    suggestions = selectors.stop_reason_suggestions(initiative=volunteer.initiative)
    if suggestions:
        form.fields["reason"].widget.attrs["list"] = "stop-reasons"
    return render(
        request,
        "initiatives/status_form.html",
        {
            "volunteer": volunteer,
            "form": form,
            "allowed": allowed,
            "reason_suggestions": suggestions,
        },
    )


def _action_form(request, volunteer, *, form, call, title, intro, submit, success):
    """A one-form page about one volunteer: on success back to the record."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, success)
            return _to_detail(volunteer)
    return render(
        request,
        "initiatives/action_form.html",
        {"volunteer": volunteer, "form": form, "title": title, "intro": intro, "submit": submit},
    )


def _bound(request, form_class, *, initial=None, **kwargs):
    if request.method == "POST":
        return form_class(request.POST, **kwargs)
    return form_class(initial=initial, **kwargs)


@leader_required
def volunteer_intake(request, pk: int):
    volunteer = selectors.volunteer_for_leader(user=request.user, pk=pk)
    form = _bound(
        request,
        IntakeForm,
        initial={
            "date": volunteer.intake_date or timezone.localdate(),
            "notes": volunteer.intake_notes,
        },
    )
    return _action_form(
        request,
        volunteer,
        form=form,
        call=lambda data: services.volunteer_record_intake(
            user=request.user, volunteer=volunteer, date=data["date"], notes=data["notes"]
        ),
        title=_("Intake talk"),
        intro=_("Record when the intake talk was held and what was discussed."),
        submit=_("Save the intake talk"),
        success=_("The intake talk has been recorded."),
    )


@leader_required
def vog_record(request, pk: int):
    volunteer = selectors.volunteer_for_leader(user=request.user, pk=pk)
    form = _bound(request, VOGForm, initial={"checked_on": timezone.localdate()})
    return _action_form(
        request,
        volunteer,
        form=form,
        call=lambda data: services.vog_record(
            user=request.user,
            volunteer=volunteer,
            issued_on=data["issued_on"],
            checked_on=data["checked_on"],
        ),
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
        return _to_detail(volunteer)
    form = _bound(
        request,
        TrainingCompletionForm,
        initial={"completed_on": timezone.localdate()},
        trainings=trainings,
    )
    return _action_form(
        request,
        volunteer,
        form=form,
        call=lambda data: services.training_record(
            user=request.user,
            volunteer=volunteer,
            training=data["training"],
            completed_on=data["completed_on"],
        ),
        title=_("Record a training"),
        intro=_("Which training did the volunteer follow, and when?"),
        submit=_("Save the training"),
        success=_("The training has been recorded."),
    )


# --- the initiative's rules -----------------------------------------------------


@leader_required
def initiative_settings(request, pk: int):
    initiative = get_object_or_404(selectors.led_initiatives(request.user), pk=pk)
    trainings = initiative.trainings.order_by("name")
    rules_form = InitiativeRulesForm(
        initial=InitiativeRulesForm.initial_for(initiative), trainings=trainings
    )
    training_form = TrainingForm(prefix="training")
    if request.method == "POST":
        if request.POST.get("form") == "training":
            training_form = TrainingForm(request.POST, prefix="training")
            if training_form.is_valid():
                data = training_form.cleaned_data
                try:
                    training = services.training_create(
                        user=request.user,
                        initiative=initiative,
                        name=data["name"],
                        description=data["description"],
                        required=data["required"],
                    )
                except ValidationError as error:
                    _add_errors(training_form, error)
                else:
                    messages.success(
                        request,
                        _("The training “%(name)s” has been added.") % {"name": training.name},
                    )
                    return redirect("initiatives:initiative_settings", pk=initiative.pk)
        else:
            rules_form = InitiativeRulesForm(request.POST, trainings=trainings)
            if rules_form.is_valid():
                data = rules_form.cleaned_data
                try:
                    services.initiative_update_rules(
                        user=request.user,
                        initiative=initiative,
                        vog_max_age_years=data["vog_max_age_years"],
                        required_training_ids=[t.pk for t in data["required_trainings"]],
                        volunteers_log_sessions=data["volunteers_log_sessions"],
                        attention_no_session_weeks=data["attention_no_session_weeks"],
                    )
                except ValidationError as error:
                    _add_errors(rules_form, error)
                else:
                    messages.success(request, _("The rules have been saved."))
                    return redirect("initiatives:initiative_settings", pk=initiative.pk)
    return render(
        request,
        "initiatives/initiative_settings.html",
        {
            "initiative": initiative,
            "trainings": list(trainings.prefetch_related("required_by")),
            "rules_form": rules_form,
            "training_form": training_form,
        },
    )
