"""Pupils reached: unique, new, continuing, and split by programme, place, sector, grade.

A pupil is *reached* in a period when at least one tutoring session with
them was held in it (docs/indicators.md, "Pupils reached"):

- a one-to-one session (``ContactMoment.pupil`` set) reaches that pupil;
- a group session (``pupil`` empty) reaches every participant of the match
  who had joined on or before the session's date and had not left before it,
  except the ``absent_pupils``.

Counted once per pupil, whatever the number of sessions or matches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.models import SchoolGrade

from .context import Context
from .db import ProbedPerRow
from .types import Figure, Table

FAR_FUTURE = dt.date(9999, 12, 31)


def held_sessions() -> QuerySet:
    from referrals.models import ContactMoment

    return ContactMoment.objects.filter(
        kind=ContactMoment.Kind.SESSION, attendance=ContactMoment.Attendance.HELD
    )


def _session_reaches_participant(date_q: Q) -> Exists:
    """For a MatchParticipant row: a held session of its match reached this pupil."""
    from referrals.models import ContactMoment

    absent = ContactMoment.absent_pupils.through.objects.filter(
        contactmoment_id=OuterRef("pk"), pupil_id=OuterRef(OuterRef("pupil_id"))
    )
    sessions = (
        held_sessions()
        .filter(date_q, match_id=OuterRef("match_id"))
        .filter(
            Q(pupil_id=OuterRef("pupil_id"))
            | Q(
                pupil__isnull=True,
                date__gte=OuterRef("joined_on"),
                date__lte=Coalesce(OuterRef("left_on"), Value(FAR_FUTURE)),
            )
        )
        .filter(~Exists(absent))
    )
    return Exists(sessions)


def reached_participations(ctx: Context, date_q: Q) -> QuerySet:
    """MatchParticipant rows in scope whose pupil a held session reached (``date_q``).

    Only the programmes the context counts: school-age ones, unless the
    context is for adults (``Context.for_audience``) or for every audience.
    """
    from referrals.models import MatchParticipant

    return (
        MatchParticipant.objects.filter(programme_id__in=ctx.counted_programme_ids)
        .filter(ctx.scope.pupil_q("pupil__"))
        .filter(ProbedPerRow(_session_reaches_participant(date_q)))
    )


def in_period(ctx: Context) -> Q:
    return Q(date__gte=ctx.period.start, date__lte=ctx.period.end)


def before_period(ctx: Context) -> Q:
    return Q(date__lt=ctx.period.start)


def reached_pupils(ctx: Context) -> QuerySet:
    from referrals.models import Pupil

    return Pupil.objects.filter(
        pk__in=reached_participations(ctx, in_period(ctx)).values("pupil_id")
    )


@dataclass(frozen=True)
class ReachGroup:
    """Reached pupils with the same year group and wijk."""

    grade: int | None
    area_id: int | None  # the wijk (a buurt's parent), None when unknown
    area: str | None
    municipality_id: int | None
    municipality: str | None
    reached: int
    continuing: int


@dataclass(frozen=True)
class ReachRow:
    """A pupil reached in a programme (one row of ``reach_rows``), with where they live."""

    programme_id: int
    pupil_id: int
    grade: int | None
    area_id: int | None
    area: str | None
    municipality_id: int | None
    municipality: str | None
    continuing: bool  # also reached, in a programme in scope, before the period


def reach_rows(ctx: Context) -> list[ReachRow]:
    """One query: every (programme, pupil) reached in the period, with year group and wijk.

    The totals, the tables by programme, sector, year group and neighbourhood,
    and the figures per funding agreement all come from these rows. They are
    of the programmes the context counts; with ``ctx.for_audience(None)`` of
    every audience, and ``pupil_rows`` / ``adult_learners`` split them
    (``continuing`` then looks at school-age programmes only: adults' rows
    do not use it).
    """
    from initiatives.models import Programme

    before_ctx = ctx if ctx.audience is not None else ctx.for_audience(Programme.Audience.PUPILS)
    # Correlated per reached pupil (an index lookup on the pupil's participations)
    # rather than "pk IN (every pupil reached before)", which read all earlier
    # sessions of the scope and took seconds at national scale.
    before = Exists(
        reached_participations(before_ctx, before_period(ctx)).filter(pupil_id=OuterRef("pupil_id"))
    )
    rows = (
        reached_participations(ctx, in_period(ctx))
        .annotate(
            grade=F("pupil__grade"),
            area_id=Coalesce("pupil__neighbourhood__parent_id", "pupil__neighbourhood_id"),
            area=Coalesce("pupil__neighbourhood__parent__name", "pupil__neighbourhood__name"),
            area_municipality_id=F("pupil__neighbourhood__municipality_id"),
            area_municipality=F("pupil__neighbourhood__municipality__name"),
            continuing=before,
        )
        .order_by()
        .values_list(
            "programme_id",
            "pupil_id",
            "grade",
            "area_id",
            "area",
            "area_municipality_id",
            "area_municipality",
            "continuing",
        )
        .distinct()
    )
    return [ReachRow(*row) for row in rows]


def pupil_rows(ctx: Context, rows: list[ReachRow]) -> list[ReachRow]:
    """The rows of school-age programmes (of rows read for every audience)."""
    ids = set(ctx.pupil_programme_ids)
    return [row for row in rows if row.programme_id in ids]


def adult_learners(ctx: Context, rows: list[ReachRow]) -> int:
    """The distinct adults reached in adult programmes (of rows read for every audience)."""
    from initiatives.models import Programme

    ids = {p.pk for p in ctx.programmes if p.audience == Programme.Audience.ADULTS}
    return len({row.pupil_id for row in rows if row.programme_id in ids})


def reach_groups(ctx: Context, rows: list[ReachRow] | None = None) -> list[ReachGroup]:
    """Reached pupils counted per (year group, wijk), with how many continue.

    Every reached pupil is in exactly one group (a pupil reached in two
    programmes counts once), so the totals, the sector, year group and
    neighbourhood tables all come from these groups.
    """
    if rows is None:
        rows = reach_rows(ctx)
    pupils: dict[int, ReachRow] = {}
    for row in rows:
        pupils.setdefault(row.pupil_id, row)
    counts: dict[tuple, list[int]] = {}
    for row in pupils.values():
        key = (row.grade, row.area_id, row.area, row.municipality_id, row.municipality)
        count = counts.setdefault(key, [0, 0])
        count[0] += 1
        count[1] += bool(row.continuing)
    return [ReachGroup(*key, reached, continuing) for key, (reached, continuing) in counts.items()]


def reached_per_programme(rows: list[ReachRow]) -> dict[int, set[int]]:
    """The pupils reached in each programme."""
    reached: dict[int, set[int]] = {}
    for row in rows:
        reached.setdefault(row.programme_id, set()).add(row.pupil_id)
    return reached


def reach_counts(ctx: Context, groups: list[ReachGroup] | None = None) -> dict[str, int]:
    """pupils_reached, _new and _continuing (one query, unless ``groups`` are given)."""
    if groups is None:
        groups = reach_groups(ctx)
    reached = sum(g.reached for g in groups)
    continuing = sum(g.continuing for g in groups)
    return {
        "pupils_reached": reached,
        "pupils_reached_new": reached - continuing,
        "pupils_reached_continuing": continuing,
    }


def figures(ctx: Context, counts: dict[str, int]) -> list[Figure]:
    return [
        Figure("pupils_reached", _("Pupils reached"), counts["pupils_reached"]),
        Figure("pupils_reached_new", _("New pupils reached"), counts["pupils_reached_new"]),
        Figure(
            "pupils_reached_continuing",
            _("Continuing pupils reached"),
            counts["pupils_reached_continuing"],
        ),
    ]


def sector_of_grade(grade: int | None) -> str | None:
    if grade is None:
        return None
    return "PO" if grade <= SchoolGrade.GROEP_8 else "VO"


def tables(ctx: Context, groups: list[ReachGroup], rows: list[ReachRow]) -> list[Table]:
    total = sum(g.reached for g in groups)
    by_grade: dict[int | None, int] = {}
    for group in groups:
        by_grade[group.grade] = by_grade.get(group.grade, 0) + group.reached
    return [
        reach_by_programme(ctx, rows),
        reach_by_neighbourhood(ctx, groups, total),
        reach_by_sector(by_grade, total),
        reach_by_grade(ctx, by_grade, total),
    ]


def _programme_label(ctx: Context, programme) -> str:
    if ctx.scope.initiative_id is None:
        return f"{programme.name} ({programme.initiative.name})"
    return programme.name


def reach_by_programme(ctx: Context, rows: list[ReachRow]) -> Table:
    counts = {pk: len(pupils) for pk, pupils in reached_per_programme(rows).items()}
    rows = tuple((_programme_label(ctx, p), (counts.get(p.pk, 0),)) for p in ctx.pupil_programmes)
    # No totals row: a pupil reached in two programmes is in two rows, so the
    # rows can add up to more than the number of pupils reached.
    return Table(
        key="reach_by_programme",
        title=_("Pupils reached by programme"),
        columns=(_("Pupils reached"),),
        rows=rows,
        totals=None,
    )


def reach_by_neighbourhood(ctx: Context, groups: list[ReachGroup], total: int) -> Table:
    """Per wijk (a buurt counts in its wijk); wijken of another municipality say which."""
    from municipality.models import Neighbourhood

    home = ctx.scope.municipality_id
    counts: dict[int | None, int] = {}
    labels: dict[int | None, str] = {}
    for group in groups:
        counts[group.area_id] = counts.get(group.area_id, 0) + group.reached
        if group.area_id is not None:
            outside = home is not None and group.municipality_id != home
            labels[group.area_id] = (
                f"{group.area} ({group.municipality})" if outside else group.area
            )
    if home is not None and ctx.scope.neighbourhood_id is None:
        # Every wijk of the municipality gets a row, also with no pupils (one query).
        for pk, name in Neighbourhood.objects.filter(
            municipality_id=home, parent__isnull=True
        ).values_list("pk", "name"):
            counts.setdefault(pk, 0)
            labels[pk] = name
    unknown = counts.pop(None, 0)
    rows = sorted(((labels[pk], (n,)) for pk, n in counts.items()), key=lambda row: row[0])
    if unknown:
        rows.append((_("Neighbourhood unknown"), (unknown,)))
    return Table(
        key="reach_by_neighbourhood",
        title=_("Pupils reached by neighbourhood"),
        columns=(_("Pupils reached"),),
        rows=tuple(rows),
        totals=(total,),
    )


def reach_by_sector(by_grade: dict[int | None, int], total: int) -> Table:
    counts = {"PO": 0, "VO": 0, None: 0}
    for grade, n in by_grade.items():
        counts[sector_of_grade(grade)] += n
    rows = [
        (_("Primary education (PO)"), (counts["PO"],)),
        (_("Secondary education (VO)"), (counts["VO"],)),
    ]
    if counts[None]:
        rows.append((_("Year group unknown"), (counts[None],)))
    return Table(
        key="reach_by_sector",
        title=_("Pupils reached by school sector"),
        columns=(_("Pupils reached"),),
        rows=tuple(rows),
        totals=(total,),
    )


def reach_by_grade(ctx: Context, by_grade: dict[int | None, int], total: int) -> Table:
    grades = {g for g in by_grade if g is not None}
    for programme in ctx.pupil_programmes:
        grades.update(range(programme.min_grade, programme.max_grade + 1))
    rows = [(str(SchoolGrade(g).label), (by_grade.get(g, 0),)) for g in sorted(grades)]
    if by_grade.get(None):
        rows.append((_("Year group unknown"), (by_grade[None],)))
    return Table(
        key="reach_by_grade",
        title=_("Pupils reached by year group"),
        columns=(_("Pupils reached"),),
        rows=tuple(rows),
        totals=(total,),
    )
