"""A Celery worker killed (SIGKILL) mid-report: the report still completes, exactly once.

Real processes: a worker on Redis against the test database makes the
report; when the report is being made the worker is killed; a new worker
starts; the sweep (normally Celery beat, every 5 minutes) finds the stale
report, queues it again, and the new worker makes it. Needs PostgreSQL and
Redis, as in CI.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from core.periods import Period
from reports import services
from reports.models import Report

from .faults.broker import celery_broker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

ROOT = Path(__file__).resolve().parent.parent
BROKER_DB = 13


def _broker_url() -> str:
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return base.rsplit("/", 1)[0] + f"/{BROKER_DB}"


def _database_url() -> str:
    s = connection.settings_dict
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s.get('USER') or 'postgres'}{password}@{host}:{port}/{s['NAME']}"


def _start_worker(media_root: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
        "DATABASE_URL": _database_url(),
        "FAULT_BROKER_URL": _broker_url(),
        "MEDIA_ROOT": str(media_root),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker",
         "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _kill(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _wait_for(report_id: int, statuses: set[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Report.objects.filter(pk=report_id).values_list("status", flat=True).get()
        if status in statuses:
            return status
        time.sleep(0.02)
    raise AssertionError(f"report {report_id} did not reach {statuses} in {timeout} s")


@pytest.fixture
def real_queue(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs the test database over the network (PostgreSQL)")
    client = redis.Redis.from_url(_broker_url(), socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running")
    settings.MEDIA_ROOT = tmp_path / "media"
    with celery_broker(_broker_url()):
        yield tmp_path
    client.flushdb()


def test_worker_killed_mid_report_still_completes_exactly_once(world, real_queue, settings):
    settings.REPORT_STALE_MINUTES = 30
    log = real_queue / "worker.log"
    media = Path(settings.MEDIA_ROOT)
    first = _start_worker(media, log)
    second = None
    try:
        for _attempt in range(3):  # the rare report made before the kill: try another
            report = services.report_request(
                user=world.a.municipal_official,
                municipality=world.a.municipality,
                period=Period.school_year(2025),
            )
            if _wait_for(report.pk, {"running", "done"}, timeout=60) == "running":
                break
        else:
            pytest.fail("every report was made before the worker could be killed")
        _kill(first)
        assert Report.objects.get(pk=report.pk).status == Report.Status.RUNNING

        second = _start_worker(media, log)
        later = timezone.now() + dt.timedelta(minutes=31)
        assert services.sweep_reports(now=later)["requeued"] == 1
        assert _wait_for(report.pk, {"done", "failed"}, timeout=90) == "done"

        report.refresh_from_db()
        assert (report.status, report.attempt) == (Report.Status.DONE, 2)
        # one file per report made, none left by the killed attempt
        files = sorted(p.name for p in media.rglob("*.pdf"))
        done = Report.objects.filter(status=Report.Status.DONE)
        assert files == sorted(Path(r.file.name).name for r in done)
        assert (media / report.file.name).read_bytes().startswith(b"%PDF")
        # the killed worker's message, delivered again, finds the report made: nothing happens
        assert services.report_generate(report_id=report.pk) is False
    finally:
        _kill(first)
        if second is not None:
            _kill(second)
        if log.exists():
            print(log.read_text()[-3000:])
