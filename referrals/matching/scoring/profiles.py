"""Plain profiles the pure part of scoring works on, and normalising what people type.

Languages are compared after normalising: case, accents, and Dutch or English
names or ISO codes ("Arabisch", "arabic", "ar") all become one key. Demo data
and the forms store Dutch names; factories store codes. Subjects and school
levels are normalised the same way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from core.models import SchoolGrade
from initiatives.models import Programme

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
