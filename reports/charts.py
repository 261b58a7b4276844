"""Server-side SVG charts, each with the same numbers in a table beneath it.

One chart code for the web page and the WeasyPrint PDF: plain inline SVG with
a fixed ``viewBox``, no JavaScript, no web fonts, every scale computed here.
Every bar and point carries its value as text, so nothing depends on colour.

A chart shows what may be published and nothing else. Give it a
``SuppressedTable`` (from ``suppress_set``, so the whole page is protected
together) or, with ``suppressed=True``, a plain ``Table`` that is suppressed
here on its own. A hidden count is drawn as a placeholder that never has its
true length: "<5" as a hatched bar up to 5 on the scale (it is 1 to 4), "x"
as a short dashed outline off the scale; the scale itself comes from the
published values only.

Templates: ``{% include "reports/_chart.html" with chart=chart %}``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.indicators.types import Figure, Table
from reports.suppression import (
    HIDDEN,
    NOT_AVAILABLE,
    SMALL,
    THRESHOLD,
    PublishedFigure,
    SuppressedTable,
    exact,
    exact_table,
    shown,
    suppress_table,
)

WIDTH = 640
FONT = "Arial, Helvetica, sans-serif"  # installed fonts only, nothing to download
TEXT = "#1d1d1b"  # 16.9:1 on white
BAR = "#154273"  # 10.2:1 on white (WCAG 2.1 non-text contrast asks 3:1)
GRID = "#767676"  # 4.5:1
PLACEHOLDER = "#1d1d1b"
MAX_BAR_COLUMNS = 3  # a wider table gets a chart of its first column


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString  # inline <svg role="img" aria-labelledby=...> with <title>/<desc>
    table: SuppressedTable | Table  # the same numbers, rendered by reports/_chart.html
    row_heading: str = ""

    @property
    def display_table(self) -> SuppressedTable:
        """The table as display strings (exact when the chart is not suppressed)."""
        if isinstance(self.table, SuppressedTable):
            return self.table
        return exact_table(self.table)

    @property
    def legend(self) -> tuple[tuple[str, str], ...]:
        return self.display_table.legend


# --- entry points -----------------------------------------------------------------


def bar_chart(
    table: Table | SuppressedTable,
    *,
    title,
    suppressed: bool,
    columns: Sequence[int] | None = None,
    row_heading: str = "",
    chart_id: str | None = None,
) -> Chart:
    """Horizontal bars per row; one group of bars per column (``columns``, default up to 3)."""
    published = _published(table, suppressed)
    if columns is None:
        width = len(published.columns)
        columns = range(width) if width <= MAX_BAR_COLUMNS else range(min(width, 1))
    columns = [c for c in columns if _numeric_column(published, c)]
    svg_id = chart_id or _chart_id("bar", title, published)
    labels = [str(label) for label, _values in published.table.rows]
    label_width = _label_width(labels)
    body: list[str] = []
    y = 8
    for c in columns:
        if len(columns) > 1:
            y += 16
            body.append(_text(8, y, published.columns[c], weight="bold"))
            y += 8
        points = [_point(published, r, c) for r in range(len(labels))]
        panel, height = _bar_panel(svg_id, y, labels, points, label_width)
        body.extend(panel)
        y += height + 8
    desc = _("Horizontal bar chart; the same numbers are in the table below the chart.")
    return Chart(
        title=str(title),
        svg=_svg(svg_id, str(title), _describe(desc, published), body, y, hatched=True),
        table=_chart_table(table, published, suppressed),
        row_heading=row_heading or _("Category"),
    )


def trend_chart(
    table: Table | SuppressedTable,
    *,
    title,
    suppressed: bool,
    columns: Sequence[int] | None = None,
    row_heading: str = "",
    chart_id: str | None = None,
) -> Chart:
    """One small line chart per column (indicator), the rows (school years) along the x axis.

    Each indicator gets its own vertical scale, so a count of 12 next to one of
    400 still shows its course.
    """
    published = _published(table, suppressed)
    if columns is None:
        columns = range(len(published.columns))
    columns = [c for c in columns if _numeric_column(published, c)]
    svg_id = chart_id or _chart_id("trend", title, published)
    years = [str(label) for label, _values in published.table.rows]
    per_row = 1 if len(columns) <= 1 else 2
    gap = 24
    panel_width = (WIDTH - 16 - gap * (per_row - 1)) / per_row
    panel_height = 170
    body: list[str] = []
    for k, c in enumerate(columns):
        x0 = 8 + (k % per_row) * (panel_width + gap)
        y0 = 8 + (k // per_row) * (panel_height + 16)
        points = [_point(published, r, c) for r in range(len(years))]
        body.extend(_line_panel(svg_id, x0, y0, panel_width, published.columns[c], years, points))
    height = 8 + math.ceil(len(columns) / per_row) * (panel_height + 16) if columns else 24
    desc = _(
        "Line charts, one per indicator, over the school years; the same numbers are in the"
        " table below the chart."
    )
    return Chart(
        title=str(title),
        svg=_svg(svg_id, str(title), _describe(desc, published), body, height, hatched=True),
        table=_chart_table(table, published, suppressed),
        row_heading=row_heading or _("School year"),
    )


def target_bars(
    figures: Sequence[Figure | PublishedFigure],
    *,
    title,
    suppressed: bool,
    row_heading: str = "",
    chart_id: str | None = None,
) -> Chart:
    """Realised against target per figure: a bar as a share of its target, the target at 100%.

    Give ``PublishedFigure``s from ``suppress_set`` (protected with the rest of
    the page); plain ``Figure``s get "<5" for counts of 1 to 4 when ``suppressed``.
    """
    items = [_published_figure(f, suppressed) for f in figures]
    table = _target_table(items, suppressed)
    charted = [
        (r, item) for r, item in enumerate(items) if item.target and item.display != NOT_AVAILABLE
    ]
    svg_id = chart_id or _chart_id("target", title, table)
    labels = [str(item.label) for _r, item in charted]
    label_width = _label_width(labels)
    shares = []
    for _r, item in charted:
        if item.hidden:
            # 5 of the target is the most a "<5" can be; an "x" is off the scale.
            extent = 100 * THRESHOLD / item.target if item.display == SMALL else None
            shares.append(_Point(item.display, None, extent))
        else:
            shares.append(_Point(item.display, 100 * item.figure.value / item.target, None))
    top = max([100.0] + [p.value for p in shares if p.value is not None])
    top = min(_nice_ceiling(top), 200.0)
    captions = [
        _("%(realised)s of %(target)s") % {"realised": p.display, "target": item.target_display}
        + (f" ({_percent(p.value)})" if p.value is not None else "")
        for p, (_r, item) in zip(shares, charted, strict=True)
    ]
    body, height = _bar_panel(
        svg_id,
        24,
        labels,
        shares,
        label_width,
        top=top,
        captions=captions,
        marker=100.0,
        unit="%",
        value_space=150,
    )
    desc = _(
        "Bar chart of what was realised as a share of each target; the dashed line is the"
        " target. The same numbers are in the table below the chart."
    )
    return Chart(
        title=str(title),
        svg=_svg(svg_id, str(title), _describe(desc, table), body, 24 + height + 8, hatched=True),
        table=table if suppressed else table.table,
        row_heading=row_heading or _("Indicator"),
    )


def published_bar_chart(table: SuppressedTable, *, title, row_heading: str = "") -> Chart:
    """A bar chart of an already published table (a report snapshot)."""
    return bar_chart(table, title=title, suppressed=True, row_heading=row_heading)


def published_target_bars(figures: Sequence[dict], *, title, row_heading: str = "") -> Chart:
    """Realised against target from a report snapshot's figure dicts (display values only)."""
    items = []
    for data in figures:
        display = str(data["value"]).removesuffix("%")
        figure = Figure(
            key=data["key"],
            label=data["label"],
            value=data.get("number"),
            target=data.get("target"),
            unit=data.get("unit", ""),
            is_count=data.get("is_count", True),
        )
        items.append(PublishedFigure(figure, display, hidden=bool(data.get("hidden"))))
    return target_bars(items, title=title, suppressed=True, row_heading=row_heading)


# --- what may be shown ---------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    display: str  # the published string
    value: float | None  # the published value, None when hidden or unknown
    small_extent: float | None = None  # a "<5": how far its placeholder may reach


def _published(table: Table | SuppressedTable, suppressed: bool) -> SuppressedTable:
    if isinstance(table, SuppressedTable):
        return table
    return suppress_table(table) if suppressed else exact_table(table)


def _chart_table(original, published: SuppressedTable, suppressed: bool):
    if suppressed or isinstance(original, SuppressedTable):
        return published
    return original


def _point(published: SuppressedTable, row: int, column: int) -> _Point:
    display = published.cells[row][column]
    if (row, column) in published.hidden or display in (SMALL, HIDDEN):
        return _Point(display, None, THRESHOLD if display == SMALL else None)
    value = published.table.rows[row][1][column]
    if not isinstance(value, int | float):
        value = _parse(display)
    return _Point(display, value)


def _parse(display: str) -> float | None:
    try:
        return float(display.replace(",", "."))
    except ValueError:
        return None


def _numeric_column(published: SuppressedTable, column: int) -> bool:
    return (
        any(
            isinstance(values[column], int | float) or cells[column] in (SMALL, HIDDEN)
            for (_label, values), cells in zip(published.table.rows, published.cells, strict=True)
        )
        or not published.table.rows
    )


def _published_figure(figure: Figure | PublishedFigure, suppressed: bool) -> PublishedFigure:
    if isinstance(figure, PublishedFigure):
        return figure
    if suppressed and figure.is_count:
        display = shown(figure.value)
        return PublishedFigure(figure, display, hidden=display == SMALL)
    return PublishedFigure(figure, exact(figure.value))


def _target_table(items: list[PublishedFigure], suppressed: bool) -> SuppressedTable:
    """Realised, target and share of target per figure, as the chart shows them."""
    rows, cells, hidden = [], [], set()
    for r, item in enumerate(items):
        realised = None if item.hidden else item.figure.value
        share = None
        if realised is not None and item.target:
            share = round(100 * realised / item.target)
        rows.append((str(item.label), (realised, item.target, share)))
        share_display = _percent(share) if share is not None else NOT_AVAILABLE
        if item.hidden:
            hidden.update({(r, 0), (r, 2)})
            share_display = HIDDEN if item.target else NOT_AVAILABLE
        cells.append((item.display, item.target_display, share_display))
    table = Table(
        key="targets",
        title=_("Realised against target"),
        columns=(_("Realised"), _("Target"), _("Share of target")),
        rows=tuple(rows),
        counts=suppressed,
    )
    return SuppressedTable(table=table, cells=tuple(cells), totals=None, hidden=frozenset(hidden))


def _percent(value: float) -> str:
    rounded = Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{rounded}%"


def _describe(text: str, published: SuppressedTable) -> str:
    if published.is_suppressed:
        return (
            text
            + " "
            + _(
                "Numbers below 5 are shown as <5 with a hatched bar up to 5; numbers hidden so that"
                " a small number cannot be worked out are shown as x with a dashed outline."
            )
        )
    return text


# --- drawing -------------------------------------------------------------------------


def _chart_id(kind: str, title, published: SuppressedTable) -> str:
    seed = "|".join(
        [kind, str(title), published.key, repr(published.cells), repr(published.columns)]
    )
    return "chart-" + hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()[:10]


def _svg(svg_id: str, title: str, desc: str, body: list[str], height: float, *, hatched: bool):
    height = max(round(height), 24)
    defs = ""
    if hatched:
        defs = (
            f'<defs><pattern id="{svg_id}-hatch" width="6" height="6"'
            ' patternUnits="userSpaceOnUse">'
            '<rect width="6" height="6" fill="#ffffff"/>'
            f'<path d="M0,6 L6,0 M-1,1 L1,-1 M5,7 L7,5" stroke="{PLACEHOLDER}"'
            ' stroke-width="1.2"/></pattern></defs>'
        )
    return mark_safe(  # noqa: S308 - every text in it went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' width="{WIDTH}" height="{height}" role="img"'
        f' aria-labelledby="{svg_id}-title {svg_id}-desc" id="{svg_id}" class="site-chart__svg"'
        f' font-family="{FONT}" font-size="14" fill="{TEXT}">'
        f'<title id="{svg_id}-title">{escape(title)}</title>'
        f'<desc id="{svg_id}-desc">{escape(desc)}</desc>'
        f"{defs}{''.join(body)}</svg>"
    )


def _n(value: float) -> str:
    """A coordinate: one decimal at most."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x, y, text, *, anchor="start", size=None, weight=None, fill=None) -> str:
    attributes = [f'x="{_n(x)}"', f'y="{_n(y)}"']
    if anchor != "start":
        attributes.append(f'text-anchor="{anchor}"')
    if size:
        attributes.append(f'font-size="{size}"')
    if weight:
        attributes.append(f'font-weight="{weight}"')
    if fill:
        attributes.append(f'fill="{fill}"')
    return f"<text {' '.join(attributes)}>{escape(str(text))}</text>"


def _label_width(labels: list[str]) -> float:
    longest = max((len(label) for label in labels), default=0)
    return min(220.0, max(80.0, 7.2 * longest + 16))


def _fit(label: str, width: float) -> str:
    room = max(int((width - 16) / 7.2), 4)
    return label if len(label) <= room else label[: room - 1].rstrip() + "\u2026"


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return float(THRESHOLD)
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return step * power
    return 10 * power  # pragma: no cover


def _ticks(top: float, counts: Sequence[int] = (5, 4)) -> list[float]:
    """0 to ``top`` in steps of 1, 2, 2.5 or 5 times a power of ten where one fits."""
    for count in (*counts, 5, 4, 2):
        step = top / count
        power = 10 ** math.floor(math.log10(step))
        if any(abs(step - nice * power) < 1e-9 * top for nice in (1, 2, 2.5, 5)):
            return [step * k for k in range(count + 1)]
    return [top * k / 4 for k in range(5)]


def _tick_label(value: float, unit: str = "") -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value)}{unit}"
    return f"{exact(value)}{unit}"


def _bar_panel(
    svg_id: str,
    y0: float,
    labels: list[str],
    points: list[_Point],
    label_width: float,
    *,
    top: float | None = None,
    captions: list[str] | None = None,
    marker: float | None = None,
    unit: str = "",
    value_space: float = 64,
) -> tuple[list[str], float]:
    """Bars for ``points`` from y0 down; returns the elements and the height used."""
    row_height, bar_height = 26, 16
    x0 = label_width
    span = WIDTH - value_space - x0
    if top is None:
        shown_values = [p.value for p in points if p.value is not None and p.value > 0]
        if any(p.small_extent for p in points):
            shown_values.append(THRESHOLD)
        top = _nice_ceiling(max(shown_values, default=0))

    def scale(value: float) -> float:
        return span * max(0.0, min(value, top)) / top

    out: list[str] = []
    plot_height = row_height * len(points)
    for tick in _ticks(top):
        x = x0 + scale(tick)
        out.append(
            f'<line x1="{_n(x)}" y1="{_n(y0)}" x2="{_n(x)}" y2="{_n(y0 + plot_height)}"'
            f' stroke="{GRID}" stroke-width="0.5" stroke-dasharray="2 3"/>'
        )
        out.append(
            _text(x, y0 + plot_height + 14, _tick_label(tick, unit), anchor="middle", size=11)
        )
    for k, (label, point) in enumerate(zip(labels, points, strict=True)):
        y = y0 + k * row_height
        bar_y = y + (row_height - bar_height) / 2
        caption = captions[k] if captions else point.display
        parts = [f"<title>{escape(label)}: {escape(caption)}</title>"]
        parts.append(_text(x0 - 8, bar_y + 12.5, _fit(label, label_width), anchor="end"))
        if point.value is not None:
            length = scale(point.value)
            if length > 0:
                parts.append(
                    f'<rect x="{_n(x0)}" y="{_n(bar_y)}" width="{_n(length)}"'
                    f' height="{bar_height}" fill="{BAR}"/>'
                )
            end = x0 + length
        elif point.small_extent is not None:
            # "<5": hatched up to 5 on the scale (at least visible), never its value.
            length = max(scale(point.small_extent), 10)
            parts.append(
                f'<rect x="{_n(x0)}" y="{_n(bar_y)}" width="{_n(length)}" height="{bar_height}"'
                f' fill="url(#{svg_id}-hatch)" stroke="{PLACEHOLDER}" stroke-width="1"'
                ' data-placeholder="small"/>'
            )
            end = x0 + length
        elif point.display == HIDDEN:
            parts.append(
                f'<rect x="{_n(x0 + 0.5)}" y="{_n(bar_y + 0.5)}" width="24"'
                f' height="{bar_height - 1}" fill="#ffffff" stroke="{PLACEHOLDER}"'
                ' stroke-width="1" stroke-dasharray="3 2" data-placeholder="hidden"/>'
            )
            end = x0 + 25
        else:
            end = x0
        parts.append(_text(end + 6, bar_y + 12.5, caption))
        out.append(f"<g>{''.join(parts)}</g>")
    if marker is not None:
        x = x0 + scale(marker)
        out.append(
            f'<line x1="{_n(x)}" y1="{_n(y0 - 6)}" x2="{_n(x)}" y2="{_n(y0 + plot_height)}"'
            f' stroke="{TEXT}" stroke-width="2" stroke-dasharray="6 3"/>'
        )
        out.append(_text(x, y0 - 10, _("target"), anchor="middle", size=12))
    return out, plot_height + 20


def _line_panel(
    svg_id: str,
    x0: float,
    y0: float,
    width: float,
    heading: str,
    years: list[str],
    points: list[_Point],
) -> list[str]:
    """One indicator over the years: its own scale, a point and a label per year."""
    out = [_text(x0, y0 + 14, _fit(heading, width), weight="bold", size=13)]
    left, right = x0 + 36, x0 + width - 12
    plot_top, plot_bottom = y0 + 40, y0 + 130
    values = [p.value for p in points if p.value is not None]
    if any(p.small_extent for p in points):
        values.append(THRESHOLD)
    top = _nice_ceiling(max([v for v in values if v > 0], default=0))

    def y_of(value: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * max(0.0, min(value, top)) / top

    for tick in _ticks(top, (2, 4)):
        y = y_of(tick)
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}"'
            f' stroke="{GRID}" stroke-width="0.5" stroke-dasharray="2 3"/>'
        )
        out.append(_text(left - 6, y + 4, _tick_label(tick), anchor="end", size=11))
    count = len(points)
    step = (right - left) / count if count else 0

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    run: list[str] = []
    for k, point in enumerate([*points, _Point(HIDDEN, None)]):
        if point.value is not None:
            run.append(f"{_n(x_of(k))},{_n(y_of(point.value))}")
            continue
        if len(run) > 1:
            out.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{BAR}" stroke-width="2"/>'
            )
        run = []
    for k, (year, point) in enumerate(zip(years, points, strict=True)):
        x = x_of(k)
        parts = [f"<title>{escape(heading)}, {escape(year)}: {escape(point.display)}</title>"]
        if point.value is not None:
            y = y_of(point.value)
            parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{BAR}"/>')
            label_y = y - 8
        elif point.small_extent is not None:
            y = y_of(point.small_extent)
            parts.append(
                f'<rect x="{_n(x - 6)}" y="{_n(y)}" width="12" height="{_n(plot_bottom - y)}"'
                f' fill="url(#{svg_id}-hatch)" stroke="{PLACEHOLDER}" stroke-width="1"'
                ' data-placeholder="small"/>'
            )
            label_y = y - 6
        elif point.display == HIDDEN:
            parts.append(
                f'<rect x="{_n(x - 6)}" y="{_n(plot_top)}" width="12"'
                f' height="{_n(plot_bottom - plot_top)}" fill="none" stroke="{PLACEHOLDER}"'
                ' stroke-width="1" stroke-dasharray="3 2" data-placeholder="hidden"/>'
            )
            label_y = plot_top - 6
        else:
            label_y = plot_bottom - 6
        parts.append(_text(x, label_y, point.display, anchor="middle", size=12))
        parts.append(_text(x, plot_bottom + 16, year, anchor="middle", size=11))
        out.append(f"<g>{''.join(parts)}</g>")
    return out
