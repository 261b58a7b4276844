"""People of the demo world: volunteers and families (pupils with their guardians).

Everything is planned in memory as unsaved model instances; ``builder``
writes them in bulk once the matches are known (a volunteer's trainings
and online flag follow from the matches they get).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field

from accounts.models import User
from core.models import SchoolGrade
from initiatives.models import (
    VOG,
    Availability,
    Initiative,
    TrainingCompletion,
    Volunteer,
    VolunteerStatusChange,
)
from municipality.models import Neighbourhood
from referrals.models import Guardian, Pupil, PupilAvailability

from . import names, texts
from .common import Clock, lerp, weighted
from .organisations import STICHTING_LINA, TAAL_DOET_MEER, Organisations

VS = Volunteer.Status

# Volunteers per unit of scale, by initiative and status.
VOLUNTEER_STATUSES = {
    TAAL_DOET_MEER: (
        [VS.ACTIVE] * 21 + [VS.PAUSED] * 3 + [VS.STOPPED] * 4 + [VS.SCREENING] * 2
        + [VS.APPLICANT] * 2
    ),
    STICHTING_LINA: [VS.ACTIVE] * 6 + [VS.STOPPED] + [VS.SCREENING],
}  # fmt: skip

SLOTS = (
    (dt.time(15, 0), dt.time(17, 0)),
    (dt.time(15, 30), dt.time(17, 30)),
    (dt.time(18, 30), dt.time(20, 30)),
    (dt.time(13, 0), dt.time(17, 0)),  # Wednesday afternoon
    (dt.time(10, 0), dt.time(12, 0)),  # Saturday morning
)


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def phone(rng: random.Random) -> str:
    return f"06-{rng.randint(10_000_000, 99_999_999)}"


def postcode(rng: random.Random, neighbourhood: Neighbourhood) -> str:
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    return f"{rng.choice(neighbourhood.postcodes)} {rng.choice(letters)}{rng.choice(letters)}"


@dataclass
class VolunteerPlan:
    volunteer: Volunteer
    initiative: Initiative
    available_from: dt.date | None  # start date; None for applicants and screening
    available_until: dt.date | None  # stopped or paused on; None while active
    changes: list[tuple[str, str, dt.date, str]] = field(default_factory=list)
    vogs: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    weekdays: list[int] = field(default_factory=list)
    slots: list[tuple[int, dt.time, dt.time]] = field(default_factory=list)
    neighbourhoods: list[Neighbourhood] = field(default_factory=list)
    # (start, end or None) of every match, for the capacity check.
    intervals: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    programme_starts: dict[str, dt.date] = field(default_factory=dict)  # programme key -> first

    @property
    def can_match(self) -> bool:
        return self.available_from is not None

    def load(self, start: dt.date, end: dt.date | None) -> int:
        far = dt.date.max
        return sum(1 for s, e in self.intervals if s <= (end or far) and start <= (e or far))


def plan_volunteers(
    *,
    rng: random.Random,
    units: int,
    organisations: Organisations,
    neighbourhoods: dict[str, list[Neighbourhood]],
    clock: Clock,
) -> list[VolunteerPlan]:
    plans: list[VolunteerPlan] = []
    prev_open = clock.window(clock.previous)[0]
    for initiative_name, statuses in VOLUNTEER_STATUSES.items():
        initiative = organisations.initiatives[initiative_name]
        code = "GM0344" if initiative_name == TAAL_DOET_MEER else "GM0505"
        for _unit in range(units):
            for status in statuses:
                plans.append(
                    _plan_volunteer(rng, initiative, status, neighbourhoods[code], clock, prev_open)
                )
    return plans


def _plan_volunteer(
    rng: random.Random,
    initiative: Initiative,
    status: str,
    wijken: list[Neighbourhood],
    clock: Clock,
    prev_open: dt.date,
) -> VolunteerPlan:
    group = names.GROUPS[weighted(rng, names.VOLUNTEER_WEIGHTS)]
    woman = rng.random() < 0.65
    life = rng.choices(["student", "working", "retired"], weights=[45, 30, 25])[0]
    if life == "student":
        first = rng.choice(group.girls if woman else group.boys)
        age = rng.randint(19, 26)
        education = rng.choice([Volunteer.EducationLevel.HBO, Volunteer.EducationLevel.WO])
    elif life == "working":
        first = rng.choice(group.women if woman else group.men)
        age = rng.randint(27, 64)
        education = rng.choice(list(Volunteer.EducationLevel.values)[1:])
    else:
        first = rng.choice(names.RETIREE_WOMEN if woman else names.RETIREE_MEN)
        group = names.DUTCH
        age = rng.randint(65, 78)
        education = rng.choice(list(Volunteer.EducationLevel.values))
    last = rng.choice(group.surnames)
    latest = clock.latest
    born = latest - dt.timedelta(days=age * 365 + rng.randint(0, 364))

    languages = ["Nederlands"]
    if group is not names.DUTCH and rng.random() < 0.7:
        languages.append(group.languages[0])
    if rng.random() < 0.6:
        languages.append("Engels")
    if rng.random() < 0.15:
        languages.append(rng.choice(names.VOLUNTEER_EXTRA_LANGUAGES[1:]))

    changes: list[tuple[str, str, dt.date, str]] = []
    start = end = paused_on = intake = None
    if status in (VS.ACTIVE, VS.PAUSED, VS.STOPPED):
        if rng.random() < 0.65:
            start = lerp(prev_open - dt.timedelta(days=4 * 365), prev_open, rng.random())
        else:
            start = lerp(prev_open, latest - dt.timedelta(days=60), rng.random())
        applied = start - dt.timedelta(days=rng.randint(30, 60))
        intake = applied + dt.timedelta(days=rng.randint(5, 14))
        changes = [
            ("", VS.APPLICANT, applied, ""),
            (VS.APPLICANT, VS.SCREENING, intake, ""),
            (VS.SCREENING, VS.ACTIVE, start, ""),
        ]
        if status == VS.PAUSED:
            paused_on = lerp(max(start, latest - dt.timedelta(days=150)), latest, rng.random())
            changes.append(
                (VS.ACTIVE, VS.PAUSED, paused_on, rng.choice(texts.VOLUNTEER_PAUSE_REASONS))
            )
        elif status == VS.STOPPED:
            end = lerp(
                max(start + dt.timedelta(days=90), prev_open + dt.timedelta(days=90)),
                latest - dt.timedelta(days=5),
                rng.random(),
            )
            end = max(end, start)
    else:
        applied = latest - dt.timedelta(days=rng.randint(3, 45))
        changes = [("", VS.APPLICANT, applied, "")]
        if status == VS.SCREENING:
            intake = min(applied + dt.timedelta(days=rng.randint(3, 10)), latest)
            changes.append((VS.APPLICANT, VS.SCREENING, intake, ""))

    stop_reason = rng.choice(texts.VOLUNTEER_STOP_REASONS) if status == VS.STOPPED else ""
    if status == VS.STOPPED:
        changes.append((VS.ACTIVE, VS.STOPPED, end, stop_reason))

    volunteer = Volunteer(
        initiative=initiative,
        first_name=first,
        last_name=last,
        email=f"{ascii_slug(first)}.{ascii_slug(last)}{rng.randint(1, 99)}@example.org",
        phone=phone(rng),
        date_of_birth=born,
        status=status,
        max_travel_km=rng.choice([2, 3, 5, 5, 8, 10]),
        online_possible=rng.random() < 0.3,
        languages=languages,
        subjects=rng.sample(texts.VOLUNTEER_SUBJECTS, k=rng.randint(2, 4)),
        school_levels=rng.choice([["PO"], ["VO"], ["PO", "VO"]]),
        education_level=education,
        capacity=rng.choices([1, 2, 3], weights=[55, 35, 10])[0],
        intake_date=intake,
        intake_notes=rng.choice(texts.VOLUNTEER_INTAKE_NOTES) if intake else "",
        start_date=start,
        end_date=end,
        stop_reason=stop_reason,
    )
    home = rng.choice(wijken)
    volunteer.postcode = postcode(rng, home)
    plan = VolunteerPlan(
        volunteer=volunteer,
        initiative=initiative,
        available_from=start,
        available_until=end or paused_on,
        changes=changes,
        neighbourhoods=[home, *rng.sample([w for w in wijken if w != home], k=rng.randint(0, 2))],
    )
    if start is not None:
        first_vog = start - dt.timedelta(days=rng.randint(14, 45))
        plan.vogs.append(
            (first_vog, min(first_vog + dt.timedelta(days=rng.randint(2, 10)), latest))
        )
        max_age = dt.timedelta(days=365 * initiative.vog_max_age_years)
        if first_vog < latest - max_age and rng.random() < 0.7:
            renewed = lerp(
                latest - dt.timedelta(days=900), latest - dt.timedelta(days=30), rng.random()
            )
            renewed = max(renewed, first_vog)
            plan.vogs.append(
                (renewed, min(renewed + dt.timedelta(days=rng.randint(2, 10)), latest))
            )
    days = rng.sample([1, 2, 3, 4, 5, 6], k=rng.randint(1, 3))
    for weekday in sorted(days):
        if weekday == 3:
            begin, until = SLOTS[3]
        elif weekday == 6:
            begin, until = SLOTS[4]
        else:
            begin, until = rng.choice(SLOTS[:3])
        plan.slots.append((weekday, begin, until))
    plan.weekdays = [slot[0] for slot in plan.slots]
    return plan


def volunteer_rows(
    plans: list[VolunteerPlan],
    *,
    organisations: Organisations,
    leaders: dict[str, User],
    clock: Clock,
    rng: random.Random,
) -> dict[str, list]:
    """The rows that belong to each (saved) volunteer: history, VOGs, slots, trainings."""
    from .organisations import PROGRAMME_SPECS

    rows: dict[str, list] = {"changes": [], "vogs": [], "slots": [], "trainings": [], "wijken": []}
    through = Volunteer.neighbourhoods.through
    for plan in plans:
        volunteer = plan.volunteer
        leader = leaders[plan.initiative.name]
        for from_status, to_status, day, reason in plan.changes:
            rows["changes"].append(
                VolunteerStatusChange(
                    volunteer=volunteer,
                    from_status=from_status,
                    to_status=to_status,
                    date=day,
                    reason=reason,
                    changed_by=leader,
                )
            )
        for issued, checked in plan.vogs:
            rows["vogs"].append(
                VOG(volunteer=volunteer, issued_on=issued, checked_by=leader, checked_on=checked)
            )
        for weekday, begin, until in plan.slots:
            rows["slots"].append(
                Availability(volunteer=volunteer, weekday=weekday, start_time=begin, end_time=until)
            )
        for neighbourhood in plan.neighbourhoods:
            rows["wijken"].append(
                through(volunteer_id=volunteer.pk, neighbourhood_id=neighbourhood.pk)
            )
        if plan.available_from is None:
            continue
        trainings = organisations.trainings[plan.initiative.name]
        done: dict[str, dt.date] = {}
        basic = next(iter(trainings))  # the basic training comes first
        done[basic] = min(plan.available_from - dt.timedelta(days=rng.randint(0, 14)), clock.latest)
        for key, first_start in plan.programme_starts.items():
            for name in PROGRAMME_SPECS[key].required_trainings:
                if name not in done:
                    before = first_start - dt.timedelta(days=rng.randint(3, 30))
                    done[name] = min(max(before, plan.available_from), clock.latest)
        for name in trainings:
            if name not in done and rng.random() < 0.3:
                done[name] = lerp(plan.available_from, clock.latest, rng.random())
        for name, day in done.items():
            rows["trainings"].append(
                TrainingCompletion(volunteer=volunteer, training=trainings[name], completed_on=day)
            )
    return rows


# --- families -----------------------------------------------------------------


@dataclass
class Family:
    pupil: Pupil
    guardians: list[Guardian]
    group: names.NameGroup


def plan_family(
    rng: random.Random,
    *,
    initiative: Initiative,
    municipality_code: str,
    date_of_birth: dt.date,
) -> Family:
    group = names.GROUPS[weighted(rng, names.FAMILY_WEIGHTS[municipality_code])]
    girl = rng.random() < 0.5
    surname = rng.choice(group.surnames)
    pupil = Pupil(
        initiative=initiative,
        first_name=rng.choice(group.girls if girl else group.boys),
        last_name=surname,
        date_of_birth=date_of_birth,
        needs=rng.choice(texts.NEEDS),
    )
    if group is names.DUTCH:
        pupil.home_languages = ["Nederlands"]
    else:
        languages = ["Nederlands", group.languages[0]]
        if rng.random() < 0.3:
            languages = [group.languages[0]]
        if len(group.languages) > 1 and rng.random() < 0.3:
            languages.append(group.languages[1])
        pupil.home_languages = languages

    guardians = []
    shape = rng.choices(["both", "mother", "father", "carer"], weights=[55, 35, 6, 4])[0]
    home_language = pupil.home_languages[-1]

    def guardian(relationship: str, first: str, last: str) -> Guardian:
        speaks = home_language if rng.random() < 0.75 else "Nederlands"
        return Guardian(
            pupil=pupil,
            name=f"{first} {last}",
            relationship=relationship,
            phone=phone(rng),
            email=(
                f"{ascii_slug(first)}.{ascii_slug(last)}@example.org" if rng.random() < 0.6 else ""
            ),
            language=speaks,
            interpreter_needed=speaks != "Nederlands" and rng.random() < group.interpreter_chance,
        )

    if shape in ("both", "mother"):
        own = group.mother_keeps_surname and rng.random() < 0.7
        guardians.append(
            guardian(
                Guardian.Relationship.MOTHER,
                rng.choice(group.women),
                rng.choice(group.surnames) if own else surname,
            )
        )
    if shape in ("both", "father"):
        guardians.append(guardian(Guardian.Relationship.FATHER, rng.choice(group.men), surname))
    if shape == "carer":
        carer_group = names.GROUPS[weighted(rng, names.FAMILY_WEIGHTS[municipality_code])]
        guardians.append(
            guardian(
                Guardian.Relationship.CARER,
                rng.choice(carer_group.women),
                rng.choice(carer_group.surnames),
            )
        )
    return Family(pupil=pupil, guardians=guardians, group=group)


# After-school times a family can manage: (weekday, from, until).
PUPIL_SLOTS = (
    (1, dt.time(15, 0), dt.time(17, 0)),
    (2, dt.time(15, 0), dt.time(17, 0)),
    (3, dt.time(13, 0), dt.time(17, 0)),
    (4, dt.time(15, 0), dt.time(17, 0)),
    (5, dt.time(14, 0), dt.time(16, 30)),
    (6, dt.time(10, 0), dt.time(12, 30)),
)


def pupil_availability(pupils, *, rng: random.Random) -> list[PupilAvailability]:
    """Two to four weekly slots per pupil, for matching on availability."""
    rows = []
    for pupil in pupils:
        for weekday, begin, until in sorted(rng.sample(PUPIL_SLOTS, rng.randint(2, 4))):
            rows.append(
                PupilAvailability(pupil=pupil, weekday=weekday, start_time=begin, end_time=until)
            )
    return rows


def birth_date(rng: random.Random, *, grade: int, school_year: int) -> dt.date:
    """A date of birth that fits ``grade`` (groep 1-8, then klas 1-6) in ``school_year``.

    A child in groep 3 turned six before 1 October of the school year.
    """
    first = dt.date(school_year - grade - 4, 10, 1)
    return first + dt.timedelta(days=rng.randint(0, 364))


def sector_of(grade: int) -> str:
    return "PO" if grade <= SchoolGrade.GROEP_8 else "VO"
