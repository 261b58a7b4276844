"""Anonymised pupils are read only: the check every write service starts with.

After the retention period, or an erasure on request (``referrals.privacy``,
``initiatives.privacy``), only the anonymous facts the figures count are left
of a pupil, their guardians, referrals, action plan, matches, contact moments
and evaluations. Changing them afterwards would bring personal data back or
change the figures of past periods, so each service that writes them calls
:func:`ensure_not_anonymised` first with the pupils (and volunteers) the
change concerns. The anonymisation itself does not go through these services.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from initiatives.services import AnonymisedError
from initiatives.services import ensure_not_anonymised as ensure_volunteers_not_anonymised

from ..models import Pupil

__all__ = ["AnonymisedError", "ensure_not_anonymised"]

PupilIds = Iterable[int | None] | QuerySet


def ensure_not_anonymised(*, pupils: PupilIds = (), volunteers: Iterable[int | None] = ()) -> None:
    """Refuse (``AnonymisedError``) when one of these pupils or volunteers has been anonymised.

    ``pupils`` are pupil ids, or a ``values("pupil_id")`` QuerySet (say, a
    match's participants), ``volunteers`` volunteer ids. Call it inside the
    service's transaction: the rows stay locked until it ends, so the nightly
    anonymisation (which locks the same rows) cannot slip in between this
    check and the change. One query for the pupils, one for the volunteers.
    """
    if not isinstance(pupils, QuerySet):
        pupils = sorted({pk for pk in pupils if pk is not None})
    if isinstance(pupils, QuerySet) or pupils:
        states = (
            Pupil.objects.select_for_update()
            .filter(pk__in=pupils)
            .order_by("pk")
            .values_list("anonymised_at", flat=True)
        )
        if any(anonymised_at is not None for anonymised_at in states):
            raise AnonymisedError()
    ensure_volunteers_not_anonymised(*volunteers)
