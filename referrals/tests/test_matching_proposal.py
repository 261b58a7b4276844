"""Matching a whole waitlist at once: optimal, fair, within the hard rules."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from initiatives.models import Programme
from initiatives.tests.factories import (
    AvailabilityFactory,
    ProgrammeFactory,
    VOGFactory,
    VolunteerFactory,
)
from municipality.tests.factories import NeighbourhoodFactory
from referrals.matching.proposal import (
    BONUS_STEP,
    assign,
    pair_feasible,
    propose,
    slots_for,
    urgency_bonus,
)
from referrals.tests.factories import (
    GuardianFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilAvailabilityFactory,
    PupilFactory,
    ReferralFactory,
)

# --- the pure assignment ----------------------------------------------------------------

# Three pupils, two volunteers with one place each, all waiting equally long.
KNOWN = [
    # X   Y
    [90, 80],  # A: good with both
    [85, 10],  # B: only good with X
    [20, 30],  # C: poor with both
]


def brute_force(scores, capacities):
    """Every assignment (pupil -> volunteer or none) within capacity, best total first."""
    n, m = len(scores), len(scores[0])
    results = []
    for choice in itertools.product([None, *range(m)], repeat=n):
        if all(choice.count(j) <= capacities[j] for j in range(m)):
            total = sum(scores[i][j] for i, j in enumerate(choice) if j is not None)
            results.append((total, choice))
    return sorted(results, key=lambda result: result[0], reverse=True)


def greedy_in_waitlist_order(scores):
    taken, pairs = set(), []
    for i, row in enumerate(scores):
        options = [j for j in np.argsort(row)[::-1] if j not in taken]
        if options:
            taken.add(options[0])
            pairs.append((i, int(options[0])))
    return pairs


def test_assign_finds_the_known_optimum_where_greedy_does_not():
    pairs = assign(np.array(KNOWN, float), [10, 10, 10], [1, 1])
    assert pairs == [(0, 1), (1, 0)]  # A-Y 80 + B-X 85 = 165, C waits
    # the optimum is unique (with both places filled) ...
    best, second = brute_force(KNOWN, [1, 1])[:2]
    assert best == (165, (1, 0, None)) and second[0] < 165
    # ... and greedy gets it wrong: A takes X, B is left with Y
    greedy = greedy_in_waitlist_order(KNOWN)
    assert greedy == [(0, 0), (1, 1)]
    assert sum(KNOWN[i][j] for i, j in greedy) == 100


def test_longest_waiting_pupil_gets_the_scarce_place_despite_a_worse_fit():
    pairs = assign(np.array([[40.0], [90.0]]), [30, 5], [1])
    assert pairs == [(0, 0)]


def test_priority_goes_before_waiting_time():
    # pupil 1 is urgent (priority 1) but has waited only two days
    pairs = assign(np.array([[90.0], [10.0]]), [300, 2], [1], priorities=[3, 1])
    assert pairs == [(1, 0)]


def test_equally_urgent_pupils_are_placed_by_fit():
    pairs = assign(np.array([[40.0], [90.0]]), [7, 7], [1])
    assert pairs == [(1, 0)]


def test_waiting_bonus_does_not_choose_among_a_pupils_options():
    # A waits longest; both can be placed, so the total fit decides who gets X
    pairs = assign(np.array([[90.0, 80.0], [85.0, 10.0]]), [100, 1], [1, 1])
    assert pairs == [(0, 1), (1, 0)]


def test_bonus_step_outweighs_any_difference_in_fit():
    bonus = urgency_bonus([5, 30, 30, 1], priorities=[3, 3, 3, 1])
    # priority 1 first, then 30 days (twice, equal), then 5 days
    assert bonus[3] > bonus[1] == bonus[2] > bonus[0]
    assert bonus[1] - bonus[0] == BONUS_STEP > 100


def test_a_volunteer_with_capacity_takes_several_pupils():
    scores = np.array([[50.0, 10.0], [60.0, 20.0], [70.0, 30.0]])
    pairs = assign(scores, [3, 2, 1], [2, 0])
    assert pairs == [(0, 0), (1, 0)]  # the two longest waiting; nobody for the full one


def test_infeasible_pairs_are_never_assigned_and_the_pupil_waits():
    scores = np.array([[90.0, 50.0], [80.0, 70.0]])
    feasible = np.array([[True, False], [True, False]])
    pairs = assign(scores, [2, 1], [1, 1], feasible=feasible)
    assert pairs == [(0, 0)]


def test_assign_with_nobody_to_place_or_no_places():
    assert assign(np.zeros((0, 3)), [], [1, 1, 1]) == []
    assert assign(np.zeros((2, 1)), [1, 1], [0]) == []


def test_pair_is_infeasible_only_without_shared_time_and_place():
    components = {
        "availability": np.array([[0.0, 0.0, 20.0]]),
        "location": np.array([[0.0, 25.0, 0.0]]),
    }
    assert pair_feasible(components).tolist() == [[False, True, True]]


def test_slots_of_a_volunteer_in_a_group_programme_are_capped_by_the_group_size():
    group = Programme(format=Programme.Format.GROUP, group_size_max=3)
    one_to_one = Programme(format=Programme.Format.ONE_TO_ONE, group_size_max=1)
    assert slots_for(5, group) == 3
    assert slots_for(2, group) == 2
    assert slots_for(2, one_to_one) == 2
    assert slots_for(0, one_to_one) == 0


# --- propose() with the database --------------------------------------------------------

WEDNESDAY, MONDAY = 3, 1
SINCE = timezone.now() - dt.timedelta(days=20)


def volunteer(programme, *, slots=(), neighbourhoods=(), vog=True, **fields):
    fields.setdefault("subjects", ["Nederlands"])
    v = VolunteerFactory(initiative=programme.initiative, active=True, **fields)
    if vog:
        VOGFactory(volunteer=v)
    for weekday, start, end in slots:
        AvailabilityFactory(
            volunteer=v, weekday=weekday, start_time=dt.time(start), end_time=dt.time(end)
        )
    v.neighbourhoods.add(*neighbourhoods)
    return v


def waiting(programme, *, slots=(), neighbourhood=None, language="Nederlands", **fields):
    fields.setdefault("waiting_since", SINCE)
    pupil = PupilFactory(initiative=programme.initiative, neighbourhood=neighbourhood, postcode="")
    GuardianFactory(pupil=pupil, language=language)
    for weekday, start, end in slots:
        PupilAvailabilityFactory(
            pupil=pupil, weekday=weekday, start_time=dt.time(start), end_time=dt.time(end)
        )
    return ReferralFactory(programme=programme, pupil=pupil, waiting=True, **fields)


def pairs_of(proposal):
    return [(m.referral, m.volunteer) for m in proposal.matches]


@pytest.fixture
def programme(db):
    return ProgrammeFactory()  # language support, one-to-one, 90 minutes a week


@pytest.fixture
def known_case(programme):
    """The hand-made case: three pupils, two volunteers, one best answer.

    Every pair shares subject (10), level (7) and one free place (1): 18.
    X: Wednesday 14-17, goes to N1 and N2, speaks Arabic.
    Y: Monday 15-17, goes to N2, Dutch only.
    A (Wed 14-16 and Mon 15-17, N2, Arabic): X 35+25+10+18 = 88; Y 35+25+0+18 = 78
    B (Wed 14-16, N1, Arabic):               X 88; Y no time, no place: left out
    C (Mon 15-17, N3, Dutch):                X no time, no place: left out; Y 35+0+10+18 = 63
    Greedy in waitlist order gives A-X and C-Y (151); the optimum A-Y, B-X (166).
    """
    n1, n2, n3 = (NeighbourhoodFactory(postcodes=[code]) for code in ("1001", "1002", "1003"))
    x = volunteer(
        programme,
        slots=[(WEDNESDAY, 14, 17)],
        neighbourhoods=[n1, n2],
        languages=["Nederlands", "Arabisch"],
    )
    y = volunteer(programme, slots=[(MONDAY, 15, 17)], neighbourhoods=[n2], languages=["nl"])
    a = waiting(
        programme,
        slots=[(WEDNESDAY, 14, 16), (MONDAY, 15, 17)],
        neighbourhood=n2,
        language="Arabisch",
    )
    b = waiting(programme, slots=[(WEDNESDAY, 14, 16)], neighbourhood=n1, language="Arabisch")
    c = waiting(programme, slots=[(MONDAY, 15, 17)], neighbourhood=n3, language="Nederlands")
    return {"x": x, "y": y, "a": a, "b": b, "c": c}


def test_proposal_finds_the_known_optimum(programme, known_case):
    k = known_case
    proposal = propose(programme)
    assert pairs_of(proposal) == [(k["a"], k["y"]), (k["b"], k["x"])]
    assert [m.score for m in proposal.matches] == [78, 88]
    assert proposal.unmatched == (k["c"],)
    assert proposal.programme == programme


def test_proposed_matches_carry_their_reasons(programme, known_case):
    proposal = propose(programme)
    match = proposal.matches[0]
    assert [r.code for r in match.reasons][:2] == ["availability", "location"]
    assert match.score == pytest.approx(sum(r.points for r in match.reasons))


def test_scarce_place_goes_to_the_longest_waiting_pupil(programme):
    wijk = NeighbourhoodFactory()
    volunteer(programme, slots=[(WEDNESDAY, 14, 17)], neighbourhoods=[wijk])
    longest = waiting(
        programme, waiting_since=timezone.now() - dt.timedelta(days=60)
    )  # nothing recorded: neutral points only
    recent = waiting(
        programme,
        slots=[(WEDNESDAY, 14, 16)],
        neighbourhood=wijk,
        waiting_since=timezone.now() - dt.timedelta(days=5),
    )  # a perfect fit
    proposal = propose(programme)
    assert [m.referral for m in proposal.matches] == [longest]
    assert proposal.unmatched == (recent,)


def test_urgent_priority_is_placed_before_a_longer_wait(programme):
    volunteer(programme)
    long_wait = waiting(programme, priority=3, waiting_since=timezone.now() - dt.timedelta(days=90))
    urgent = waiting(programme, priority=1, waiting_since=timezone.now() - dt.timedelta(days=3))
    proposal = propose(programme)
    assert [m.referral for m in proposal.matches] == [urgent]
    assert proposal.unmatched == (long_wait,)


def test_volunteer_with_free_capacity_gets_several_pupils(programme):
    busy = volunteer(programme, capacity=3)
    MatchParticipantFactory(match=MatchFactory(programme=programme, volunteer=busy))
    first = waiting(programme, waiting_since=timezone.now() - dt.timedelta(days=30))
    second = waiting(programme, waiting_since=timezone.now() - dt.timedelta(days=20))
    third = waiting(programme, waiting_since=timezone.now() - dt.timedelta(days=10))
    proposal = propose(programme)
    assert pairs_of(proposal) == [(first, busy), (second, busy)]
    assert proposal.unmatched == (third,)


def test_group_programme_offers_at_most_a_group_of_places(db):
    programme = ProgrammeFactory(group=True, group_size_max=2)
    leader = volunteer(programme, capacity=5)
    referrals = [waiting(programme) for _ in range(3)]
    proposal = propose(programme)
    assert {m.volunteer for m in proposal.matches} == {leader}
    assert len(proposal.matches) == 2
    assert len(proposal.unmatched) == 1
    assert set(proposal.unmatched) | {m.referral for m in proposal.matches} == set(referrals)


def test_hard_rules_are_never_broken_by_a_proposal(programme):
    wijk = NeighbourhoodFactory()
    # a perfect fit on paper, but without a VOG
    volunteer(programme, slots=[(WEDNESDAY, 14, 17)], neighbourhoods=[wijk], vog=False)
    full = volunteer(programme, capacity=1)
    MatchParticipantFactory(match=MatchFactory(programme=programme, volunteer=full))
    referral = waiting(programme, slots=[(WEDNESDAY, 14, 16)], neighbourhood=wijk)
    proposal = propose(programme)
    assert proposal.matches == ()
    assert proposal.unmatched == (referral,)


def test_only_waiting_referrals_of_the_programme_are_proposed(programme):
    volunteer(programme, capacity=3)
    ours = waiting(programme)
    ReferralFactory(programme=programme, intake=True)
    ReferralFactory(programme=ProgrammeFactory(initiative=programme.initiative), waiting=True)
    proposal = propose(programme)
    assert [m.referral for m in proposal.matches] == [ours]
    assert proposal.unmatched == ()


def test_empty_waitlist_and_no_volunteers(programme):
    assert propose(programme).matches == ()
    referral = waiting(programme)
    proposal = propose(programme)
    assert (proposal.matches, proposal.unmatched) == ((), (referral,))


def test_matches_follow_the_waitlist_order(programme):
    volunteer(programme, capacity=3)
    newer = waiting(programme, waiting_since=timezone.now() - dt.timedelta(days=2))
    older = waiting(programme, waiting_since=timezone.now() - dt.timedelta(days=40))
    urgent = waiting(programme, priority=1, waiting_since=timezone.now() - dt.timedelta(days=1))
    assert [m.referral for m in propose(programme).matches] == [urgent, older, newer]


def _add_people(programme, wijk, count):
    for _ in range(count):
        v = volunteer(
            programme,
            slots=[(WEDNESDAY, 14, 17), (MONDAY, 15, 17)],
            neighbourhoods=[wijk],
            capacity=2,
        )
        MatchParticipantFactory(match=MatchFactory(programme=programme, volunteer=v))
        waiting(programme, slots=[(WEDNESDAY, 14, 16)], neighbourhood=wijk, language="Turks")


def test_number_of_queries_is_fixed_whatever_the_number_of_people(programme):
    wijk = NeighbourhoodFactory()
    _add_people(programme, wijk, 1)
    with CaptureQueriesContext(connection) as few:
        assert len(propose(programme).matches) == 1
    _add_people(programme, wijk, 6)
    with CaptureQueriesContext(connection) as many:
        assert len(propose(programme).matches) == 7
    assert len(many) == len(few) == 12


def test_world_waiting_pupil_is_proposed_to_its_own_initiatives_volunteer(world):
    a = world.a
    for side in (world.a, world.b):
        VOGFactory(volunteer=side.volunteer)
        side.volunteer.capacity = 2
        side.volunteer.save()
    proposal = propose(a.programme)
    assert pairs_of(proposal) == [(a.unmatched_referral, a.volunteer)]
