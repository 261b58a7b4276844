"""The project leader's pages for adult language coaching: a signal of
imminent drop-out on a referral, and a check-in with the coach of a match.

Access as on the other leader pages: a project leader (else 403) of the
referral's or match's initiative (else 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import leader_required
from accounts.scope import scope_for
from initiatives.models import Programme

from .. import selectors
from ..forms.client_manager import CoachCheckInForm, DropOutSignalForm
from ..models import Match
from ..services.adults import coach_check_in_record, drop_out_signal_record
from .common import add_errors


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
