"""What is published of each funding agreement: decided once, the same in every output.

An official sees a funding agreement's figures in several places: its row in
"realised per funding agreement" on the municipal dashboard and in the
municipal overview report, its own accountability report, and the API's
answers for both. Each of these is protected on its own
(``reports.suppression``), but a reader who puts two of them side by side
could subtract: the dashboard's municipal 13 pupils and agreement B's 10 in
B's report tell that 3 were reached outside B.

The rule (docs/indicators.md, "Small numbers"):

- The figures per agreement are protected once for the municipality and
  period (:func:`decisions`), together with the municipal figures they lie
  within: every agreement overlapping the period, with or without targets,
  the municipal figure as the total, the persons outside each agreement
  (municipal minus agreement) and, where agreements count different persons,
  outside all of them (municipal minus their sum) as counts of their own.
  What this hides ("<5", "x") is hidden in every output: the dashboard's and
  the overview's rows and the agreement's own report and API answer; what it
  publishes is published everywhere unless an output can protect one of its
  own small counts no other way.
- An agreement's own report also knows the municipal figures and tables
  the unfiltered municipal dashboard publishes exactly
  (``Elsewhere.enclosing``): each of its counts that differs from its
  municipal counterpart by 1 to 4 is hidden. Where those figures leave the
  report nothing to hide for one of its own small counts (figures computed
  at different moments), they are left out and the report is protected on
  its own.

Limits: only the municipal view encloses an agreement here, not a filtered
view (an initiative, a neighbourhood) the official can open too; figures
computed at different times (a kept dashboard, a report generated later) can
differ when records changed in between; and other pairs of outputs (two
reports of different periods) are not compared.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

from core.periods import Period
from municipality.models import FundingAgreement, Municipality
from reports import suppression
from reports.indicators import IndicatorScope, IndicatorSet, Table
from reports.indicators import cache as figures_cache

# Volunteers belong to an initiative: agreements over different programmes of
# one initiative can count the same volunteers.
_VOLUNTEER_KEYS = frozenset({"volunteers_active"})
_TABLE = "agreements"


def agreements_of(municipality: Municipality | int, period: Period) -> list[FundingAgreement]:
    """Every agreement of the municipality that runs for at least a day of ``period``."""
    return list(
        FundingAgreement.objects.filter(
            municipality=municipality, start_date__lte=period.end, end_date__gte=period.start
        )
        .prefetch_related("programmes")
        .order_by("pk")
    )


def _scope_key(agreement: FundingAgreement) -> tuple:
    return (agreement.initiative_id, frozenset(p.pk for p in agreement.programmes.all()))


def within(table_key: str, agreements: Sequence[FundingAgreement], keys) -> suppression.Within:
    """The relations between rows of agreements (in this order) and their totals row.

    Agreements over the same programmes count the same persons; different
    initiatives never share any; programmes do not share matches (a pupil in
    two programmes makes the sum larger than the whole: the relation is then
    not used).
    """
    groups: dict[tuple, list[int]] = {}
    for r, agreement in enumerate(agreements):
        groups.setdefault(_scope_key(agreement), []).append(r)
    scopes = list(groups)

    def apart(a: tuple, b: tuple) -> bool:
        (initiative_a, programmes_a), (initiative_b, programmes_b) = a, b
        if initiative_a != initiative_b:
            return True
        # no programmes: all the initiative's programmes
        return bool(programmes_a and programmes_b) and not programmes_a & programmes_b

    disjoint = []
    for key in keys:
        if key in _VOLUNTEER_KEYS:
            ok = all(a[0] != b[0] for a, b in itertools.combinations(scopes, 2))
        else:
            ok = all(apart(a, b) for a, b in itertools.combinations(scopes, 2))
        disjoint.append(ok)
    same = tuple(tuple(tuple(rows) for rows in groups.values()) for _key in keys)
    return suppression.Within(table=table_key, same=same, disjoint=tuple(disjoint))


def _counts_table(
    municipal: IndicatorSet, rows: Sequence[tuple[str, IndicatorSet]], keys: Sequence[str]
) -> Table:
    known = {f.key: f for f in municipal.figures}
    return Table(
        key=_TABLE,
        title=_TABLE,
        columns=tuple(keys),
        rows=tuple((label, tuple(_value(figures, key) for key in keys)) for label, figures in rows),
        totals=tuple(known[key].value for key in keys),
        counts=True,
    )


def _value(figures: IndicatorSet, key: str):
    try:
        return figures.figure(key).value
    except KeyError:
        return None


def decisions(
    municipality: Municipality | int, period: Period, *, municipal: IndicatorSet | None = None
) -> dict[int, dict[str, str]]:
    """Per agreement (its pk), the display of each of its targetable figures in every output.

    ``municipal``: the municipality's figures, when the caller has them (the
    dashboard's own); otherwise the kept ones (``reports.indicators.cache``),
    which the dashboard shows too. A few queries, whatever the data.
    """
    municipality_id = municipality if isinstance(municipality, int) else municipality.pk
    if municipal is None:
        municipal = figures_cache.figures(
            IndicatorScope(municipality_id=municipality_id), period
        ).value
    agreements = agreements_of(municipality_id, period)
    if not agreements:
        return {}
    from reports.indicators.engine import TARGETABLE

    computed = {f.key for f in municipal.figures}
    keys = [key for key in TARGETABLE if key in computed]
    scopes = [IndicatorScope.for_agreement(a) for a in agreements]
    figures = figures_cache.targetable_of_agreements(scopes, period)
    table = _counts_table(
        municipal,
        [(str(a.pk), figures[scope].value) for a, scope in zip(agreements, scopes, strict=True)],
        keys,
    )
    published = suppression.suppress_table(table, within=within(_TABLE, agreements, keys))
    return {
        agreement.pk: dict(zip(keys, published.cells[r], strict=True))
        for r, agreement in enumerate(agreements)
    }


def for_rows(
    table_key: str,
    agreements: Sequence[FundingAgreement],
    keys: Sequence[str],
    decided: dict[int, dict[str, str]],
) -> suppression.Elsewhere:
    """The decided displays for a table with a row per agreement and a column per key."""
    cells = {
        (table_key, r, c): decided[agreement.pk][key]
        for r, agreement in enumerate(agreements)
        for c, key in enumerate(keys)
        if key in decided.get(agreement.pk, {})
    }
    return suppression.Elsewhere(cells=cells)


def for_agreement(agreement: FundingAgreement, period: Period) -> suppression.Elsewhere:
    """What the agreement's own report (and API answer) must publish alike: see the module.

    The enclosing figures are those the unfiltered municipal dashboard
    publishes exactly (``selectors.municipal_publication``): what it hides
    tells the reader nothing to subtract from.
    """
    from . import selectors

    published = selectors.municipal_publication(agreement.municipality, period)
    decided = decisions(agreement.municipality_id, period, municipal=published.indicators)
    return suppression.Elsewhere(
        figures=decided.get(agreement.pk, {}), enclosing=published_exactly(published)
    )


def published_exactly(published: suppression.PublishedSet) -> list:
    """The figures and tables of ``published`` with every hidden value (also "<5") as None."""
    figures = [f.figure for f in published.figures if not f.hidden]
    tables = []
    for shown in published.tables:
        table = shown.table
        rows = tuple(
            (label, tuple(None if (r, c) in shown.hidden else v for c, v in enumerate(values)))
            for r, (label, values) in enumerate(table.rows)
        )
        totals = None
        if table.totals is not None:
            totals = tuple(
                None if c in shown.hidden_totals else v for c, v in enumerate(table.totals)
            )
        tables.append(dataclasses.replace(table, rows=rows, totals=totals))
    return [*figures, *tables]
