"""/health/: database, cache and broker status as JSON, no login needed."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_database_cache_and_broker_are_ok(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "cache": {"status": "ok"},
            "broker": {"status": "ok", "detail": "in-process"},
        },
    }


def test_health_needs_no_login_and_is_not_cached(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_when_the_database_fails(client):
    secret = "postgres://app:hunter2@db/app"
    with mock.patch.object(connection, "cursor", side_effect=OperationalError(secret)):
        response = client.get(reverse("health"))

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"status": "error", "detail": "OperationalError"}
    assert body["checks"]["cache"]["status"] == "ok"
    assert "hunter2" not in response.content.decode()


def test_health_is_503_when_the_cache_loses_the_value(client):
    with mock.patch("core.views.cache.get", return_value=None):
        response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "error"


def test_health_is_503_when_the_broker_cannot_be_reached(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/0"
    failing = mock.MagicMock()
    failing.__enter__.return_value.ensure_connection.side_effect = ConnectionRefusedError(
        "redis://:s3cret@broker.invalid"
    )
    with mock.patch("config.celery_app.app.connection_for_write", return_value=failing):
        response = client.get(reverse("health"))

    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["broker"] == {"status": "error", "detail": "ConnectionRefusedError"}
    assert "s3cret" not in response.content.decode()
    failing.__enter__.return_value.ensure_connection.assert_called_once_with(
        max_retries=1, timeout=2
    )


def test_health_reports_broker_ok_when_it_connects(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://broker.example:6379/0"
    with mock.patch("config.celery_app.app.connection_for_write"):
        response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"status": "ok"}
