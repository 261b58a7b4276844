"""Reads for referrals. Every list starts from ``visible_to(user)``.

Importers use the package, ``from referrals import selectors`` and then
``selectors.waitlist(...)``: the modules inside (``referrals`` for the
referral journey, ``matches`` for the matching pages) may change.
"""

# 'Needs attention' lives in its own module; other apps read it from here.
from ..attention import attention_summary, needs_attention
from .matches import (
    Eligible,
    batch_referrals,
    eligible_volunteers,
    initiative_volunteer,
    match_detail,
    match_list,
    match_participants,
    matches_for,
    programme_volunteers,
    pupil_availability,
    referral_matches,
    sessions_held_count,
)
from .referrals import (
    NEXT_STEP,
    GoalView,
    Track,
    client_manager_referrals,
    coaching_tracks,
    days_waiting,
    goals_with_evaluations,
    inbox,
    intake_referrals,
    leader_referral_detail,
    next_step,
    possible_duplicates,
    possible_duplicates_of,
    school_duplicates,
    school_referral_detail,
    school_referrals,
    waitlist,
    with_possible_duplicate,
)

__all__ = [
    "NEXT_STEP",
    "Eligible",
    "GoalView",
    "Track",
    "attention_summary",
    "batch_referrals",
    "client_manager_referrals",
    "coaching_tracks",
    "days_waiting",
    "eligible_volunteers",
    "goals_with_evaluations",
    "inbox",
    "initiative_volunteer",
    "intake_referrals",
    "leader_referral_detail",
    "match_detail",
    "match_list",
    "match_participants",
    "matches_for",
    "needs_attention",
    "next_step",
    "possible_duplicates",
    "possible_duplicates_of",
    "programme_volunteers",
    "pupil_availability",
    "referral_matches",
    "school_duplicates",
    "school_referral_detail",
    "school_referrals",
    "sessions_held_count",
    "waitlist",
    "with_possible_duplicate",
]
