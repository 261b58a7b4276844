"""Funding agreements: the list, one agreement, recording and changing one,
adding a funder, and the initiative's accountability text.

Access: signed in (else to the login page); a municipal official, project
leader or administrator (else 403); an agreement the user may see (else
404: another municipality's or initiative's). Officials record and change
their municipality's agreements; project leaders see their initiative's
agreements and write its accountability text; each gets 403 on the other's
forms. These pages show organisations and money, never a pupil.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.scope import scope_for

from .. import selectors, services
from ..forms import AccountabilityTextForm, FunderForm, FundingAgreementForm
from ..models import FundingAgreement


def reader_required(view):
    """Signed in, and a municipal official, project leader or administrator."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = scope_for(request.user)
        if not (scope.is_superuser or scope.municipality_ids or scope.led_initiative_ids):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _add_errors(form, error: ValidationError, field_for: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError next to the fields it names, or on top."""
    field_for = field_for or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        field = field_for.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _to_detail(agreement: FundingAgreement, anchor: str = ""):
    url = reverse("municipality:agreement_detail", args=[agreement.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@dataclass(frozen=True)
class AgreementRow:
    agreement: FundingAgreement
    period: str
    funding: tuple[selectors.ProgrammeFunding, ...]


def _rows(user, agreements) -> list[AgreementRow]:
    agreements = list(agreements)
    funding = selectors.co_financing(user=user, agreements=agreements)
    return [
        AgreementRow(agreement=a, period=selectors.agreement_period_label(a), funding=funding[a.pk])
        for a in agreements
    ]


@reader_required
def agreement_list(request):
    user = request.user
    rows = _rows(user, selectors.agreements(user=user))
    scope = scope_for(user)
    return render(
        request,
        "municipality/agreement_list.html",
        {
            "rows": rows,
            "can_record": services.may_record_agreement(user),
            "show_municipality": scope.is_superuser or len(scope.municipality_ids) > 1,
        },
    )


@reader_required
def agreement_detail(request, pk: int):
    user = request.user
    agreement = selectors.agreement_detail(user=user, pk=pk)
    (row,) = _rows(user, [agreement])
    return render(
        request,
        "municipality/agreement_detail.html",
        {
            "agreement": agreement,
            "row": row,
            "targets": selectors.targets(agreement),
            "periods": selectors.accountability_periods(agreement),
            "can_edit": services.may_record_agreement(user, agreement),
            "can_write": services.may_write_accountability(user, agreement),
        },
    )


def _agreement_form(request, *, agreement: FundingAgreement | None, initial: dict):
    choices = selectors.agreement_form_choices(user=request.user, agreement=agreement)
    data = request.POST if request.method == "POST" else None
    return FundingAgreementForm(data, initial=initial, **choices)


def _save_agreement(request, form, *, agreement: FundingAgreement | None):
    """Call the service; the saved agreement, or None with the errors on the form."""
    try:
        return services.funding_agreement_save(
            user=request.user, agreement=agreement, **form.save_kwargs()
        )
    except ValidationError as error:
        _add_errors(form, error, FundingAgreementForm.FIELD_FOR_ERROR)
        return None


@login_required
def agreement_create(request):
    if not services.may_record_agreement(request.user):
        raise PermissionDenied
    initial = {"years": 1, "period_kind": FundingAgreement.PeriodKind.CALENDAR_YEAR}
    if (funder := request.GET.get("funder", "")).isdigit():
        initial["funder"] = int(funder)
    form = _agreement_form(request, agreement=None, initial=initial)
    if request.method == "POST" and form.is_valid():
        agreement = _save_agreement(request, form, agreement=None)
        if agreement is not None:
            messages.success(request, _("The funding agreement has been recorded."))
            return _to_detail(agreement)
    return render(request, "municipality/agreement_form.html", {"form": form, "agreement": None})


@reader_required
def agreement_edit(request, pk: int):
    agreement = selectors.agreement_detail(user=request.user, pk=pk)
    if not services.may_record_agreement(request.user, agreement):
        raise PermissionDenied
    form = _agreement_form(
        request, agreement=agreement, initial=FundingAgreementForm.initial_for(agreement)
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_agreement(request, form, agreement=agreement)
        if saved is not None:
            messages.success(request, _("The funding agreement has been saved."))
            return _to_detail(saved)
    return render(
        request, "municipality/agreement_form.html", {"form": form, "agreement": agreement}
    )


@login_required
def funder_create(request):
    if not services.may_record_agreement(request.user):
        raise PermissionDenied
    municipalities = selectors.recordable_municipalities(user=request.user)
    data = request.POST if request.method == "POST" else None
    form = FunderForm(data, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        try:
            funder = services.funder_create(
                user=request.user,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                municipality=form.cleaned_data.get("municipality"),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("The funder “%(name)s” has been added.") % {"name": funder.name}
            )
            target = _safe_next(request)
            if target:
                return redirect(target)
            return redirect(f"{reverse('municipality:agreement_create')}?funder={funder.pk}")
    return render(
        request,
        "municipality/agreement_funder_form.html",
        {"form": form, "next": _safe_next(request) or ""},
    )


@reader_required
def accountability_text(request, pk: int):
    """Write the text of one period; the period is chosen with ``?period=<start>_<end>``."""
    agreement = selectors.agreement_detail(user=request.user, pk=pk)
    if not services.may_write_accountability(request.user, agreement):
        raise PermissionDenied
    periods = selectors.accountability_periods(agreement)
    by_key = {p.key: p for p in periods}
    selected = by_key.get(request.POST.get("period") or request.GET.get("period", ""))
    if selected is None:
        selected = next((p for p in periods if p.text is None), periods[-1])
    text = selected.text
    initial = {
        "period": selected.key,
        "went_well": text.went_well if text else "",
        "went_less_well": text.went_less_well if text else "",
        "story": text.story if text else "",
    }
    data = request.POST if request.method == "POST" else None
    form = AccountabilityTextForm(data, initial=initial, periods=periods)
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        try:
            services.accountability_text_save(
                user=request.user,
                agreement=agreement,
                period_start=period.start,
                period_end=period.end,
                went_well=form.cleaned_data["went_well"],
                went_less_well=form.cleaned_data["went_less_well"],
                story=form.cleaned_data["story"],
            )
        except ValidationError as error:
            _add_errors(form, error, {"period_start": "period", "period_end": "period"})
        else:
            messages.success(
                request,
                _("The accountability for %(period)s has been saved.") % {"period": period.label},
            )
            return _to_detail(agreement, "accountability")
    return render(
        request,
        "municipality/accountability_form.html",
        {
            "agreement": agreement,
            "period_label": selectors.agreement_period_label(agreement),
            "periods": periods,
            "selected": selected,
            "form": form,
        },
    )
