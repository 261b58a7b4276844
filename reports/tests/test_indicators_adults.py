"""Adult language coaching and drop-in language cafés in the indicator engine.

Hand-built data in school year 2024-2025; docs/indicators.md ("Adult
programmes") has the definitions.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from initiatives.models import DropInSession, Programme
from initiatives.tests.factories import ProgrammeFactory
from municipality.tests.factories import FundingAgreementFactory
from referrals.models import GoalEvaluation, ImpactMeasurement, Match, Referral
from referrals.tests.factories import (
    EvaluationFactory,
    GoalEvaluationFactory,
    ImpactMeasurementFactory,
    ImpactQuestionFactory,
    ImpactScoreFactory,
)
from reports.indicators import IndicatorScope, compute, reach_gap, trend
from reports.indicators.agreements import targetable_per_agreement
from reports.indicators.engine import TARGETABLE, compute_overview, compute_targetable
from reports.suppression import suppress_set
from reports.tests.test_indicators import Y2425, World, _add_a_school_year, d, rows, values

pytestmark = pytest.mark.django_db

ADULT_KEYS = (
    "adult_learners_reached",
    "adult_tracks_started",
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


# -- school-age figures leave adults out ------------------------------------------


def _adult_activity(aw) -> None:
    """An adult with everything a pupil's figures count, in the coaching programme.

    A referral by the klantmanager (submitted, then waiting), a track started
    and ended early ("pupil stopped") with two held sessions of 90 minutes and
    a contact with the language school, an end evaluation with an achieved
    goal, and a start (1) and end (4) score on speaking skill.
    """
    speaking = ImpactQuestionFactory(programme=aw.coaching, text="Spreekvaardigheid", order=1)
    learner = aw.adult()
    referral = aw.referral(learner, aw.coaching, source=Referral.Source.CLIENT_MANAGER)
    aw.status_change(referral, Referral.Status.WAITING, "2024-08-21 10:00")
    waiting = aw.referral(aw.adult(), aw.coaching, source=Referral.Source.CLIENT_MANAGER)
    aw.status_change(waiting, Referral.Status.WAITING, "2025-03-01 10:00")
    track = aw.match(aw.coaching, start="2024-09-01", end="2025-02-01", reason="pupil_stopped")
    aw.join(track, learner, referral=referral)
    aw.session(track, "2024-09-10")
    aw.session(track, "2024-09-17")
    aw.teacher_contact(track, "2024-09-11")
    evaluation = EvaluationFactory(referral=referral, moment="end", held_on=d("2025-01-20"))
    GoalEvaluationFactory(evaluation=evaluation, result=GoalEvaluation.Result.ACHIEVED)
    for moment, on, score in (("start", "2024-09-01", 1), ("end", "2025-01-20", 4)):
        ImpactScoreFactory(
            measurement=ImpactMeasurementFactory(
                referral=referral, moment=moment, measured_on=d(on)
            ),
            question=speaking,
            score=score,
        )


SCHOOL_AGE_COUNTS = (
    "pupils_reached",
    "referrals",
    "schools_referring",
    "waitlist_size_end",
    "matches_started",
    "matches_active",
    "matches_ended",
    "matches_ended_early",
    "sessions_planned",
    "sessions_held",
)
SCHOOL_AGE_EMPTY = (
    "waiting_days_median",
    "waiting_days_max",
    "teacher_contacts_per_match",
    "goals_achieved_pct",
    "impact_change",
)


def test_with_only_adult_data_the_school_age_figures_count_nothing(aw):
    _adult_activity(aw)

    result = compute(town(aw), Y2425)

    assert values(result, *SCHOOL_AGE_COUNTS) == dict.fromkeys(SCHOOL_AGE_COUNTS, 0)
    assert values(result, *SCHOOL_AGE_EMPTY) == dict.fromkeys(SCHOOL_AGE_EMPTY, None)
    assert result.figure("contact_hours").value == 0
    # The speaking score is not a pupil's question; no reason is a pupil's.
    assert result.table("impact_by_question").rows == ()
    assert set(rows(result.table("ended_early_reasons")).values()) == {(0,)}
    assert set(rows(result.table("referrals_by_source")).values()) == {(0,)}
    assert result.table("referrals_by_school").rows == ()
    assert set(rows(result.table("goal_results")).values()) == {(0,)}
    # The trend over school years counts the same way.
    [(_year, trend_values)] = trend(town(aw), [2024]).rows
    assert trend_values[:7] == (0, 0, 0, 0, 0, 0, 0)
    # The adult section shows them.
    assert values(
        result,
        "adult_learners_reached",
        "adult_tracks_started",
        "adult_tracks_ended_early",
        "adult_meetings_held",
        "adult_impact_change",
    ) == {
        "adult_learners_reached": 1,
        "adult_tracks_started": 1,
        "adult_tracks_ended_early": 1,
        "adult_meetings_held": 2,
        "adult_impact_change": 3.0,
    }


def test_adult_data_does_not_move_the_school_age_figures(aw):
    _add_a_school_year(aw, 3)
    before = compute(town(aw), Y2425)
    trend_before = trend(town(aw), [2023, 2024])
    gap_before = reach_gap(town(aw), Y2425)

    _adult_activity(aw)
    after = compute(town(aw), Y2425)

    def school_age(result):
        figures = {f.key: f.value for f in result.figures if not f.key.startswith("adult_")}
        tables = {t.key: t.rows for t in result.tables if not t.key.startswith("adult_")}
        return figures, tables

    # The adult track's coach is the world's volunteer, active already: the
    # shared volunteer figures do not move either.
    assert school_age(after) == school_age(before)
    assert trend(town(aw), [2023, 2024]) == trend_before
    assert reach_gap(town(aw), Y2425) == gap_before
    assert after.figure("adult_learners_reached").value == 1


def test_adult_impact_is_shown_per_question(aw):
    speaking = ImpactQuestionFactory(programme=aw.coaching, text="Spreekvaardigheid", order=1)
    social = ImpactQuestionFactory(programme=aw.coaching, text="Sociale contacten", order=2)
    reading = ImpactQuestionFactory(programme=aw.one, text="Leesplezier", order=1)
    S, E = ImpactMeasurement.Moment.START, ImpactMeasurement.Moment.END

    def measure(referral, scores: dict, start_on="2024-09-01", end_on="2025-06-01"):
        for moment, on, index in ((S, start_on, 0), (E, end_on, 1)):
            m = ImpactMeasurementFactory(referral=referral, moment=moment, measured_on=d(on))
            for question, pair in scores.items():
                ImpactScoreFactory(measurement=m, question=question, score=pair[index])

    # Speaking: +3 and +1; social contact: +2 for the first adult only.
    measure(aw.referral(aw.adult(), aw.coaching), {speaking: (1, 4), social: (2, 4)})
    measure(aw.referral(aw.adult(), aw.coaching), {speaking: (2, 3)})
    measure(aw.referral(aw.pupil()), {reading: (5, 1)})

    with translation.override("en"):
        result = compute(town(aw), Y2425)
    table = result.table("adult_impact_by_question")

    assert table.columns[0] == "Adults"
    assert rows(table) == {
        "Spreekvaardigheid": (2, 1.5, 3.5, 2.0),
        "Sociale contacten": (1, 2.0, 4.0, 2.0),
    }
    assert table.counts
    # The pupils' table has the pupil's question only.
    assert rows(result.table("impact_by_question")) == {"Leesplezier": (1, 5.0, 1.0, -4.0)}
    # Published: a question answered by fewer than five adults is hidden, and
    # with it the adults' mean change.
    published = suppress_set(result)
    assert published.table("adult_impact_by_question").cells[1][0] == "<5"
    assert published.figure("adult_impact_change").hidden


def test_no_adult_impact_table_without_adult_programmes():
    w = World()
    assert "adult_impact_by_question" not in {t.key for t in compute(town(w), Y2425).tables}


def test_a_coach_of_an_adult_track_counts_among_the_active_volunteers(aw):
    # Volunteers serve both audiences: a coach who stopped in the period but
    # coached an adult track in it was active, as a tutor of pupils would be.
    coach = aw.new_volunteer(start=d("2024-01-01"), end=d("2025-03-01"))
    track = aw.match(aw.coaching, start="2024-09-01", end="2025-02-01", volunteer=coach)
    aw.join(track, aw.adult())

    result = compute(town(aw), Y2425)

    assert result.figure("volunteers_active").value == 2  # the world's volunteer and the coach
    assert result.figure("matches_active").value == 0


# -- targets for adult figures ----------------------------------------------------


def test_adult_targetable_figures(aw):
    # Two adults reached in two tracks started in the period, one track started
    # before it; a pupil's match started too.
    for start in ("2024-09-01", "2025-01-01", "2024-03-01"):
        aw.session(aw.track(aw.adult(), start=start), "2024-09-10")
    aw.session(aw.one_to_one(aw.pupil(), start="2024-09-01"), "2024-09-10")
    agreement = FundingAgreementFactory(
        municipality=aw.a,
        initiative=aw.initiative,
        programmes=[aw.one, aw.coaching],
        start_date=Y2425.start,
        end_date=Y2425.end,
    )
    only_pupils = FundingAgreementFactory(
        municipality=aw.a,
        initiative=aw.initiative,
        programmes=[aw.one],
        start_date=Y2425.start,
        end_date=Y2425.end,
    )
    scopes = [IndicatorScope.for_agreement(a) for a in (agreement, only_pupils)]

    both, pupils_only = (compute_targetable(scope, Y2425) for scope in scopes)

    assert {"adult_learners_reached", "adult_tracks_started"} <= set(TARGETABLE)
    assert values(
        both, "adult_learners_reached", "adult_tracks_started", "pupils_reached", "matches_started"
    ) == {
        "adult_learners_reached": 3,
        "adult_tracks_started": 2,
        "pupils_reached": 1,
        "matches_started": 1,
    }
    # An agreement without adult programmes has them too, as zeros.
    assert values(pupils_only, "adult_learners_reached", "adult_tracks_started") == {
        "adult_learners_reached": 0,
        "adult_tracks_started": 0,
    }
    # The same from the grouped computation and from the municipal overview.
    grouped = targetable_per_agreement(scopes, Y2425)
    _municipal, overview = compute_overview(town(aw), scopes, Y2425)
    for scope, alone in zip(scopes, (both, pupils_only), strict=True):
        assert grouped[scope].figures == alone.figures
        assert overview[scope].figures == alone.figures
    # compute() puts an agreement's target on the adult figure.
    with_target = compute(scopes[0], Y2425, targets={"adult_learners_reached": 10})
    assert with_target.figure("adult_learners_reached").target == 10
    assert with_target.figure("adult_tracks_started").value == 2


def test_an_adult_programme_does_not_widen_the_reach_gap(aw):
    # The school-age programme works with De Regenboog only; the adult
    # programme serves no school, so it does not bring in Het Lyceum.
    aw.one.schools.set([aw.a1])
    scope = IndicatorScope(municipality_id=aw.a.pk, programme_ids=(aw.one.pk, aw.coaching.pk))

    gap = reach_gap(scope, Y2425)

    assert [label for label, _values in gap.rows] == ["De Regenboog"]


def test_adult_mean_change_is_hidden_with_a_small_question_row(aw):
    # Five adults measured on speaking skill, one of them on social contact too:
    # the count of adults is shown, but the mean over both questions and the
    # speaking row would give away the one adult's change.
    speaking = ImpactQuestionFactory(programme=aw.coaching, text="Spreekvaardigheid", order=1)
    social = ImpactQuestionFactory(programme=aw.coaching, text="Sociale contacten", order=2)
    S, E = ImpactMeasurement.Moment.START, ImpactMeasurement.Moment.END
    for index in range(5):
        referral = aw.referral(aw.adult(), aw.coaching)
        for moment, on, score in ((S, "2024-09-01", 2), (E, "2025-06-01", 4)):
            m = ImpactMeasurementFactory(referral=referral, moment=moment, measured_on=d(on))
            ImpactScoreFactory(measurement=m, question=speaking, score=score)
            if index == 0:
                ImpactScoreFactory(measurement=m, question=social, score=score - 1)

    published = suppress_set(compute(town(aw), Y2425))

    assert published.figure("adult_impact_learners").display == "5"
    assert published.table("adult_impact_by_question").cells[1][0] == "<5"
    assert published.figure("adult_impact_change").hidden
