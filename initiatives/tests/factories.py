"""Factories for initiatives, programmes and volunteers.

Dates that the database checks against "now" (VOG issue date, training
completion) lie safely in the past.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Membership, Role
from accounts.tests.factories import plain_name
from initiatives.models import (
    VOG,
    Availability,
    Initiative,
    Programme,
    Training,
    TrainingCompletion,
    Volunteer,
    VolunteerStatusChange,
)


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


class InitiativeFactory(DjangoModelFactory):
    """An initiative. Pass ``municipalities=[...]`` to say where it works."""

    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Stichting Taalmaatjes {n}")
    email = factory.LazyAttribute(lambda o: f"info@{o.name.lower().replace(' ', '-')}.nl")

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.add(*extracted)


class ProgrammeFactory(DjangoModelFactory):
    """A one-to-one language programme.

    Pass ``municipalities=[...]`` (served) and ``schools=[...]`` (restricted to).
    """

    class Meta:
        model = Programme
        skip_postgeneration_save = True

    initiative = factory.SubFactory(InitiativeFactory)
    name = factory.Sequence(lambda n: f"Taalmentoraat {n}")
    support_type = Programme.SupportType.LANGUAGE
    format = Programme.Format.ONE_TO_ONE
    group_size_max = 1

    class Params:
        group = factory.Trait(format=Programme.Format.GROUP, group_size_max=6)
        adult = factory.Trait(audience=Programme.Audience.ADULTS, planned_meetings=20)
        drop_in = factory.Trait(
            audience=Programme.Audience.ADULTS, format=Programme.Format.DROP_IN, group_size_max=1
        )

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.add(*extracted)

    @factory.post_generation
    def schools(self, create, extracted, **kwargs):
        if create and extracted:
            self.schools.add(*extracted)


class TrainingFactory(DjangoModelFactory):
    class Meta:
        model = Training

    initiative = factory.SubFactory(InitiativeFactory)
    name = factory.Sequence(lambda n: f"Basistraining taalcoach {n}")


class VolunteerFactory(DjangoModelFactory):
    """A volunteer record; an applicant unless a trait says otherwise.

    Traits: ``active`` (started three months ago), ``stopped`` (ended last week).
    Pass ``user=...`` to link an account; ``with_account=True`` creates one.
    Either way the account gets a volunteer membership of the initiative.
    """

    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    initiative = factory.SubFactory(InitiativeFactory)
    user = None
    first_name = plain_name("first_name")
    last_name = plain_name("last_name")
    email = factory.Sequence(lambda n: f"vrijwilliger{n}@example.nl")
    phone = factory.Sequence(lambda n: f"06-{n:08d}")
    postcode = "3531 AB"
    status = Volunteer.Status.APPLICANT
    languages = factory.LazyFunction(lambda: ["nl"])
    school_levels = factory.LazyFunction(lambda: ["PO"])
    capacity = 1
    max_travel_km = 10

    class Params:
        with_account = factory.Trait(
            user=factory.SubFactory(
                "accounts.tests.factories.UserFactory",
                email=factory.SelfAttribute("..email"),
                first_name=factory.SelfAttribute("..first_name"),
                last_name=factory.SelfAttribute("..last_name"),
            )
        )
        active = factory.Trait(
            status=Volunteer.Status.ACTIVE,
            intake_date=factory.LazyFunction(lambda: days_ago(100)),
            start_date=factory.LazyFunction(lambda: days_ago(90)),
        )
        stopped = factory.Trait(
            status=Volunteer.Status.STOPPED,
            start_date=factory.LazyFunction(lambda: days_ago(300)),
            end_date=factory.LazyFunction(lambda: days_ago(7)),
            stop_reason="Verhuisd",
        )

    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        if create and self.user_id and extracted is not False:
            Membership.objects.get_or_create(
                user_id=self.user_id, role=Role.VOLUNTEER, initiative_id=self.initiative_id
            )


class VOGFactory(DjangoModelFactory):
    """A VOG issued a month ago and checked a week later."""

    class Meta:
        model = VOG

    volunteer = factory.SubFactory(VolunteerFactory)
    issued_on = factory.LazyFunction(lambda: days_ago(30))
    checked_by = factory.SubFactory("accounts.tests.factories.UserFactory")
    checked_on = factory.LazyAttribute(lambda o: o.issued_on + dt.timedelta(days=7))


class AvailabilityFactory(DjangoModelFactory):
    """Wednesday afternoon, 14:00 to 17:00."""

    class Meta:
        model = Availability

    volunteer = factory.SubFactory(VolunteerFactory)
    weekday = 3
    start_time = dt.time(14, 0)
    end_time = dt.time(17, 0)


class TrainingCompletionFactory(DjangoModelFactory):
    class Meta:
        model = TrainingCompletion

    volunteer = factory.SubFactory(VolunteerFactory)
    training = factory.SubFactory(
        TrainingFactory, initiative=factory.SelfAttribute("..volunteer.initiative")
    )
    completed_on = factory.LazyFunction(lambda: days_ago(14))


class VolunteerStatusChangeFactory(DjangoModelFactory):
    """A line of a volunteer's status history: became active a week ago."""

    class Meta:
        model = VolunteerStatusChange

    volunteer = factory.SubFactory(VolunteerFactory)
    from_status = Volunteer.Status.SCREENING
    to_status = Volunteer.Status.ACTIVE
    date = factory.LazyFunction(lambda: days_ago(7))
    reason = ""
