"""The same form sent twice quickly gives one result, not two (core.submissions)."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import FormSubmission
from core.submissions import FIELD, forget_old_submissions
from referrals.models import ContactMoment, Referral
from referrals.tests.test_school_views import referral_post
from referrals.tests.test_session_views import form_data
from reports.models import Report

pytestmark = pytest.mark.django_db


def _key_from(page) -> str:
    found = re.search(rf'name="{FIELD}" value="([0-9a-f-]{{36}})"', page.content.decode())
    assert found, "the form carries no one-time key"
    return found.group(1)


def _log_url(match) -> str:
    return reverse("referrals:session_log", args=[match.pk])


def test_a_session_sent_twice_is_logged_once(world, client_for):
    match = world.a.match
    client = client_for(world.a.volunteer_user)
    key = _key_from(client.get(_log_url(match)))
    before = ContactMoment.objects.filter(match=match).count()

    first = client.post(_log_url(match), {**form_data(), FIELD: key})
    second = client.post(_log_url(match), {**form_data(), FIELD: key}, follow=True)

    assert first.status_code == 302
    assert ContactMoment.objects.filter(match=match).count() == before + 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "Dit formulier was al verstuurd" in second.content.decode()


def test_two_forms_shown_twice_are_two_sessions(world, client_for):
    match = world.a.match
    client = client_for(world.a.volunteer_user)
    before = ContactMoment.objects.filter(match=match).count()
    for _ in range(2):
        key = _key_from(client.get(_log_url(match)))
        assert client.post(_log_url(match), {**form_data(), FIELD: key}).status_code == 302
    assert ContactMoment.objects.filter(match=match).count() == before + 2


def test_a_referral_sent_twice_is_one_referral(world, client_for):
    client = client_for(world.a.school_referrer)
    url = reverse("referrals:school_create")
    key = _key_from(client.get(url))
    data = {**referral_post(world.a.programme), FIELD: key}
    client.post(url, data)
    client.post(url, data)
    assert Referral.objects.filter(pupil__last_name="El Amrani").count() == 1


def test_a_report_requested_twice_is_one_report(world, client_for):
    client = client_for(world.a.municipal_official)
    key = _key_from(client.get(reverse("reports:report_list")))
    data = {
        "kind": "overview",
        "municipality_period": f"{world.a.municipality.pk}|2025-08-01|2026-07-31",
        FIELD: key,
    }
    client.post(reverse("reports:report_request"), data)
    client.post(reverse("reports:report_request"), data)
    assert Report.objects.count() == 1


def test_a_failed_submission_can_be_sent_again_with_its_key(world, client_for):
    """Only a saved form uses up its key: after a form error the corrected form goes in."""
    match = world.a.match
    client = client_for(world.a.volunteer_user)
    key = _key_from(client.get(_log_url(match)))
    before = ContactMoment.objects.filter(match=match).count()
    invalid = client.post(_log_url(match), {**form_data(duration_minutes="-5"), FIELD: key})
    assert invalid.status_code == 200
    assert client.post(_log_url(match), {**form_data(), FIELD: key}).status_code == 302
    assert ContactMoment.objects.filter(match=match).count() == before + 1


def test_another_users_key_does_not_stop_a_form(world, client_for):
    match = world.a.match
    key = _key_from(client_for(world.a.volunteer_user).get(_log_url(match)))
    FormSubmission.objects.create(key=key, user_id=world.a.project_leader.pk, result_url="/")
    client = client_for(world.a.volunteer_user)
    before = ContactMoment.objects.filter(match=match).count()
    assert client.post(_log_url(match), {**form_data(), FIELD: key}).status_code == 302
    assert ContactMoment.objects.filter(match=match).count() == before + 1


def test_old_keys_are_forgotten_after_a_day(world):
    FormSubmission.objects.create(key="6f1c1f1e-8f7e-4a57-9f57-9d8a1d6f0a01", result_url="/")
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    assert forget_old_submissions(now=later) == 1
    assert not FormSubmission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_form_at_the_same_moment_is_saved_once(world, client_for):
    """Two requests in parallel, each in its own database session (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database that serves two sessions at once")
    match = world.a.match
    volunteer = world.a.volunteer_user
    key = _key_from(client_for(volunteer).get(_log_url(match)))
    before = ContactMoment.objects.filter(match=match).count()
    clients = [client_for(volunteer), client_for(volunteer)]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(client: Client) -> None:
        start.wait()
        try:
            statuses.append(client.post(_log_url(match), {**form_data(), FIELD: key}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302, 302]
    assert ContactMoment.objects.filter(match=match).count() == before + 1
