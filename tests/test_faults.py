"""Under faults: Redis down, the database gone mid-request, a form sent twice.

Redis is made unreachable for real: the cache and the Celery broker point at
a closed port on loopback, so every call fails the way it does when Redis is
stopped. (A worker killed mid-report is in reports/tests/test_services.py
and, with real processes, in benchmarks/faults.py.)
"""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache
from django.urls import reverse

import core.queue
from reports.models import Report

from .faults.broker import celery_broker

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the socket closes


@pytest.fixture
def redis_down(settings):
    """The cache and the broker point at a Redis that is not running."""
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    # (Django's setting_changed handler drops the cached cache backends)
    with celery_broker(url):
        assert cache.get("anything") is None  # the cache answers: a miss
        yield url


def test_pages_and_login_keep_working_with_redis_down(redis_down, world, client, client_for):
    from accounts.tests.factories import TEST_PASSWORD

    # logging in uses the cache (rate limits): it degrades, it does not fail
    response = client.post(
        reverse("account_login"),
        {"login": world.a.municipal_official.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    official = client_for(world.a.municipal_official)
    assert official.get(reverse("municipality:dashboard")).status_code == 200
    assert official.get(reverse("reports:report_list")).status_code == 200
    leader = client_for(world.a.project_leader)
    assert leader.get(reverse("referrals:inbox")).status_code == 200


def test_a_report_requested_with_redis_down_is_kept_as_wordt_verwerkt(
    redis_down, world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.a.municipal_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:report_request"),
            {
                "kind": "overview",
                "municipality_period": f"{world.a.municipality.pk}|2025-08-01|2026-07-31",
            },
        )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.QUEUED
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Wordt verwerkt" in page.content.decode()


def test_a_status_change_with_redis_down_succeeds_and_its_email_follows_once(
    world, client_for, django_capture_on_commit_callbacks, caplog, settings, monkeypatch
):
    import datetime as dt

    from django.core import mail
    from django.utils import timezone

    from referrals.models import Referral
    from referrals.services.notifications import resend_unsent_status_emails
    from referrals.tests.factories import ReferralFactory

    referral = ReferralFactory(
        programme=world.a.programme,
        pupil__school=world.a.school,
        referred_by=world.a.school_referrer,
        submitted=True,
    )
    leader = client_for(world.a.project_leader)
    # Celery reconfigures logging when an earlier test runs it in-process, so
    # the warning is read from the queue's logger itself, not from caplog.
    warnings: list[str] = []
    monkeypatch.setattr(
        core.queue.logger, "warning", lambda message, *args: warnings.append(message % args)
    )
    # Another test may have made a Celery app of its own the current one,
    # which the closed broker below would not reach: the email task's
    # publish fails here as it does against an unreachable Redis.
    from kombu.exceptions import OperationalError

    from referrals import tasks

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1. Connection refused.")

    monkeypatch.setattr(tasks.send_referral_status_email, "delay", unreachable)

    with (
        celery_broker(f"redis://127.0.0.1:{_closed_port()}/0"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = leader.post(
            reverse("referrals:leader_accept", kwargs={"pk": referral.pk}),
            {"version": referral.version},
            follow=True,
        )

    assert response.status_code == 200
    assert "De aanmelding is aangenomen voor intake." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INTAKE  # the change stays
    change = referral.status_changes.get()
    assert change.referrer_notified_at is None
    assert mail.outbox == []
    assert any(f"Status change {change.pk} not emailed yet" in w for w in warnings)
    monkeypatch.undo()  # the queue is reachable again

    # The queue is back: the sweep sends the email once it is due, and only once.
    later = timezone.now() + dt.timedelta(minutes=settings.STATUS_EMAIL_RESEND_MINUTES + 1)
    assert resend_unsent_status_emails(now=timezone.now()) == 0  # not due yet
    assert resend_unsent_status_emails(now=later) == 1
    assert resend_unsent_status_emails(now=later) == 0

    assert [message.to for message in mail.outbox] == [[world.a.school_referrer.email]]
    change.refresh_from_db()
    assert change.referrer_notified_at is not None


def test_the_status_email_sweep_runs_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["resend-status-emails"]

    assert entry == {"task": "referrals.tasks.resend_unsent_status_emails", "schedule": 300}


# --- the database connection lost mid-request ------------------------------------------


def _refer(client, programme):
    from referrals.tests.test_school_views import referral_post

    return client.post(reverse("referrals:school_create"), referral_post(programme))


def _counts() -> tuple[int, int, int]:
    from referrals.models import Guardian, Pupil, Referral

    return Pupil.objects.count(), Guardian.objects.count(), Referral.objects.count()


def test_database_lost_mid_write_gives_a_clean_page_and_keeps_nothing(
    world, client_for, monkeypatch
):
    from django.db import OperationalError

    from referrals.services import lifecycle

    def connection_lost(*args, **kwargs):  # after the pupil row was written
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(lifecycle, "_write_guardians", connection_lost)
    before = _counts()

    response = _refer(client_for(world.a.school_referrer), world.a.programme)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Even niet beschikbaar" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert _counts() == before


def test_database_lost_in_an_api_call_gives_a_problem_503(world, api_for, monkeypatch):
    from django.db import OperationalError

    from referrals.api.intake_views import ReferralViewSet

    def connection_lost(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(ReferralViewSet, "get_queryset", connection_lost)
    response = api_for(world.a.project_leader).get("/api/v1/referrals/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 503


@pytest.mark.django_db(transaction=True)
def test_postgres_connection_killed_mid_write_leaves_no_half_written_referral(
    world, client_for, monkeypatch
):
    """For real: the server ends the request's own database session half-way."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (pg_terminate_backend)")
    from referrals.services import lifecycle

    real_write = lifecycle._write_guardians

    def kill_own_session(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real_write(*args, **kwargs)

    client = client_for(world.a.school_referrer)
    before = _counts()
    monkeypatch.setattr(lifecycle, "_write_guardians", kill_own_session)

    response = _refer(client, world.a.programme)

    assert response.status_code == 503
    connection.close()  # the test's own handle on the killed session
    assert _counts() == before
    monkeypatch.undo()
    # the next request connects afresh and works
    assert _refer(client, world.a.programme).status_code == 302
    assert _counts()[2] == before[2] + 1
