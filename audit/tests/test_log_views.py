"""The privacy officer searches the processing log and sees who viewed a record."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import mfa_required
from accounts.tests.factories import privacy_officer_of
from audit.models import ProcessingLogEntry
from audit.services import log_processing

pytestmark = pytest.mark.django_db

LOG = reverse("audit:log")


@pytest.fixture
def officer(world):
    return privacy_officer_of(world.a.initiative, email="fg-a@example.nl", last_name="Fgmeijer")


def _at(day: dt.date):
    return mock.patch(
        "django.utils.timezone.now",
        return_value=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
    )


def _record_ids(response, kind: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf"/privacy-log/{kind}/(\d+)/", response.content.decode())}


def test_privacy_officer_needs_mfa_and_sees_the_log_in_the_menu(world, officer, client_for):
    assert mfa_required(officer)
    response = client_for(officer).get("/")
    assert LOG in response.content.decode()


def test_the_log_shows_entries_about_own_initiative_only(world, officer, client_for):
    client_for(world.a.project_leader).get(f"/intake/{world.a.referral.pk}/")
    client_for(world.b.project_leader).get(f"/intake/{world.b.referral.pk}/")

    response = client_for(officer).get(LOG)

    assert response.status_code == 200
    assert _record_ids(response, "pupils") == {world.a.pupil.pk}
    page = response.content.decode()
    assert world.a.project_leader.get_full_name() in page
    assert world.b.project_leader.get_full_name() not in page


def test_search_by_person_user_and_period(world, officer, client_for):
    a = world.a
    with _at(dt.date(2026, 3, 2)):
        log_processing(
            user=a.project_leader, record_type="pupil", record_ids=[a.pupil.pk], action="view"
        )
    with _at(dt.date(2026, 5, 4)):
        log_processing(
            user=a.school_referrer, record_type="pupil", record_ids=[a.pupil.pk], action="view"
        )
        log_processing(
            user=a.project_leader,
            record_type="pupil",
            record_ids=[a.unmatched_pupil.pk],
            action="view",
        )
    client = client_for(officer)

    def found(**params) -> set[tuple[int, int]]:
        response = client.get(LOG, params)
        assert response.status_code == 200
        return {(e.actor_id, e.record_id) for e, _user in response.context["rows"]}

    assert found(record_type="pupil", record_id=a.pupil.pk) == {
        (a.project_leader.pk, a.pupil.pk),
        (a.school_referrer.pk, a.pupil.pk),
    }
    assert found(actor=a.project_leader.pk) == {
        (a.project_leader.pk, a.pupil.pk),
        (a.project_leader.pk, a.unmatched_pupil.pk),
    }
    assert found(date_from="2026-05-01", date_to="2026-05-31") == {
        (a.school_referrer.pk, a.pupil.pk),
        (a.project_leader.pk, a.unmatched_pupil.pk),
    }
    assert found(date_from="2026-03-02", date_to="2026-03-02") == {
        (a.project_leader.pk, a.pupil.pk)
    }


def test_an_invalid_search_says_why_in_dutch(world, officer, client_for):
    response = client_for(officer).get(
        LOG, {"date_from": "2026-06-01", "date_to": "2026-05-01", "record_id": "7"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "De einddatum ligt voor de begindatum." in page
    assert "Kies het soort gegeven bij dit nummer." in page


def test_who_viewed_a_pupil_lists_every_reader_with_counts(world, officer, client_for):
    a = world.a
    client_for(a.project_leader).get(f"/intake/{a.referral.pk}/")
    client_for(a.project_leader).get(f"/intake/{a.referral.pk}/")
    client_for(world.b.project_leader).get(f"/intake/{a.referral.pk}/")  # refused: 404

    response = client_for(officer).get(reverse("audit:pupil_log", args=[a.pupil.pk]))

    assert response.status_code == 200
    viewers = {v.actor_id: (v.views, v.refused) for v in response.context["viewers"]}
    assert viewers[a.project_leader.pk] == (2, 0)
    assert viewers[world.b.project_leader.pk] == (0, 1)
    assert a.pupil.last_name in response.content.decode()


def test_opening_a_persons_log_is_itself_logged_for_supervision(world, officer, client_for):
    client_for(officer).get(reverse("audit:pupil_log", args=[world.a.pupil.pk]))
    entry = ProcessingLogEntry.objects.get(actor_id=officer.pk, record_type="pupil")
    assert entry.record_id == world.a.pupil.pk
    assert entry.purpose.startswith("supervision")


def test_volunteer_log(world, officer, client_for):
    client_for(world.a.project_leader).get(f"/vrijwilligers/{world.a.volunteer.pk}/")
    response = client_for(officer).get(reverse("audit:volunteer_log", args=[world.a.volunteer.pk]))
    assert response.status_code == 200
    assert world.a.project_leader.pk in {v.actor_id for v in response.context["viewers"]}


def test_another_initiatives_person_is_not_found(world, officer, client_for):
    client = client_for(officer)
    assert client.get(reverse("audit:pupil_log", args=[world.b.pupil.pk])).status_code == 404
    assert (
        client.get(reverse("audit:volunteer_log", args=[world.b.volunteer.pk])).status_code == 404
    )
    response = client.get(LOG, {"record_type": "pupil", "record_id": world.b.pupil.pk})
    assert list(response.context["rows"]) == []


def test_find_a_person_by_name_posts_and_keeps_the_name_out_of_urls(world, officer, client_for):
    response = client_for(officer).post(LOG, {"name": "Zwartewaal"})
    assert response.status_code == 200
    assert response.context["people"]["pupils"] == [world.a.pupil]
    response = client_for(officer).post(LOG, {"name": world.b.pupil.last_name})
    assert response.context["people"] == {"pupils": [], "volunteers": []}
    assert "Niemand met die naam." in response.content.decode()
    entry = ProcessingLogEntry.objects.get(actor_id=officer.pk, record_type="pupil")
    assert (entry.record_id, entry.action) == (world.a.pupil.pk, "list")


def test_the_privacy_officer_sees_no_pupil_file(world, officer, client_for):
    client = client_for(officer)
    assert client.get(f"/intake/{world.a.referral.pk}/").status_code in (403, 404)
    assert client.get(f"/vrijwilligers/{world.a.volunteer.pk}/").status_code in (403, 404)


@pytest.mark.parametrize(
    "persona", ["project_leader", "volunteer_user", "school_referrer", "municipal_official"]
)
def test_other_roles_may_not_read_the_log(world, client_for, persona):
    client = client_for(getattr(world.a, persona))
    assert client.get(LOG).status_code == 403
    assert client.get(reverse("audit:pupil_log", args=[world.a.pupil.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(LOG)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_administrator_sees_everything(world, client_for):
    client_for(world.a.project_leader).get(f"/intake/{world.a.referral.pk}/")
    client_for(world.b.project_leader).get(f"/intake/{world.b.referral.pk}/")
    response = client_for(world.superuser).get(LOG)
    assert _record_ids(response, "pupils") == {world.a.pupil.pk, world.b.pupil.pk}


def _log_queries(client, *, entries: int, world) -> int:
    users = [world.a.project_leader, world.a.school_referrer, world.a.volunteer_user]
    for i in range(entries):
        log_processing(
            user=users[i % 3], record_type="pupil", record_ids=[world.a.pupil.pk], action="view"
        )
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LOG).status_code == 200
    return len(queries)


def test_log_page_queries_do_not_grow_with_entries(world, officer, client_for):
    client = client_for(officer)
    few = _log_queries(client, entries=3, world=world)
    many = _log_queries(client, entries=45, world=world)
    assert many == few
