"""Goals achieved (end evaluations) and change in impact scores from start to end."""

from __future__ import annotations

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from .context import Context
from .db import rounded
from .types import Figure, Table


def _referral_filter(ctx: Context, prefix: str) -> Q:
    """Referrals of the programmes the context counts (school-age ones, unless for adults)."""
    return Q(**{f"{prefix}programme_id__in": ctx.counted_programme_ids}) & ctx.scope.pupil_q(
        f"{prefix}pupil__"
    )


def end_goal_results(ctx: Context) -> QuerySet:
    """Goal results of end evaluations held in the period, of referrals in scope."""
    from referrals.models import Evaluation, GoalEvaluation

    return GoalEvaluation.objects.filter(
        _referral_filter(ctx, "evaluation__referral__"),
        evaluation__moment=Evaluation.Moment.END,
        evaluation__held_on__gte=ctx.period.start,
        evaluation__held_on__lte=ctx.period.end,
    ).order_by()


def goal_aggregates() -> dict:
    """The counts ``goal_counts`` makes of those results (also per programme)."""
    from referrals.models import GoalEvaluation

    R = GoalEvaluation.Result
    return {
        "total": Count("pk"),
        "achieved": Count("pk", filter=Q(result=R.ACHIEVED)),
        "partly": Count("pk", filter=Q(result=R.PARTLY)),
        "not_achieved": Count("pk", filter=Q(result=R.NOT_ACHIEVED)),
    }


def goal_counts(ctx: Context) -> dict:
    """Goal results of end evaluations held in the period (one query)."""
    return end_goal_results(ctx).aggregate(**goal_aggregates())


def paired_end_scores(ctx: Context) -> QuerySet:
    """End scores measured in the period with a start score for the same referral and question."""
    from referrals.models import ImpactMeasurement, ImpactScore

    start_score = ImpactScore.objects.filter(
        measurement__referral_id=OuterRef("measurement__referral_id"),
        measurement__moment=ImpactMeasurement.Moment.START,
        question_id=OuterRef("question_id"),
    ).values("score")[:1]
    return (
        ImpactScore.objects.filter(
            _referral_filter(ctx, "measurement__referral__"),
            measurement__moment=ImpactMeasurement.Moment.END,
            measurement__measured_on__gte=ctx.period.start,
            measurement__measured_on__lte=ctx.period.end,
        )
        .annotate(start_score=Subquery(start_score))
        .filter(start_score__isnull=False)
    )


def impact_rows(ctx: Context) -> list[dict]:
    """Per question: pairs, mean start, mean end, mean change (one query)."""
    return list(
        paired_end_scores(ctx)
        .order_by()
        .values(
            "question_id",
            "question__text",
            "question__order",
            "question__programme__name",
            "question__programme__initiative__name",
        )
        .annotate(
            n=Count("pk"),
            mean_start=Avg("start_score"),
            mean_end=Avg("score"),
            mean_change=Avg(F("score") - F("start_score")),
        )
        .order_by(
            "question__programme__initiative__name",
            "question__programme__name",
            "question__order",
            "question_id",
        )
    )


def mean_change(rows: list[dict]) -> float | None:
    n = sum(row["n"] for row in rows)
    if not n:
        return None
    return rounded(sum(row["mean_change"] * row["n"] for row in rows) / n, 2)


def figures(goals: dict, impact: list[dict]) -> list[Figure]:
    total = goals["total"]
    return [
        Figure(
            "goals_achieved_pct",
            _("Goals achieved"),
            rounded(100 * goals["achieved"] / total, 1) if total else None,
            unit="%",
            is_count=False,
        ),
        Figure(
            "impact_change",
            _("Mean change in impact scores (start to end)"),
            mean_change(impact),
            unit="points",
            is_count=False,
        ),
    ]


def goal_results(goals: dict) -> Table:
    return Table(
        key="goal_results",
        title=_("Goals at the end evaluation"),
        columns=(_("Goals"),),
        rows=(
            (_("Achieved"), (goals["achieved"],)),
            (_("Partly achieved"), (goals["partly"],)),
            (_("Not achieved"), (goals["not_achieved"],)),
        ),
        totals=(goals["total"],),
    )


def impact_by_question(ctx: Context, rows: list[dict]) -> Table:
    """Per question of the school-age programmes: pupils (pairs), means and mean change."""
    return impact_table(
        rows,
        key="impact_by_question",
        title=_("Change in impact scores by question"),
        persons=_("Pupils"),
    )


def impact_table(rows: list[dict], *, key: str, title: str, persons: str) -> Table:
    """``impact_rows`` as a table; ``persons`` heads the count column (pupils, adults)."""
    several = len({row["question__programme__name"] for row in rows}) > 1

    def label(row: dict) -> str:
        if several:
            return f"{row['question__programme__name']}: {row['question__text']}"
        return row["question__text"]

    return Table(
        key=key,
        title=title,
        columns=(persons, _("Mean at start"), _("Mean at end"), _("Mean change")),
        rows=tuple(
            (
                label(row),
                (
                    row["n"],
                    rounded(row["mean_start"], 2),
                    rounded(row["mean_end"], 2),
                    rounded(row["mean_change"], 2),
                ),
            )
            for row in rows
        ),
        totals=None,
        # The first column counts persons, so published output hides a row with
        # 1-4 of them, and with it the means over those few (suppression treats
        # the non-integer mean columns as derived from the row's count).
        counts=True,
    )
