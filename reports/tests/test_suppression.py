"""Small-number suppression: the rules by example, then an attacker that tries to undo it.

The attacker only reads what is published (the display strings) and knows how
the numbers hang together (column totals, a total column, the headline figure
that equals a table total, sectors that group year groups). For every hidden
count it asks a linear program for the smallest and largest value that fits;
the suppression must leave at least two.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from core.periods import Period
from reports.indicators.scope import IndicatorScope
from reports.indicators.types import Figure, IndicatorSet, Table
from reports.suppression import (
    HIDDEN,
    SMALL,
    THRESHOLD,
    exact_set,
    exact_table,
    shown,
    suppress_set,
    suppress_table,
)

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,  # no .hypothesis directory in the repository
    suppress_health_check=[HealthCheck.too_slow],
)


def make_table(rows, *, totals=True, key="t", counts=True) -> Table:
    width = len(rows[0])
    return Table(
        key=key,
        title=key,
        columns=tuple(f"c{c}" for c in range(width)),
        rows=tuple((f"r{r}", tuple(values)) for r, values in enumerate(rows)),
        totals=tuple(sum(row[c] for row in rows) for c in range(width)) if totals else None,
        counts=counts,
    )


def make_set(figures, tables) -> IndicatorSet:
    return IndicatorSet(
        scope=IndicatorScope(municipality_id=1),
        period=Period.school_year(2025),
        figures=tuple(figures),
        tables=tuple(tables),
    )


# -- the attacker -------------------------------------------------------------


class Attacker:
    """Unknowns for every hidden display string, and linear equations between them."""

    def __init__(self):
        self.bounds: list[tuple[float, float | None]] = []
        self.kinds: list[str] = []
        self.equations: list[tuple[dict[int, int], int]] = []  # sum(coef * x) + const == 0

    def read(self, display: str):
        """A published number (int) or the index of a new unknown."""
        if display == SMALL:
            self.bounds.append((1, THRESHOLD - 1))
        elif display == HIDDEN:
            self.bounds.append((0, None))
        else:
            return int(display)
        self.kinds.append(display)
        return Unknown(len(self.bounds) - 1)

    def equal(self, left, right: list) -> None:
        """left == sum(right), each a number or an Unknown."""
        coefficients: dict[int, int] = {}
        constant = 0
        for term, sign in [(left, -1)] + [(term, 1) for term in right]:
            if isinstance(term, Unknown):
                coefficients[term.index] = coefficients.get(term.index, 0) + sign
            else:
                constant += sign * term
        self.equations.append((coefficients, constant))

    def _system(self):
        n = len(self.bounds)
        a = np.zeros((len(self.equations), n))
        b = np.zeros(len(self.equations))
        for i, (coefficients, constant) in enumerate(self.equations):
            for j, coefficient in coefficients.items():
                a[i, j] = coefficient
            b[i] = -constant
        return a, b

    def ranges(self) -> list[tuple[float, float]]:
        """Per unknown, the smallest and largest value consistent with what is published."""
        n = len(self.bounds)
        if not n:
            return []
        a, b = self._system()
        found = []
        for j in range(n):
            low_high = []
            for sign in (1, -1):
                objective = np.zeros(n)
                objective[j] = sign
                result = linprog(
                    objective,
                    A_eq=a if len(b) else None,
                    b_eq=b if len(b) else None,
                    bounds=self.bounds,
                    method="highs",
                )
                if result.status == 3:  # unbounded
                    low_high.append(float("inf"))
                    continue
                assert result.status == 0, f"the published figures contradict each other: {result}"
                low_high.append(result.x[j])
            found.append((low_high[0], low_high[1]))
        return found

    def integer_ranges(self) -> list[tuple[int, int]]:
        """The same attacker, who also knows that counts are whole numbers."""
        n = len(self.bounds)
        if not n:
            return []
        a, b = self._system()
        big = 10_000
        constraints = [LinearConstraint(a, b, b)] if len(b) else []
        bounds = Bounds(
            [low for low, _high in self.bounds],
            [big if high is None else high for _low, high in self.bounds],
        )
        found = []
        for j in range(n):
            ends = []
            for sign in (1, -1):
                objective = np.zeros(n)
                objective[j] = sign
                result = milp(
                    objective, constraints=constraints, bounds=bounds, integrality=np.ones(n)
                )
                assert result.status == 0, result.message
                ends.append(round(result.x[j]))
            found.append((ends[0], ends[1]))
        return found


class Unknown:
    def __init__(self, index: int):
        self.index = index


def attack_table(published, *, total_column: bool) -> Attacker:
    """What an attacker can set up from one published table with column totals."""
    attacker = Attacker()
    cells = [[attacker.read(d) for d in row] for row in published.cells]
    totals = [attacker.read(d) for d in published.totals] if published.totals else None
    if totals is not None:
        for c, total in enumerate(totals):
            attacker.equal(total, [row[c] for row in cells])
    if total_column:
        for line in cells + ([totals] if totals is not None else []):
            attacker.equal(line[-1], line[:-1])
    return attacker


def assert_not_determined(attacker: Attacker) -> None:
    for index, (low, high) in enumerate(attacker.ranges()):
        assert high - low > 1e-6, f"hidden value {index} ({attacker.kinds[index]}) is {low}"
    for index, (low, high) in enumerate(attacker.integer_ranges()):
        assert high > low, f"hidden value {index} ({attacker.kinds[index]}) is {low}"


# -- shown() and single tables by example ---------------------------------------


@pytest.mark.parametrize(
    ("value", "display"),
    [(None, "-"), (0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (12, "12"), (220, "220")],
)
def test_shown_hides_counts_of_one_to_four(value, display):
    assert shown(value) == display


def test_a_single_small_cell_in_a_column_with_a_total_takes_a_second_cell_with_it():
    published = suppress_table(make_table([(3,), (20,), (7,)]))

    assert published.cells == (("<5",), ("20",), (HIDDEN,))
    assert published.totals == ("30",)
    assert published.hidden == {(0, 0), (2, 0)}
    # 30 - 20 is the sum of the two hidden cells, not one of them.


def test_two_ones_in_a_column_are_not_enough_to_hide_each_other():
    # Two "<5" that add up to 2 can only be 1 and 1.
    published = suppress_table(make_table([(1,), (1,), (30,), (9,)]))

    assert published.cells[0] == published.cells[1] == ("<5",)
    assert (HIDDEN,) in published.cells
    assert_not_determined(attack_table(published, total_column=False))


def test_a_secondary_cell_of_exactly_five_is_not_enough_for_a_one():
    # Hiding 1 and 5 leaves 6, which an "x" of at least 5 splits only as 5 + 1.
    published = suppress_table(make_table([(1,), (5,), (20,)]))

    assert_not_determined(attack_table(published, total_column=False))
    assert published.cells[0] == ("<5",)


def test_a_small_total_is_hidden_too():
    published = suppress_table(make_table([(3,), (0,), (0,)]))

    assert published.cells == (("<5",), ("0",), ("0",))
    assert published.totals == ("<5",)
    assert published.hidden_totals == {0}


def test_where_even_less_than_five_gives_a_count_away_the_total_is_shown_as_x():
    # Four "<5" under a total of "<5": each would have to be 1.
    published = suppress_table(make_table([(1,), (1,), (1,), (1,)]))

    assert published.cells == ((SMALL,),) * 4
    assert published.totals == (HIDDEN,)
    assert_not_determined(attack_table(published, total_column=False))


def test_zero_is_published():
    published = suppress_table(make_table([(0,), (12,), (8,)]))

    assert published.cells == (("0",), ("12",), ("8",))
    assert not published.is_suppressed


def test_without_totals_only_the_small_counts_are_hidden():
    published = suppress_table(make_table([(3,), (20,), (7,)], totals=False))

    assert published.cells == (("<5",), ("20",), ("7",))
    assert published.totals is None


def test_a_column_that_is_the_sum_of_others_protects_the_rows():
    # columns: new, continuing, reached (= new + continuing)
    published = suppress_table(make_table([(3, 40, 43), (10, 12, 22)], totals=False))

    assert published.cells[0][0] == SMALL
    assert HIDDEN in published.cells[0], "43 - 40 would give the new pupils away"
    assert_not_determined(attack_table(published, total_column=True))


def test_overlapping_rows_hide_a_small_count_next_to_its_bounds():
    # A pupil in two programmes is counted in both rows, so the total (44) is
    # at most the sum (4 + 40); with 40 published, 44 <= x + 40 gives x = 4.
    table = Table("t", "t", ("n",), (("a", (4,)), ("b", (40,))), totals=(44,))

    published = suppress_table(table)

    assert published.cells[0] == (SMALL,)
    assert HIDDEN in (published.cells[1][0], published.totals[0])


def test_a_percentage_next_to_a_hidden_count_is_hidden():
    table = Table(
        "t",
        "t",
        ("Pupils", "Share (%)"),
        (("a", (3, 7.5)), ("b", (37, 92.5))),
        totals=(40, 100.0),
    )

    published = suppress_table(table)

    assert published.cells[0] == (SMALL, HIDDEN)
    assert published.cells[1][1] == HIDDEN
    assert "7" not in "".join(published.cells[0])


def test_a_table_of_other_numbers_than_counts_is_shown_as_it_is():
    table = Table("t", "t", ("Score",), (("a", (3,)), ("b", (4.25,))), counts=False)

    published = suppress_table(table)

    assert published.cells == (("3",), ("4,3",))
    assert not published.is_suppressed


def test_the_legend_explains_only_the_symbols_used():
    assert [s for s, _text in suppress_table(make_table([(3,), (20,), (7,)])).legend] == [
        SMALL,
        HIDDEN,
    ]
    assert suppress_table(make_table([(3,), (20,)], totals=False)).legend[0][0] == SMALL
    assert suppress_table(make_table([(8,)])).legend == ()


def test_exact_table_hides_nothing():
    published = exact_table(make_table([(3,), (20,), (7,)]))

    assert published.cells == (("3",), ("20",), ("7",))
    assert published.totals == ("30",)
    assert not published.hidden


def test_suppression_is_deterministic():
    table = make_table([(3, 2), (20, 9), (7, 1), (1, 1)])

    assert suppress_table(table) == suppress_table(table)


# -- a document: figures and tables together ------------------------------------


def reach_document(po_grades, vo_grades, new) -> IndicatorSet:
    grades = list(po_grades) + list(vo_grades)
    total = sum(grades)
    figures = [
        Figure("pupils_reached", "Pupils reached", total, target=220),
        Figure("pupils_reached_new", "New", new),
        Figure("pupils_reached_continuing", "Continuing", total - new),
        Figure("contact_hours", "Contact hours", 3, unit="hours", is_count=False),
    ]
    sector = Table(
        "reach_by_sector",
        "By sector",
        ("Pupils",),
        (("PO", (sum(po_grades),)), ("VO", (sum(vo_grades),))),
        totals=(total,),
    )
    grade = Table(
        "reach_by_grade",
        "By year group",
        ("Pupils",),
        tuple((f"grade {g}", (n,)) for g, n in enumerate(grades, start=1)),
        totals=(total,),
    )
    return make_set(figures, [sector, grade])


def attack_reach_document(published, n_po: int) -> Attacker:
    attacker = Attacker()
    figure = {f.key: attacker.read(f.display) for f in published.figures if f.figure.is_count}
    sector = published.table("reach_by_sector")
    grade = published.table("reach_by_grade")
    po, vo = (attacker.read(row[0]) for row in sector.cells)
    sector_total = attacker.read(sector.totals[0])
    grades = [attacker.read(row[0]) for row in grade.cells]
    grade_total = attacker.read(grade.totals[0])
    reached = figure["pupils_reached"]
    attacker.equal(reached, [figure["pupils_reached_new"], figure["pupils_reached_continuing"]])
    attacker.equal(reached, [sector_total])
    attacker.equal(reached, [grade_total])
    attacker.equal(sector_total, [po, vo])
    attacker.equal(grade_total, grades)
    attacker.equal(po, grades[:n_po])
    attacker.equal(vo, grades[n_po:])
    return attacker


def test_the_headline_figure_and_the_table_totals_are_shown_alike():
    published = suppress_set(reach_document([10, 12, 8], [6, 9], new=20))

    assert published.figure("pupils_reached").display == "45"
    assert published.table("reach_by_sector").totals == ("45",)
    assert published.table("reach_by_grade").totals == ("45",)
    assert not any(t.is_suppressed for t in published.tables)


def test_a_small_part_of_the_headline_figure_takes_another_figure_with_it():
    published = suppress_set(reach_document([10, 12, 8], [6, 9], new=3))

    new = published.figure("pupils_reached_new")
    assert (new.display, new.hidden) == (SMALL, True)
    assert HIDDEN in (
        published.figure("pupils_reached").display,
        published.figure("pupils_reached_continuing").display,
    )
    assert (
        published.figure("pupils_reached").display == published.table("reach_by_sector").totals[0]
    )


def test_sectors_cannot_be_worked_out_from_the_year_groups():
    # VO = 3 is hidden in the sector table; the year groups of PO (all >= 5)
    # add up to PO, so PO cannot stay published next to them.
    document = reach_document([10, 12, 8], [2, 1], new=20)

    published = suppress_set(document)

    assert published.table("reach_by_sector").cells[1] == (SMALL,)
    assert_not_determined(attack_reach_document(published, n_po=3))


def test_a_tiny_document_shows_the_headline_figure_and_the_totals_alike():
    published = suppress_set(reach_document([1, 1], [1, 1], new=0))

    reached = published.figure("pupils_reached").display
    assert reached in (SMALL, HIDDEN)
    assert published.table("reach_by_sector").totals == (reached,)
    assert published.table("reach_by_grade").totals == (reached,)
    assert_not_determined(attack_reach_document(published, n_po=2))


def test_the_trend_row_of_the_period_cannot_undo_the_headline_figures():
    # Figures and this year's trend row both say 43 = 3 + 40; hiding 40 in one
    # and 43 in the other would give the 3 away. (The table of continuing pupils
    # makes 40 the costlier figure to hide among the headline figures.)
    continuing = Table(
        "continuing", "Continuing", ("Pupils",), (("a", (20,)), ("b", (20,))), totals=(40,)
    )
    figures = [
        Figure("pupils_reached", "Pupils reached", 43),
        Figure("pupils_reached_new", "New", 3),
        Figure("pupils_reached_continuing", "Continuing", 40),
    ]
    trend = Table(
        "trend",
        "Trend",
        ("Reached", "New", "Continuing"),
        (("2024-2025", (30, 10, 20)), ("2025-2026", (43, 3, 40))),
    )

    published = suppress_set(make_set(figures, [continuing]), extra_tables=(trend,))

    attacker = Attacker()
    figure = [attacker.read(f.display) for f in published.figures]
    rows = [[attacker.read(d) for d in row] for row in published.table("trend").cells]
    for line in [figure, *rows]:
        attacker.equal(line[0], line[1:])
    for mine, theirs in zip(figure, rows[1], strict=True):
        attacker.equal(mine, [theirs])
    assert_not_determined(attacker)
    assert [f.display for f in published.figures] == list(published.table("trend").cells[1])


def test_a_figure_that_is_no_count_is_shown_exactly():
    published = suppress_set(reach_document([10, 12, 8], [6, 9], new=20))

    assert published.figure("contact_hours").display == "3"


def test_a_percentage_of_a_hidden_count_is_hidden():
    document = make_set(
        [
            Figure("volunteers_active", "Active", 3),
            Figure("volunteers_valid_vog_pct", "Valid VOG", 66.7, unit="%", is_count=False),
        ],
        [],
    )

    published = suppress_set(document)

    assert published.figure("volunteers_active").display == SMALL
    assert published.figure("volunteers_valid_vog_pct").display == HIDDEN


def test_a_share_computed_from_a_table_with_a_hidden_count_is_hidden():
    goals = Table(
        "goal_results",
        "Goals",
        ("Goals",),
        (("Achieved", (9,)), ("Partly", (2,)), ("Not achieved", (9,))),
        totals=(20,),
    )
    share = Figure("goals_achieved_pct", "Goals achieved", 45.0, unit="%", is_count=False)

    published = suppress_set(make_set([share], [goals]))

    assert published.table("goal_results").cells[1] == (SMALL,)
    assert published.figure("goals_achieved_pct").display == HIDDEN


def test_exact_set_shows_the_initiative_its_own_numbers():
    published = exact_set(reach_document([10, 12, 8], [2, 1], new=3))

    assert published.figure("pupils_reached_new").display == "3"
    assert published.table("reach_by_sector").cells[1] == ("3",)


# -- properties -------------------------------------------------------------------

small_counts = st.one_of(st.integers(0, 4), st.integers(0, 20))


@st.composite
def count_tables(draw):
    width = draw(st.integers(1, 6))
    height = draw(st.integers(1, 6))
    rows = [[draw(small_counts) for _c in range(width)] for _r in range(height)]
    total_column = width >= 2 and draw(st.booleans())
    if total_column:
        rows = [[*row[:-1], sum(row[:-1])] for row in rows]
    return make_table(rows), total_column


@PROPERTY
@given(count_tables())
def test_no_hidden_cell_can_be_worked_out_from_the_totals(case):
    table, total_column = case

    published = suppress_table(table)

    assert_not_determined(attack_table(published, total_column=total_column))


@PROPERTY
@given(count_tables())
def test_published_cells_are_true_and_never_small(case):
    table, _total_column = case

    published = suppress_table(table)

    pairs = [
        (value, display)
        for (_label, values), displays in zip(table.rows, published.cells, strict=True)
        for value, display in zip(values, displays, strict=True)
    ] + list(zip(table.totals, published.totals, strict=True))
    for value, display in pairs:
        if 0 < value < THRESHOLD:
            # "x" where even "<5" would give it away (see the next test)
            assert display in (SMALL, HIDDEN)
        elif display != HIDDEN:
            assert display == str(value)
            assert value == 0 or value >= THRESHOLD
    hidden = {
        (r, c)
        for r, row in enumerate(published.cells)
        for c, d in enumerate(row)
        if d in (SMALL, HIDDEN)
    }
    assert hidden == published.hidden


@PROPERTY
@given(
    st.lists(small_counts, min_size=2, max_size=8),
    st.lists(small_counts, min_size=1, max_size=6),
    st.data(),
)
def test_no_hidden_count_can_be_worked_out_from_the_whole_document(po, vo, data):
    total = sum(po) + sum(vo)
    new = data.draw(st.integers(0, total))

    published = suppress_set(reach_document(po, vo, new))

    assert_not_determined(attack_reach_document(published, n_po=len(po)))
    assert (
        published.figure("pupils_reached").display == published.table("reach_by_sector").totals[0]
    )
    assert published.figure("pupils_reached").display == published.table("reach_by_grade").totals[0]


def test_impact_means_over_fewer_than_five_pupils_are_not_published():
    from reports.indicators.outcomes import impact_by_question

    def row(text, n, start, end):
        return {
            "question__programme__name": "Taalmentoraat",
            "question__text": text,
            "n": n,
            "mean_start": start,
            "mean_end": end,
            "mean_change": end - start,
        }

    table = impact_by_question(
        None, [row("Leesplezier", 3, 2.0, 4.0), row("Zelfvertrouwen", 12, 3.0, 4.5)]
    )

    published = suppress_table(table)

    assert published.cells[0] == ("<5", "x", "x", "x")
    assert published.cells[1][0] == "12"


# --- differencing between two views -----------------------------------------------


def _fig(key, value, is_count=True):
    from reports.indicators import Figure

    return Figure(key, key, value, is_count=is_count)


def test_two_exact_counts_differing_by_one_to_four_disclose():
    from reports.suppression import differs_by_small_count

    assert differs_by_small_count([_fig("pupils_reached", 55)], [_fig("pupils_reached", 57)])
    assert not differs_by_small_count([_fig("pupils_reached", 52)], [_fig("pupils_reached", 57)])
    assert not differs_by_small_count([_fig("pupils_reached", 57)], [_fig("pupils_reached", 57)])


def test_a_small_count_on_either_side_gives_nothing_exact_to_subtract():
    from reports.suppression import differs_by_small_count

    # 3 ("<5") of 6: the rest is 2 to 5, not known exactly
    assert not differs_by_small_count([_fig("pupils_reached", 3)], [_fig("pupils_reached", 6)])
    assert not differs_by_small_count([_fig("pupils_reached", 0)], [_fig("pupils_reached", 4)])


def test_averages_are_not_counts_of_persons():
    from reports.suppression import differs_by_small_count

    assert not differs_by_small_count(
        [_fig("contact_hours", 50, is_count=False)], [_fig("contact_hours", 52, is_count=False)]
    )


def test_table_cells_are_compared_by_row_label_and_column():
    from reports.indicators import Table
    from reports.suppression import differs_by_small_count

    def table(rows, totals=None):
        return Table("reach_by_sector", "t", ("Bereikt",), rows, totals=totals)

    whole = table((("PO", (20,)), ("VO", (8,))), totals=(28,))
    assert differs_by_small_count([table((("PO", (18,)), ("VO", (8,))))], [whole])
    assert not differs_by_small_count([table((("PO", (20,)), ("VO", (0,))))], [whole])
    # the totals rows are compared too
    assert differs_by_small_count([table((("PO", (20,)), ("VO", (0,))), totals=(25,))], [whole])


# --- nested figures, shares and the figures per funding agreement ------------------


def _unknown(attacker: Attacker, kind: str) -> Unknown:
    """A count nobody publishes (the completed matches, the pupils outside an agreement)."""
    attacker.bounds.append((0, None))
    attacker.kinds.append(kind)
    return Unknown(len(attacker.bounds) - 1)


def _assert_protected(attacker: Attacker, indices) -> None:
    """Each unknown of ``indices`` keeps at least two whole values."""
    ranges = attacker.integer_ranges()
    for index in indices:
        low, high = ranges[index]
        assert high > low, f"{attacker.kinds[index]} ({index}) is {low}"


def test_a_share_whose_rest_is_small_is_hidden_with_its_base_published():
    # 80.0% of 10 active volunteers: 2 without a valid VOG
    def published(pct):
        return suppress_set(
            make_set(
                [
                    Figure("volunteers_active", "Active", 10),
                    Figure("volunteers_valid_vog_pct", "VOG", pct, unit="%", is_count=False),
                ],
                [],
            )
        )

    assert published(80.0).figure("volunteers_valid_vog_pct").display == HIDDEN
    assert published(80.0).figure("volunteers_active").display == "10"
    assert published(30.0).figure("volunteers_valid_vog_pct").display == HIDDEN  # 3 with
    assert published(50.0).figure("volunteers_valid_vog_pct").display == "50,0"
    assert published(100.0).figure("volunteers_valid_vog_pct").display == "100,0"


def test_ended_minus_ended_early_cannot_give_the_completed_matches_away():
    document = make_set(
        [Figure("matches_ended", "Ended", 9), Figure("matches_ended_early", "Early", 7)], []
    )

    published = suppress_set(document)

    attacker = Attacker()
    ended = attacker.read(published.figure("matches_ended").display)
    early = attacker.read(published.figure("matches_ended_early").display)
    completed = _unknown(attacker, "completed")
    attacker.equal(ended, [early, completed])
    _assert_protected(attacker, range(len(attacker.bounds)))
    assert HIDDEN in {published.figure(k).display for k in ("matches_ended", "matches_ended_early")}


def test_a_difference_of_five_or_more_between_nested_figures_hides_nothing():
    document = make_set(
        [
            Figure("matches_active", "Active", 20),
            Figure("matches_started", "Started", 12),
            Figure("matches_ended", "Ended", 9),
            Figure("matches_ended_early", "Early", 0),
        ],
        [],
    )

    assert [f.display for f in suppress_set(document).figures] == ["20", "12", "9", "0"]


def realised(rows, total, *, key="realised"):
    return Table(
        key, key, ("Pupils",), tuple((f"a{r}", (v,)) for r, v in enumerate(rows)), totals=(total,)
    )


def apart(n, *, key="realised"):
    from reports.suppression import Within

    return Within(key, (tuple((r,) for r in range(n)),), (True,))


def test_an_agreement_that_covers_all_but_a_few_pupils_is_hidden():
    # One agreement reaches 10 of the municipality's 13: 3 were reached outside it.
    published = suppress_table(realised([10], 13), within=apart(1))

    assert published.cells == ((HIDDEN,),)
    assert published.totals == ("13",)


def test_two_agreements_cannot_give_the_pupils_outside_both_away():
    published = suppress_table(realised([5, 5], 13), within=apart(2))

    assert HIDDEN in {published.cells[0][0], published.cells[1][0], published.totals[0]}


def test_without_within_the_rest_is_not_protected():
    # what the realised table did before: 13 - 5 - 5 = 3 pupils outside both
    assert suppress_table(realised([5, 5], 13)).cells == (("5",), ("5",))


def test_a_figure_another_output_hides_is_hidden_here_and_cannot_be_worked_out():
    from reports.suppression import Elsewhere

    document = make_set(
        [
            Figure("pupils_reached", "Reached", 10),
            Figure("pupils_reached_new", "New", 10),
            Figure("pupils_reached_continuing", "Continuing", 0),
        ],
        [],
    )

    published = suppress_set(document, elsewhere=Elsewhere(figures={"pupils_reached": HIDDEN}))

    assert published.figure("pupils_reached").display == HIDDEN
    assert published.figure("pupils_reached_new").display == HIDDEN  # 10 + 0 would tell
    assert published.figure("pupils_reached_continuing").display == "0"


def test_a_count_differing_from_the_enclosing_view_by_one_to_four_is_hidden():
    from reports.suppression import Elsewhere

    document = make_set([Figure("matches_ended", "Ended", 7), Figure("referrals", "R", 20)], [])
    municipal = [Figure("matches_ended", "Ended", 9), Figure("referrals", "R", 40)]

    published = suppress_set(document, elsewhere=Elsewhere(enclosing=municipal))

    assert published.figure("matches_ended").display == HIDDEN
    assert published.figure("referrals").display == "20"


def test_an_enclosing_small_count_tells_nothing_to_subtract_from():
    from reports.suppression import Elsewhere

    document = make_set([Figure("matches_ended", "Ended", 1)], [])
    elsewhere = Elsewhere(enclosing=[Figure("matches_ended", "Ended", 4)])

    assert suppress_set(document, elsewhere=elsewhere).figure("matches_ended").display == SMALL


def test_what_another_output_publishes_is_hidden_only_when_nothing_else_will_do():
    from reports.suppression import Elsewhere

    # 3 + 10 = 13: one of the 10 and the 13 must go; the 10 is published elsewhere.
    table = realised([3, 10], 13)
    elsewhere = Elsewhere(cells={("realised", 1, 0): "10"})

    published = suppress_set(make_set([], [table]), elsewhere=elsewhere).table("realised")

    assert published.cells == ((SMALL,), ("10",))
    assert published.totals == (HIDDEN,)


@PROPERTY
@given(
    st.lists(small_counts, min_size=1, max_size=5),
    st.integers(0, 12),
)
def test_no_count_within_or_outside_agreements_can_be_worked_out(rows, rest):
    """Agreements over different programmes and the municipal total around them.

    The reader knows every published row and the total, that each agreement
    lies within the total and that together they do too; the persons outside
    one agreement (total - row) and outside all of them (the rest) are
    counts as well.
    """
    total = sum(rows) + rest
    published = suppress_table(realised(rows, total), within=apart(len(rows)))

    attacker = Attacker()
    cells = [attacker.read(row[0]) for row in published.cells]
    whole = attacker.read(published.totals[0])
    outside_all = _unknown(attacker, "rest")
    attacker.equal(whole, [*cells, outside_all])
    check = [c.index for c in [*cells, whole] if isinstance(c, Unknown)]
    if 0 < rest < THRESHOLD:
        check.append(outside_all.index)
    for cell, value in zip(cells, rows, strict=True):
        outside = _unknown(attacker, "outside one")
        attacker.equal(whole, [cell, outside])
        if 0 < total - value < THRESHOLD:
            check.append(outside.index)
    _assert_protected(attacker, check)


@PROPERTY
@given(st.integers(0, 30), st.data())
def test_no_count_behind_nested_figures_or_a_share_can_be_worked_out(ended, data):
    early = data.draw(st.integers(0, ended))
    active = data.draw(st.integers(0, 30))
    valid = data.draw(st.integers(0, active))
    pct = round(100 * valid / active, 1) if active else None
    document = make_set(
        [
            Figure("matches_ended", "Ended", ended),
            Figure("matches_ended_early", "Early", early),
            Figure("volunteers_active", "Active", active),
            Figure("volunteers_valid_vog_pct", "VOG", pct, unit="%", is_count=False),
        ],
        [],
    )

    published = suppress_set(document)

    attacker = Attacker()
    shown_ended = attacker.read(published.figure("matches_ended").display)
    shown_early = attacker.read(published.figure("matches_ended_early").display)
    completed = _unknown(attacker, "completed")
    attacker.equal(shown_ended, [shown_early, completed])
    shown_active = attacker.read(published.figure("volunteers_active").display)
    share = published.figure("volunteers_valid_vog_pct").display
    with_vog = _unknown(attacker, "with a VOG")
    without = _unknown(attacker, "without a VOG")
    attacker.equal(shown_active, [with_vog, without])
    if share not in (HIDDEN, "-"):
        # the reader computes the count from the share and the base
        assert not isinstance(shown_active, Unknown)
        attacker.equal(with_vog, [round(float(share.replace(",", ".")) * shown_active / 100)])
    check = [u.index for u in (shown_ended, shown_early, shown_active) if isinstance(u, Unknown)]
    check += [
        unknown.index
        for unknown, value in (
            (completed, ended - early),
            (with_vog, valid),
            (without, active - valid),
        )
        if 0 < value < THRESHOLD
    ]
    _assert_protected(attacker, check)


def test_enclosing_figures_that_leave_nothing_to_hide_are_left_out_rather_than_fail():
    from reports.suppression import Elsewhere

    # The enclosing view shows 8 and 7 (a stale or inconsistent pair): with
    # them the 1 continuing pupil here could not be protected at all.
    document = make_set(
        [
            Figure("pupils_reached", "Reached", 8),
            Figure("pupils_reached_new", "New", 7),
            Figure("pupils_reached_continuing", "Continuing", 1),
        ],
        [],
    )
    enclosing = [Figure("pupils_reached", "Reached", 8), Figure("pupils_reached_new", "New", 7)]

    published = suppress_set(document, elsewhere=Elsewhere(enclosing=enclosing))

    assert published == suppress_set(document)
    assert published.figure("pupils_reached_continuing").display == SMALL
