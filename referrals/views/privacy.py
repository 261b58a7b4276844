"""A pupil's data on request: download it (JSON, PDF) or erase it early.

Linked from the project leader's page of the pupil's referral. Access: a
project leader of the pupil's initiative (or an administrator); another
initiative's pupil is a 404, anyone without the role gets a 403. The
services are in ``referrals.privacy``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.decorators import leader_required
from core.erasure import EraseForm, attachment

from .. import privacy
from ..models import Pupil, Referral


def _back_url(user, pupil: Pupil) -> str:
    """The pupil's latest referral the user may open, else the inbox."""
    referral = (
        Referral.objects.visible_to(user)
        .filter(pupil=pupil)
        .exclude(status=Referral.Status.DRAFT)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    if referral is None:
        return reverse("referrals:inbox")
    return reverse("referrals:leader_detail", kwargs={"pk": referral.pk})


def _filename(pupil: Pupil, extension: str) -> str:
    return f"{slugify(_('pupil data'))}-{pupil.pk}.{extension}"


@leader_required
def pupil_data_json(request, pk: int):
    pupil = privacy.led_pupil(user=request.user, pk=pk)
    content = privacy.pupil_export_json(pupil=pupil, by=request.user)
    return attachment(content, content_type="application/json", filename=_filename(pupil, "json"))


@leader_required
def pupil_data_pdf(request, pk: int):
    pupil = privacy.led_pupil(user=request.user, pk=pk)
    content = privacy.pupil_export_pdf(pupil=pupil, by=request.user)
    return attachment(content, content_type="application/pdf", filename=_filename(pupil, "pdf"))


@leader_required
def pupil_erase(request, pk: int):
    """Confirm, with a reason, then erase the pupil's and the guardians' personal data."""
    pupil = privacy.led_pupil(user=request.user, pk=pk)
    back_url = _back_url(request.user, pupil)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and pupil.anonymised_at is None and form.is_valid():
        try:
            privacy.pupil_anonymise(
                pupil=pupil, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, _("The personal data of the pupil and their parents has been erased.")
            )
            return redirect(back_url)
    return render(
        request,
        "privacy/erase.html",
        {
            "subject": "pupil",
            "name": pupil.full_name,
            "anonymised_at": pupil.anonymised_at,
            "in_guidance": pupil.anonymised_at is None and privacy.in_guidance(pupil),
            "form": form,
            "back_url": back_url,
            "json_url": reverse("referrals:pupil_data_json", kwargs={"pk": pupil.pk}),
            "pdf_url": reverse("referrals:pupil_data_pdf", kwargs={"pk": pupil.pk}),
        },
    )


urlpatterns = [
    path("leerlingen/<int:pk>/gegevens/json/", pupil_data_json, name="pupil_data_json"),
    path("leerlingen/<int:pk>/gegevens/pdf/", pupil_data_pdf, name="pupil_data_pdf"),
    path("leerlingen/<int:pk>/wissen/", pupil_erase, name="pupil_erase"),
]
