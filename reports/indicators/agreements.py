"""The targetable figures of many funding agreements of one municipality at once.

``compute_targetable`` answers one agreement in seven queries; a municipal
overview or dashboard of a large municipality needs it for fifty agreements,
which took seconds. ``targetable_per_agreement`` answers all of them in a
fixed number of queries: it runs the same querysets as ``compute_targetable``
once over the union of the agreements' programmes, grouped by programme, and
adds up per agreement what adds up (matches, sessions, minutes, goals). What
does not add up (a pupil or a school in two programmes of one agreement, a
volunteer who works for several) is read as sets of ids per programme, and
counted once per agreement. The figures themselves are made by the same
``figures()`` helpers, so labels, units and rounding are those of
``compute_targetable``; a test checks that both give the same values.

The per-programme counts are read for programmes of every audience; each
agreement's school-age figures add up only its programmes for pupils, its
adult figures (learners reached, tracks started) only its adult programmes,
and its volunteers all of them, as ``compute_targetable`` does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from django.db.models import Count

from core.periods import Period

from . import adults, matches, outcomes, pupils, referrals, volunteers
from .context import Context
from .scope import IndicatorScope
from .types import Figure, IndicatorSet

# Only pupils_reached of the reach figures is targetable; new and continuing
# are not asked for (their placeholders never leave this module).
_NOT_ASKED = {"pupils_reached_new": 0, "pupils_reached_continuing": 0}


def targetable_per_agreement(
    scopes: Sequence[IndicatorScope],
    period: Period,
    *,
    reached: dict[int, set[int]] | None = None,
) -> dict[IndicatorScope, IndicatorSet]:
    """``compute_targetable(scope, period)`` for every scope, in about ten queries.

    Every scope is an agreement's (``IndicatorScope.for_agreement``): a
    municipality, an initiative and a list of programmes, no neighbourhood.
    Agreements of several municipalities (an initiative's dashboard) take
    about ten queries per municipality. ``reached`` (the pupils reached per
    programme, ``pupils.reached_per_programme`` of a whole municipality's
    ``reach_rows`` of every audience) saves the query for the pupils; it
    needs agreements of that one municipality.
    """
    by_municipality: dict[int, list[IndicatorScope]] = defaultdict(list)
    for scope in dict.fromkeys(scopes):
        if scope.municipality_id is None or scope.programme_ids is None or scope.neighbourhood_id:
            raise ValueError("Agreement scopes are needed: a municipality and programmes.")
        by_municipality[scope.municipality_id].append(scope)
    if reached is not None and len(by_municipality) > 1:
        raise ValueError("The pupils reached of one municipality fit its agreements only.")
    result = {}
    for municipality_id, of_municipality in by_municipality.items():
        result.update(_of_one_municipality(municipality_id, of_municipality, period, reached))
    return result


def _of_one_municipality(
    municipality_id: int,
    scopes: list[IndicatorScope],
    period: Period,
    reached: dict[int, set[int]] | None,
) -> dict[IndicatorScope, IndicatorSet]:
    from initiatives.models import Programme

    from .engine import NO_WAITLIST, TARGETABLE

    union = IndicatorScope(
        municipality_id=municipality_id,
        programme_ids=tuple({pk for s in scopes for pk in s.programme_ids}),
    )
    ctx = Context.build(union, period)
    # Per scope its programmes as Context.build(scope) finds them: those of the
    # union's (serving the municipality) that are listed and of its initiative.
    programmes_of = {
        scope: [
            p
            for p in ctx.programmes
            if p.pk in scope.programme_ids
            and (scope.initiative_id is None or p.initiative_id == scope.initiative_id)
        ]
        for scope in scopes
    }
    per_programme = _PerProgramme(ctx.for_audience(None), reached=reached)
    school_age = set(ctx.pupil_programme_ids)
    result = {}
    for scope in scopes:
        programmes = programmes_of[scope]
        ids = {p.pk for p in programmes} & school_age
        adult_ids = {p.pk for p in programmes if p.audience == Programme.Audience.ADULTS}
        figures: list[Figure] = [
            *pupils.figures(
                ctx, {"pupils_reached": per_programme.pupils_reached(ids), **_NOT_ASKED}
            ),
            *referrals.figures(per_programme.referral_counts(ids), NO_WAITLIST),
            *matches.figures(per_programme.match_counts(ids), per_programme.moment_counts(ids)),
            *volunteers.figures(
                defaultdict(lambda: None, per_programme.volunteer_counts(programmes))
            ),
            *outcomes.figures(per_programme.goal_counts(ids), []),
            *adults.targetable_figures(
                per_programme.pupils_reached(adult_ids),
                per_programme.match_counts(adult_ids)["matches_started"],
            ),
        ]
        result[scope] = IndicatorSet(
            scope=scope,
            period=period,
            figures=tuple(f for f in figures if f.key in TARGETABLE),
            tables=(),
        )
    return result


class _PerProgramme:
    """The union's counts per programme, read once, combined per agreement.

    ``ctx`` counts every audience; the caller picks the programmes to add up.
    """

    def __init__(self, ctx: Context, *, reached: dict[int, set[int]] | None) -> None:
        from initiatives.models import Volunteer

        # Pupils reached: the pupils per programme (a set, to count each once).
        if reached is None:
            reached = pupils.reached_per_programme(pupils.reach_rows(ctx))
        self.reached = reached

        # Referrals submitted and the schools that referred them.
        self.referrals: Counter[int] = Counter()
        self.schools: dict[int, set[int]] = defaultdict(set)
        for programme_id, school_id, n in (
            referrals.submitted_in_period(ctx)
            .order_by()
            .values_list("programme_id", "referring_school_id")
            .annotate(n=Count("pk"))
        ):
            self.referrals[programme_id] += n
            if school_id is not None:
                self.schools[programme_id].add(school_id)

        # Matches (each has one programme): match_counts per programme.
        self.matches = {
            row.pop("programme_id"): row
            for row in ctx.matches()
            .order_by()
            .values("programme_id")
            .annotate(**matches.match_aggregates(ctx))
        }

        # Contact moments of those matches in the period: moment_counts per programme.
        self.moments = {
            row.pop("match__programme_id"): row
            for row in matches.moments_in_period(ctx)
            .order_by()
            .values("match__programme_id")
            .annotate(**matches.moment_aggregates())
        }

        # Goals of end evaluations in the period: goal_counts per programme.
        self.goals = {
            row.pop("evaluation__referral__programme_id"): row
            for row in outcomes.end_goal_results(ctx)
            .values("evaluation__referral__programme_id")
            .annotate(**outcomes.goal_aggregates())
        }

        # Volunteers: the union's pool, who of it was active at the end, the
        # programmes each works for (none: all of the initiative's) and the
        # programmes of the matches in scope each tutored in during the period.
        pool = volunteers.pool(ctx)
        self.initiative_of = dict(pool.order_by().values_list("pk", "initiative_id"))
        self.active_at_end = set(
            volunteers.active_at_end(ctx).order_by().values_list("pk", flat=True)
        )
        self.works_for: dict[int, set[int]] = defaultdict(set)
        for volunteer_id, programme_id in Volunteer.programmes.through.objects.filter(
            volunteer_id__in=pool.values("pk")
        ).values_list("volunteer_id", "programme_id"):
            self.works_for[volunteer_id].add(programme_id)
        self.tutored_in: dict[int, set[int]] = defaultdict(set)
        for volunteer_id, programme_id in (
            volunteers.tutoring_matches(ctx)
            .order_by()
            .values_list("volunteer_id", "programme_id")
            .distinct()
        ):
            self.tutored_in[volunteer_id].add(programme_id)

    # -- per agreement ---------------------------------------------------

    def pupils_reached(self, ids: set[int]) -> int:
        return len(set().union(*(self.reached[pk] for pk in ids if pk in self.reached)))

    def referral_counts(self, ids: set[int]) -> dict:
        return {
            "referrals": sum(self.referrals[pk] for pk in ids),
            "schools_referring": len(
                set().union(*(self.schools[pk] for pk in ids if pk in self.schools))
            ),
        }

    @staticmethod
    def _sum(rows: dict[int, dict], ids: set[int], keys: Sequence[str]) -> dict:
        return {key: sum(rows[pk][key] or 0 for pk in ids if pk in rows) for key in keys}

    def match_counts(self, ids: set[int]) -> dict:
        keys = (
            "matches_started",
            "matches_active",
            "matches_ended",
            "matches_ended_early",
            "sessions_planned",
        )
        return self._sum(self.matches, ids, keys)

    def moment_counts(self, ids: set[int]) -> dict:
        return self._sum(self.moments, ids, ("sessions_held", "minutes", "teacher_contacts"))

    def goal_counts(self, ids: set[int]) -> dict:
        return self._sum(self.goals, ids, ("total", "achieved", "partly", "not_achieved"))

    def volunteer_counts(self, programmes: list) -> dict:
        """volunteers.trend_counts of the agreement: in its pool and active in the period."""
        ids = {p.pk for p in programmes}
        initiatives = {p.initiative_id for p in programmes}
        active = 0
        for volunteer_id, initiative_id in self.initiative_of.items():
            if initiative_id not in initiatives:
                continue
            works_for = self.works_for.get(volunteer_id)
            if works_for and not works_for & ids:
                continue
            if volunteer_id in self.active_at_end or self.tutored_in.get(volunteer_id, set()) & ids:
                active += 1
        return {"volunteers_active": active}
