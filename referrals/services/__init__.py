"""Writes for referrals: every change goes through these functions.

Importers outside this app use ``referrals.services``; the package is split
by subject (the referral's life cycle, the driehoeksgesprek, the waitlist,
matches, contact moments, evaluations and the 'needs attention' digest).

An anonymised pupil is read only: every service that changes a pupil, their
guardians, referrals, action plan, matches, contact moments or evaluations
starts with ``ensure_not_anonymised`` (``anonymised``) and refuses with
``AnonymisedError``; so do those of a match whose volunteer was anonymised.
"""

from .anonymised import AnonymisedError, ensure_not_anonymised
from .attention import send_attention_digests
from .evaluations import evaluation_record, impact_measurement_record
from .intake import (
    action_plan_record,
    tripartite_meeting_plan,
    tripartite_meeting_record_outcome,
)
from .lifecycle import (
    ConcurrentChangeError,
    InvalidTransitionError,
    referral_accept,
    referral_create_by_project_leader,
    referral_decline,
    referral_place_on_waitlist,
    referral_save_draft,
    referral_submit,
    referral_transition,
    referral_withdraw,
)
from .match_changes import (
    match_add_participant,
    match_end,
    match_remove_participant,
    match_replace_volunteer,
    pupil_set_availability,
)
from .matches import match_confirm_proposal, match_create
from .sessions import (
    contact_moment_delete,
    contact_moment_log,
    contact_moment_update,
    may_log_moments,
)
from .waitlist import referral_change_priority, send_due_waitlist_reminders

__all__ = [
    "AnonymisedError",
    "ConcurrentChangeError",
    "InvalidTransitionError",
    "action_plan_record",
    "contact_moment_delete",
    "contact_moment_log",
    "contact_moment_update",
    "ensure_not_anonymised",
    "evaluation_record",
    "impact_measurement_record",
    "match_add_participant",
    "match_confirm_proposal",
    "match_create",
    "match_end",
    "match_remove_participant",
    "match_replace_volunteer",
    "may_log_moments",
    "pupil_set_availability",
    "referral_accept",
    "referral_change_priority",
    "referral_create_by_project_leader",
    "referral_decline",
    "referral_place_on_waitlist",
    "referral_save_draft",
    "referral_submit",
    "referral_transition",
    "referral_withdraw",
    "send_attention_digests",
    "send_due_waitlist_reminders",
    "tripartite_meeting_plan",
    "tripartite_meeting_record_outcome",
]
