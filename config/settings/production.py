"""Production: no insecure defaults; required variables must be set."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_required

from .base import *  # noqa: F403

ENVIRONMENT = "production"
DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_required("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be a random value of at least 50 characters."
    )
env_required("DJANGO_ALLOWED_HOSTS")
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    raise ImproperlyConfigured(
        "DATABASE_URL must point to PostgreSQL in production (postgres://user:pass@host/db)."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env_int(  # noqa: F405
    "DATABASE_CONN_MAX_AGE", default=60, minimum=0
)
if not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured("REDIS_URL is required in production (cache and task broker).")

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", default=31536000, minimum=0)
# The site serves nothing over plain HTTP, on its host or below it; a
# deployment whose host name has HTTP-only subdomains sets these to false
# (and `check --deploy` then warns, as it should).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Consent to the browsers' HSTS preload list; only takes effect once the
# domain is submitted at hstspreload.org, which requires both of the above.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
if (
    SECURE_HSTS_PRELOAD
    and SECURE_HSTS_SECONDS
    and (SECURE_HSTS_SECONDS < 31536000 or not SECURE_HSTS_INCLUDE_SUBDOMAINS)
):
    raise ImproperlyConfigured(
        "DJANGO_SECURE_HSTS_PRELOAD=true needs DJANGO_SECURE_HSTS_SECONDS of at least "
        "31536000 (a year) and DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=true; "
        "set DJANGO_SECURE_HSTS_PRELOAD=false for a shorter or host-only policy."
    )
# TLS ends at the proxy in front (README, "Deployment"): it must set
# X-Forwarded-Proto, so that Django sees HTTPS requests as secure.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", True) else None
)
if not MFA_REQUIRED:  # noqa: F405
    raise ImproperlyConfigured(
        "MFA_REQUIRED=false is for the local demo only: in production two-step "
        "verification is required for everyone who sees personal data."
    )
