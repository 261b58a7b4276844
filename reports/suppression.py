"""Small-number suppression for every figure that leaves the initiative.

The municipal dashboard, the reports to a municipality and their exports show
counts of persons of 1 to 4 as "<5" (*primary* suppression), and no hidden
count may be worked out from the other figures of the same table or document:
row and column totals, a figure that equals a table total, two tables that
split the same total differently, or the difference between two figures.
Where it could be, other figures are hidden too (*secondary* suppression,
shown as "x"). The initiative's own dashboard shows exact numbers
(:func:`exact_table`, :func:`exact_set`).

How it works
------------
Every count becomes a variable; what is known about how the counts hang
together becomes a linear relation between them:

- a column and its total: ``total = sum(cells)`` when the cells add up to the
  total; when they add up to more (a pupil can be in two rows),
  ``max(cells) <= total <= sum(cells)``;
- a column of a table that is the sum of some other columns in every row
  (for example "reached" = "new" + "continuing"), found from the data; in a
  table with one row only a column that is the sum of all others (one row is
  little evidence);
- a table total or a table without totals row and the headline figure of the
  same count (the value decides: equal values are treated as the same count),
  and likewise the cells of a row for the document's own period (the trend's
  current school year);
- a headline figure and its parts (:data:`FIGURE_SUMS`);
- a headline figure that contains another (:data:`FIGURE_CONTAINS`): the
  difference is a count that is never published (matches ended minus ended
  early: the completed ones), protected like a "<5" when it is 1 to 4;
- a percentage of a headline count (:data:`FIGURE_SHARES`): the count it
  stands for, and the rest of the base, are counts too (80.0% of 10: 8 and
  2); the percentage is published exactly when that count would be;
- rows that lie within the totals row (:class:`Within`: the funding
  agreements of a municipality): the persons outside each row, and outside
  all rows that count different persons, are counts that are never
  published;
- two tables with the same total where one groups the rows of the other
  (pupils by sector and by year group), found from the data.

Relations found from the data may be coincidences; a relation too many only
hides more, it never publishes more.

The attacker we defend against knows all published figures, all relations
above, that every count is a whole number, that a "<5" is 1 to 4 and that an
"x" is 0 or more. For every hidden count an integer program
(``scipy.optimize.milp``) finds its smallest and largest value consistent
with all of that. While some "<5" has only one possible value, one more
figure next to it is hidden: first one in the same relation, then one further
away; non-zero before zero, table cells before totals and headline figures,
the smallest first (it costs the reader least). When everything around it is
hidden already and "<5" itself still gives it away (four "<5" cells under a
"<5" total must be 1 each), a total there (else a cell) is shown as "x"
instead of "<5", with the headline figure equal to it.
Afterwards each secondary figure, the largest first, is published again when
every "<5" keeps at least two possible values without it, and an "x" that
can be worked out anyway is published (that tells nobody anything new).

Guarantee: every hidden count has at least two possible values for this
attacker, so also for one who knows less (who ignores that counts are whole
numbers, for example). A "0" is published: it discloses nobody (a difference
of 0 too). Percentages and averages derived from a hidden count are hidden
too.

Across outputs
--------------
A document does not know what other outputs publish; :class:`Elsewhere`
tells it. The figures per funding agreement are decided once per
municipality and period (``municipality.dashboards.per_agreement``): what
that hides is hidden (and protected) in every output, what it publishes is
kept published where possible. An agreement's own report also gets the
municipal figures as ``enclosing``: known to the reader, so a count that
differs from its municipal counterpart by 1 to 4 is hidden. Not covered:
other relations with figures outside the document (a filtered dashboard
against an agreement's report, two periods), figures computed at different
moments, an output that must hide a figure the others publish to protect a
small count of its own, and an attacker who knows which figure this
procedure would pick. docs/indicators.md ("Small numbers") says the same.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from scipy.optimize import Bounds, LinearConstraint, milp

from reports.indicators.types import Figure, IndicatorSet, Number, Table, by_key

logger = logging.getLogger(__name__)

THRESHOLD = 5
SMALL = "<5"  # a count of 1 to 4
HIDDEN = "x"  # hidden so that a small count cannot be worked out
NOT_AVAILABLE = "-"

LEGEND = {
    SMALL: _("fewer than 5: not shown exactly"),
    HIDDEN: _("not shown, so that a small number cannot be worked out from the other figures"),
}

# Headline figures that are the sum of other headline figures.
FIGURE_SUMS: dict[str, tuple[str, ...]] = {
    "pupils_reached": ("pupils_reached_new", "pupils_reached_continuing"),
}

# Headline figures that contain others: the difference is a count of its own
# (matches ended minus ended early: the completed ones), hidden when 1 to 4.
FIGURE_CONTAINS: dict[str, tuple[str, ...]] = {
    "matches_active": ("matches_started", "matches_ended"),
    "matches_ended": ("matches_ended_early",),
    "adult_tracks_ended": ("adult_tracks_ended_early",),
    "volunteer_capacity": ("volunteer_free_places",),
}

# Percentages of a headline count: the share of its base is a count (and so is
# the rest of the base): the percentage is hidden when either is 1 to 4.
FIGURE_SHARES: dict[str, str] = {
    "volunteers_valid_vog_pct": "volunteers_active",
}

# Tables without a totals row whose rows overlap in the count of a figure
# (max(rows) <= figure <= sum(rows)): a pupil can take part in two programmes.
TABLE_UNION_OF: dict[str, str] = {
    "reach_by_programme": "pupils_reached",
}

# Percentages and averages, and the counts they are computed from: hidden when
# one of those is hidden ("table:<key>": when any count in that table is hidden).
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "waiting_days_median": ("waitlist_size_end",),
    "waiting_days_max": ("waitlist_size_end",),
    "teacher_contacts_per_match": ("matches_active",),
    "volunteer_tenure_median_months": ("volunteers_stopped",),
    "volunteers_valid_vog_pct": ("volunteers_active",),
    "goals_achieved_pct": ("table:goal_results",),
    "impact_change": ("table:impact_by_question",),
    "adult_dropout_pct": ("adult_tracks_ended", "adult_tracks_ended_early"),
    "adult_impact_change": ("adult_impact_learners", "table:adult_impact_by_question"),
}

_MAX_SUBSET_COLUMNS = 10  # beyond this, only "one column = all others" is looked for


def shown(value: Number) -> str:
    """The published form of one count: "<5" for 1 to 4, "-" when unknown."""
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, int) and 0 < value < THRESHOLD:
        return SMALL
    return exact(value)


def exact(value: Number) -> str:
    """A value as the initiative itself sees it (no suppression)."""
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, int):
        return str(value)
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimal_pos=1)


def _is_count(value: Number) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class SuppressedTable:
    table: Table  # the input
    cells: tuple[tuple[str, ...], ...]  # display strings, same shape as the rows' values
    totals: tuple[str, ...] | None
    hidden: frozenset[tuple[int, int]]  # (row, col) of suppressed cells, incl. secondary
    hidden_totals: frozenset[int] = frozenset()  # columns whose total is suppressed

    @property
    def key(self) -> str:
        return self.table.key

    @property
    def title(self) -> str:
        return self.table.title

    @property
    def columns(self) -> tuple[str, ...]:
        return self.table.columns

    @property
    def rows(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(row label, display strings) per row."""
        return tuple(
            (label, cells)
            for (label, _values), cells in zip(self.table.rows, self.cells, strict=True)
        )

    @property
    def is_suppressed(self) -> bool:
        return bool(self.hidden or self.hidden_totals)

    @property
    def legend(self) -> tuple[tuple[str, str], ...]:
        """(symbol, explanation) for each symbol that occurs in the table."""
        used = {c for row in self.cells for c in row} | set(self.totals or ())
        return tuple((symbol, str(text)) for symbol, text in LEGEND.items() if symbol in used)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": str(self.title),
            "columns": [str(c) for c in self.columns],
            "rows": [[str(label), list(cells)] for label, cells in self.rows],
            "totals": list(self.totals) if self.totals is not None else None,
        }


@dataclass(frozen=True)
class PublishedFigure:
    figure: Figure
    display: str  # "<5", "x", "12", "3,5", "-"
    hidden: bool = False

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def label(self) -> str:
        return self.figure.label

    @property
    def unit(self) -> str:
        return self.figure.unit

    @property
    def target(self) -> int | None:
        return self.figure.target

    @property
    def target_display(self) -> str:
        # A target is an agreement, not a count of persons: shown as it is.
        return exact(self.figure.target)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "display": self.display,
            "target": self.target,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class PublishedSet:
    """What may leave the initiative: every figure and table, as display strings."""

    indicators: IndicatorSet
    figures: tuple[PublishedFigure, ...]
    tables: tuple[SuppressedTable, ...]

    def figure(self, key: str) -> PublishedFigure:
        return by_key(self.figures, key)

    def table(self, key: str) -> SuppressedTable:
        return by_key(self.tables, key)

    def as_dict(self) -> dict:
        return {
            "figures": [figure.as_dict() for figure in self.figures],
            "tables": [table.as_dict() for table in self.tables],
        }


@dataclass(frozen=True)
class Within:
    """The rows of table ``table`` count parts of its totals row: agreements in a municipality.

    Per column ``c``, ``same[c]`` groups the rows that count the same persons
    (co-financing: two agreements over the same programmes), so they are
    equal. Each group lies within the total, and the total minus a group is a
    count too (the persons outside it). Where ``disjoint[c]`` the groups count
    different persons, so the total is their sum plus the persons outside all
    of them. The values are checked before a relation is used.
    """

    table: str
    same: tuple[tuple[tuple[int, ...], ...], ...]
    disjoint: tuple[bool, ...]


@dataclass(frozen=True)
class Elsewhere:
    """What other outputs of the same municipality publish beside this document.

    ``figures`` (by key) and ``cells`` (by table key, row and column) are
    displays decided once for every output (``"x"``, ``"<5"`` or a number):
    a hidden one is hidden here too, and protected as a small count is; a
    published one stays published unless nothing else can protect a small
    count. ``enclosing`` are the figures and tables of a view that contains
    this one (the whole municipality around a funding agreement): the
    reader knows them, so a count here that differs from its counterpart
    there by 1 to 4 is protected like any other hidden count.
    """

    figures: Mapping[str, str] = field(default_factory=dict)
    cells: Mapping[tuple[str, int, int], str] = field(default_factory=dict)
    enclosing: Sequence[Figure | Table] = ()


# --------------------------------------------------------------------------
# Public entry points


def differs_by_small_count(
    narrow: Sequence[Figure | Table], whole: Sequence[Figure | Table]
) -> bool:
    """Whether publishing ``narrow`` beside ``whole`` gives away a small count by difference.

    ``narrow`` and ``whole`` are the figures and tables of two views of which
    one is a part of the other (a filtered dashboard and the unfiltered one).
    Each is protected on its own, but a reader of both could subtract: 57
    pupils reached in the municipality and 55 in one neighbourhood tell that
    2 live elsewhere. True when any count figure, or any count cell (matched
    by table, row label and column), is published exactly in both (0 or at
    least 5; a "<5" tells no exact value to subtract from) and differs between
    the two by 1 to 4.
    """
    whole_by_key = {item.key: item for item in whole}
    for item in narrow:
        other = whole_by_key.get(item.key)
        if other is None or type(other) is not type(item):
            continue
        if isinstance(item, Figure):
            pairs = [(item.value, other.value)] if item.is_count else []
        elif item.counts:
            other_rows = dict(other.rows)
            pairs = [
                pair
                for label, values in item.rows
                for pair in zip(values, other_rows.get(label, ()), strict=False)
            ]
            if item.totals is not None and other.totals is not None:
                pairs += list(zip(item.totals, other.totals, strict=False))
        else:
            pairs = []
        for part, total in pairs:
            if not (_is_count(part) and _is_count(total)):
                continue
            exact_in_both = part >= THRESHOLD and total >= THRESHOLD
            if exact_in_both and 0 < total - part < THRESHOLD:
                return True
    return False


def suppress_table(table: Table, *, within: Within | None = None) -> SuppressedTable:
    """One table on its own. In a document with more figures use :func:`suppress_set`.

    ``within``: the rows are parts of the totals row (see :class:`Within`).
    """
    system = _System()
    layout = system.add_table(table)
    if within is not None and within.table == table.key:
        system.add_within(layout, within)
    system.add_cross_table_relations([layout])
    hidden = system.protect()
    return layout.result(system, hidden)


def suppress_set(
    indicators: IndicatorSet,
    *,
    extra_tables: Sequence[Table] = (),
    within: Sequence[Within] = (),
    elsewhere: Elsewhere | None = None,
) -> PublishedSet:
    """Every figure and table of a document, protected together.

    ``extra_tables`` (the trend, for example) are shown in the same document and
    protected with it. A table total and a headline figure of the same count
    are one quantity to the protection, so they are always shown alike.
    ``within`` says which tables' rows are parts of their totals (the
    realised figures per funding agreement); ``elsewhere`` what other outputs
    of the municipality publish (:class:`Elsewhere`).
    """
    try:
        return _suppress_set(indicators, extra_tables, within, elsewhere)
    except _Unprotectable:
        if elsewhere is None or not elsewhere.enclosing:
            raise
        # What the enclosing view publishes leaves nothing to hide here: the
        # document is protected on its own (see "Not covered" above).
        logger.warning("suppression: enclosing figures left out for %s", indicators.scope)
        without = Elsewhere(figures=elsewhere.figures, cells=elsewhere.cells)
        return _suppress_set(indicators, extra_tables, within, without)


def _suppress_set(indicators, extra_tables, within, elsewhere) -> PublishedSet:
    system = _System()
    figure_vars: dict[str, int] = {}
    for figure in indicators.figures:
        if figure.is_count and _is_count(figure.value):
            figure_vars[figure.key] = system.var(figure.value, aggregate=True)
    for whole, parts in FIGURE_SUMS.items():
        if whole in figure_vars and all(p in figure_vars for p in parts):
            part_vars = [figure_vars[p] for p in parts]
            if system.values[figure_vars[whole]] == sum(system.values[v] for v in part_vars):
                system.equal_sum(figure_vars[whole], part_vars)
    for whole, parts in FIGURE_CONTAINS.items():
        for part in parts:
            if whole in figure_vars and part in figure_vars:
                system.contains(figure_vars[whole], [figure_vars[part]])
    share_vars = _add_shares(system, indicators, figure_vars)

    layouts = [system.add_table(table) for table in (*indicators.tables, *extra_tables)]
    for layout in layouts:
        for item in within:
            if item.table == layout.table.key:
                system.add_within(layout, item)
    if elsewhere is not None:
        _add_elsewhere(system, elsewhere, figure_vars, layouts)
    for layout in layouts:
        for total in layout.total_vars.values():
            for figure_var in figure_vars.values():
                if system.values[figure_var] == system.values[total]:
                    system.equal_sum(total, [figure_var])
        # A row for the document's own period (the trend's current school year)
        # repeats the headline figures.
        for r, (label, _values) in enumerate(layout.table.rows):
            if str(label) != indicators.period.label:
                continue
            for (row, _c), cell in layout.cell_vars.items():
                for figure_var in figure_vars.values():
                    if row == r and system.values[figure_var] == system.values[cell]:
                        system.equal_sum(cell, [figure_var])
        figure_key = TABLE_UNION_OF.get(layout.table.key)
        if figure_key in figure_vars and layout.table.totals is None:
            for column in range(len(layout.table.columns)):
                system.union_of(figure_vars[figure_key], layout.column_vars(column))
    system.add_cross_table_relations(layouts)

    hidden = system.protect()
    tables = tuple(layout.result(system, hidden) for layout in layouts)
    hidden_keys = {key for key, var in figure_vars.items() if var in hidden}
    hidden_keys.update(f"table:{table.key}" for table in tables if table.is_suppressed)
    figures = []
    for figure in indicators.figures:
        var = figure_vars.get(figure.key)
        if var is not None:
            figures.append(PublishedFigure(figure, system.display(var, hidden), var in hidden))
        elif figure.is_count:
            figures.append(PublishedFigure(figure, shown(figure.value)))
        elif figure.value is not None and (
            hidden_keys.intersection(DERIVED_FROM.get(figure.key, ()))
            or share_vars.get(figure.key) in hidden
        ):
            figures.append(PublishedFigure(figure, HIDDEN, hidden=True))
        else:
            figures.append(PublishedFigure(figure, exact(figure.value)))
    return PublishedSet(
        indicators=indicators,
        figures=tuple(figures),
        tables=tables,
    )


def _add_shares(system: _System, indicators: IndicatorSet, figure_vars: dict[str, int]) -> dict:
    """A variable for the count behind each percentage of :data:`FIGURE_SHARES`.

    80.0% of 10 active volunteers tells that 8 have a valid VOG and 2 have
    not: the percentage publishes that count. It is hidden with it.
    """
    share_vars: dict[str, int] = {}
    values = {f.key: f.value for f in indicators.figures}
    for share_key, base_key in FIGURE_SHARES.items():
        share, base = values.get(share_key), figure_vars.get(base_key)
        if base is None or not isinstance(share, int | float) or isinstance(share, bool):
            continue
        total = system.values[base]
        part = round(Decimal(str(share)) * total / 100)
        if not 0 <= part <= total:
            continue
        var = system.var(part)  # a cell, not an aggregate: hidden before its base
        if 0 < part < THRESHOLD:
            system.masked.add(var)  # the percentage shows "x", never "<5"
        system.contains(base, [var])
        share_vars[share_key] = var
    return share_vars


def _add_elsewhere(
    system: _System, elsewhere: Elsewhere, figure_vars: dict[str, int], layouts
) -> None:
    """What other outputs decided and publish: see :class:`Elsewhere`."""
    by_key = {layout.table.key: layout for layout in layouts}
    decided = [(figure_vars.get(key), display) for key, display in elsewhere.figures.items()]
    for (table_key, row, column), display in elsewhere.cells.items():
        layout = by_key.get(table_key)
        if layout is not None:
            decided.append((layout.cell_vars.get((row, column)), display))
    for var, display in decided:
        if var is None:
            continue
        if display in (SMALL, HIDDEN):
            system.forced.add(var)
            if display == HIDDEN or not system._is_primary(var):
                system.masked.add(var)
        else:
            system.keep.add(var)

    def known(value: Number) -> int | None:
        # A "<5" there tells no exact value to subtract from.
        if _is_count(value) and value >= THRESHOLD:
            var = system.var(value, aggregate=True)
            system.fixed.add(var)
            return var
        return None

    for item in elsewhere.enclosing:
        if isinstance(item, Figure):
            var = figure_vars.get(item.key)
            if var is not None and item.is_count and (outer := known(item.value)) is not None:
                system.contains(outer, [var])
            continue
        layout = by_key.get(item.key)
        if layout is None or not item.counts or not layout.table.counts:
            continue
        rows = {str(label): values for label, values in item.rows}
        for r, (label, _values) in enumerate(layout.table.rows):
            for c, value in enumerate(rows.get(str(label), ())):
                var = layout.cell_vars.get((r, c))
                if var is not None and (outer := known(value)) is not None:
                    system.contains(outer, [var])
        for c, value in enumerate(item.totals or ()):
            var = layout.total_vars.get(c)
            if var is not None and (outer := known(value)) is not None:
                system.contains(outer, [var])


def exact_table(table: Table) -> SuppressedTable:
    """The same shape with exact numbers, for the initiative's own dashboard."""
    return SuppressedTable(
        table=table,
        cells=tuple(tuple(exact(v) for v in values) for _label, values in table.rows),
        totals=tuple(exact(v) for v in table.totals) if table.totals is not None else None,
        hidden=frozenset(),
    )


def exact_set(indicators: IndicatorSet, *, extra_tables: Sequence[Table] = ()) -> PublishedSet:
    return PublishedSet(
        indicators=indicators,
        figures=tuple(PublishedFigure(f, exact(f.value)) for f in indicators.figures),
        tables=tuple(exact_table(t) for t in (*indicators.tables, *extra_tables)),
    )


# --------------------------------------------------------------------------
# The protection


class _Unprotectable(RuntimeError):
    """No figure left to hide: never publish a guess."""


@dataclass
class _Relation:
    terms: tuple[tuple[int, int], ...]  # (variable, coefficient)
    equality: bool  # sum(coef * x) == 0, else >= 0


@dataclass
class _System:
    values: list[int] = field(default_factory=list)
    aggregate: list[bool] = field(default_factory=list)  # totals and figures: hidden last
    relations: list[_Relation] = field(default_factory=list)
    by_var: list[list[int]] = field(default_factory=list)  # relation ids per variable
    # Zeros left out of relations found from the data: they stay published, so
    # leaving them out changes nothing.
    fixed: set[int] = field(default_factory=set)
    masked: set[int] = field(default_factory=set)  # counts of 1 to 4 shown as "x"
    # Counts that are never published (the completed matches behind "ended"
    # minus "ended early"): always hidden, protected when 1 to 4.
    silent: set[int] = field(default_factory=set)
    # Hidden because another output hides them (Elsewhere): protected too.
    forced: set[int] = field(default_factory=set)
    # Published by another output: hidden here only when nothing else will do.
    keep: set[int] = field(default_factory=set)

    def var(self, value: int, *, aggregate: bool = False) -> int:
        self.values.append(value)
        self.aggregate.append(aggregate)
        self.by_var.append([])
        return len(self.values) - 1

    def _relate(self, terms: dict[int, int], *, equality: bool) -> None:
        terms = {v: c for v, c in terms.items() if c}
        if len(terms) < 2:
            return
        key = tuple(sorted(terms.items()))
        relation_id = len(self.relations)
        self.relations.append(_Relation(key, equality))
        for var in terms:
            self.by_var[var].append(relation_id)

    def equal_sum(self, whole: int, parts: Sequence[int]) -> None:
        """whole = sum(parts)."""
        terms = {whole: -1}
        for part in parts:
            terms[part] = terms.get(part, 0) + 1
        self._relate(terms, equality=True)

    def contains(self, whole: int, parts: Sequence[int]) -> None:
        """``parts`` (different persons) lie within ``whole``; the rest is a count too.

        The rest (whole minus the parts) is a variable that is never
        published; a rest of 0 is taken as known (it discloses nobody).
        """
        rest = self.values[whole] - sum(self.values[p] for p in parts)
        if rest < 0:
            return
        if rest == 0:
            self.equal_sum(whole, parts)
            return
        var = self.var(rest)
        self.silent.add(var)
        self.masked.add(var)  # nothing tells the reader it is small
        self.equal_sum(whole, [*parts, var])

    def add_within(self, layout: _TableLayout, within: Within) -> None:
        """The relations of :class:`Within` for one table."""
        for c, groups in enumerate(within.same):
            total = layout.total_vars.get(c)
            if total is None:
                continue
            firsts = []
            for group in groups:
                cells = [layout.cell_vars[r, c] for r in group if (r, c) in layout.cell_vars]
                if not cells:
                    continue
                for other in cells[1:]:
                    if self.values[other] == self.values[cells[0]]:
                        self.equal_sum(cells[0], [other])
                firsts.append(cells[0])
                self.contains(total, [cells[0]])
            if len(firsts) > 1 and c < len(within.disjoint) and within.disjoint[c]:
                self.contains(total, firsts)

    def union_of(self, whole: int, parts: Sequence[int]) -> None:
        """max(parts) <= whole <= sum(parts), when the values agree with that."""
        values = [self.values[p] for p in parts]
        if not parts or not max(values) <= self.values[whole] <= sum(values):
            return
        terms = {whole: -1}
        for part in parts:
            terms[part] = terms.get(part, 0) + 1
        self._relate(terms, equality=False)
        for part in parts:
            self._relate({whole: 1, part: -1}, equality=False)

    # -- building from tables ------------------------------------------------

    def add_table(self, table: Table) -> _TableLayout:
        layout = _TableLayout(table)
        if not table.counts:
            return layout
        for r, (_label, values) in enumerate(table.rows):
            for c, value in enumerate(values):
                if _is_count(value):
                    layout.cell_vars[r, c] = self.var(value)
        for c, value in enumerate(table.totals or ()):
            if _is_count(value):
                layout.total_vars[c] = self.var(value, aggregate=True)
        for c, total in layout.total_vars.items():
            parts = layout.column_vars(c)
            if parts and sum(self.values[p] for p in parts) == self.values[total]:
                self.equal_sum(total, parts)
            else:
                self.union_of(total, parts)
        self._add_row_relations(layout)
        return layout

    def _add_row_relations(self, layout: _TableLayout) -> None:
        """Columns that are the sum of other columns in every row (reached = new + continuing)."""
        table = layout.table
        # One pass over the cells (a scan per row was quadratic: 0.2 s of a
        # dashboard with 50 funding agreements).
        lines: list[dict] = [{} for _row in table.rows]
        for (r, c), v in layout.cell_vars.items():
            lines[r][c] = v
        lines.append(dict(layout.total_vars))
        count_columns = [
            c
            for c in range(len(table.columns))
            if all(_is_count(values[c]) or values[c] is None for _l, values in table.rows)
        ]
        zero_columns = {
            c for c in count_columns if not any(self.values[line[c]] for line in lines if c in line)
        }
        count_columns = [c for c in count_columns if c not in zero_columns]
        if len(count_columns) < 2:
            return
        self.fixed.update(v for line in lines for c, v in line.items() if c in zero_columns)
        value_lines = [{c: self.values[v] for c, v in line.items()} for line in lines]
        for whole in count_columns:
            others = [c for c in count_columns if c != whole]
            if len(count_columns) > _MAX_SUBSET_COLUMNS:
                subsets: Iterable[tuple[int, ...]] = [tuple(others)]
            else:
                subsets = itertools.chain.from_iterable(
                    itertools.combinations(others, k) for k in range(1, len(others) + 1)
                )
            for subset in subsets:
                complete = [
                    i
                    for i, line in enumerate(value_lines)
                    if whole in line and all(c in line for c in subset)
                ]
                # The sum test first: most subsets fail it on their first row.
                if not all(
                    value_lines[i][whole] == sum(value_lines[i][c] for c in subset)
                    for i in complete
                ):
                    continue
                evidence = {tuple(value_lines[i][c] for c in (whole, *subset)) for i in complete}
                evidence.discard((0,) * (len(subset) + 1))
                # One row is little evidence of a rule: in (1, 1, 3, 2, 7) almost
                # every column is the sum of some others. There only a column that
                # is the sum of all the others counts (a total column).
                enough = len(evidence) >= 2 or len(subset) == len(others)
                if evidence and enough:
                    for i in complete:
                        self.equal_sum(lines[i][whole], [lines[i][c] for c in subset])

    def add_cross_table_relations(self, layouts: Sequence[_TableLayout]) -> None:
        """Two one-column tables with the same total, one grouping the other's rows in order.

        Pupils by sector (PO, VO, unknown) groups pupils by year group (groep 1 to
        klas 6, unknown): then each sector row is the sum of a run of year-group
        rows, and both tables together could give away a hidden count. Zero rows
        are left out of the runs (so the runs are unique) and are never hidden,
        so leaving them out changes nothing.
        """
        singles = [
            layout
            for layout in layouts
            if len(layout.table.columns) == 1 and 0 in layout.total_vars
        ]
        for coarse, fine in itertools.permutations(singles, 2):
            if self.values[coarse.total_vars[0]] != self.values[fine.total_vars[0]]:
                continue
            groups = [v for v in coarse.column_vars(0) if self.values[v]]
            parts = [v for v in fine.column_vars(0) if self.values[v]]
            if len(coarse.table.rows) < 2 or not 1 <= len(groups) <= len(parts):
                continue
            runs: list[list[int]] = []
            remaining = iter(parts)
            for group in groups:
                run, total = [], 0
                while total < self.values[group]:
                    part = next(remaining, None)
                    if part is None:
                        break
                    run.append(part)
                    total += self.values[part]
                if total != self.values[group]:
                    break
                runs.append(run)
            else:
                if next(remaining, None) is None:
                    for group, run in zip(groups, runs, strict=True):
                        self.equal_sum(group, run)
                    self.fixed.update(
                        v
                        for v in (*coarse.column_vars(0), *fine.column_vars(0))
                        if not self.values[v]
                    )

    # -- display ---------------------------------------------------------------

    def display(self, var: int, hidden: frozenset[int]) -> str:
        if var not in hidden:
            return str(self.values[var])
        return SMALL if self._small(var) else HIDDEN

    def _is_primary(self, var: int) -> bool:
        return 0 < self.values[var] < THRESHOLD

    def _small(self, var: int) -> bool:
        """Hidden as "<5", which tells the reader the value is 1 to 4."""
        return self._is_primary(var) and var not in self.masked

    # -- protecting -------------------------------------------------------------

    def protect(self) -> frozenset[int]:
        """The variables to hide: primary and enough secondary."""
        primary = {v for v in range(len(self.values)) if self._is_primary(v)}
        # What must keep two possible values: the small counts, and what
        # another output hides (Elsewhere).
        must = primary | self.forced
        hidden = must | self.silent
        cache: dict[tuple[frozenset[int], frozenset[int]], frozenset[int]] = {}
        while pinned := self._pinned(hidden, must, cache):
            target = min(pinned)
            candidate = self._candidate(target, hidden)
            if candidate is None:
                # Everything around it is hidden, and "<5" itself still gives it
                # away (four "<5" cells under a "<5" total are 1 each): show a
                # total (else a cell) of its component as "x" instead, together
                # with the figures equal to it. With all of them "x", all zeros
                # would fit, so this ends.
                component = next(c for c in self._components(hidden) if target in c)
                small = [v for v in component if self._small(v)]
                if not small and target in must - primary:
                    # What another output hides but this document gives away
                    # from figures published anyway (zeros, the enclosing
                    # view's): hiding more would protect nothing.
                    must.discard(target)
                    continue
                if not small:  # cannot happen (see above); never publish a guess
                    raise _Unprotectable("small-number suppression found no way to hide a count")
                first = min(small, key=lambda v: (not self.aggregate[v], v))
                self.masked.update(self._equals(first))
            else:
                hidden.add(candidate)

        # Publish again what turned out not to be needed, the largest first.
        optional = hidden - must - self.silent
        for var in sorted(optional, key=lambda v: (-self.values[v], v)):
            hidden.discard(var)
            if self._pinned(hidden, must, cache):
                hidden.add(var)
        # An "x" that can be worked out anyway protects nothing: publish it.
        hidden -= self._pinned(hidden, hidden - must - self.silent, cache)
        return frozenset(hidden)

    def _equals(self, var: int) -> set[int]:
        """``var`` and the variables equal to it (a total and its headline figure)."""
        found, todo = {var}, [var]
        while todo:
            current = todo.pop()
            for r in self.by_var[current]:
                relation = self.relations[r]
                if relation.equality and sorted(c for _v, c in relation.terms) == [-1, 1]:
                    for other, _c in relation.terms:
                        if other not in found:
                            found.add(other)
                            todo.append(other)
        return found

    def _components(self, hidden: set[int]) -> list[frozenset[int]]:
        parent = {v: v for v in hidden}

        def find(v: int) -> int:
            while parent[v] != v:
                parent[v] = parent[parent[v]]
                v = parent[v]
            return v

        for relation in self.relations:
            members = [v for v, _c in relation.terms if v in hidden]
            for other in members[1:]:
                parent[find(other)] = find(members[0])
        groups: dict[int, set[int]] = {}
        for v in hidden:
            groups.setdefault(find(v), set()).add(v)
        return [frozenset(g) for g in groups.values()]

    def _pinned(
        self, hidden: set[int], check: set[int], cache: dict[frozenset[int], frozenset[int]]
    ) -> set[int]:
        """The variables of ``check`` whose value can be worked out exactly."""
        pinned: set[int] = set()
        for component in self._components(hidden):
            if not component & check:
                continue
            key = (component, frozenset(component & self.masked))
            if key not in cache:
                cache[key] = self._audit(component)
            pinned |= cache[key] & check
        return pinned

    def _audit(self, component: frozenset[int]) -> frozenset[int]:
        """Of the hidden variables in ``component``, those with one possible value."""
        order = sorted(component)
        relation_ids = sorted({r for v in order for r in self.by_var[v]})
        if not relation_ids:
            return frozenset()
        position = {v: k for k, v in enumerate(order)}
        n = len(order)
        big = 2 * sum(self.values) + 10 * THRESHOLD
        matrix = np.zeros((len(relation_ids), n))
        lower = np.zeros(len(relation_ids))
        upper = np.zeros(len(relation_ids))
        for i, r in enumerate(relation_ids):
            relation = self.relations[r]
            constant = 0
            for var, coefficient in relation.terms:
                if var in position:
                    matrix[i, position[var]] += coefficient
                else:
                    constant += coefficient * self.values[var]
            lower[i] = -constant
            upper[i] = -constant if relation.equality else np.inf
        # A "<5" is 1 to 4; an "x" any count.
        low = np.array([1 if self._small(v) else 0 for v in order])
        high = np.array([THRESHOLD - 1 if self._small(v) else big for v in order])
        constraints = LinearConstraint(matrix, lower, upper)
        bounds = Bounds(low, high)
        integrality = np.ones(n)

        free: set[int] = set()

        def solve(k: int, sign: int) -> None:
            objective = np.zeros(n)
            objective[k] = sign
            result = milp(
                objective, constraints=constraints, bounds=bounds, integrality=integrality
            )
            if result.x is None:  # the true values always fit; be safe anyway
                raise RuntimeError(f"suppression audit failed: {result.message}")
            for j, var in enumerate(order):
                if round(result.x[j]) != self.values[var]:
                    free.add(var)

        for k, var in enumerate(order):
            if var not in free and self.values[var] > low[k]:
                solve(k, 1)
            if var not in free and self.values[var] < high[k]:
                solve(k, -1)
        return frozenset(component - free)

    def _candidate(self, target: int, hidden: set[int]) -> int | None:
        """The published variable to hide next to protect ``target``."""
        near = {v for r in self.by_var[target] for v, _c in self.relations[r].terms}
        component = next(c for c in self._components(hidden) if target in c)
        around = {v for m in component for r in self.by_var[m] for v, _c in self.relations[r].terms}
        options = (around | near) - hidden - self.fixed
        # What another output publishes is hidden here only when nothing else will do.
        options = (options - self.keep) or options
        if not options:
            return None
        return min(
            options,
            key=lambda v: (
                v not in near,
                self.values[v] == 0,
                self.aggregate[v],
                self.values[v],
                v,
            ),
        )


@dataclass
class _TableLayout:
    """Where a table's counts are in the system."""

    table: Table
    cell_vars: dict[tuple[int, int], int] = field(default_factory=dict)
    total_vars: dict[int, int] = field(default_factory=dict)

    def column_vars(self, column: int) -> list[int]:
        cells = self.cell_vars
        return [cells[r, column] for r in range(len(self.table.rows)) if (r, column) in cells]

    def result(self, system: _System, hidden: frozenset[int]) -> SuppressedTable:
        table = self.table
        if not table.counts:
            return exact_table(table)
        hidden_cells: set[tuple[int, int]] = set()
        rows = []
        for r, (_label, values) in enumerate(table.rows):
            row_hidden = any(self.cell_vars.get((r, c)) in hidden for c in range(len(values)))
            cells = []
            for c, value in enumerate(values):
                var = self.cell_vars.get((r, c))
                if var is not None:
                    cells.append(system.display(var, hidden))
                    if var in hidden:
                        hidden_cells.add((r, c))
                elif value is not None and row_hidden:  # derived from a hidden count
                    cells.append(HIDDEN)
                    hidden_cells.add((r, c))
                else:
                    cells.append(exact(value))
            rows.append(tuple(cells))
        totals = None
        hidden_totals: set[int] = set()
        if table.totals is not None:
            any_hidden = any(v in hidden for v in self.total_vars.values())
            shown_totals = []
            for c, value in enumerate(table.totals):
                var = self.total_vars.get(c)
                if var is not None:
                    shown_totals.append(system.display(var, hidden))
                    if var in hidden:
                        hidden_totals.add(c)
                elif value is not None and any_hidden:
                    shown_totals.append(HIDDEN)
                    hidden_totals.add(c)
                else:
                    shown_totals.append(exact(value))
            totals = tuple(shown_totals)
        return SuppressedTable(
            table=table,
            cells=tuple(rows),
            totals=totals,
            hidden=frozenset(hidden_cells),
            hidden_totals=frozenset(hidden_totals),
        )


__all__ = [
    "HIDDEN",
    "SMALL",
    "THRESHOLD",
    "Elsewhere",
    "PublishedFigure",
    "PublishedSet",
    "SuppressedTable",
    "Within",
    "exact",
    "exact_set",
    "exact_table",
    "shown",
    "suppress_set",
    "suppress_table",
]
