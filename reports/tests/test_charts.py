"""Server-side SVG charts: well-formed, labelled, and never showing a hidden count."""

from __future__ import annotations

import html as html_lib
import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from reports import charts
from reports.indicators.types import Figure, Table
from reports.suppression import HIDDEN, SMALL, PublishedFigure, suppress_table

SVG = "{http://www.w3.org/2000/svg}"


def neighbourhoods(small: int = 3) -> Table:
    # 3 is hidden ("<5"); 17, the smallest other cell, is hidden with it ("x").
    return Table(
        key="reach_by_neighbourhood",
        title="Pupils reached by neighbourhood",
        columns=("Pupils reached",),
        rows=(("Noord", (small,)), ("Oost", (20,)), ("Zuid", (17,))),
        totals=(small + 37,),
    )


def trend_table() -> Table:
    return Table(
        key="trend",
        title="Trend",
        columns=("Pupils reached", "Volunteers active"),
        rows=(("2023-2024", (30, 12)), ("2024-2025", (40, 2)), ("2025-2026", (55, 15))),
    )


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output


def texts(root: ET.Element) -> list[str]:
    """Every piece of text in the SVG: labels, titles and the description."""
    return [t.strip() for t in root.itertext() if t.strip()]


def tokens(strings) -> set[str]:
    return {token for s in strings for token in re.findall(r"<?\d+(?:[.,]\d+)?%?", s)}


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.BAR]


def rendered(chart: charts.Chart) -> str:
    with translation.override("nl"):
        return render_to_string("reports/_chart.html", {"chart": chart})


def cell_texts(html: str) -> list[str]:
    return [
        html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", html, re.S)
    ]


# -- well-formed and accessible -------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: charts.bar_chart(neighbourhoods(), title="Reach", suppressed=True),
        lambda: charts.trend_chart(trend_table(), title="Trend", suppressed=True),
        lambda: charts.target_bars(
            [Figure("pupils_reached", "Pupils reached", 218, target=220)],
            title="Targets",
            suppressed=True,
        ),
    ],
    ids=["bar", "trend", "target"],
)
def test_every_chart_is_an_svg_image_with_its_own_title_and_description(make):
    chart = make()
    root = parse(chart)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 640 \d+", root.get("viewBox"))
    title_id, desc_id = root.get("aria-labelledby").split()
    ids = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert ids[title_id].tag == f"{SVG}title" and ids[title_id].text == chart.title
    assert ids[desc_id].tag == f"{SVG}desc" and ids[desc_id].text
    # Nothing to run or fetch: the same SVG works in the page and in the PDF.
    markup = str(chart.svg)
    assert "<script" not in markup and "@import" not in markup and "<image" not in markup
    assert "http" not in markup.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_colours_have_enough_contrast_on_white():
    chart = charts.bar_chart(neighbourhoods(), title="Reach", suppressed=True)
    root = parse(chart)

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(colour: str) -> float:
        return 1.05 / (luminance(colour) + 0.05)

    colours = {
        value
        for element in root.iter()
        for attribute in ("fill", "stroke")
        if (value := element.get(attribute)) and value.startswith("#") and value != "#ffffff"
    }
    assert colours
    assert all(contrast(c) >= 3 for c in colours), colours  # WCAG 1.4.11, graphics
    assert contrast(root.get("fill")) >= 4.5  # the text colour, WCAG 1.4.3


def test_the_chart_labels_carry_the_row_labels_and_published_values():
    chart = charts.bar_chart(neighbourhoods(), title="Reach", suppressed=True)

    found = texts(parse(chart))

    for label in ("Noord", "Oost", "Zuid"):
        assert label in found
    assert SMALL in found and HIDDEN in found and "20" in found


def test_a_long_label_is_shortened_in_the_chart_and_whole_in_the_table():
    long = "Binnenstad, Wittevrouwen en de wijk daar vlak achter bij het station"
    table = Table("t", "t", ("n",), ((long, (12,)), ("Oost", (20,))))
    chart = charts.bar_chart(table, title="Reach", suppressed=True)

    labels = [t.text for t in parse(chart).iter(f"{SVG}text")]
    assert long not in labels
    assert any(t.endswith("\u2026") and long.startswith(t[:-1]) for t in labels)
    assert long in cell_texts(rendered(chart))
    assert any(long in title.text for title in parse(chart).iter(f"{SVG}title"))


# -- suppression ------------------------------------------------------------------------------


def test_a_hidden_count_never_shows_its_value_in_the_chart_or_the_table():
    chart = charts.bar_chart(neighbourhoods(), title="Reach", suppressed=True)
    html = rendered(chart)

    assert chart.display_table.cells == (("<5",), ("20",), ("x",))
    visible = tokens(texts(parse(chart))) | tokens(cell_texts(html))
    assert "3" not in visible
    assert "17" not in visible
    assert "20" in visible and "40" in visible  # the total is published


def test_the_chart_of_a_hidden_count_does_not_depend_on_its_value():
    one = charts.bar_chart(neighbourhoods(small=1), title="Reach", suppressed=True)
    four = charts.bar_chart(neighbourhoods(small=4), title="Reach", suppressed=True)

    assert str(one.svg) == str(four.svg)


def test_placeholders_are_hatched_or_outlined_and_the_scale_ignores_hidden_values():
    root = parse(charts.bar_chart(neighbourhoods(), title="Reach", suppressed=True))

    placeholders = {r.get("data-placeholder"): r for r in root.iter(f"{SVG}rect")}
    assert placeholders["small"].get("fill").startswith("url(#")
    assert placeholders["hidden"].get("stroke-dasharray")
    (bar,) = bars(root)  # only Oost (20) is drawn to scale
    # The scale runs to 20, the largest published value, not to the hidden 17's neighbourhood.
    tick_labels = [t.text for t in root.iter(f"{SVG}text") if t.get("font-size") == "11"]
    assert tick_labels[-1] == "20"
    width_per_unit = float(bar.get("width")) / 20
    assert float(placeholders["small"].get("width")) == pytest.approx(max(5 * width_per_unit, 10))


def test_bar_widths_are_proportional_to_the_values():
    table = Table("t", "t", ("n",), (("a", (10,)), ("b", (20,)), ("c", (40,))))

    widths = [
        float(b.get("width"))
        for b in bars(parse(charts.bar_chart(table, title="t", suppressed=True)))
    ]

    assert widths[1] == pytest.approx(2 * widths[0])
    assert widths[2] == pytest.approx(4 * widths[0])


def test_an_unsuppressed_chart_shows_exact_numbers():
    chart = charts.bar_chart(neighbourhoods(), title="Reach", suppressed=False)

    assert {"3", "20", "17"} <= set(texts(parse(chart)))
    assert len(bars(parse(chart))) == 3
    assert chart.table == neighbourhoods()


def test_an_already_published_table_is_charted_as_it_is():
    published = suppress_table(neighbourhoods())

    chart = charts.bar_chart(published, title="Reach", suppressed=True)

    assert chart.table is published
    assert chart.display_table.cells == published.cells


def test_the_trend_has_a_panel_per_indicator_and_hides_what_is_hidden():
    chart = charts.trend_chart(trend_table(), title="Trend", suppressed=True)
    root = parse(chart)
    found = texts(root)

    assert "Pupils reached" in found and "Volunteers active" in found
    assert {"2023-2024", "2024-2025", "2025-2026"} <= set(found)
    assert {"30", "40", "55", "12", "15", SMALL} <= set(found)
    assert "2" not in tokens(found)
    assert [
        r.get("data-placeholder") for r in root.iter(f"{SVG}rect") if r.get("data-placeholder")
    ] == ["small"]
    # The volunteers' line is broken at the hidden year: no segment runs through it.
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1  # pupils reached only; 12 and 15 are single points


def test_target_bars_show_realised_against_target_without_a_hidden_value():
    figures = [
        Figure("pupils_reached", "Pupils reached", 110, target=220),
        Figure("matches_started", "Matches started", 3, target=200),
        Figure("volunteers_active", "Volunteers active", 30, target=None),
    ]

    chart = charts.target_bars(figures, title="Targets", suppressed=True)
    root = parse(chart)
    found = " ".join(texts(root))

    assert "110" in found and "220" in found and "50%" in found
    assert "<5" in found and "200" in found
    assert "3" not in tokens(texts(root)) | tokens(cell_texts(rendered(chart)))
    assert "Volunteers active" not in found  # no target, so no bar; the table has it
    assert chart.display_table.cells == (
        ("110", "220", "50%"),
        ("<5", "200", "x"),
        ("30", "-", "-"),
    )
    (bar,) = bars(root)
    assert "Pupils reached" in cell_texts(rendered(chart))
    assert float(bar.get("width")) > 0


def test_target_bars_take_published_figures_as_they_are():
    # The exact value (7) is in the figure; only the display may show.
    item = PublishedFigure(Figure("matches_started", "Matches", 7, target=10), HIDDEN, hidden=True)

    chart = charts.target_bars([item], title="Targets", suppressed=True)

    assert "7" not in tokens(texts(parse(chart))) | tokens(cell_texts(rendered(chart)))
    assert chart.display_table.cells == (("x", "10", "x"),)


def test_published_target_bars_read_a_snapshot():
    chart = charts.published_target_bars(
        [
            {
                "key": "pupils_reached",
                "label": "Pupils",
                "value": "218",
                "number": 218,
                "hidden": False,
                "target": 220,
                "unit": "",
            },
            {
                "key": "matches_started",
                "label": "Matches",
                "value": "<5",
                "number": None,
                "hidden": True,
                "target": 200,
                "unit": "",
            },
        ],
        title="Targets",
    )

    assert chart.display_table.cells == (("218", "220", "99%"), ("<5", "200", "x"))


def test_charts_of_different_tables_have_different_ids():
    first = parse(charts.bar_chart(neighbourhoods(), title="Reach", suppressed=True))
    second = parse(charts.bar_chart(neighbourhoods(small=8), title="Reach", suppressed=True))

    assert first.get("id") != second.get("id")


# -- the template ----------------------------------------------------------------------------


def test_the_template_renders_the_svg_and_an_accessible_table_of_the_same_numbers():
    chart = charts.bar_chart(
        neighbourhoods(), title="Reach", suppressed=True, row_heading="Neighbourhood"
    )

    html = rendered(chart)

    assert html.count("<figure") == 1 and "<svg" in html
    assert '<caption class="utrecht-table__caption">' in html
    assert 'scope="col">Neighbourhood</th>' in html
    assert html.count('scope="row"') == 4  # three rows and the total
    with translation.override("nl"):
        total = gettext("Total")
    assert cell_texts(html)[2:] == ["Noord", "<5", "Oost", "20", "Zuid", "x", total, "40"]
    assert "utrecht-unordered-list" in html  # the legend of <5 and x


def test_the_template_has_no_legend_when_nothing_is_hidden():
    html = rendered(charts.bar_chart(neighbourhoods(), title="Reach", suppressed=False))

    assert "utrecht-unordered-list" not in html
    assert "17" in cell_texts(html)


def _snapshot_table(key: str, n: int) -> dict:
    return {
        "id": key,
        "key": key,
        "title": f"Aanmeldingen ({n})",
        "row_header": "School",
        "columns": ["Aanmeldingen"],
        "rows": [{"label": f"School {i}", "cells": ["7"], "numbers": [7]} for i in range(n)],
        "totals": None,
        "hidden": [],
        "hidden_totals": [],
        "counts": True,
    }


def test_the_pdf_prints_a_long_breakdown_as_its_table_only():
    from reports.pdf import CHART_MAX_ROWS, _charts

    snapshot = {
        "figures": [],
        "tables": [
            _snapshot_table("short", CHART_MAX_ROWS),
            _snapshot_table("long", CHART_MAX_ROWS + 1),
        ],
    }

    _target, tables = _charts(snapshot)

    short, long = tables
    assert short["chart"] is not None and "<svg" in short["chart"].svg
    assert long["chart"] is None
    assert len(long["table"]["rows"]) == CHART_MAX_ROWS + 1  # every row still printed
