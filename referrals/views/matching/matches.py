"""The matches themselves: the list, one match, and the changes a project leader
makes to a running one (end it, replace the volunteer, a group's members).

Project leaders see their initiatives' matches; a volunteer sees their own
running matches (``selectors.matches_for``) and may not change them (403).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scope import scope_for
from audit.services import Action, note, note_record
from initiatives.models import Programme

from ... import selectors
from ...forms.matching import (
    AddParticipantForm,
    MatchEndForm,
    MatchReplaceForm,
    RemoveParticipantForm,
)
from ...models import Match
from ...services import (
    match_add_participant,
    match_end,
    match_remove_participant,
    match_replace_volunteer,
)
from ..common import add_errors

MATCHES_PER_PAGE = 25
STATUS_FILTERS = {"active": gettext_lazy("Active"), "ended": gettext_lazy("Ended")}


def matching_user_required(view):
    """Signed in, and project leader or volunteer somewhere (or administrator)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = scope_for(request.user)
        if not (scope.is_superuser or scope.led_initiative_ids or scope.volunteer_initiative_ids):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _led_match(request, pk: int) -> Match:
    """A match the user may see (else 404) and change as project leader (else 403)."""
    match = selectors.match_detail(user=request.user, pk=pk)
    if not scope_for(request.user).leads(match.programme.initiative_id):
        raise PermissionDenied
    return match


def running_match_change(view):
    """For a change to a running match: the view gets the match instead of its pk.

    The match must be visible (else 404) and the user its project leader
    (else 403); an ended match is refused with a message.
    """

    @matching_user_required
    @wraps(view)
    def wrapper(request, pk: int, **kwargs):
        match = _led_match(request, pk)
        if not match.is_active:
            messages.error(request, _("This match has already ended."))
            return redirect("referrals:match_detail", pk=match.pk)
        return view(request, match, **kwargs)

    return wrapper


def _replace_form(match: Match, *, active: int, data=None) -> MatchReplaceForm:
    """The choice of a new volunteer: those who may take the match's ``active`` pupils."""
    eligible = selectors.eligible_volunteers(
        match.programme, extra=max(active, 1), exclude=match.volunteer_id
    )
    return MatchReplaceForm(
        data, prefix="replace", volunteers=eligible.queryset(), free_capacity=eligible.free_capacity
    )


def _add_form(user, match: Match, data=None) -> AddParticipantForm:
    """The choice of a waiting pupil of the programme to join the group."""
    referrals = selectors.waitlist(user=user, programme=match.programme)
    return AddParticipantForm(data, prefix="add", referrals=referrals)


@matching_user_required
def match_list(request):
    """Active (or ended) matches: of the leader's initiatives, or the volunteer's own."""
    status = request.GET.get("status", "active")
    if status not in STATUS_FILTERS:
        status = "active"
    matches = selectors.match_list(user=request.user, active=status == "active")
    page = Paginator(matches, MATCHES_PER_PAGE).get_page(request.GET.get("page"))
    note(request, "volunteer", [match.volunteer_id for match in page.object_list])
    note(
        request,
        "pupil",
        [p.pupil_id for match in page.object_list for p in match.participants.all()],
    )
    return render(
        request,
        "referrals/matching/match_list.html",
        {
            "page": page,
            "matches": page.object_list,
            "status": status,
            "filters": list(STATUS_FILTERS.items()),
        },
    )


@matching_user_required
def match_detail(request, pk: int):
    match = selectors.match_detail(user=request.user, pk=pk)
    participants = selectors.match_participants(match)
    active = [p for p in participants if p.left_on is None]
    is_leader = scope_for(request.user).leads(match.programme.initiative_id)
    context = {
        "match": match,
        "participants": participants,
        "active_participants": active,
        "is_leader": is_leader,
        "can_change": is_leader and match.is_active,
        "is_group": match.kind == Match.Kind.GROUP,
        "frequency_label": dict(Programme.Frequency.choices).get(match.frequency, match.frequency),
    }
    if is_leader:
        context["history"] = [
            m
            for m in selectors.referral_matches(p.referral_id for p in participants)
            if m.pk != match.pk
        ]
    if context["can_change"]:
        context["end_form"] = MatchEndForm(prefix="end")
        context["replace_form"] = _replace_form(match, active=len(active))
        if context["is_group"] and len(active) < match.programme.group_size_max:
            context["add_form"] = _add_form(request.user, match)
    return render(request, "referrals/matching/match_detail.html", context)


def _change_page(
    request,
    match: Match,
    form,
    *,
    call,
    success,
    title: str,
    intro: str = "",
    participant=None,
    stay: bool = False,
):
    """The form of one change to a running match, and the change itself on a valid post.

    ``call(data)`` runs the service on the form's cleaned data. Done: the
    message ``success`` (or ``success(data)``) and on to the match the
    service returns (with ``stay``: this match). Refused: the reasons on the
    form, shown again.
    """
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        message = success(data) if callable(success) else success
        try:
            result = call(data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("referrals:match_detail", pk=match.pk if stay else result.pk)
    return render(
        request,
        "referrals/matching/form.html",
        {
            "match": match,
            "form": form,
            "title": title,
            "intro": intro,
            "participant": participant,
            "action": request.path,
        },
    )


@running_match_change
def end(request, match: Match):
    return _change_page(
        request,
        match,
        MatchEndForm(request.POST or None, prefix="end"),
        call=lambda data: match_end(
            user=request.user,
            match=match,
            end_date=data["end_date"],
            end_reason=data["end_reason"],
            end_note=data["end_note"],
            back_to_waitlist=data["back_to_waitlist"],
        ),
        success=_("The match has been ended."),
        title=_("End the match"),
    )


@running_match_change
def replace(request, match: Match):
    active = match.participants.filter(left_on__isnull=True).count()

    def take_over(data) -> Match:
        new = match_replace_volunteer(
            user=request.user,
            match=match,
            volunteer=data["volunteer"],
            date=data["date"],
            reason_note=data["reason_note"],
        )
        note_record(request, new, Action.CREATE)  # the new volunteer's match
        return new

    return _change_page(
        request,
        match,
        _replace_form(match, active=active, data=request.POST or None),
        call=take_over,
        success=_("The new volunteer has taken over. The earlier match stays in the history."),
        title=_("Replace the volunteer"),
        intro=_(
            "The current match ends with the reason “volunteer stopped”; a new match with "
            "the same pupils starts with the new volunteer. The history stays together."
        ),
    )


@running_match_change
def add_participant(request, match: Match):
    return _change_page(
        request,
        match,
        _add_form(request.user, match, data=request.POST or None),
        call=lambda data: match_add_participant(
            user=request.user, match=match, referral=data["referral"], date=data["date"]
        ),
        success=lambda data: (
            _("%(name)s has joined the group.") % {"name": data["referral"].pupil.full_name}
        ),
        title=_("Add a pupil to the group"),
        stay=True,
    )


@running_match_change
def remove_participant(request, match: Match, participant_pk: int):
    participant = get_object_or_404(
        match.participants.select_related("pupil", "referral"),
        pk=participant_pk,
        left_on__isnull=True,
    )
    name = participant.pupil.full_name
    return _change_page(
        request,
        match,
        RemoveParticipantForm(request.POST or None, prefix="remove"),
        call=lambda data: match_remove_participant(
            user=request.user,
            participant=participant,
            date=data["end_date"],
            end_reason=data["end_reason"],
            back_to_waitlist=data["back_to_waitlist"],
        ),
        success=_("%(name)s has left the group.") % {"name": name},
        title=_("%(name)s leaves the group") % {"name": name},
        participant=participant,
        stay=True,
    )
