"""Adult language coaching and drop-in language cafés (docs/indicators.md, "Adult programmes").

Only computed when the scope has programmes with ``audience=adults``; their
figures have keys starting with ``adult_`` or ``dropin_`` and form a section
of their own on the dashboard and in the annual report. The school-age
figures (pupils reached and its splits) leave these programmes out.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from .context import Context
from .db import rounded
from .types import Figure

ADULT_PREFIXES = ("adult_", "dropin_")


def is_adult_key(key: str) -> bool:
    return key.startswith(ADULT_PREFIXES)


def adult_context(ctx: Context) -> Context | None:
    """The same scope and period, narrowed to the adult programmes; None without any."""
    from initiatives.models import Programme

    adult = [p for p in ctx.programmes if p.audience == Programme.Audience.ADULTS]
    return replace(ctx, programmes=adult) if adult else None


def figures(ctx: Context) -> list[Figure]:
    """The adult figures (about five queries), or none when no adult programme is in scope."""
    actx = adult_context(ctx)
    if actx is None:
        return []
    from referrals.models import ContactMoment

    from . import matches, outcomes, pupils

    learners = (
        pupils.reached_participations(actx, pupils.in_period(actx), all_audiences=True)
        .values("pupil_id")
        .distinct()
        .count()
    )

    # Tracks started in the period: planned meetings (the programme's planned
    # dosage) against the sessions held in those tracks, up to the period's end.
    started = actx.matches().filter(
        start_date__gte=actx.period.start,
        start_date__lte=actx.period.end,
        programme__planned_meetings__isnull=False,
    )
    planned = started.aggregate(n=Sum("programme__planned_meetings"))["n"] or 0
    held_total = ContactMoment.objects.filter(
        match_id__in=started.values("pk"),
        kind=ContactMoment.Kind.SESSION,
        attendance=ContactMoment.Attendance.HELD,
        date__lte=actx.period.end,
    ).count()
    ended = actx.matches().aggregate(
        ended=Count("pk", filter=matches.ended_q(actx)),
        early=Count("pk", filter=matches.ended_early_q(actx)),
    )
    impact = outcomes.mean_change(outcomes.impact_rows(actx))
    impact_learners = (
        outcomes.paired_end_scores(actx)
        .order_by()
        .values("measurement__referral__pupil_id")
        .distinct()
        .count()
    )
    cafe = _drop_in_counts(actx)
    return [
        Figure("adult_learners_reached", _("Adult learners reached"), learners),
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
        Figure("adult_tracks_ended", _("Tracks ended"), ended["ended"]),
        Figure("adult_tracks_ended_early", _("Tracks ended early"), ended["early"]),
        Figure(
            "adult_dropout_pct",
            _("Drop-out"),
            rounded(100 * ended["early"] / ended["ended"], 1) if ended["ended"] else None,
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
            impact,
            unit="points",
            is_count=False,
        ),
        Figure(
            "dropin_sessions", _("Language café sessions held"), cafe["sessions"], is_count=False
        ),
        Figure("dropin_visits", _("Language café visits"), cafe["visits"], is_count=False),
    ]


def _drop_in_counts(actx: Context) -> dict:
    """Sessions and visits of the drop-in programmes in scope, in the period (one query)."""
    from initiatives.models import DropInSession

    totals = DropInSession.objects.filter(
        programme_id__in=actx.programme_ids,
        date__gte=actx.period.start,
        date__lte=actx.period.end,
    ).aggregate(sessions=Count("pk"), visits=Sum("headcount"))
    return {"sessions": totals["sessions"], "visits": totals["visits"] or 0}
