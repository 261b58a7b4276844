"""A volunteer's data on request: download it (JSON, PDF) or erase it early.

Linked from the volunteer's page. Access: a project leader of the
volunteer's initiative (or an administrator); another initiative's volunteer
is a 404, anyone without the role (the volunteer themselves too) a 403. The
services are in ``initiatives.privacy``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.decorators import leader_required
from core.erasure import EraseForm, attachment

from .. import privacy
from ..models import Volunteer
from .common import to_detail


def _filename(volunteer: Volunteer, extension: str) -> str:
    return f"{slugify(_('volunteer data'))}-{volunteer.pk}.{extension}"


@leader_required
def volunteer_data_json(request, pk: int):
    volunteer = privacy.led_volunteer(user=request.user, pk=pk)
    content = privacy.volunteer_export_json(volunteer=volunteer, by=request.user)
    return attachment(
        content, content_type="application/json", filename=_filename(volunteer, "json")
    )


@leader_required
def volunteer_data_pdf(request, pk: int):
    volunteer = privacy.led_volunteer(user=request.user, pk=pk)
    content = privacy.volunteer_export_pdf(volunteer=volunteer, by=request.user)
    return attachment(content, content_type="application/pdf", filename=_filename(volunteer, "pdf"))


@leader_required
def volunteer_erase(request, pk: int):
    """Confirm, with a reason, then erase the volunteer's personal data."""
    volunteer = privacy.led_volunteer(user=request.user, pk=pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and volunteer.anonymised_at is None and form.is_valid():
        try:
            privacy.volunteer_anonymise(
                volunteer=volunteer, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The personal data of the volunteer has been erased."))
            return to_detail(volunteer)
    return render(
        request,
        "privacy/erase.html",
        {
            "subject": "volunteer",
            "name": volunteer.full_name,
            "anonymised_at": volunteer.anonymised_at,
            "not_stopped": volunteer.anonymised_at is None
            and volunteer.status != Volunteer.Status.STOPPED,
            "form": form,
            "back_url": reverse("initiatives:volunteer_detail", kwargs={"pk": volunteer.pk}),
            "status_url": reverse("initiatives:volunteer_status", kwargs={"pk": volunteer.pk}),
            "json_url": reverse("initiatives:volunteer_data_json", kwargs={"pk": volunteer.pk}),
            "pdf_url": reverse("initiatives:volunteer_data_pdf", kwargs={"pk": volunteer.pk}),
        },
    )
