"""Reads for volunteers: matching facts per row, filters, scoping, retention."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from initiatives import selectors, services
from initiatives.models import Volunteer
from initiatives.selectors import tenure_months
from initiatives.tests.factories import (
    ProgrammeFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    VOGFactory,
    VolunteerFactory,
    days_ago,
)
from referrals.matching.rules import add_years, matching_blockers
from referrals.tests.factories import MatchFactory, MatchParticipantFactory

pytestmark = pytest.mark.django_db

S = Volunteer.Status


def nl(message: str) -> str:
    with translation.override("nl"):
        return gettext(message)


def matchable(side, **fields) -> Volunteer:
    """An active volunteer with a recent VOG: nothing stops them being matched."""
    volunteer = VolunteerFactory(initiative=side.initiative, active=True, **fields)
    VOGFactory(volunteer=volunteer)
    return volunteer


def row_for(user, volunteer, **kwargs):
    rows = {r.volunteer.pk: r for r in selectors.volunteer_list(user=user, status="all", **kwargs)}
    return rows[volunteer.pk]


# --- tenure -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2024, 1, 15), dt.date(2024, 1, 31), 0),
        (dt.date(2024, 1, 15), dt.date(2024, 2, 14), 0),
        (dt.date(2024, 1, 15), dt.date(2024, 2, 15), 1),
        (dt.date(2023, 11, 30), dt.date(2024, 11, 30), 12),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29), 0),
    ],
)
def test_tenure_counts_whole_months(start, end, months):
    assert tenure_months(start, end, today=dt.date(2030, 1, 1)) == months


def test_tenure_runs_to_today_while_volunteering_and_is_empty_before_starting():
    assert tenure_months(dt.date(2024, 1, 1), None, today=dt.date(2024, 7, 1)) == 6
    assert tenure_months(None, None, today=dt.date(2024, 7, 1)) is None


# --- can be matched ---------------------------------------------------------------


def test_volunteer_with_valid_vog_and_trainings_can_be_matched(world):
    volunteer = matchable(world.a)

    row = row_for(world.a.project_leader, volunteer)

    assert row.can_match
    assert row.reasons == []
    assert row.vog_valid
    assert row.vog_valid_until == add_years(days_ago(30), 3)


def test_volunteer_without_a_vog_is_not_matchable_and_says_why(world):
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)

    row = row_for(world.a.project_leader, volunteer)

    assert not row.can_match
    assert row.vog_valid_until is None
    assert row.reasons == [nl("No VOG has been recorded for this volunteer.")]


def test_volunteer_missing_a_required_training_is_not_matchable_and_says_which(world):
    TrainingFactory(initiative=world.a.initiative, name="Basistraining", required=True)
    volunteer = matchable(world.a)

    row = row_for(world.a.project_leader, volunteer)

    assert not row.can_match
    assert row.missing_trainings == ("Basistraining",)
    with translation.override("nl"):
        expected = gettext("Required training not followed: %(names)s.") % {
            "names": "Basistraining"
        }
    assert row.reasons == [expected]


def test_followed_training_no_longer_blocks(world):
    training = TrainingFactory(initiative=world.a.initiative, required=True)
    volunteer = matchable(world.a)
    TrainingCompletionFactory(volunteer=volunteer, training=training)

    row = row_for(world.a.project_leader, volunteer)

    assert row.can_match
    assert row.missing_trainings == ()


def test_shorter_vog_age_rule_makes_a_two_year_old_vog_invalid(world):
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)
    VOGFactory(volunteer=volunteer, issued_on=days_ago(2 * 365 + 10))
    assert row_for(world.a.project_leader, volunteer).can_match

    services.initiative_update_rules(
        user=world.a.project_leader,
        initiative=world.a.initiative,
        vog_max_age_years=1,
        required_training_ids=[],
        volunteers_log_sessions=True,
        attention_no_session_weeks=3,
    )

    row = row_for(world.a.project_leader, volunteer)
    assert not row.can_match
    assert not row.vog_valid
    assert row.vog_valid_until == add_years(days_ago(2 * 365 + 10), 1)
    (reason,) = row.reasons
    assert (
        reason
        == matching_blockers(
            Volunteer.objects.get(pk=volunteer.pk), world.a.programme, on=timezone.localdate()
        )[0]
    )


def test_making_a_training_required_in_the_rules_blocks_who_has_not_followed_it(world):
    training = TrainingFactory(initiative=world.a.initiative, name="Veilig werken")
    volunteer = matchable(world.a)
    assert row_for(world.a.project_leader, volunteer).can_match

    services.initiative_update_rules(
        user=world.a.project_leader,
        initiative=world.a.initiative,
        vog_max_age_years=3,
        required_training_ids=[training.pk],
        volunteers_log_sessions=True,
        attention_no_session_weeks=3,
    )

    row = row_for(world.a.project_leader, volunteer)
    assert not row.can_match
    assert row.missing_trainings == ("Veilig werken",)


def test_full_capacity_is_not_matchable_and_counts_active_pupils(world):
    VOGFactory(volunteer=world.a.volunteer)  # world.a.volunteer: capacity 1, one pupil

    row = row_for(world.a.project_leader, world.a.volunteer)

    assert row.active_pupils == 1
    assert row.capacity == 1
    assert not row.can_match
    with translation.override("nl"):
        expected = gettext(
            "No free capacity: already matched with %(active)s of at most "
            "%(capacity)s pupils at once."
        ) % {"active": 1, "capacity": 1}
    assert row.reasons == [expected]


def test_ended_match_does_not_count_towards_capacity(world):
    volunteer = matchable(world.a)
    MatchParticipantFactory(
        match=MatchFactory(programme=world.a.programme, volunteer=volunteer, ended=True)
    )

    row = row_for(world.a.project_leader, volunteer)

    assert row.active_pupils == 0
    assert row.can_match


def test_paused_volunteer_is_not_matchable(world):
    volunteer = matchable(world.a, status=S.PAUSED)

    row = row_for(world.a.project_leader, volunteer)

    assert not row.can_match
    assert len(row.reasons) == 1


def test_programme_specific_training_blocks_only_that_programme(world):
    special = ProgrammeFactory(initiative=world.a.initiative, name="Huiswerkklas")
    special.required_trainings.add(TrainingFactory(initiative=world.a.initiative, name="Groepen"))
    everywhere = matchable(world.a)
    only_special = matchable(world.a)
    only_special.programmes.add(special)

    row = row_for(world.a.project_leader, everywhere)
    assert row.can_match  # still in Taalmentoraat PO
    assert {e.programme.name: e.eligible for e in row.eligibility} == {
        "Huiswerkklas": False,
        "Taalmentoraat PO": True,
    }
    assert row.missing_trainings == ()

    row = row_for(world.a.project_leader, only_special)
    assert not row.can_match
    assert [e.programme for e in row.eligibility] == [special]
    assert row.missing_trainings == ("Groepen",)


def test_inactive_programmes_are_not_offered(world):
    volunteer = matchable(world.a)
    inactive = ProgrammeFactory(initiative=world.a.initiative, is_active=False)
    volunteer.programmes.add(inactive)

    row = row_for(world.a.project_leader, volunteer)

    assert not row.can_match
    assert row.reasons == [nl("None of this volunteer's programmes is active.")]


# --- filters and scoping ---------------------------------------------------------


def names(rows) -> list[str]:
    return [r.volunteer.last_name for r in rows]


def test_list_shows_only_the_leaders_initiative(world):
    rows = selectors.volunteer_list(user=world.a.project_leader)

    assert {r.volunteer.initiative_id for r in rows} == {world.a.initiative.pk}
    assert world.b.volunteer.pk not in {r.volunteer.pk for r in rows}


def test_list_is_empty_for_a_volunteer_an_outsider_and_a_school(world):
    for user in (world.a.volunteer_user, world.outsider, world.a.school_referrer):
        assert selectors.volunteer_list(user=user, status="all") == []


def test_superuser_sees_every_initiatives_volunteers(world):
    rows = selectors.volunteer_list(user=world.superuser)

    assert {world.a.volunteer.pk, world.b.volunteer.pk} <= {r.volunteer.pk for r in rows}


def test_list_filters_by_status_with_stopped_hidden_by_default(world):
    VolunteerFactory(initiative=world.a.initiative, last_name="Aanmelder")
    VolunteerFactory(initiative=world.a.initiative, last_name="Gestopt", stopped=True)
    leader = world.a.project_leader

    assert "Gestopt" not in names(selectors.volunteer_list(user=leader))
    assert "Aanmelder" in names(selectors.volunteer_list(user=leader))
    assert names(selectors.volunteer_list(user=leader, status=S.STOPPED)) == ["Gestopt"]
    assert names(selectors.volunteer_list(user=leader, status=S.APPLICANT)) == ["Aanmelder"]
    assert "Gestopt" in names(selectors.volunteer_list(user=leader, status=selectors.ALL))


def test_list_filters_by_programme_including_who_works_in_every_programme(world):
    other = ProgrammeFactory(initiative=world.a.initiative)
    only_other = VolunteerFactory(initiative=world.a.initiative, last_name="Anders")
    only_other.programmes.add(other)
    only_po = VolunteerFactory(initiative=world.a.initiative, last_name="Taal")
    only_po.programmes.add(world.a.programme)
    everywhere = VolunteerFactory(initiative=world.a.initiative, last_name="Overal")

    rows = selectors.volunteer_list(user=world.a.project_leader, programme=world.a.programme)

    assert {r.volunteer for r in rows} == {only_po, everywhere, world.a.volunteer}


def test_list_search_matches_every_word_in_first_or_last_name(world):
    VolunteerFactory(initiative=world.a.initiative, first_name="Anouk", last_name="Jansen")
    VolunteerFactory(initiative=world.a.initiative, first_name="Anouk", last_name="Bakker")
    leader = world.a.project_leader

    assert names(selectors.volunteer_list(user=leader, search="anouk jan")) == ["Jansen"]
    assert sorted(names(selectors.volunteer_list(user=leader, search="Anouk"))) == [
        "Bakker",
        "Jansen",
    ]
    assert selectors.volunteer_list(user=leader, search="Onbekend") == []


def test_list_costs_the_same_number_of_queries_for_one_or_many_volunteers(world):
    leader = world.a.project_leader
    TrainingFactory(initiative=world.a.initiative, required=True)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.volunteer_list(user=leader, status="all")
            for row in rows:
                _ = row.reasons, row.missing_trainings, row.vog_valid_until
        return len(ctx.captured_queries)

    count()  # the user's scope is read once, then cached on the user
    one = count()
    for _ in range(8):
        volunteer = matchable(world.a)
        volunteer.programmes.add(world.a.programme)
        MatchParticipantFactory(
            match=MatchFactory(programme=world.a.programme, volunteer=volunteer)
        )
        TrainingCompletionFactory(volunteer=volunteer)
    ProgrammeFactory(initiative=world.a.initiative).required_trainings.add(
        TrainingFactory(initiative=world.a.initiative)
    )

    assert count() == one


def test_volunteer_for_viewer_gives_a_volunteer_only_their_own_record(world):
    from django.http import Http404

    volunteer, can_manage = selectors.volunteer_for_viewer(
        user=world.a.volunteer_user, pk=world.a.volunteer.pk
    )
    assert volunteer == world.a.volunteer
    assert not can_manage

    colleague = VolunteerFactory(initiative=world.a.initiative)
    with pytest.raises(Http404):
        selectors.volunteer_for_viewer(user=world.a.volunteer_user, pk=colleague.pk)
    with pytest.raises(Http404):
        selectors.volunteer_for_viewer(user=world.b.project_leader, pk=colleague.pk)

    _volunteer, can_manage = selectors.volunteer_for_viewer(
        user=world.a.project_leader, pk=colleague.pk
    )
    assert can_manage


# --- retention ----------------------------------------------------------------------

TODAY = dt.date(2025, 6, 15)


@time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC))
def test_retention_figures_cover_the_last_twelve_months(world):
    a = world.a.initiative
    Volunteer.objects.filter(pk=world.a.volunteer.pk).update(start_date=dt.date(2025, 3, 1))
    VolunteerFactory(initiative=a, status=S.ACTIVE, start_date=dt.date(2023, 1, 1))  # not new
    VolunteerFactory(initiative=a, status=S.PAUSED, start_date=dt.date(2025, 2, 1))  # new, paused
    VolunteerFactory(initiative=a, status=S.APPLICANT)
    for start, end, reason in [
        (dt.date(2024, 1, 10), dt.date(2024, 7, 10), "Verhuisd"),  # 6 months
        (dt.date(2024, 3, 1), dt.date(2025, 3, 1), " verhuisd"),  # 12 months
        (dt.date(2025, 1, 1), dt.date(2025, 5, 1), "Geen tijd"),  # 4 months, new
        (dt.date(2020, 1, 1), dt.date(2024, 6, 15), "Te lang geleden"),  # a year ago: outside
    ]:
        VolunteerFactory(
            initiative=a, status=S.STOPPED, start_date=start, end_date=end, stop_reason=reason
        )
    VolunteerFactory(initiative=world.b.initiative, stopped=True, stop_reason="Andere kant")

    retention = selectors.volunteer_retention(user=world.a.project_leader)

    assert retention.active == 2  # world.a.volunteer and the one from 2023
    assert retention.new_last_year == 3  # world.a.volunteer, paused, and "Geen tijd"
    assert retention.stopped_last_year == 3
    assert retention.median_tenure_months == 6
    assert retention.median_tenure_whole == 6
    assert retention.stop_reasons == [("Verhuisd", 2), ("Geen tijd", 1)]


def test_retention_without_stopped_volunteers_has_no_median(world):
    retention = selectors.volunteer_retention(user=world.a.project_leader)

    assert retention.stopped_last_year == 0
    assert retention.median_tenure_months is None
    assert retention.stop_reasons == []


def test_retention_of_an_outsider_is_all_zero(world):
    retention = selectors.volunteer_retention(user=world.outsider)

    assert (retention.active, retention.new_last_year, retention.stopped_last_year) == (0, 0, 0)


# --- one volunteer ----------------------------------------------------------------


def test_detail_lists_the_matches_the_user_may_see(world):
    ended = MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer, ended=True)

    for user in (world.a.project_leader, world.a.volunteer_user):
        detail = selectors.volunteer_detail(user=user, volunteer=world.a.volunteer)
        assert detail.active_matches == [world.a.match]
        assert ended not in detail.active_matches
        assert [p.pupil for p in detail.active_matches[0].current_participants] == [world.a.pupil]


def test_detail_offers_only_trainings_not_yet_followed(world):
    followed = TrainingCompletionFactory(volunteer=world.a.volunteer).training
    open_training = TrainingFactory(initiative=world.a.initiative)
    TrainingFactory(initiative=world.b.initiative)

    detail = selectors.volunteer_detail(user=world.a.project_leader, volunteer=world.a.volunteer)

    assert detail.trainings_to_follow == [open_training]
    assert [c.training for c in detail.completions] == [followed]
