"""Matches started, active, ended, ended early (with reasons); dosage and teacher contacts."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from .context import Context
from .db import DayNumber, day_number, rounded
from .types import Figure, Table

# Planned sessions per two weeks, by ``Match.frequency`` (anything else counts as weekly).
SESSIONS_PER_FORTNIGHT = {"weekly": 2, "twice_weekly": 4, "fortnightly": 1}


def active_q(ctx: Context) -> Q:
    """The match ran on at least one day of the period."""
    return Q(start_date__lte=ctx.period.end) & (
        Q(end_date__isnull=True) | Q(end_date__gte=ctx.period.start)
    )


def ended_q(ctx: Context) -> Q:
    return Q(end_date__gte=ctx.period.start, end_date__lte=ctx.period.end)


def ended_early_q(ctx: Context) -> Q:
    from referrals.models import Match

    return ended_q(ctx) & ~Q(end_reason=Match.EndReason.COMPLETED)


def planned_end(ctx: Context):
    """Sessions are planned up to the period's end, or up to today while it runs."""
    return min(ctx.period.end, timezone.localdate())


def planned_sessions_expression(ctx: Context):
    """Per match: weeks of overlap with the period x sessions a week, rounded (half up).

    In whole numbers: (days x sessions per fortnight + 7) / 14, integer division.
    """
    last = planned_end(ctx)
    last_day = Value(day_number(last))
    first_day = Value(day_number(ctx.period.start))
    overlap_days = Greatest(
        Least(DayNumber(Coalesce("end_date", Value(last))), last_day)
        - Greatest(DayNumber("start_date"), first_day)
        + Value(1),
        Value(0),
    )
    per_fortnight = Case(
        *[When(frequency=key, then=Value(n)) for key, n in SESSIONS_PER_FORTNIGHT.items()],
        default=Value(SESSIONS_PER_FORTNIGHT["weekly"]),
        output_field=IntegerField(),
    )
    return (overlap_days * per_fortnight + Value(7)) / Value(14)


def match_aggregates(ctx: Context) -> dict:
    """The counts ``match_counts`` makes of the matches in scope (also per programme)."""
    active = active_q(ctx)
    return {
        "matches_started": Count(
            "pk", filter=Q(start_date__gte=ctx.period.start, start_date__lte=ctx.period.end)
        ),
        "matches_active": Count("pk", filter=active),
        "matches_ended": Count("pk", filter=ended_q(ctx)),
        "matches_ended_early": Count("pk", filter=ended_early_q(ctx)),
        "sessions_planned": Sum(
            planned_sessions_expression(ctx), filter=active, output_field=IntegerField()
        ),
    }


def match_counts(ctx: Context) -> dict:
    """One query over the matches in scope."""
    totals = ctx.matches().aggregate(**match_aggregates(ctx))
    totals["sessions_planned"] = totals["sessions_planned"] or 0
    return totals


def moments_in_period(ctx: Context) -> QuerySet:
    """Contact moments of the matches in scope, in the period (any kind)."""
    return ctx.contact_moments().filter(date__gte=ctx.period.start, date__lte=ctx.period.end)


def moment_aggregates() -> dict:
    """The counts ``moment_counts`` makes of those contact moments (also per programme)."""
    from referrals.models import ContactMoment

    held = Q(attendance=ContactMoment.Attendance.HELD)
    session = Q(kind=ContactMoment.Kind.SESSION) & held
    return {
        "sessions_held": Count("pk", filter=session),
        "minutes": Sum("duration_minutes", filter=session),
        "teacher_contacts": Count("pk", filter=Q(kind=ContactMoment.Kind.TEACHER) & held),
    }


def moment_counts(ctx: Context) -> dict:
    """One query over the contact moments of the matches in scope, in the period."""
    return moments_in_period(ctx).aggregate(**moment_aggregates())


def figures(matches: dict, moments: dict) -> list[Figure]:
    active = matches["matches_active"]
    minutes = moments["minutes"] or 0
    return [
        Figure("matches_started", _("Matches started"), matches["matches_started"]),
        Figure("matches_active", _("Active matches"), active),
        Figure("matches_ended", _("Matches ended"), matches["matches_ended"]),
        Figure("matches_ended_early", _("Matches ended early"), matches["matches_ended_early"]),
        Figure(
            "sessions_planned", _("Sessions planned"), matches["sessions_planned"], is_count=False
        ),
        Figure("sessions_held", _("Sessions held"), moments["sessions_held"], is_count=False),
        Figure(
            "contact_hours",
            _("Contact hours"),
            rounded(minutes / 60, 1),
            unit="hours",
            is_count=False,
        ),
        Figure(
            "teacher_contacts_per_match",
            _("Contacts with teachers per match"),
            rounded(moments["teacher_contacts"] / active, 2) if active else None,
            is_count=False,
        ),
    ]


def ended_early_reasons(ctx: Context, total: int) -> Table:
    from referrals.models import Match

    counts = dict(
        ctx.matches()
        .filter(ended_early_q(ctx))
        .order_by()
        .values("end_reason")
        .annotate(n=Count("pk"))
        .values_list("end_reason", "n")
    )
    rows = tuple(
        (str(label), (counts.get(value, 0),))
        for value, label in Match.EndReason.choices
        if value != Match.EndReason.COMPLETED
    )
    return Table(
        key="ended_early_reasons",
        title=_("Matches ended early, by reason"),
        columns=(_("Matches"),),
        rows=rows,
        totals=(total,),
    )
