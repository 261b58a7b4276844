"""Pages of the klantmanager (client manager): refer adult newcomers and follow them.

Every page needs a client-manager membership (403 otherwise). A referral the
user did not make is a 404: lookups start from ``Referral.objects.visible_to``.
The klantmanager sees the status history, the start and stop of the coaching
track and signals of imminent drop-out; never the meetings' notes nor the
coach's name or contact details.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.scope import scope_for
from audit.services import Action, note, note_record
from core.submissions import once_per_submission

from .. import selectors
from ..forms.client_manager import AdultReferralForm
from ..models import DropOutSignal, Referral, ReferralStatusChange
from ..services.adults import adult_referral_save
from .common import add_errors

S = Referral.Status
PAGE_SIZE = 25


def client_manager_required(view):
    """Signed in (else the login page) with a client-manager membership (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).client_manager_municipality_ids:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _own_referrals(user):
    return selectors.client_manager_referrals(user=user)


def _own_referral(user, pk: int) -> Referral:
    return get_object_or_404(
        _own_referrals(user).select_related("pupil__learner_profile", "programme__initiative"),
        pk=pk,
    )


# --- refer a newcomer -------------------------------------------------------


def _form_page(request, referral: Referral | None = None):
    municipality_ids = scope_for(request.user).client_manager_municipality_ids
    if request.method == "POST":
        form = AdultReferralForm(request.POST, municipality_ids=municipality_ids)
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = adult_referral_save(
                        user=request.user, referral=referral, submit=submit, **form.service_kwargs()
                    )
            except ValidationError as error:
                add_errors(form, error)
            else:
                if referral is None:
                    note_record(request, saved, Action.CREATE)
                if submit:
                    messages.success(
                        request,
                        _("The referral has been submitted to %(initiative)s.")
                        % {"initiative": saved.programme.initiative.name},
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "The draft has been saved. The initiative does not see it until "
                            "you submit the referral."
                        ),
                    )
                return redirect("referrals:client_manager_detail", pk=saved.pk)
    else:
        initial = AdultReferralForm.initial_from(referral) if referral else None
        form = AdultReferralForm(initial=initial, municipality_ids=municipality_ids)
    return render(
        request, "referrals/client_manager/referral_form.html", {"form": form, "referral": referral}
    )


@require_http_methods(["GET", "POST"])
@client_manager_required
@once_per_submission
def referral_create(request):
    return _form_page(request)


@require_http_methods(["GET", "POST"])
@client_manager_required
def referral_edit(request, pk: int):
    referral = _own_referral(request.user, pk)
    if referral.status != S.DRAFT:
        messages.info(request, _("Only a draft can be changed; this referral has been submitted."))
        return redirect("referrals:client_manager_detail", pk=referral.pk)
    return _form_page(request, referral)


# --- follow the referrals ---------------------------------------------------


@dataclass(frozen=True)
class Row:
    referral: Referral
    days_waiting: int | None


@require_GET
@client_manager_required
def referral_list(request):
    """Mijn aanmeldingen: everyone the user referred, with status and days waiting."""
    qs = (
        _own_referrals(request.user)
        .select_related("pupil", "programme__initiative")
        .order_by("-status_changed_at", "-pk")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [Row(r, selectors.days_waiting(r, today=today)) for r in page]
    note(request, "pupil", [row.referral.pupil_id for row in rows])
    return render(
        request, "referrals/client_manager/referral_list.html", {"page": page, "rows": rows}
    )


@require_GET
@client_manager_required
def referral_detail(request, pk: int):
    referral = get_object_or_404(
        _own_referrals(request.user)
        .select_related("pupil__learner_profile", "programme__initiative")
        .prefetch_related(
            Prefetch(
                "status_changes", queryset=ReferralStatusChange.objects.order_by("changed_at", "pk")
            ),
            Prefetch("drop_out_signals", queryset=DropOutSignal.objects.order_by("-signalled_on")),
        ),
        pk=pk,
    )
    context = {
        "referral": referral,
        "profile": getattr(referral.pupil, "learner_profile", None),
        "status_changes": list(referral.status_changes.all()),
        "drop_out_signals": list(referral.drop_out_signals.all()),
        "tracks": selectors.coaching_tracks(referral),
        "days_waiting": selectors.days_waiting(referral),
        "may_edit": referral.status == S.DRAFT,
    }
    return render(request, "referrals/client_manager/referral_detail.html", context)
