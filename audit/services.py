"""Writing the processing log. Only ever INSERTs (the database refuses the rest).

``log_processing`` is called where personal data is read or changed: pages,
API endpoints, exports, PDFs and background jobs. ``purpose`` is the task of
the role the data was processed for; derived from the actor's scope when not
given.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from accounts.scope import scope_for

from .context import current_request_id
from .models import ProcessingLogEntry

Action = ProcessingLogEntry.Action
Result = ProcessingLogEntry.Result
RecordType = ProcessingLogEntry.RecordType

# What each role processes personal data for (the role's task).
PURPOSES = {
    "project_leader": "guidance: coordinating the initiative's support",
    "volunteer": "guidance: tutoring the matched pupil",
    "school_referrer": "referral: following the school's referred pupil",
    "municipal_official": "funding: accountability in aggregates",
    "privacy_officer": "supervision: checking the processing of personal data",
    "client_manager": "referral: following the newcomer one referred",
    "administrator": "administration: keeping the platform running",
    "system": "retention: scheduled job",
}


def purpose_for(user) -> str:
    if user is None:
        return PURPOSES["system"]
    scope = scope_for(user)
    if scope.is_superuser:
        return PURPOSES["administrator"]
    for role in (
        "project_leader",
        "volunteer",
        "school_referrer",
        "municipal_official",
        "privacy_officer",
        "client_manager",
    ):
        if role in scope.roles:
            return PURPOSES[role]
    return "none: no role"


def log_processing(
    *,
    user,
    record_type: str,
    record_ids: Iterable[int],
    action: str,
    result: str = Result.ALLOWED,
    channel: str = "page",
    purpose: str | None = None,
) -> int:
    """One entry per record; returns how many were written. One INSERT for all."""
    return _log(
        user=user,
        records=[(record_type, action, pk) for pk in record_ids],
        result=result,
        channel=channel,
        purpose=purpose,
    )


def _log(
    *,
    user,
    records: Iterable[tuple[str, str, int | None]],
    result: str,
    channel: str,
    purpose: str | None = None,
) -> int:
    """One entry per distinct (record type, action, record id), all in one INSERT."""
    rows = sorted({(kind, action, int(pk)) for kind, action, pk in records if pk is not None})
    if not rows:
        return 0
    actor_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    fields = {
        "actor_id": actor_id,
        "purpose": (purpose or purpose_for(user))[:60],
        "result": result,
        "channel": channel,
        "request_id": current_request_id.get(),
    }
    if connection.vendor == "postgresql":
        _insert_unnested(rows, fields)
    else:
        ProcessingLogEntry.objects.bulk_create(
            [
                ProcessingLogEntry(record_type=kind, action=action, record_id=pk, **fields)
                for kind, action, pk in rows
            ]
        )
    return len(rows)


def _insert_unnested(rows: list[tuple[str, str, int]], fields: dict) -> None:
    """All entries in one statement whose size does not grow with the records.

    A list page logs every record it shows (pupils and their guardians, say);
    building a model instance per record, or a statement per kind of record,
    made the log a good part of such a page's time. The arrays are unnested
    side by side, row by row.
    """
    table = connection.ops.quote_name(ProcessingLogEntry._meta.db_table)
    columns = ["at", *fields]
    kinds, actions, ids = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}, record_type, action, record_id) "
            f"SELECT {', '.join(['%s'] * len(columns))}, "  # the names are our own
            "unnest(%s::text[]), unnest(%s::text[]), unnest(%s::bigint[])",
            [timezone.now(), *fields.values(), kinds, actions, ids],
        )


NOTES_ATTRIBUTE = "_processing_notes"
REFUSAL_ATTRIBUTE = "_processing_refused_for"


def note_refusal(request, *, user=None) -> None:
    """Mark the request as refused, whatever its status; the middleware logs it so.

    The records of its address are then logged as refused, for ``user`` when
    given: a request refused before its user was accepted (an API token whose
    user must first set up MFA) still names who tried.
    """
    request = getattr(request, "_request", request)
    setattr(request, REFUSAL_ATTRIBUTE, user)


def refusal_noted(request) -> tuple[bool, object]:
    """Whether ``note_refusal`` was called for the request, and for which user."""
    if not hasattr(request, REFUSAL_ATTRIBUTE):
        return False, None
    return True, getattr(request, REFUSAL_ATTRIBUTE)


def note(request, record_type: str, record_ids: Iterable[int], action: str = Action.LIST) -> None:
    """Remember records a list showed; the middleware logs them once the response is made.

    ``request`` is the Django request or a DRF request (its Django request is used).
    """
    request = getattr(request, "_request", request)
    notes = getattr(request, NOTES_ATTRIBUTE, None)
    if notes is None:
        notes = []
        setattr(request, NOTES_ATTRIBUTE, notes)
    notes.append((record_type, list(record_ids), action))


def note_record(request, obj, action: str = Action.CREATE) -> None:
    """Remember whose personal data ``obj`` holds, for the log once the response is made.

    For a record made or changed at an address that does not name it: a new
    referral logs its pupil and guardians, a new match its pupils and the
    volunteer (``registry.records_behind``). Call it after the write succeeded.
    """
    from .registry import records_behind

    for record_type, ids in records_behind(type(obj), obj.pk).items():
        note(request, record_type, ids, action)


def flush_notes(request, *, channel: str, refused: bool) -> None:
    """Log what the request's lists showed, every kind of record in one INSERT."""
    _log(
        user=getattr(request, "user", None),
        records=[
            (record_type, action, pk)
            for record_type, ids, action in getattr(request, NOTES_ATTRIBUTE, ())
            for pk in ids
        ],
        result=Result.REFUSED if refused else Result.ALLOWED,
        channel=channel,
    )
