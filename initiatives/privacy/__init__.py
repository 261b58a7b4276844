"""A volunteer's personal data: what is stored, how long, the export and the erasure.

``volunteer_anonymise`` erases a volunteer's personal data and keeps the
anonymous facts the indicators count (``core.retention`` says when it runs:
nightly ``VOLUNTEER_RETENTION_MONTHS`` after the volunteer stopped, or early
on request). ``volunteer_export_json`` / ``volunteer_export_pdf`` give
everything stored about one volunteer (structure in
``initiatives.privacy.export``). Every export and erasure calls
``core.processing.record_processing``.

Personal fields of the initiatives and accounts models, and what anonymising does
-------------------------------------------------------------------------------

"Erased" text becomes empty, or "Geanonimiseerd" where a name is shown
(marked *); "kept" fields are the anonymous facts. ``ERASED``, ``KEPT``
and ``DELETED`` in ``fields.py`` say the same for every field of every model
of both apps, and a test fails when a new field is in neither.

- **Volunteer**: erased first_name*, last_name, email, phone, postcode,
  date_of_birth (becomes empty), languages, intake_notes, stop_reason, the
  link to the user account (``user``); kept initiative, status, start_date,
  end_date, intake_date, capacity, programmes (the indicators count a
  volunteer for their programmes), neighbourhoods, max_travel_km,
  online_possible, subjects, school_levels, education_level, created_at,
  updated_at; ``anonymised_at`` is set.
- **VolunteerStatusChange**: erased reason; kept statuses, date, who, when.
- **Availability**: deleted (weekly time slots; no figure uses them).
- **VOG**: no personal fields (issue and check dates, kept: the indicators
  count valid VOGs; ``checked_by`` is the project leader).
- **TrainingCompletion**: no personal fields (training and date, kept).
- **Initiative**, **Programme**, **ProgrammePlaces**, **Training**: about an
  organisation, not a person (the initiative's email and phone are the
  organisation's).
- **Match** (referrals): erased end_note of the volunteer's matches.
- **accounts.User**, the volunteer's account: email (becomes
  ``anoniem-<id>@geanonimiseerd.invalid``), first_name*, last_name and
  password (made unusable) are erased, and the account is deactivated; its
  API tokens, allauth email addresses, second factors and social logins are
  deleted, and its volunteer membership of the initiative. An account that
  still holds another role (or is staff) is only unlinked: it belongs to a
  person who works on, and its volunteer membership is removed.
- **accounts.Membership**: the volunteer membership is deleted; no personal
  fields otherwise. **accounts.Invitation**: no personal fields (dates and
  links). **accounts.ApiToken**: deleted with the account (the name is the
  user's own label).

Also replaced: the name Django's admin log keeps of the volunteer and the
account (``LogEntry.object_repr``).
"""

from .anonymise import (
    led_volunteer,
    volunteer_anonymise,
    volunteers_due,
)
from .export import (
    EXPORT_SCHEMA,
    volunteer_export_data,
    volunteer_export_json,
    volunteer_export_pdf,
)
from .fields import DELETED, ERASED, KEPT

__all__ = [
    "DELETED",
    "ERASED",
    "EXPORT_SCHEMA",
    "KEPT",
    "led_volunteer",
    "volunteer_anonymise",
    "volunteer_export_data",
    "volunteer_export_json",
    "volunteer_export_pdf",
    "volunteers_due",
]
