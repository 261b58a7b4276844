"""A request id for every request, in the processing log and the response headers."""

from __future__ import annotations

import logging
import re
import uuid

from .context import current_request_id

logger = logging.getLogger(__name__)

_VALID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


class RequestIdMiddleware:
    """Takes a well-formed ``X-Request-ID`` from the proxy, else makes one (a UUID)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _VALID.match(given) else str(uuid.uuid4())
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ProcessingLogMiddleware:
    """After each request: log the records of its address (``registry``) and noted lists.

    Reads of an address in the registry are logged as views (GET, HEAD) or
    changes (other methods), allowed when an authenticated user got an answer
    below 400; refused on 401, 403 and 404, when the request was not
    authenticated (an anonymous or deactivated user's redirect to the login
    page), and when a check marked it refused (``audit.services.note_refusal``:
    an API token whose user must first set up MFA). Lists note what they
    showed (``audit.services.note``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            self._log(request, response)
        except Exception:
            # Fail closed: personal data is not handed out without its log entry.
            logger.exception("Could not write the processing log for %s", request.path)
            raise
        return response

    def _log(self, request, response) -> None:
        from .registry import BY_URL_NAME
        from .services import Action, Result, flush_notes, log_processing, refusal_noted

        status = response.status_code
        if status >= 400 and status not in (401, 403, 404):
            return
        marked, refused_user = refusal_noted(request)
        user = refused_user or getattr(request, "user", None)
        # Below 400 is not enough for "allowed": a page redirects an anonymous
        # user to the login page with a 302, and nothing was shown to anyone.
        refused = status >= 400 or marked or not getattr(user, "is_authenticated", False)
        channel = "api" if request.path.startswith("/api/") else "page"
        match = getattr(request, "resolver_match", None)
        resolver = BY_URL_NAME.get(match.view_name) if match else None
        pk = match.kwargs.get("pk") if match else None
        if resolver is not None and str(pk).isdigit() and 0 < int(pk) < 2**63:
            action = Action.VIEW if request.method in ("GET", "HEAD") else Action.UPDATE
            if request.method == "DELETE":
                action = Action.DELETE
            for record_type, ids in resolver(int(pk)).items():
                log_processing(
                    user=user,
                    record_type=record_type,
                    record_ids=ids,
                    action=action,
                    result=Result.REFUSED if refused else Result.ALLOWED,
                    channel=channel,
                )
        flush_notes(request, channel=channel, refused=refused)
