"""Reads for the dashboards: everything comes from ``reports.indicators``.

This module counts nothing itself. It picks the scope and the period from the
filters, asks the indicator engine for the figures (``compute``, ``trend``,
``reach_gap``), finds the targets of the funding agreements that overlap the
period, and turns the result into charts (``reports.charts``). For the
municipal dashboard every figure and table goes through
``reports.suppression`` first, so counts of 1 to 4 show as "<5"; the
initiative's own dashboard shows exact numbers.

Queries: a fixed number per dashboard, whatever the number of pupils,
sessions, schools or neighbourhoods (the engine aggregates in the database).
Realised-against-target needs the targetable figures of every agreement with
targets, computed for all of them together in about ten queries
(``reports.indicators.agreements``). Recently computed figures come
from ``reports.indicators.cache``: a dashboard whose figures are kept reads
only the agreements, and says when its figures were computed. A filtered
municipal dashboard computes each view once: the figures the disclosure
check (``narrowing_discloses``) computed are the ones the page shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.periods import Period, school_year_start
from initiatives.models import Initiative, Programme
from municipality.models import FundingAgreement, Municipality, Neighbourhood, Target
from reports import charts, suppression
from reports.indicators import IndicatorScope, IndicatorSet, Table
from reports.indicators import cache as figures_cache

# The school years the trend chart shows, the last one being the period's.
TREND_YEARS = 5

HEADLINE_KEYS = (
    "pupils_reached",
    "pupils_reached_new",
    "pupils_reached_continuing",
    "referrals",
    "schools_referring",
    "matches_started",
    "matches_active",
    "sessions_held",
    "contact_hours",
)
WAITLIST_KEYS = ("waitlist_size_end", "waiting_days_median", "waiting_days_max")
VOLUNTEER_KEYS = (
    "volunteers_active",
    "volunteer_capacity",
    "volunteer_free_places",
    "volunteers_new",
    "volunteers_stopped",
    "volunteers_valid_vog_pct",
)
# Adult language coaching and language cafés: a section of their own, shown
# only when the view has adult programmes (reports.indicators.adults).
ADULT_KEYS = (
    "adult_learners_reached",
    "adult_meetings_planned",
    "adult_meetings_held",
    "adult_meetings_held_pct",
    "adult_tracks_ended",
    "adult_tracks_ended_early",
    "adult_dropout_pct",
    "adult_impact_learners",
    "adult_impact_change",
    "dropin_sessions",
    "dropin_visits",
)

# The order of the bars in a realised-against-target chart.
TARGET_ORDER = tuple(Target.Indicator.values)
REALISED_KEY = "realised_by_agreement"


@dataclass(frozen=True)
class DashboardFilters:
    """What the dashboard shows: a period and optional narrowing filters."""

    period: Period
    municipality: Municipality | None = None
    initiative: Initiative | None = None
    programme: Programme | None = None
    neighbourhood: Neighbourhood | None = None

    @property
    def scope(self) -> IndicatorScope:
        initiative_id = self.initiative.pk if self.initiative else None
        if initiative_id is None and self.programme is not None:
            initiative_id = self.programme.initiative_id
        return IndicatorScope(
            municipality_id=self.municipality.pk if self.municipality else None,
            initiative_id=initiative_id,
            programme_ids=(self.programme.pk,) if self.programme else None,
            neighbourhood_id=self.neighbourhood.pk if self.neighbourhood else None,
        )


@dataclass(frozen=True)
class Shown:
    """One figure as the page shows it: "12", "<5", "x", "-", "3,5", with its unit."""

    key: str
    label: str
    text: str
    unit: str = ""


@dataclass(frozen=True)
class TargetLine:
    """One indicator of an agreement: realised (as shown) and the target."""

    key: str
    label: str
    realised: str
    target: int


@dataclass(frozen=True)
class TargetBlock:
    """Realised against target for one funding agreement."""

    agreement: FundingAgreement
    title: str
    lines: tuple[TargetLine, ...]
    chart: charts.Chart


@dataclass(frozen=True)
class Dashboard:
    filters: DashboardFilters
    suppressed: bool
    headline: tuple[Shown, ...]
    waitlist: tuple[Shown, ...]
    volunteers: tuple[Shown, ...]
    targets: tuple[TargetBlock, ...]
    reach_charts: tuple[charts.Chart, ...]
    trend: charts.Chart
    reach_gap: Table  # schools, their schoolweging and size; no personal data
    # The filters asked for were dropped: they would have revealed a small count.
    withheld: bool = False
    # Adult programmes' figures; empty when the view has no adult programmes.
    adults: tuple[Shown, ...] = ()
    # When the oldest of the figures shown was computed (reports.indicators.cache).
    computed_at: dt.datetime | None = None

    @property
    def period(self) -> Period:
        return self.filters.period

    @property
    def refresh_minutes(self) -> int:
        """Within how many minutes new records show in the figures (0: at once).

        A cached figure is fresh for ``INDICATOR_CACHE_SECONDS`` and shown for
        as long again while it is computed anew (reports.indicators.cache).
        """
        return -(-2 * figures_cache.max_age() // 60)


# --- choices for the filters ---------------------------------------------------


def municipalities_for(user_scope) -> QuerySet[Municipality]:
    """The municipalities whose dashboard the user may open (all for an administrator)."""
    if user_scope.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=user_scope.municipality_ids)


def initiatives_in(municipality: Municipality) -> QuerySet[Initiative]:
    """Initiatives working in the municipality or funded for work there."""
    return (
        Initiative.objects.filter(
            Q(municipalities=municipality) | Q(funding_agreements__municipality=municipality)
        )
        .distinct()
        .order_by("name")
    )


def programmes_in(municipality: Municipality) -> QuerySet[Programme]:
    """Programmes serving the municipality."""
    return Programme.objects.filter(municipalities=municipality).order_by(
        "initiative__name", "name"
    )


def municipalities_of(initiative: Initiative) -> QuerySet[Municipality]:
    """Municipalities the initiative works in or is funded for."""
    return (
        Municipality.objects.filter(
            Q(initiatives=initiative) | Q(funding_agreements__initiative=initiative)
        )
        .distinct()
        .order_by("name")
    )


def neighbourhoods_of(municipality_ids) -> QuerySet[Neighbourhood]:
    return Neighbourhood.objects.filter(municipality_id__in=municipality_ids).order_by(
        "municipality__name", "name"
    )


# --- the dashboards ------------------------------------------------------------


def municipal_dashboard(*, user, filters: DashboardFilters) -> Dashboard:
    """The municipal view: every count suppressed ("<5"), no personal data.

    ``filters.municipality`` must be one the user may see (the view checks it).
    When the filters would give away a small count by difference with a
    broader view the official can also open, the whole municipality is shown
    instead and ``withheld`` says so. The figures the check computed (the
    filtered view's, the whole municipality's) are the ones shown.
    """
    computed: Computed = {}
    withheld = narrowing_discloses(filters, computed=computed)
    if withheld:
        filters = DashboardFilters(period=filters.period, municipality=filters.municipality)
    agreements = _agreements(user=user, filters=filters).filter(municipality=filters.municipality)
    dashboard = _dashboard(
        filters=filters,
        agreements=agreements,
        suppressed=True,
        view_figures=_view_figures(filters, computed),
    )
    return dataclasses.replace(dashboard, withheld=withheld)


@dataclass(frozen=True)
class ViewFigures:
    """What the engine gives for one view: its indicators and the trend over school years."""

    indicators: IndicatorSet
    trend: Table
    computed_at: dt.datetime | None = None

    @property
    def items(self) -> tuple:
        """Every figure and table the view publishes (as the disclosure check compares them)."""
        return (*self.indicators.figures, *self.indicators.tables, self.trend)


# The figures of the views computed for one page, by scope and period.
Computed = dict[tuple[IndicatorScope, Period], ViewFigures]


def _trend_years(period: Period) -> list[int]:
    last_year = school_year_start(period.end)
    return list(range(last_year - TREND_YEARS + 1, last_year + 1))


def _view_figures(
    filters: DashboardFilters, computed: Computed | None = None, *, refresh: bool = False
) -> ViewFigures:
    """The view's figures, computed once: taken from (and kept in) ``computed``.

    Recently computed figures come from ``reports.indicators.cache``;
    ``refresh`` computes them again (the beat job that keeps them fresh).
    """
    scope, period = filters.scope, filters.period
    key = (scope, period)
    if computed is not None and key in computed:
        return computed[key]
    indicators = figures_cache.figures(scope, period, refresh=refresh)
    trend_table = figures_cache.trend_of(scope, _trend_years(period), refresh=refresh)
    figures = ViewFigures(
        indicators=indicators.value,
        trend=trend_table.value,
        computed_at=min(indicators.computed_at, trend_table.computed_at),
    )
    if computed is not None:
        computed[key] = figures
    return figures


NARROWING_FIELDS = ("initiative", "programme", "neighbourhood")


def _broader(filters: DashboardFilters) -> list[DashboardFilters]:
    """Every view with some of the filters dropped: each one the official can open too."""
    chosen = [name for name in NARROWING_FIELDS if getattr(filters, name) is not None]
    views = []
    for size in range(len(chosen)):
        for kept in itertools.combinations(chosen, size):
            dropped = {name: None for name in chosen if name not in kept}
            view = dataclasses.replace(filters, **dropped)
            # a programme implies its initiative: dropping only that changes nothing
            if view.scope != filters.scope and view.scope not in {v.scope for v in views}:
                views.append(view)
    return views


def narrowing_discloses(filters: DashboardFilters, *, computed: Computed | None = None) -> bool:
    """Whether the filtered view differs from a broader one by a small count anywhere.

    The municipal dashboard, and the API's indicators for a municipality,
    refuse such a selection: the two views together would reveal 1 to 4
    persons (``reports.suppression.differs_by_small_count``). The figures of
    the views it computes are kept in ``computed``, for the page to show
    rather than compute again.
    """
    broader = _broader(filters)
    if not broader:
        return False
    narrow = _view_figures(filters, computed).items
    return any(
        suppression.differs_by_small_count(narrow, _view_figures(view, computed).items)
        for view in broader
    )


def initiative_dashboard(*, user, initiative: Initiative, filters: DashboardFilters) -> Dashboard:
    """The initiative's own view for its project leaders: exact numbers."""
    filters = dataclasses.replace(filters, initiative=initiative)
    agreements = _agreements(user=user, filters=filters)
    if filters.municipality is not None:
        agreements = agreements.filter(municipality=filters.municipality)
    return _dashboard(filters=filters, agreements=agreements, suppressed=False)


def agreements_signature(*, user, filters: DashboardFilters) -> tuple:
    """The agreements of the municipal dashboard of ``filters``, each with when it last changed.

    Saving an agreement (its targets and programmes too: the service saves
    the agreement with them) changes it; the kept page body depends on it
    (``pages``).
    """
    return tuple(
        _overlapping(FundingAgreement.objects.visible_to(user), filters.period)
        .filter(municipality=filters.municipality)
        .order_by("pk")
        .values_list("pk", "updated_at")
    )


def _overlapping(agreements: QuerySet[FundingAgreement], period: Period):
    """The agreements that run for at least a day of ``period``."""
    return agreements.filter(start_date__lte=period.end, end_date__gte=period.start)


def _agreements(*, user, filters: DashboardFilters) -> QuerySet[FundingAgreement]:
    """Agreements the user may see that overlap the period, narrowed by the filters."""
    agreements = _overlapping(FundingAgreement.objects.visible_to(user), filters.period)
    if filters.initiative is not None:
        agreements = agreements.filter(initiative=filters.initiative)
    if filters.programme is not None:
        agreements = agreements.filter(programmes=filters.programme)
    return (
        agreements.select_related("funder", "initiative", "municipality")
        .prefetch_related(
            Prefetch("programmes", queryset=Programme.objects.order_by("name")),
            "targets",
        )
        .order_by("initiative__name", "start_date", "funder__name", "pk")
        .distinct()
    )


def _dashboard(
    *,
    filters: DashboardFilters,
    agreements: QuerySet[FundingAgreement],
    suppressed: bool,
    view_figures: ViewFigures | None = None,
) -> Dashboard:
    """The page of ``filters``; ``view_figures`` are the view's, when computed already."""
    scope = filters.scope
    period = filters.period
    view_figures = view_figures or _view_figures(filters)
    indicators = view_figures.indicators
    trend_table = view_figures.trend
    with_targets = _with_targets(list(agreements), period=period)
    keys = _target_keys(indicators)
    realised_table = _realised_table(indicators, with_targets, keys)
    gap = figures_cache.gap(scope, period)
    # Everything on the page is protected together: the trend and the realised
    # figures per agreement could otherwise give away a hidden count.
    published = _publish(indicators, suppressed, extra_tables=(trend_table, realised_table))
    figures = {f.key: _shown(f) for f in published.figures}

    return Dashboard(
        filters=filters,
        suppressed=suppressed,
        headline=_pick(figures, HEADLINE_KEYS),
        waitlist=_pick(figures, WAITLIST_KEYS),
        volunteers=_pick(figures, VOLUNTEER_KEYS),
        adults=_pick(figures, ADULT_KEYS),
        targets=_target_blocks(with_targets, keys, realised=published.table(REALISED_KEY)),
        reach_charts=(
            charts.bar_chart(
                published.table("reach_by_neighbourhood"),
                title=_("Pupils reached by neighbourhood"),
                suppressed=suppressed,
                row_heading=_("Neighbourhood"),
            ),
            charts.bar_chart(
                published.table("reach_by_sector"),
                title=_("Pupils reached by school sector"),
                suppressed=suppressed,
                row_heading=_("School sector"),
            ),
        ),
        trend=charts.trend_chart(
            published.table("trend"), title=_("Trend over school years"), suppressed=suppressed
        ),
        reach_gap=gap.value,
        computed_at=min(
            [view_figures.computed_at, gap.computed_at, *(row.computed_at for row in with_targets)],
        ),
    )


def _publish(indicators, suppressed: bool, *, extra_tables=()) -> suppression.PublishedSet:
    if suppressed:
        return suppression.suppress_set(indicators, extra_tables=extra_tables)
    return suppression.exact_set(indicators, extra_tables=extra_tables)


@dataclass(frozen=True)
class _AgreementFigures:
    agreement: FundingAgreement
    targets: dict[str, int]
    indicators: IndicatorSet
    computed_at: dt.datetime


def _with_targets(
    agreements: list[FundingAgreement], *, period: Period, refresh: bool = False
) -> list[_AgreementFigures]:
    """The agreements that have targets, with their figures over ``period``.

    The figures of every distinct agreement scope (initiative plus
    programmes; co-financing agreements over the same programmes share it),
    recently computed ones from ``reports.indicators.cache``, the others
    computed together in a few queries.
    """
    with_targets = []
    for agreement in agreements:
        targets = {t.indicator: t.value for t in agreement.targets.all()}
        if targets:
            with_targets.append((agreement, targets, IndicatorScope.for_agreement(agreement)))
    computed = figures_cache.targetable_of_agreements(
        [scope for _agreement, _targets, scope in with_targets], period, refresh=refresh
    )
    return [
        _AgreementFigures(agreement, targets, computed[scope].value, computed[scope].computed_at)
        for agreement, targets, scope in with_targets
    ]


def warm(municipality: Municipality, period: Period) -> int:
    """Compute the municipality's default dashboard again (the beat job ``warm_dashboards``).

    The figures an official's unfiltered dashboard of ``period`` shows: the
    municipality's, its trend, its reach gap and those of every agreement
    with targets. Returns the number of agreements computed.
    """
    filters = DashboardFilters(period=period, municipality=municipality)
    _view_figures(filters, refresh=True)
    figures_cache.gap(filters.scope, period, refresh=True)
    agreements = (
        _overlapping(FundingAgreement.objects.filter(municipality=municipality), period)
        .prefetch_related("programmes", "targets")
        .order_by("pk")
    )
    return len(_with_targets(list(agreements), period=period, refresh=True))


def _target_keys(indicators: IndicatorSet) -> list[str]:
    """The target indicators the engine computes, in the order of the bars."""
    computed = {f.key for f in indicators.figures}
    return [key for key in TARGET_ORDER if key in computed]


def _realised_table(
    indicators: IndicatorSet, rows: list[_AgreementFigures], keys: list[str]
) -> Table:
    """Per agreement (row) the realised value of every target indicator (column).

    Counts of persons and other values side by side; the totals row holds the
    page's own figures, so the protection knows the agreements lie within them
    (it checks that the values agree before relying on it).
    """
    known = {f.key: f for f in indicators.figures}
    return Table(
        key=REALISED_KEY,
        title=_("Realised per funding agreement"),
        columns=tuple(str(known[key].label) for key in keys),
        rows=tuple(
            (_agreement_title(row.agreement), tuple(row.indicators.figure(k).value for k in keys))
            for row in rows
        ),
        totals=tuple(known[key].value for key in keys),
        counts=True,
    )


def _target_blocks(
    rows: list[_AgreementFigures], keys: list[str], *, realised
) -> tuple[TargetBlock, ...]:
    """One realised-against-target chart per agreement, with the protected values.

    ``realised`` is the published realised table: row ``i`` is ``rows[i]``,
    column ``j`` is ``keys[j]``.
    """
    blocks = []
    for r, row in enumerate(rows):
        figures = [
            suppression.PublishedFigure(
                dataclasses.replace(row.indicators.figure(key), target=row.targets[key]),
                display=realised.cells[r][c],
                hidden=(r, c) in realised.hidden,
            )
            for c, key in enumerate(keys)
            if key in row.targets
        ]
        title = _agreement_title(row.agreement)
        blocks.append(
            TargetBlock(
                agreement=row.agreement,
                title=title,
                lines=tuple(
                    TargetLine(key=f.key, label=str(f.label), realised=f.display, target=f.target)
                    for f in figures
                ),
                # The figures are published already (exact or protected), so
                # ``suppressed`` changes nothing but the table's form: the
                # suppressed form shows the share of target with its "%".
                chart=charts.target_bars(
                    figures,
                    title=_chart_title(row.agreement),
                    suppressed=True,
                    chart_id=f"chart-agreement-{row.agreement.pk}",
                ),
            )
        )
    return tuple(blocks)


def _chart_title(agreement: FundingAgreement) -> str:
    return _("Realised against target (%(funder)s, %(start)s - %(end)s)") % {
        "funder": agreement.funder.name,
        "start": date_format(agreement.start_date, "SHORT_DATE_FORMAT"),
        "end": date_format(agreement.end_date, "SHORT_DATE_FORMAT"),
    }


def _agreement_title(agreement: FundingAgreement) -> str:
    programmes = ", ".join(p.name for p in agreement.programmes.all())
    return _("%(initiative)s: %(programmes)s (%(funder)s, %(start)s - %(end)s)") % {
        "initiative": agreement.initiative.name,
        "programmes": programmes or _("all programmes"),
        "funder": agreement.funder.name,
        "start": date_format(agreement.start_date, "SHORT_DATE_FORMAT"),
        "end": date_format(agreement.end_date, "SHORT_DATE_FORMAT"),
    }


# --- figures as text -----------------------------------------------------------


def _unit_labels() -> dict[str, str]:
    return {
        "%": "%",
        "hours": _("hours"),
        "days": _("days"),
        "months": _("months"),
        "points": _("points"),
    }


def _shown(figure: suppression.PublishedFigure) -> Shown:
    unit = figure.unit
    if figure.display in (suppression.NOT_AVAILABLE, suppression.HIDDEN, suppression.SMALL):
        unit = ""
    return Shown(
        key=figure.key,
        label=str(figure.label),
        text=figure.display,
        unit=_unit_labels().get(unit, unit),
    )


def _pick(shown: dict[str, Shown], keys) -> tuple[Shown, ...]:
    return tuple(shown[key] for key in keys if key in shown)
