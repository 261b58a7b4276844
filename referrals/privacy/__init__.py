"""A pupil's personal data: what is stored, how long, the export and the erasure.

``pupil_anonymise`` erases a pupil's and their guardians' personal data and
keeps the anonymous facts the indicators count (``core.retention`` says when
it runs: nightly after ``PUPIL_RETENTION_MONTHS``, or early on request).
``pupil_export_json`` / ``pupil_export_pdf`` give everything stored about one
pupil (structure in ``referrals.privacy.export``). Every export and erasure
calls ``core.processing.record_processing``.

Personal fields of the referrals models, and what anonymising does
------------------------------------------------------------------

"Erased" text becomes empty, or "Geanonimiseerd" where the database requires
a value (marked *); "kept" fields are the anonymous facts. ``ERASED``,
``KEPT`` and ``DELETED`` in ``fields.py`` say the same for every field of
every model in the app, and a test fails when a new field is in neither.

- **Pupil**: erased first_name*, last_name, date_of_birth (becomes 1 January
  of the birth year: the field is required and no figure uses the date),
  postcode, home_languages, needs; kept initiative, school, grade (year
  group), neighbourhood, created_at, updated_at; ``anonymised_at`` is set.
- **Guardian**: erased name*, phone, email, language, interpreter_needed;
  kept pupil, relationship, created_at, updated_at.
- **PupilAvailability**: deleted (weekly time slots; no figure uses them).
- **Referral**: erased source_detail, support_what, support_why,
  support_tried, consent_given_by*, outcome_reason*; kept programme, source,
  referring_school, referred_by (the school referrer's account, not the
  pupil), school_year, consent_date, consent_method, status and every date,
  priority, beyond_places, version.
- **ReferralStatusChange**: erased reason; kept statuses, changed_by,
  changed_at, referrer_notified_at.
- **PriorityChange**: erased reason*; kept the priorities, who and when.
- **TripartiteMeeting**: erased agreements, parent_conditions; kept
  planned_at, held_on, attendees (roles, e.g. "parent"), conditions_accepted.
- **ActionPlan**: no personal fields.
- **Goal**: erased description*, responsible; kept review_date.
- **Match**: erased end_note (of matches that ended while the pupil was in
  them); kept everything else (dates, kind, frequency, end_reason).
- **MatchParticipant**: no personal fields (dates and links, kept).
- **ContactMoment**: erased note (the pupil's own moments, and the sessions
  of their matches from the day they joined to the day they left: a group's
  other sessions stay); kept kind, phase, date, duration, attendance,
  participants (roles), absent_pupils.
- **Evaluation**: erased summary; kept moment, held_on, the satisfaction
  scores.
- **GoalEvaluation**: erased note; kept result.
- **ImpactMeasurement**, **ImpactScore**: no personal fields (moments, dates,
  scores: kept).
- **ImpactQuestion**, **AttentionSignal**: about a programme or a match, not
  a person.

Also replaced: the name Django's admin log keeps of the pupil and the
guardians (``LogEntry.object_repr``). Users who recorded things
(``changed_by``, ``recorded_by``, ``logged_by``) are staff and stay linked.
"""

from .anonymise import (
    in_guidance,
    led_pupil,
    pupil_anonymise,
    pupil_guidance_ended_on,
    pupils_due,
)
from .export import EXPORT_SCHEMA, pupil_export_data, pupil_export_json, pupil_export_pdf
from .fields import DELETED, ERASED, KEPT

__all__ = [
    "DELETED",
    "ERASED",
    "EXPORT_SCHEMA",
    "KEPT",
    "in_guidance",
    "led_pupil",
    "pupil_anonymise",
    "pupil_export_data",
    "pupil_export_json",
    "pupil_export_pdf",
    "pupil_guidance_ended_on",
    "pupils_due",
]
