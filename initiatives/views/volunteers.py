"""The project leader's volunteer list and a volunteer's record, profile, availability and status.

A volunteer sees their own record read-only; the rest is for the initiative's
project leaders.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import leader_required
from audit.services import Action, note, note_record
from core import name_search
from municipality.models import Neighbourhood

from .. import selectors, services
from ..forms import (
    AvailabilityFormSet,
    StatusForm,
    VolunteerFilterForm,
    VolunteerForm,
    availability_initial,
)
from ..models import Programme
from .common import add_errors, to_detail


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

# A name typed in the search never goes into the address (core.name_search):
# the list's address carries only its key, besides the status and programme.
VOLUNTEERS_PER_PAGE = 25


def _list_url(request, data: dict) -> str:
    """The list's address for these filters; a name search is stored, not put in it."""
    params: dict[str, str] = {}
    if data["status"]:
        params["status"] = data["status"]
    if data["programme"] is not None:
        params["programme"] = str(data["programme"].pk)
    if data["q"]:
        params[name_search.SEARCH_PARAM] = name_search.remember(
            request, data["q"], kind="volunteer"
        )
    url = reverse("initiatives:volunteer_list")
    return f"{url}?{urlencode(params)}" if params else url


def _filters_from_url(request):
    """The filters of the address; the name from the session, never from the address."""
    data = request.GET.copy()
    data.pop("q", None)  # an old bookmark's ?q= is ignored
    key = data.pop(name_search.SEARCH_PARAM, [""])[-1]
    if key:
        name = name_search.recall(request, key, kind="volunteer")
        if name is None:
            messages.info(request, _("This search by name has expired; search again."))
        else:
            data["q"] = name
    return data


@leader_required
@require_http_methods(["GET", "HEAD", "POST"])
def volunteer_list(request):
    user = request.user
    programmes = (
        Programme.objects.managed_by(user)
        .select_related("initiative")
        .order_by("initiative__name", "-is_active", "name")
    )
    if request.method == "POST":
        form = VolunteerFilterForm(request.POST, programmes=programmes)
        if form.is_valid():
            return redirect(_list_url(request, form.cleaned_data))
    else:
        form = VolunteerFilterForm(_filters_from_url(request) or None, programmes=programmes)
    status, programme, search = selectors.CURRENT, None, ""
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or selectors.CURRENT
        programme = form.cleaned_data["programme"]
        search = form.cleaned_data["q"]
    volunteers = selectors.volunteer_queryset(
        user=user, status=status, programme=programme, search=search
    )
    page = Paginator(volunteers, VOLUNTEERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.volunteer_rows(list(page.object_list))
    note(request, "volunteer", [row.volunteer.pk for row in rows])
    return render(
        request,
        "initiatives/volunteer_list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
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
                availability_errors = add_errors(form, error)
            else:
                note_record(request, volunteer, Action.CREATE)
                messages.success(
                    request,
                    _("%(name)s has been added as an applicant.") % {"name": volunteer.full_name},
                )
                return to_detail(volunteer)
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
                add_errors(form, error)
            else:
                messages.success(request, _("The profile has been saved."))
                return to_detail(volunteer)
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
                availability_errors = add_errors(None, error)
            else:
                messages.success(request, _("The availability has been saved."))
                return to_detail(volunteer)
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
                add_errors(form, error)
            else:
                volunteer.refresh_from_db()
                messages.success(
                    request,
                    _("The status of %(name)s is now “%(status)s”.")
                    % {"name": volunteer.full_name, "status": volunteer.get_status_display()},
                )
                return to_detail(volunteer)
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
