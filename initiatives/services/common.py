"""Checks every initiatives service starts with."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for

from ..models import Volunteer


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


class AnonymisedError(ValidationError):
    """A change to a record whose personal data has been anonymised.

    After the retention period (or an erasure on request, see
    ``initiatives.privacy`` and ``referrals.privacy``) only the anonymous
    facts the figures count are left: a change would bring personal data
    back or change the figures of past periods. The code ``anonymised``
    makes the API answer 409 (a state conflict); pages show the message as a
    form error.
    """

    def __init__(self):
        super().__init__(
            _("This record has been anonymised and can no longer be changed."),
            code="anonymised",
        )


def ensure_not_anonymised(*volunteer_ids: int | None) -> None:
    """Refuse (``AnonymisedError``) when one of these volunteers has been anonymised.

    Every service that changes a volunteer (profile, availability, intake,
    VOG, trainings, status) calls it first, inside its transaction: the rows
    stay locked until it ends, so the anonymisation (which locks the same
    row) cannot slip in between this check and the change. One query.
    """
    ids = sorted({pk for pk in volunteer_ids if pk is not None})
    if not ids:
        return
    states = (
        Volunteer.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("anonymised_at", flat=True)
    )
    if any(anonymised_at is not None for anonymised_at in states):
        raise AnonymisedError()


def check_not_in_future(value: dt.date, *, field: str, message: str) -> None:
    if value > timezone.localdate():
        raise FieldError({field: message}, code="in_future")


def active_pupils(volunteer) -> int:
    """Pupils in the volunteer's running matches (the count the matching rules use)."""
    from referrals.matching.rules import active_pupil_counts

    return active_pupil_counts([volunteer.pk]).get(volunteer.pk, 0)
