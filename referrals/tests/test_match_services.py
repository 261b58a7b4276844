"""The match life cycle: create, confirm a batch, end, replace, groups, availability."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from initiatives.models import Programme, Volunteer
from initiatives.tests.factories import (
    ProgrammeFactory,
    TrainingFactory,
    VOGFactory,
    VolunteerFactory,
)
from referrals.models import (
    ContactMoment,
    Match,
    MatchParticipant,
    PupilAvailability,
    Referral,
    ReferralStatusChange,
)
from referrals.services.match_changes import (
    match_add_participant,
    match_end,
    match_remove_participant,
    match_replace_volunteer,
    pupil_set_availability,
)
from referrals.services.matches import match_confirm_proposal, match_create
from referrals.tests.factories import (
    ContactMomentFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilAvailabilityFactory,
    PupilFactory,
    ReferralFactory,
    days_ago,
)

S = Referral.Status
R = Match.EndReason
L = Match.LocationType


def eligible(side, **fields) -> Volunteer:
    """An active volunteer of ``side``'s initiative with a valid VOG."""
    volunteer = VolunteerFactory(initiative=side.initiative, active=True, **fields)
    VOGFactory(volunteer=volunteer)
    return volunteer


def waiting(side, programme=None, **fields) -> Referral:
    """A school referral of ``side``, on the waitlist, submitted by its school referrer."""
    programme = programme or side.programme
    pupil = PupilFactory(initiative=side.initiative, school=side.school)
    return ReferralFactory(
        pupil=pupil,
        programme=programme,
        waiting=True,
        referred_by=side.school_referrer,
        **fields,
    )


def group_programme(side, size=3) -> Programme:
    return ProgrammeFactory(
        initiative=side.initiative,
        group=True,
        group_size_max=size,
        municipalities=[side.municipality],
    )


def create(side, referrals, volunteer, user=None, **kwargs) -> Match:
    kwargs.setdefault("location_type", L.SCHOOL)
    kwargs.setdefault("start_date", timezone.localdate())
    return match_create(
        user=user or side.project_leader, referrals=referrals, volunteer=volunteer, **kwargs
    )


def messages_of(error: ValidationError) -> str:
    return " ".join(error.value.messages)


# --- create ----------------------------------------------------------------------


def test_matching_a_waiting_pupil_uses_the_programmes_defaults(
    world, django_capture_on_commit_callbacks
):
    programme = world.a.programme
    programme.session_frequency = Programme.Frequency.TWICE_WEEKLY
    programme.session_minutes = 60
    programme.usual_duration_weeks = 20
    programme.save()
    referral = waiting(world.a)
    volunteer = eligible(world.a)
    start = timezone.localdate()

    with django_capture_on_commit_callbacks(execute=True):
        match = create(world.a, [referral], volunteer, start_date=start)

    assert match.kind == Match.Kind.ONE_TO_ONE
    assert match.frequency == "twice_weekly"
    assert match.session_minutes == 60
    assert match.planned_end_date == start + dt.timedelta(weeks=20)
    assert match.created_by == world.a.project_leader
    participant = match.participants.get()
    assert (participant.pupil, participant.referral, participant.joined_on) == (
        referral.pupil,
        referral,
        start,
    )
    referral.refresh_from_db()
    assert referral.status == S.MATCHED
    change = ReferralStatusChange.objects.filter(referral=referral).last()
    assert (change.from_status, change.to_status) == (S.WAITING, S.MATCHED)
    # the school referrer is told, after commit
    assert [m.to for m in mail.outbox] == [[world.a.school_referrer.email]]


def test_given_frequency_duration_and_planned_end_override_the_defaults(world):
    start = timezone.localdate()
    match = create(
        world.a,
        [waiting(world.a)],
        eligible(world.a),
        frequency="fortnightly",
        session_minutes=45,
        planned_end_date=start + dt.timedelta(days=70),
        location_type=L.LIBRARY,
    )

    assert (match.frequency, match.session_minutes, match.location_type) == (
        "fortnightly",
        45,
        "library",
    )
    assert match.planned_end_date == start + dt.timedelta(days=70)


def _no_vog(side):
    return VolunteerFactory(initiative=side.initiative, active=True)


def _old_vog(side):
    volunteer = VolunteerFactory(initiative=side.initiative, active=True)
    VOGFactory(volunteer=volunteer, issued_on=days_ago(3 * 365 + 5))
    return volunteer


def _no_capacity(side):
    volunteer = eligible(side, capacity=1)
    MatchParticipantFactory(match=MatchFactory(programme=side.programme, volunteer=volunteer))
    return volunteer


def _paused(side):
    return eligible(side, status=Volunteer.Status.PAUSED)


def _other_initiative(side):
    return eligible_elsewhere()


def eligible_elsewhere():
    volunteer = VolunteerFactory(active=True)
    VOGFactory(volunteer=volunteer)
    return volunteer


def _missing_training(side):
    TrainingFactory(initiative=side.initiative, name="Kindveiligheid", required=True)
    return eligible(side)


def _other_programme_only(side):
    volunteer = eligible(side)
    volunteer.programmes.add(ProgrammeFactory(initiative=side.initiative))
    return volunteer


@pytest.mark.parametrize(
    ("make_volunteer", "expected"),
    [
        (_no_vog, "No VOG has been recorded"),
        (_old_vog, "is older than 3 years"),
        (_no_capacity, "No free capacity"),
        (_paused, "is not active"),
        (_other_initiative, "does not work for the initiative"),
        (_missing_training, "Kindveiligheid"),
        (_other_programme_only, "does not work in this programme"),
    ],
)
def test_a_volunteer_who_breaks_a_hard_rule_is_refused_with_the_reason(
    world, make_volunteer, expected
):
    referral = waiting(world.a)
    volunteer = make_volunteer(world.a)

    with translation.override("en"), pytest.raises(ValidationError) as error:
        create(world.a, [referral], volunteer)

    assert "volunteer" in error.value.message_dict
    assert expected in " ".join(error.value.message_dict["volunteer"])
    referral.refresh_from_db()
    assert referral.status == S.WAITING
    assert not MatchParticipant.objects.filter(referral=referral).exists()


def test_only_waiting_referrals_can_be_matched(world):
    with pytest.raises(ValidationError) as error:
        create(world.a, [world.a.referral], eligible(world.a))  # already matched

    assert "referrals" in error.value.message_dict
    assert Match.objects.filter(participants__referral=world.a.referral).count() == 1


def test_a_referral_of_another_programme_cannot_join(world):
    other = ProgrammeFactory(initiative=world.a.initiative, group=True)
    with pytest.raises(ValidationError):
        create(world.a, [waiting(world.a, programme=other), waiting(world.a)], eligible(world.a))


@pytest.mark.parametrize("who", ["b_leader", "volunteer", "school", "outsider"])
def test_only_the_initiatives_project_leaders_may_match(world, who):
    user = {
        "b_leader": world.b.project_leader,
        "volunteer": world.a.volunteer_user,
        "school": world.a.school_referrer,
        "outsider": world.outsider,
    }[who]
    referral = waiting(world.a)

    with pytest.raises(PermissionDenied):
        create(world.a, [referral], eligible(world.a), user=user)

    referral.refresh_from_db()
    assert referral.status == S.WAITING


def test_an_administrator_may_match(world):
    match = create(world.a, [waiting(world.a)], eligible(world.a), user=world.superuser)
    assert match.pk


# --- location ---------------------------------------------------------------------


def test_the_location_is_required(world):
    with pytest.raises(ValidationError) as error:
        create(world.a, [waiting(world.a)], eligible(world.a), location_type="")
    assert "location_type" in error.value.message_dict


def test_online_needs_an_online_programme_or_volunteer(world):
    referral = waiting(world.a)
    with pytest.raises(ValidationError) as error:
        create(world.a, [referral], eligible(world.a), location_type=L.ONLINE)
    assert "location_type" in error.value.message_dict

    match = create(
        world.a, [referral], eligible(world.a, online_possible=True), location_type=L.ONLINE
    )
    assert match.location_type == L.ONLINE


def test_online_is_possible_in_an_online_programme(world):
    world.a.programme.online = True
    world.a.programme.save()
    match = create(world.a, [waiting(world.a)], eligible(world.a), location_type=L.ONLINE)
    assert match.location_type == L.ONLINE


def test_the_planned_end_cannot_be_before_the_start(world):
    with pytest.raises(ValidationError) as error:
        create(
            world.a,
            [waiting(world.a)],
            eligible(world.a),
            planned_end_date=timezone.localdate() - dt.timedelta(days=1),
        )
    assert "planned_end_date" in error.value.message_dict


# --- groups ----------------------------------------------------------------------------


def test_a_one_to_one_programme_takes_one_pupil_per_match(world):
    referrals = [waiting(world.a), waiting(world.a)]
    with pytest.raises(ValidationError) as error:
        create(world.a, referrals, eligible(world.a, capacity=2))
    assert "referrals" in error.value.message_dict
    assert all(Referral.objects.get(pk=r.pk).status == S.WAITING for r in referrals)


def test_a_group_match_takes_several_pupils_up_to_the_group_size(world):
    programme = group_programme(world.a, size=3)
    referrals = [waiting(world.a, programme=programme) for _ in range(3)]

    match = create(world.a, referrals, eligible(world.a, capacity=3))

    assert match.kind == Match.Kind.GROUP
    assert match.participants.count() == 3
    assert set(
        Referral.objects.filter(pk__in=[r.pk for r in referrals]).values_list("status", flat=True)
    ) == {S.MATCHED}


def test_a_group_larger_than_the_programme_allows_is_refused(world):
    programme = group_programme(world.a, size=2)
    referrals = [waiting(world.a, programme=programme) for _ in range(3)]

    with pytest.raises(ValidationError) as error:
        create(world.a, referrals, eligible(world.a, capacity=5))

    assert "referrals" in error.value.message_dict
    assert not Match.objects.filter(programme=programme).exists()


def test_a_group_counts_every_pupil_against_the_volunteers_capacity(world):
    programme = group_programme(world.a, size=4)
    referrals = [waiting(world.a, programme=programme) for _ in range(3)]

    with translation.override("en"), pytest.raises(ValidationError) as error:
        create(world.a, referrals, eligible(world.a, capacity=2))

    assert "No free capacity" in " ".join(error.value.message_dict["volunteer"])
    assert not Match.objects.filter(programme=programme).exists()


def test_a_waiting_pupil_joins_a_group_and_leaves_it(world):
    programme = group_programme(world.a, size=3)
    first, second = waiting(world.a, programme=programme), waiting(world.a, programme=programme)
    match = create(world.a, [first, second], eligible(world.a, capacity=3), start_date=days_ago(10))
    newcomer = waiting(world.a, programme=programme)

    joined = match_add_participant(
        user=world.a.project_leader, match=match, referral=newcomer, date=days_ago(3)
    )

    assert joined.joined_on == days_ago(3)
    newcomer.refresh_from_db()
    assert newcomer.status == S.MATCHED

    left = match_remove_participant(
        user=world.a.project_leader,
        participant=joined,
        date=days_ago(1),
        end_reason=R.PUPIL_STOPPED,
    )
    assert left.left_on == days_ago(1)
    newcomer.refresh_from_db()
    assert newcomer.status == S.STOPPED_EARLY
    assert match.participants.filter(left_on__isnull=True).count() == 2


def test_a_full_group_takes_no_one_more(world):
    programme = group_programme(world.a, size=2)
    match = create(
        world.a,
        [waiting(world.a, programme=programme), waiting(world.a, programme=programme)],
        eligible(world.a, capacity=5),
    )
    extra = waiting(world.a, programme=programme)

    with pytest.raises(ValidationError):
        match_add_participant(user=world.a.project_leader, match=match, referral=extra)

    extra.refresh_from_db()
    assert extra.status == S.WAITING


def test_the_last_pupil_cannot_leave_a_group_end_the_match_instead(world):
    programme = group_programme(world.a, size=2)
    match = create(
        world.a, [waiting(world.a, programme=programme)], eligible(world.a), start_date=days_ago(5)
    )

    with pytest.raises(ValidationError) as error:
        match_remove_participant(
            user=world.a.project_leader,
            participant=match.participants.get(),
            date=days_ago(1),
            end_reason=R.PUPIL_STOPPED,
        )
    assert error.value.code == "last_pupil"


def test_pupils_are_added_to_group_matches_only(world):
    with pytest.raises(ValidationError):
        match_add_participant(
            user=world.a.project_leader, match=world.a.match, referral=waiting(world.a)
        )


# --- concurrency -------------------------------------------------------------------------


def test_of_two_leaders_matching_the_same_pupil_the_second_is_told(world):
    referral = waiting(world.a)
    stale = Referral.objects.select_related("pupil", "programme").get(pk=referral.pk)
    create(world.a, [referral], eligible(world.a))

    with pytest.raises(ValidationError) as error:
        create(world.a, [stale], eligible(world.a))

    assert error.value.code == "concurrent_change"
    assert MatchParticipant.objects.filter(referral=referral).count() == 1


def test_an_active_match_in_the_database_wins_over_a_waiting_status(world):
    """The database constraint: one active match per pupil per programme."""
    referral = waiting(world.a)
    MatchParticipantFactory(
        match=MatchFactory(programme=world.a.programme, volunteer=eligible(world.a)),
        referral=referral,
    )
    volunteer = eligible(world.a)

    with pytest.raises(ValidationError) as error:
        create(world.a, [referral], volunteer)

    assert error.value.code == "already_matched"
    assert not Match.objects.filter(volunteer=volunteer).exists()
    referral.refresh_from_db()
    assert referral.status == S.WAITING


# --- confirming a batch proposal -----------------------------------------------------------


def confirm(side, pairs, **kwargs):
    kwargs.setdefault("start_date", timezone.localdate())
    return match_confirm_proposal(
        user=side.project_leader, programme=side.programme, pairs=pairs, **kwargs
    )


def test_confirming_a_proposal_matches_every_pair(world):
    pairs = [(waiting(world.a), eligible(world.a)) for _ in range(3)]

    matches = confirm(world.a, pairs, location_type=L.LIBRARY)

    assert len(matches) == 3
    for (referral, volunteer), match in zip(pairs, matches, strict=True):
        assert match.volunteer == volunteer
        assert match.participants.get().referral == referral
        assert match.location_type == L.LIBRARY
        referral.refresh_from_db()
        assert referral.status == S.MATCHED


def test_a_confirmed_proposal_without_a_location_meets_at_school(world):
    [match] = confirm(world.a, [(waiting(world.a), eligible(world.a))])
    assert match.location_type == L.SCHOOL


def test_confirming_checks_capacity_over_all_pairs_together(world):
    volunteer = eligible(world.a, capacity=1)
    first, second = waiting(world.a), waiting(world.a)

    with pytest.raises(ValidationError) as error:
        confirm(world.a, [(first, volunteer), (second, volunteer)])

    assert volunteer.full_name in messages_of(error)
    assert not Match.objects.filter(volunteer=volunteer).exists()
    assert {Referral.objects.get(pk=r.pk).status for r in (first, second)} == {S.WAITING}


def test_one_bad_pair_saves_none_of_the_proposal(world):
    good = [(waiting(world.a), eligible(world.a)) for _ in range(2)]
    bad = (waiting(world.a), _no_vog(world.a))

    with pytest.raises(ValidationError) as error:
        confirm(world.a, [*good, bad])

    assert bad[0].pupil.full_name in messages_of(error)
    assert not Match.objects.filter(volunteer__in=[v for _r, v in good]).exists()
    assert all(Referral.objects.get(pk=r.pk).status == S.WAITING for r, _v in good)


def test_a_failure_while_writing_rolls_back_the_earlier_pairs(world):
    """The rules pass, but the second pupil was matched meanwhile: nothing is saved."""
    first = waiting(world.a)
    second = waiting(world.a)
    MatchParticipantFactory(
        match=MatchFactory(programme=world.a.programme, volunteer=eligible(world.a)),
        referral=second,
    )
    volunteers = [eligible(world.a), eligible(world.a)]

    with pytest.raises(ValidationError):
        confirm(world.a, [(first, volunteers[0]), (second, volunteers[1])])

    assert not Match.objects.filter(volunteer__in=volunteers).exists()
    first.refresh_from_db()
    assert first.status == S.WAITING
    assert not ReferralStatusChange.objects.filter(referral=first, to_status=S.MATCHED).exists()


def test_confirming_a_proposal_takes_the_same_queries_for_two_pairs_or_twelve(
    world, django_capture_on_commit_callbacks
):
    def queries_to_confirm(n: int) -> tuple[int, list]:
        pairs = [(waiting(world.a), eligible(world.a)) for _ in range(n)]
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks() as callbacks,
        ):
            confirm(world.a, pairs)
        return len(captured.captured_queries), callbacks, pairs

    queries_to_confirm(1)  # warms what is read once per process
    few, few_callbacks, _pairs = queries_to_confirm(2)
    many, many_callbacks, pairs = queries_to_confirm(12)

    assert many == few
    # every referral still gets its history line and its email to the school
    assert len(many_callbacks) - len(few_callbacks) == 10
    for referral, _volunteer in pairs:
        referral.refresh_from_db()
        assert referral.status == S.MATCHED
        change = ReferralStatusChange.objects.get(referral=referral, to_status=S.MATCHED)
        assert (change.from_status, change.changed_by) == (S.WAITING, world.a.project_leader)


def test_a_referral_changed_since_the_proposal_was_read_saves_nothing(world):
    pairs = [(waiting(world.a), eligible(world.a)) for _ in range(3)]
    stale = pairs[1][0]
    Referral.objects.filter(pk=stale.pk).update(version=stale.version + 1)

    with pytest.raises(ValidationError) as error:
        confirm(world.a, pairs)

    assert error.value.code == "concurrent_change"
    assert not Match.objects.filter(volunteer__in=[v for _r, v in pairs]).exists()
    assert not ReferralStatusChange.objects.filter(
        referral__in=[r for r, _v in pairs], to_status=S.MATCHED
    ).exists()


def test_a_pupil_twice_in_a_proposal_is_refused(world):
    referral = waiting(world.a)
    with pytest.raises(ValidationError):
        confirm(world.a, [(referral, eligible(world.a)), (referral, eligible(world.a))])
    assert not MatchParticipant.objects.filter(referral=referral).exists()


def test_confirming_in_a_group_programme_puts_a_volunteers_pupils_together(world):
    programme = group_programme(world.a, size=2)
    volunteer = eligible(world.a, capacity=3)
    referrals = [waiting(world.a, programme=programme) for _ in range(3)]

    matches = match_confirm_proposal(
        user=world.a.project_leader,
        programme=programme,
        pairs=[(r, volunteer) for r in referrals],
        start_date=timezone.localdate(),
    )

    assert sorted(m.participants.count() for m in matches) == [1, 2]
    assert {m.kind for m in matches} == {Match.Kind.GROUP}


def test_only_the_programmes_leaders_may_confirm(world):
    referral = waiting(world.a)
    with pytest.raises(PermissionDenied):
        match_confirm_proposal(
            user=world.b.project_leader,
            programme=world.a.programme,
            pairs=[(referral, eligible(world.a))],
            start_date=timezone.localdate(),
        )


# --- ending ------------------------------------------------------------------------------


def end(side, match=None, **kwargs):
    kwargs.setdefault("end_date", days_ago(1))
    kwargs.setdefault("end_reason", R.COMPLETED)
    return match_end(user=side.project_leader, match=match or side.match, **kwargs)


def test_a_completed_match_completes_the_referral(world):
    match = end(world.a, end_reason=R.COMPLETED)

    assert match.end_date == days_ago(1)
    assert not match.ended_early
    world.a.participant.refresh_from_db()
    assert world.a.participant.left_on == days_ago(1)
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.COMPLETED


@pytest.mark.parametrize("reason", [R.PUPIL_STOPPED, R.VOLUNTEER_STOPPED, R.MOVED, R.OTHER])
def test_a_match_ended_for_another_reason_stopped_early(world, reason):
    match = end(world.a, end_reason=reason, end_note="Gezin is verhuisd naar Zwolle.")

    assert match.ended_early
    assert match.end_note == "Gezin is verhuisd naar Zwolle."
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.STOPPED_EARLY
    # the school reads the reason: it names the end reason, not the leader's note
    assert "Zwolle" not in world.a.referral.outcome_reason
    assert world.a.referral.outcome_reason


@pytest.mark.parametrize("reason", [R.VOLUNTEER_STOPPED, R.MOVED, R.OTHER])
def test_after_the_volunteer_stopped_the_pupil_can_wait_for_a_new_one(world, reason):
    end(world.a, end_reason=reason, back_to_waitlist=True)

    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.WAITING
    assert timezone.now() - world.a.referral.waiting_since < dt.timedelta(minutes=1)
    # and can be matched again
    match = create(world.a, [world.a.referral], eligible(world.a))
    assert match.participants.get().referral == world.a.referral


@pytest.mark.parametrize("reason", [R.COMPLETED, R.PUPIL_STOPPED])
def test_back_to_the_waitlist_is_not_for_a_completed_or_stopped_pupil(world, reason):
    with pytest.raises(ValidationError) as error:
        end(world.a, end_reason=reason, back_to_waitlist=True)
    assert "back_to_waitlist" in error.value.message_dict
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


@pytest.mark.parametrize("reason", ["", "bored"])
def test_ending_requires_a_valid_end_reason(world, reason):
    with pytest.raises(ValidationError) as error:
        end(world.a, end_reason=reason)
    assert "end_reason" in error.value.message_dict
    world.a.match.refresh_from_db()
    assert world.a.match.is_active
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.MATCHED


@pytest.mark.parametrize("days", [-1, 31])  # tomorrow; before the start 30 days ago
def test_the_end_date_is_not_in_the_future_nor_before_the_start(world, days):
    with pytest.raises(ValidationError) as error:
        end(world.a, end_date=days_ago(days))
    assert "end_date" in error.value.message_dict
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_a_match_ends_once(world):
    end(world.a)
    with pytest.raises(ValidationError) as error:
        end(world.a, end_reason=R.OTHER)
    assert error.value.code == "already_ended"


def test_only_the_initiatives_leaders_may_end_a_match(world):
    for user in (world.b.project_leader, world.a.volunteer_user, world.outsider):
        with pytest.raises(PermissionDenied):
            match_end(user=user, match=world.a.match, end_date=days_ago(1), end_reason=R.OTHER)
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_ending_frees_the_volunteers_capacity(world):
    volunteer = world.a.volunteer
    VOGFactory(volunteer=volunteer)
    referral = waiting(world.a)
    with pytest.raises(ValidationError):
        create(world.a, [referral], volunteer)

    end(world.a)

    assert create(world.a, [referral], volunteer).volunteer == volunteer


# --- replacing the volunteer ------------------------------------------------------------------


def test_replacing_the_volunteer_keeps_the_pupils_history_together(world):
    old = world.a.match
    referral = world.a.referral
    later_moment = ContactMomentFactory(match=old, date=days_ago(2))
    newcomer = eligible(world.a)
    changes_before = ReferralStatusChange.objects.filter(referral=referral).count()

    new = match_replace_volunteer(
        user=world.a.project_leader,
        match=old,
        volunteer=newcomer,
        date=days_ago(1),
        reason_note="Vrijwilliger is gestopt wegens drukte.",
    )

    old.refresh_from_db()
    assert (old.end_date, old.end_reason) == (days_ago(1), R.VOLUNTEER_STOPPED)
    assert old.end_note == "Vrijwilliger is gestopt wegens drukte."
    assert new.volunteer == newcomer
    assert new.start_date == days_ago(1)
    assert (new.programme, new.kind, new.location_type, new.frequency, new.session_minutes) == (
        old.programme,
        old.kind,
        old.location_type,
        old.frequency,
        old.session_minutes,
    )
    assert new.planned_end_date == old.planned_end_date
    participant = new.participants.get()
    assert (participant.pupil, participant.referral, participant.left_on) == (
        referral.pupil,
        referral,
        None,
    )
    referral.refresh_from_db()
    assert referral.status == S.MATCHED
    assert ReferralStatusChange.objects.filter(referral=referral).count() == changes_before
    # both matches and all contact moments hang off the referral
    matches = Match.objects.filter(participants__referral=referral)
    assert set(matches) == {old, new}
    assert set(ContactMoment.objects.filter(match__participants__referral=referral)) == {
        world.a.contact_moment,
        later_moment,
    }


def test_the_new_volunteer_must_pass_the_hard_rules(world):
    with pytest.raises(ValidationError) as error:
        match_replace_volunteer(
            user=world.a.project_leader,
            match=world.a.match,
            volunteer=_no_vog(world.a),
            date=days_ago(1),
        )
    assert "volunteer" in error.value.message_dict
    world.a.match.refresh_from_db()
    assert world.a.match.is_active
    assert Match.objects.filter(participants__referral=world.a.referral).count() == 1


def test_replacing_with_the_same_volunteer_is_refused(world):
    VOGFactory(volunteer=world.a.volunteer)
    with pytest.raises(ValidationError):
        match_replace_volunteer(
            user=world.a.project_leader,
            match=world.a.match,
            volunteer=world.a.volunteer,
            date=days_ago(1),
        )


def test_only_the_initiatives_leaders_may_replace_the_volunteer(world):
    with pytest.raises(PermissionDenied):
        match_replace_volunteer(
            user=world.b.project_leader,
            match=world.a.match,
            volunteer=eligible(world.a),
            date=days_ago(1),
        )


def test_a_group_keeps_all_its_pupils_under_the_new_volunteer(world):
    programme = group_programme(world.a, size=3)
    referrals = [waiting(world.a, programme=programme) for _ in range(2)]
    old = create(world.a, referrals, eligible(world.a, capacity=2), start_date=days_ago(20))

    with pytest.raises(ValidationError):  # capacity 1 is too small for two pupils
        match_replace_volunteer(
            user=world.a.project_leader,
            match=old,
            volunteer=eligible(world.a, capacity=1),
            date=days_ago(1),
        )
    new = match_replace_volunteer(
        user=world.a.project_leader,
        match=old,
        volunteer=eligible(world.a, capacity=2),
        date=days_ago(1),
    )

    assert {p.referral for p in new.participants.all()} == set(referrals)


# --- availability --------------------------------------------------------------------------


def test_setting_the_pupils_availability_replaces_the_slots(world):
    pupil = world.a.unmatched_pupil
    PupilAvailabilityFactory(pupil=pupil, weekday=1)

    pupil_set_availability(
        user=world.a.project_leader,
        pupil=pupil,
        slots=[(3, dt.time(14), dt.time(16)), (5, dt.time(9), dt.time(10, 30))],
    )

    assert list(
        PupilAvailability.objects.filter(pupil=pupil).values_list(
            "weekday", "start_time", "end_time"
        )
    ) == [(3, dt.time(14), dt.time(16)), (5, dt.time(9), dt.time(10, 30))]


@pytest.mark.parametrize(
    "slots",
    [
        [(3, dt.time(16), dt.time(14))],
        [(8, dt.time(14), dt.time(16))],
        [(3, dt.time(14), dt.time(16)), (3, dt.time(15), dt.time(17))],
    ],
)
def test_bad_time_slots_are_refused_and_nothing_changes(world, slots):
    pupil = world.a.unmatched_pupil
    PupilAvailabilityFactory(pupil=pupil, weekday=1)

    with pytest.raises(ValidationError) as error:
        pupil_set_availability(user=world.a.project_leader, pupil=pupil, slots=slots)

    assert "slots" in error.value.message_dict
    assert list(
        PupilAvailability.objects.filter(pupil=pupil).values_list("weekday", flat=True)
    ) == [1]


def test_only_the_initiatives_leaders_may_set_a_pupils_availability(world):
    with pytest.raises(PermissionDenied):
        pupil_set_availability(
            user=world.b.project_leader,
            pupil=world.a.unmatched_pupil,
            slots=[(3, dt.time(14), dt.time(16))],
        )
