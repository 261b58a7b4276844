"""A proposal for matching a programme's whole waitlist at once.

The project leader reviews, adjusts (``alternatives`` gives the best other
volunteers for each pupil) and confirms it (``match_confirm_proposal``);
nothing here writes.

How the proposal is made
------------------------
Rows are the waiting referrals, columns the free places ("slots") of the
volunteers who may be matched in the programme (no hard-rule blocker): a
volunteer with capacity 3 and one active pupil gives 2 slots; in a group
programme at most ``group_size_max``. ``scipy.optimize.linear_sum_assignment``
then picks the set of pairs with the highest total value, where a pair's
value is its fit score (0..100, see ``scoring``) plus the pupil's *waiting
bonus*. Each pupil also has a "not placed" column worth 0, so nobody has to
be placed.

Fairness. Pupils are ordered as the waitlist orders them: priority first
(1 is most urgent), then the longest waiting (``waiting_since``, else
``submitted_at``, counted in whole days). Each distinct (priority, days) is
an urgency level; a pupil's bonus is ``BONUS_STEP`` (101) times their level,
the least urgent level counting 1. Why 101: a fit differs by at most 100, so
handing a place from a less urgent pupil to a more urgent one who may take
it always gains at least 101 - 100 > 0; the optimum therefore never leaves a
pupil waiting while a less urgent pupil holds a place the first could have
had. (Only through longer chains of reassignments, where several pupils'
fit would drop by more than 100 in total, could one level's lead be
outweighed; with levels one day apart that is fit deciding between nearly
equal waits, which is acceptable.) The bonus is the same for all of one
pupil's pairs, so it does not choose *which* volunteer a pupil gets: among
the same set of placed pupils the total fit alone decides. Pupils of the
same priority who joined on the same day are equally urgent; fit decides.

Pair-level rule. A pair is left out when the two can meet neither at a
shared time nor in a place the volunteer goes to: availability recorded on
both sides without any overlap *and* a location known on both sides that
the volunteer does not reach, with no online option. No overlap alone, or a
different neighbourhood alone, is allowed but scores low: times and meeting
places (school, library) are often arranged afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils import timezone
from scipy.optimize import linear_sum_assignment

from initiatives.models import Programme, Volunteer

from ..models import Referral
from .scoring import (
    MAX_SCORE,
    Reason,
    eligible_facts,
    explain,
    load_pupil_profiles,
    load_volunteer_profiles,
    score_components,
    score_matrix,
)

BONUS_STEP = MAX_SCORE + 1  # one urgency level outweighs any difference in fit


@dataclass(frozen=True)
class ProposedMatch:
    referral: Referral
    volunteer: Volunteer
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Proposal:
    programme: Programme
    matches: tuple[ProposedMatch, ...]
    unmatched: tuple[Referral, ...]  # waiting referrals the proposal could not place


# --- the pure part ------------------------------------------------------------------


def urgency_bonus(
    waiting_days: Sequence[int] | np.ndarray, priorities: Sequence[int] | np.ndarray | None = None
) -> np.ndarray:
    """The waiting bonus of every pupil: ``BONUS_STEP`` per urgency level.

    Levels: priority ascending (1 most urgent), then waiting days descending;
    equal keys share a level. The least urgent level gets one step.
    """
    days = np.asarray(waiting_days, dtype=np.int64).reshape(-1)
    if len(days) == 0:
        return np.zeros(0)
    prio = (
        np.full(len(days), 3, dtype=np.int64)
        if priorities is None
        else np.asarray(priorities, dtype=np.int64).reshape(-1)
    )
    # np.unique sorts ascending: priority 5 and the shortest wait first, so level 0 is least urgent
    _keys, level = np.unique(np.stack([-prio, days], axis=1), axis=0, return_inverse=True)
    return (level.astype(np.float64) + 1.0) * BONUS_STEP


def assign(
    score_matrix: np.ndarray,
    waiting_days: Sequence[int] | np.ndarray,
    capacities: Sequence[int] | np.ndarray,
    *,
    priorities: Sequence[int] | np.ndarray | None = None,
    feasible: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Optimal pairs ``(pupil row, volunteer column)``, at most ``capacities[j]`` per column.

    ``score_matrix`` is pupils x volunteers (0..100); ``waiting_days`` and
    ``priorities`` (default 3) give each pupil's urgency; ``feasible`` (same
    shape, boolean) excludes pairs. Maximises total fit plus waiting bonus
    (see the module docstring). Pupils left out are not in the result; the
    pairs are sorted by pupil row. Pure: numpy in, list out.
    """
    scores = np.asarray(score_matrix, dtype=np.float64)
    n, m = scores.shape
    caps = np.minimum(np.maximum(np.asarray(capacities, dtype=np.int64), 0), n)
    if n == 0 or m == 0 or caps.sum() == 0:
        return []
    allowed = np.ones((n, m), dtype=bool) if feasible is None else np.asarray(feasible, bool)
    bonus = urgency_bonus(waiting_days, priorities)
    # The solver takes rows in order; most urgent first keeps it fast (about ten
    # times faster on the benchmark than the reverse), the optimum is the same.
    order = np.argsort(-bonus, kind="stable")
    slot_owner = np.repeat(np.arange(m), caps)
    # cost to minimise: the volunteers' slots, then n "not placed" columns worth 0,
    # so no pupil has to be placed; infeasible pairs cost infinity
    cost = np.zeros((n, len(slot_owner) + n))
    cost[:, : len(slot_owner)] = np.where(
        allowed[order], -(scores[order] + bonus[order, None]), np.inf
    )[:, slot_owner]
    rows, cols = linear_sum_assignment(cost)
    pairs = [
        (int(order[r]), int(slot_owner[c]))
        for r, c in zip(rows, cols, strict=True)
        if c < len(slot_owner)
    ]
    return sorted(pairs)


def pair_feasible(components: dict[str, np.ndarray]) -> np.ndarray:
    """The pair-level rule: out when both availability and location score 0."""
    return (components["availability"] > 0) | (components["location"] > 0)


def slots_for(free_capacity: int, programme: Programme) -> int:
    """Places a volunteer offers in one proposal."""
    if programme.format == Programme.Format.GROUP:
        return max(0, min(free_capacity, programme.group_size_max))
    return max(0, free_capacity)


# --- with the database -------------------------------------------------------------


def waiting_days(referral: Referral, *, on: dt.date) -> int:
    since = referral.waiting_since or referral.submitted_at
    if since is None:
        return 0
    return max(0, (on - timezone.localtime(since).date()).days)


def propose(programme: Programme, *, on: dt.date | None = None) -> Proposal:
    """An optimal, fair set of matches for the programme's waiting referrals.

    A fixed number of queries (twelve), whatever the number of pupils and
    volunteers. ``matches`` and ``unmatched`` follow the waitlist order
    (priority, then longest waiting).
    """
    on = on or timezone.localdate()
    referrals = sorted(
        Referral.objects.filter(programme=programme, status=Referral.Status.WAITING)
        .select_related("pupil")
        .order_by("priority", "waiting_since", "submitted_at", "pk"),
        key=lambda r: (r.priority, -waiting_days(r, on=on), r.pk),
    )
    if not referrals:
        return Proposal(programme=programme, matches=(), unmatched=())
    facts = eligible_facts(programme, on=on)
    if not facts:
        return Proposal(programme=programme, matches=(), unmatched=tuple(referrals))

    pupils = list(load_pupil_profiles(referrals, programme).values())
    volunteers = list(load_volunteer_profiles(facts).values())
    components = score_components(pupils, volunteers)
    scores = np.round(sum(components.values()), 1)
    pairs = assign(
        scores,
        [waiting_days(r, on=on) for r in referrals],
        [slots_for(v.free_capacity, programme) for v in volunteers],
        priorities=[r.priority for r in referrals],
        feasible=pair_feasible(components),
    )

    by_row = dict(pairs)
    matches: list[ProposedMatch] = []
    unmatched: list[Referral] = []
    for i, referral in enumerate(referrals):
        if i not in by_row:
            unmatched.append(referral)
            continue
        j = by_row[i]
        score, reasons = explain(pupils[i], volunteers[j])
        matches.append(
            ProposedMatch(
                referral=referral, volunteer=facts[j].volunteer, score=score, reasons=reasons
            )
        )
    return Proposal(programme=programme, matches=tuple(matches), unmatched=tuple(unmatched))


def alternatives(
    referrals: Sequence[Referral], programme: Programme, *, on: dt.date, limit: int
) -> dict[int, list[tuple[Volunteer, float, int]]]:
    """For each referral the ``limit`` best eligible volunteers: (volunteer, score, free places).

    For the project leader who adjusts a proposal. One score matrix for all
    pupils and volunteers: a fixed number of queries, whatever the length of
    the waitlist.
    """
    facts = eligible_facts(programme, on=on)
    if not referrals or not facts:
        return {r.pk: [] for r in referrals}
    pupils = load_pupil_profiles(referrals, programme)
    profiles = load_volunteer_profiles(facts)
    volunteers = [f.volunteer for f in facts]
    rows = [pupils[r.pk] for r in referrals]
    scores = score_matrix(rows, [profiles[v.pk] for v in volunteers])
    free = {v.pk: profiles[v.pk].free_capacity for v in volunteers}
    best = np.argsort(-scores, axis=1, kind="stable")[:, :limit]
    return {
        referral.pk: [(volunteers[j], float(scores[i][j]), free[volunteers[j].pk]) for j in best[i]]
        for i, referral in enumerate(referrals)
    }
