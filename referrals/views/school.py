"""Pages of the school referrer (IB'er): refer a pupil and follow the referrals.

Every page needs a school-referrer membership (403 otherwise). A referral of
another school is a 404: lookups go through ``selectors.school_referral_detail``.
The school sees what the initiative shares with it, never session notes nor
the volunteer's name or contact details.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.scope import scope_for
from audit.services import Action, note, note_record
from core.periods import school_year_label, school_year_start
from core.submissions import once_per_submission
from initiatives.models import Programme
from schools.models import SchoolLocation

from .. import selectors, services
from ..forms.school import (
    GuardianFormSet,
    ReferralFilterForm,
    ReferralForm,
    WithdrawForm,
    guardian_initial,
    programmes_for_schools,
)
from ..models import Referral
from ..services.lifecycle import TRANSITIONS, places_left
from .common import add_errors

S = Referral.Status
PAGE_SIZE = 25
# Statuses in which a referral beyond the school's places is shown as
# "waiting for a place".
WAITING_STATUSES = (S.SUBMITTED, S.INTAKE, S.WAITING)


def school_referrer_required(view):
    """Signed in (else the login page) with a school-referrer membership (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).school_ids:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _schools(user) -> list[SchoolLocation]:
    return list(
        SchoolLocation.objects.visible_to(user)
        .filter(pk__in=scope_for(user).school_ids)
        .order_by("name")
    )


def _current_school_year() -> int:
    return school_year_start(timezone.localdate())


def _may_withdraw(referral: Referral) -> bool:
    return S.WITHDRAWN in TRANSITIONS.get(referral.status, frozenset())


# --- places ---------------------------------------------------------------


@dataclass(frozen=True)
class PlacesRow:
    school: SchoolLocation
    programme: Programme
    left: int


def _places_rows(schools, programmes, *, school_year: int) -> list[PlacesRow]:
    """Places left per school and programme, only where places are limited."""
    from initiatives.models import ProgrammePlaces

    programmes = {p.pk: p for p in programmes}
    schools = {s.pk: s for s in schools}
    rows = []
    for limit in ProgrammePlaces.objects.filter(
        programme_id__in=programmes, school_id__in=schools, school_year=school_year
    ).order_by("school__name", "programme__name"):
        programme, school = programmes[limit.programme_id], schools[limit.school_id]
        left = places_left(programme=programme, school=school, school_year=school_year)
        if left is not None:
            rows.append(PlacesRow(school=school, programme=programme, left=left))
    return rows


def _places_context(schools, programmes, *, selected: Programme | None = None) -> dict:
    school_year = _current_school_year()
    rows = _places_rows(schools, [selected] if selected else programmes, school_year=school_year)
    return {
        "places_rows": rows,
        "places_selected": selected,
        "places_show_school": len(schools) > 1,
        "places_school_year": school_year_label(school_year),
    }


@require_GET
@school_referrer_required
def places_left_fragment(request):
    """The places left for a programme at a school (htmx, when the programme changes)."""
    schools = _schools(request.user)
    raw_school = request.GET.get("school", "")
    if raw_school:
        try:
            school_id = int(raw_school)
        except ValueError:
            raise Http404 from None
        school = next((s for s in schools if s.pk == school_id), None)
        if school is None:
            raise Http404
        schools = [school]
    programmes = programmes_for_schools(schools)
    selected = None
    raw_programme = request.GET.get("programme", "")
    if raw_programme.isdigit():
        selected = programmes.filter(pk=int(raw_programme)).first()
    context = _places_context(schools, programmes, selected=selected)
    return render(request, "referrals/school/_places.html", context)


# --- refer a pupil ----------------------------------------------------------


def _duplicates(user, form: ReferralForm, referral: Referral | None) -> list[Referral]:
    """The school's referrals of pupils with the same name and date of birth."""
    data = form.cleaned_data
    return list(
        selectors.school_duplicates(
            user=user,
            initiative=data["programme"].initiative,
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            exclude=referral.pupil if referral else None,
        )
    )


def _referral_form_page(request, referral: Referral | None = None):
    user = request.user
    schools = _schools(user)
    duplicates: list[Referral] = []
    if request.method == "POST":
        form = ReferralForm(request.POST, schools=schools)
        guardians = GuardianFormSet(request.POST, prefix="guardians")
        submit = request.POST.get("action") == "submit"
        # Validate both, so every error shows at once.
        form_valid = form.is_valid()
        guardians_valid = guardians.is_valid()
        if form_valid and guardians_valid:
            duplicates = _duplicates(user, form, referral)
            if duplicates and not form.cleaned_data["confirm_duplicate"]:
                form.add_error(
                    "confirm_duplicate",
                    _("Check the referrals above. Tick this box to save anyway."),
                )
            else:
                saved = _save(request, form, guardians, referral=referral, submit=submit)
                if saved is not None:
                    if referral is None:
                        note_record(request, saved, Action.CREATE)
                    return redirect("referrals:school_detail", pk=saved.pk)
    else:
        initial = ReferralForm.initial_from(referral) if referral else None
        form = ReferralForm(initial=initial, schools=schools)
        guardians = GuardianFormSet(
            initial=guardian_initial(referral) if referral else None, prefix="guardians"
        )
    programmes = form.fields["programme"].queryset
    note(request, "pupil", [duplicate.pupil_id for duplicate in duplicates])
    context = {
        "form": form,
        "guardians": guardians,
        "referral": referral,
        "duplicates": duplicates,
        **_places_context(schools, programmes),
    }
    return render(request, "referrals/school/referral_form.html", context)


def _save(request, form, guardians, *, referral: Referral | None, submit: bool):
    """Save the draft and, if asked, submit it: all or nothing. None on errors."""
    guardian_data = guardians.guardian_data()
    try:
        with transaction.atomic():
            # Saving a draft claims the version the form was opened at, so two
            # people editing the same draft cannot overwrite each other.
            saved = services.referral_save_draft(
                user=request.user,
                school=form.chosen_school(),
                pupil=form.pupil_data(guardian_data),
                guardians=guardian_data,
                referral=referral,
                expected_version=form.cleaned_data.get("version") if referral else None,
                **form.service_kwargs(),
            )
            if submit:
                # The version the save just claimed: the submit is part of it.
                saved = services.referral_submit(
                    referral=saved, user=request.user, expected_version=saved.version
                )
    except ValidationError as error:
        add_errors(form, error)
        return None
    if not submit:
        messages.success(
            request,
            _(
                "The draft has been saved. The initiative does not see it until you "
                "submit the referral."
            ),
        )
    elif saved.beyond_places:
        messages.warning(
            request,
            _(
                "The referral has been submitted to %(initiative)s. Your school's places "
                "for this school year are taken, so the pupil is waiting for a place."
            )
            % {"initiative": saved.programme.initiative.name},
        )
    else:
        messages.success(
            request,
            _("The referral has been submitted to %(initiative)s.")
            % {"initiative": saved.programme.initiative.name},
        )
    return saved


@require_http_methods(["GET", "POST"])
@school_referrer_required
@once_per_submission
def referral_create(request):
    return _referral_form_page(request)


@require_http_methods(["GET", "POST"])
@school_referrer_required
def referral_edit(request, pk: int):
    referral = selectors.school_referral_detail(user=request.user, pk=pk)
    if referral.status != S.DRAFT:
        messages.info(request, _("Only a draft can be changed; this referral has been submitted."))
        return redirect("referrals:school_detail", pk=referral.pk)
    return _referral_form_page(request, referral)


# --- follow the referrals ---------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    days_waiting: int | None
    next_step: str


def _school_years(user) -> list[int]:
    years = set(
        selectors.school_referrals(user=user)
        .order_by()
        .values_list("school_year", flat=True)
        .distinct()
    )
    years.add(_current_school_year())
    return sorted(years, reverse=True)


@require_GET
@school_referrer_required
def referral_list(request):
    """Every pupil the user's school referred, with status and what happens next."""
    user = request.user
    form = ReferralFilterForm(request.GET or None, school_years=_school_years(user))
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {
            "status": form.cleaned_data["status"] or None,
            "school_year": form.cleaned_data["school_year"] or None,
        }
    page = Paginator(selectors.school_referrals(user=user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [
        ReferralRow(
            referral=referral,
            days_waiting=selectors.days_waiting(referral, today=today),
            next_step=selectors.next_step(referral),
        )
        for referral in page
    ]
    note(request, "pupil", [row.referral.pupil_id for row in rows])
    return render(
        request,
        "referrals/school/referral_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "is_filtered": any(filters.values()),
            "waiting_statuses": WAITING_STATUSES,
        },
    )


@require_GET
@school_referrer_required
def referral_detail(request, pk: int):
    """What the initiative shares with the school about one referral."""
    referral = selectors.school_referral_detail(user=request.user, pk=pk)
    context = {
        "referral": referral,
        "status_changes": list(referral.status_changes.all()),
        "goals": selectors.goals_with_evaluations(referral),
        "guardians": list(referral.pupil.guardians.all()),
        "days_waiting": selectors.days_waiting(referral),
        "next_step": selectors.next_step(referral),
        "school_year": school_year_label(referral.school_year),
        "may_edit": referral.status == S.DRAFT,
        "may_withdraw": _may_withdraw(referral),
        "waiting_statuses": WAITING_STATUSES,
    }
    return render(request, "referrals/school/referral_detail.html", context)


@require_http_methods(["GET", "POST"])
@school_referrer_required
def referral_withdraw(request, pk: int):
    """Withdraw a referral, with a reason; a concurrent change is reported, not overwritten."""
    referral = selectors.school_referral_detail(user=request.user, pk=pk)
    if not _may_withdraw(referral):
        messages.error(
            request,
            _("A referral with status “%(status)s” cannot be withdrawn.")
            % {"status": referral.get_status_display()},
        )
        return redirect("referrals:school_detail", pk=referral.pk)
    form = WithdrawForm(request.POST or None, initial={"version": referral.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_withdraw(
                referral=referral,
                user=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The referral has been withdrawn."))
            return redirect("referrals:school_detail", pk=referral.pk)
    return render(
        request, "referrals/school/referral_withdraw.html", {"referral": referral, "form": form}
    )
