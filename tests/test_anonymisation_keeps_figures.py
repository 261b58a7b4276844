"""Anonymising personal data changes no figure of a past period, and no report made before.

Time is frozen at 15 September 2026. World a's initiative gets two school
years of guidance (2023-2024 and 2024-2025, a little into 2025-2026): pupils
in one-to-one and group matches, sessions held, missed and cancelled,
teacher contacts, driehoeksgesprekken and goals, evaluations, impact scores,
declined and withdrawn referrals, a pupil waiting at the end of a year, and
volunteers who stopped. Every text in it names someone. The figures of
several scopes and periods, the trend, and an accountability report are
made; then everything due is anonymised (as the nightly job would at the
end of 2027), and the same figures are computed again.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core import serializers
from django.urls import reverse

from core.periods import Period
from core.retention import anonymise_due_records
from initiatives.models import Volunteer
from initiatives.tests.factories import (
    ProgrammeFactory,
    TrainingCompletionFactory,
    VOGFactory,
    VolunteerFactory,
    VolunteerStatusChangeFactory,
)
from municipality.models import FundingAgreement
from municipality.tests.factories import (
    FunderFactory,
    FundingAgreementFactory,
    NeighbourhoodFactory,
    TargetFactory,
)
from referrals.models import ContactMoment, Match, Pupil, Referral, ReferralStatusChange
from referrals.tests.factories import (
    ActionPlanFactory,
    ContactMomentFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GoalFactory,
    GuardianFactory,
    ImpactMeasurementFactory,
    ImpactQuestionFactory,
    ImpactScoreFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilFactory,
    ReferralFactory,
    TripartiteMeetingFactory,
)
from reports import services as report_services
from reports.indicators import IndicatorScope, compute, trend
from reports.models import Report
from reports.snapshot import build_snapshot
from schools.tests.factories import SchoolLocationFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 9, 15, 10, 0, tzinfo=AMSTERDAM)
NIGHT = dt.date(2027, 12, 31)  # by then all the guidance below is past its retention
S = Referral.Status
V = Volunteer.Status
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def aware(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=AMSTERDAM)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Names:
    """Every personal name the data hold, to check that none is left."""

    def __init__(self):
        self.all: list[str] = []

    def new(self, kind: str) -> tuple[str, str]:
        n = next(_numbers)
        first, last = f"{kind}{n}voornaam", f"{kind}{n}Qwerzijl"
        self.all += [first, last]
        return first, last


def history(referral: Referral, steps: list[tuple[str, str, dt.datetime]], name: str) -> None:
    """Status changes ``(from, to, when)``, each with a reason naming the person."""
    for from_status, to_status, when in steps:
        ReferralStatusChange.objects.create(
            referral=referral,
            from_status=from_status,
            to_status=to_status,
            reason=f"Besproken met {name}",
            changed_at=when,
        )


def volunteer(side, names: Names, *, start: dt.date, end: dt.date | None = None, capacity=1):
    first, last = names.new("Vrijwilliger")
    v = VolunteerFactory(
        initiative=side.initiative,
        with_account=True,
        first_name=first,
        last_name=last,
        email=f"{last.lower()}@example.nl",
        phone=f"06-{next(_numbers):08d}",
        date_of_birth=d("1980-02-03"),
        intake_notes=f"Intake met {first} {last}",
        status=V.STOPPED if end else V.ACTIVE,
        start_date=start,
        end_date=end,
        stop_reason=f"{first} verhuist" if end else "",
        capacity=capacity,
    )
    VolunteerStatusChangeFactory(
        volunteer=v, from_status=V.SCREENING, to_status=V.ACTIVE, date=start, reason=last
    )
    if end:
        VolunteerStatusChangeFactory(
            volunteer=v, from_status=V.ACTIVE, to_status=V.STOPPED, date=end, reason=f"{last} stopt"
        )
    VOGFactory(volunteer=v, issued_on=start - dt.timedelta(days=30), checked_by=side.project_leader)
    TrainingCompletionFactory(volunteer=v, completed_on=start - dt.timedelta(days=10))
    return v


def pupil_with_referral(side, names, *, programme, school, grade, neighbourhood, submitted):
    first, last = names.new("Leerling")
    pupil = PupilFactory(
        initiative=side.initiative,
        first_name=first,
        last_name=last,
        school=school,
        grade=grade,
        neighbourhood=neighbourhood,
        postcode="3531 QW",
        needs=f"{first} heeft moeite met lezen",
    )
    GuardianFactory(pupil=pupil, name=f"Ouder {last}", email=f"ouder.{last.lower()}@example.nl")
    referral = ReferralFactory(
        pupil=pupil,
        programme=programme,
        source=Referral.Source.SCHOOL if school else Referral.Source.PARENT,
        referring_school=school,
        submitted_at=aware(submitted),
        status_changed_at=aware(submitted),
        consent_given_by=f"Ouder {last}",
        support_what=f"Lezen met {first}",
        support_why=f"{first} {last} loopt achter",
    )
    return pupil, referral


def guided(
    side,
    names,
    v,
    *,
    programme,
    start,
    end,
    end_reason="completed",
    school=None,
    grade=6,
    neighbourhood=None,
    sessions=8,
    scores=((2, 4), (3, 3)),
    results=("achieved", "partly"),
    questions=(),
    waited_days=25,
):
    """A one-to-one guidance from ``start`` to ``end`` with all that goes with it."""
    pupil, referral = pupil_with_referral(
        side,
        names,
        programme=programme,
        school=school,
        grade=grade,
        neighbourhood=neighbourhood,
        submitted=start - dt.timedelta(days=waited_days + 15),
    )
    final = S.COMPLETED if end_reason == "completed" else S.STOPPED_EARLY
    Referral.objects.filter(pk=referral.pk).update(
        status=final,
        status_changed_at=aware(end),
        outcome_reason="" if final == S.COMPLETED else f"{pupil.first_name} is verhuisd",
    )
    history(
        referral,
        [
            ("", S.SUBMITTED, aware(start - dt.timedelta(days=waited_days + 15))),
            (S.SUBMITTED, S.INTAKE, aware(start - dt.timedelta(days=waited_days + 10))),
            (S.INTAKE, S.WAITING, aware(start - dt.timedelta(days=waited_days))),
            (S.WAITING, S.MATCHED, aware(start)),
            (S.MATCHED, final, aware(end)),
        ],
        pupil.last_name,
    )
    meeting = TripartiteMeetingFactory(
        referral=referral,
        planned_at=aware(start - dt.timedelta(days=30)),
        agreements=f"Afspraken met {pupil.last_name}",
    )
    plan = ActionPlanFactory(referral=referral, meeting=meeting)
    goals = [
        GoalFactory(plan=plan, description=f"Doel {i} van {pupil.first_name}", review_date=end)
        for i, _ in enumerate(results)
    ]
    match = MatchFactory(
        programme=programme,
        volunteer=v,
        start_date=start,
        end_date=end,
        end_reason=end_reason,
        end_note=f"Einde met {pupil.first_name}",
    )
    MatchParticipantFactory(match=match, referral=referral, joined_on=start, left_on=end)
    attendance = ContactMoment.Attendance
    for i in range(sessions):
        day = start + dt.timedelta(days=7 * i + 2)
        if day > end:
            break
        ContactMomentFactory(
            match=match,
            pupil=pupil,
            date=day,
            duration_minutes=90 if i % 3 else 60,
            attendance=attendance.PUPIL_ABSENT
            if i == 2
            else attendance.VOLUNTEER_CANCELLED
            if i == 5
            else attendance.HELD,
            note=f"Sessie {i} met {pupil.first_name}",
        )
    for phase, offset in (("start", 10), ("mid", 60)):
        ContactMomentFactory(
            match=match,
            kind=ContactMoment.Kind.TEACHER,
            phase=phase,
            date=start + dt.timedelta(days=offset),
            duration_minutes=20,
            note=f"Juf over {pupil.first_name}",
        )
    EvaluationFactory(
        referral=referral,
        moment="mid",
        held_on=start + dt.timedelta(days=60),
        summary=f"Halverwege: {pupil.first_name} groeit",
        pupil_satisfaction=4,
    )
    final_evaluation = EvaluationFactory(
        referral=referral,
        moment="end",
        held_on=end,
        summary=f"{pupil.first_name} leest beter",
        pupil_satisfaction=5,
        parent_satisfaction=4,
    )
    for goal, result in zip(goals, results, strict=True):
        GoalEvaluationFactory(
            evaluation=final_evaluation, goal=goal, result=result, note=f"{pupil.last_name}"
        )
    begin = ImpactMeasurementFactory(referral=referral, moment="start", measured_on=start)
    finish = ImpactMeasurementFactory(referral=referral, moment="end", measured_on=end)
    for question, (before, after) in zip(questions, scores, strict=False):
        ImpactScoreFactory(measurement=begin, question=question, score=before)
        ImpactScoreFactory(measurement=finish, question=question, score=after)
    return pupil


def group_guidance(side, names, v, *, programme, start, end, school, neighbourhood):
    """Three pupils in one group; one leaves early, one misses a session."""
    match = MatchFactory(
        programme=programme,
        volunteer=v,
        kind=Match.Kind.GROUP,
        start_date=start,
        end_date=end,
        end_reason="completed",
        end_note="Groep afgerond",
    )
    pupils = []
    for i in range(3):
        pupil, referral = pupil_with_referral(
            side,
            names,
            programme=programme,
            school=school,
            grade=9 + i,
            neighbourhood=neighbourhood,
            submitted=start - dt.timedelta(days=20),
        )
        left = end if i < 2 else start + dt.timedelta(days=30)
        Referral.objects.filter(pk=referral.pk).update(
            status=S.COMPLETED if i < 2 else S.STOPPED_EARLY,
            status_changed_at=aware(left),
            outcome_reason="" if i < 2 else f"{pupil.first_name} stopte",
        )
        MatchParticipantFactory(match=match, referral=referral, joined_on=start, left_on=left)
        pupils.append(pupil)
    for week in range(10):
        session = ContactMomentFactory(
            match=match,
            date=start + dt.timedelta(days=7 * week + 1),
            note=f"Groep: {pupils[0].first_name} en {pupils[1].first_name}",
        )
        if week == 3:
            session.absent_pupils.add(pupils[1])
    return pupils


@pytest.fixture
def data(world):
    """The guidance of world a in 2023-2025 (see the module docstring)."""
    side = world.a
    names = Names()
    west = NeighbourhoodFactory(municipality=side.municipality, name="West")
    oost = NeighbourhoodFactory(municipality=side.municipality, name="Oost")
    college = SchoolLocationFactory(
        brin="98UT", name="Utrechts College", municipality=side.municipality
    )
    groups = ProgrammeFactory(
        initiative=side.initiative,
        name="Huiswerkgroep VO",
        group=True,
        municipalities=[side.municipality],
    )
    questions = [
        ImpactQuestionFactory(programme=side.programme, text="Leesplezier", order=0),
        ImpactQuestionFactory(programme=side.programme, text="Zelfvertrouwen", order=1),
    ]

    v1 = volunteer(side, names, start=d("2023-08-20"), end=d("2025-03-31"), capacity=2)
    v2 = volunteer(side, names, start=d("2024-01-10"), end=d("2025-07-15"))
    v3 = volunteer(side, names, start=d("2023-09-01"), end=d("2024-06-30"))
    v4 = volunteer(side, names, start=d("2024-09-01"), end=d("2026-03-15"), capacity=3)
    common = {"programme": side.programme, "questions": questions}

    # 2023-2024, one pupil continues in 2024-2025 with a second referral.
    returning = guided(
        side,
        names,
        v3,
        start=d("2023-10-02"),
        end=d("2024-06-14"),
        school=side.school,
        grade=5,
        neighbourhood=west,
        **common,
    )
    guided(
        side,
        names,
        v3,
        start=d("2023-11-06"),
        end=d("2024-03-01"),
        end_reason="moved",
        school=side.school,
        neighbourhood=oost,
        results=("not_achieved",),
        **common,
    )
    again = ReferralFactory(
        pupil=returning,
        programme=side.programme,
        status=S.COMPLETED,
        submitted_at=aware(d("2024-08-20")),
        status_changed_at=aware(d("2025-03-28")),
    )
    match = MatchFactory(
        programme=side.programme,
        volunteer=v1,
        start_date=d("2024-09-09"),
        end_date=d("2025-03-28"),
        end_reason="completed",
    )
    MatchParticipantFactory(
        match=match, referral=again, joined_on=match.start_date, left_on=match.end_date
    )
    for week in range(12):
        ContactMomentFactory(
            match=match,
            pupil=returning,
            date=match.start_date + dt.timedelta(days=7 * week),
            note=f"Weer met {returning.first_name}",
        )

    # 2024-2025: one-to-one guidance, one stopped early, one without a school.
    guided(
        side,
        names,
        v1,
        start=d("2024-09-16"),
        end=d("2025-03-21"),
        school=side.school,
        grade=7,
        neighbourhood=west,
        **common,
    )
    guided(
        side,
        names,
        v2,
        start=d("2024-10-07"),
        end=d("2025-06-27"),
        school=side.school,
        grade=8,
        neighbourhood=oost,
        results=("achieved", "achieved", "partly"),
        **common,
    )
    guided(
        side,
        names,
        v2,
        start=d("2024-11-04"),
        end=d("2025-02-14"),
        end_reason="pupil_stopped",
        school=side.school,
        neighbourhood=west,
        scores=((4, 2),),
        **common,
    )
    guided(
        side,
        names,
        v4,
        start=d("2025-01-13"),
        end=d("2025-07-04"),
        school=None,
        grade=None,
        neighbourhood=oost,
        **common,
    )
    group_guidance(
        side,
        names,
        v4,
        programme=groups,
        start=d("2024-09-23"),
        end=d("2025-05-30"),
        school=college,
        neighbourhood=west,
    )

    # Waiting at the end of 2024-2025, matched in 2025-2026, completed in March 2026.
    waiting = guided(
        side,
        names,
        v4,
        start=d("2025-09-15"),
        end=d("2026-03-06"),
        school=side.school,
        neighbourhood=oost,
        waited_days=105,
        **common,
    )
    # Referrals that never became a match.
    for status, when in ((S.DECLINED, "2024-10-20"), (S.WITHDRAWN, "2025-05-02")):
        pupil, referral = pupil_with_referral(
            side,
            names,
            programme=side.programme,
            school=side.school,
            grade=6,
            neighbourhood=west,
            submitted=d(when) - dt.timedelta(days=21),
        )
        Referral.objects.filter(pk=referral.pk).update(
            status=status,
            status_changed_at=aware(d(when)),
            outcome_reason=f"Besproken met ouder {pupil.last_name}",
        )
        history(
            referral,
            [
                ("", S.SUBMITTED, aware(d(when) - dt.timedelta(days=21))),
                (S.SUBMITTED, status, aware(d(when))),
            ],
            pupil.last_name,
        )
    agreement = FundingAgreementFactory(
        municipality=side.municipality,
        initiative=side.initiative,
        funder=FunderFactory(municipal=True, municipality=side.municipality),
        programmes=[side.programme, groups],
        period_kind=FundingAgreement.PeriodKind.SCHOOL_YEAR,
        start_date=d("2024-08-01"),
        end_date=d("2025-07-31"),
    )
    TargetFactory(agreement=agreement, indicator="pupils_reached", value=10)
    return {
        "side": side,
        "names": names,
        "neighbourhood": west,
        "groups": groups,
        "agreement": agreement,
        "waiting": waiting,
    }


def scopes(data) -> dict[str, IndicatorScope]:
    side = data["side"]
    return {
        "municipality": IndicatorScope.for_municipality(side.municipality),
        "initiative": IndicatorScope.for_initiative(side.initiative),
        "programme": IndicatorScope.for_programme(side.programme),
        "groups": IndicatorScope.for_programme(data["groups"]),
        "west": IndicatorScope(
            municipality_id=side.municipality.pk, neighbourhood_id=data["neighbourhood"].pk
        ),
        "agreement": IndicatorScope.for_agreement(data["agreement"]),
    }


PERIODS = {
    "2023-2024": Period.school_year(2023),
    "2024-2025": Period.school_year(2024),
    "2025-2026": Period.school_year(2025),
    "2025": Period.calendar_year(2025),
}


def all_figures(data) -> dict:
    figures = {}
    for scope_name, scope in scopes(data).items():
        for period_name, period in PERIODS.items():
            figures[(scope_name, period_name)] = compute(scope, period).as_dict()
        figures[(scope_name, "trend")] = trend(scope, [2023, 2024, 2025]).as_dict()
    return figures


def dump() -> str:
    labels = {"referrals", "initiatives", "accounts", "account", "admin"}
    return "\n".join(
        serializers.serialize("json", model.objects.all())
        for model in apps.get_models()
        if model._meta.app_label in labels
    )


def value(figures: dict, key: str):
    return next(f["value"] for f in figures["figures"] if f["key"] == key)


def test_figures_of_past_periods_are_exactly_the_same_after_anonymisation(data):
    before = all_figures(data)
    # The data make every kind of figure non-trivial, so "the same" means something.
    year = before[("municipality", "2024-2025")]
    assert value(year, "pupils_reached") >= 8
    assert value(year, "pupils_reached_continuing") == 1
    assert value(year, "referrals") >= 8
    assert value(year, "waitlist_size_end") == 1
    assert value(year, "matches_ended_early") == 1
    assert value(year, "volunteers_stopped") == 2
    assert value(year, "volunteer_tenure_median_months") is not None
    assert value(year, "volunteers_valid_vog_pct") is not None
    assert value(year, "goals_achieved_pct") is not None
    assert value(year, "impact_change") is not None
    assert value(year, "teacher_contacts_per_match") is not None
    assert value(before[("west", "2024-2025")], "pupils_reached") >= 3

    counts = anonymise_due_records(today=NIGHT)

    # Every pupil and volunteer of the data above was due; world a's own pupil,
    # still in guidance, and the active volunteers were not.
    assert counts == {
        "pupils": Pupil.objects.filter(anonymised_at__isnull=False).count(),
        "volunteers": 4,
    }
    assert counts["pupils"] == 12  # 7 one-to-one, 3 in the group, 2 never matched
    text = dump()
    for name in data["names"].all:
        assert name not in text, name
    assert all_figures(data) == before


def test_a_report_made_before_stays_downloadable_with_the_same_figures(data, client_for):
    official = data["side"].municipal_official
    report = report_services.report_request(
        user=official, agreement=data["agreement"], period=Period.school_year(2024)
    )
    assert report_services.report_generate(report_id=report.pk) is True
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        pdf = handle.read()
    stored = report.figures
    url = reverse("reports:report_download", args=[report.pk])

    anonymise_due_records(today=NIGHT)

    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.figures == stored
    response = client_for(official).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf
    # Made again from the anonymised data, the report shows the very same figures.
    again = build_snapshot(report)
    assert again["figures"] == stored["figures"]
    assert again["tables"] == stored["tables"]
