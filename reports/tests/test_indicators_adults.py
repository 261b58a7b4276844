"""Adult language coaching and drop-in language cafés in the indicator engine.

Hand-built data in school year 2024-2025; docs/indicators.md ("Adult
programmes") has the definitions.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.models import DropInSession, Programme
from initiatives.tests.factories import ProgrammeFactory
from referrals.models import ImpactMeasurement, Match
from referrals.tests.factories import (
    ImpactMeasurementFactory,
    ImpactQuestionFactory,
    ImpactScoreFactory,
)
from reports.indicators import IndicatorScope, compute
from reports.suppression import suppress_set
from reports.tests.test_indicators import Y2425, World, d, values

pytestmark = pytest.mark.django_db

ADULT_KEYS = (
    "adult_learners_reached",
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


class AdultWorld(World):
    def __init__(self) -> None:
        super().__init__()
        self.coaching = ProgrammeFactory(
            initiative=self.initiative,
            name="Taalcoaching volwassenen",
            municipalities=[self.a],
            audience=Programme.Audience.ADULTS,
            planned_meetings=20,
        )
        self.cafe = ProgrammeFactory(
            initiative=self.initiative,
            name="Taalcafé",
            municipalities=[self.a],
            drop_in=True,
        )

    def adult(self):
        return self.pupil(school=None, grade=None, neighbourhood=self.noord)

    def track(self, learner, *, start, end=None, reason=""):
        match = self.match(self.coaching, start=start, end=end, reason=reason)
        self.join(match, learner)
        return match


@pytest.fixture
def aw() -> AdultWorld:
    return AdultWorld()


def town(w) -> IndicatorScope:
    return IndicatorScope.for_municipality(w.a)


def test_no_adult_figures_without_adult_programmes():
    w = World()
    keys = {f.key for f in compute(town(w), Y2425).figures}
    assert not keys & set(ADULT_KEYS)


def test_learners_reached_and_pupils_reached_are_kept_apart(aw):
    # Two adults with a held session in the period, one adult only before it;
    # one pupil in the school-age programme.
    first, second, earlier = aw.adult(), aw.adult(), aw.adult()
    aw.session(aw.track(first, start="2024-09-01"), "2024-09-10")
    track = aw.track(second, start="2024-09-01")
    aw.session(track, "2024-09-10")
    aw.session(track, "2024-09-17")
    aw.session(aw.track(earlier, start="2024-01-01"), "2024-03-01")
    pupil = aw.pupil()
    aw.session(aw.one_to_one(pupil, start="2024-09-01"), "2024-09-10")

    result = compute(town(aw), Y2425)

    assert result.figure("adult_learners_reached").value == 2
    # Pupils reached counts only the school-age programme.
    assert result.figure("pupils_reached").value == 1
    assert "Taalcoaching volwassenen (Taal Doet Meer)" not in dict(
        result.table("reach_by_programme").rows
    )
    assert sum(v[0] for _label, v in result.table("reach_by_sector").rows) == 1


def test_meetings_planned_versus_held_for_tracks_started(aw):
    # Two tracks started in the period: 2 x 20 planned. Held: 3 + 1 = 4
    # (a cancelled session does not count). A track started before the period
    # is not in it.
    one = aw.track(aw.adult(), start="2024-09-01")
    for day in ("2024-09-10", "2024-09-17", "2024-09-24"):
        aw.session(one, day)
    aw.session(one, "2024-10-01", attendance="volunteer_cancelled")
    two = aw.track(aw.adult(), start="2025-01-01")
    aw.session(two, "2025-01-08")
    old = aw.track(aw.adult(), start="2024-03-01")
    aw.session(old, "2024-09-10")

    result = compute(town(aw), Y2425)

    assert values(
        result, "adult_meetings_planned", "adult_meetings_held", "adult_meetings_held_pct"
    ) == {"adult_meetings_planned": 40, "adult_meetings_held": 4, "adult_meetings_held_pct": 10.0}


def test_drop_out_is_tracks_ended_early_over_tracks_ended(aw):
    R = Match.EndReason
    aw.track(aw.adult(), start="2024-09-01", end="2025-03-01", reason=R.COMPLETED)
    aw.track(aw.adult(), start="2024-09-01", end="2025-02-01", reason=R.COMPLETED)
    aw.track(aw.adult(), start="2024-09-01", end="2025-01-01", reason=R.PUPIL_STOPPED)
    aw.track(aw.adult(), start="2024-09-01", end="2024-11-01", reason=R.MOVED)
    aw.track(aw.adult(), start="2024-09-01")  # still running

    result = compute(town(aw), Y2425)

    assert values(
        result, "adult_tracks_ended", "adult_tracks_ended_early", "adult_dropout_pct"
    ) == {
        "adult_tracks_ended": 4,
        "adult_tracks_ended_early": 2,
        "adult_dropout_pct": 50.0,
    }


def test_adult_impact_change_uses_only_adult_programmes(aw):
    speaking = ImpactQuestionFactory(programme=aw.coaching, text="Spreekvaardigheid", order=1)
    reading = ImpactQuestionFactory(programme=aw.one, text="Leesplezier", order=1)

    def measure(referral, moment, on, question, score):
        m = ImpactMeasurementFactory(referral=referral, moment=moment, measured_on=d(on))
        ImpactScoreFactory(measurement=m, question=question, score=score)

    S, E = ImpactMeasurement.Moment.START, ImpactMeasurement.Moment.END
    for start, end in ((1, 4), (2, 3)):  # +3, +1 -> 2.0
        referral = aw.referral(aw.adult(), aw.coaching)
        measure(referral, S, "2024-09-01", speaking, start)
        measure(referral, E, "2025-06-01", speaking, end)
    pupil_referral = aw.referral(aw.pupil())
    measure(pupil_referral, S, "2024-09-01", reading, 5)
    measure(pupil_referral, E, "2025-06-01", reading, 1)  # -4

    result = compute(town(aw), Y2425)

    assert result.figure("adult_impact_change").value == 2.0
    assert result.figure("adult_impact_learners").value == 2
    # Two adults only: the mean change is hidden with their count.
    published = suppress_set(result)
    assert published.figure("adult_impact_learners").display == "<5"
    assert published.figure("adult_impact_change").hidden


def test_language_cafe_sessions_and_visits(aw):
    for day, n in (("2024-09-05", 12), ("2025-07-31", 20), ("2025-08-01", 99)):
        DropInSession.objects.create(programme=aw.cafe, date=d(day), headcount=n)

    result = compute(town(aw), Y2425)

    assert values(result, "dropin_sessions", "dropin_visits") == {
        "dropin_sessions": 2,
        "dropin_visits": 32,
    }


def test_small_adult_counts_are_suppressed(aw):
    learner = aw.adult()
    aw.session(aw.track(learner, start="2024-09-01"), "2024-09-10")

    published = suppress_set(compute(town(aw), Y2425))

    assert published.figure("adult_learners_reached").display == "<5"
    assert published.figure("adult_tracks_ended").display == "0"


def test_adult_figures_take_a_fixed_number_of_queries(aw):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            compute(town(aw), Y2425)
        return len(queries)

    aw.session(aw.track(aw.adult(), start="2024-09-01"), "2024-09-10")
    few = count_queries()
    for _ in range(4):
        track = aw.track(aw.adult(), start="2024-09-01", end="2025-01-01", reason="moved")
        aw.session(track, "2024-09-10")
        DropInSession.objects.create(programme=aw.cafe, date=d("2024-10-01"), headcount=8)
    assert count_queries() == few
