"""Writes for initiatives, their programmes and volunteers: every change goes through these.

Only the initiative's project leaders (or an administrator) may act; anyone
else gets ``PermissionDenied``. Each function is atomic and raises
``ValidationError`` (keyed by field where it fits) with a sentence the
project leader can act on. A volunteer whose personal data has been
anonymised is read only: every service that changes one starts with
``ensure_not_anonymised`` and refuses with ``AnonymisedError``.
"""

from .common import AnonymisedError, ensure_not_anonymised
from .programmes import (
    impact_question_add,
    impact_question_delete,
    impact_question_move,
    impact_question_update,
)
from .rules import initiative_update_rules, training_create
from .screening import training_record, vog_record, volunteer_record_intake
from .status import (
    REASON_REQUIRED,
    TRANSITIONS,
    InvalidVolunteerTransitionError,
    allowed_transitions,
    volunteer_change_status,
)
from .volunteers import (
    SCHOOL_LEVELS,
    Slot,
    VolunteerProfile,
    volunteer_create,
    volunteer_set_availability,
    volunteer_update,
)

__all__ = [
    "REASON_REQUIRED",
    "SCHOOL_LEVELS",
    "TRANSITIONS",
    "AnonymisedError",
    "InvalidVolunteerTransitionError",
    "Slot",
    "VolunteerProfile",
    "allowed_transitions",
    "ensure_not_anonymised",
    "impact_question_add",
    "impact_question_delete",
    "impact_question_move",
    "impact_question_update",
    "initiative_update_rules",
    "training_create",
    "training_record",
    "vog_record",
    "volunteer_change_status",
    "volunteer_create",
    "volunteer_record_intake",
    "volunteer_set_availability",
    "volunteer_update",
]
