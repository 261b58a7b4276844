"""Volunteers active, new and stopped, median tenure of those who stopped, VOG valid.

Volunteers serve pupils and adults alike (a volunteer without programmes works
for every programme of the initiative), so these figures count the programmes
in scope of every audience: the pool, and the matches and coaching tracks
that make a volunteer active (docs/indicators.md, "Adult programmes").
"""

from __future__ import annotations

import statistics

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from referrals.matching.rules import add_years

from .context import Context
from .db import DayNumber, middle_values, rounded
from .matches import active_q
from .types import Figure

DAYS_PER_MONTH = 365.25 / 12


def pool(ctx: Context) -> QuerySet:
    """Volunteers of the initiatives in scope who may work for a programme in scope.

    A volunteer without programmes works for every programme of the initiative.
    """
    from initiatives.models import Volunteer

    through = Volunteer.programmes.through
    initiative_ids = sorted({p.initiative_id for p in ctx.programmes})
    return Volunteer.objects.filter(initiative_id__in=initiative_ids).filter(
        Q(pk__in=through.objects.filter(programme_id__in=ctx.programme_ids).values("volunteer_id"))
        | ~Q(pk__in=through.objects.values("volunteer_id"))
    )


def _status_at_end(ctx: Context) -> Subquery:
    from initiatives.models import VolunteerStatusChange

    return Subquery(
        VolunteerStatusChange.objects.filter(volunteer_id=OuterRef("pk"), date__lte=ctx.period.end)
        .order_by("-date", "-created_at", "-pk")
        .values("to_status")[:1]
    )


def active_at_end_q(ctx: Context) -> Q:
    """Status active on the period's last day (needs the ``status_at_end`` alias)."""
    from initiatives.models import Volunteer

    end = ctx.period.end
    return (
        Q(start_date__lte=end)
        & (Q(end_date__isnull=True) | Q(end_date__gte=end))
        & (
            Q(status_at_end=Volunteer.Status.ACTIVE)
            | Q(status_at_end__isnull=True, status=Volunteer.Status.ACTIVE)
        )
    )


def active_at_end(ctx: Context) -> QuerySet:
    """The pool's volunteers whose status was active on the period's last day."""
    return pool(ctx).alias(status_at_end=_status_at_end(ctx)).filter(active_at_end_q(ctx))


def tutoring_matches(ctx: Context) -> QuerySet:
    """The matches in scope that ran in the period: their volunteers were active in it.

    Of every audience: a coach of an adult track is as active as a tutor.
    """
    return ctx.for_audience(None).matches().filter(active_q(ctx))


def active_in_period_q(ctx: Context) -> Q:
    """Active at the end of the period, or tutoring in a match in scope during it."""
    in_match = Q(pk__in=tutoring_matches(ctx).values("volunteer_id"))
    return active_at_end_q(ctx) | in_match


def _pupils_at_end(ctx: Context) -> Subquery:
    """Pupils the volunteer tutors on the period's last day, in any programme."""
    from referrals.models import MatchParticipant

    end = ctx.period.end
    return Subquery(
        MatchParticipant.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gt=end),
            Q(match__end_date__isnull=True) | Q(match__end_date__gt=end),
            match__volunteer_id=OuterRef("pk"),
            joined_on__lte=end,
            match__start_date__lte=end,
        )
        .order_by()
        .values("match__volunteer_id")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def capacity_counts(ctx: Context) -> dict:
    """One query: places of the volunteers active at the period's end, and those still free.

    A volunteer's places are their capacity (pupils at once); free places are
    capacity minus the pupils they tutor on the last day, never below zero.
    """
    available = active_at_end(ctx).annotate(tutoring=Coalesce(_pupils_at_end(ctx), 0)).order_by()
    totals = available.aggregate(
        volunteer_capacity=Coalesce(Sum("capacity"), 0),
        volunteer_free_places=Coalesce(Sum(Greatest(F("capacity") - F("tutoring"), Value(0))), 0),
    )
    return totals


def _with_vog_validity(ctx: Context, volunteers: QuerySet) -> tuple[QuerySet, Q]:
    """Alias ``vog_valid_<years>`` per VOG lifetime; the Q says the volunteer's VOG is valid.

    Valid: a VOG issued on or before the period's end and not older than the
    initiative allows (``Initiative.vog_max_age_years``) on that day.
    """
    from initiatives.models import VOG

    end = ctx.period.end
    by_years: dict[int, set[int]] = {}
    for programme in ctx.programmes:
        initiative = programme.initiative
        by_years.setdefault(initiative.vog_max_age_years, set()).add(initiative.pk)
    q = Q(pk__in=[])
    for years, initiative_ids in sorted(by_years.items()):
        valid = VOG.objects.filter(
            volunteer_id=OuterRef("pk"), issued_on__lte=end, issued_on__gt=add_years(end, -years)
        )
        volunteers = volunteers.alias(**{f"vog_valid_{years}": Exists(valid)})
        q |= Q(initiative_id__in=sorted(initiative_ids), **{f"vog_valid_{years}": True})
    return volunteers, q


def active_volunteers(ctx: Context) -> QuerySet:

    return (
        pool(ctx)
        .alias(status_at_end=_status_at_end(ctx))
        .filter(active_in_period_q(ctx))
        # The status subquery and the match set appear once in the SQL this way.
        .order_by()
    )


def volunteer_counts(ctx: Context) -> dict:
    """Four queries: the active ones (with VOG), capacity, new and stopped, the middle tenure."""
    period = ctx.period
    active, vog_valid = _with_vog_validity(ctx, active_volunteers(ctx))
    active_totals = active.aggregate(
        volunteers_active=Count("pk"), with_vog=Count("pk", filter=vog_valid)
    )
    stopped = Q(end_date__gte=period.start, end_date__lte=period.end)
    totals = pool(ctx).aggregate(
        volunteers_new=Count(
            "pk", filter=Q(start_date__gte=period.start, start_date__lte=period.end)
        ),
        volunteers_stopped=Count("pk", filter=stopped),
        with_tenure=Count("pk", filter=stopped & Q(start_date__isnull=False)),
    )
    tenures = (
        pool(ctx)
        .filter(stopped, start_date__isnull=False)
        .annotate(tenure_days=DayNumber("end_date") - DayNumber("start_date"))
    )
    middle = middle_values(tenures, "tenure_days", totals["with_tenure"])
    active_n = active_totals["volunteers_active"]
    return {
        "volunteers_active": active_n,
        **capacity_counts(ctx),
        "volunteers_new": totals["volunteers_new"],
        "volunteers_stopped": totals["volunteers_stopped"],
        "volunteer_tenure_median_months": (
            rounded(statistics.mean(middle) / DAYS_PER_MONTH, 1) if middle else None
        ),
        "volunteers_valid_vog_pct": (
            rounded(100 * active_totals["with_vog"] / active_n, 1) if active_n else None
        ),
    }


def figures(counts: dict) -> list[Figure]:
    return [
        Figure("volunteers_active", _("Active volunteers"), counts["volunteers_active"]),
        Figure(
            "volunteer_capacity",
            _("Places with volunteers (pupils at once)"),
            counts["volunteer_capacity"],
        ),
        Figure(
            "volunteer_free_places",
            _("Free places with volunteers at the end of the period"),
            counts["volunteer_free_places"],
        ),
        Figure("volunteers_new", _("New volunteers"), counts["volunteers_new"]),
        Figure("volunteers_stopped", _("Volunteers who stopped"), counts["volunteers_stopped"]),
        Figure(
            "volunteer_tenure_median_months",
            _("Median time volunteers stayed (those who stopped)"),
            counts["volunteer_tenure_median_months"],
            unit="months",
            is_count=False,
        ),
        Figure(
            "volunteers_valid_vog_pct",
            _("Active volunteers with a valid VOG"),
            counts["volunteers_valid_vog_pct"],
            unit="%",
            is_count=False,
        ),
    ]


def trend_counts(ctx: Context) -> dict:
    """Only the active volunteers (one query), for the trend table."""
    active = (
        pool(ctx).alias(status_at_end=_status_at_end(ctx)).filter(active_in_period_q(ctx)).count()
    )
    return {"volunteers_active": active}
