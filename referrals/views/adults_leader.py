"""The project leader's pages for adult language coaching: registering an
adult directly, a signal of imminent drop-out on a referral, and a check-in
with the coach of a match.

Access as on the other leader pages: a project leader (else 403) of the
referral's or match's initiative (else 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import leader_required
from accounts.scope import scope_for
from audit.services import Action, note, note_record
from core.submissions import once_per_submission
from initiatives.models import Programme

from .. import selectors
from ..forms.client_manager import CoachCheckInForm, DropOutSignalForm, LeaderAdultReferralForm
from ..models import Match
from ..services.adults import (
    adult_referral_create_by_project_leader,
    coach_check_in_record,
    drop_out_signal_record,
    led_adult_programmes,
)
from .common import add_errors, to_leader_detail
from .leader import _duplicates


@require_http_methods(["GET", "POST"])
@leader_required
@once_per_submission
def adult_referral_create(request):
    """Register an adult who came to the initiative themselves (or through a neighbourhood team)."""
    user = request.user
    programmes = led_adult_programmes(user=user)
    duplicates = []
    if request.method == "POST":
        form = LeaderAdultReferralForm(request.POST, programmes=programmes)
        if form.is_valid():
            duplicates = _duplicates(user, form)
            if duplicates and not form.cleaned_data["save_anyway"]:
                form.add_error(
                    "save_anyway",
                    _(
                        "This person may already be known. Check the referrals above; "
                        "tick this box to save anyway."
                    ),
                )
            else:
                try:
                    referral = adult_referral_create_by_project_leader(
                        user=user, **form.service_kwargs()
                    )
                except ValidationError as error:
                    add_errors(form, error)
                else:
                    note_record(request, referral, Action.CREATE)
                    messages.success(
                        request,
                        _("%(name)s has been registered.") % {"name": referral.pupil.full_name},
                    )
                    return to_leader_detail(referral)
    else:
        form = LeaderAdultReferralForm(programmes=programmes)
    note(request, "pupil", [pupil.pk for pupil in duplicates])
    return render(
        request,
        "referrals/leader/adult_create.html",
        {
            "form": form,
            "has_programmes": programmes.exists(),
            "duplicates": duplicates,
            "cancel_url": reverse("referrals:inbox"),
        },
    )


@require_http_methods(["GET", "POST"])
@leader_required
def drop_out_signal(request, pk: int):
    referral = selectors.leader_referral_detail(user=request.user, pk=pk)
    form = DropOutSignalForm(request.POST or None, initial={"signalled_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            drop_out_signal_record(user=request.user, referral=referral, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The signal of imminent drop-out has been recorded."))
            return redirect("referrals:leader_detail", pk=referral.pk)
    signals = list(referral.drop_out_signals.order_by("-signalled_on", "-pk"))
    return render(
        request,
        "referrals/leader/drop_out_signal.html",
        {"referral": referral, "form": form, "signals": signals},
    )


@require_http_methods(["GET", "POST"])
@leader_required
def coach_check_in(request, pk: int):
    match = get_object_or_404(
        Match.objects.visible_to(request.user)
        .filter(programme__audience=Programme.Audience.ADULTS)
        .select_related("programme"),
        pk=pk,
    )
    if not scope_for(request.user).leads(match.programme.initiative_id):
        raise Http404  # a volunteer's own match of another initiative
    form = CoachCheckInForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            coach_check_in_record(user=request.user, match=match, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The check-in with the coach has been recorded."))
            return redirect("referrals:leader_coach_check_in", pk=match.pk)
    check_ins = list(match.coach_check_ins.order_by("-held_on", "-pk"))
    return render(
        request,
        "referrals/leader/coach_check_in.html",
        {"match": match, "form": form, "check_ins": check_ins},
    )
