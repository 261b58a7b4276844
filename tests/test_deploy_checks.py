"""`manage.py check --deploy` with production settings: not a single warning.

CI runs the same command with `--fail-level WARNING` (.ci/run); these tests
catch a regression before CI does, and show the check really looks at the
HTTPS settings (turning one off brings its warning back).
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_ALLOWED_HOSTS": "example.org",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/x",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py with production settings and only the given variables."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "MFA_"))
    }
    clean.update(PRODUCTION)
    # like .ci/run: a fresh random key of 60 characters
    clean["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(45)[:60]
    clean.update(env)
    return subprocess.run(  # noqa: S603 (the arguments are this file's own)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checks_without_any_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr
    assert "security.W" not in result.stderr


def test_the_deploy_checks_warn_when_https_hardening_is_turned_off():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_SECURE_HSTS_PRELOAD="false",
    )
    assert result.returncode != 0
    for check_id in ("security.W005", "security.W008", "security.W012", "security.W016"):
        assert check_id in result.stderr
    assert "security.W021" in result.stderr


def test_production_sends_hsts_with_subdomains_and_preload_by_default():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "31536000 True True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_hsts_preload_with_a_short_max_age_stops_start_up_with_a_clear_message():
    result = manage("check", DJANGO_SECURE_HSTS_SECONDS="3600")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECURE_HSTS_PRELOAD=true needs DJANGO_SECURE_HSTS_SECONDS" in result.stderr


def test_hsts_preload_without_subdomains_stops_start_up_with_a_clear_message():
    result = manage("check", DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="false")
    assert result.returncode != 0
    assert "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=true" in result.stderr


def test_a_host_only_hsts_policy_starts_when_preload_is_turned_off():
    result = manage(
        "check",
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_SECURE_HSTS_PRELOAD="false",
    )
    assert result.returncode == 0, result.stderr


COOKIES = (
    "from django.conf import settings as s; "
    "from django.http import HttpResponse; "
    "from django.middleware.csrf import CsrfViewMiddleware, get_token; "
    "from django.test import Client, RequestFactory; "
    "from django.urls import reverse; "
    "print('session', s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
    "s.SESSION_COOKIE_SAMESITE); "
    "csrf = CsrfViewMiddleware(lambda r: (get_token(r), HttpResponse())[1]); "
    "print(csrf(RequestFactory().get('/')).cookies[s.CSRF_COOKIE_NAME].OutputString()); "
    "client = Client(HTTP_HOST='example.org', HTTP_X_FORWARDED_PROTO='https'); "
    "answer = client.post(reverse('set_language'), {'language': 'en', 'next': '/'}); "
    "print(answer.cookies[s.LANGUAGE_COOKIE_NAME].OutputString())"
)


def _cookie_attributes(line: str) -> set[str]:
    """The attributes of a Set-Cookie value, without its value, path and expiry."""
    return {
        part.strip()
        for part in line.split(";")[1:]
        if not part.strip().lower().startswith(("path=", "expires=", "max-age="))
    }


def test_production_cookies_are_secure_httponly_and_samesite():
    result = manage("shell", "-c", COOKIES)
    assert result.returncode == 0, result.stderr
    session, csrf, language = result.stdout.strip().split("\n")[-3:]
    assert session == "session True True Lax"
    # the CSRF cookie is Secure and SameSite; scripts do not read it either way
    assert {"Secure", "SameSite=Lax"} <= _cookie_attributes(csrf)
    assert language.startswith("django_language=en;")
    assert _cookie_attributes(language) == {"Secure", "HttpOnly", "SameSite=Lax"}


def test_the_language_cookie_follows_the_secure_cookies_switch():
    result = manage("shell", "-c", COOKIES, DJANGO_SECURE_COOKIES="false")
    assert result.returncode == 0, result.stderr
    language = result.stdout.strip().split("\n")[-1]
    assert _cookie_attributes(language) == {"HttpOnly", "SameSite=Lax"}
