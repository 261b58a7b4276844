"""Test settings: fast hashing, mail in memory, tasks in-process.

DATABASE_URL and REDIS_URL still apply, so CI runs the suite against
PostgreSQL and Redis.
"""

from .base import *  # noqa: F403

ENVIRONMENT = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
ACCOUNT_RATE_LIMITS = False
# As in production: the test client of conftest's client_for has an authenticator.
MFA_REQUIRED = True
LANGUAGE_CODE = "nl"
# Every test sees the figures of the data it just made; the tests of the
# figures cache (reports/tests/test_figures_cache.py) turn it on.
INDICATOR_CACHE_SECONDS = 0
