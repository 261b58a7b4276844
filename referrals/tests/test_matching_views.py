"""Matching pages: suggestions, a match by hand, the batch, match list and detail, end, replace."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from initiatives.models import Volunteer
from initiatives.tests.factories import AvailabilityFactory, VolunteerFactory
from referrals.models import Match, MatchParticipant, PupilAvailability, Referral
from referrals.tests.factories import (
    MatchFactory,
    MatchParticipantFactory,
    PupilAvailabilityFactory,
    days_ago,
)
from referrals.tests.test_match_services import eligible, group_programme, waiting

S = Referral.Status
R = Match.EndReason


def text(response) -> str:
    return response.content.decode()


def shown(response, message: str) -> bool:
    """Whether the page shows ``message`` (translated as the page is, HTML-escaped)."""
    with translation.override("nl"):
        translated = gettext(message)
    return escape(translated) in text(response)


def has_errors(response) -> bool:
    """The page shows an error next to a field or above the form."""
    content = text(response)
    return "utrecht-form-field-error-message" in content or "utrecht-alert--error" in content


def url(name: str, *args) -> str:
    return reverse(f"referrals:{name}", args=args)


def fitting(side, **fields) -> Volunteer:
    """An eligible volunteer available when the pupils of the tests are (Wednesday afternoon)."""
    volunteer = eligible(side, **fields)
    AvailabilityFactory(volunteer=volunteer)
    return volunteer


def create_data(volunteer, /, **overrides) -> dict:
    data = {
        "volunteer": volunteer.pk,
        "location_type": "school",
        "start_date": timezone.localdate().isoformat(),
        "planned_end_date": "",
        "frequency": "weekly",
        "session_minutes": "90",
    }
    data.update(overrides)
    return data


# --- the journey: suggestion to match ------------------------------------------------------


def test_a_leader_matches_a_waiting_pupil_from_a_suggestion(world, client_for):
    referral = waiting(world.a)
    PupilAvailabilityFactory(pupil=referral.pupil)
    volunteer = fitting(world.a)
    client = client_for(world.a.project_leader)

    waitlist = client.get(reverse("referrals:waitlist"))
    assert url("match_suggestions", referral.pk) in text(waitlist)

    page = client.get(url("match_suggestions", referral.pk))
    assert page.status_code == 200
    create_url = f"{url('match_create', referral.pk)}?volunteer={volunteer.pk}"
    item = re.search(
        rf'data-volunteer="{volunteer.pk}".*?{re.escape(escape(create_url))}', text(page), re.S
    )
    assert item, "the suggestion links to the create form with the volunteer"
    assert escape(volunteer.full_name) in item.group(0)
    assert 'data-reason="availability"' in item.group(0)

    form = client.get(create_url)
    assert form.status_code == 200
    assert re.search(rf'<option value="{volunteer.pk}" selected>', text(form))

    response = client.post(url("match_create", referral.pk), create_data(volunteer))

    match = Match.objects.get(volunteer=volunteer)
    assert response.status_code == 302
    assert response["Location"] == url("match_detail", match.pk)
    referral.refresh_from_db()
    assert referral.status == S.MATCHED
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert referral.pupil.full_name in text(detail)
    assert volunteer.full_name in text(detail)


def test_suggestions_never_include_a_volunteer_who_breaks_a_hard_rule(world, client_for):
    referral = waiting(world.a)
    fine = fitting(world.a)
    no_vog = VolunteerFactory(initiative=world.a.initiative, active=True)
    AvailabilityFactory(volunteer=no_vog)

    page = client_for(world.a.project_leader).get(url("match_suggestions", referral.pk))

    assert f'data-volunteer="{fine.pk}"' in text(page)
    assert f'data-volunteer="{no_vog.pk}"' not in text(page)


def test_the_suggestions_page_shows_the_pupils_availability_with_an_edit_link(world, client_for):
    referral = waiting(world.a)
    PupilAvailabilityFactory(pupil=referral.pupil, weekday=3)

    page = client_for(world.a.project_leader).get(url("match_suggestions", referral.pk))

    block = re.search(r"data-availability>(.*?)</dd>", text(page), re.S).group(1)
    assert "14:00-16:00" in block
    assert url("pupil_availability", referral.pk) in block


def test_a_matched_referral_shows_its_matches_instead_of_suggestions(world, client_for):
    page = client_for(world.a.project_leader).get(url("match_suggestions", world.a.referral.pk))

    assert page.status_code == 200
    assert f'data-match="{world.a.match.pk}"' in text(page)
    assert "data-volunteer=" not in text(page)


def test_the_leader_detail_links_to_matching(world, client_for):
    referral = waiting(world.a)
    page = client_for(world.a.project_leader).get(url("leader_detail", referral.pk))
    assert url("match_suggestions", referral.pk) in text(page)


# --- matching by hand -------------------------------------------------------------------------


def test_the_create_form_offers_only_eligible_volunteers(world, client_for):
    referral = waiting(world.a)
    fine = eligible(world.a)
    no_vog = VolunteerFactory(initiative=world.a.initiative, active=True)
    elsewhere = eligible(world.b)

    page = client_for(world.a.project_leader).get(url("match_create", referral.pk))

    assert f'<option value="{fine.pk}"' in text(page)
    assert f'<option value="{no_vog.pk}"' not in text(page)
    assert f'<option value="{elsewhere.pk}"' not in text(page)
    assert f'value="{timezone.localdate().isoformat()}"' in text(page)


def test_preselecting_an_ineligible_volunteer_says_why(world, client_for):
    referral = waiting(world.a)
    eligible(world.a)
    no_vog = VolunteerFactory(initiative=world.a.initiative, active=True)

    page = client_for(world.a.project_leader).get(
        f"{url('match_create', referral.pk)}?volunteer={no_vog.pk}"
    )

    assert page.status_code == 200
    assert shown(page, "No VOG has been recorded for this volunteer.")


def test_posting_an_ineligible_volunteer_is_a_form_error(world, client_for):
    referral = waiting(world.a)
    eligible(world.a)
    no_vog = VolunteerFactory(initiative=world.a.initiative, active=True)

    response = client_for(world.a.project_leader).post(
        url("match_create", referral.pk), create_data(no_vog)
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in text(response)
    referral.refresh_from_db()
    assert referral.status == S.WAITING


@pytest.mark.parametrize(
    "overrides",
    [
        {"start_date": "gisteren"},
        {"location_type": ""},
        {"location_type": "maan"},
        {"session_minutes": "9999"},
        {"frequency": "hourly"},
        {"volunteer": "abc"},
        {"planned_end_date": days_ago(5).isoformat()},
    ],
)
def test_bad_input_on_the_create_form_is_a_form_error(world, client_for, overrides):
    referral = waiting(world.a)
    volunteer = eligible(world.a)

    response = client_for(world.a.project_leader).post(
        url("match_create", referral.pk), create_data(volunteer, **overrides)
    )

    assert response.status_code == 200
    assert has_errors(response)
    assert not Match.objects.filter(volunteer=volunteer).exists()


def test_online_without_an_online_volunteer_or_programme_is_refused_on_the_form(world, client_for):
    referral = waiting(world.a)
    volunteer = eligible(world.a, online_possible=False)
    eligible(world.a, online_possible=True)  # so the option is offered

    response = client_for(world.a.project_leader).post(
        url("match_create", referral.pk), create_data(volunteer, location_type="online")
    )

    assert response.status_code == 200
    assert not Match.objects.filter(volunteer=volunteer).exists()


def test_a_referral_that_no_longer_waits_cannot_be_matched_from_a_stale_page(world, client_for):
    volunteer = eligible(world.a)

    response = client_for(world.a.project_leader).post(
        url("match_create", world.a.referral.pk), create_data(volunteer)
    )

    assert response.status_code == 302
    assert response["Location"] == url("match_suggestions", world.a.referral.pk)
    assert not Match.objects.filter(volunteer=volunteer).exists()


def test_a_group_is_made_with_other_waiting_pupils(world, client_for):
    programme = group_programme(world.a, size=3)
    first, second = waiting(world.a, programme=programme), waiting(world.a, programme=programme)
    volunteer = eligible(world.a, capacity=3)

    response = client_for(world.a.project_leader).post(
        url("match_create", first.pk), create_data(volunteer, other_referrals=[second.pk])
    )

    assert response.status_code == 302
    match = Match.objects.get(volunteer=volunteer)
    assert match.kind == Match.Kind.GROUP
    assert set(match.participants.values_list("referral", flat=True)) == {first.pk, second.pk}


# --- the batch ------------------------------------------------------------------------------------


def batch_post(page_text: str, **overrides) -> dict:
    """The batch form as the browser would send it, with the selected options."""
    data = {
        "referrals": re.search(r'name="referrals" value="([^"]*)"', page_text).group(1),
        "start_date": timezone.localdate().isoformat(),
        "location_type": "school",
    }
    for name, body in re.findall(
        r'<select[^>]*name="(pupil_\d+)"[^>]*>(.*?)</select>', page_text, re.S
    ):
        selected = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = selected.group(1) if selected else ""
    data.update(overrides)
    return data


@pytest.fixture
def two_waiting(world):
    """Two waiting pupils and two fitting volunteers, besides world a's unmatched pupil."""
    referrals = [waiting(world.a), waiting(world.a)]
    for referral in [*referrals, world.a.unmatched_referral]:
        PupilAvailabilityFactory(pupil=referral.pupil)
    volunteers = [fitting(world.a), fitting(world.a)]
    return referrals, volunteers


def test_the_batch_shows_the_proposal_and_confirming_it_matches_everyone(
    world, client_for, two_waiting
):
    referrals, volunteers = two_waiting
    client = client_for(world.a.project_leader)
    waitlist = client.get(f"{reverse('referrals:waitlist')}?programme={world.a.programme.pk}")
    assert url("match_batch", world.a.programme.pk) in text(waitlist)

    page = client.get(url("match_batch", world.a.programme.pk))

    assert page.status_code == 200
    proposed = [r for r in referrals if f'data-referral="{r.pk}"' in text(page)]
    assert len(proposed) == 2
    for volunteer in volunteers:
        assert volunteer.full_name in text(page)
    assert 'data-reason="availability"' in text(page)

    response = client.post(url("match_batch", world.a.programme.pk), batch_post(text(page)))

    assert response.status_code == 302
    for referral in referrals:
        referral.refresh_from_db()
        assert referral.status == S.MATCHED
    assert Match.objects.filter(volunteer__in=volunteers).count() == 2


def test_a_pupil_left_out_of_the_batch_stays_waiting(world, client_for, two_waiting):
    referrals, _volunteers = two_waiting
    client = client_for(world.a.project_leader)
    page = client.get(url("match_batch", world.a.programme.pk))

    data = batch_post(text(page), **{f"pupil_{referrals[0].pk}": ""})
    response = client.post(url("match_batch", world.a.programme.pk), data)

    assert response.status_code == 302
    referrals[0].refresh_from_db()
    referrals[1].refresh_from_db()
    assert (referrals[0].status, referrals[1].status) == (S.WAITING, S.MATCHED)


def test_a_batch_that_breaks_a_rule_saves_nothing_and_says_why(world, client_for, two_waiting):
    referrals, volunteers = two_waiting
    client = client_for(world.a.project_leader)
    page = client.get(url("match_batch", world.a.programme.pk))
    # both pupils to the same volunteer, who has room for one
    data = batch_post(
        text(page),
        **{
            f"pupil_{referrals[0].pk}": volunteers[0].pk,
            f"pupil_{referrals[1].pk}": volunteers[0].pk,
        },
    )

    response = client.post(url("match_batch", world.a.programme.pk), data)

    assert response.status_code == 200
    assert shown(response, "Nothing has been saved.")
    assert volunteers[0].full_name in re.search(
        r'id="batch-errors".*?</div>', text(response), re.S
    ).group(0)
    assert not Match.objects.filter(volunteer__in=volunteers).exists()
    assert {Referral.objects.get(pk=r.pk).status for r in referrals} == {S.WAITING}


def test_a_batch_pupil_matched_meanwhile_saves_nothing(world, client_for, two_waiting):
    referrals, volunteers = two_waiting
    client = client_for(world.a.project_leader)
    page = client.get(url("match_batch", world.a.programme.pk))
    # someone matches the first pupil by hand meanwhile
    client.post(url("match_create", referrals[0].pk), create_data(eligible(world.a)))

    response = client.post(url("match_batch", world.a.programme.pk), batch_post(text(page)))

    assert response.status_code == 200
    assert shown(response, "Nothing has been saved.")
    referrals[1].refresh_from_db()
    assert referrals[1].status == S.WAITING
    assert not Match.objects.filter(volunteer__in=volunteers).exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"start_date": "morgen"},
        {"location_type": ""},
        {"referrals": "x,y"},
        {"referrals": ""},
    ],
)
def test_bad_input_on_the_batch_is_shown_not_a_500(world, client_for, two_waiting, overrides):
    _referrals, volunteers = two_waiting
    client = client_for(world.a.project_leader)
    page = client.get(url("match_batch", world.a.programme.pk))

    response = client.post(
        url("match_batch", world.a.programme.pk), batch_post(text(page), **overrides)
    )

    assert response.status_code == 200
    assert not Match.objects.filter(volunteer__in=volunteers).exists()


def test_a_volunteer_of_another_initiative_cannot_be_slipped_into_the_batch(
    world, client_for, two_waiting
):
    referrals, volunteers = two_waiting
    client = client_for(world.a.project_leader)
    page = client.get(url("match_batch", world.a.programme.pk))
    stranger = eligible(world.b)

    response = client.post(
        url("match_batch", world.a.programme.pk),
        batch_post(text(page), **{f"pupil_{referrals[0].pk}": stranger.pk}),
    )

    assert response.status_code == 200
    assert not Match.objects.filter(volunteer__in=[*volunteers, stranger]).exists()


def test_the_batch_of_another_initiative_is_404(world, client_for):
    client = client_for(world.b.project_leader)
    assert client.get(url("match_batch", world.a.programme.pk)).status_code == 404
    assert client.post(url("match_batch", world.a.programme.pk), {}).status_code == 404


# --- match list and detail ------------------------------------------------------------------


def test_the_leader_sees_the_active_matches_of_their_initiative_only(world, client_for):
    ended = MatchFactory(programme=world.a.programme, ended=True)
    MatchParticipantFactory(match=ended, left_on=ended.end_date)
    client = client_for(world.a.project_leader)

    active = client.get(url("match_list"))
    assert f'data-match="{world.a.match.pk}"' in text(active)
    assert world.a.pupil.full_name in text(active)
    assert f'data-match="{ended.pk}"' not in text(active)
    assert f'data-match="{world.b.match.pk}"' not in text(active)
    assert world.b.pupil.full_name not in text(active)

    ended_page = client.get(url("match_list") + "?status=ended")
    assert f'data-match="{ended.pk}"' in text(ended_page)
    assert f'data-match="{world.a.match.pk}"' not in text(ended_page)


def test_a_volunteer_sees_only_their_own_active_matches(world, client_for):
    other = MatchParticipantFactory(
        match=MatchFactory(programme=world.a.programme, volunteer=eligible(world.a))
    )
    own_ended = MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer, ended=True)
    client = client_for(world.a.volunteer_user)

    for status in ("active", "ended"):
        page = client.get(url("match_list") + f"?status={status}")
        assert page.status_code == 200
        assert f'data-match="{other.match.pk}"' not in text(page)
        assert other.pupil.full_name not in text(page)
        assert f'data-match="{own_ended.pk}"' not in text(page)
    assert f'data-match="{world.a.match.pk}"' in text(client.get(url("match_list")))


@pytest.mark.parametrize("query", ["?status=weird", "?page=abc", "?page=999"])
def test_odd_list_parameters_still_show_the_list(world, client_for, query):
    assert client_for(world.a.project_leader).get(url("match_list") + query).status_code == 200


def test_the_leader_sees_the_match_with_end_and_replace(world, client_for):
    page = client_for(world.a.project_leader).get(url("match_detail", world.a.match.pk))

    assert page.status_code == 200
    assert world.a.pupil.full_name in text(page)
    assert world.a.volunteer.full_name in text(page)
    assert url("match_end", world.a.match.pk) in text(page)
    assert url("match_replace", world.a.match.pk) in text(page)


def test_a_volunteer_sees_their_own_match_without_end_or_replace(world, client_for):
    page = client_for(world.a.volunteer_user).get(url("match_detail", world.a.match.pk))

    assert page.status_code == 200
    assert world.a.pupil.full_name in text(page)
    assert url("match_end", world.a.match.pk) not in text(page)
    assert url("match_replace", world.a.match.pk) not in text(page)


def test_a_volunteer_never_sees_another_volunteers_match(world, client_for):
    other = MatchParticipantFactory(
        match=MatchFactory(programme=world.a.programme, volunteer=eligible(world.a))
    ).match
    client = client_for(world.a.volunteer_user)

    for page in (
        url("match_detail", other.pk),
        url("match_end", other.pk),
        url("match_replace", other.pk),
    ):
        assert client.get(page).status_code == 404, page
        assert client.post(page, {}).status_code == 404, page
    assert client.get(url("match_detail", world.b.match.pk)).status_code == 404


def test_a_volunteers_ended_match_is_no_longer_theirs_to_see(world, client_for):
    ended = MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer, ended=True)
    assert client_for(world.a.volunteer_user).get(url("match_detail", ended.pk)).status_code == 404


def test_a_volunteer_may_not_end_or_replace_their_own_match(world, client_for):
    client = client_for(world.a.volunteer_user)
    data = {"end-end_date": days_ago(1).isoformat(), "end-end_reason": "completed"}

    assert client.get(url("match_end", world.a.match.pk)).status_code == 403
    assert client.post(url("match_end", world.a.match.pk), data).status_code == 403
    assert client.post(url("match_replace", world.a.match.pk), {}).status_code == 403
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_an_ended_early_match_shows_the_reason_separately(world, client_for):
    ended = MatchFactory(
        programme=world.a.programme, end_date=days_ago(1), end_reason=R.PUPIL_STOPPED
    )

    page = client_for(world.a.project_leader).get(url("match_detail", ended.pk))

    assert 'data-match-status="ended-early"' in text(page)
    assert 'data-end-reason="pupil_stopped"' in text(page)
    assert url("match_end", ended.pk) not in text(page)


# --- ending and replacing ---------------------------------------------------------------------


def test_the_leader_ends_a_match_and_the_referral_completes(world, client_for):
    client = client_for(world.a.project_leader)

    response = client.post(
        url("match_end", world.a.match.pk),
        {"end-end_date": days_ago(1).isoformat(), "end-end_reason": "completed"},
    )

    assert response.status_code == 302
    world.a.match.refresh_from_db()
    assert (world.a.match.end_date, world.a.match.end_reason) == (days_ago(1), R.COMPLETED)
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.COMPLETED


def test_ending_back_to_the_waitlist_from_the_page(world, client_for):
    response = client_for(world.a.project_leader).post(
        url("match_end", world.a.match.pk),
        {
            "end-end_date": days_ago(1).isoformat(),
            "end-end_reason": "volunteer_stopped",
            "end-back_to_waitlist": "on",
        },
    )

    assert response.status_code == 302
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.WAITING


@pytest.mark.parametrize(
    "data",
    [
        {"end-end_date": days_ago(1).isoformat(), "end-end_reason": ""},
        {"end-end_date": days_ago(-3).isoformat(), "end-end_reason": "completed"},
        {"end-end_date": days_ago(40).isoformat(), "end-end_reason": "completed"},
        {"end-end_date": "nooit", "end-end_reason": "completed"},
        {
            "end-end_date": days_ago(1).isoformat(),
            "end-end_reason": "completed",
            "end-back_to_waitlist": "on",
        },
    ],
)
def test_a_bad_end_is_a_form_error_and_changes_nothing(world, client_for, data):
    response = client_for(world.a.project_leader).post(url("match_end", world.a.match.pk), data)

    assert response.status_code == 200
    assert has_errors(response)
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_the_end_reason_is_required(world, client_for):
    response = client_for(world.a.project_leader).post(
        url("match_end", world.a.match.pk), {"end-end_date": days_ago(1).isoformat()}
    )
    assert shown(response, "Give the end reason.")


def test_replacing_the_volunteer_from_the_page_keeps_the_history(world, client_for):
    newcomer = eligible(world.a)
    client = client_for(world.a.project_leader)
    page = client.get(url("match_detail", world.a.match.pk))
    assert f'<option value="{newcomer.pk}"' in text(page)

    response = client.post(
        url("match_replace", world.a.match.pk),
        {
            "replace-volunteer": newcomer.pk,
            "replace-date": days_ago(1).isoformat(),
            "replace-reason_note": "Gestopt.",
        },
    )

    new = Match.objects.get(volunteer=newcomer)
    assert response.status_code == 302
    assert response["Location"] == url("match_detail", new.pk)
    detail = client.get(response["Location"])
    assert f'data-match="{world.a.match.pk}"' in text(detail)  # the earlier match, in the history
    world.a.referral.refresh_from_db()
    assert world.a.referral.status == S.MATCHED
    suggestions = client.get(url("match_suggestions", world.a.referral.pk))
    assert f'data-match="{world.a.match.pk}"' in text(suggestions)
    assert f'data-match="{new.pk}"' in text(suggestions)


def test_replacing_with_an_ineligible_volunteer_is_a_form_error(world, client_for):
    no_vog = VolunteerFactory(initiative=world.a.initiative, active=True)

    response = client_for(world.a.project_leader).post(
        url("match_replace", world.a.match.pk),
        {"replace-volunteer": no_vog.pk, "replace-date": days_ago(1).isoformat()},
    )

    assert response.status_code == 200
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_an_ended_match_cannot_be_ended_or_replaced_again(world, client_for):
    ended = MatchFactory(programme=world.a.programme, ended=True)
    client = client_for(world.a.project_leader)

    for name in ("match_end", "match_replace"):
        response = client.post(url(name, ended.pk), {})
        assert response.status_code == 302
        assert response["Location"] == url("match_detail", ended.pk)


# --- groups -----------------------------------------------------------------------------------


def test_a_pupil_joins_and_leaves_a_group_from_the_page(world, client_for):
    programme = group_programme(world.a, size=3)
    volunteer = eligible(world.a, capacity=3)
    first, second = waiting(world.a, programme=programme), waiting(world.a, programme=programme)
    client = client_for(world.a.project_leader)
    client.post(
        url("match_create", first.pk),
        create_data(volunteer, other_referrals=[second.pk], start_date=days_ago(10).isoformat()),
    )
    match = Match.objects.get(volunteer=volunteer)
    newcomer = waiting(world.a, programme=programme)

    detail = client.get(url("match_detail", match.pk))
    assert url("match_add_participant", match.pk) in text(detail)
    response = client.post(
        url("match_add_participant", match.pk),
        {"add-referral": newcomer.pk, "add-date": days_ago(2).isoformat()},
    )
    assert response.status_code == 302
    participant = MatchParticipant.objects.get(match=match, referral=newcomer)

    response = client.post(
        url("match_remove_participant", match.pk, participant.pk),
        {"remove-end_date": days_ago(1).isoformat(), "remove-end_reason": "pupil_stopped"},
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.status == S.STOPPED_EARLY


# --- availability -------------------------------------------------------------------------------


def slot_data(*slots) -> dict:
    data = {"slots-TOTAL_FORMS": str(len(slots)), "slots-INITIAL_FORMS": "0"}
    for i, (weekday, start, end) in enumerate(slots):
        data.update(
            {
                f"slots-{i}-weekday": weekday,
                f"slots-{i}-start_time": start,
                f"slots-{i}-end_time": end,
            }
        )
    return data


def test_the_leader_records_the_pupils_availability(world, client_for):
    referral = world.a.unmatched_referral
    client = client_for(world.a.project_leader)
    assert client.get(url("pupil_availability", referral.pk)).status_code == 200

    response = client.post(
        url("pupil_availability", referral.pk),
        slot_data(("3", "14:00", "16:00"), ("", "", ""), ("5", "09:00", "10:00")),
    )

    assert response.status_code == 302
    assert list(
        PupilAvailability.objects.filter(pupil=referral.pupil).values_list("weekday", "start_time")
    ) == [(3, dt.time(14)), (5, dt.time(9))]


@pytest.mark.parametrize(
    "slots",
    [
        [("3", "16:00", "14:00")],
        [("3", "14:00", "")],
        [("9", "14:00", "16:00")],
        [("3", "14:00", "16:00"), ("3", "15:00", "17:00")],
        [("3", "later", "16:00")],
    ],
)
def test_bad_time_slots_are_shown_as_errors(world, client_for, slots):
    referral = world.a.unmatched_referral
    PupilAvailabilityFactory(pupil=referral.pupil, weekday=1)

    response = client_for(world.a.project_leader).post(
        url("pupil_availability", referral.pk), slot_data(*slots)
    )

    assert response.status_code == 200
    assert list(
        PupilAvailability.objects.filter(pupil=referral.pupil).values_list("weekday", flat=True)
    ) == [1]


# --- access: every page -------------------------------------------------------------------------


def _pages(world):
    """(url, kind): kind 'leader' pages are for project leaders only; 'match' pages also
    for the match's volunteer (to view)."""
    referral = world.a.unmatched_referral
    match = world.a.match
    return [
        (url("match_suggestions", referral.pk), "leader"),
        (url("match_create", referral.pk), "leader"),
        (url("pupil_availability", referral.pk), "leader"),
        (url("match_batch", world.a.programme.pk), "leader"),
        (url("match_end", match.pk), "match"),
        (url("match_replace", match.pk), "match"),
        (url("match_add_participant", match.pk), "match"),
        (url("match_remove_participant", match.pk, world.a.participant.pk), "match"),
        (url("match_detail", match.pk), "match"),
    ]


def test_anonymous_visitors_go_to_the_login_page(world, client):
    for page, _kind in [*_pages(world), (url("match_list"), "list")]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("account_login")), page


@pytest.mark.parametrize("who", ["outsider", "school_referrer", "municipal_official"])
def test_people_outside_matching_get_403_and_see_nothing(world, client_for, who):
    user = world.outsider if who == "outsider" else getattr(world.a, who)
    client = client_for(user)
    for page, _kind in [*_pages(world), (url("match_list"), "list")]:
        response = client.get(page)
        assert response.status_code == 403, page
        assert world.a.pupil.full_name not in text(response)
        assert client.post(page, {}).status_code == 403, page
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_a_leader_of_another_initiative_gets_404_everywhere(world, client_for):
    client = client_for(world.b.project_leader)
    for page, _kind in _pages(world):
        assert client.get(page).status_code == 404, page
        assert client.post(page, {}).status_code == 404, page
    page = client.get(url("match_list"))
    assert world.a.pupil.full_name not in text(page)
    world.a.match.refresh_from_db()
    assert world.a.match.is_active


def test_a_volunteer_gets_403_on_the_leaders_matching_pages(world, client_for):
    client = client_for(world.a.volunteer_user)
    for page, kind in _pages(world):
        if kind == "leader":
            assert client.get(page).status_code == 403, page
            assert client.post(page, {}).status_code == 403, page
    world.a.unmatched_referral.refresh_from_db()
    assert world.a.unmatched_referral.status == S.WAITING


def test_an_administrator_may_open_every_page(world, client_for):
    client = client_for(world.superuser)
    for page, _kind in [*_pages(world), (url("match_list"), "list")]:
        assert client.get(page).status_code == 200, page


# --- query counts -------------------------------------------------------------------------------


def _count(client, page, django_assert_max_num_queries, limit=60) -> int:
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(page)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_match_list_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.a.project_leader)
    few = _count(client, url("match_list"), django_assert_max_num_queries)
    for _ in range(20):
        MatchParticipantFactory(
            match=MatchFactory(programme=world.a.programme, volunteer=eligible(world.a))
        )
    many = _count(client, url("match_list"), django_assert_max_num_queries, few)

    assert many == few
    assert text(client.get(url("match_list"))).count("data-match=") == 21


def test_the_batch_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.a.project_leader)
    page = url("match_batch", world.a.programme.pk)
    for _ in range(2):
        PupilAvailabilityFactory(pupil=waiting(world.a).pupil)
        fitting(world.a)
    few = _count(client, page, django_assert_max_num_queries)
    for _ in range(15):
        PupilAvailabilityFactory(pupil=waiting(world.a).pupil)
        fitting(world.a)
    many = _count(client, page, django_assert_max_num_queries, few)

    assert many == few
    assert text(client.get(page)).count('<tr class="utrecht-table__row" data-referral=') >= 17


def test_the_suggestions_query_count_does_not_grow(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.a.project_leader)
    referral = waiting(world.a)
    page = url("match_suggestions", referral.pk)
    fitting(world.a)
    few = _count(client, page, django_assert_max_num_queries)
    for _ in range(10):
        fitting(world.a)
    many = _count(client, page, django_assert_max_num_queries, few)

    assert many == few
