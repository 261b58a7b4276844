"""The frame around every page: home, health check and error pages."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import (
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from accounts.scope import scope_for
from audit.services import note
from referrals import selectors as referral_selectors
from referrals.services.adults import client_manager_overview

from . import name_search, selectors

logger = logging.getLogger(__name__)

# A search for a running match on the home page: a name or two.
HOME_SEARCH_MAX_LENGTH = 100


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def home(request):
    """The start page: one section per role the user has.

    A project leader finds a running match by a name: the name is posted and
    kept in the session (``core.name_search``), never put in the address.
    """
    user = request.user
    roles = scope_for(user).roles
    if request.method == "POST":
        search = " ".join(request.POST.get("q", "").split())[:HOME_SEARCH_MAX_LENGTH]
        if not search or Role.PROJECT_LEADER not in roles:
            return redirect("home")
        key = name_search.remember(request, search, kind="match")
        return redirect(f"{reverse('home')}?{urlencode({name_search.SEARCH_PARAM: key})}")
    search = ""
    key = request.GET.get(name_search.SEARCH_PARAM, "")
    if key:
        search = name_search.recall(request, key, kind="match") or ""
        if not search:
            messages.info(request, _("This search by name has expired; search again."))
    context = {
        "project_leader": selectors.project_leader_overview(user=user, search=search)
        if Role.PROJECT_LEADER in roles
        else None,
        "match_search": search,
        "attention_summary": referral_selectors.attention_summary(user)
        if Role.PROJECT_LEADER in roles
        else None,
        "school_referrer": selectors.school_referrer_overview(user=user)
        if Role.SCHOOL_REFERRER in roles
        else None,
        "volunteer": selectors.volunteer_overview(user=user) if Role.VOLUNTEER in roles else None,
        "municipal_official": selectors.municipal_official_overview(user=user)
        if Role.MUNICIPAL_OFFICIAL in roles
        else None,
        "privacy_officer": Role.PRIVACY_OFFICER in roles,
        "client_manager": client_manager_overview(user=user)
        if Role.CLIENT_MANAGER in roles
        else None,
    }
    _note_shown_people(request, context)
    return render(request, "home/index.html", context)


def _note_shown_people(request, context) -> None:
    """The processing log: the pupils and volunteers the home page names."""
    rows = [row for item in context["project_leader"] or () for row in item.matches]
    if context["volunteer"]:
        rows += context["volunteer"].matches
    note(request, "pupil", sorted({row.pupil_id for row in rows if row.pupil_id}))
    note(request, "volunteer", sorted({row.match.volunteer_id for row in rows}))


# --- Health ---------------------------------------------------------------
# The details name the kind of failure only: exception messages can hold
# connection strings, and the endpoint needs no authentication.


def _failure(exc: Exception) -> dict:
    logger.warning("Health check failed: %s", type(exc).__name__, exc_info=exc)
    return {"status": "error", "detail": type(exc).__name__}


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failure(exc)
    return {"status": "ok"}


def _check_cache() -> dict:
    key = f"health-check:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", timeout=10)
        value = cache.get(key)
        cache.delete(key)
    except Exception as exc:
        return _failure(exc)
    if value != "ok":
        return {"status": "error", "detail": "value not read back"}
    return {"status": "ok"}


def _check_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory"):
        return {"status": "ok", "detail": "in-process"}
    from config.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return _failure(exc)
    return {"status": "ok"}


@never_cache
def health(request):
    """Database, cache and broker status as JSON: 200 when all are ok, else 503."""
    checks = {
        "database": _check_database(),
        "cache": _check_cache(),
        "broker": _check_broker(),
    }
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


# --- Privacy statement ----------------------------------------------------


def privacy(request):
    """The privacy statement: what is stored about whom, why, who sees it, how long, rights.

    Public: parents and volunteers read it too. The retention periods are the
    ones the nightly anonymisation applies.
    """
    context = {
        "pupil_retention_months": settings.PUPIL_RETENTION_MONTHS,
        "volunteer_retention_months": settings.VOLUNTEER_RETENTION_MONTHS,
        "session_idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "session_max_hours": settings.SESSION_MAX_HOURS,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
    }
    return render(request, "core/privacy.html", context)


# --- Accessibility statement ----------------------------------------------

# The day the statement was last checked against the platform; change it,
# and the statement, when the tests or the known limitations change.
ACCESSIBILITY_STATEMENT_DATE = dt.date(2026, 12, 2)


def accessibility(request):
    """The accessibility statement (toegankelijkheidsverklaring), after the Dutch model.

    Public, like the privacy statement. The tests it names are the browser
    tests in tests/e2e (axe-core on every main page, keyboard-only journeys).
    """
    context = {
        "statement_date": ACCESSIBILITY_STATEMENT_DATE,
        "session_idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
    }
    return render(request, "core/accessibility.html", context)


# --- Error pages ----------------------------------------------------------


@requires_csrf_token
def _api_problem(request, status: int, code: str):
    """For addresses under /api/: the API's problem details instead of an HTML page."""
    from core.api.errors import PROBLEM_CONTENT_TYPE, TITLES, problem_body

    body = problem_body(status, TITLES.get(status, ""), code=code, request=request)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _bad_request_reason(exception) -> tuple[str, str]:
    """(code, Dutch explanation) of a request Django refused as a SuspiciousOperation."""
    if isinstance(exception, RequestDataTooBig):
        return "request_too_large", _(
            "Too much data was sent at once: at most %(max)s is accepted, not counting "
            "uploaded files. Send less at a time."
        ) % {"max": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    if isinstance(exception, TooManyFieldsSent):
        return "too_many_fields", _(
            "The form has too many fields: at most %(max)d are accepted. Send less at a time."
        ) % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    if isinstance(exception, TooManyFilesSent):
        return "too_many_files", _(
            "Too many files were sent at once: at most %(max)d are accepted."
        ) % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    return "bad_request", _("The request could not be processed. Go back and try again.")


def bad_request(request, exception=None):
    """A request Django refused (a SuspiciousOperation: too large, too many fields...): 400.

    Rendered without context processors, like the 500 page: the request
    itself is what is wrong (its body cannot be read again, its host may not
    be allowed). The view never ran, so nothing was saved.
    """
    code, detail = _bad_request_reason(exception)
    return _bare_error(
        request, 400, code=code, detail=detail, context={"detail": detail}, instance=True
    )


def permission_denied(request, exception=None):
    if _is_api(request):
        return _api_problem(request, 403, "permission_denied")
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    if _is_api(request):
        return _api_problem(request, 404, "not_found")
    return render(request, "404.html", status=404)


def _bare_error(request, status: int, *, code: str, detail: str, context=None, instance=False):
    """An error answer rendered without context processors: no database, session or user.

    Under /api/ the API's problem details; elsewhere ``<status>.html``.
    """
    if _is_api(request):
        from core.api.errors import PROBLEM_CONTENT_TYPE, problem_body

        body = problem_body(status, detail, code=code, request=request if instance else None)
        return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    template = loader.get_template(f"{status}.html")
    page = template.render({"LANGUAGE_CODE": get_language(), **(context or {})})
    return HttpResponse(page, status=status)


def server_error(request):
    return _bare_error(
        request,
        500,
        code="server_error",
        detail="Something went wrong on our side; it has been logged.",
    )


def service_unavailable(request):
    """The database could not be reached: 503, rendered without touching it."""
    response = _bare_error(
        request,
        503,
        code="service_unavailable",
        detail="The service is briefly unavailable; nothing was saved. Try again in a minute.",
    )
    response["Retry-After"] = "60"
    return response
