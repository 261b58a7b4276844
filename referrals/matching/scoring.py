"""Suggested volunteers for one waiting pupil, ranked, with the reasons for each score.

A score runs from 0 to 100 and is the sum of six parts, each explained by one
``Reason``. The weights live in one place, below. Where information is
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

The module has a pure part that works on plain profiles (``PupilProfile``,
``VolunteerProfile``): ``explain`` for one pair, with texts, and
``score_components``/``score_matrix`` for many pairs at once with numpy (the
batch proposal and the benchmark use these). Both compute the same numbers;
a test holds them together. The loading part builds the profiles from the
database in a fixed number of queries, whatever the number of volunteers.
"""

from __future__ import annotations

import bisect
import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.models import SchoolGrade
from initiatives.models import Availability, Programme, Volunteer

from ..models import Guardian, Pupil, PupilAvailability, Referral
from .rules import VolunteerFacts, blockers_from_facts, load_facts, required_trainings

# --- weights: the whole score in one place -------------------------------------

AVAILABILITY = 35.0
LOCATION = 25.0
ONLINE = 20.0  # location points when sessions can be online instead
LANGUAGE_SHARED = 10.0  # the volunteer speaks a language of the parents
LANGUAGE_INTERPRETER = 20.0  # ... and the parents would otherwise need an interpreter
SUBJECT = 10.0
LEVEL = 7.0
CAPACITY = 3.0
CAPACITY_FULL_AT = 3  # free places that earn the whole capacity bonus
NEUTRAL = 0.5  # share of a part's points when the information is missing
MAX_SCORE = AVAILABILITY + LOCATION + LANGUAGE_INTERPRETER + SUBJECT + LEVEL + CAPACITY
assert MAX_SCORE == 100.0

SESSIONS_PER_WEEK = {
    Programme.Frequency.WEEKLY: 1,
    Programme.Frequency.TWICE_WEEKLY: 2,
    Programme.Frequency.FORTNIGHTLY: 1,
}

# --- normalising what people type ----------------------------------------------

DUTCH = "nl"

# Canonical key -> the names and codes people use for it (Dutch, English, ISO).
# Dari and Farsi are one key: speakers understand each other.
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "nl": ("nederlands", "dutch", "nld", "dut", "vlaams", "flemish"),
    "ar": ("arabisch", "arabic", "ara", "marokkaans arabisch", "darija"),
    "ber": ("tamazight", "berbers", "berber", "amazigh", "tarifit", "riffijns", "zgh", "tzm"),
    "tr": ("turks", "turkish", "tur"),
    "srn": ("sranantongo", "sranan tongo", "sranan", "surinaams"),
    "hns": ("sarnami", "sarnami hindustani", "sarnami hindoestani", "hindoestaans"),
    "pap": ("papiaments", "papiamento", "papiamentu"),
    "ku": ("koerdisch", "kurdish", "kur", "kurmanji", "sorani"),
    "ti": ("tigrinya", "tigrinia", "tigrinisch", "tir"),
    "so": ("somalisch", "somali", "som"),
    "fa": ("dari", "farsi", "perzisch", "persian", "prs", "fas", "per"),
    "ps": ("pasjtoe", "pashto", "pashtu", "pasjto", "pus"),
    "pl": ("pools", "polish", "pol"),
    "bg": ("bulgaars", "bulgarian", "bul"),
    "uk": ("oekraiens", "ukrainian", "ukr"),
    "ru": ("russisch", "russian", "rus"),
    "en": ("engels", "english", "eng"),
    "de": ("duits", "german", "deu", "ger"),
    "fr": ("frans", "french", "fra", "fre"),
    "es": ("spaans", "spanish", "spa"),
    "pt": ("portugees", "portuguese", "por"),
    "it": ("italiaans", "italian", "ita"),
    "ro": ("roemeens", "romanian", "ron", "rum"),
    "hu": ("hongaars", "hungarian", "hun"),
    "sq": ("albanees", "albanian", "sqi", "alb"),
    "am": ("amhaars", "amharic", "amh"),
    "ur": ("urdu", "urd"),
    "hi": ("hindi", "hin"),
    "zh": ("chinees", "chinese", "mandarijn", "mandarin", "zho", "chi"),
    "vi": ("vietnamees", "vietnamese", "vie"),
    "fy": ("fries", "frisian", "fry"),
}
_LANGUAGE_KEYS = {
    alias: key for key, aliases in LANGUAGE_NAMES.items() for alias in (key, *aliases)
}

ANY_SUBJECT = "*"  # a volunteer with any subject fits homework help
SUBJECT_NAMES: dict[str, tuple[str, ...]] = {
    "dutch": ("nederlands", "dutch", "nederlandse taal", "taal", "nl", "spelling", "nt2"),
    "reading": (
        "begrijpend lezen",
        "lezen",
        "technisch lezen",
        "reading",
        "reading comprehension",
    ),
    "maths": ("rekenen", "wiskunde", "maths", "math", "mathematics", "arithmetic"),
    "english": ("engels", "english"),
    "study_skills": (
        "plannen en leren",
        "leren leren",
        "plannen",
        "studievaardigheden",
        "study skills",
        "planning",
        "huiswerk",
        "homework",
    ),
}
_SUBJECT_KEYS = {alias: key for key, aliases in SUBJECT_NAMES.items() for alias in (key, *aliases)}
# Which subjects fit a programme's type of support; None: no particular subject.
SUPPORT_SUBJECTS: dict[str, frozenset[str] | None] = {
    Programme.SupportType.LANGUAGE: frozenset({"dutch", "reading"}),
    Programme.SupportType.READING: frozenset({"reading", "dutch"}),
    Programme.SupportType.HOMEWORK: frozenset({ANY_SUBJECT}),
    Programme.SupportType.STUDY_SKILLS: frozenset({"study_skills"}),
    Programme.SupportType.PARENT_INVOLVEMENT: None,
}

PO, VO = "PO", "VO"
_LEVEL_KEYS = {
    "po": PO,
    "primary": PO,
    "primair onderwijs": PO,
    "basisonderwijs": PO,
    "basisschool": PO,
    "vo": VO,
    "secondary": VO,
    "voortgezet onderwijs": VO,
    "middelbare school": VO,
}


def _clean(text: str) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    plain = plain.lower().replace("-", " ").replace("_", " ")
    return " ".join(plain.split())


def normalise_language(text: str) -> str:
    """One key for one language: ``"Arabisch"``, ``"arabic"``, ``"AR"`` -> ``"ar"``.

    A region ("nl-BE", "ar_MA") is dropped; an unknown language keeps its
    cleaned name, so two people who both typed "Wolof" still match.
    """
    cleaned = _clean(text)
    if cleaned in _LANGUAGE_KEYS:
        return _LANGUAGE_KEYS[cleaned]
    head = cleaned.split(" ")[0]
    if len(head) in (2, 3) and head in _LANGUAGE_KEYS:
        return _LANGUAGE_KEYS[head]
    return cleaned


def normalise_subject(text: str) -> str:
    cleaned = _clean(text)
    return _SUBJECT_KEYS.get(cleaned, cleaned)


def normalise_level(text: str) -> str:
    cleaned = _clean(text)
    return _LEVEL_KEYS.get(cleaned, cleaned.upper())


def level_of_grade(grade: int | None) -> str | None:
    """PO for groep 1-8, VO for klas 1-6 (grades 9-14 on the one scale)."""
    if grade is None:
        return None
    return PO if grade <= SchoolGrade.GROEP_8 else VO


# --- profiles: plain data the pure part works on -------------------------------

Slot = tuple[int, int, int]  # weekday 1-7, start and end in minutes after midnight
Place = Hashable  # ("n", neighbourhood id) or ("pc", "3531")


def merge_slots(slots: Iterable[Slot]) -> tuple[Slot, ...]:
    """Sorted slots with overlapping or touching ones on a day joined."""
    merged: list[list[int]] = []
    for day, start, end in sorted(slots):
        if end <= start:
            continue
        if merged and merged[-1][0] == day and start <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], end)
        else:
            merged.append([day, start, end])
    return tuple((d, s, e) for d, s, e in merged)


def postcode_area(postcode: str) -> str:
    digits = "".join(ch for ch in (postcode or "")[:4] if ch.isdigit())
    return digits if len(digits) == 4 else ""


@dataclass(frozen=True, slots=True)
class PupilProfile:
    """A waiting referral as matching sees it: the pupil in one programme."""

    key: int  # referral pk
    slots: tuple[Slot, ...] = ()  # merged weekly availability
    places: frozenset[Place] = frozenset()
    place_labels: dict = field(default_factory=dict)  # place -> name shown
    languages: frozenset[str] = frozenset()  # normalised, languages of the parents
    interpreter_languages: frozenset[str] = frozenset()  # of parents needing an interpreter
    language_labels: dict = field(default_factory=dict)  # key -> name as recorded
    level: str | None = None  # PO or VO
    grade_label: str = ""
    wanted_subjects: frozenset[str] | None = None  # None: no particular subject
    support_label: str = ""
    online: bool = False  # the programme allows online sessions
    minutes_needed: int = 90  # per week


@dataclass(frozen=True, slots=True)
class VolunteerProfile:
    key: int  # volunteer pk
    slots: tuple[Slot, ...] = ()
    reach: frozenset[Place] = frozenset()
    online_possible: bool = False
    languages: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()  # normalised, plus ANY_SUBJECT when any
    subject_labels: tuple[str, ...] = ()
    school_levels: frozenset[str] = frozenset()
    free_capacity: int = 1


# --- the reasons ----------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One line of explanation under a score."""

    code: str  # "availability", "location", "language", "subject", "level", "capacity", "online"
    text: str  # translated sentence, e.g. "Both are available on Wednesday 14:00-16:00."
    points: float  # contribution to the score (may be 0)


@dataclass(frozen=True)
class Suggestion:
    volunteer: Volunteer
    score: float  # 0..100
    reasons: tuple[Reason, ...]
    free_capacity: int


def _points(value: float) -> float:
    """Points as shown: one decimal. The matrix rounds the same way."""
    return float(np.round(value, 1))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_name(weekday: int) -> str:
    """The weekday's name as the active language writes it mid-sentence ("woensdag")."""
    return formats.date_format(dt.date(2024, 1, weekday), "l")  # 1 January 2024: a Monday


def overlap(a: Sequence[Slot], b: Sequence[Slot]) -> list[Slot]:
    """The weekly time both merged slot lists share."""
    shared: list[Slot] = []
    for day, start, end in a:
        for other_day, other_start, other_end in b:
            if other_day == day:
                lo, hi = max(start, other_start), min(end, other_end)
                if lo < hi:
                    shared.append((day, lo, hi))
    return sorted(shared)


def _availability_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "availability"
    if not pupil.slots:
        return Reason(
            code,
            _("No availability recorded for the pupil, so this counts as neutral."),
            _points(AVAILABILITY * NEUTRAL),
        )
    if not volunteer.slots:
        return Reason(
            code,
            _("No availability recorded for the volunteer, so this counts as neutral."),
            _points(AVAILABILITY * NEUTRAL),
        )
    shared = overlap(pupil.slots, volunteer.slots)
    minutes = sum(end - start for _day, start, end in shared)
    if not minutes:
        return Reason(code, _("Their weekly availability does not overlap."), 0.0)
    slots = get_text_list(
        [f"{day_name(day)} {_clock(s)}-{_clock(e)}" for day, s, e in shared],
        _("and"),
    )
    points = _points(AVAILABILITY * min(1.0, minutes / pupil.minutes_needed))
    values = {"slots": slots, "minutes": minutes, "needed": pupil.minutes_needed}
    if minutes >= pupil.minutes_needed:
        text = _("Both are available on %(slots)s (%(minutes)s minutes a week).") % values
    else:
        text = (
            _(
                "Both are available on %(slots)s (%(minutes)s minutes a week, "
                "less than the %(needed)s minutes the sessions take)."
            )
            % values
        )
    return Reason(code, text, points)


def _location_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    shared = pupil.places & volunteer.reach
    if shared:
        # prefer naming the neighbourhood over the postcode area
        place = min(shared, key=lambda p: (p[0] != "n", str(p[1])))
        if place[0] == "n":
            text = _("Goes to %(neighbourhood)s, where the pupil lives.") % {
                "neighbourhood": pupil.place_labels.get(place, "")
            }
        else:
            text = _("Goes to postcode area %(area)s, where the pupil lives.") % {"area": place[1]}
        return Reason("location", text, _points(LOCATION))
    if pupil.online and volunteer.online_possible:
        return Reason(
            "online",
            _("Can work online, which this programme allows."),
            _points(ONLINE),
        )
    if not pupil.places:
        return Reason(
            "location",
            _(
                "The pupil's neighbourhood and postcode are not recorded, "
                "so this counts as neutral."
            ),
            _points(LOCATION * NEUTRAL),
        )
    if not volunteer.reach:
        return Reason(
            "location",
            _("No neighbourhoods recorded for the volunteer, so this counts as neutral."),
            _points(LOCATION * NEUTRAL),
        )
    named = sorted(
        (p for p in pupil.places if p[0] == "n"), key=lambda p: pupil.place_labels.get(p, "")
    )
    if named:
        text = _("Does not go to %(neighbourhood)s, where the pupil lives.") % {
            "neighbourhood": pupil.place_labels.get(named[-1], "")
        }
    else:
        area = next(p[1] for p in pupil.places if p[0] == "pc")
        text = _("Does not go to postcode area %(area)s, where the pupil lives.") % {"area": area}
    return Reason("location", text, 0.0)


def _language_names(pupil: PupilProfile, keys: Iterable[str]) -> str:
    # the parents' own languages first, Dutch last
    ordered = sorted(keys, key=lambda k: (k == DUTCH, pupil.language_labels.get(k, k)))
    return get_text_list([pupil.language_labels.get(k, k) for k in ordered], _("and"))


def _language_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "language"
    most = LANGUAGE_INTERPRETER if pupil.interpreter_languages else LANGUAGE_SHARED
    if not pupil.languages:
        return Reason(
            code,
            _("The parents' language is not recorded, so this counts as neutral."),
            _points(most * NEUTRAL),
        )
    if not volunteer.languages:
        return Reason(
            code,
            _("No languages recorded for the volunteer, so this counts as neutral."),
            _points(most * NEUTRAL),
        )
    if pupil.interpreter_languages:
        spoken = pupil.interpreter_languages & volunteer.languages
        if spoken:
            text = _("Speaks %(language)s, so the parents need no interpreter.") % {
                "language": _language_names(pupil, spoken)
            }
            return Reason(code, text, _points(LANGUAGE_INTERPRETER))
        text = _("Does not speak %(language)s; the parents need an interpreter.") % {
            "language": _language_names(pupil, pupil.interpreter_languages)
        }
        return Reason(code, text, 0.0)
    shared = pupil.languages & volunteer.languages
    if shared:
        text = _("Speaks %(language)s, a language of the parents.") % {
            "language": _language_names(pupil, shared)
        }
        return Reason(code, text, _points(LANGUAGE_SHARED))
    text = _("Speaks none of the parents' languages (%(languages)s).") % {
        "languages": _language_names(pupil, pupil.languages)
    }
    return Reason(code, text, 0.0)


def _subject_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "subject"
    if pupil.wanted_subjects is None:
        return Reason(
            code,
            _("This programme asks for no particular subject, so this counts as neutral."),
            _points(SUBJECT * NEUTRAL),
        )
    if not volunteer.subjects:
        return Reason(
            code,
            _("No subjects recorded for the volunteer, so this counts as neutral."),
            _points(SUBJECT * NEUTRAL),
        )
    values = {
        "subjects": get_text_list(list(volunteer.subject_labels), _("and")),
        "support": pupil.support_label,
    }
    if pupil.wanted_subjects & volunteer.subjects:
        return Reason(
            code,
            _("Teaches %(subjects)s, which fits this programme (%(support)s).") % values,
            _points(SUBJECT),
        )
    return Reason(
        code,
        _("Teaches %(subjects)s, which does not fit this programme (%(support)s).") % values,
        0.0,
    )


def _level_label(level: str) -> str:
    return _("primary school (PO)") if level == PO else _("secondary school (VO)")


def _level_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "level"
    if pupil.level is None:
        return Reason(
            code,
            _("The pupil's year group is not recorded, so this counts as neutral."),
            _points(LEVEL * NEUTRAL),
        )
    if not volunteer.school_levels:
        return Reason(
            code,
            _("No school levels recorded for the volunteer, so this counts as neutral."),
            _points(LEVEL * NEUTRAL),
        )
    values = {"level": _level_label(pupil.level), "grade": pupil.grade_label}
    if pupil.level in volunteer.school_levels:
        return Reason(
            code,
            _("Works with pupils in %(level)s, like this pupil (%(grade)s).") % values,
            _points(LEVEL),
        )
    values["levels"] = get_text_list(
        [_level_label(v) for v in sorted(volunteer.school_levels) if v in (PO, VO)]
        or sorted(volunteer.school_levels),
        _("and"),
    )
    return Reason(
        code,
        _("Works with pupils in %(levels)s; this pupil is in %(level)s (%(grade)s).") % values,
        0.0,
    )


def _capacity_points(free: int) -> float:
    return _points(CAPACITY * min(free, CAPACITY_FULL_AT) / CAPACITY_FULL_AT)


def _capacity_reason(volunteer: VolunteerProfile) -> Reason:
    free = volunteer.free_capacity
    text = ngettext("%(count)s free place.", "%(count)s free places.", free) % {"count": free}
    return Reason(
        "capacity", text, _points(CAPACITY * min(free, CAPACITY_FULL_AT) / CAPACITY_FULL_AT)
    )


def explain(pupil: PupilProfile, volunteer: VolunteerProfile) -> tuple[float, tuple[Reason, ...]]:
    """The score of one pair and its reasons, one per part, in a fixed order."""
    reasons = (
        _availability_reason(pupil, volunteer),
        _location_reason(pupil, volunteer),
        _language_reason(pupil, volunteer),
        _subject_reason(pupil, volunteer),
        _level_reason(pupil, volunteer),
        _capacity_reason(volunteer),
    )
    return _points(sum(r.points for r in reasons)), reasons


# --- many pairs at once -----------------------------------------------------------


def _shares(left: Sequence[frozenset], right: Sequence[frozenset]) -> np.ndarray:
    """Boolean matrix: does left[i] share an element with right[j]?"""
    index: dict = {}
    for items in left:
        for item in items:
            index.setdefault(item, len(index))
    a = np.zeros((len(left), len(index)), dtype=np.float32)
    b = np.zeros((len(right), len(index)), dtype=np.float32)
    for i, items in enumerate(left):
        for item in items:
            a[i, index[item]] = 1.0
    for j, items in enumerate(right):
        for item in items:
            col = index.get(item)
            if col is not None:
                b[j, col] = 1.0
    return (a @ b.T) > 0


def overlap_minutes(
    pupil_slots: Sequence[Sequence[Slot]], volunteer_slots: Sequence[Sequence[Slot]]
) -> np.ndarray:
    """Weekly minutes of shared availability for every pair (merged slots).

    Every day is cut at every start and end anyone has, so each elementary
    segment is either wholly inside a slot or outside it; the overlap is then
    one matrix product of "available in segment" indicators weighted by the
    segments' lengths. Exact, and fast for thousands of rows.
    """
    bounds: dict[int, set[int]] = defaultdict(set)
    for slots in (*pupil_slots, *volunteer_slots):
        for day, start, end in slots:
            bounds[day].update((start, end))
    cuts: dict[int, list[int]] = {}
    first: dict[int, int] = {}
    widths: list[int] = []
    for day in sorted(bounds):
        cuts[day] = sorted(bounds[day])
        first[day] = len(widths)
        widths.extend(np.diff(cuts[day]).tolist())

    def indicators(rows: Sequence[Sequence[Slot]]) -> np.ndarray:
        out = np.zeros((len(rows), len(widths)), dtype=np.float32)
        for i, slots in enumerate(rows):
            for day, start, end in slots:
                lo = first[day] + bisect.bisect_left(cuts[day], start)
                hi = first[day] + bisect.bisect_left(cuts[day], end)
                out[i, lo:hi] = 1.0
        return out

    weights = np.asarray(widths, dtype=np.float32)
    return (indicators(pupil_slots) * weights) @ indicators(volunteer_slots).T


def score_components(
    pupils: Sequence[PupilProfile], volunteers: Sequence[VolunteerProfile]
) -> dict[str, np.ndarray]:
    """Each part's points for every pupil (rows) and volunteer (columns).

    The same rules as ``explain``, vectorised. Keys: availability, location
    (the online points included), language, subject, level, capacity.
    """
    n, m = len(pupils), len(volunteers)
    shape = (n, m)

    def rows(values) -> np.ndarray:
        return np.asarray(values).reshape(n, 1)

    def cols(values) -> np.ndarray:
        return np.asarray(values).reshape(1, m)

    # availability: one lookup table per distinct weekly need, so the rounding
    # is exactly that of ``explain``
    minutes = overlap_minutes([p.slots for p in pupils], [v.slots for v in volunteers])
    minutes = minutes.astype(np.int64)
    need = np.asarray([p.minutes_needed for p in pupils], dtype=np.int64)
    availability = np.zeros(shape)
    longest = int(minutes.max(initial=0))
    for value in np.unique(need):
        table = np.round(AVAILABILITY * np.minimum(1.0, np.arange(longest + 1) / value), 1)
        chosen = need == value
        availability[chosen] = table[minutes[chosen]]
    unknown = rows([not p.slots for p in pupils]) | cols([not v.slots for v in volunteers])
    availability = np.where(unknown, _points(AVAILABILITY * NEUTRAL), availability)

    # location (or online)
    fit = _shares([p.places for p in pupils], [v.reach for v in volunteers])
    online = rows([p.online for p in pupils]) & cols([v.online_possible for v in volunteers])
    unknown = rows([not p.places for p in pupils]) | cols([not v.reach for v in volunteers])
    location = np.where(
        fit,
        _points(LOCATION),
        np.where(online, _points(ONLINE), np.where(unknown, _points(LOCATION * NEUTRAL), 0.0)),
    )

    # language
    needs = rows([bool(p.interpreter_languages) for p in pupils])
    neutral = np.where(
        needs, _points(LANGUAGE_INTERPRETER * NEUTRAL), _points(LANGUAGE_SHARED * NEUTRAL)
    )
    unknown = rows([not p.languages for p in pupils]) | cols([not v.languages for v in volunteers])
    shared = _shares([p.languages for p in pupils], [v.languages for v in volunteers])
    spoken = _shares([p.interpreter_languages for p in pupils], [v.languages for v in volunteers])
    language = np.where(
        unknown,
        neutral,
        np.where(
            needs,
            np.where(spoken, _points(LANGUAGE_INTERPRETER), 0.0),
            np.where(shared, _points(LANGUAGE_SHARED), 0.0),
        ),
    )

    # subject
    unknown = rows([p.wanted_subjects is None for p in pupils]) | cols(
        [not v.subjects for v in volunteers]
    )
    fit = _shares(
        [p.wanted_subjects or frozenset() for p in pupils], [v.subjects for v in volunteers]
    )
    subject = np.where(unknown, _points(SUBJECT * NEUTRAL), np.where(fit, _points(SUBJECT), 0.0))

    # level
    unknown = rows([p.level is None for p in pupils]) | cols(
        [not v.school_levels for v in volunteers]
    )
    fit = _shares(
        [frozenset({p.level}) if p.level else frozenset() for p in pupils],
        [v.school_levels for v in volunteers],
    )
    level = np.where(unknown, _points(LEVEL * NEUTRAL), np.where(fit, _points(LEVEL), 0.0))

    # capacity
    capacity = np.broadcast_to(
        cols([_capacity_points(v.free_capacity) for v in volunteers]).astype(np.float64), shape
    )

    return {
        "availability": availability,
        "location": location,
        "language": language,
        "subject": subject,
        "level": level,
        "capacity": capacity,
    }


def score_matrix(
    pupils: Sequence[PupilProfile], volunteers: Sequence[VolunteerProfile]
) -> np.ndarray:
    """Scores 0..100 for every pupil (rows) and volunteer (columns)."""
    parts = score_components(pupils, volunteers)
    return sum(parts.values())


def rank(
    pupil: PupilProfile, volunteers: Sequence[VolunteerProfile], *, limit: int | None = None
) -> list[tuple[VolunteerProfile, float, tuple[Reason, ...]]]:
    """Volunteers for one pupil, best first (ties: more free places, then input order)."""
    scored = [(v, *explain(pupil, v)) for v in volunteers]
    order = sorted(
        range(len(scored)), key=lambda i: (-scored[i][1], -scored[i][0].free_capacity, i)
    )
    chosen = [scored[i] for i in order]
    return chosen if limit is None else chosen[:limit]


# --- loading profiles from the database ----------------------------------------


def _to_minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def minutes_needed(programme: Programme) -> int:
    return programme.session_minutes * SESSIONS_PER_WEEK.get(programme.session_frequency, 1)


def load_pupil_profiles(
    referrals: Sequence[Referral], programme: Programme
) -> dict[int, PupilProfile]:
    """Profiles keyed by referral pk, in the referrals' order.

    Three queries whatever their number (pupils with their neighbourhood,
    availability, guardians); the referrals need nothing prefetched.
    """
    pupil_ids = {r.pupil_id for r in referrals}
    pupils = {
        p.pk: p
        for p in Pupil.objects.select_related("neighbourhood__parent").filter(pk__in=pupil_ids)
    }
    slots: dict[int, list[Slot]] = defaultdict(list)
    for pupil_id, weekday, start, end in PupilAvailability.objects.filter(
        pupil_id__in=pupil_ids
    ).values_list("pupil_id", "weekday", "start_time", "end_time"):
        slots[pupil_id].append((weekday, _to_minutes(start), _to_minutes(end)))
    guardians: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for pupil_id, language, interpreter in (
        Guardian.objects.filter(pupil_id__in=pupil_ids)
        .order_by("pk")
        .values_list("pupil_id", "language", "interpreter_needed")
    ):
        guardians[pupil_id].append((language, interpreter))

    wanted = SUPPORT_SUBJECTS.get(programme.support_type)
    support_label = (
        Programme.SupportType(programme.support_type).label
        if programme.support_type in Programme.SupportType.values
        else programme.support_type
    )
    needed = minutes_needed(programme)
    profiles: dict[int, PupilProfile] = {}
    for referral in referrals:
        pupil = pupils[referral.pupil_id]
        places: set[Place] = set()
        labels: dict[Place, str] = {}
        neighbourhood = pupil.neighbourhood
        if neighbourhood is not None:
            places.add(("n", neighbourhood.pk))
            labels[("n", neighbourhood.pk)] = neighbourhood.name
            if neighbourhood.parent_id:
                places.add(("n", neighbourhood.parent_id))
                labels[("n", neighbourhood.parent_id)] = neighbourhood.parent.name
        area = postcode_area(pupil.postcode)
        if area:
            places.add(("pc", area))

        # The parents' languages: what the guardians speak; without any
        # recorded, the languages spoken at home.
        recorded = [(lang, need) for lang, need in guardians[pupil.pk] if lang.strip()]
        if not recorded:
            recorded = [(lang, False) for lang in pupil.home_languages or [] if str(lang).strip()]
        language_labels: dict[str, str] = {}
        interpreter: set[str] = set()
        for lang, need in recorded:
            key = normalise_language(lang)
            language_labels.setdefault(key, str(lang).strip())
            if need:
                interpreter.add(key)
        if any(need for _lang, need in guardians[pupil.pk]) and not interpreter:
            # a guardian needs an interpreter but left the language blank
            interpreter = {k for k in language_labels if k != DUTCH}

        profiles[referral.pk] = PupilProfile(
            key=referral.pk,
            slots=merge_slots(slots[pupil.pk]),
            places=frozenset(places),
            place_labels=labels,
            languages=frozenset(language_labels),
            interpreter_languages=frozenset(interpreter),
            language_labels=language_labels,
            level=level_of_grade(pupil.grade),
            grade_label=SchoolGrade(pupil.grade).label if pupil.grade else "",
            wanted_subjects=wanted,
            support_label=str(support_label),
            online=programme.online,
            minutes_needed=needed,
        )
    return profiles


def load_volunteer_profiles(facts: Iterable[VolunteerFacts]) -> dict[int, VolunteerProfile]:
    """Profiles keyed by volunteer pk, in two queries (availability, neighbourhoods)."""
    facts = list(facts)
    ids = [f.volunteer.pk for f in facts]
    slots: dict[int, list[Slot]] = defaultdict(list)
    reach: dict[int, set[Place]] = defaultdict(set)
    if ids:
        for volunteer_id, weekday, start, end in Availability.objects.filter(
            volunteer_id__in=ids
        ).values_list("volunteer_id", "weekday", "start_time", "end_time"):
            slots[volunteer_id].append((weekday, _to_minutes(start), _to_minutes(end)))
        for (
            volunteer_id,
            neighbourhood_id,
            postcodes,
        ) in Volunteer.neighbourhoods.through.objects.filter(volunteer_id__in=ids).values_list(
            "volunteer_id", "neighbourhood_id", "neighbourhood__postcodes"
        ):
            reach[volunteer_id].add(("n", neighbourhood_id))
            for code in postcodes or []:
                area = postcode_area(str(code))
                if area:
                    reach[volunteer_id].add(("pc", area))
    profiles: dict[int, VolunteerProfile] = {}
    for f in facts:
        v = f.volunteer
        places = reach[v.pk]
        if not places and postcode_area(v.postcode):
            places = {("pc", postcode_area(v.postcode))}
        subject_labels = tuple(str(s).strip() for s in v.subjects or [] if str(s).strip())
        subjects = {normalise_subject(s) for s in subject_labels}
        if subjects:
            subjects.add(ANY_SUBJECT)
        profiles[v.pk] = VolunteerProfile(
            key=v.pk,
            slots=merge_slots(slots[v.pk]),
            reach=frozenset(places),
            online_possible=v.online_possible,
            languages=frozenset(
                normalise_language(lang) for lang in v.languages or [] if str(lang).strip()
            ),
            subjects=frozenset(subjects),
            subject_labels=subject_labels,
            school_levels=frozenset(
                normalise_level(level) for level in v.school_levels or [] if str(level).strip()
            ),
            free_capacity=f.free_capacity,
        )
    return profiles


def eligible_facts(programme: Programme, *, on: dt.date) -> list[VolunteerFacts]:
    """Facts of the volunteers who may take one more pupil in ``programme``.

    Six queries whatever the number of volunteers. Only active volunteers of
    the initiative are loaded; the hard rules then decide, never this filter.
    """
    volunteers = list(
        Volunteer.objects.filter(
            initiative_id=programme.initiative_id, status=Volunteer.Status.ACTIVE
        )
        .select_related("initiative")
        .order_by("last_name", "first_name", "pk")
    )
    facts = load_facts(volunteers)
    required = required_trainings(programme)
    return [
        facts[v.pk]
        for v in volunteers
        if not blockers_from_facts(facts[v.pk], programme, on=on, required=required)
    ]


def suggestions_for(
    referral: Referral, *, on: dt.date | None = None, limit: int = 10
) -> list[Suggestion]:
    """Volunteers who may be matched with this referral's pupil, best first.

    Only volunteers without a hard-rule blocker (``rules.blockers_from_facts``)
    are suggested. Twelve queries, whatever the number of volunteers.
    """
    on = on or timezone.localdate()
    referral = Referral.objects.select_related("programme__initiative").get(pk=referral.pk)
    programme = referral.programme
    facts = eligible_facts(programme, on=on)
    if not facts:
        return []
    volunteers = {f.volunteer.pk: f.volunteer for f in facts}
    pupil = load_pupil_profiles([referral], programme)[referral.pk]
    profiles = list(load_volunteer_profiles(facts).values())
    return [
        Suggestion(
            volunteer=volunteers[profile.key],
            score=score,
            reasons=reasons,
            free_capacity=profile.free_capacity,
        )
        for profile, score, reasons in rank(pupil, profiles, limit=limit)
    ]
