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

from . import per_agreement

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
    "adult_tracks_started",
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
    instead and ``withheld`` says so (``municipal_figures``).
    """
    return _dashboard(municipal_figures(user=user, filters=filters))


def municipal_figures(*, user, filters: DashboardFilters) -> DashboardFigures:
    """The municipal dashboard's figures, published with small-number suppression.

    The one place that decides what the municipal dashboard and the API's
    municipal indicators show: when the filters would give away a small
    count by difference with a broader view (``narrowing_discloses``), they
    are dropped, the whole municipality's figures are published instead and
    ``withheld`` says so. The figures the check computed (the filtered
    view's, the whole municipality's) are the ones published.
    """
    computed: Computed = {}
    withheld = narrowing_discloses(filters, computed=computed)
    if withheld:
        filters = DashboardFilters(period=filters.period, municipality=filters.municipality)
    agreements = _agreements(user=user, filters=filters).filter(municipality=filters.municipality)
    return _figures(
        filters=filters,
        agreements=agreements,
        suppressed=True,
        view_figures=_view_figures(filters, computed),
        withheld=withheld,
        computed=computed,
    )


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
    return _dashboard(initiative_figures(user=user, initiative=initiative, filters=filters))


def initiative_figures(
    *, user, initiative: Initiative, filters: DashboardFilters
) -> DashboardFigures:
    """The initiative dashboard's figures, exact (for the dashboard and the API)."""
    filters = dataclasses.replace(filters, initiative=initiative)
    agreements = _agreements(user=user, filters=filters)
    if filters.municipality is not None:
        agreements = agreements.filter(municipality=filters.municipality)
    return _figures(filters=filters, agreements=agreements, suppressed=False)


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


@dataclass(frozen=True)
class DashboardFigures:
    """Every figure and table of a dashboard, published (exact or protected) together.

    What the page draws (``_dashboard``) and what the API's indicators answer
    (``reports.api``) are made from this, so both show the same values.
    """

    filters: DashboardFilters  # the filters shown: without those withheld
    suppressed: bool
    published: suppression.PublishedSet
    with_targets: tuple[_AgreementFigures, ...]
    target_keys: tuple[str, ...]
    reach_gap: Table
    computed_at: dt.datetime
    withheld: bool = False

    @property
    def agreement_rows(self) -> list[tuple[FundingAgreement, str, dict[str, int]]]:
        """``(agreement, title, targets)`` in the order of the realised table's rows."""
        return [
            (row.agreement, _agreement_title(row.agreement), row.targets)
            for row in self.with_targets
        ]


def _figures(
    *,
    filters: DashboardFilters,
    agreements: QuerySet[FundingAgreement],
    suppressed: bool,
    view_figures: ViewFigures | None = None,
    withheld: bool = False,
    computed: Computed | None = None,
) -> DashboardFigures:
    """The figures of ``filters``; ``view_figures`` are the view's, when computed already."""
    scope = filters.scope
    period = filters.period
    view_figures = view_figures or _view_figures(filters, computed)
    indicators = view_figures.indicators
    with_targets = _with_targets(list(agreements), period=period)
    keys = _target_keys(indicators)
    gap = figures_cache.gap(scope, period)
    published = publish_page(
        filters, view_figures, with_targets, keys, suppressed=suppressed, computed=computed
    )
    return DashboardFigures(
        filters=filters,
        suppressed=suppressed,
        published=published,
        with_targets=tuple(with_targets),
        target_keys=tuple(keys),
        reach_gap=gap.value,
        computed_at=min(
            [view_figures.computed_at, gap.computed_at, *(row.computed_at for row in with_targets)],
        ),
        withheld=withheld,
    )


def _dashboard(data: DashboardFigures) -> Dashboard:
    """The page of the published figures ``data``."""
    published, suppressed = data.published, data.suppressed
    figures = {f.key: _shown(f) for f in published.figures}

    return Dashboard(
        filters=data.filters,
        suppressed=suppressed,
        headline=_pick(figures, HEADLINE_KEYS),
        waitlist=_pick(figures, WAITLIST_KEYS),
        volunteers=_pick(figures, VOLUNTEER_KEYS),
        adults=_pick(figures, ADULT_KEYS),
        targets=_target_blocks(
            list(data.with_targets), list(data.target_keys), realised=published.table(REALISED_KEY)
        ),
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
        reach_gap=data.reach_gap,
        withheld=data.withheld,
        computed_at=data.computed_at,
    )


def _publish(
    indicators, suppressed: bool, *, extra_tables=(), within=(), elsewhere=None
) -> suppression.PublishedSet:
    if suppressed:
        return suppression.suppress_set(
            indicators, extra_tables=extra_tables, within=within, elsewhere=elsewhere
        )
    return suppression.exact_set(indicators, extra_tables=extra_tables)


def municipal_publication(municipality: Municipality, period: Period) -> suppression.PublishedSet:
    """What the municipality's unfiltered dashboard publishes, as its officials see it.

    The enclosing figures of an agreement's report (``per_agreement``): every
    agreement of the municipality with targets, as an official's page has.
    """
    filters = DashboardFilters(period=period, municipality=municipality)
    agreements = (
        _overlapping(FundingAgreement.objects.filter(municipality=municipality), period)
        .select_related("funder", "initiative", "municipality")
        .prefetch_related(
            Prefetch("programmes", queryset=Programme.objects.order_by("name")), "targets"
        )
        .order_by("initiative__name", "start_date", "funder__name", "pk")
    )
    view_figures = _view_figures(filters)
    with_targets = _with_targets(list(agreements), period=period)
    keys = _target_keys(view_figures.indicators)
    return publish_page(filters, view_figures, with_targets, keys, suppressed=True)


def publish_page(
    filters: DashboardFilters,
    view_figures: ViewFigures,
    with_targets: list[_AgreementFigures],
    keys: list[str],
    *,
    suppressed: bool,
    computed: Computed | None = None,
) -> suppression.PublishedSet:
    """Every figure and table of a dashboard (and of the API's answer), published.

    Everything on the page is protected together: the trend and the realised
    figures per agreement could otherwise give away a hidden count. The
    agreements' rows lie within the page's figures (``per_agreement.within``:
    the persons outside an agreement are a count too) and show what every
    output shows of them (``per_agreement.decisions``).
    """
    indicators = view_figures.indicators
    realised_table = _realised_table(indicators, with_targets, keys)
    extra_tables = (view_figures.trend, realised_table)
    if not suppressed:
        return _publish(indicators, False, extra_tables=extra_tables)
    agreements = [row.agreement for row in with_targets]
    elsewhere = None
    if filters.municipality is not None and agreements:
        whole = DashboardFilters(period=filters.period, municipality=filters.municipality)
        decided = per_agreement.decisions(
            filters.municipality,
            filters.period,
            municipal=_view_figures(whole, computed).indicators,
        )
        elsewhere = per_agreement.for_rows(REALISED_KEY, agreements, keys, decided)
    return _publish(
        indicators,
        True,
        extra_tables=extra_tables,
        within=(per_agreement.within(REALISED_KEY, agreements, keys),),
        elsewhere=elsewhere,
    )


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
