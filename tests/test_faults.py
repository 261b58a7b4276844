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

from reports.models import Report

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the socket closes


@pytest.fixture
def redis_down(settings):
    """The cache and the broker point at a Redis that is not running."""
    from config.celery_app import app

    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    # (Django's setting_changed handler drops the cached cache backends)
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    app.pool.force_close_all()
    app._pool = None
    assert cache.get("anything") is None  # the cache answers: a miss
    yield url
    app.conf.update(**saved)
    app._pool = None


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
