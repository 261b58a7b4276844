"""Database constraints on initiatives, programmes and volunteers."""

import datetime as dt

import pytest
from django.utils import timezone

from core.tests.constraints import violates
from initiatives.models import (
    VOG,
    Availability,
    Initiative,
    Programme,
    ProgrammePlaces,
    TrainingCompletion,
    Volunteer,
)
from initiatives.tests.factories import (
    AvailabilityFactory,
    InitiativeFactory,
    ProgrammeFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    VOGFactory,
    VolunteerFactory,
)
from schools.tests.factories import SchoolLocationFactory

pytestmark = pytest.mark.django_db


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_vog_max_age_of_zero_years_is_rejected_by_database():
    initiative = InitiativeFactory()

    with violates("initiative_vog_max_age_positive"):
        Initiative.objects.filter(pk=initiative.pk).update(vog_max_age_years=0)


def test_attention_period_of_zero_weeks_is_rejected_by_database():
    initiative = InitiativeFactory()

    with violates("initiative_attention_weeks_positive"):
        Initiative.objects.filter(pk=initiative.pk).update(attention_no_session_weeks=0)


def test_two_programmes_with_one_name_in_one_initiative_are_rejected_by_database():
    programme = ProgrammeFactory(name="Huiswerkhulp Utrecht")

    with violates("programme_unique_name_per_initiative"):
        ProgrammeFactory(initiative=programme.initiative, name="Huiswerkhulp Utrecht")


def test_programme_max_age_below_min_age_is_rejected_by_database():
    programme = ProgrammeFactory()

    with violates("programme_age_range_valid"):
        Programme.objects.filter(pk=programme.pk).update(min_age=12, max_age=10)


def test_programme_max_grade_below_min_grade_is_rejected_by_database():
    programme = ProgrammeFactory()

    with violates("programme_grade_range_valid"):
        Programme.objects.filter(pk=programme.pk).update(min_grade=8, max_grade=5)


@pytest.mark.parametrize("minutes", [0, 481])
def test_programme_session_length_out_of_range_is_rejected_by_database(minutes):
    programme = ProgrammeFactory()

    with violates("programme_session_minutes_range"):
        Programme.objects.filter(pk=programme.pk).update(session_minutes=minutes)


def test_programme_group_size_zero_is_rejected_by_database():
    programme = ProgrammeFactory(group=True)

    with violates("programme_group_size_positive"):
        Programme.objects.filter(pk=programme.pk).update(group_size_max=0)


def test_one_to_one_programme_with_group_size_above_one_is_rejected_by_database():
    programme = ProgrammeFactory(format=Programme.Format.ONE_TO_ONE)

    with violates("programme_one_to_one_has_group_size_one"):
        Programme.objects.filter(pk=programme.pk).update(group_size_max=4)


def test_places_twice_for_one_school_and_school_year_are_rejected_by_database():
    programme = ProgrammeFactory()
    school = SchoolLocationFactory()
    ProgrammePlaces.objects.create(programme=programme, school=school, school_year=2025, places=5)

    with violates("programme_places_unique"):
        ProgrammePlaces.objects.create(
            programme=programme, school=school, school_year=2025, places=8
        )


def test_two_trainings_with_one_name_in_one_initiative_are_rejected_by_database():
    training = TrainingFactory(name="Basistraining")

    with violates("training_unique_name"):
        TrainingFactory(initiative=training.initiative, name="Basistraining")


def test_volunteer_end_date_before_start_is_rejected_by_database():
    volunteer = VolunteerFactory(active=True)

    with violates("volunteer_end_not_before_start"):
        Volunteer.objects.filter(pk=volunteer.pk).update(
            end_date=volunteer.start_date - dt.timedelta(days=1)
        )


@pytest.mark.parametrize("capacity", [0, 21])
def test_volunteer_capacity_out_of_range_is_rejected_by_database(capacity):
    volunteer = VolunteerFactory()

    with violates("volunteer_capacity_range"):
        Volunteer.objects.filter(pk=volunteer.pk).update(capacity=capacity)


def test_stopped_volunteer_without_end_date_is_rejected_by_database():
    volunteer = VolunteerFactory(active=True)

    with violates("volunteer_stopped_has_end_date"):
        Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.STOPPED)


@pytest.mark.parametrize("end", [dt.time(14, 0), dt.time(13, 0)], ids=["same-time", "earlier"])
def test_availability_ending_before_it_starts_is_rejected_by_database(end):
    slot = AvailabilityFactory(start_time=dt.time(14, 0), end_time=dt.time(17, 0))

    with violates("availability_end_after_start"):
        Availability.objects.filter(pk=slot.pk).update(end_time=end)


@pytest.mark.parametrize("weekday", [0, 8])
def test_availability_weekday_out_of_range_is_rejected_by_database(weekday):
    slot = AvailabilityFactory()

    with violates("availability_weekday_range"):
        Availability.objects.filter(pk=slot.pk).update(weekday=weekday)


def test_vog_issue_date_in_the_future_is_rejected_by_database():
    vog = VOGFactory()

    with violates("vog_issue_date_not_in_future"):
        VOG.objects.filter(pk=vog.pk).update(issued_on=in_days(2), checked_on=in_days(3))


def test_vog_issued_yesterday_is_accepted_by_database():
    vog = VOGFactory(issued_on=in_days(-1), checked_on=in_days(-1))

    assert VOG.objects.filter(pk=vog.pk).exists()


def test_vog_checked_before_it_was_issued_is_rejected_by_database():
    vog = VOGFactory()

    with violates("vog_checked_after_issue"):
        VOG.objects.filter(pk=vog.pk).update(checked_on=vog.issued_on - dt.timedelta(days=1))


def test_one_training_completed_twice_by_one_volunteer_is_rejected_by_database():
    completion = TrainingCompletionFactory()

    with violates("training_completion_unique"):
        TrainingCompletionFactory(volunteer=completion.volunteer, training=completion.training)


def test_training_completed_in_the_future_is_rejected_by_database():
    completion = TrainingCompletionFactory()

    with violates("training_completion_not_in_future"):
        TrainingCompletion.objects.filter(pk=completion.pk).update(completed_on=in_days(2))


# --- drop-in language café -----------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "fields"),
    [
        ("dropin_headcount_range", {"headcount": 501}),
        ("dropin_date_not_in_future", {"days_ahead": 2}),
        ("dropin_first_visits_within_headcount", {"headcount": 3, "first_visits": 4}),
        ("dropin_duration_range", {"duration_minutes": 0}),
        ("dropin_volunteers_range", {"volunteers_present": 501}),
    ],
)
def test_drop_in_session_constraints(world, constraint, fields):
    import datetime as _dt

    from django.db import IntegrityError, transaction
    from django.utils import timezone as _tz

    from initiatives.models import DropInSession

    fields = dict(fields)
    day = _tz.localdate() + _dt.timedelta(days=fields.pop("days_ahead", 0))
    values = {"headcount": 10, **fields}
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        DropInSession.objects.create(programme=world.a.programme, date=day, **values)
