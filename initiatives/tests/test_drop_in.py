"""A drop-in language café: headcounts per session, never names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import MembershipFactory, UserFactory
from initiatives.models import DropInSession, Programme
from initiatives.services.adult import (
    ADULT_IMPACT_QUESTIONS,
    DOSAGE_TEMPLATES,
    adult_programme_add_default_questions,
    apply_dosage_template,
)
from initiatives.services.drop_in import drop_in_session_record
from initiatives.tests.factories import ProgrammeFactory
from initiatives.tests.helpers import text
from referrals.models import ImpactMeasurement, ImpactQuestion

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def cafe(world):
    return ProgrammeFactory(
        initiative=world.a.programme.initiative, drop_in=True, name="Taalcafé Noordpunt"
    )


def record(world, cafe, **kwargs):
    values = {"date": TODAY, "duration_minutes": 90, "headcount": 14}
    values.update(kwargs)
    return drop_in_session_record(user=world.a.project_leader, programme=cafe, **values)


# --- the model --------------------------------------------------------------------


def test_drop_in_session_has_no_field_for_a_person():
    names = {field.name for field in DropInSession._meta.get_fields()}
    assert not ({"pupil", "volunteer", "email", "phone", "birth_date"} & names)
    assert not any(
        field.is_relation and field.related_model is not Programme
        for field in DropInSession._meta.get_fields()
    )
    assert not any("name" in n for n in names)


# --- the service ------------------------------------------------------------------


def test_leader_logs_a_session(world, cafe):
    session = record(world, cafe, first_visits=3, volunteers_present=4)
    session.refresh_from_db()
    assert (session.headcount, session.first_visits, session.volunteers_present) == (14, 3, 4)


def test_only_drop_in_programmes_log_headcounts(world):
    with pytest.raises(ValidationError) as error:
        drop_in_session_record(
            user=world.a.project_leader,
            programme=world.a.programme,
            date=TODAY,
            duration_minutes=90,
            headcount=5,
        )
    assert "programme" in error.value.message_dict


def test_other_initiatives_leader_cannot_log(world, cafe):
    with pytest.raises(PermissionDenied):
        drop_in_session_record(
            user=world.b.project_leader,
            programme=cafe,
            date=TODAY,
            duration_minutes=90,
            headcount=5,
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"date": TODAY + dt.timedelta(days=1)}, "date"),
        ({"headcount": 501}, "headcount"),
        ({"headcount": -1}, "headcount"),
        ({"headcount": 5, "first_visits": 6}, "first_visits"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"volunteers_present": 501}, "volunteers_present"),
    ],
)
def test_insane_counts_are_refused_in_dutch(world, cafe, kwargs, field):
    from django.utils import translation

    with translation.override("nl"), pytest.raises(ValidationError) as error:
        record(world, cafe, **kwargs)
    assert field in error.value.message_dict
    assert not DropInSession.objects.exists()


# --- the page ---------------------------------------------------------------------


def url(cafe):
    return reverse("initiatives:drop_in_sessions", args=[cafe.pk])


def test_leader_logs_and_sees_sessions_without_names(client_for, world, cafe):
    client = client_for(world.a.project_leader)
    response = client.post(
        url(cafe),
        {
            "date": TODAY.isoformat(),
            "duration_minutes": 90,
            "headcount": 37,
            "first_visits": 2,
            "volunteers_present": 3,
        },
    )
    assert response.status_code == 302
    assert DropInSession.objects.get().headcount == 37
    page = text(client.get(url(cafe)))
    assert "Taalcafé Noordpunt" in page
    assert "37" in page
    for person in (world.a.pupil, world.a.volunteer):
        assert person.first_name not in page


def test_bad_input_shows_the_form_again(client_for, world, cafe):
    response = client_for(world.a.project_leader).post(
        url(cafe),
        {"date": TODAY.isoformat(), "duration_minutes": 90, "headcount": 3, "first_visits": 9},
    )
    assert response.status_code == 200
    assert not DropInSession.objects.exists()


def test_settings_page_links_to_the_cafe(client_for, world, cafe):
    page = text(
        client_for(world.a.project_leader).get(
            reverse("initiatives:initiative_settings", args=[cafe.initiative_id])
        )
    )
    assert url(cafe) in page
    assert reverse("initiatives:drop_in_sessions", args=[world.a.programme.pk]) not in page


def test_a_programme_that_is_not_drop_in_has_no_cafe_page(client_for, world):
    response = client_for(world.a.project_leader).get(url(world.a.programme))
    assert response.status_code == 404


def test_other_initiatives_leader_gets_404(client_for, world, cafe):
    assert client_for(world.b.project_leader).get(url(cafe)).status_code == 404


@pytest.mark.parametrize("who", ["volunteer_user", "school_referrer", "municipal_official"])
def test_other_roles_get_403(client_for, world, cafe, who):
    response = client_for(getattr(world.a, who)).get(url(cafe))
    assert response.status_code in (403, 404)
    response = client_for(getattr(world.a, who)).post(
        url(cafe), {"date": TODAY.isoformat(), "duration_minutes": 90, "headcount": 3}
    )
    assert response.status_code in (403, 404)
    assert not DropInSession.objects.exists()


def test_client_manager_gets_403(client_for, world, cafe):
    user = UserFactory()
    MembershipFactory(
        user=user, role=Role.CLIENT_MANAGER, initiative=None, municipality=world.a.municipality
    )
    assert client_for(user).get(url(cafe)).status_code == 403


def test_anonymous_goes_to_login(client, cafe):
    response = client.get(url(cafe))
    assert response.status_code == 302


def test_list_query_count_does_not_grow(client_for, world, cafe, django_assert_max_num_queries):
    client = client_for(world.a.project_leader)
    record(world, cafe)
    client.get(url(cafe))
    with django_assert_max_num_queries(30) as few:
        client.get(url(cafe))
    for day in range(1, 8):
        record(world, cafe, date=TODAY - dt.timedelta(days=day))
    with django_assert_max_num_queries(len(few)):
        client.get(url(cafe))


# --- adult programmes: dosage templates and default questions ---------------------


def test_dosage_templates_fill_the_planned_dosage(world):
    programme = ProgrammeFactory.build(initiative=world.a.programme.initiative)
    apply_dosage_template(programme, "adult_40_12m")
    assert (
        programme.planned_meetings,
        programme.session_minutes,
        programme.usual_duration_weeks,
    ) == (40, 90, 52)
    assert DOSAGE_TEMPLATES["adult_20_6m"].planned_meetings == 20
    assert DOSAGE_TEMPLATES["adult_20_6m"].usual_duration_weeks == 26


def test_adult_programme_gets_the_three_default_questions_once(world):
    programme = ProgrammeFactory(initiative=world.a.programme.initiative, adult=True)
    adult_programme_add_default_questions(programme=programme)
    adult_programme_add_default_questions(programme=programme)
    texts = list(ImpactQuestion.objects.filter(programme=programme).values_list("text", flat=True))
    assert texts == [str(t) for t in ADULT_IMPACT_QUESTIONS]


def test_pupil_programme_gets_no_adult_questions(world):
    assert adult_programme_add_default_questions(programme=world.a.programme) == []
    assert not ImpactQuestion.objects.filter(
        programme=world.a.programme, text__icontains="coach"
    ).exists()


def test_measurement_moments_include_halfway():
    assert [m for m, _label in ImpactMeasurement.Moment.choices] == ["start", "mid", "end"]


def test_admin_template_choice_fills_the_dosage(world):
    from initiatives.admin import ProgrammeAdminForm

    programme = world.a.programme
    form = ProgrammeAdminForm(instance=programme)
    data = {
        name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None
    }
    data.update(
        {
            "municipalities": [m.pk for m in programme.municipalities.all()],
            "dosage_template": "adult_20_6m",
            "audience": Programme.Audience.ADULTS,
        }
    )
    data = {k: v for k, v in data.items() if k not in ("schools", "required_trainings")}
    form = ProgrammeAdminForm(data=data, instance=programme)
    assert form.is_valid(), form.errors
    saved = form.save()
    assert (saved.planned_meetings, saved.session_minutes, saved.usual_duration_weeks) == (
        20,
        90,
        26,
    )
