"""Suggested volunteers for one waiting pupil, ranked, with the reasons for each score.

A score runs from 0 to 100 and is the sum of six parts, each explained by one
``Reason``. The weights live in one place, ``weights``. Where information is
missing on either side (no availability recorded, no neighbourhood, ...) the
part counts as *neutral*: half its points, so a missing profile neither wins
nor loses a match outright.

================  ======  ==================================================
part              points  full points when
================  ======  ==================================================
availability      35      weekly overlap covers the programme's session time
                          (``session_minutes``, twice for twice-weekly);
                          less overlap earns a proportional share
location          25      the volunteer goes to the pupil's neighbourhood
(or online)       20      not there, but programme and volunteer work online
language          10/20   the volunteer speaks a language of the parents; 20
                          when the parents need an interpreter and the
                          volunteer speaks their language (0 if not)
subject           10      the volunteer's subjects fit the programme's type
level             7       the volunteer works with the pupil's level (PO/VO)
capacity          3       1 point per free place, at most 3
================  ======  ==================================================

Location uses neighbourhoods only: there are no coordinates, so
``Volunteer.max_travel_km`` stays profile data for the project leader. A
pupil's place is their neighbourhood (and the wijk it lies in) and the
four-digit area of their postcode; a volunteer reaches the neighbourhoods
they chose and those neighbourhoods' postcode areas
(``Neighbourhood.postcodes``), or, without any neighbourhoods, the area of
their own postcode. So a pupil without a neighbourhood still fits by postcode.

Subjects: a language or reading programme fits "Nederlands" and "Begrijpend
lezen" (or their English names), study skills fits "Plannen en leren",
homework help fits any subject; parent involvement asks for none (neutral).
Level: groep 1-8 is PO, klas 1-6 is VO, against ``Volunteer.school_levels``.

Every suggestion has six reasons in a fixed order; the location reason has
code "online" when the online points apply.

Languages are compared after normalising: case, accents, and Dutch or English
names or ISO codes ("Arabisch", "arabic", "ar") all become one key. Demo data
and the forms store Dutch names; factories store codes.

The package has a pure part that works on plain profiles (``profiles``:
``PupilProfile``, ``VolunteerProfile``, and normalising what people type):
``reasons.explain`` for one pair, with texts, and ``matrix.score_components``
/ ``score_matrix`` for many pairs at once with numpy (the batch proposal and
the benchmark use these). Both compute the same numbers, with the weights of
``weights``; a test holds them together. ``load`` builds the profiles from
the database in a fixed number of queries, whatever the number of
volunteers; ``suggestions`` ranks them for one waiting pupil.

Import from the package (``referrals.matching.scoring``): every public name
is here.
"""

from ..rules import load_facts
from .load import (
    SESSIONS_PER_WEEK,
    eligible_facts,
    load_pupil_profiles,
    load_volunteer_profiles,
    minutes_needed,
)
from .matrix import overlap_minutes, score_components, score_matrix
from .profiles import (
    ANY_SUBJECT,
    DUTCH,
    LANGUAGE_NAMES,
    PO,
    SUBJECT_NAMES,
    SUPPORT_SUBJECTS,
    VO,
    Place,
    PupilProfile,
    Slot,
    VolunteerProfile,
    level_of_grade,
    merge_slots,
    normalise_language,
    normalise_level,
    normalise_subject,
    postcode_area,
)
from .reasons import Reason, day_name, explain, overlap, rank
from .suggestions import Suggestion, suggestions_for
from .weights import (
    AVAILABILITY,
    CAPACITY,
    CAPACITY_FULL_AT,
    LANGUAGE_INTERPRETER,
    LANGUAGE_SHARED,
    LEVEL,
    LOCATION,
    MAX_SCORE,
    NEUTRAL,
    ONLINE,
    SUBJECT,
)

__all__ = [
    "ANY_SUBJECT",
    "AVAILABILITY",
    "CAPACITY",
    "CAPACITY_FULL_AT",
    "DUTCH",
    "LANGUAGE_INTERPRETER",
    "LANGUAGE_NAMES",
    "LANGUAGE_SHARED",
    "LEVEL",
    "LOCATION",
    "MAX_SCORE",
    "NEUTRAL",
    "ONLINE",
    "PO",
    "SESSIONS_PER_WEEK",
    "SUBJECT",
    "SUBJECT_NAMES",
    "SUPPORT_SUBJECTS",
    "VO",
    "Place",
    "PupilProfile",
    "Reason",
    "Slot",
    "Suggestion",
    "VolunteerProfile",
    "day_name",
    "eligible_facts",
    "explain",
    "level_of_grade",
    "load_facts",
    "load_pupil_profiles",
    "load_volunteer_profiles",
    "merge_slots",
    "minutes_needed",
    "normalise_language",
    "normalise_level",
    "normalise_subject",
    "overlap",
    "overlap_minutes",
    "postcode_area",
    "rank",
    "score_components",
    "score_matrix",
    "suggestions_for",
]
