"""Referrals in the period (by source, by school), schools referring, the waitlist at period end."""

from __future__ import annotations

import statistics

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .context import Context
from .db import middle_values
from .types import Figure, Table


def submitted_in_period(ctx: Context) -> QuerySet:
    """Referrals in scope submitted in the period (drafts have no submission moment)."""
    return ctx.referrals().filter(submitted_at__gte=ctx.start_at, submitted_at__lt=ctx.end_before)


def referral_counts(ctx: Context) -> dict:
    totals = submitted_in_period(ctx).aggregate(
        referrals=Count("pk"), schools_referring=Count("referring_school_id", distinct=True)
    )
    return totals


def waiting_at_end(ctx: Context) -> QuerySet:
    """Status changes into "waiting" that were still current at the end of the period.

    One row per referral on the waitlist at the end of the last day: its last
    status change on or before that moment was into "waiting".
    """
    from referrals.models import Referral, ReferralStatusChange

    changes = ReferralStatusChange.objects.filter(changed_at__lt=ctx.end_before)
    later = changes.filter(referral_id=OuterRef("referral_id")).filter(
        Q(changed_at__gt=OuterRef("changed_at"))
        | Q(changed_at=OuterRef("changed_at"), pk__gt=OuterRef("pk"))
    )
    return changes.filter(
        to_status=Referral.Status.WAITING,
        referral_id__in=ctx.referrals().values("pk"),
    ).filter(~Exists(later))


def waitlist(ctx: Context) -> dict:
    """Size of the waitlist at period end, median and longest waiting days (2 queries)."""
    waiting = waiting_at_end(ctx)
    totals = waiting.aggregate(n=Count("pk"), first=Min("changed_at"))
    n = totals["n"]
    middle = middle_values(waiting, "changed_at", n)
    end = ctx.period.end

    def days(moment) -> int:
        return (end - timezone.localdate(moment)).days

    return {
        "waitlist_size_end": n,
        "waiting_days_median": statistics.mean([days(m) for m in middle]) if middle else None,
        "waiting_days_max": days(totals["first"]) if totals["first"] is not None else None,
    }


def figures(counts: dict, wait: dict) -> list[Figure]:
    median = wait["waiting_days_median"]
    if isinstance(median, float) and median.is_integer():
        median = int(median)
    return [
        Figure("referrals", _("Referrals"), counts["referrals"]),
        Figure(
            "schools_referring", _("Schools referring"), counts["schools_referring"], is_count=False
        ),
        Figure(
            "waitlist_size_end",
            _("On the waitlist at the end of the period"),
            wait["waitlist_size_end"],
        ),
        Figure(
            "waiting_days_median",
            _("Median waiting time"),
            median,
            unit="days",
            is_count=False,
        ),
        Figure(
            "waiting_days_max",
            _("Longest waiting time"),
            wait["waiting_days_max"],
            unit="days",
            is_count=False,
        ),
    ]


def tables(ctx: Context, total: int) -> list[Table]:
    return [referrals_by_source(ctx, total), referrals_by_school(ctx, total)]


def referrals_by_source(ctx: Context, total: int) -> Table:
    from referrals.models import Referral

    counts = dict(
        submitted_in_period(ctx)
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
    )
    rows = tuple((str(label), (counts.get(value, 0),)) for value, label in Referral.Source.choices)
    return Table(
        key="referrals_by_source",
        title=_("Referrals by source"),
        columns=(_("Referrals"),),
        rows=rows,
        totals=(total,),
    )


def referrals_by_school(ctx: Context, total: int) -> Table:
    grouped = list(
        submitted_in_period(ctx)
        .order_by()
        .values("referring_school_id", "referring_school__name", "referring_school__location_code")
        .annotate(n=Count("pk"))
        .values_list(
            "referring_school_id", "referring_school__name", "referring_school__location_code", "n"
        )
    )
    without_school = sum(row[-1] for row in grouped if row[0] is None)
    schools = [row[1:] for row in grouped if row[0] is not None]
    names = [name for name, _code, _n in schools]
    labelled = [
        (f"{name} ({code})" if names.count(name) > 1 else name, n) for name, code, n in schools
    ]
    rows = [(label, (n,)) for label, n in sorted(labelled, key=lambda r: (-r[1], r[0]))]
    if without_school:
        rows.append((_("Not referred by a school"), (without_school,)))
    return Table(
        key="referrals_by_school",
        title=_("Referrals by school"),
        columns=(_("Referrals"),),
        rows=tuple(rows),
        totals=(total,),
    )
