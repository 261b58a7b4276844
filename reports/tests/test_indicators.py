"""The indicator engine on small hand-built data, with the answers worked out by hand.

Most tests use school year 2024-2025 (1 August 2024 - 31 July 2025), safely
in the past for the database's "not in the future" checks. Each test says
in its comments how the expected numbers come about; docs/indicators.md has
the definitions.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import SchoolGrade
from core.periods import Period
from initiatives.models import Programme, Volunteer
from initiatives.tests.factories import (
    InitiativeFactory,
    ProgrammeFactory,
    VOGFactory,
    VolunteerFactory,
    VolunteerStatusChangeFactory,
)
from municipality.tests.factories import (
    FundingAgreementFactory,
    MunicipalityFactory,
    NeighbourhoodFactory,
    TargetFactory,
)
from referrals.models import (
    ContactMoment,
    Evaluation,
    GoalEvaluation,
    ImpactMeasurement,
    Match,
    Referral,
    ReferralStatusChange,
)
from referrals.tests.factories import (
    ActionPlanFactory,
    ContactMomentFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GoalFactory,
    ImpactMeasurementFactory,
    ImpactQuestionFactory,
    ImpactScoreFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilFactory,
    ReferralFactory,
)
from reports.indicators import (
    Figure,
    IndicatorScope,
    IndicatorSet,
    Table,
    compute,
    reach_gap,
    trend,
)
from reports.indicators.engine import agreement_targets
from schools.models import SchoolLocation, SchoolYearFigure
from schools.tests.factories import SchoolLocationFactory

pytestmark = pytest.mark.django_db

Y2324 = Period.school_year(2023)
Y2425 = Period.school_year(2024)
Y2526 = Period.school_year(2025)
HELD = ContactMoment.Attendance.HELD


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str) -> dt.datetime:
    """A moment in Dutch local time, e.g. ``at("2025-07-31 23:30")``."""
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def values(indicators: IndicatorSet, *keys: str) -> dict:
    return {key: indicators.figure(key).value for key in keys}


def rows(table: Table) -> dict[str, tuple]:
    return dict(table.rows)


class World:
    """Two municipalities, one initiative working in both, with helpers to add data.

    - municipality A with wijk Noord (and buurt Noord-Oost in it) and wijk Zuid,
      schools ``a1`` (PO) and ``a3`` (VO); municipality B with school ``b1``;
    - initiative with ``one`` (one-to-one, serving A and B) and ``group``
      (group, serving A only); ``volunteer`` is active.
    """

    def __init__(self) -> None:
        self.a = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
        self.b = MunicipalityFactory(cbs_code="GM0505", name="Dordrecht")
        self.noord = NeighbourhoodFactory(municipality=self.a, name="Noord")
        self.noord_oost = NeighbourhoodFactory(
            municipality=self.a, name="Noord-Oost", parent=self.noord
        )
        self.zuid = NeighbourhoodFactory(municipality=self.a, name="Zuid")
        self.centrum_b = NeighbourhoodFactory(municipality=self.b, name="Centrum")
        self.a1 = SchoolLocationFactory(municipality=self.a, name="De Regenboog")
        self.a3 = SchoolLocationFactory(municipality=self.a, vo=True, name="Het Lyceum")
        self.b1 = SchoolLocationFactory(municipality=self.b, name="De Linde")
        self.initiative = InitiativeFactory(name="Taal Doet Meer", municipalities=[self.a, self.b])
        self.one = ProgrammeFactory(
            initiative=self.initiative,
            name="Taalmentoraat",
            municipalities=[self.a, self.b],
            min_grade=SchoolGrade.GROEP_5,
            max_grade=SchoolGrade.KLAS_2,
        )
        self.group = ProgrammeFactory(
            initiative=self.initiative,
            name="Huiswerkklas",
            municipalities=[self.a],
            group=True,
            min_grade=SchoolGrade.GROEP_7,
            max_grade=SchoolGrade.GROEP_8,
        )
        self.volunteer = self.new_volunteer(start=d("2023-01-01"))

    # -- building blocks ---------------------------------------------------

    def new_volunteer(self, *, start, end=None, status=None, initiative=None) -> Volunteer:
        status = status or (Volunteer.Status.STOPPED if end else Volunteer.Status.ACTIVE)
        return VolunteerFactory(
            initiative=initiative or self.initiative,
            status=status,
            start_date=start,
            end_date=end,
            stop_reason="Verhuisd" if end else "",
        )

    def pupil(self, *, school="a1", grade=SchoolGrade.GROEP_6, neighbourhood=None, initiative=None):
        return PupilFactory(
            initiative=initiative or self.initiative,
            school=getattr(self, school) if isinstance(school, str) else school,
            grade=grade,
            neighbourhood=neighbourhood,
        )

    def referral(self, pupil, programme=None, *, submitted="2024-08-20 10:00", **fields):
        fields.setdefault("source", Referral.Source.SCHOOL if pupil.school else "parent")
        fields.setdefault("status", Referral.Status.MATCHED)
        return ReferralFactory(
            pupil=pupil,
            programme=programme or self.one,
            submitted_at=at(submitted),
            status_changed_at=at(submitted),
            consent_date=at(submitted).date() - dt.timedelta(days=1),
            school_year=2024,
            **fields,
        )

    def match(
        self, programme=None, *, start, end=None, reason="", frequency="weekly", volunteer=None
    ):
        programme = programme or self.one
        if end and not reason:
            reason = Match.EndReason.COMPLETED
        return MatchFactory(
            programme=programme,
            volunteer=volunteer or self.volunteer,
            kind=Match.Kind.GROUP if programme.format == "group" else Match.Kind.ONE_TO_ONE,
            start_date=d(start),
            planned_end_date=None,
            end_date=d(end) if end else None,
            end_reason=reason,
            frequency=frequency,
        )

    def join(self, match, pupil, *, joined=None, left=None, referral=None):
        referral = referral or self.referral(pupil, match.programme)
        return MatchParticipantFactory(
            match=match,
            referral=referral,
            joined_on=d(joined) if joined else match.start_date,
            left_on=d(left) if left else match.end_date,
        )

    def one_to_one(self, pupil, *, start, end=None, reason="", **kwargs):
        match = self.match(self.one, start=start, end=end, reason=reason, **kwargs)
        self.join(match, pupil)
        return match

    def session(self, match, day, *, pupil=None, attendance=HELD, minutes=90, absent=()):
        if pupil is None and match.kind == Match.Kind.ONE_TO_ONE:
            pupil = match.participants.get().pupil
        moment = ContactMomentFactory(
            match=match,
            pupil=pupil,
            kind=ContactMoment.Kind.SESSION,
            date=d(day),
            duration_minutes=minutes,
            attendance=attendance,
        )
        if absent:
            moment.absent_pupils.set(absent)
        return moment

    def teacher_contact(self, match, day):
        return ContactMomentFactory(
            match=match,
            pupil=None,
            kind=ContactMoment.Kind.TEACHER,
            phase=ContactMoment.Phase.START,
            date=d(day),
            duration_minutes=15,
        )

    def status_change(self, referral, to_status, moment, from_status=""):
        return ReferralStatusChange.objects.create(
            referral=referral, from_status=from_status, to_status=to_status, changed_at=at(moment)
        )


@pytest.fixture
def w() -> World:
    return World()


def town(w: World) -> IndicatorScope:
    return IndicatorScope.for_municipality(w.a)


# -- pupils reached ------------------------------------------------------------


def test_pupil_with_two_matches_is_reached_once(w):
    # One pupil, a one-to-one match and a group match, sessions in both.
    pupil = w.pupil(grade=SchoolGrade.GROEP_7)
    one = w.one_to_one(pupil, start="2024-09-01")
    w.session(one, "2024-09-10")
    w.session(one, "2024-09-17")
    group = w.match(w.group, start="2024-10-01")
    w.join(group, pupil)
    w.session(group, "2024-10-08")

    result = compute(town(w), Y2425)

    assert values(result, "pupils_reached", "pupils_reached_new", "sessions_held") == {
        "pupils_reached": 1,
        "pupils_reached_new": 1,
        "sessions_held": 3,
    }
    # In each programme once; no totals row, since the rows may add up to more.
    by_programme = result.table("reach_by_programme")
    assert rows(by_programme) == {
        "Huiswerkklas (Taal Doet Meer)": (1,),
        "Taalmentoraat (Taal Doet Meer)": (1,),
    }
    assert by_programme.totals is None
    assert result.table("reach_by_sector").totals == (1,)


def test_match_spanning_two_periods_counts_in_both_and_pupil_continues(w):
    pupil = w.pupil()
    match = w.one_to_one(pupil, start="2024-05-01")  # still running
    w.session(match, "2024-06-15")  # school year 2023-2024
    w.session(match, "2024-09-10")  # school year 2024-2025

    first = compute(town(w), Y2324)
    second = compute(town(w), Y2425)

    keys = (
        "pupils_reached",
        "pupils_reached_new",
        "pupils_reached_continuing",
        "matches_started",
        "matches_active",
    )
    assert values(first, *keys) == dict(zip(keys, (1, 1, 0, 1, 1), strict=True))
    assert values(second, *keys) == dict(zip(keys, (1, 0, 1, 0, 1), strict=True))


def test_session_on_last_day_is_inside_the_period_and_first_day_of_next_is_not(w):
    late = w.one_to_one(w.pupil(), start="2025-06-01")
    w.session(late, "2025-07-31")  # last day of 2024-2025
    next_year = w.one_to_one(w.pupil(), start="2025-06-01")
    w.session(next_year, "2025-08-01")  # first day of 2025-2026

    this = compute(town(w), Y2425)
    following = compute(town(w), Y2526)

    assert values(this, "pupils_reached", "sessions_held") == {
        "pupils_reached": 1,
        "sessions_held": 1,
    }
    # In 2025-2026 both are reached: the first again (continuing), the second new.
    assert values(
        following, "pupils_reached", "pupils_reached_new", "pupils_reached_continuing"
    ) == {"pupils_reached": 1, "pupils_reached_new": 1, "pupils_reached_continuing": 0}


def test_group_session_reaches_members_on_that_day_except_the_absent(w):
    group = w.match(w.group, start="2024-10-01")
    stays = w.pupil(grade=SchoolGrade.GROEP_7)
    always_absent = w.pupil(grade=SchoolGrade.GROEP_7)
    joins_later = w.pupil(grade=SchoolGrade.GROEP_8)
    leaves_early = w.pupil(grade=SchoolGrade.GROEP_8)
    w.join(group, stays)
    w.join(group, always_absent)
    w.join(group, joins_later, joined="2024-11-01")
    w.join(group, leaves_early, left="2024-10-20")
    # 15 October: stays, always_absent (absent), leaves_early -> stays, leaves_early.
    w.session(group, "2024-10-15", absent=[always_absent])
    # 5 November: stays, always_absent (absent), joins_later -> stays, joins_later.
    w.session(group, "2024-11-05", absent=[always_absent])
    # A cancelled session reaches nobody.
    w.session(group, "2024-11-12", attendance=ContactMoment.Attendance.VOLUNTEER_CANCELLED)

    result = compute(town(w), Y2425)

    assert result.figure("pupils_reached").value == 3
    assert result.figure("sessions_held").value == 2  # one group session is one session
    assert result.figure("contact_hours").value == 3.0  # 2 x 90 minutes
    assert rows(result.table("reach_by_grade"))["Groep 7"] == (1,)
    assert rows(result.table("reach_by_grade"))["Groep 8"] == (2,)


def test_one_to_one_session_with_pupil_absent_reaches_nobody(w):
    match = w.one_to_one(w.pupil(), start="2024-09-01")
    w.session(match, "2024-09-10", attendance=ContactMoment.Attendance.PUPIL_ABSENT)

    result = compute(town(w), Y2425)

    assert values(result, "pupils_reached", "sessions_held", "matches_active") == {
        "pupils_reached": 0,
        "sessions_held": 0,
        "matches_active": 1,
    }


def test_new_and_continuing_pupils(w):
    # continuing: reached in 2023-2024 (another match) and again in 2024-2025;
    # new: first session ever in 2024-2025; earlier_only: reached before, not now.
    continuing, new, earlier_only = w.pupil(), w.pupil(), w.pupil()
    old = w.one_to_one(continuing, start="2023-09-01", end="2024-06-30")
    w.session(old, "2024-01-10")
    again = w.match(w.one, start="2024-09-01")
    w.join(again, continuing, referral=old.participants.get().referral)
    w.session(again, "2024-09-05", pupil=continuing)
    w.session(w.one_to_one(new, start="2024-10-01"), "2024-10-02")
    w.session(w.one_to_one(earlier_only, start="2023-10-01", end="2024-03-01"), "2023-10-02")

    result = compute(town(w), Y2425)

    assert values(result, "pupils_reached", "pupils_reached_new", "pupils_reached_continuing") == {
        "pupils_reached": 2,
        "pupils_reached_new": 1,
        "pupils_reached_continuing": 1,
    }


def test_reach_by_neighbourhood_sector_and_grade(w):
    # A buurt counts in its wijk; a pupil without neighbourhood is "unknown".
    pupils = [
        w.pupil(grade=SchoolGrade.GROEP_6, neighbourhood=w.noord),
        w.pupil(grade=SchoolGrade.GROEP_8, neighbourhood=w.noord_oost),
        w.pupil(school="a3", grade=SchoolGrade.KLAS_2, neighbourhood=w.zuid),
        w.pupil(grade=None, neighbourhood=None),
    ]
    for pupil in pupils:
        w.session(w.one_to_one(pupil, start="2024-09-01"), "2024-09-10")

    result = compute(town(w), Y2425)

    neighbourhoods = result.table("reach_by_neighbourhood")
    assert neighbourhoods.rows[:2] == (("Noord", (2,)), ("Zuid", (1,)))
    assert neighbourhoods.rows[2][1] == (1,)  # neighbourhood unknown
    assert len(neighbourhoods.rows) == 3
    assert neighbourhoods.totals == (4,)
    sector = result.table("reach_by_sector")
    assert [cells for _label, cells in sector.rows] == [(2,), (1,), (1,)]  # PO, VO, unknown
    assert sector.totals == (4,)
    grades = rows(result.table("reach_by_grade"))
    # The programmes' year groups (groep 5 - klas 2) always have a row.
    assert list(grades)[:6] == ["Groep 5", "Groep 6", "Groep 7", "Groep 8", "Klas 1", "Klas 2"]
    assert (grades["Groep 5"], grades["Groep 6"], grades["Groep 8"], grades["Klas 2"]) == (
        (0,),
        (1,),
        (1,),
        (1,),
    )
    assert sum(cells[0] for cells in grades.values()) == 4


def test_pupil_living_in_another_municipality_is_shown_with_its_name(w):
    # School in A, living in B's Centrum: counted for A (the school decides).
    w.session(w.one_to_one(w.pupil(neighbourhood=w.centrum_b), start="2024-09-01"), "2024-09-10")

    result = compute(town(w), Y2425)

    assert result.table("reach_by_neighbourhood").rows == (
        ("Centrum (Dordrecht)", (1,)),
        ("Noord", (0,)),
        ("Zuid", (0,)),
    )


def test_every_wijk_of_the_municipality_has_a_row(w):
    result = compute(town(w), Y2425)

    assert result.table("reach_by_neighbourhood").rows == (("Noord", (0,)), ("Zuid", (0,)))


# -- referrals and waitlist -----------------------------------------------------


def test_referrals_by_source_and_school(w):
    other_school = SchoolLocationFactory(municipality=w.a, name="Het Kompas")
    w.referral(w.pupil(), submitted="2024-09-01 09:00")
    w.referral(w.pupil(), submitted="2025-07-31 23:59")  # last minute of the period
    w.referral(w.pupil(school=other_school), submitted="2024-08-01 00:00")
    w.referral(w.pupil(school=None, neighbourhood=w.zuid), source="parent")
    w.referral(w.pupil(school=None, neighbourhood=w.zuid), source="wijkteam")
    # Not in the period: before it, after it, and a draft (never submitted).
    w.referral(w.pupil(), submitted="2024-07-31 23:59")
    w.referral(w.pupil(), submitted="2025-08-01 00:00")
    ReferralFactory(pupil=w.pupil(), programme=w.one, draft=True)

    result = compute(town(w), Y2425)

    assert values(result, "referrals", "schools_referring") == {
        "referrals": 5,
        "schools_referring": 2,
    }
    by_source = result.table("referrals_by_source")
    # the last row: referrals by a klantmanager
    assert [cells for _label, cells in by_source.rows] == [(3,), (1,), (1,), (0,), (0,), (0,)]
    assert by_source.totals == (5,)
    by_school = result.table("referrals_by_school")
    assert [cells for _label, cells in by_school.rows] == [(2,), (1,), (2,)]
    assert [label for label, _cells in by_school.rows][:2] == ["De Regenboog", "Het Kompas"]
    assert by_school.totals == (5,)


def test_waitlist_at_period_end_comes_from_the_status_history(w):
    S = Referral.Status

    def waiting(*changes):
        referral = w.referral(w.pupil(), submitted="2024-08-05 09:00", status=S.MATCHED)
        for to_status, moment in changes:
            w.status_change(referral, to_status, moment)
        return referral

    # Waiting since 1 March, matched only after the period: 152 days at 31 July.
    waiting((S.WAITING, "2025-03-01 10:00"), (S.MATCHED, "2025-09-10 10:00"))
    # Put on the waitlist on the last evening: inside, 0 days.
    waiting((S.WAITING, "2025-07-31 23:30"))
    # Waiting, matched, back on the waitlist on 1 June: counts from 1 June, 60 days.
    waiting(
        (S.WAITING, "2024-06-01 10:00"),
        (S.MATCHED, "2024-09-01 10:00"),
        (S.WAITING, "2025-06-01 10:00"),
    )
    # Waiting, then matched within the period: not on the waitlist at the end.
    waiting((S.WAITING, "2025-01-01 10:00"), (S.MATCHED, "2025-05-01 10:00"))
    # Put on the waitlist just after the period ended.
    waiting((S.WAITING, "2025-08-01 00:10"))

    result = compute(town(w), Y2425)

    assert values(result, "waitlist_size_end", "waiting_days_median", "waiting_days_max") == {
        "waitlist_size_end": 3,
        "waiting_days_median": 60,
        "waiting_days_max": 152,
    }


def test_median_waiting_days_of_an_even_number_is_the_mean_of_the_middle_two(w):
    for moment in ("2025-07-21 10:00", "2025-07-30 10:00"):  # 10 and 1 days
        referral = w.referral(w.pupil(), status=Referral.Status.WAITING)
        w.status_change(referral, Referral.Status.WAITING, moment)

    result = compute(town(w), Y2425)

    assert result.figure("waiting_days_median").value == 5.5
    assert result.figure("waiting_days_max").value == 10


def test_empty_waitlist_has_no_waiting_days(w):
    result = compute(town(w), Y2425)

    assert values(result, "waitlist_size_end", "waiting_days_median", "waiting_days_max") == {
        "waitlist_size_end": 0,
        "waiting_days_median": None,
        "waiting_days_max": None,
    }


# -- matches, dosage -------------------------------------------------------------


def test_matches_ended_early_with_reasons(w):
    R = Match.EndReason
    w.one_to_one(w.pupil(), start="2024-09-01", end="2025-06-30", reason=R.COMPLETED)
    w.one_to_one(w.pupil(), start="2024-09-01", end="2024-12-01", reason=R.PUPIL_STOPPED)
    w.one_to_one(w.pupil(), start="2024-09-01", end="2025-07-31", reason=R.PUPIL_STOPPED)
    w.one_to_one(w.pupil(), start="2024-01-01", end="2024-08-01", reason=R.MOVED)
    # Ended early in the previous school year, and one still running.
    w.one_to_one(w.pupil(), start="2024-01-01", end="2024-07-31", reason=R.OTHER)
    w.one_to_one(w.pupil(), start="2025-07-31")

    result = compute(town(w), Y2425)

    assert values(
        result,
        "matches_started",
        "matches_active",
        "matches_ended",
        "matches_ended_early",
    ) == {"matches_started": 4, "matches_active": 5, "matches_ended": 4, "matches_ended_early": 3}
    table = result.table("ended_early_reasons")
    assert rows(table) == {
        str(R.PUPIL_STOPPED.label): (2,),
        str(R.VOLUNTEER_STOPPED.label): (0,),
        str(R.MOVED.label): (1,),
        str(R.OTHER.label): (0,),
    }
    assert table.totals == (3,)


def test_sessions_planned_follow_overlap_and_frequency(w):
    # Weekly, the whole school year: 365 days = 52.1 weeks -> 52.
    w.one_to_one(w.pupil(), start="2024-08-01")
    # Twice a week from 1 July: 31 days = 4.43 weeks x 2 = 8.86 -> 9.
    w.one_to_one(w.pupil(), start="2025-07-01", frequency="twice_weekly")
    # Fortnightly, 1 August - 31 October in the period: 92 days = 13.1 weeks / 2 = 6.57 -> 7.
    w.one_to_one(w.pupil(), start="2024-05-01", end="2024-10-31", frequency="fortnightly")
    # Ended before the period: no sessions planned in it.
    w.one_to_one(w.pupil(), start="2024-01-01", end="2024-07-31")

    result = compute(town(w), Y2425)

    assert result.figure("sessions_planned").value == 52 + 9 + 7


def test_contact_hours_and_teacher_contacts_per_match(w):
    first = w.one_to_one(w.pupil(), start="2024-09-01")
    second = w.one_to_one(w.pupil(), start="2024-09-01")
    w.session(first, "2024-09-10", minutes=90)
    w.session(first, "2024-09-17", minutes=45)
    w.session(second, "2024-09-10", minutes=60)
    w.session(second, "2024-09-24", minutes=60, attendance=ContactMoment.Attendance.PUPIL_ABSENT)
    w.teacher_contact(first, "2024-09-02")
    w.teacher_contact(first, "2025-01-15")
    w.teacher_contact(second, "2024-09-03")
    w.teacher_contact(second, "2024-07-30")  # before the period

    result = compute(town(w), Y2425)

    # (90 + 45 + 60) / 60 = 3.25 -> 3.3 (one decimal, halves up); 3 teacher contacts / 2.
    assert values(result, "sessions_held", "contact_hours", "teacher_contacts_per_match") == {
        "sessions_held": 3,
        "contact_hours": 3.3,
        "teacher_contacts_per_match": 1.5,
    }


def test_teacher_contacts_per_match_is_empty_without_active_matches(w):
    assert compute(town(w), Y2425).figure("teacher_contacts_per_match").value is None


# -- volunteers --------------------------------------------------------------------


def test_volunteers_active_new_stopped_tenure_and_vog(w):
    # w.volunteer: active since 2023, VOG of 1 February 2023 (valid until 2026).
    VOGFactory(volunteer=w.volunteer, issued_on=d("2023-02-01"), checked_on=d("2023-02-02"))
    # New this year; VOG exactly three years old on 31 July 2025: no longer valid.
    new = w.new_volunteer(start=d("2024-09-01"))
    VOGFactory(volunteer=new, issued_on=d("2022-07-31"), checked_on=d("2022-08-01"))
    # Stopped on 1 March 2025 after a match in the period (425 days); valid VOG.
    stopped_matched = w.new_volunteer(start=d("2024-01-01"), end=d("2025-03-01"))
    VOGFactory(volunteer=stopped_matched, issued_on=d("2024-01-01"), checked_on=d("2024-01-02"))
    w.one_to_one(w.pupil(), start="2024-09-01", end="2025-02-28", volunteer=stopped_matched)
    # New and stopped within the period without a match (121 days): not active.
    w.new_volunteer(start=d("2024-09-01"), end=d("2024-12-31"))
    # Stopped since October 2025, but active on 31 July 2025 by the status history.
    later = w.new_volunteer(start=d("2024-01-01"), end=d("2025-10-01"))
    VolunteerStatusChangeFactory(
        volunteer=later, from_status="screening", to_status="active", date=d("2024-01-01")
    )
    VolunteerStatusChangeFactory(
        volunteer=later, from_status="active", to_status="stopped", date=d("2025-10-01")
    )
    # Not counted: an applicant, a volunteer paused on 31 July, another initiative's volunteer.
    VolunteerFactory(initiative=w.initiative)
    paused = w.new_volunteer(start=d("2024-01-01"), status=Volunteer.Status.PAUSED)
    VolunteerStatusChangeFactory(
        volunteer=paused, from_status="active", to_status="paused", date=d("2025-05-01")
    )
    w.new_volunteer(start=d("2024-01-01"), initiative=InitiativeFactory(municipalities=[w.a]))

    result = compute(town(w), Y2425)

    assert values(
        result,
        "volunteers_active",
        "volunteers_new",
        "volunteers_stopped",
        "volunteer_tenure_median_months",
        "volunteers_valid_vog_pct",
    ) == {
        # w.volunteer, new, stopped_matched (match), later (history)
        "volunteers_active": 4,
        "volunteers_new": 2,
        "volunteers_stopped": 2,
        # median of 425 and 121 days = 273 days / (365.25 / 12) = 8.97 months
        "volunteer_tenure_median_months": 9.0,
        # w.volunteer and stopped_matched of the four
        "volunteers_valid_vog_pct": 50.0,
    }


def test_volunteer_capacity_and_free_places_at_the_end_of_the_period(w):
    # w.volunteer: capacity 3, two pupils on 31 July 2025 (a third match ended
    # on 31 July itself, so that pupil no longer counts): 1 free place.
    Volunteer.objects.filter(pk=w.volunteer.pk).update(capacity=3)
    w.one_to_one(w.pupil(), start="2024-09-01")
    w.one_to_one(w.pupil(), start="2025-01-10")
    w.one_to_one(w.pupil(), start="2024-09-01", end="2025-07-31")
    # Capacity 2 but three pupils (over capacity, e.g. by a group): 0 free, not -1.
    busy = w.new_volunteer(start=d("2024-01-01"))
    Volunteer.objects.filter(pk=busy.pk).update(capacity=2)
    for _ in range(3):
        w.one_to_one(w.pupil(), start="2024-10-01", volunteer=busy)
    # Capacity 4, one pupil who left in May, one who joins only in August: 4 free.
    idle = w.new_volunteer(start=d("2024-01-01"))
    Volunteer.objects.filter(pk=idle.pk).update(capacity=4)
    w.one_to_one(w.pupil(), start="2024-10-01", end="2025-05-01", volunteer=idle)
    w.one_to_one(w.pupil(), start="2025-08-15", volunteer=idle)
    # Not counted: stopped before the end (though matched in the period), and paused.
    gone = w.new_volunteer(start=d("2024-01-01"), end=d("2025-03-01"))
    Volunteer.objects.filter(pk=gone.pk).update(capacity=5)
    w.one_to_one(w.pupil(), start="2024-09-01", end="2025-02-28", volunteer=gone)
    paused = w.new_volunteer(start=d("2024-01-01"), status=Volunteer.Status.PAUSED)
    Volunteer.objects.filter(pk=paused.pk).update(capacity=6)

    result = compute(town(w), Y2425)

    assert values(result, "volunteer_capacity", "volunteer_free_places") == {
        "volunteer_capacity": 3 + 2 + 4,
        "volunteer_free_places": 1 + 0 + 4,
    }


def test_volunteer_of_another_programme_only_is_not_in_a_programme_scope(w):
    other = ProgrammeFactory(initiative=w.initiative, name="Leesclub", municipalities=[w.a])
    w.new_volunteer(start=d("2024-01-01")).programmes.add(other)
    w.new_volunteer(start=d("2024-01-01")).programmes.add(w.one)

    result = compute(IndicatorScope.for_programme(w.one), Y2425)

    # w.volunteer (every programme) and the one of this programme.
    assert result.figure("volunteers_active").value == 2


# -- goals and impact --------------------------------------------------------------


def test_goals_achieved_share_counts_end_evaluations_in_the_period(w):
    A, P, N = GoalEvaluation.Result.ACHIEVED, GoalEvaluation.Result.PARTLY, "not_achieved"

    def evaluate(moment, held_on, results):
        referral = w.referral(w.pupil())
        plan = ActionPlanFactory(referral=referral)
        evaluation = EvaluationFactory(referral=referral, moment=moment, held_on=d(held_on))
        for result in results:
            goal = GoalFactory(plan=plan, review_date=d(held_on))
            GoalEvaluationFactory(evaluation=evaluation, goal=goal, result=result)

    evaluate(Evaluation.Moment.END, "2025-06-01", [A, A, P])
    evaluate(Evaluation.Moment.END, "2025-07-31", [N])
    evaluate(Evaluation.Moment.MID, "2025-01-01", [N, N])  # mid-term: not counted
    evaluate(Evaluation.Moment.END, "2024-07-31", [N])  # previous year

    result = compute(town(w), Y2425)

    assert result.figure("goals_achieved_pct").value == 50.0  # 2 of 4
    assert result.table("goal_results").rows[0][1] == (2,)
    assert result.table("goal_results").totals == (4,)


def test_impact_change_pairs_start_and_end_per_pupil_and_question(w):
    reading = ImpactQuestionFactory(programme=w.one, text="Leesplezier", order=1)
    confidence = ImpactQuestionFactory(programme=w.one, text="Zelfvertrouwen", order=2)

    def measure(referral, moment, on, scores):
        measurement = ImpactMeasurementFactory(referral=referral, moment=moment, measured_on=d(on))
        for question, score in scores.items():
            ImpactScoreFactory(measurement=measurement, question=question, score=score)

    START, MID, END = ImpactMeasurement.Moment.START, "mid", ImpactMeasurement.Moment.END
    first = w.referral(w.pupil())
    measure(first, START, "2024-09-01", {reading: 2, confidence: 3})
    measure(first, MID, "2025-01-01", {reading: 5, confidence: 5})  # ignored
    measure(first, END, "2025-06-01", {reading: 4, confidence: 3})
    second = w.referral(w.pupil())
    measure(second, START, "2024-09-01", {reading: 3})
    measure(second, END, "2025-06-01", {reading: 4, confidence: 5})  # no start for confidence
    third = w.referral(w.pupil())
    measure(third, START, "2024-09-01", {reading: 1})
    measure(third, END, "2025-08-01", {reading: 5})  # end after the period

    result = compute(town(w), Y2425)

    # (+2, 0, +1) / 3 = 1.0
    assert result.figure("impact_change").value == 1.0
    assert result.table("impact_by_question").rows == (
        ("Leesplezier", (2, 2.5, 4.0, 1.5)),
        ("Zelfvertrouwen", (1, 3.0, 3.0, 0.0)),
    )


# -- targets, scopes, the set ------------------------------------------------------


def test_targets_are_attached_to_their_figures(w):
    w.session(w.one_to_one(w.pupil(), start="2024-09-01"), "2024-09-10")

    result = compute(town(w), Y2425, targets={"pupils_reached": 220, "contact_hours": 6000})

    assert result.figure("pupils_reached") == Figure(
        "pupils_reached", result.figure("pupils_reached").label, 1, target=220
    )
    assert result.figure("contact_hours").target == 6000
    assert result.figure("matches_started").target is None


def test_agreement_scope_uses_its_municipality_programmes_and_targets(w):
    agreement = FundingAgreementFactory(
        municipality=w.a,
        initiative=w.initiative,
        programmes=[w.group],
        start_date=Y2425.start,
        end_date=Y2425.end,
    )
    TargetFactory(agreement=agreement, indicator="pupils_reached", value=30)
    TargetFactory(agreement=agreement, indicator="sessions_held", value=100)
    pupil = w.pupil(grade=SchoolGrade.GROEP_7)
    w.session(w.one_to_one(pupil, start="2024-09-01"), "2024-09-10")  # not this agreement's
    group = w.match(w.group, start="2024-09-01")
    w.join(group, w.pupil(grade=SchoolGrade.GROEP_8))
    w.join(group, pupil)
    w.session(group, "2024-09-12")

    scope = IndicatorScope.for_agreement(agreement)
    result = compute(scope, Y2425, targets=agreement_targets(agreement))

    assert scope == IndicatorScope(
        municipality_id=w.a.pk, initiative_id=w.initiative.pk, programme_ids=(w.group.pk,)
    )
    assert result.figure("pupils_reached").value == 2
    assert result.figure("pupils_reached").target == 30
    assert result.figure("sessions_held").value == 1
    assert result.figure("sessions_held").target == 100


def test_municipality_scope_never_includes_the_other_municipality(w):
    # A: a pupil at school a1; a pupil without school living in Zuid (A).
    # B: a pupil at school b1; a pupil at b1 who lives in A's Noord (school wins).
    in_a = [w.pupil(), w.pupil(school=None, neighbourhood=w.zuid)]
    in_b = [w.pupil(school="b1"), w.pupil(school="b1", neighbourhood=w.noord)]
    # Nowhere: no school, no neighbourhood (only in the initiative's own figures).
    nowhere = w.pupil(school=None, neighbourhood=None)
    for pupil in [*in_a, *in_b, nowhere]:
        # Each match comes with its referral, submitted on 20 August 2024.
        w.session(w.one_to_one(pupil, start="2024-09-01"), "2024-09-10")

    a = compute(IndicatorScope.for_municipality(w.a), Y2425)
    b = compute(IndicatorScope.for_municipality(w.b), Y2425)
    initiative = compute(IndicatorScope.for_initiative(w.initiative), Y2425)

    keys = ("pupils_reached", "referrals", "matches_started", "sessions_held")
    assert values(a, *keys) == dict.fromkeys(keys, 2)
    assert values(b, *keys) == dict.fromkeys(keys, 2)
    assert values(initiative, *keys) == dict.fromkeys(keys, 5)
    # The pupil without a school was referred by a parent.
    assert [cells for _label, cells in a.table("referrals_by_school").rows] == [(1,), (1,)]
    assert a.table("referrals_by_school").rows[0][0] == "De Regenboog"
    assert rows(b.table("referrals_by_school")) == {"De Linde": (2,)}


def test_adding_data_of_the_other_municipality_changes_nothing(w):
    pupil = w.pupil()
    w.session(
        w.one_to_one(pupil, start="2024-09-01", end="2025-03-01", reason="moved"), "2024-09-10"
    )
    before = compute(town(w), Y2425).as_dict()

    # Lots of B: pupils, referrals, matches, sessions, waitlist, evaluations, impact.
    question = ImpactQuestionFactory(programme=w.one)
    for _ in range(3):
        other = w.pupil(school="b1", neighbourhood=w.noord)
        match = w.one_to_one(other, start="2024-09-01", end="2025-01-01", reason="pupil_stopped")
        w.session(match, "2024-09-11")
        w.teacher_contact(match, "2024-09-12")
        referral = match.participants.get().referral
        w.status_change(referral, Referral.Status.WAITING, "2025-03-01 10:00")
        evaluation = EvaluationFactory(referral=referral, moment="end", held_on=d("2025-06-01"))
        GoalEvaluationFactory(evaluation=evaluation, result="achieved")
        for moment, score in (("start", 1), ("end", 5)):
            ImpactScoreFactory(
                measurement=ImpactMeasurementFactory(
                    referral=referral, moment=moment, measured_on=d("2025-06-01")
                ),
                question=question,
                score=score,
            )
    # A programme of the same initiative that serves only B, with its own volunteer.
    only_b = ProgrammeFactory(initiative=w.initiative, name="Alleen B", municipalities=[w.b])
    w.new_volunteer(start=d("2024-09-01")).programmes.add(only_b)
    SchoolLocationFactory(municipality=w.b)

    after = compute(town(w), Y2425).as_dict()

    assert after == before


def test_initiative_scope_leaves_out_other_initiatives(w):
    w.session(w.one_to_one(w.pupil(), start="2024-09-01"), "2024-09-10")
    other = InitiativeFactory(municipalities=[w.a])
    programme = ProgrammeFactory(initiative=other, municipalities=[w.a])
    pupil = w.pupil(initiative=other)
    match = w.match(
        programme,
        start="2024-09-01",
        volunteer=w.new_volunteer(start=d("2024-01-01"), initiative=other),
    )
    w.join(match, pupil)
    w.session(match, "2024-09-10")

    mine = compute(IndicatorScope.for_initiative(w.initiative), Y2425)
    town_wide = compute(town(w), Y2425)

    assert values(mine, "pupils_reached", "volunteers_active") == {
        "pupils_reached": 1,
        "volunteers_active": 1,
    }
    assert values(town_wide, "pupils_reached", "volunteers_active") == {
        "pupils_reached": 2,
        "volunteers_active": 2,
    }


def test_neighbourhood_filter_counts_its_buurten(w):
    for neighbourhood in (w.noord, w.noord_oost, w.zuid):
        w.session(
            w.one_to_one(w.pupil(neighbourhood=neighbourhood), start="2024-09-01"), "2024-09-10"
        )

    noord = IndicatorScope(municipality_id=w.a.pk, neighbourhood_id=w.noord.pk)
    result = compute(noord, Y2425)

    assert values(result, "pupils_reached", "matches_active", "sessions_held") == {
        "pupils_reached": 2,
        "matches_active": 2,
        "sessions_held": 2,
    }


def test_indicator_set_as_dict_is_json_and_stable(w):
    w.session(w.one_to_one(w.pupil(), start="2024-09-01"), "2024-09-10")

    first = compute(town(w), Y2425, targets={"pupils_reached": 10})
    second = compute(town(w), Y2425, targets={"pupils_reached": 10})

    text = json.dumps(first.as_dict(), sort_keys=False)
    assert text == json.dumps(second.as_dict(), sort_keys=False)
    snapshot = json.loads(text)
    assert snapshot["period"] == {"start": "2024-08-01", "end": "2025-07-31", "label": "2024-2025"}
    assert snapshot["figures"][0] == {
        "key": "pupils_reached",
        "label": str(first.figure("pupils_reached").label),
        "value": 1,
        "target": 10,
        "unit": "",
        "is_count": True,
    }
    assert [t["key"] for t in snapshot["tables"]] == [t.key for t in first.tables]


def test_every_contract_figure_and_table_is_there(w):
    result = compute(town(w), Y2425)

    assert {f.key for f in result.figures} >= {
        "pupils_reached",
        "pupils_reached_new",
        "pupils_reached_continuing",
        "referrals",
        "schools_referring",
        "waitlist_size_end",
        "waiting_days_median",
        "waiting_days_max",
        "matches_started",
        "matches_active",
        "matches_ended",
        "matches_ended_early",
        "sessions_planned",
        "sessions_held",
        "contact_hours",
        "teacher_contacts_per_match",
        "volunteers_active",
        "volunteers_new",
        "volunteers_stopped",
        "volunteer_tenure_median_months",
        "volunteers_valid_vog_pct",
        "goals_achieved_pct",
        "impact_change",
    }
    assert {t.key for t in result.tables} >= {
        "referrals_by_source",
        "referrals_by_school",
        "reach_by_programme",
        "reach_by_neighbourhood",
        "reach_by_sector",
        "reach_by_grade",
        "ended_early_reasons",
        "impact_by_question",
    }
    with pytest.raises(KeyError):
        result.figure("no_such_figure")


# -- trend and reach gap -----------------------------------------------------------


def test_trend_has_a_row_per_school_year(w):
    pupil = w.pupil()
    match = w.one_to_one(pupil, start="2024-05-01")
    w.session(match, "2024-06-15")
    w.session(match, "2024-09-10")
    w.session(w.one_to_one(w.pupil(), start="2024-10-01"), "2024-10-02")

    table = trend(town(w), [2023, 2024, 2025])

    assert table.key == "trend"
    assert [label for label, _cells in table.rows] == ["2023-2024", "2024-2025", "2025-2026"]
    reached = [cells[0] for _label, cells in table.rows]
    new = [cells[1] for _label, cells in table.rows]
    assert reached == [1, 2, 0]
    assert new == [1, 1, 0]
    # The same numbers as compute() gives for each year.
    assert reached[1] == compute(town(w), Y2425).figure("pupils_reached").value


def test_reach_gap_lists_schools_that_referred_nobody_highest_weighting_first(w):
    # w.one serves groep 5 - klas 2 (PO and VO); a1 referred, so it is not in the gap.
    w.referral(w.pupil(), submitted="2024-10-01 10:00")
    SchoolYearFigure.objects.create(school=w.a1, school_year=2023, weighting=Decimal("33.1"))
    SchoolYearFigure.objects.create(school=w.a3, school_year=2022, weighting=Decimal("30.5"))
    SchoolYearFigure.objects.create(
        school=w.a3, school_year=2023, weighting=Decimal("28.0"), pupil_count=410
    )
    high = SchoolLocationFactory(municipality=w.a, name="De Vlinder")
    SchoolYearFigure.objects.create(school=high, school_year=2023, weighting=Decimal("35.2"))
    SchoolYearFigure.objects.create(school=high, school_year=2024, pupil_count=210)
    SchoolLocationFactory(municipality=w.a, name="Zonder weging")
    SchoolLocationFactory(municipality=w.a, name="Speciaal", sector=SchoolLocation.Sector.SO)
    # A school that only referred before the period is in the gap.
    earlier = SchoolLocationFactory(municipality=w.a, name="Eerder")
    w.referral(w.pupil(school=earlier), submitted="2024-07-01 10:00")

    table = reach_gap(town(w), Y2425)

    assert table.rows == (
        ("De Vlinder", (35.2, 210)),
        ("Het Lyceum", (28.0, 410)),  # the latest known weighting
        ("Eerder", (None, None)),
        ("Zonder weging", (None, None)),
    )
    assert table.counts is False


def test_reach_gap_keeps_to_the_sector_and_schools_of_the_programmes(w):
    po_only = ProgrammeFactory(
        initiative=w.initiative,
        municipalities=[w.a],
        min_grade=SchoolGrade.GROEP_5,
        max_grade=SchoolGrade.GROEP_8,
    )
    scope = IndicatorScope.for_programme(po_only)
    scope = IndicatorScope(municipality_id=w.a.pk, programme_ids=scope.programme_ids)

    assert [label for label, _ in reach_gap(scope, Y2425).rows] == ["De Regenboog"]

    other = SchoolLocationFactory(municipality=w.a, name="Alleen deze")
    po_only.schools.add(other)

    assert [label for label, _ in reach_gap(scope, Y2425).rows] == ["Alleen deze"]


def test_reach_gap_is_empty_without_a_municipality(w):
    assert reach_gap(IndicatorScope.for_initiative(w.initiative), Y2425).rows == ()


# -- queries -------------------------------------------------------------------------


def _add_a_school_year(w: World, n: int) -> None:
    """n pupils with a match, sessions, a waitlist entry, evaluations and impact scores."""
    question = ImpactQuestionFactory(programme=w.one, text=f"Vraag {n}")
    for i in range(n):
        pupil = w.pupil(neighbourhood=w.noord if i % 2 else w.zuid)
        volunteer = w.new_volunteer(start=d("2024-08-15"), end=d("2025-06-01") if i % 3 else None)
        VOGFactory(volunteer=volunteer, issued_on=d("2024-08-01"), checked_on=d("2024-08-02"))
        match = w.one_to_one(
            pupil,
            start="2024-09-01",
            end="2025-05-01" if i % 2 else None,
            reason="pupil_stopped" if i % 2 else "",
            volunteer=volunteer,
        )
        for day in ("2024-09-10", "2024-10-10", "2025-02-10"):
            w.session(match, day)
        w.teacher_contact(match, "2024-09-11")
        referral = match.participants.get().referral
        w.status_change(referral, Referral.Status.WAITING, "2025-07-01 10:00")
        evaluation = EvaluationFactory(referral=referral, moment="end", held_on=d("2025-06-01"))
        GoalEvaluationFactory(evaluation=evaluation, result="achieved")
        for moment, score in (("start", 2), ("end", 4)):
            ImpactScoreFactory(
                measurement=ImpactMeasurementFactory(
                    referral=referral, moment=moment, measured_on=d("2025-06-01")
                ),
                question=question,
                score=score,
            )
    group = w.match(w.group, start="2024-09-01")
    members = [w.pupil(grade=SchoolGrade.GROEP_7) for _ in range(n)]
    for member in members:
        w.join(group, member)
    w.session(group, "2024-09-20", absent=members[:1])


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


@pytest.mark.parametrize(
    "make_scope",
    [
        lambda w: IndicatorScope.for_municipality(w.a),
        lambda w: IndicatorScope.for_initiative(w.initiative),
        lambda w: IndicatorScope(municipality_id=w.a.pk, neighbourhood_id=w.noord.pk),
    ],
    ids=["municipality", "initiative", "neighbourhood"],
)
def test_number_of_queries_does_not_grow_with_the_data(w, make_scope, django_assert_num_queries):
    scope = make_scope(w)
    _add_a_school_year(w, 1)
    small = _queries(lambda: compute(scope, Y2425))
    small_trend = _queries(lambda: trend(scope, [2023, 2024]))
    small_gap = _queries(lambda: reach_gap(scope, Y2425))

    _add_a_school_year(w, 12)

    with django_assert_num_queries(small):
        result = compute(scope, Y2425)
    with django_assert_num_queries(small_trend):
        trend(scope, [2023, 2024])
    with django_assert_num_queries(small_gap):
        reach_gap(scope, Y2425)
    assert result.figure("pupils_reached").value > 1
    assert small <= 20


def test_a_scope_without_programmes_gives_zeros(w):
    nowhere = MunicipalityFactory(cbs_code="GM0001", name="Nergens")
    w.session(w.one_to_one(w.pupil(), start="2024-09-01"), "2024-09-10")

    result = compute(IndicatorScope.for_municipality(nowhere), Y2425)

    assert values(result, "pupils_reached", "sessions_held", "volunteers_active") == {
        "pupils_reached": 0,
        "sessions_held": 0,
        "volunteers_active": 0,
    }
    assert Programme.objects.filter(municipalities=nowhere).count() == 0
