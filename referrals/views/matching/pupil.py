"""The matching pages of one waiting pupil: suggested volunteers, a match by
hand, and the pupil's weekly availability. Project leaders only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import leader_required
from audit.services import Action, note, note_record
from core.submissions import once_per_submission
from initiatives.models import Programme

from ... import selectors
from ...forms.matching import MatchCreateForm, SlotFormSet
from ...matching.rules import matching_blockers
from ...matching.scoring import suggestions_for
from ...models import Referral
from ...services import match_create, pupil_set_availability
from ..common import add_errors, guardian_languages, safe_next

S = Referral.Status


@leader_required
def suggestions(request, pk: int):
    """Ranked volunteers for a waiting pupil, the pupil's availability, and their matches."""
    referral = selectors.leader_referral_detail(user=request.user, pk=pk)
    is_waiting = referral.status == S.WAITING
    suggested = suggestions_for(referral) if is_waiting else []
    matches = selectors.referral_matches([referral.pk])
    # The pupil is logged through the address; the volunteers shown here too.
    note(
        request,
        "volunteer",
        [s.volunteer.pk for s in suggested] + [match.volunteer_id for match in matches],
    )
    return render(
        request,
        "referrals/matching/suggestions.html",
        {
            "referral": referral,
            "pupil": referral.pupil,
            "is_waiting": is_waiting,
            "suggestions": suggested,
            "availability": list(selectors.pupil_availability(referral.pupil)),
            "languages": guardian_languages(referral),
            "matches": matches,
            "days_waiting": selectors.days_waiting(referral),
        },
    )


def _not_waiting(request, referral: Referral):
    messages.error(
        request,
        _("%(name)s is not on the waitlist (status: %(status)s).")
        % {"name": referral.pupil.full_name, "status": referral.get_status_display()},
    )
    return redirect("referrals:match_suggestions", pk=referral.pk)


def _preselected(request, referral: Referral, eligible: selectors.Eligible):
    """The volunteer asked for in ``?volunteer=``: eligible, or with the reasons why not."""
    try:
        wanted = int(request.GET.get("volunteer", ""))
    except ValueError:
        return None, None, []
    if wanted in eligible.ids:
        return wanted, None, []
    volunteer = selectors.initiative_volunteer(
        user=request.user, initiative_id=referral.programme.initiative_id, pk=wanted
    )
    if volunteer is None:
        return None, None, []
    reasons = matching_blockers(volunteer, referral.programme, on=timezone.localdate())
    return None, volunteer, reasons


@leader_required
@once_per_submission
def create(request, pk: int):
    """Match a waiting pupil (and, in a group programme, others) with an eligible volunteer."""
    user = request.user
    referral = selectors.leader_referral_detail(user=user, pk=pk)
    if referral.status != S.WAITING:
        return _not_waiting(request, referral)
    programme = referral.programme
    eligible = selectors.eligible_volunteers(programme)
    group_referrals = None
    if programme.format == Programme.Format.GROUP and programme.group_size_max > 1:
        group_referrals = selectors.waitlist(user=user, programme=programme).exclude(pk=referral.pk)
    kwargs = {
        "programme": programme,
        "volunteers": eligible.queryset(),
        "free_capacity": eligible.free_capacity,
        "group_referrals": group_referrals,
    }
    blocked, blocked_reasons = None, []
    if request.method == "POST":
        form = MatchCreateForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                match = match_create(
                    user=user,
                    referrals=[referral, *data.get("other_referrals", [])],
                    volunteer=data["volunteer"],
                    location_type=data["location_type"],
                    start_date=data["start_date"],
                    planned_end_date=data["planned_end_date"],
                    frequency=data["frequency"],
                    session_minutes=data["session_minutes"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                note_record(request, match, Action.CREATE)
                messages.success(
                    request,
                    _("%(pupil)s is now matched with %(volunteer)s.")
                    % {"pupil": referral.pupil.full_name, "volunteer": match.volunteer.full_name},
                )
                return redirect("referrals:match_detail", pk=match.pk)
    else:
        preselected, blocked, blocked_reasons = _preselected(request, referral, eligible)
        form = MatchCreateForm(initial={"volunteer": preselected}, **kwargs)
    # The volunteers the form offers (and the one refused), the group's other waiting pupils.
    note(request, "volunteer", [*eligible.ids, *([blocked.pk] if blocked else [])])
    if group_referrals is not None:
        note(request, "pupil", group_referrals.values_list("pupil_id", flat=True))
    return render(
        request,
        "referrals/matching/create.html",
        {
            "referral": referral,
            "form": form,
            "has_eligible": bool(eligible.volunteers),
            "blocked": blocked,
            "blocked_reasons": blocked_reasons,
        },
    )


@leader_required
def availability(request, pk: int):
    """The weekly time slots in which the pupil can take part."""
    referral = selectors.leader_referral_detail(user=request.user, pk=pk)
    pupil = referral.pupil
    next_url = safe_next(request)
    service_errors: list[str] = []
    if request.method == "POST":
        formset = SlotFormSet(request.POST, prefix="slots")
        if formset.is_valid():
            try:
                pupil_set_availability(user=request.user, pupil=pupil, slots=formset.slots())
            except ValidationError as error:
                service_errors = list(error.messages)
            else:
                messages.success(request, _("The availability has been saved."))
                if next_url:
                    return redirect(next_url)
                return redirect("referrals:match_suggestions", pk=referral.pk)
    else:
        formset = SlotFormSet(
            prefix="slots",
            initial=[
                {"weekday": a.weekday, "start_time": a.start_time, "end_time": a.end_time}
                for a in selectors.pupil_availability(pupil)
            ],
        )
    return render(
        request,
        "referrals/matching/availability.html",
        {
            "referral": referral,
            "pupil": pupil,
            "formset": formset,
            "service_errors": service_errors,
            "next": next_url or "",
        },
    )
