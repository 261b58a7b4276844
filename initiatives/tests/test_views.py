"""The volunteer pages: who may open them, what they show, and what a bad form does."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.tests.factories import MembershipFactory
from initiatives.models import VOG, Availability, Initiative, Training, Volunteer
from initiatives.tests.factories import (
    AvailabilityFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    VOGFactory,
    VolunteerFactory,
    days_ago,
)
from initiatives.tests.helpers import resolve, shown, text
from municipality.tests.factories import NeighbourhoodFactory
from referrals.tests.factories import MatchFactory, MatchParticipantFactory

pytestmark = pytest.mark.django_db

S = Volunteer.Status


def row_html(response, volunteer) -> str:
    match = re.search(rf'data-volunteer="{volunteer.pk}".*?</tr>', text(response), re.S)
    assert match, "volunteer not in the list"
    return match.group(0)


def url(name: str, obj=None) -> str:
    return reverse(f"initiatives:{name}", args=[obj.pk] if obj is not None else [])


VOLUNTEER_PAGES = [
    "volunteer_edit",
    "volunteer_status",
    "volunteer_intake",
    "vog_record",
    "training_record",
    "availability_edit",
]


# --- who may open what ------------------------------------------------------------


@pytest.mark.parametrize("name", ["volunteer_list", "volunteer_create"])
@pytest.mark.parametrize("who", ["outsider", "a.volunteer_user", "a.school_referrer"])
def test_non_leaders_get_403_on_list_and_create(world, client_for, name, who):
    response = client_for(resolve(world, who)).get(url(name))

    assert response.status_code == 403
    assert world.a.volunteer.phone not in text(response)


@pytest.mark.parametrize("name", ["volunteer_detail", *VOLUNTEER_PAGES])
def test_leader_of_another_initiative_gets_404_on_every_volunteer_page(world, client_for, name):
    TrainingFactory(initiative=world.a.initiative)
    client = client_for(world.b.project_leader)

    assert client.get(url(name, world.a.volunteer)).status_code == 404
    assert client.post(url(name, world.a.volunteer), {}).status_code == 404


@pytest.mark.parametrize("name", VOLUNTEER_PAGES)
@pytest.mark.parametrize("who", ["outsider", "a.volunteer_user", "a.municipal_official"])
def test_non_leaders_get_403_on_every_change_page(world, client_for, name, who):
    client = client_for(resolve(world, who))

    response = client.post(url(name, world.a.volunteer), {"date": "2020-01-01"})

    assert response.status_code == 403
    assert world.a.volunteer.phone not in text(response)


@pytest.mark.parametrize("who", ["outsider", "a.school_referrer", "b.volunteer_user"])
def test_outsiders_get_404_on_a_volunteers_record(world, client_for, who):
    response = client_for(resolve(world, who)).get(url("volunteer_detail", world.a.volunteer))

    assert response.status_code == 404
    assert world.a.volunteer.phone not in text(response)


def test_anonymous_visitor_is_sent_to_log_in(client, world):
    for path in (url("volunteer_list"), url("volunteer_detail", world.a.volunteer)):
        response = client.get(path)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("who", ["outsider", "a.volunteer_user"])
def test_settings_page_is_403_for_non_leaders(world, client_for, who):
    response = client_for(resolve(world, who)).get(url("initiative_settings", world.a.initiative))

    assert response.status_code == 403


def test_settings_page_of_another_initiative_is_404(world, client_for):
    client = client_for(world.b.project_leader)

    assert client.get(url("initiative_settings", world.a.initiative)).status_code == 404
    response = client.post(
        url("initiative_settings", world.a.initiative),
        {"form": "rules", "vog_max_age_years": "1", "attention_no_session_weeks": "2"},
    )
    assert response.status_code == 404
    assert Initiative.objects.get(pk=world.a.initiative.pk).vog_max_age_years == 3


# --- the list ---------------------------------------------------------------------


def test_list_shows_the_initiatives_volunteers_with_their_matching_facts(world, client_for):
    no_vog = VolunteerFactory(initiative=world.a.initiative, active=True, last_name="Zonder")
    ready = VolunteerFactory(initiative=world.a.initiative, active=True, last_name="Klaar")
    VOGFactory(volunteer=ready)

    response = client_for(world.a.project_leader).get(url("volunteer_list"))

    assert response.status_code == 200
    assert world.b.volunteer.last_name not in text(response)
    row = row_html(response, no_vog)
    assert 'data-matchable="no"' in row
    with translation.override("nl"):
        assert escape(gettext("No VOG has been recorded for this volunteer.")) in row
    row = row_html(response, ready)
    assert 'data-matchable="yes"' in row
    assert "0 / 1" in row


def test_list_shows_the_retention_figures(world, client_for):
    VolunteerFactory(initiative=world.a.initiative, stopped=True, stop_reason="Verhuisd")

    response = client_for(world.a.project_leader).get(url("volunteer_list"))

    assert re.search(r'data-figure="active">1<', text(response))
    assert re.search(r'data-figure="stopped">1<', text(response))
    assert "Verhuisd" in text(response)


def test_list_filters_by_search(world, client_for):
    VolunteerFactory(initiative=world.a.initiative, first_name="Zoë", last_name="Zoekbaar")

    response = client_for(world.a.project_leader).post(
        url("volunteer_list"), {"q": "zoekb"}, follow=True
    )

    assert "Zoekbaar" in text(response)
    assert world.a.volunteer.last_name not in text(response)


def test_a_name_search_is_posted_and_kept_out_of_the_address(world, client_for):
    client = client_for(world.a.project_leader)

    response = client.post(
        url("volunteer_list"), {"q": "Ouwerkerk", "status": "all", "programme": ""}
    )

    assert response.status_code == 302
    location = response["Location"]
    assert "Ouwerkerk" not in location
    assert "q=" not in location
    assert re.fullmatch(r"/vrijwilligers/\?status=all&search=[\w-]{16}", location)
    page = client.get(location)
    assert world.a.volunteer.last_name in text(page)
    assert 'value="Ouwerkerk"' in text(page)  # the field keeps the name, the address does not
    assert 'method="post"' in text(page)


def test_a_name_in_the_address_is_ignored(world, client_for):
    other = VolunteerFactory(initiative=world.a.initiative, active=True, last_name="Anders")

    response = client_for(world.a.project_leader).get(url("volunteer_list"), {"q": "Ouwerkerk"})

    assert other.last_name in text(response)


def test_an_unknown_search_key_shows_the_list_and_asks_to_search_again(world, client_for):
    other = VolunteerFactory(initiative=world.a.initiative, active=True, last_name="Anders")

    response = client_for(world.a.project_leader).get(url("volunteer_list"), {"search": "gone"})

    assert response.status_code == 200
    assert other.last_name in text(response)
    assert world.a.volunteer.last_name in text(response)
    with translation.override("nl"):
        assert escape(gettext("This search by name has expired; search again.")) in text(response)


def test_another_users_search_key_finds_nothing_of_theirs(world, client_for):
    leader = client_for(world.a.project_leader)
    location = leader.post(url("volunteer_list"), {"q": "Ouwerkerk"})["Location"]
    colleague = MembershipFactory(initiative=world.a.initiative).user  # a leader, own session

    response = client_for(colleague).get(location)

    assert 'value="Ouwerkerk"' not in text(response)


def test_list_with_a_programme_of_another_initiative_shows_a_form_error_not_a_500(
    world, client_for
):
    response = client_for(world.a.project_leader).get(
        url("volunteer_list"), {"programme": world.b.programme.pk, "status": "nonsense"}
    )

    assert response.status_code == 200
    assert "utrecht-form-field-error-message" in text(response)
    assert world.b.volunteer.last_name not in text(response)


def test_list_page_queries_do_not_grow_with_the_number_of_volunteers(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.a.project_leader)
    TrainingFactory(initiative=world.a.initiative, required=True)
    client.get(url("volunteer_list"))

    with CaptureQueriesContext(connection) as one:
        client.get(url("volunteer_list"))
    for _ in range(10):
        volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)
        VOGFactory(volunteer=volunteer)
        TrainingCompletionFactory(volunteer=volunteer)
        MatchParticipantFactory(
            match=MatchFactory(programme=world.a.programme, volunteer=volunteer)
        )

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url("volunteer_list"))
    assert text(response).count("data-volunteer=") == 11


def test_the_list_is_paged_and_counts_every_volunteer(world, client_for, monkeypatch):
    from initiatives.views import volunteers as views

    monkeypatch.setattr(views, "VOLUNTEERS_PER_PAGE", 3)
    for _ in range(4):
        VolunteerFactory(initiative=world.a.initiative, active=True)
    client = client_for(world.a.project_leader)

    first = client.get(url("volunteer_list"))
    second = client.get(url("volunteer_list"), {"page": 2})

    assert first.status_code == second.status_code == 200
    assert text(first).count("data-volunteer=") == 3
    assert text(second).count("data-volunteer=") == 2  # 5 in all: the world's and these 4
    with translation.override("nl"):
        assert escape(gettext("Next page")) in text(first)
        assert "5 " in text(first) and escape(gettext("Previous page")) in text(second)


# --- one volunteer ----------------------------------------------------------------


def test_detail_shows_history_screening_availability_profile_and_matches(world, client_for):
    volunteer = world.a.volunteer
    Volunteer.objects.filter(pk=volunteer.pk).update(intake_notes="Rustig en geduldig.")
    VOGFactory(volunteer=volunteer, issued_on=days_ago(100))
    TrainingCompletionFactory(volunteer=volunteer, training__name="Basistraining taal")
    AvailabilityFactory(volunteer=volunteer, weekday=3)
    client = client_for(world.a.project_leader)
    client.post(
        url("volunteer_status", volunteer),
        {"to_status": S.PAUSED, "date": timezone.localdate().isoformat(), "reason": "Vakantie"},
    )

    response = client.get(url("volunteer_detail", volunteer))

    assert response.status_code == 200
    content = text(response)
    assert 'data-to-status="paused"' in content
    assert "Vakantie" in content
    assert "Basistraining taal" in content
    assert "Rustig en geduldig." in content
    assert "14:00" in content
    assert world.a.pupil.full_name in content
    assert f'data-match="{world.a.match.pk}"' in content
    assert url("volunteer_edit", volunteer) in content


def test_volunteer_sees_their_own_record_read_only(world, client_for):
    volunteer = world.a.volunteer
    Volunteer.objects.filter(pk=volunteer.pk).update(intake_notes="Alleen voor de projectleider.")
    VOGFactory(volunteer=volunteer)

    response = client_for(world.a.volunteer_user).get(url("volunteer_detail", volunteer))

    assert response.status_code == 200
    content = text(response)
    assert volunteer.full_name in content
    assert world.a.pupil.full_name in content
    assert "Alleen voor de projectleider." not in content
    for name in VOLUNTEER_PAGES:
        assert url(name, volunteer) not in content


def test_volunteer_cannot_see_a_colleagues_record(world, client_for):
    colleague = VolunteerFactory(initiative=world.a.initiative, phone="06-99999999")

    response = client_for(world.a.volunteer_user).get(url("volunteer_detail", colleague))

    assert response.status_code == 404
    assert "06-99999999" not in text(response)


# --- creating and editing ------------------------------------------------------------


def profile_post(**overrides) -> dict:
    data = {
        "first_name": "Daan",
        "last_name": "Visser",
        "email": "daan@example.nl",
        "phone": "06-11112222",
        "postcode": "3531AB",
        "capacity": "2",
        "school_levels": ["PO"],
        "languages": "Nederlands, Turks",
        "subjects": "rekenen",
        "max_travel_km": "5",
        "availability-TOTAL_FORMS": "2",
        "availability-INITIAL_FORMS": "0",
        "availability-MIN_NUM_FORMS": "0",
        "availability-MAX_NUM_FORMS": "21",
        "availability-0-weekday": "2",
        "availability-0-start_time": "15:00",
        "availability-0-end_time": "17:00",
    }
    data.update(overrides)
    return data


def test_leader_adds_a_volunteer_with_availability(world, client_for):
    neighbourhood = NeighbourhoodFactory(municipality=world.a.municipality)
    client = client_for(world.a.project_leader)
    assert client.get(url("volunteer_create")).status_code == 200

    response = client.post(
        url("volunteer_create"),
        profile_post(neighbourhoods=[neighbourhood.pk], programmes=[world.a.programme.pk]),
    )

    volunteer = Volunteer.objects.get(last_name="Visser")
    assert response.status_code == 302
    assert response["Location"] == url("volunteer_detail", volunteer)
    assert volunteer.initiative == world.a.initiative
    assert volunteer.status == S.APPLICANT
    assert volunteer.languages == ["Nederlands", "Turks"]
    assert list(volunteer.neighbourhoods.all()) == [neighbourhood]
    assert list(volunteer.availability.values_list("weekday", flat=True)) == [2]


@pytest.mark.parametrize(
    "overrides",
    [
        {"capacity": "0"},
        {"capacity": "veel"},
        {"last_name": ""},
        {"email": "geen-mail"},
        {"date_of_birth": "2999-01-01"},
        {"availability-0-end_time": "14:00"},
        {"availability-TOTAL_FORMS": "x"},
    ],
)
def test_bad_input_on_create_shows_a_form_error_and_saves_nothing(world, client_for, overrides):
    before = Volunteer.objects.count()

    response = client_for(world.a.project_leader).post(
        url("volunteer_create"), profile_post(**overrides)
    )

    assert response.status_code == 200
    assert "error" in text(response)
    assert Volunteer.objects.count() == before


def test_neighbourhood_of_another_municipality_cannot_be_chosen(world, client_for):
    elsewhere = NeighbourhoodFactory(municipality=world.b.municipality)

    response = client_for(world.a.project_leader).post(
        url("volunteer_create"), profile_post(neighbourhoods=[elsewhere.pk])
    )

    assert response.status_code == 200
    assert not Volunteer.objects.filter(last_name="Visser").exists()


def test_overlapping_slots_on_create_show_the_service_message_and_save_nothing(world, client_for):
    response = client_for(world.a.project_leader).post(
        url("volunteer_create"),
        profile_post(
            **{
                "availability-1-weekday": "2",
                "availability-1-start_time": "16:00",
                "availability-1-end_time": "18:00",
            }
        ),
    )

    assert response.status_code == 200
    assert "16:00" in text(response)
    assert not Volunteer.objects.filter(last_name="Visser").exists()


def test_leader_edits_the_profile(world, client_for):
    volunteer = world.a.volunteer
    client = client_for(world.a.project_leader)
    page = client.get(url("volunteer_edit", volunteer))
    assert page.status_code == 200
    assert volunteer.email in text(page)

    response = client.post(
        url("volunteer_edit", volunteer),
        {
            "first_name": volunteer.first_name,
            "last_name": "Nieuwenhuis",
            "capacity": "3",
            "school_levels": ["PO", "VO"],
            "online_possible": "on",
        },
    )

    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.last_name, volunteer.capacity, volunteer.online_possible) == (
        "Nieuwenhuis",
        3,
        True,
    )
    assert volunteer.school_levels == ["PO", "VO"]


def test_lowering_capacity_below_current_pupils_shows_the_reason(world, client_for):
    volunteer = world.a.volunteer
    Volunteer.objects.filter(pk=volunteer.pk).update(capacity=2)
    MatchParticipantFactory(match=world.a.match)

    response = client_for(world.a.project_leader).post(
        url("volunteer_edit", volunteer),
        {"first_name": "A", "last_name": "B", "capacity": "1"},
    )

    assert response.status_code == 200
    assert "2" in text(response)
    volunteer.refresh_from_db()
    assert volunteer.capacity == 2


# --- availability ----------------------------------------------------------------------


def availability_post(rows, *, initial=0) -> dict:
    data = {
        "availability-TOTAL_FORMS": str(len(rows)),
        "availability-INITIAL_FORMS": str(initial),
        "availability-MIN_NUM_FORMS": "0",
        "availability-MAX_NUM_FORMS": "21",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"availability-{i}-{key}"] = value
    return data


def test_availability_page_replaces_the_slots(world, client_for):
    volunteer = world.a.volunteer
    AvailabilityFactory(volunteer=volunteer, weekday=1)
    AvailabilityFactory(volunteer=volunteer, weekday=4)
    client = client_for(world.a.project_leader)
    page = client.get(url("availability_edit", volunteer))
    assert page.status_code == 200
    assert 'value="14:00"' in text(page)

    response = client.post(
        url("availability_edit", volunteer),
        availability_post(
            [
                {"weekday": "1", "start_time": "14:00", "end_time": "17:00"},  # kept
                {"weekday": "4", "start_time": "14:00", "end_time": "17:00", "DELETE": "on"},
                {"weekday": "6", "start_time": "10:00", "end_time": "12:00"},  # new
                {},  # empty row
            ],
            initial=2,
        ),
    )

    assert response.status_code == 302
    assert list(volunteer.availability.values_list("weekday", flat=True)) == [1, 6]


def test_invalid_availability_rows_save_nothing(world, client_for):
    volunteer = world.a.volunteer
    AvailabilityFactory(volunteer=volunteer, weekday=1)

    response = client_for(world.a.project_leader).post(
        url("availability_edit", volunteer),
        availability_post(
            [
                {"weekday": "2", "start_time": "09:00", "end_time": "12:00"},
                {"weekday": "2", "start_time": "11:00", "end_time": "13:00"},
            ]
        ),
    )

    assert response.status_code == 200
    assert 'role="alert"' in text(response)
    assert list(Availability.objects.filter(volunteer=volunteer).values_list("weekday")) == [(1,)]


def test_availability_ending_before_it_starts_is_a_form_error(world, client_for):
    volunteer = world.a.volunteer

    response = client_for(world.a.project_leader).post(
        url("availability_edit", volunteer),
        availability_post([{"weekday": "2", "start_time": "12:00", "end_time": "09:00"}]),
    )

    assert response.status_code == 200
    assert shown(response, "The end time must be after the start time.")
    assert not volunteer.availability.exists()


# --- status ---------------------------------------------------------------------------


def test_status_page_offers_only_the_allowed_statuses(world, client_for):
    applicant = VolunteerFactory(initiative=world.a.initiative)

    response = client_for(world.a.project_leader).get(url("volunteer_status", applicant))

    assert response.status_code == 200
    assert 'value="screening"' in text(response)
    assert 'value="stopped"' in text(response)
    assert 'value="active"' not in text(response)


def test_status_change_is_saved_and_shown_in_the_history(world, client_for):
    applicant = VolunteerFactory(initiative=world.a.initiative)
    client = client_for(world.a.project_leader)

    response = client.post(
        url("volunteer_status", applicant),
        {"to_status": S.SCREENING, "date": days_ago(1).isoformat(), "reason": "Aangemeld via site"},
    )

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == S.SCREENING
    page = client.get(url("volunteer_detail", applicant))
    assert 'data-to-status="screening"' in text(page)
    assert "Aangemeld via site" in text(page)


def test_status_not_allowed_from_here_is_a_form_error(world, client_for):
    applicant = VolunteerFactory(initiative=world.a.initiative)

    response = client_for(world.a.project_leader).post(
        url("volunteer_status", applicant),
        {"to_status": S.ACTIVE, "date": days_ago(1).isoformat()},
    )

    assert response.status_code == 200
    assert "utrecht-form-field-error-message" in text(response)
    applicant.refresh_from_db()
    assert applicant.status == S.APPLICANT


def test_stopping_without_a_reason_is_a_form_error(world, client_for):
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)

    response = client_for(world.a.project_leader).post(
        url("volunteer_status", volunteer),
        {"to_status": S.STOPPED, "date": days_ago(0).isoformat(), "reason": ""},
    )

    assert response.status_code == 200
    assert shown(response, "Give the reason why the volunteer stops.")
    volunteer.refresh_from_db()
    assert volunteer.status == S.ACTIVE


def test_stopping_a_volunteer_with_active_matches_shows_why_not(world, client_for):
    response = client_for(world.a.project_leader).post(
        url("volunteer_status", world.a.volunteer),
        {"to_status": S.STOPPED, "date": days_ago(0).isoformat(), "reason": "Verhuisd"},
    )

    assert response.status_code == 200
    assert 'role="alert"' in text(response)
    world.a.volunteer.refresh_from_db()
    assert world.a.volunteer.status == S.ACTIVE


def test_status_date_in_the_future_is_a_form_error(world, client_for):
    applicant = VolunteerFactory(initiative=world.a.initiative)

    response = client_for(world.a.project_leader).post(
        url("volunteer_status", applicant),
        {"to_status": S.SCREENING, "date": days_ago(-3).isoformat()},
    )

    assert response.status_code == 200
    assert shown(response, "The date of a status change cannot be in the future.")


# --- screening ------------------------------------------------------------------------


def test_intake_is_recorded(world, client_for):
    volunteer = VolunteerFactory(initiative=world.a.initiative)
    client = client_for(world.a.project_leader)
    assert client.get(url("volunteer_intake", volunteer)).status_code == 200

    response = client.post(
        url("volunteer_intake", volunteer),
        {"date": days_ago(1).isoformat(), "notes": "Ervaring als bijlesdocent."},
    )

    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.intake_date, volunteer.intake_notes) == (
        days_ago(1),
        "Ervaring als bijlesdocent.",
    )


def test_vog_is_recorded_by_the_leader_who_checked_it(world, client_for):
    client = client_for(world.a.project_leader)
    assert client.get(url("vog_record", world.a.volunteer)).status_code == 200

    response = client.post(
        url("vog_record", world.a.volunteer),
        {"issued_on": days_ago(20).isoformat(), "checked_on": days_ago(2).isoformat()},
    )

    assert response.status_code == 302
    vog = VOG.objects.get(volunteer=world.a.volunteer)
    assert (vog.issued_on, vog.checked_by) == (days_ago(20), world.a.project_leader)


@pytest.mark.parametrize(
    ("issued", "checked", "message"),
    [
        (-1, 0, "The issue date cannot be in the future."),
        (5, 6, "The original cannot have been checked before it was issued."),
        ("31-02-2024", 0, None),
    ],
)
def test_bad_vog_dates_are_form_errors(world, client_for, issued, checked, message):
    data = {
        "issued_on": days_ago(issued).isoformat() if isinstance(issued, int) else issued,
        "checked_on": days_ago(checked).isoformat(),
    }

    response = client_for(world.a.project_leader).post(url("vog_record", world.a.volunteer), data)

    assert response.status_code == 200
    if message:
        assert shown(response, message)
    assert "utrecht-form-field-error-message" in text(response)
    assert not VOG.objects.filter(volunteer=world.a.volunteer).exists()


def test_training_is_recorded(world, client_for):
    training = TrainingFactory(initiative=world.a.initiative, name="Taal en spel")
    TrainingFactory(initiative=world.b.initiative, name="Van de andere kant")
    client = client_for(world.a.project_leader)
    page = client.get(url("training_record", world.a.volunteer))
    assert "Taal en spel" in text(page)
    assert "Van de andere kant" not in text(page)

    response = client.post(
        url("training_record", world.a.volunteer),
        {"training": training.pk, "completed_on": days_ago(3).isoformat()},
    )

    assert response.status_code == 302
    assert world.a.volunteer.training_completions.get().training == training


def test_training_of_another_initiative_cannot_be_recorded(world, client_for):
    TrainingFactory(initiative=world.a.initiative)
    other = TrainingFactory(initiative=world.b.initiative)

    response = client_for(world.a.project_leader).post(
        url("training_record", world.a.volunteer),
        {"training": other.pk, "completed_on": days_ago(3).isoformat()},
    )

    assert response.status_code == 200
    assert not world.a.volunteer.training_completions.exists()


def test_training_page_without_trainings_sends_back_with_a_message(world, client_for):
    response = client_for(world.a.project_leader).get(url("training_record", world.a.volunteer))

    assert response.status_code == 302
    assert response["Location"] == url("volunteer_detail", world.a.volunteer)


# --- the initiative's rules ----------------------------------------------------------------


def test_leader_changes_the_rules_and_the_list_follows(world, client_for):
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)
    VOGFactory(volunteer=volunteer, issued_on=days_ago(2 * 365 + 10))
    training = TrainingFactory(initiative=world.a.initiative)
    client = client_for(world.a.project_leader)
    assert client.get(url("initiative_settings", world.a.initiative)).status_code == 200
    assert 'data-matchable="yes"' in row_html(client.get(url("volunteer_list")), volunteer)

    response = client.post(
        url("initiative_settings", world.a.initiative),
        {
            "form": "rules",
            "vog_max_age_years": "1",
            "required_trainings": [training.pk],
            "attention_no_session_weeks": "4",
        },
    )

    assert response.status_code == 302
    initiative = Initiative.objects.get(pk=world.a.initiative.pk)
    assert (initiative.vog_max_age_years, initiative.volunteers_log_sessions) == (1, False)
    training.refresh_from_db()
    assert training.required
    row = row_html(client.get(url("volunteer_list")), volunteer)
    assert 'data-matchable="no"' in row
    assert training.name in row


@pytest.mark.parametrize("years", ["0", "", "drie"])
def test_bad_rules_are_form_errors(world, client_for, years):
    response = client_for(world.a.project_leader).post(
        url("initiative_settings", world.a.initiative),
        {"form": "rules", "vog_max_age_years": years, "attention_no_session_weeks": "3"},
    )

    assert response.status_code == 200
    assert "utrecht-form-field-error-message" in text(response)
    assert Initiative.objects.get(pk=world.a.initiative.pk).vog_max_age_years == 3


def test_leader_adds_a_training_and_a_duplicate_is_a_form_error(world, client_for):
    client = client_for(world.a.project_leader)
    data = {"form": "training", "training-name": "Kindermishandeling herkennen"}

    assert client.post(url("initiative_settings", world.a.initiative), data).status_code == 302
    response = client.post(url("initiative_settings", world.a.initiative), data)

    assert response.status_code == 200
    assert "utrecht-form-field-error-message" in text(response)
    assert Training.objects.filter(initiative=world.a.initiative).count() == 1


def test_leader_of_two_initiatives_chooses_the_initiative_and_its_programmes(world, client_for):
    leader = world.a.project_leader
    MembershipFactory(user=leader, project_leader=True, initiative=world.b.initiative)
    client = client_for(leader)
    page = client.get(url("volunteer_create"))
    assert 'name="initiative"' in text(page)
    assert f"{world.b.programme.name} ({world.b.initiative.name})" in text(page)

    response = client.post(
        url("volunteer_create"),
        profile_post(initiative=world.a.initiative.pk, programmes=[world.b.programme.pk]),
    )
    assert response.status_code == 200
    assert "utrecht-form-field-error-message" in text(response)
    assert not Volunteer.objects.filter(last_name="Visser").exists()

    response = client.post(
        url("volunteer_create"),
        profile_post(initiative=world.b.initiative.pk, programmes=[world.b.programme.pk]),
    )
    assert response.status_code == 302
    assert Volunteer.objects.get(last_name="Visser").initiative == world.b.initiative


def test_superuser_sees_every_volunteer_and_may_manage_them(world, client_for):
    client = client_for(world.superuser)

    response = client.get(url("volunteer_list"))

    assert response.status_code == 200
    assert f'data-volunteer="{world.b.volunteer.pk}"' in text(response)
    detail = client.get(url("volunteer_detail", world.b.volunteer))
    assert url("volunteer_edit", world.b.volunteer) in text(detail)
