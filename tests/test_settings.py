"""Start-up configuration: bad or missing variables stop the process clearly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "x" * 64


def start(settings_module: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("REDIS_URL", None)
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = settings_module
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION_OK = {
    "DJANGO_SECRET_KEY": GOOD_SECRET,
    "DJANGO_ALLOWED_HOSTS": "example.org",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_starts_with_the_required_variables():
    result = start("config.settings.production", **PRODUCTION_OK)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"),
        ("DATABASE_URL", "PostgreSQL"),
        ("REDIS_URL", "REDIS_URL"),
    ],
)
def test_production_refuses_to_start_without_a_required_variable(missing, message):
    env = {k: v for k, v in PRODUCTION_OK.items() if k != missing}
    result = start("config.settings.production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_SECRET_KEY", "short", "at least 50 characters"),
        ("DJANGO_DEBUG", "perhaps", "DJANGO_DEBUG='perhaps' is not a boolean"),
        ("DATABASE_CONN_MAX_AGE", "soon", "DATABASE_CONN_MAX_AGE='soon' is not a whole number"),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL must start with one of"),
        ("REDIS_URL", "http://cache", "REDIS_URL must start with one of"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD'"),
    ],
)
def test_production_refuses_a_wrong_value_with_a_clear_message(variable, value, message):
    result = start("config.settings.production", **{**PRODUCTION_OK, variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_local_settings_need_no_variables_and_accept_blank_ones():
    result = start("config.settings.local", DATABASE_URL="", REDIS_URL="", DJANGO_DEBUG="")
    assert result.returncode == 0, result.stderr
