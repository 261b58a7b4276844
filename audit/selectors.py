"""Reads of the processing log, for the privacy officer (and administrators).

Everything starts from ``ProcessingLogEntry.objects.visible_to(user)``. The
log names people by record type and id only; names are looked up here, for
the page, within the same scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.scope import scope_for

from .models import ProcessingLogEntry

RecordType = ProcessingLogEntry.RecordType
PEOPLE_LIMIT = 25


def may_supervise(user) -> bool:
    """Privacy officers and administrators may read the processing log."""
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.privacy_initiative_ids)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def log_entries(
    *,
    user,
    record_type: str | None = None,
    record_ids: list[int] | None = None,
    actor_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    action: str | None = None,
    result: str | None = None,
) -> QuerySet[ProcessingLogEntry]:
    """The visible entries matching the search, newest first. Periods are whole days."""
    entries = ProcessingLogEntry.objects.visible_to(user)
    if record_type:
        entries = entries.filter(record_type=record_type)
    if record_ids is not None:
        entries = entries.filter(record_id__in=record_ids)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if date_from is not None:
        entries = entries.filter(at__gte=_start_of(date_from))
    if date_to is not None:
        entries = entries.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    if action:
        entries = entries.filter(action=action)
    if result:
        entries = entries.filter(result=result)
    return entries.order_by("-at", "-pk")


def person_entries(*, user, person) -> QuerySet[ProcessingLogEntry]:
    """Entries about one pupil (with their guardians) or one volunteer."""
    from initiatives.models import Volunteer

    visible = ProcessingLogEntry.objects.visible_to(user)
    if isinstance(person, Volunteer):
        return visible.filter(record_type=RecordType.VOLUNTEER, record_id=person.pk)
    guardian_ids = list(person.guardians.values_list("pk", flat=True))
    return visible.filter(
        Q(record_type=RecordType.PUPIL, record_id=person.pk)
        | Q(record_type=RecordType.GUARDIAN, record_id__in=guardian_ids)
    ).order_by("-at", "-pk")


@dataclass(frozen=True)
class Viewer:
    user: User | None
    actor_id: int | None
    views: int
    refused: int
    last_at: dt.datetime


def viewers(entries: QuerySet[ProcessingLogEntry]) -> list[Viewer]:
    """Who saw the record: one row per user, with their number of reads and the last."""
    rows = list(
        entries.filter(action__in=[ProcessingLogEntry.Action.VIEW, ProcessingLogEntry.Action.LIST])
        .order_by()
        .values("actor_id")
        .annotate(
            # one read is one request, however many entries it wrote
            views=Count(
                "request_id", distinct=True, filter=Q(result=ProcessingLogEntry.Result.ALLOWED)
            ),
            refused=Count(
                "request_id", distinct=True, filter=Q(result=ProcessingLogEntry.Result.REFUSED)
            ),
            last_at=Max("at"),
        )
        .order_by("-last_at")
    )
    users = actors([row["actor_id"] for row in rows])
    return [
        Viewer(
            user=users.get(row["actor_id"]),
            actor_id=row["actor_id"],
            views=row["views"],
            refused=row["refused"],
            last_at=row["last_at"],
        )
        for row in rows
    ]


def actors(actor_ids) -> dict[int, User]:
    """The users behind a page of entries, in one query (users may be gone: then absent)."""
    ids = {pk for pk in actor_ids if pk is not None}
    if not ids:
        return {}
    return {user.pk: user for user in User.objects.filter(pk__in=ids)}


def actor_choices(*, user) -> list[User]:
    """Everyone who appears in the visible log, for the search form's user filter."""
    ids = (
        ProcessingLogEntry.objects.visible_to(user)
        .exclude(actor_id__isnull=True)
        .order_by()
        .values_list("actor_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "email"))


def _supervised(queryset, user):
    """The people of the initiatives the user supervises (all, for an administrator)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return queryset
    return queryset.filter(initiative_id__in=scope.privacy_initiative_ids)


def supervised_pupil(*, user, pk: int):
    from referrals.models import Pupil

    return _supervised(Pupil.objects.all(), user).filter(pk=pk).select_related("initiative").first()


def supervised_volunteer(*, user, pk: int):
    from initiatives.models import Volunteer

    volunteers = _supervised(Volunteer.objects.all(), user)
    return volunteers.filter(pk=pk).select_related("initiative").first()


def people_matching(*, user, name: str) -> tuple[list, list]:
    """Pupils and volunteers of the supervised initiatives whose name contains every word."""
    from initiatives.models import Volunteer
    from referrals.models import Pupil

    words = name.split()
    if not words:
        return [], []
    pupils = _supervised(Pupil.objects.all(), user)
    volunteers = _supervised(Volunteer.objects.all(), user)
    for word in words:
        pupils = pupils.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        volunteers = volunteers.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    order = ("last_name", "first_name", "pk")
    return (
        list(pupils.select_related("initiative").order_by(*order)[:PEOPLE_LIMIT]),
        list(volunteers.select_related("initiative").order_by(*order)[:PEOPLE_LIMIT]),
    )
