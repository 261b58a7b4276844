"""The hook through which the retention and rights services report what they did.

Every export and erasure of a pupil's, guardian's or volunteer's data calls
:func:`record_processing`, which writes the processing log
(``audit.services.log_processing``): append-only, with the request id of
the request being handled and no personal data. The action maps to the
log's action and channel: EXPORT_JSON to "export" via "export", EXPORT_PDF
to "export" via "pdf", ERASE to "anonymise" via "page", ANONYMISE (the
nightly job, ``user`` None) to "anonymise" via "job". The ``reason`` given
for an erasure is not stored in the log: it is free text and may name
someone.

An export or erasure of a pupil calls it once for the pupil and once for
each guardian; of a volunteer, once.
"""

from __future__ import annotations

# What was done.
EXPORT_JSON = "export_json"
EXPORT_PDF = "export_pdf"
ERASE = "erase"  # early erasure on request, by a project leader
ANONYMISE = "anonymise"  # automatic, after the retention period
ACTIONS = (EXPORT_JSON, EXPORT_PDF, ERASE, ANONYMISE)

# Whose record (the processing log's record types).
PUPIL = "pupil"
GUARDIAN = "guardian"
VOLUNTEER = "volunteer"

# Why.
PURPOSE_DATA_SUBJECT_REQUEST = "data_subject_request"  # AVG art. 15, 17 and 20
PURPOSE_RETENTION = "retention"  # the retention period ended

# The result.
ALLOWED = "allowed"
REFUSED = "refused"


def record_processing(
    *,
    user,
    action: str,
    record_type: str,
    record_id: int,
    purpose: str,
    result: str = ALLOWED,
    reason: str = "",
) -> None:
    """Write one entry in the processing log."""
    from audit.services import log_processing

    log_action, channel = _LOG_ACTION[action]
    purposes = {
        PURPOSE_DATA_SUBJECT_REQUEST: "rights: request of the person (AVG art. 15, 17, 20)",
        PURPOSE_RETENTION: "retention: the retention period ended",
    }
    log_processing(
        user=user,
        record_type=record_type,
        record_ids=[record_id],
        action=log_action,
        result=result,
        channel=channel,
        purpose=purposes.get(purpose, purpose),
    )


_LOG_ACTION = {
    EXPORT_JSON: ("export", "export"),
    EXPORT_PDF: ("export", "pdf"),
    ERASE: ("anonymise", "page"),
    ANONYMISE: ("anonymise", "job"),
}
