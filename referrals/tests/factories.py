"""Factories for pupils, referrals and everything that follows a referral.

Consistency rules the factories keep:

- ``ReferralFactory`` derives the pupil from the programme's initiative. Pass
  ``programme`` (and, if you pass ``pupil``, a programme of the pupil's
  initiative). A school referral's referring school is the pupil's school.
- ``MatchParticipantFactory`` derives ``pupil`` from ``referral`` and
  ``programme`` from ``match.programme``: pass ``match`` and ``referral``.
- Dates the database checks against "now" lie at least a day in the past.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import plain_name
from core.models import SchoolGrade
from core.periods import school_year_start
from referrals.models import (
    ActionPlan,
    ContactMoment,
    Evaluation,
    Goal,
    GoalEvaluation,
    Guardian,
    ImpactMeasurement,
    ImpactQuestion,
    ImpactScore,
    Match,
    MatchParticipant,
    Pupil,
    PupilAvailability,
    Referral,
    TripartiteMeeting,
)


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def moment_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


class PupilFactory(DjangoModelFactory):
    """A ten-year-old in groep 6 of a school; ``school=None`` for none."""

    class Meta:
        model = Pupil

    initiative = factory.SubFactory("initiatives.tests.factories.InitiativeFactory")
    first_name = plain_name("first_name")
    last_name = plain_name("last_name")
    date_of_birth = factory.LazyFunction(lambda: days_ago(10 * 365 + 40))
    school = factory.SubFactory("schools.tests.factories.SchoolLocationFactory")
    grade = SchoolGrade.GROEP_6
    postcode = "3531 AB"
    home_languages = factory.LazyFunction(lambda: ["ar", "nl"])
    needs = "Woordenschat en begrijpend lezen."


class GuardianFactory(DjangoModelFactory):
    class Meta:
        model = Guardian

    pupil = factory.SubFactory(PupilFactory)
    name = plain_name("name")
    relationship = Guardian.Relationship.MOTHER
    phone = factory.Sequence(lambda n: f"06-{n:08d}")
    email = factory.Sequence(lambda n: f"ouder{n}@example.nl")
    language = "Arabisch"


_CLOSED_REASON = "Gesprek met ouders en school; besproken in het team."


class ReferralFactory(DjangoModelFactory):
    """A submitted school referral with recorded consent.

    Status traits: ``draft`` (no consent, not submitted), ``submitted``,
    ``intake``, ``waiting``, ``matched``, ``completed``, ``declined``,
    ``withdrawn``, ``stopped_early`` (closed ones carry an outcome reason).
    ``from_parent`` makes a parent referral without a referring school.
    """

    class Meta:
        model = Referral

    programme = factory.SubFactory("initiatives.tests.factories.ProgrammeFactory")
    pupil = factory.SubFactory(
        PupilFactory, initiative=factory.SelfAttribute("..programme.initiative")
    )
    source = Referral.Source.SCHOOL
    referring_school = factory.LazyAttribute(
        lambda o: o.pupil.school if o.source == Referral.Source.SCHOOL else None
    )
    school_year = factory.LazyFunction(lambda: school_year_start(timezone.localdate()))
    support_what = "Hulp bij begrijpend lezen."
    support_why = "Loopt een jaar achter met lezen; ouders kunnen thuis niet helpen."
    consent_given_by = plain_name("name")
    consent_date = factory.LazyFunction(lambda: days_ago(8))
    consent_method = Referral.ConsentMethod.IN_WRITING
    status = Referral.Status.SUBMITTED
    submitted_at = factory.LazyFunction(lambda: moment_ago(7))
    status_changed_at = factory.SelfAttribute("submitted_at")
    outcome_reason = ""

    class Params:
        from_parent = factory.Trait(source=Referral.Source.PARENT)
        draft = factory.Trait(
            status=Referral.Status.DRAFT,
            consent_given_by="",
            consent_date=None,
            consent_method="",
            submitted_at=None,
            status_changed_at=None,
        )
        submitted = factory.Trait(status=Referral.Status.SUBMITTED)
        intake = factory.Trait(status=Referral.Status.INTAKE)
        waiting = factory.Trait(
            status=Referral.Status.WAITING,
            waiting_since=factory.LazyFunction(lambda: moment_ago(5)),
        )
        matched = factory.Trait(
            status=Referral.Status.MATCHED,
            waiting_since=factory.LazyFunction(lambda: moment_ago(5)),
        )
        completed = factory.Trait(status=Referral.Status.COMPLETED)
        declined = factory.Trait(status=Referral.Status.DECLINED, outcome_reason=_CLOSED_REASON)
        withdrawn = factory.Trait(status=Referral.Status.WITHDRAWN, outcome_reason=_CLOSED_REASON)
        stopped_early = factory.Trait(
            status=Referral.Status.STOPPED_EARLY, outcome_reason=_CLOSED_REASON
        )


class MatchFactory(DjangoModelFactory):
    """An active one-to-one match with an active volunteer of the programme's initiative.

    Trait ``ended``: ended yesterday, completed.
    """

    class Meta:
        model = Match

    programme = factory.SubFactory("initiatives.tests.factories.ProgrammeFactory")
    volunteer = factory.SubFactory(
        "initiatives.tests.factories.VolunteerFactory",
        initiative=factory.SelfAttribute("..programme.initiative"),
        active=True,
    )
    kind = Match.Kind.ONE_TO_ONE
    location_type = Match.LocationType.LIBRARY
    frequency = "weekly"
    session_minutes = 90
    start_date = factory.LazyFunction(lambda: days_ago(30))
    planned_end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(weeks=40))
    end_date = None
    end_reason = ""

    class Params:
        ended = factory.Trait(
            end_date=factory.LazyFunction(lambda: days_ago(1)),
            end_reason=Match.EndReason.COMPLETED,
        )


class MatchParticipantFactory(DjangoModelFactory):
    class Meta:
        model = MatchParticipant

    match = factory.SubFactory(MatchFactory)
    referral = factory.SubFactory(
        ReferralFactory, programme=factory.SelfAttribute("..match.programme"), matched=True
    )
    pupil = factory.SelfAttribute("referral.pupil")
    programme = factory.SelfAttribute("match.programme")
    joined_on = factory.SelfAttribute("match.start_date")
    left_on = None


class ContactMomentFactory(DjangoModelFactory):
    """A tutoring session held last week, with a short note."""

    class Meta:
        model = ContactMoment

    match = factory.SubFactory(MatchFactory)
    pupil = None
    kind = ContactMoment.Kind.SESSION
    date = factory.LazyFunction(lambda: days_ago(7))
    duration_minutes = 90
    attendance = ContactMoment.Attendance.HELD
    participants = factory.LazyFunction(lambda: ["volunteer", "pupil"])
    note = "Samen een boek gelezen; woorden geoefend."


class TripartiteMeetingFactory(DjangoModelFactory):
    class Meta:
        model = TripartiteMeeting

    referral = factory.SubFactory(ReferralFactory, intake=True)
    planned_at = factory.LazyFunction(lambda: moment_ago(14))
    held_on = factory.LazyAttribute(lambda o: timezone.localtime(o.planned_at).date())
    attendees = factory.LazyFunction(lambda: ["parent", "pupil", "teacher", "initiative"])
    agreements = "Wekelijks een uur lezen in de bibliotheek."
    parent_conditions = "Ouders zorgen dat hun kind op tijd aanwezig is."
    conditions_accepted = True


class ActionPlanFactory(DjangoModelFactory):
    class Meta:
        model = ActionPlan

    referral = factory.SubFactory(ReferralFactory, intake=True)
    meeting = factory.SubFactory(
        TripartiteMeetingFactory, referral=factory.SelfAttribute("..referral")
    )


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(ActionPlanFactory)
    description = "Maakt de stof voor de rekentoets af in zes weken."
    responsible = "Leerling en vrijwilliger"
    review_date = factory.LazyFunction(lambda: days_ago(-42))


class EvaluationFactory(DjangoModelFactory):
    class Meta:
        model = Evaluation

    referral = factory.SubFactory(ReferralFactory, matched=True)
    moment = Evaluation.Moment.MID
    held_on = factory.LazyFunction(lambda: days_ago(1))
    summary = "Gaat vooruit met lezen."


class GoalEvaluationFactory(DjangoModelFactory):
    """A goal result; the goal belongs to the evaluated referral's action plan."""

    class Meta:
        model = GoalEvaluation

    evaluation = factory.SubFactory(EvaluationFactory)
    goal = factory.SubFactory(
        GoalFactory,
        plan=factory.SubFactory(
            ActionPlanFactory, referral=factory.SelfAttribute("...evaluation.referral")
        ),
    )
    result = GoalEvaluation.Result.PARTLY
    note = ""


class ImpactMeasurementFactory(DjangoModelFactory):
    class Meta:
        model = ImpactMeasurement

    referral = factory.SubFactory(ReferralFactory, matched=True)
    moment = ImpactMeasurement.Moment.START
    measured_on = factory.LazyFunction(lambda: days_ago(1))


class ImpactQuestionFactory(DjangoModelFactory):
    class Meta:
        model = ImpactQuestion
        django_get_or_create = ("programme", "text")

    programme = factory.SubFactory("initiatives.tests.factories.ProgrammeFactory")
    text = "Leesplezier"
    order = 0


class ImpactScoreFactory(DjangoModelFactory):
    class Meta:
        model = ImpactScore

    measurement = factory.SubFactory(ImpactMeasurementFactory)
    question = factory.SubFactory(
        ImpactQuestionFactory,
        programme=factory.SelfAttribute("..measurement.referral.programme"),
    )
    score = 3


class PupilAvailabilityFactory(DjangoModelFactory):
    class Meta:
        model = PupilAvailability

    pupil = factory.SubFactory(PupilFactory)
    weekday = 3
    start_time = dt.time(14, 0)
    end_time = dt.time(16, 0)
