"""Many agreements at once (``targetable_per_agreement``, ``compute_overview``).

They must give exactly what ``compute_targetable`` and ``compute`` give one
scope at a time, on data where adding up per programme would go wrong: a
pupil, a school and volunteers in two programmes of one agreement, a group
session with an absent pupil, a programme that does not serve the
municipality, another initiative, and data of another municipality.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import SchoolGrade
from initiatives.tests.factories import InitiativeFactory, ProgrammeFactory
from municipality.tests.factories import FundingAgreementFactory
from referrals.models import Evaluation, GoalEvaluation, Match
from referrals.tests.factories import (
    ActionPlanFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GoalFactory,
)
from reports.indicators import IndicatorScope, compute
from reports.indicators.agreements import targetable_per_agreement
from reports.indicators.engine import TARGETABLE, compute_overview, compute_targetable
from reports.tests.test_indicators import Y2425, World, d

pytestmark = pytest.mark.django_db


class Funded:
    """The world's initiatives, programmes and volunteers, and agreements over them."""

    def __init__(self, w: World) -> None:
        self.w = w
        # Serves only B: listed in an agreement of A, but outside its scope.
        self.b_only = ProgrammeFactory(
            initiative=w.initiative, name="Leesclub B", municipalities=[w.b]
        )
        # Of the initiative, in no agreement: its volunteers are in no pool.
        self.unfunded = ProgrammeFactory(
            initiative=w.initiative, name="Zomerschool", municipalities=[w.a]
        )
        self.other = InitiativeFactory(name="Voorleeshuis", municipalities=[w.a])
        self.reading = ProgrammeFactory(
            initiative=self.other, name="Voorlezen", municipalities=[w.a]
        )

    def agreement(self, *programmes, initiative=None):
        return FundingAgreementFactory(
            municipality=self.w.a,
            initiative=initiative or self.w.initiative,
            programmes=list(programmes),
            start_date=Y2425.start,
            end_date=Y2425.end,
        )

    def evaluate(self, pupil, programme, results, *, moment=Evaluation.Moment.END):
        referral = self.w.referral(pupil, programme)
        plan = ActionPlanFactory(referral=referral)
        evaluation = EvaluationFactory(referral=referral, moment=moment, held_on=d("2025-06-01"))
        for result in results:
            goal = GoalFactory(plan=plan, review_date=d("2025-06-01"))
            GoalEvaluationFactory(evaluation=evaluation, goal=goal, result=result)


@pytest.fixture
def f() -> Funded:
    w = World()
    f = Funded(w)
    A, P, N = GoalEvaluation.Result.ACHIEVED, GoalEvaluation.Result.PARTLY, "not_achieved"
    # Both programmes reach `both` (school a1); `group` has a second member who
    # is absent at its only session, and a third in school a3.
    both = w.pupil(grade=SchoolGrade.GROEP_7)
    w.session(w.one_to_one(both, start="2024-09-01"), "2024-09-10", minutes=60)
    helper = w.new_volunteer(start=d("2024-01-01"))
    helper.programmes.add(w.group)
    group = w.match(w.group, start="2024-09-01", volunteer=helper)
    absent, vo = w.pupil(grade=SchoolGrade.GROEP_8), w.pupil(school="a3", grade=SchoolGrade.GROEP_8)
    for pupil in (both, absent, vo):
        w.join(group, pupil)
    w.session(group, "2024-09-12", absent=[absent], minutes=120)
    w.teacher_contact(group, "2024-09-20")
    # One-to-one: ended early in the period, by a volunteer who stopped after it
    # and works for `one` only; and a match of last year.
    leaver = w.new_volunteer(start=d("2024-01-01"), end=d("2025-03-01"))
    leaver.programmes.add(w.one)
    early = w.one_to_one(
        w.pupil(),
        start="2024-10-01",
        end="2025-02-01",
        reason=Match.EndReason.PUPIL_STOPPED,
        volunteer=leaver,
    )
    w.session(early, "2024-10-08", minutes=45)
    w.one_to_one(w.pupil(), start="2023-09-01", end="2024-06-01")
    # A referral by a parent (no school), not matched.
    w.referral(w.pupil(school=None, neighbourhood=w.zuid), w.one, status="waiting")
    # Goals at end evaluations: in `one` and in `group`, and a mid-term one.
    f.evaluate(w.pupil(), w.one, [A, N])
    f.evaluate(w.pupil(), w.group, [A, P])
    f.evaluate(w.pupil(), w.group, [N], moment=Evaluation.Moment.MID)
    # Volunteers who work only for the unfunded programme, or for another initiative.
    w.new_volunteer(start=d("2024-01-01")).programmes.add(f.unfunded)
    reader = w.new_volunteer(start=d("2024-01-01"), initiative=f.other)
    reading = w.match(f.reading, start="2024-09-01", volunteer=reader)
    w.join(reading, w.pupil(initiative=f.other))
    w.session(reading, "2024-09-03")
    # Municipality B: a pupil of school b1 in `one`.
    w.session(w.one_to_one(w.pupil(school="b1"), start="2024-09-01"), "2024-09-05")
    return f


def _agreements(f: Funded):
    w = f.w
    return [
        f.agreement(w.one, w.group),
        f.agreement(w.group),
        f.agreement(w.one),
        f.agreement(w.one, f.b_only),
        f.agreement(f.b_only),
        f.agreement(f.reading, initiative=f.other),
    ]


def test_every_agreement_gets_what_compute_targetable_gives(f):
    scopes = [IndicatorScope.for_agreement(a) for a in _agreements(f)]

    many = targetable_per_agreement(scopes, Y2425)

    for scope in scopes:
        assert many[scope].figures == compute_targetable(scope, Y2425).figures
        assert {fig.key for fig in many[scope].figures} == set(TARGETABLE)
    both, group, one, one_b, b_only, reading = (
        {fig.key: fig.value for fig in many[s].figures} for s in scopes
    )
    # `both` once, `absent` not, `vo`, the early leaver: 3; `one` and `group` alone 2 and 2.
    assert (both["pupils_reached"], group["pupils_reached"], one["pupils_reached"]) == (3, 2, 2)
    # Sessions: 1 + 1 (the group's) + 1; 60 + 120 + 45 minutes.
    assert (both["sessions_held"], both["contact_hours"]) == (3, 3.8)
    # Schools a1 and a3 (the parent's referral has none), counted once.
    assert (both["schools_referring"], group["schools_referring"], one["schools_referring"]) == (
        2,
        2,
        1,
    )
    # w.volunteer (every programme), the group's helper, the one-to-one leaver.
    assert (both["volunteers_active"], group["volunteers_active"], one["volunteers_active"]) == (
        3,
        2,
        2,
    )
    # Achieved 2 of the 4 goals of end evaluations; in `group` 1 of 2.
    assert (both["goals_achieved_pct"], group["goals_achieved_pct"]) == (50.0, 50.0)
    assert one_b == one  # the programme of B is outside the agreement's scope
    assert b_only["pupils_reached"] == 0 and b_only["volunteers_active"] == 0
    assert (reading["pupils_reached"], reading["volunteers_active"]) == (1, 1)


def test_the_overview_gives_compute_of_the_municipality_and_of_each_agreement(f):
    scopes = [IndicatorScope.for_agreement(a) for a in _agreements(f)]
    town = IndicatorScope.for_municipality(f.w.a)

    municipal, per_agreement = compute_overview(town, scopes, Y2425)

    assert municipal == compute(town, Y2425)
    for scope in scopes:
        assert per_agreement[scope].figures == compute_targetable(scope, Y2425).figures


def test_queries_do_not_grow_with_the_number_of_agreements(f):
    w = f.w
    town = IndicatorScope.for_municipality(w.a)
    two = [IndicatorScope.for_agreement(a) for a in _agreements(f)[:2]]
    six = [IndicatorScope.for_agreement(a) for a in _agreements(f)]

    with CaptureQueriesContext(connection) as few:
        compute_overview(town, two, Y2425)
    with CaptureQueriesContext(connection) as many:
        _municipal, per_agreement = compute_overview(town, six, Y2425)

    assert len(per_agreement) == 6
    assert len(many.captured_queries) == len(few.captured_queries)
    with CaptureQueriesContext(connection) as alone:
        targetable_per_agreement(six, Y2425)
    assert len(alone.captured_queries) <= 10


def test_agreements_of_several_municipalities_are_computed_per_municipality(f):
    w = f.w
    mine = IndicatorScope.for_agreement(f.agreement(w.one))
    in_b = IndicatorScope(
        municipality_id=w.b.pk, initiative_id=w.initiative.pk, programme_ids=(w.one.pk,)
    )

    both = targetable_per_agreement([mine, in_b], Y2425)

    for scope in (mine, in_b):
        assert both[scope].figures == compute_targetable(scope, Y2425).figures
    # B: the pupil of school b1 only.
    assert both[in_b].figure("pupils_reached").value == 1
    assert both[mine].figure("pupils_reached").value == 2


def test_only_agreement_scopes_and_the_whole_municipality_s_pupils(f):
    w = f.w
    mine = IndicatorScope.for_agreement(f.agreement(w.one))
    in_b = IndicatorScope(
        municipality_id=w.b.pk, initiative_id=w.initiative.pk, programme_ids=(w.one.pk,)
    )

    with pytest.raises(ValueError):
        targetable_per_agreement([IndicatorScope.for_municipality(w.a)], Y2425)
    with pytest.raises(ValueError):
        targetable_per_agreement([mine, in_b], Y2425, reached={})
    with pytest.raises(ValueError):
        compute_overview(IndicatorScope.for_municipality(w.b), [mine], Y2425)
    with pytest.raises(ValueError):
        compute_overview(IndicatorScope.for_initiative(w.initiative), [mine], Y2425)
    assert targetable_per_agreement([], Y2425) == {}
