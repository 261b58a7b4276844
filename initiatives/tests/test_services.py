"""Writes for volunteers: profile, availability, status, screening and the initiative's rules."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.tests.factories import project_leader_of
from initiatives import services
from initiatives.models import (
    VOG,
    Availability,
    Initiative,
    Training,
    TrainingCompletion,
    Volunteer,
    VolunteerStatusChange,
)
from initiatives.services import TRANSITIONS, VolunteerProfile
from initiatives.tests.factories import (
    AvailabilityFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    VolunteerFactory,
    VolunteerStatusChangeFactory,
    days_ago,
)
from municipality.tests.factories import NeighbourhoodFactory

pytestmark = pytest.mark.django_db

S = Volunteer.Status
T = dt.time


def resolve(world, path: str):
    """``"a.project_leader"`` -> ``world.a.project_leader``."""
    obj = world
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def field_errors(error: ValidationError, field: str) -> list[str]:
    return [str(m) for m in error.message_dict.get(field, [])]


def nl(message: str) -> str:
    with translation.override("nl"):
        return gettext(message)


def profile(**overrides) -> VolunteerProfile:
    fields = {
        "first_name": "Sanne",
        "last_name": "de Vries",
        "email": "sanne@example.nl",
        "phone": "06-12345678",
        "postcode": "3531 ab",
        "languages": ["Nederlands", "Arabisch", " nederlands "],
        "subjects": ["rekenen", "begrijpend lezen"],
        "school_levels": ["VO", "PO"],
        "capacity": 2,
        "max_travel_km": 5,
        "online_possible": True,
    }
    fields.update(overrides)
    return VolunteerProfile(**fields)


def change(side, volunteer, to_status, *, days=0, reason="", user=None):
    return services.volunteer_change_status(
        user=user or side.project_leader,
        volunteer=volunteer,
        to_status=to_status,
        date=days_ago(days),
        reason=reason,
    )


# --- creating and editing -------------------------------------------------------


def test_leader_creates_an_applicant_with_profile_availability_and_first_history_line(world):
    neighbourhood = NeighbourhoodFactory(municipality=world.a.municipality, name="Lombok")

    volunteer = services.volunteer_create(
        user=world.a.project_leader,
        initiative=world.a.initiative,
        profile=profile(neighbourhood_ids=[neighbourhood.pk], programme_ids=[world.a.programme.pk]),
        availability=[(3, T(14), T(16)), (1, T(9), T(11))],
    )

    volunteer.refresh_from_db()
    assert volunteer.status == S.APPLICANT
    assert volunteer.initiative == world.a.initiative
    assert volunteer.postcode == "3531 AB"
    assert volunteer.languages == ["Nederlands", "Arabisch"]  # duplicates dropped
    assert volunteer.school_levels == ["PO", "VO"]
    assert volunteer.capacity == 2
    assert list(volunteer.neighbourhoods.all()) == [neighbourhood]
    assert list(volunteer.programmes.all()) == [world.a.programme]
    assert list(volunteer.availability.values_list("weekday", "start_time", "end_time")) == [
        (1, T(9), T(11)),
        (3, T(14), T(16)),
    ]
    (line,) = volunteer.status_changes.all()
    assert (line.from_status, line.to_status, line.date, line.changed_by) == (
        "",
        S.APPLICANT,
        timezone.localdate(),
        world.a.project_leader,
    )


@pytest.mark.parametrize("who", ["outsider", "b.project_leader", "a.volunteer_user"])
def test_only_the_initiatives_leaders_may_create_a_volunteer(world, who):
    user = resolve(world, who)
    before = Volunteer.objects.count()

    with pytest.raises(PermissionDenied):
        services.volunteer_create(user=user, initiative=world.a.initiative, profile=profile())

    assert Volunteer.objects.count() == before


def test_superuser_may_create_a_volunteer_for_any_initiative(world):
    volunteer = services.volunteer_create(
        user=world.superuser, initiative=world.b.initiative, profile=profile()
    )

    assert volunteer.initiative == world.b.initiative


def test_neighbourhood_outside_the_initiatives_municipalities_is_refused_and_nothing_saved(world):
    elsewhere = NeighbourhoodFactory(municipality=world.b.municipality)
    before = Volunteer.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.volunteer_create(
            user=world.a.project_leader,
            initiative=world.a.initiative,
            profile=profile(neighbourhood_ids=[elsewhere.pk]),
        )

    assert field_errors(caught.value, "neighbourhoods")
    assert Volunteer.objects.count() == before


def test_programme_of_another_initiative_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.volunteer_create(
            user=world.a.project_leader,
            initiative=world.a.initiative,
            profile=profile(programme_ids=[world.b.programme.pk]),
        )

    assert field_errors(caught.value, "programmes")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": "  "}, "first_name"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 21}, "capacity"),
        ({"school_levels": ["MBO"]}, "school_levels"),
        ({"max_travel_km": 500}, "max_travel_km"),
        ({"email": "geen-adres"}, "email"),
        ({"date_of_birth": dt.date(2999, 1, 1)}, "date_of_birth"),
    ],
)
def test_invalid_profile_is_refused_on_the_field(world, overrides, field):
    with pytest.raises(ValidationError) as caught:
        services.volunteer_create(
            user=world.a.project_leader, initiative=world.a.initiative, profile=profile(**overrides)
        )

    assert field_errors(caught.value, field)


def test_invalid_availability_on_create_saves_no_volunteer(world):
    before = Volunteer.objects.count()

    with pytest.raises(ValidationError) as caught:
        services.volunteer_create(
            user=world.a.project_leader,
            initiative=world.a.initiative,
            profile=profile(),
            availability=[(3, T(14), T(16)), (3, T(15), T(17))],
        )

    assert field_errors(caught.value, "availability")
    assert Volunteer.objects.count() == before
    assert not VolunteerStatusChange.objects.filter(volunteer__first_name="Sanne").exists()


def test_update_changes_the_profile_and_replaces_availability_only_when_given(world):
    volunteer = world.a.volunteer
    AvailabilityFactory(volunteer=volunteer, weekday=2)

    services.volunteer_update(
        user=world.a.project_leader, volunteer=volunteer, profile=profile(first_name="Fenna")
    )
    volunteer.refresh_from_db()
    assert volunteer.first_name == "Fenna"
    assert list(volunteer.availability.values_list("weekday", flat=True)) == [2]

    services.volunteer_update(
        user=world.a.project_leader,
        volunteer=volunteer,
        profile=profile(),
        availability=[(5, T(10), T(12))],
    )
    assert list(volunteer.availability.values_list("weekday", flat=True)) == [5]


def test_capacity_cannot_drop_below_the_pupils_the_volunteer_has_now(world):
    # world.a.volunteer is matched with one pupil; capacity 1 is fine, 0 never is,
    # so give them a second pupil first.
    from referrals.tests.factories import MatchParticipantFactory

    Volunteer.objects.filter(pk=world.a.volunteer.pk).update(capacity=3)
    MatchParticipantFactory(match=world.a.match)

    with pytest.raises(ValidationError) as caught:
        services.volunteer_update(
            user=world.a.project_leader, volunteer=world.a.volunteer, profile=profile(capacity=1)
        )

    assert field_errors(caught.value, "capacity")


def test_leader_of_another_initiative_may_not_update(world):
    with pytest.raises(PermissionDenied):
        services.volunteer_update(
            user=world.b.project_leader, volunteer=world.a.volunteer, profile=profile()
        )


# --- availability -------------------------------------------------------------------


def test_set_availability_replaces_the_whole_set(world):
    volunteer = world.a.volunteer
    AvailabilityFactory(volunteer=volunteer, weekday=1)
    AvailabilityFactory(volunteer=volunteer, weekday=2)

    services.volunteer_set_availability(
        user=world.a.project_leader,
        volunteer=volunteer,
        slots=[(4, T(15), T(17)), (4, T(17), T(18))],  # touching slots do not overlap
    )

    assert list(volunteer.availability.values_list("weekday", "start_time")) == [
        (4, T(15)),
        (4, T(17)),
    ]


@pytest.mark.parametrize(
    "slots",
    [
        [(3, T(16), T(14))],  # ends before it starts
        [(3, T(14), T(14))],  # empty
        [(8, T(14), T(16))],  # no such day
        [(1, T(9), T(12)), (1, T(11), T(13))],  # overlap
    ],
)
def test_invalid_availability_rows_save_nothing(world, slots):
    volunteer = world.a.volunteer
    AvailabilityFactory(volunteer=volunteer, weekday=2)

    with pytest.raises(ValidationError) as caught:
        services.volunteer_set_availability(
            user=world.a.project_leader, volunteer=volunteer, slots=[(5, T(9), T(10)), *slots]
        )

    assert field_errors(caught.value, "availability")
    assert list(Availability.objects.filter(volunteer=volunteer).values_list("weekday")) == [(2,)]


def test_outsider_may_not_set_availability(world):
    with pytest.raises(PermissionDenied):
        services.volunteer_set_availability(
            user=world.outsider, volunteer=world.a.volunteer, slots=[]
        )


# --- status -----------------------------------------------------------------------

ALLOWED = sorted((f, t) for f, targets in TRANSITIONS.items() for t in targets)
REFUSED = sorted(
    (f, t) for f, t in itertools.product(S.values, S.values) if t not in TRANSITIONS.get(f, ())
)


def volunteer_in(side, status: str) -> Volunteer:
    fields = {"status": status}
    if status in (S.ACTIVE, S.PAUSED):
        fields["start_date"] = days_ago(60)
    if status == S.STOPPED:
        fields.update(start_date=days_ago(60), end_date=days_ago(30), stop_reason="Verhuisd")
    return VolunteerFactory(initiative=side.initiative, **fields)


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_the_history(world, from_status, to_status):
    volunteer = volunteer_in(world.a, from_status)

    result = change(world.a, volunteer, to_status, days=2, reason="Besproken in het gesprek")

    volunteer.refresh_from_db()
    assert result.status == volunteer.status == to_status
    line = volunteer.status_changes.get()
    assert (line.from_status, line.to_status, line.date, line.reason, line.changed_by) == (
        from_status,
        to_status,
        days_ago(2),
        "Besproken in het gesprek",
        world.a.project_leader,
    )


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_refused_transition_says_which_and_changes_nothing(world, from_status, to_status):
    volunteer = volunteer_in(world.a, from_status)

    with pytest.raises(ValidationError) as caught:
        change(world.a, volunteer, to_status, reason="Reden")

    assert caught.value.code == "invalid_transition"
    (message,) = field_errors(caught.value, "to_status")
    with translation.override("nl"):
        assert str(S(from_status).label) in message
        assert str(S(to_status).label) in message
    volunteer.refresh_from_db()
    assert volunteer.status == from_status
    assert not volunteer.status_changes.exists()


def test_transition_table_lets_every_status_be_left_and_reached():
    reachable = {t for targets in TRANSITIONS.values() for t in targets}
    assert set(TRANSITIONS) == set(S.values)
    assert reachable == set(S.values)


def test_going_active_sets_the_start_date_the_first_time_only(world):
    volunteer = volunteer_in(world.a, S.SCREENING)

    change(world.a, volunteer, S.ACTIVE, days=20)
    change(world.a, volunteer, S.PAUSED, days=10, reason="Tentamens")
    change(world.a, volunteer, S.ACTIVE, days=3)

    volunteer.refresh_from_db()
    assert volunteer.start_date == days_ago(20)
    assert list(volunteer.status_changes.values_list("to_status", flat=True)) == [
        S.ACTIVE,
        S.PAUSED,
        S.ACTIVE,
    ]


def test_stopping_requires_a_reason(world):
    volunteer = volunteer_in(world.a, S.ACTIVE)

    with pytest.raises(ValidationError) as caught:
        change(world.a, volunteer, S.STOPPED, reason="   ")

    assert field_errors(caught.value, "reason") == [nl("Give the reason why the volunteer stops.")]
    volunteer.refresh_from_db()
    assert volunteer.status == S.ACTIVE


def test_stopping_sets_end_date_and_reason(world):
    volunteer = volunteer_in(world.a, S.PAUSED)

    change(world.a, volunteer, S.STOPPED, days=1, reason="Nieuwe baan")

    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.end_date, volunteer.stop_reason) == (
        S.STOPPED,
        days_ago(1),
        "Nieuwe baan",
    )


def test_stopping_is_refused_while_the_volunteer_has_active_matches(world):
    with pytest.raises(ValidationError) as caught:
        change(world.a, world.a.volunteer, S.STOPPED, reason="Verhuisd")

    assert caught.value.code == "active_matches"
    world.a.volunteer.refresh_from_db()
    assert world.a.volunteer.status == S.ACTIVE


def test_cannot_stop_before_the_start_date(world):
    volunteer = volunteer_in(world.a, S.ACTIVE)  # started 60 days ago

    with pytest.raises(ValidationError) as caught:
        change(world.a, volunteer, S.STOPPED, days=61, reason="Verhuisd")

    assert field_errors(caught.value, "date")


def test_status_date_in_the_future_is_refused(world):
    volunteer = volunteer_in(world.a, S.APPLICANT)

    with pytest.raises(ValidationError) as caught:
        change(world.a, volunteer, S.SCREENING, days=-1)

    assert field_errors(caught.value, "date") == [
        nl("The date of a status change cannot be in the future.")
    ]


def test_status_date_before_the_previous_change_is_refused(world):
    volunteer = volunteer_in(world.a, S.ACTIVE)
    VolunteerStatusChangeFactory(volunteer=volunteer, date=days_ago(5))

    with pytest.raises(ValidationError) as caught:
        change(world.a, volunteer, S.PAUSED, days=6)

    assert field_errors(caught.value, "date")


def test_a_former_volunteer_who_returns_starts_over_and_keeps_the_history(world):
    volunteer = volunteer_in(world.a, S.SCREENING)
    change(world.a, volunteer, S.ACTIVE, days=30)
    change(world.a, volunteer, S.STOPPED, days=20, reason="Verhuisd")

    change(world.a, volunteer, S.APPLICANT, days=1, reason="Terug in de stad")

    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.start_date, volunteer.end_date, volunteer.stop_reason) == (
        S.APPLICANT,
        None,
        None,
        "",
    )
    assert volunteer.status_changes.count() == 3


def test_leader_of_another_initiative_may_not_change_the_status(world):
    volunteer = volunteer_in(world.a, S.APPLICANT)

    with pytest.raises(PermissionDenied):
        change(world.a, volunteer, S.SCREENING, user=world.b.project_leader)

    volunteer.refresh_from_db()
    assert volunteer.status == S.APPLICANT


def test_a_volunteer_may_not_change_their_own_status(world):
    with pytest.raises(PermissionDenied):
        change(world.a, world.a.volunteer, S.PAUSED, user=world.a.volunteer_user)


# --- screening -------------------------------------------------------------------


def test_intake_is_recorded_with_date_and_notes(world):
    volunteer = volunteer_in(world.a, S.APPLICANT)

    services.volunteer_record_intake(
        user=world.a.project_leader, volunteer=volunteer, date=days_ago(2), notes=" Gemotiveerd "
    )

    volunteer.refresh_from_db()
    assert (volunteer.intake_date, volunteer.intake_notes) == (days_ago(2), "Gemotiveerd")


def test_intake_in_the_future_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.volunteer_record_intake(
            user=world.a.project_leader,
            volunteer=world.a.volunteer,
            date=days_ago(-1),
            notes="",
        )

    assert field_errors(caught.value, "date")


def test_vog_is_recorded_with_the_checking_leader(world):
    vog = services.vog_record(
        user=world.a.project_leader,
        volunteer=world.a.volunteer,
        issued_on=days_ago(40),
        checked_on=days_ago(35),
    )

    assert (vog.volunteer, vog.issued_on, vog.checked_on, vog.checked_by) == (
        world.a.volunteer,
        days_ago(40),
        days_ago(35),
        world.a.project_leader,
    )


@time_machine.travel(dt.datetime(2025, 3, 10, 23, 30, tzinfo=dt.UTC))  # 00:30 in Utrecht
def test_vog_issued_tomorrow_is_refused_with_a_clear_message(world):
    today = timezone.localdate()
    assert today == dt.date(2025, 3, 11)

    with pytest.raises(ValidationError) as caught:
        services.vog_record(
            user=world.a.project_leader,
            volunteer=world.a.volunteer,
            issued_on=today + dt.timedelta(days=1),
            checked_on=today,
        )

    assert field_errors(caught.value, "issued_on") == [
        nl("The issue date cannot be in the future.")
    ]
    assert not VOG.objects.filter(volunteer=world.a.volunteer).exists()


def test_vog_issued_today_and_checked_today_is_accepted(world):
    today = timezone.localdate()

    services.vog_record(
        user=world.a.project_leader, volunteer=world.a.volunteer, issued_on=today, checked_on=today
    )

    assert VOG.objects.filter(volunteer=world.a.volunteer, issued_on=today).exists()


def test_vog_checked_before_it_was_issued_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.vog_record(
            user=world.a.project_leader,
            volunteer=world.a.volunteer,
            issued_on=days_ago(10),
            checked_on=days_ago(11),
        )

    (message,) = field_errors(caught.value, "checked_on")
    with translation.override("nl"):
        assert message.startswith(
            gettext("The original cannot have been checked before it was issued (%(date)s).")
            .split("(")[0]
            .strip()
        )


def test_vog_checked_in_the_future_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.vog_record(
            user=world.a.project_leader,
            volunteer=world.a.volunteer,
            issued_on=days_ago(10),
            checked_on=days_ago(-2),
        )

    assert field_errors(caught.value, "checked_on")


def test_outsider_may_not_record_a_vog(world):
    with pytest.raises(PermissionDenied):
        services.vog_record(
            user=world.b.project_leader,
            volunteer=world.a.volunteer,
            issued_on=days_ago(10),
            checked_on=days_ago(9),
        )


def test_training_is_recorded(world):
    training = TrainingFactory(initiative=world.a.initiative)

    completion = services.training_record(
        user=world.a.project_leader,
        volunteer=world.a.volunteer,
        training=training,
        completed_on=days_ago(3),
    )

    assert (completion.training, completion.completed_on) == (training, days_ago(3))


def test_training_of_another_initiative_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.training_record(
            user=world.a.project_leader,
            volunteer=world.a.volunteer,
            training=TrainingFactory(initiative=world.b.initiative),
            completed_on=days_ago(3),
        )

    assert field_errors(caught.value, "training")


def test_training_recorded_twice_is_refused_with_the_first_date(world):
    completion = TrainingCompletionFactory(volunteer=world.a.volunteer)

    with pytest.raises(ValidationError) as caught:
        services.training_record(
            user=world.a.project_leader,
            volunteer=world.a.volunteer,
            training=completion.training,
            completed_on=days_ago(1),
        )

    assert caught.value.code == "already_recorded"
    assert TrainingCompletion.objects.filter(volunteer=world.a.volunteer).count() == 1


def test_training_followed_in_the_future_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.training_record(
            user=world.a.project_leader,
            volunteer=world.a.volunteer,
            training=TrainingFactory(initiative=world.a.initiative),
            completed_on=days_ago(-1),
        )

    assert field_errors(caught.value, "completed_on")


# --- the initiative's rules ---------------------------------------------------------


def rules(side, *, user=None, **overrides):
    fields = {
        "vog_max_age_years": 2,
        "required_training_ids": [],
        "volunteers_log_sessions": False,
        "attention_no_session_weeks": 4,
    }
    fields.update(overrides)
    return services.initiative_update_rules(
        user=user or side.project_leader, initiative=side.initiative, **fields
    )


def test_rules_are_saved_and_the_required_set_is_replaced(world):
    basis = TrainingFactory(initiative=world.a.initiative, required=True)
    veiligheid = TrainingFactory(initiative=world.a.initiative)

    rules(world.a, required_training_ids=[veiligheid.pk])

    initiative = Initiative.objects.get(pk=world.a.initiative.pk)
    assert (
        initiative.vog_max_age_years,
        initiative.volunteers_log_sessions,
        initiative.attention_no_session_weeks,
    ) == (2, False, 4)
    assert list(Training.objects.filter(required=True)) == [veiligheid]
    basis.refresh_from_db()
    assert not basis.required


def test_rules_refuse_a_training_of_another_initiative(world):
    other = TrainingFactory(initiative=world.b.initiative)

    with pytest.raises(ValidationError) as caught:
        rules(world.a, required_training_ids=[other.pk])

    assert field_errors(caught.value, "required_trainings")
    other.refresh_from_db()
    assert not other.required


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"vog_max_age_years": 0}, "vog_max_age_years"),
        ({"vog_max_age_years": 11}, "vog_max_age_years"),
        ({"attention_no_session_weeks": 0}, "attention_no_session_weeks"),
    ],
)
def test_rules_out_of_range_are_refused_and_nothing_changes(world, overrides, field):
    with pytest.raises(ValidationError) as caught:
        rules(world.a, **overrides)

    assert field_errors(caught.value, field)
    assert Initiative.objects.get(pk=world.a.initiative.pk).vog_max_age_years == 3


def test_only_the_initiatives_leaders_may_change_its_rules(world):
    with pytest.raises(PermissionDenied):
        rules(world.a, user=world.b.project_leader)
    with pytest.raises(PermissionDenied):
        rules(world.a, user=world.a.volunteer_user)


def test_a_second_leader_of_the_initiative_may_change_its_rules(world):
    colleague = project_leader_of(world.a.initiative)

    rules(world.a, user=colleague, vog_max_age_years=1)

    assert Initiative.objects.get(pk=world.a.initiative.pk).vog_max_age_years == 1


def test_training_is_created_for_the_initiative(world):
    training = services.training_create(
        user=world.a.project_leader,
        initiative=world.a.initiative,
        name="  Omgaan met  meertaligheid ",
        required=True,
    )

    assert (training.initiative, training.name, training.required) == (
        world.a.initiative,
        "Omgaan met meertaligheid",
        True,
    )


def test_training_with_an_existing_name_is_refused_ignoring_case(world):
    TrainingFactory(initiative=world.a.initiative, name="Basistraining")

    with pytest.raises(ValidationError) as caught:
        services.training_create(
            user=world.a.project_leader, initiative=world.a.initiative, name="basistraining"
        )

    assert field_errors(caught.value, "name")


def test_same_training_name_in_another_initiative_is_fine(world):
    TrainingFactory(initiative=world.b.initiative, name="Basistraining")

    services.training_create(
        user=world.a.project_leader, initiative=world.a.initiative, name="Basistraining"
    )


def test_outsider_may_not_create_a_training(world):
    with pytest.raises(PermissionDenied):
        services.training_create(user=world.outsider, initiative=world.a.initiative, name="X")
