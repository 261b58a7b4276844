"""One result for a form sent twice: a one-time key per rendered form.

A form template includes ``{% submission_key %}``, a hidden field with a new
random key each time the form is shown. A view decorated with
``@once_per_submission`` runs its POST in one transaction that also records
the key, when the view succeeds (answers with a redirect). A second POST
with the same key, later or at the same moment, finds it recorded (or
loses the race on the key's primary key and is rolled back) and is sent to
the first result instead. Database-enforced, so it holds across workers.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FormSubmission

logger = logging.getLogger(__name__)

FIELD = "submission_key"
KEEP = dt.timedelta(days=1)


def _key(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def _already_sent(request, submission: FormSubmission):
    messages.info(request, _("This form had already been sent; it was saved once."))
    return redirect(submission.result_url)


def once_per_submission(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = _key(request) if request.method == "POST" else None
        if key is None:
            return view(request, *args, **kwargs)
        user_id = request.user.pk if request.user.is_authenticated else None
        earlier = FormSubmission.objects.filter(key=key).first()
        if earlier is not None and earlier.user_id != user_id:
            # someone else's key (copied, not guessed): no protection, no leak
            return view(request, *args, **kwargs)
        if earlier is not None:
            return _already_sent(request, earlier)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if response.status_code in (301, 302, 303) and response.get("Location"):
                    FormSubmission.objects.create(
                        key=key, user_id=user_id, result_url=response["Location"][:500]
                    )
        except IntegrityError:
            # the same form at the same moment: the other request saved it
            earlier = FormSubmission.objects.filter(key=key, user_id=user_id).first()
            if earlier is None:
                raise
            logger.info("Second submission of one form rolled back")
            return _already_sent(request, earlier)
        return response

    return wrapper


def forget_old_submissions(*, now: dt.datetime | None = None) -> int:
    """Drop keys older than a day (nightly)."""
    now = now or timezone.now()
    deleted, _rows = FormSubmission.objects.filter(created_at__lt=now - KEEP).delete()
    return deleted
