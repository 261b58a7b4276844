"""One error format for the whole API: problem details (RFC 9457).

Every error answers ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and, for invalid input, ``invalid_params``: one entry
per field with its ``name``, ``code`` and ``reason``. Services raise Django's
``ValidationError`` and ``PermissionDenied``; this handler turns them into the
same 400/403 the serializers give, and state conflicts (a concurrent change,
a transition the current status does not allow) into 409.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Codes of service errors that mean "the resource's current state does not
# allow this", answered with 409 Conflict rather than 400.
CONFLICT_CODES = frozenset(
    {
        "concurrent_change",
        "invalid_transition",
        "conflict",
        "already_ended",
        "not_running",
        "in_progress",
        "active_matches",
        "already_recorded",
        "not_failed",
        "already_matched",
        "not_matched",
        "wrong_status",
        "last_pupil",
        "action_plan_required",
        "conditions_not_accepted",
        "not_in_intake",
        "gone",
        "anonymised",
    }
)

TITLES = {
    400: gettext_lazy("The request contains invalid data."),
    401: gettext_lazy("Authentication is required."),
    403: gettext_lazy("You are not allowed to do this."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("This method is not allowed here."),
    406: gettext_lazy("This response format is not available."),
    409: gettext_lazy("This conflicts with the current state of the resource."),
    415: gettext_lazy("This request format is not supported."),
    429: gettext_lazy("Too many requests."),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This conflicts with the current state of the resource.")
    default_code = "conflict"


def _flatten(detail, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {name, code, reason}."""
    params: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            params.extend(_flatten(value, name))
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                params.append(
                    {
                        "name": prefix or "non_field_errors",
                        "code": getattr(item, "code", "invalid") or "invalid",
                        "reason": str(item),
                    }
                )
        else:
            for index, item in enumerate(detail):
                params.extend(_flatten(item, f"{prefix}[{index}]"))
    else:
        params.append(
            {
                "name": prefix or "non_field_errors",
                "code": getattr(detail, "code", "invalid") or "invalid",
                "reason": str(detail),
            }
        )
    return params


def _django_validation_params(error: DjangoValidationError) -> list[dict]:
    params = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = "non_field_errors" if field in (None, "__all__") else field
            for item in errors:
                params.append(
                    {
                        "name": name,
                        "code": item.code or "invalid",
                        "reason": " ".join(item.messages),
                    }
                )
    else:
        for item in error.error_list:
            params.append(
                {
                    "name": "non_field_errors",
                    "code": item.code or "invalid",
                    "reason": " ".join(item.messages),
                }
            )
    return params


def problem_body(status_code: int, detail: str, *, code: str, request=None, params=None) -> dict:
    """The problem-details document (also for the URL-level 403/404/500 handlers)."""
    body = {
        "type": f"https://aanvullendleren.nl/problemen/{code}",
        "title": str(TITLES.get(status_code, detail)),
        "status": status_code,
        "detail": str(detail),
        "code": code,
    }
    if request is not None:
        body["instance"] = request.path
    if params:
        body["invalid_params"] = params
    return body


def problem(status_code: int, detail: str, *, code: str, request=None, params=None):
    body = problem_body(status_code, detail, code=code, request=request, params=params)
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error as problem details."""
    request = context.get("request")
    response = None
    if isinstance(exc, DjangoValidationError):
        params = _django_validation_params(exc)
        codes = {param["code"] for param in params}
        # a ValidationError built from a dict keeps its code on itself only
        if getattr(exc, "code", None):
            codes.add(exc.code)
        if codes & CONFLICT_CODES:
            detail = " ".join(param["reason"] for param in params)
            response = problem(
                409,
                detail,
                code=sorted(codes & CONFLICT_CODES)[0],
                request=request,
                params=params,
            )
        else:
            response = problem(
                400,
                params[0]["reason"] if len(params) == 1 else str(TITLES[400]),
                code="invalid",
                request=request,
                params=params,
            )
    elif isinstance(exc, Http404 | exceptions.NotFound):
        response = problem(404, _("Not found."), code="not_found", request=request)
    elif isinstance(exc, DjangoPermissionDenied):
        detail = str(exc) or _("You are not allowed to do this.")
        response = problem(403, detail, code="permission_denied", request=request)
    elif isinstance(exc, exceptions.ValidationError):
        params = _flatten(exc.detail)
        response = problem(
            400,
            params[0]["reason"] if len(params) == 1 else str(TITLES[400]),
            code="invalid",
            request=request,
            params=params,
        )
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, list | dict):
            detail = " ".join(p["reason"] for p in _flatten(detail))
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response = problem(exc.status_code, str(detail), code=code, request=request)
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(int(exc.wait))
    if response is not None:
        set_rollback()
    return response
