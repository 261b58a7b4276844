"""Local development: embedded SQLite, tasks in-process, mail on the console."""

from config.env import env_bool, env_int

from .base import *  # noqa: F403

ENVIRONMENT = "local"
DEBUG = env_bool("DJANGO_DEBUG", default=True)
# The local demo: two-step verification is offered, not enforced, so the demo
# logins work without an authenticator app (MFA_REQUIRED=true to try the rule).
MFA_REQUIRED = env_bool("MFA_REQUIRED", default=False)
# Security keys on http://127.0.0.1:8000 (no TLS locally).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# The demo: new records show on the dashboards within two minutes.
INDICATOR_CACHE_SECONDS = env_int("INDICATOR_CACHE_SECONDS", default=60, minimum=0)
