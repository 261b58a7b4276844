"""Settings shared by every environment.

Every environment variable is read here (see .env.example for the list);
local.py, test.py and production.py only change defaults.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Which settings module is in use; production.py overrides it and makes
# the security-relevant variables required.
ENVIRONMENT = "base"

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_htmx",
    # project apps
    "core",
    "accounts",
    "audit",
    "municipality",
    "schools",
    "initiatives",
    "referrals",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.DutchByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.RequestIdMiddleware",
    "audit.middleware.ProcessingLogMiddleware",
    "core.api.middleware.ApiVersionMiddleware",
    "core.middleware.SessionLifetimeMiddleware",
    "core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # after authentication, messages and htmx; innermost, so the headers above apply
    "accounts.mfa.MfaRequiredMiddleware",
    # innermost: turns a lost database connection in a view into a 503 page
    "core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
# Form widgets render with the project's templates first (templates/django/forms/:
# a faster select), then Django's own.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(
        env_url(
            "DATABASE_URL",
            default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            schemes=("sqlite", "postgres", "postgresql", "pgsql"),
        )
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", default=0, minimum=0)
# PostgreSQL's JIT compiler starts on queries it estimates as expensive, such
# as the indicator aggregates, and then spends more time compiling than the
# query takes (1.5 s of 2.3 s for one of them, docs/benchmarks.md). Off for the
# application's connections unless DATABASE_JIT=true.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and not env_bool(
    "DATABASE_JIT", default=False
):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# Form choices from the database (ModelChoiceField) read through
# QuerySet.iterator(), which on PostgreSQL declares a cursor WITH HOLD: three
# round trips and a copy of the result at commit for a list of fifty
# programmes. Plain queries instead; nothing here streams a large result.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Cache ----------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", default="", schemes=("redis", "rediss"))
REDIS_CACHE_OPTIONS = {
    "IGNORE_EXCEPTIONS": True,
    "SOCKET_CONNECT_TIMEOUT": 1,
    "SOCKET_TIMEOUT": 1,
}
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis, so that a Redis outage degrades the cache (a miss,
            # logged) instead of failing every page that uses it.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", default=REDIS_URL or "memory://", schemes=("redis", "rediss", "memory")
)
# Without a real broker, tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory")
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker process killed mid-task puts its message back at once.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# With the broker down a page that queues a job answers within about a
# second; the job stays stored and the report sweep sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TIMEZONE = "Europe/Amsterdam"
CELERY_BEAT_SCHEDULE: dict = {
    "waitlist-reminders": {
        "task": "referrals.tasks.send_due_waitlist_reminders",
        "schedule": 6 * 3600,
    },
    # The 'needs attention' digest: Monday 07:00 (CELERY_TIMEZONE).
    "attention-digests": {
        "task": "referrals.tasks.send_attention_digests",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Accountability reports of agreement periods that ended: daily 02:30.
    "due-accountability-reports": {
        "task": "reports.tasks.generate_due_reports",
        "schedule": crontab(minute=30, hour=2),
    },
    # Reports whose worker died mid-job (queued again after REPORT_STALE_MINUTES)
    # or that never reached a worker because the broker was down: every 5 minutes.
    "sweep-reports": {
        "task": "reports.tasks.sweep_reports",
        "schedule": 5 * 60,
    },
    # Status emails to referrers that never reached a worker (the broker was
    # down at the change): every 5 minutes, those older than STATUS_EMAIL_RESEND_MINUTES.
    "resend-status-emails": {
        "task": "referrals.tasks.resend_unsent_status_emails",
        "schedule": 5 * 60,
    },
    # One-time keys of forms sent more than a day ago: 03:30.
    "forget-old-submissions": {
        "task": "core.tasks.forget_old_submissions",
        "schedule": crontab(minute=30, hour=3),
    },
    # Personal data past its retention period (PUPIL_/VOLUNTEER_RETENTION_MONTHS): 03:00.
    "anonymise-due-records": {
        "task": "core.tasks.anonymise_due_records",
        "schedule": crontab(minute=0, hour=3),
    },
}

# --- Authentication -------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "accounts.adapter.InviteOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Users are invited by email: following the invitation link proves the address.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
# Refusals for too many attempts are logged (accounts.security, handler429).
ACCOUNT_RATE_LIMITS = {
    # failed password logins, and failed second-factor codes (per user)
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    # password reset requests: per IP address, and per address typed in
    "reset_password": "20/h/ip,5/h/key",
    # the link in the reset email
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_PRESERVE_USERNAME_CASING = False
PASSWORD_RESET_TIMEOUT = env_int("INVITATION_VALID_DAYS", default=7, minimum=1) * 24 * 3600

# Two-step verification (allauth.mfa): authenticator app, security key,
# recovery codes. Required for every role that sees personal data and for
# administrators (accounts/mfa.py); MFA_REQUIRED=false only for the local demo.
MFA_REQUIRED = env_bool("MFA_REQUIRED", default=True)
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_TRUST_ENABLED = False
MFA_TOTP_ISSUER = "Aanvullend Leren"
# one 30-second step either way, for phones whose clock is slightly off
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False

# Organisation login (OpenID Connect; Microsoft Entra ID is the common case),
# configured only by environment variables. Only invited users can log in
# this way: the provider must vouch for their address (accounts/oidc.py).
SOCIALACCOUNT_ADAPTER = "accounts.oidc.InviteOnlySocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"
OIDC_SERVER_URL = env_url("OIDC_SERVER_URL", default="", schemes=("https",))
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_NAME = env_str("OIDC_NAME")
OIDC_PROVIDER_ID = env_str("OIDC_PROVIDER_ID", "organisatie")
OIDC_VERIFIED_EMAIL_DOMAINS = [
    domain.lower().lstrip("@") for domain in env_list("OIDC_VERIFIED_EMAIL_DOMAINS", [])
]
SOCIALACCOUNT_PROVIDERS: dict = {}
if OIDC_SERVER_URL or OIDC_CLIENT_ID or OIDC_CLIENT_SECRET or OIDC_NAME:
    _oidc_missing = [
        name
        for name, value in (
            ("OIDC_SERVER_URL", OIDC_SERVER_URL),
            ("OIDC_CLIENT_ID", OIDC_CLIENT_ID),
            ("OIDC_CLIENT_SECRET", OIDC_CLIENT_SECRET),
            ("OIDC_NAME", OIDC_NAME),
        )
        if not value
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(
            "The organisation login (OpenID Connect) also needs "
            f"{', '.join(_oidc_missing)}; set all of OIDC_SERVER_URL, OIDC_CLIENT_ID, "
            "OIDC_CLIENT_SECRET and OIDC_NAME, or none. See .env.example."
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", OIDC_PROVIDER_ID):
        raise ImproperlyConfigured(
            f"OIDC_PROVIDER_ID={OIDC_PROVIDER_ID!r} must be lower-case letters, digits and "
            "hyphens (it is part of the redirect URI)."
        )
    _oidc_settings: dict = {"server_url": OIDC_SERVER_URL, "oauth_pkce_enabled": True}
    if OIDC_VERIFIED_EMAIL_DOMAINS:
        # Entra ID sends no email_verified claim: addresses in the
        # organisation's own domains count as verified by it.
        _oidc_settings["verified_email"] = OIDC_VERIFIED_EMAIL_DOMAINS
    SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": OIDC_PROVIDER_ID,
                    "name": OIDC_NAME,
                    "client_id": OIDC_CLIENT_ID,
                    "secret": OIDC_CLIENT_SECRET,
                    "settings": _oidc_settings,
                }
            ]
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A session ends after SESSION_COOKIE_AGE seconds without a request (a
# request renews it, at most once a minute: core.middleware), and in any case
# SESSION_MAX_HOURS after login.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", default=30 * 60, minimum=300)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", default=12, minimum=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SAMESITE = "Lax"
# The language cookie (set_language) like the others: no script reads it.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", default=0, minimum=0)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): nothing inline, nothing from elsewhere.
# Forms post to this site only, with one exception: the organisation login's
# button is a form answered by a redirect to the identity provider, and
# Chromium, Edge and Safari check form-action on that redirect too
# (w3c/webappsec-csp#8), so with OIDC configured the provider's origin (of
# OIDC_SERVER_URL; its authorization endpoint must be there too, as Entra
# ID's is) is a form target as well.
_csp_form_action = ["'self'"]
if SOCIALACCOUNT_PROVIDERS:
    _oidc_server = urlsplit(OIDC_SERVER_URL)
    _csp_form_action.append(
        f"{_oidc_server.scheme}://{_oidc_server.hostname}"
        + (f":{_oidc_server.port}" if _oidc_server.port else "")
    )
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": _csp_form_action,
        "frame-ancestors": ["'none'"],
    }
}

# --- Email ----------------------------------------------------------------
vars().update(env.email_url_config(env_str("EMAIL_URL", "consolemail://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Aanvullend Leren <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # NL Design System CSS, installed from npm (package.json, pinned).
    ("nlds/utrecht", BASE_DIR / "node_modules" / "@utrecht" / "component-library-css" / "dist"),
    (
        "nlds/voorbeeld",
        BASE_DIR
        / "node_modules"
        / "@nl-design-system-unstable"
        / "voorbeeld-design-tokens"
        / "dist",
    ),
    # htmx, installed from npm (package.json, pinned).
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

# --- Request size and import limits -----------------------------------------
# A request beyond these limits is refused with a 400 before anything is saved
# (Django's RequestDataTooBig, TooManyFieldsSent and TooManyFilesSent; the
# page and the problem+json body are core.views.bad_request). The body limit
# counts everything but uploaded files, and applies to the API's JSON bodies
# too (core.api.parsers.JSONParser). The values are Django's defaults except
# the number of files, set here so that a change is a decision.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Uploaded files up to this size stay in memory; larger ones go to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB
# The largest CSV file an import reads, from a management command or the
# import page (core.imports): DUO's largest file is about 2 MB.
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", default=50, minimum=1)
IMPORT_MAX_BYTES = IMPORT_MAX_MB * 1024 * 1024

# --- REST framework -------------------------------------------------------
API_VERSION = "1.0.0"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # first, so an unauthenticated request gets 401 with WWW-Authenticate
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "core.api.permissions.ReadOnlyTokenPermission",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "core.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aanvullend Leren API",
    "DESCRIPTION": (
        "The data of the coordination platform for supplementary learning, for "
        "integrations: the same rules as the pages. Every list is paged and "
        "counted; every error is problem details (RFC 9457). Authenticate with a "
        "personal API token (`Authorization: Bearer al_...`) or, in the browser, "
        "with the session."
    ),
    "VERSION": API_VERSION,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.postprocess",
    ],
    "SERVERS": [{"url": "/", "description": "This server"}],
    # Status fields of different models get their own, stable enum names.
    "ENUM_NAME_OVERRIDES": {
        "VolunteerStatusEnum": "initiatives.models.Volunteer.Status",
        "ReferralStatusEnum": "referrals.models.Referral.Status",
        "ReportKindEnum": "reports.models.Report.Kind",
        "ReferralSourceEnum": "referrals.models.Referral.Source",
        "LeaderReferralSourceEnum": "referrals.forms.leader.LeaderReferralForm.SOURCES",
    },
}

# --- Logging --------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # at DEBUG it logs each missing variable with the page's whole context
        # (names of pupils included): never below INFO
        "django.template": {"level": "INFO"},
    },
}

# --- Domain settings ------------------------------------------------------
# Default number of weeks on the waitlist after which the project leader is
# reminded to contact the family and school again (per programme adjustable).
WAITLIST_REMINDER_WEEKS = env_int("WAITLIST_REMINDER_WEEKS", default=8, minimum=1)
# A status change whose email to the referrer has not gone out after this many
# minutes (the task queue was down) is queued again by the resend-status-emails job.
STATUS_EMAIL_RESEND_MINUTES = env_int("STATUS_EMAIL_RESEND_MINUTES", default=10, minimum=1)

# Weeks without a check-in of the coordinator with the volunteer coach of an
# adult language coaching match after which it shows under "needs attention".
ATTENTION_NO_CHECK_IN_WEEKS = env_int("ATTENTION_NO_CHECK_IN_WEEKS", default=6, minimum=1)

# Minutes after which a report still "being generated" is taken to have lost
# its worker and is marked failed (it can then be retried).
REPORT_STALE_MINUTES = env_int("REPORT_STALE_MINUTES", default=30, minimum=5)
# Claims of one report before an interrupted one fails for good.
REPORT_MAX_ATTEMPTS = env_int("REPORT_MAX_ATTEMPTS", default=3, minimum=1)
# A report still queued after this long is sent to a worker again.
REPORT_RESEND_MINUTES = env_int("REPORT_RESEND_MINUTES", default=5, minimum=1)
# Seconds the dashboards and the indicators API show figures as computed
# (reports.indicators.cache): older ones are computed again in the background,
# and the default dashboard of every municipality is kept fresh by the beat
# job warm-dashboards. 0 computes on every view. Reports are never cached.
INDICATOR_CACHE_SECONDS = env_int("INDICATOR_CACHE_SECONDS", default=600, minimum=0)
if INDICATOR_CACHE_SECONDS:
    CELERY_BEAT_SCHEDULE["warm-dashboards"] = {
        "task": "municipality.tasks.warm_dashboards",
        "schedule": INDICATOR_CACHE_SECONDS,
    }

# Retention (core.retention): months after a pupil's guidance ended (the last
# match or referral end) and after a volunteer stopped, before their personal
# data is anonymised by the nightly job.
PUPIL_RETENTION_MONTHS = env_int("PUPIL_RETENTION_MONTHS", default=12, minimum=1)
VOLUNTEER_RETENTION_MONTHS = env_int("VOLUNTEER_RETENTION_MONTHS", default=12, minimum=1)

# Address for questions and requests about personal data, named in the
# privacy statement (/privacy/); empty: the statement points to the project leader only.
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL")
if PRIVACY_CONTACT_EMAIL and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", PRIVACY_CONTACT_EMAIL):
    raise ImproperlyConfigured(
        f"PRIVACY_CONTACT_EMAIL={PRIVACY_CONTACT_EMAIL!r} is not an email address."
    )

# Folder with the reference data files (cbs/, duo/) that demo_data imports.
REFERENCE_DATA_DIR = Path(
    env.str("REFERENCE_DATA_DIR", default="") or BASE_DIR.parent / "shared" / "data"
)
