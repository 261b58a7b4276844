"""Small helpers the referrals views share: service errors on a form, a safe
``next`` address, and what a referral's guardians speak.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ..models import Referral


def add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names, or on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def safe_next(request) -> str | None:
    """The ``next`` address posted or asked for, when it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def to_leader_detail(referral: Referral):
    """Back to the project leader's page of the referral."""
    return redirect("referrals:leader_detail", pk=referral.pk)


def guardian_languages(referral: Referral) -> list[str]:
    """The guardians' languages, marked where an interpreter is needed.

    For a list of referrals, prefetch ``pupil__guardians`` (as ``selectors.waitlist`` does).
    """
    languages = []
    for guardian in referral.pupil.guardians.all():
        if not guardian.language:
            continue
        label = guardian.language
        if guardian.interpreter_needed:
            label = _("%(language)s (interpreter needed)") % {"language": label}
        if label not in languages:
            languages.append(label)
    return languages
