"""Contact moments of a match: log one quickly, see the list, correct or delete one.

Logging takes three steps from the home page: home, "Log a session" of a
match, save. The form has today's date, the match's usual session length, a
tutoring session and "held" filled in; after saving the user is back home.

Access: the match must be visible (``Match.objects.visible_to``; a volunteer
sees only their own running matches, so another volunteer's match is 404).
Logging needs ``may_log_moments`` (project leader of the initiative, or the
match's volunteer where the initiative allows it), else 403. The list of
moments holds personal notes: only the initiative's project leaders and the
match's own volunteer see it; a school that can see the match gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from core.submissions import once_per_submission

from ..certificates import certificate_available
from ..forms.sessions import ContactMomentForm
from ..models import ContactMoment, Match, Pupil
from ..services.sessions import (
    contact_moment_delete,
    contact_moment_log,
    contact_moment_update,
    may_change_moment,
    may_log_moments,
)
from .common import add_errors, safe_next


def _visible_match(request, pk: int) -> Match:
    qs = Match.objects.visible_to(request.user).select_related("programme__initiative", "volunteer")
    return get_object_or_404(qs, pk=pk)


def _group_members(match: Match) -> list[Pupil]:
    """The pupils who can be ticked absent: the current group, or everyone once it ended."""
    if match.kind != Match.Kind.GROUP:
        return []
    participants = match.participants.select_related("pupil").order_by(
        "pupil__last_name", "pupil__first_name", "pk"
    )
    if match.is_active:
        participants = participants.filter(left_on__isnull=True)
    return [p.pupil for p in participants]


def _pupil_names(match: Match) -> str:
    return ", ".join(
        p.pupil.full_name
        for p in match.participants.select_related("pupil").order_by(
            "pupil__last_name", "pupil__first_name"
        )
        if p.left_on is None or not match.is_active
    )


def _saved_message(moment: ContactMoment) -> str:
    return _("%(kind)s of %(date)s saved.") % {
        "kind": moment.get_kind_display(),
        "date": date_format(moment.date, "DATE_FORMAT"),
    }


@login_required
@once_per_submission
def session_log(request, pk: int):
    """Step 2 and 3 of the quick log: the prefilled form, and saving it."""
    match = _visible_match(request, pk)
    if not may_log_moments(request.user, match):
        raise PermissionDenied
    members = _group_members(match)
    next_url = safe_next(request) or reverse("home")
    if request.method == "POST":
        form = ContactMomentForm(request.POST, match=match, group_members=members)
        if form.is_valid():
            try:
                moment = contact_moment_log(user=request.user, match=match, **form.service_kwargs())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _saved_message(moment))
                return redirect(next_url)
    else:
        form = ContactMomentForm(match=match, group_members=members)
    return render(
        request,
        "referrals/sessions/log.html",
        {
            "match": match,
            "pupil_names": _pupil_names(match),
            "form": form,
            "next_url": next_url,
            "title": _("Log a session"),
            "submit_label": _("Save"),
        },
    )


@login_required
def match_moments(request, pk: int):
    """All contact moments of one match, newest first, with their notes."""
    user = request.user
    match = _visible_match(request, pk)
    scope = scope_for(user)
    leads = scope.leads(match.programme.initiative_id)
    own = match.volunteer.user_id is not None and match.volunteer.user_id == user.pk
    if not (leads or own):
        raise PermissionDenied
    can_log = may_log_moments(user, match)
    moments = list(
        ContactMoment.objects.visible_to(user)
        .filter(match=match)
        .select_related("pupil", "logged_by")
        .prefetch_related(
            Prefetch("absent_pupils", queryset=Pupil.objects.order_by("last_name", "first_name"))
        )
        .order_by("-date", "-pk")
    )
    for moment in moments:
        moment.can_change = leads or (can_log and moment.logged_by_id == user.pk)
    participants = list(
        match.participants.select_related("pupil", "referral").order_by(
            "pupil__last_name", "pupil__first_name", "pk"
        )
    )
    for participant in participants:
        participant.has_certificate = leads and certificate_available(participant)
    totals = ContactMoment.objects.filter(
        match=match,
        kind=ContactMoment.Kind.SESSION,
        attendance=ContactMoment.Attendance.HELD,
    ).aggregate(sessions=Count("pk"), minutes=Sum("duration_minutes"))
    return render(
        request,
        "referrals/sessions/moments.html",
        {
            "match": match,
            "participants": participants,
            "moments": moments,
            "can_log": can_log,
            "leads": leads,
            "sessions_held": totals["sessions"] or 0,
            "hours_held": round((totals["minutes"] or 0) / 60, 1),
        },
    )


def _changeable_moment(request, pk: int) -> ContactMoment:
    qs = ContactMoment.objects.visible_to(request.user).select_related(
        "match__programme__initiative", "match__volunteer", "pupil"
    )
    moment = get_object_or_404(qs.filter(match__isnull=False), pk=pk)
    if not may_change_moment(request.user, moment):
        raise PermissionDenied
    return moment


@login_required
def moment_edit(request, pk: int):
    moment = _changeable_moment(request, pk)
    match = moment.match
    members = _group_members(match)
    back = reverse("referrals:match_moments", args=[match.pk])
    if request.method == "POST":
        form = ContactMomentForm(request.POST, match=match, group_members=members)
        if form.is_valid():
            try:
                contact_moment_update(user=request.user, moment=moment, **form.service_kwargs())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _saved_message(moment))
                return redirect(back)
    else:
        form = ContactMomentForm(
            match=match, group_members=members, initial=ContactMomentForm.initial_from(moment)
        )
    return render(
        request,
        "referrals/sessions/log.html",
        {
            "match": match,
            "moment": moment,
            "pupil_names": _pupil_names(match),
            "form": form,
            "next_url": back,
            "title": _("Correct a contact moment"),
            "submit_label": _("Save changes"),
        },
    )


@login_required
def moment_delete(request, pk: int):
    moment = _changeable_moment(request, pk)
    back = reverse("referrals:match_moments", args=[moment.match_id])
    if request.method == "POST":
        try:
            contact_moment_delete(user=request.user, moment=moment)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The contact moment has been deleted."))
        return redirect(back)
    return render(request, "referrals/sessions/delete.html", {"moment": moment, "back_url": back})


urlpatterns = [
    path("koppelingen/<int:pk>/sessie-vastleggen/", session_log, name="session_log"),
    path("koppelingen/<int:pk>/contactmomenten/", match_moments, name="match_moments"),
    path("contactmomenten/<int:pk>/bewerken/", moment_edit, name="moment_edit"),
    path("contactmomenten/<int:pk>/verwijderen/", moment_delete, name="moment_delete"),
]
