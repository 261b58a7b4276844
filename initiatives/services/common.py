"""Checks every initiatives service starts with."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for


class FieldError(ValidationError):
    """A ValidationError about named fields that keeps its ``code``.

    Django drops the code of a ValidationError built from a dict; callers (and
    tests) use it to tell, say, a stale page from a typing error.
    """

    def __init__(self, errors: dict, code: str | None = None):
        super().__init__(errors)
        self.code = code


def require_leader(user, initiative_id: int) -> None:
    """Only the initiative's project leaders (or an administrator) may change its volunteers."""
    if not scope_for(user).leads(initiative_id):
        raise PermissionDenied(_("Only the initiative's project leaders may do this."))


def check_not_in_future(value: dt.date, *, field: str, message: str) -> None:
    if value > timezone.localdate():
        raise FieldError({field: message}, code="in_future")


def active_pupils(volunteer) -> int:
    """Pupils in the volunteer's running matches (the count the matching rules use)."""
    from referrals.matching.rules import active_pupil_counts

    return active_pupil_counts([volunteer.pk]).get(volunteer.pk, 0)
