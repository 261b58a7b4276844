"""compute(), trend() and reach_gap(): the public entry points."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from core.models import SchoolGrade
from core.periods import Period, school_year_label

from . import adults, matches, outcomes, pupils, referrals, volunteers
from .context import Context
from .scope import IndicatorScope
from .types import Figure, IndicatorSet, Table

# The figures a target can be set for (municipality.models.Target.Indicator).
TARGETABLE = (
    "pupils_reached",
    "matches_started",
    "volunteers_active",
    "contact_hours",
    "sessions_held",
    "schools_referring",
    "goals_achieved_pct",
    # adult language coaching (reports.indicators.adults)
    "adult_learners_reached",
    "adult_tracks_started",
)


def compute(
    scope: IndicatorScope, period: Period, *, targets: dict[str, int] | None = None
) -> IndicatorSet:
    """Every figure and table for ``scope`` over ``period`` (docs/indicators.md).

    ``targets`` maps figure keys (``Target.Indicator`` values) to target values;
    they are attached to the figures with the same key. A fixed number of
    queries (about 20), whatever the amount of data.

    The school-age figures and tables count only programmes for pupils; the
    adult programmes in scope have a section of their own (``adults``).
    """
    return _compute(Context.build(scope, period), targets=targets)


def _compute(
    ctx: Context, *, targets: dict[str, int] | None, rows: list[pupils.ReachRow] | None = None
) -> IndicatorSet:
    """``rows``: reach rows of every audience (``reach_rows(ctx.for_audience(None))``)."""
    if rows is None:
        rows = pupils.reach_rows(ctx.for_audience(None))
    school_rows = pupils.pupil_rows(ctx, rows)
    groups = pupils.reach_groups(ctx, school_rows)
    reach = pupils.reach_counts(ctx, groups)
    referral_counts = referrals.referral_counts(ctx)
    wait = referrals.waitlist(ctx)
    match_counts = matches.match_counts(ctx)
    moment_counts = matches.moment_counts(ctx)
    volunteer_counts = volunteers.volunteer_counts(ctx)
    goals = outcomes.goal_counts(ctx)
    impact = outcomes.impact_rows(ctx)
    adult_figures, adult_tables = adults.section(ctx, rows)

    figures: list[Figure] = [
        *pupils.figures(ctx, reach),
        *referrals.figures(referral_counts, wait),
        *matches.figures(match_counts, moment_counts),
        *volunteers.figures(volunteer_counts),
        *outcomes.figures(goals, impact),
        *adult_figures,
    ]
    tables: list[Table] = [
        *pupils.tables(ctx, groups, school_rows),
        *referrals.tables(ctx, referral_counts["referrals"]),
        matches.ended_early_reasons(ctx, match_counts["matches_ended_early"]),
        outcomes.goal_results(goals),
        outcomes.impact_by_question(ctx, impact),
        *adult_tables,
    ]
    return IndicatorSet(
        scope=ctx.scope,
        period=ctx.period,
        figures=tuple(_with_targets(figures, targets or {})),
        tables=tuple(tables),
    )


def compute_overview(
    scope: IndicatorScope, agreement_scopes: list[IndicatorScope], period: Period
) -> tuple[IndicatorSet, dict[IndicatorScope, IndicatorSet]]:
    """``compute(scope)`` of a whole municipality and ``compute_targetable`` of its agreements.

    What the municipal overview report prints: the pupils reached are read
    once for both, the agreements' other figures in a few grouped queries
    (``agreements.targetable_per_agreement``).
    """
    from .agreements import targetable_per_agreement

    whole = IndicatorScope(municipality_id=scope.municipality_id)
    if scope != whole or any(s.municipality_id != scope.municipality_id for s in agreement_scopes):
        raise ValueError("A whole municipality and agreements of that municipality are needed.")
    ctx = Context.build(scope, period)
    rows = pupils.reach_rows(ctx.for_audience(None))
    municipal = _compute(ctx, targets=None, rows=rows)
    per_agreement = targetable_per_agreement(
        agreement_scopes, period, reached=pupils.reached_per_programme(rows)
    )
    return municipal, per_agreement


# The waitlist figures are not targetable: compute_targetable leaves them out.
NO_WAITLIST = {"waitlist_size_end": None, "waiting_days_median": None, "waiting_days_max": None}


def compute_targetable(scope: IndicatorScope, period: Period) -> IndicatorSet:
    """Only the figures a target can be set for (``TARGETABLE``), no tables.

    What realised-against-target needs for each funding agreement on a
    dashboard: the same definitions and labels as ``compute``, in seven
    queries instead of about twenty (eight with an adult programme in
    scope). The adult targetable figures are always there, 0 without adult
    programmes, so every agreement has every column of a realised table.
    """
    ctx = Context.build(scope, period)
    rows = pupils.reach_rows(ctx.for_audience(None))
    school = pupils.reach_groups(ctx, pupils.pupil_rows(ctx, rows))
    volunteer_counts = defaultdict(lambda: None, volunteers.trend_counts(ctx))
    figures: list[Figure] = [
        *pupils.figures(ctx, pupils.reach_counts(ctx, school)),
        *referrals.figures(referrals.referral_counts(ctx), NO_WAITLIST),
        *matches.figures(matches.match_counts(ctx), matches.moment_counts(ctx)),
        *volunteers.figures(volunteer_counts),
        *outcomes.figures(outcomes.goal_counts(ctx), []),
        *adults.targetable_figures(pupils.adult_learners(ctx, rows), adults.tracks_started(ctx)),
    ]
    return IndicatorSet(
        scope=scope,
        period=period,
        figures=tuple(f for f in figures if f.key in TARGETABLE),
        tables=(),
    )


def agreement_targets(agreement) -> dict[str, int]:
    """The targets of a funding agreement, ready for ``compute(..., targets=...)``."""
    return dict(agreement.targets.values_list("indicator", "value"))


def _with_targets(figures: list[Figure], targets: dict[str, int]) -> list[Figure]:
    return [replace(f, target=targets[f.key]) if f.key in targets else f for f in figures]


# -- trend ---------------------------------------------------------------------

TREND_COLUMNS = (
    "pupils_reached",
    "pupils_reached_new",
    "pupils_reached_continuing",
    "referrals",
    "waitlist_size_end",
    "matches_started",
    "matches_ended_early",
    "volunteers_active",
)


def _trend_labels() -> dict[str, str]:
    return {
        "pupils_reached": _("Pupils reached"),
        "pupils_reached_new": _("New pupils reached"),
        "pupils_reached_continuing": _("Continuing pupils reached"),
        "referrals": _("Referrals"),
        "waitlist_size_end": _("On the waitlist at the end of the period"),
        "matches_started": _("Matches started"),
        "matches_ended_early": _("Matches ended early"),
        "volunteers_active": _("Active volunteers"),
    }


def trend(scope: IndicatorScope, school_years: list[int]) -> Table:
    """The main counts per school year (rows in the order given), same definitions as compute().

    One query for the programmes, then five per school year. School-age
    programmes only, as in compute() (the volunteers are shared).
    """
    base = Context.build(scope, Period.school_year(min(school_years, default=2000)))
    labels = _trend_labels()
    rows = []
    for year in school_years:
        ctx = Context(scope=scope, period=Period.school_year(year), programmes=base.programmes)
        values = {
            **pupils.reach_counts(ctx),
            **referrals.referral_counts(ctx),
            **matches.match_counts(ctx),
            **volunteers.trend_counts(ctx),
            "waitlist_size_end": referrals.waiting_at_end(ctx).count(),
        }
        rows.append((school_year_label(year), tuple(values[key] for key in TREND_COLUMNS)))
    return Table(
        key="trend",
        title=_("Trend over school years"),
        columns=tuple(labels[key] for key in TREND_COLUMNS),
        rows=tuple(rows),
        totals=None,
    )


# -- reach gap -----------------------------------------------------------------


def reach_gap(scope: IndicatorScope, period: Period) -> Table:
    """Schools of the municipality that referred no pupil in the period, highest schoolweging first.

    Only schools the school-age programmes in scope can serve: the sector fits the
    programmes' year groups (PO for groep 1-8, VO for klas 1-6) and, for a
    programme limited to some schools, the school is one of them. The
    schoolweging is that of the latest school year for which it is known.
    Empty for a scope without a municipality. Two queries.
    """
    from schools.models import SchoolLocation, SchoolYearFigure

    columns = (_("Schoolweging"), _("Pupils at the school"))
    title = _("Schools that referred no pupil")
    if scope.municipality_id is None:
        return Table(key="reach_gap", title=title, columns=columns, rows=(), counts=False)
    ctx = Context.build(scope, period)

    # Adult programmes serve no school: only the school-age ones decide.
    sectors: set[str] = set()
    for programme in ctx.pupil_programmes:
        if programme.min_grade <= SchoolGrade.GROEP_8:
            sectors.add(SchoolLocation.Sector.PO)
        if programme.max_grade >= SchoolGrade.KLAS_1:
            sectors.add(SchoolLocation.Sector.VO)

    if any(not programme.school_restricted for programme in ctx.pupil_programmes):
        served = Q()
    else:
        served = Q(
            Exists(
                SchoolLocation.programmes.through.objects.filter(
                    schoollocation_id=OuterRef("pk"), programme_id__in=ctx.pupil_programme_ids
                )
            )
        )

    referred = referrals.submitted_in_period(ctx).filter(referring_school_id=OuterRef("pk"))
    latest = SchoolYearFigure.objects.filter(school_id=OuterRef("pk")).order_by("-school_year")
    schools = (
        SchoolLocation.objects.filter(municipality_id=scope.municipality_id, sector__in=sectors)
        .filter(served)
        .filter(~Exists(referred))
        .annotate(
            weighting=Subquery(latest.filter(weighting__isnull=False).values("weighting")[:1]),
            latest_pupil_count=Subquery(
                latest.filter(pupil_count__isnull=False).values("pupil_count")[:1]
            ),
        )
        .order_by(F("weighting").desc(nulls_last=True), "name", "pk")
        .values_list("name", "location_code", "weighting", "latest_pupil_count")
    )
    rows = list(schools)
    names = [name for name, *_rest in rows]
    return Table(
        key="reach_gap",
        title=title,
        columns=columns,
        rows=tuple(
            (
                f"{name} ({code})" if names.count(name) > 1 else name,
                (float(weighting) if weighting is not None else None, pupils),
            )
            for name, code, weighting, pupils in rows
        ),
        totals=None,
        counts=False,
    )
