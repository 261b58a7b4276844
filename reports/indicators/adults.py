"""Adult language coaching and drop-in language cafés (docs/indicators.md, "Adult programmes").

Only computed when the scope has programmes with ``audience=adults``; their
figures (and the table ``adult_impact_by_question``) have keys starting with
``adult_`` or ``dropin_`` and form a section of their own on the dashboard
and in the annual report. The school-age figures (pupils reached, referrals,
matches, sessions, goals, impact) leave these programmes out: a ``Context``
counts school-age programmes unless it is ``for_audience(ADULTS)``.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from . import matches, outcomes, pupils
from .context import Context
from .db import rounded
from .types import Figure, Table

ADULT_PREFIXES = ("adult_", "dropin_")


def is_adult_key(key: str) -> bool:
    return key.startswith(ADULT_PREFIXES)


def adult_context(ctx: Context) -> Context | None:
    """The same scope and period, counting the adult programmes; None without any."""
    from initiatives.models import Programme

    actx = ctx.for_audience(Programme.Audience.ADULTS)
    return actx if actx.counted_programmes else None


def started_q(ctx: Context) -> Q:
    return Q(start_date__gte=ctx.period.start, start_date__lte=ctx.period.end)


def tracks_started(ctx: Context) -> int:
    """Adult tracks started in the period (one query; none without adult programmes)."""
    actx = adult_context(ctx)
    if actx is None:
        return 0
    return actx.matches().filter(started_q(actx)).count()


def targetable_figures(learners: int, started: int) -> list[Figure]:
    """The adult figures a funding agreement can set a target for (``TARGETABLE``)."""
    return [
        Figure("adult_learners_reached", _("Adult learners reached"), learners),
        Figure("adult_tracks_started", _("Coaching tracks started"), started),
    ]


def section(ctx: Context, rows: list[pupils.ReachRow]) -> tuple[list[Figure], list[Table]]:
    """The adult figures and tables (six queries), or none when no adult programme is in scope.

    ``rows`` are the reach rows of every audience (``pupils.reach_rows`` of
    ``ctx.for_audience(None)``): the adults reached are counted from them.
    """
    actx = adult_context(ctx)
    if actx is None:
        return [], []
    from referrals.models import ContactMoment

    learners = pupils.adult_learners(ctx, rows)

    # Tracks started in the period: planned meetings (the programme's planned
    # dosage) against the sessions held in those tracks, up to the period's end.
    started = actx.matches().filter(started_q(actx), programme__planned_meetings__isnull=False)
    planned = started.aggregate(n=Sum("programme__planned_meetings"))["n"] or 0
    held_total = ContactMoment.objects.filter(
        match_id__in=started.values("pk"),
        kind=ContactMoment.Kind.SESSION,
        attendance=ContactMoment.Attendance.HELD,
        date__lte=actx.period.end,
    ).count()
    tracks = actx.matches().aggregate(
        started=Count("pk", filter=started_q(actx)),
        ended=Count("pk", filter=matches.ended_q(actx)),
        early=Count("pk", filter=matches.ended_early_q(actx)),
    )
    impact_rows = outcomes.impact_rows(actx)
    impact_learners = (
        outcomes.paired_end_scores(actx)
        .order_by()
        .values("measurement__referral__pupil_id")
        .distinct()
        .count()
    )
    cafe = _drop_in_counts(actx)
    figures = [
        *targetable_figures(learners, tracks["started"]),
        Figure(
            "adult_meetings_planned",
            _("Meetings planned (tracks started)"),
            planned,
            is_count=False,
        ),
        Figure(
            "adult_meetings_held",
            _("Meetings held (tracks started)"),
            held_total,
            is_count=False,
        ),
        Figure(
            "adult_meetings_held_pct",
            _("Planned meetings held"),
            rounded(100 * held_total / planned, 1) if planned else None,
            unit="%",
            is_count=False,
        ),
        Figure("adult_tracks_ended", _("Tracks ended"), tracks["ended"]),
        Figure("adult_tracks_ended_early", _("Tracks ended early"), tracks["early"]),
        Figure(
            "adult_dropout_pct",
            _("Drop-out"),
            rounded(100 * tracks["early"] / tracks["ended"], 1) if tracks["ended"] else None,
            unit="%",
            is_count=False,
        ),
        Figure(
            "adult_impact_learners",
            _("Adults measured at start and end"),
            impact_learners,
        ),
        Figure(
            "adult_impact_change",
            _("Mean change in impact scores of adults (start to end)"),
            outcomes.mean_change(impact_rows),
            unit="points",
            is_count=False,
        ),
        Figure(
            "dropin_sessions", _("Language café sessions held"), cafe["sessions"], is_count=False
        ),
        Figure("dropin_visits", _("Language café visits"), cafe["visits"], is_count=False),
    ]
    tables = [
        outcomes.impact_table(
            impact_rows,
            key="adult_impact_by_question",
            title=_("Change in impact scores of adults by question"),
            persons=_("Adults"),
        )
    ]
    return figures, tables


def _drop_in_counts(actx: Context) -> dict:
    """Sessions and visits of the drop-in programmes in scope, in the period (one query)."""
    from initiatives.models import DropInSession

    totals = DropInSession.objects.filter(
        programme_id__in=actx.counted_programme_ids,
        date__gte=actx.period.start,
        date__lte=actx.period.end,
    ).aggregate(sessions=Count("pk"), visits=Sum("headcount"))
    return {"sessions": totals["sessions"], "visits": totals["visits"] or 0}
