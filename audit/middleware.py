"""A request id for every request, in the processing log and the response headers."""

from __future__ import annotations

import re
import uuid

from .context import current_request_id

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
