"""Writes for referrals: every change goes through these functions.

Importers outside this app use ``referrals.services``; the package is split
by subject (the referral's life cycle, the driehoeksgesprek, the waitlist).
"""

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
from .waitlist import referral_change_priority, send_due_waitlist_reminders

__all__ = [
    "ConcurrentChangeError",
    "InvalidTransitionError",
    "action_plan_record",
    "referral_accept",
    "referral_change_priority",
    "referral_create_by_project_leader",
    "referral_decline",
    "referral_place_on_waitlist",
    "referral_save_draft",
    "referral_submit",
    "referral_transition",
    "referral_withdraw",
    "send_due_waitlist_reminders",
    "tripartite_meeting_plan",
    "tripartite_meeting_record_outcome",
]
