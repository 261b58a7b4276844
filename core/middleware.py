import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

logger = logging.getLogger(__name__)


class DutchByDefaultLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the user chose another language with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language header, so
    a Dutch official with an English browser would get English pages. Here
    only an explicit choice (the language cookie set by ``set_language``)
    overrides the default.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            language = translation.get_supported_language_variant(chosen)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


SESSION_STARTED_KEY = "_session_started_at"
SESSION_RENEWED_KEY = "_session_renewed_at"
# The idle timeout is renewed at most once a minute: writing the session on
# every request cost each page a database write, for a limit that is then
# between SESSION_COOKIE_AGE minus a minute and SESSION_COOKIE_AGE.
SESSION_RENEW_SECONDS = 60


def start_session_clock(sender, request, user, **kwargs) -> None:
    """At login: the session's start (for ``SESSION_MAX_HOURS``) and its first renewal."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[SESSION_STARTED_KEY] = now
        session[SESSION_RENEWED_KEY] = now


class SessionLifetimeMiddleware:
    """End a signed-in session ``SESSION_MAX_HOURS`` after it began, however active.

    Also renews the idle timeout (``SESSION_COOKIE_AGE`` from the last
    renewal) when the last renewal is ``SESSION_RENEW_SECONDS`` old: marking
    the session changed makes Django save it with a new expiry. Login starts
    both clocks (``start_session_clock``); a session without them (made
    before this was so) records them on its next request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # answered as anonymous: 401
                return redirect_to_login(request.get_full_path())
            renewed = request.session.get(SESSION_RENEWED_KEY)
            if renewed is None or now - renewed >= SESSION_RENEW_SECONDS:
                request.session[SESSION_RENEWED_KEY] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page for a signed-in user and every API answer.

    Those may hold personal data; no browser or proxy cache may keep them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = request.path.startswith("/api/") or (user is not None and user.is_authenticated)
        if personal and not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
        return response


class DatabaseUnavailableMiddleware:
    """A lost database connection gives a clean 503 page, not a stack trace.

    The write that was under way is rolled back (services are atomic; the
    database drops an unfinished transaction with its connection), and
    Django discards the broken connection at the end of the request, so the
    next request connects afresh.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        from .views import service_unavailable

        logger.error(
            "Database unavailable during %s %s (%s)",
            request.method,
            request.path,
            type(exception).__name__,
        )
        return service_unavailable(request)
