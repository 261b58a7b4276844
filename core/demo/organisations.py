"""The organisations of the demo world: initiatives, programmes, trainings, funders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from core.models import SchoolGrade
from initiatives.models import DropInSession, Initiative, Programme, ProgrammePlaces, Training
from municipality.models import Funder, FundingAgreement, Municipality, Target
from referrals.models import ImpactQuestion
from schools.models import SchoolLocation

from .common import Clock
from .reference import DORDRECHT, UTRECHT

TAAL_DOET_MEER = "Taal Doet Meer"
STICHTING_LINA = "Stichting Lina"
DEMO_INITIATIVES = (TAAL_DOET_MEER, STICHTING_LINA)

# Programme keys used throughout the builder.
TM_PO = "tm_po"
TM_VO = "tm_vo"
HUISWERK = "huiswerk"
STADSNETWERK = "stadsnetwerk"
SCHOOLS_COOL = "schools_cool"
LINA = "lina"


@dataclass(frozen=True)
class ProgrammeSpec:
    key: str
    initiative: str
    name: str
    description: str
    support_type: str
    format: str
    min_grade: int
    max_grade: int
    min_age: int
    max_age: int
    weeks: int
    frequency: str
    minutes: int
    group_size_max: int = 1
    online: bool = False
    # Where sessions happen, with relative weights.
    locations: tuple[tuple[str, int], ...] = (("home", 1),)
    required_trainings: tuple[str, ...] = ()
    waitlist_reminder_weeks: int | None = None


G = SchoolGrade
PS = Programme.SupportType
PF = Programme.Format
FREQ = Programme.Frequency

PROGRAMMES = (
    ProgrammeSpec(
        TM_PO, TAAL_DOET_MEER, "Taalmentoraat PO",
        "Een vrijwillige taalmentor leest, praat en speelt een schooljaar lang elke week "
        "met een kind uit groep 5 tot en met 8.",
        PS.LANGUAGE, PF.ONE_TO_ONE, G.GROEP_5, G.GROEP_8, 8, 12, 40, FREQ.WEEKLY, 60,
        locations=(("home", 5), ("library", 2), ("community_centre", 2)),
        required_trainings=("Basistraining taalmentor",),
    ),
    ProgrammeSpec(
        TM_VO, TAAL_DOET_MEER, "Taalmentoraat VO",
        "Taalmentoraat voor leerlingen in de onderbouw van het voortgezet onderwijs: "
        "schooltaal, begrijpend lezen en leren leren.",
        PS.LANGUAGE, PF.ONE_TO_ONE, G.KLAS_1, G.KLAS_4, 12, 16, 40, FREQ.WEEKLY, 90,
        locations=(("home", 3), ("library", 3), ("school", 2)),
        required_trainings=("Basistraining taalmentor",),
    ),
    ProgrammeSpec(
        HUISWERK, TAAL_DOET_MEER, "Huiswerkhulp Utrecht",
        "Twee keer per week huiswerkbegeleiding in de wijk. Ouders betalen een symbolische "
        "bijdrage van 20 euro per maand.",
        PS.HOMEWORK, PF.ONE_TO_ONE, G.GROEP_7, G.KLAS_4, 10, 16, 40, FREQ.TWICE_WEEKLY, 60,
        locations=(("community_centre", 4), ("library", 2)),
        required_trainings=("Basistraining taalmentor", "Huiswerkbegeleiding"),
        waitlist_reminder_weeks=6,
    ),
    ProgrammeSpec(
        STADSNETWERK, TAAL_DOET_MEER, "Stadsnetwerk Taal en Huiswerk",
        "Online taal- en huiswerkbegeleiding, ongeveer een half jaar.",
        PS.HOMEWORK, PF.ONE_TO_ONE, G.GROEP_6, G.KLAS_3, 9, 15, 26, FREQ.WEEKLY, 60,
        online=True,
        locations=(("online", 1),),
        required_trainings=("Basistraining taalmentor", "Online begeleiden"),
    ),
    ProgrammeSpec(
        SCHOOLS_COOL, TAAL_DOET_MEER, "School's Cool",
        "Anderhalf jaar thuisbegeleiding bij de overstap van groep 8 naar de brugklas.",
        PS.STUDY_SKILLS, PF.ONE_TO_ONE, G.GROEP_8, G.KLAS_2, 11, 14, 78, FREQ.WEEKLY, 90,
        locations=(("home", 1),),
        required_trainings=("Basistraining taalmentor", "Werken met gezinnen"),
    ),
    ProgrammeSpec(
        LINA, STICHTING_LINA, "Kansen bieden is meer dan onderwijs",
        "Begeleiding in kleine groepen met dezelfde hulpvraag. Het driehoeksgesprek met "
        "ouder, leerkracht en kind bepaalt de doelen in het plan van aanpak.",
        PS.STUDY_SKILLS, PF.GROUP, G.GROEP_6, G.KLAS_3, 10, 15, 36, FREQ.WEEKLY, 90,
        group_size_max=6,
        locations=(("school", 3), ("community_centre", 2)),
        required_trainings=("Werken met groepen",),
        waitlist_reminder_weeks=6,
    ),
)  # fmt: skip
PROGRAMME_SPECS = {spec.key: spec for spec in PROGRAMMES}

# Questions each kind of programme asks at start, mid-term and end (1-5).
IMPACT_QUESTIONS = {
    PS.LANGUAGE: ("Leesplezier", "Zelfvertrouwen", "Spreekvaardigheid", "Tevredenheid"),
    PS.READING: ("Leesplezier", "Zelfvertrouwen", "Tevredenheid"),
    PS.HOMEWORK: ("Zelfvertrouwen", "Plannen van huiswerk", "Tevredenheid"),
    PS.STUDY_SKILLS: ("Zelfvertrouwen", "Leren leren", "Spreekvaardigheid", "Tevredenheid"),
    PS.PARENT_INVOLVEMENT: ("Betrokkenheid ouders", "Tevredenheid"),
}

TRAININGS = {
    TAAL_DOET_MEER: (
        ("Basistraining taalmentor", "Drie avonden: taalontwikkeling, meertaligheid, je rol."),
        ("Huiswerkbegeleiding", "Plannen, leren leren en samenwerken met school."),
        ("Online begeleiden", "Begeleiden via videobellen; veiligheid en privacy online."),
        ("Werken met gezinnen", "Thuisbegeleiding, omgaan met ouders en cultuurverschillen."),
        ("Omgaan met meertaligheid", "Verdiepingsworkshop."),
    ),
    STICHTING_LINA: (
        ("Werken met groepen", "Groepsdynamiek en differentiëren in een kleine groep."),
        ("Het driehoeksgesprek", "Gespreksvoering met ouder, leerkracht en kind."),
    ),
}


@dataclass
class Organisations:
    initiatives: dict[str, Initiative]
    programmes: dict[str, Programme]
    trainings: dict[str, dict[str, Training]]  # initiative name -> training name -> training
    places: dict[tuple[str, int, int], int] = field(default_factory=dict)
    # (programme key, school pk, school year) -> places

    def initiative_of(self, programme_key: str) -> Initiative:
        return self.initiatives[PROGRAMME_SPECS[programme_key].initiative]


def create_organisations(municipalities: dict[str, Municipality]) -> Organisations:
    tdm = Initiative.objects.create(
        name=TAAL_DOET_MEER,
        email="info@taaldoetmeer.example",
        phone="030-2001122",
        website="https://taaldoetmeer.example",
        vog_max_age_years=3,
        volunteers_log_sessions=True,
    )
    tdm.municipalities.add(municipalities[UTRECHT])
    lina = Initiative.objects.create(
        name=STICHTING_LINA,
        email="info@stichtinglina.example",
        phone="078-6001122",
        website="https://stichtinglina.example",
        vog_max_age_years=3,
        volunteers_log_sessions=False,
    )
    lina.municipalities.add(municipalities[DORDRECHT])
    initiatives = {TAAL_DOET_MEER: tdm, STICHTING_LINA: lina}

    trainings: dict[str, dict[str, Training]] = {}
    for name, items in TRAININGS.items():
        created = Training.objects.bulk_create(
            Training(initiative=initiatives[name], name=title, description=description)
            for title, description in items
        )
        trainings[name] = {t.name: t for t in created}

    programmes: dict[str, Programme] = {}
    for spec in PROGRAMMES:
        initiative = initiatives[spec.initiative]
        programme = Programme.objects.create(
            initiative=initiative,
            name=spec.name,
            description=spec.description,
            support_type=spec.support_type,
            format=spec.format,
            online=spec.online,
            min_age=spec.min_age,
            max_age=spec.max_age,
            min_grade=spec.min_grade,
            max_grade=spec.max_grade,
            usual_duration_weeks=spec.weeks,
            session_frequency=spec.frequency,
            session_minutes=spec.minutes,
            group_size_max=spec.group_size_max,
            waitlist_reminder_weeks=spec.waitlist_reminder_weeks,
        )
        code = UTRECHT if spec.initiative == TAAL_DOET_MEER else DORDRECHT
        programme.municipalities.add(municipalities[code])
        programme.required_trainings.set(
            [trainings[spec.initiative][name] for name in spec.required_trainings]
        )
        ImpactQuestion.objects.bulk_create(
            ImpactQuestion(programme=programme, text=text, order=order)
            for order, text in enumerate(IMPACT_QUESTIONS[spec.support_type])
        )
        programmes[spec.key] = programme
    _create_adult_programmes(tdm, municipalities[UTRECHT])
    return Organisations(initiatives, programmes, trainings)


def _create_adult_programmes(initiative: Initiative, municipality: Municipality) -> None:
    """Adult language coaching and a language café (issue 9); no journeys use them yet."""
    from initiatives.services.adult import (
        adult_programme_add_default_questions,
        apply_dosage_template,
    )

    coaching = apply_dosage_template(
        Programme(
            initiative=initiative,
            name="Taalcoaching volwassenen",
            description=(
                "Een taalcoach oefent met een volwassene Nederlands spreken in het dagelijks leven."
            ),
            audience=Programme.Audience.ADULTS,
            support_type=Programme.SupportType.LANGUAGE,
            format=Programme.Format.ONE_TO_ONE,
            min_age=18,
            max_age=99,
        ),
        "adult_20_6m",
    )
    coaching.save()
    cafe = Programme.objects.create(
        initiative=initiative,
        name="Taalcafé De Buurtkamer",
        description="Elke week inloop om Nederlands te oefenen; we tellen alleen bezoekers.",
        audience=Programme.Audience.ADULTS,
        support_type=Programme.SupportType.LANGUAGE,
        format=Programme.Format.DROP_IN,
        min_age=18,
        max_age=99,
        session_minutes=120,
    )
    for programme in (coaching, cafe):
        programme.municipalities.add(municipality)
    adult_programme_add_default_questions(programme=coaching)
    last_week = dt.date.today() - dt.timedelta(days=7)
    DropInSession.objects.bulk_create(
        DropInSession(
            programme=cafe,
            date=last_week - dt.timedelta(weeks=week),
            duration_minutes=120,
            headcount=12 + (week * 5) % 9,
            first_visits=week % 3,
            volunteers_present=3,
        )
        for week in range(8)
    )


def create_places(
    organisations: Organisations,
    *,
    allocations: dict[str, list[tuple[SchoolLocation, int]]],
    school_years: tuple[int, ...],
) -> int:
    """Places per school per school year for the programmes that work with partner schools."""
    rows = []
    for key, schools in allocations.items():
        programme = organisations.programmes[key]
        for school, places in schools:
            for year in school_years:
                organisations.places[(key, school.pk, year)] = places
                rows.append(
                    ProgrammePlaces(
                        programme=programme, school=school, school_year=year, places=places
                    )
                )
    ProgrammePlaces.objects.bulk_create(rows)
    return len(rows)


# --- funders ----------------------------------------------------------------
GEMEENTE_UTRECHT = "Gemeente Utrecht"
GEMEENTE_DORDRECHT = "Gemeente Dordrecht"
GKA = "Gelijke Kansen Alliantie"
FOUNDATION = "Fonds Gelijke Start"
PARENTS = "Ouderbijdragen Huiswerkhulp"
DEMO_FUNDERS = (GEMEENTE_UTRECHT, GEMEENTE_DORDRECHT, GKA, FOUNDATION, PARENTS)

TI = Target.Indicator


def create_funding(
    organisations: Organisations, municipalities: dict[str, Municipality], clock: Clock
) -> list[FundingAgreement]:
    utrecht, dordrecht = municipalities[UTRECHT], municipalities[DORDRECHT]
    funders = {}
    for name, kind, municipality in (
        (GEMEENTE_UTRECHT, Funder.Kind.MUNICIPALITY, utrecht),
        (GEMEENTE_DORDRECHT, Funder.Kind.MUNICIPALITY, dordrecht),
        (GKA, Funder.Kind.NATIONAL, None),
        (FOUNDATION, Funder.Kind.FOUNDATION, None),
        (PARENTS, Funder.Kind.PARENTS, None),
    ):
        funders[name], _created = Funder.objects.get_or_create(
            name=name, defaults={"kind": kind, "municipality": municipality}
        )
    tdm = organisations.initiatives[TAAL_DOET_MEER]
    lina = organisations.initiatives[STICHTING_LINA]
    tdm_programmes = [
        organisations.programmes[k] for k in (TM_PO, TM_VO, HUISWERK, STADSNETWERK, SCHOOLS_COOL)
    ]
    previous, current = clock.previous, clock.current
    agreements: list[tuple[FundingAgreement, list, dict[str, int]]] = []

    # Utrecht funds Taal Doet Meer per calendar year (more than half of its money).
    for year in range(previous, clock.today.year + 1):
        agreements.append(
            (
                FundingAgreement(
                    reference=f"UTR-{year}-AL-{142 + year % 100:04d}",
                    funder=funders[GEMEENTE_UTRECHT],
                    municipality=utrecht,
                    initiative=tdm,
                    amount=Decimal(185_000 + 7_500 * (year - previous)),
                    period_kind=FundingAgreement.PeriodKind.CALENDAR_YEAR,
                    start_date=dt.date(year, 1, 1),
                    end_date=dt.date(year, 12, 31),
                ),
                tdm_programmes,
                {
                    TI.PUPILS_REACHED: 220,
                    TI.MATCHES_STARTED: 200,
                    TI.VOLUNTEERS_ACTIVE: 180,
                    TI.CONTACT_HOURS: 6000,
                    TI.SCHOOLS_REFERRING: 40,
                },
            )
        )
    current_year = clock.period(current)
    agreements.append(
        (
            FundingAgreement(
                reference=f"FGS-{current}-017",
                funder=funders[FOUNDATION],
                municipality=utrecht,
                initiative=tdm,
                amount=Decimal(40_000),
                period_kind=FundingAgreement.PeriodKind.SCHOOL_YEAR,
                start_date=current_year.start,
                end_date=current_year.end,
            ),
            [organisations.programmes[SCHOOLS_COOL], organisations.programmes[HUISWERK]],
            {TI.PUPILS_REACHED: 40, TI.SESSIONS_HELD: 1200},
        )
    )
    agreements.append(
        (
            FundingAgreement(
                reference=f"HWH-{current}",
                funder=funders[PARENTS],
                municipality=utrecht,
                initiative=tdm,
                amount=Decimal(5_000),
                period_kind=FundingAgreement.PeriodKind.SCHOOL_YEAR,
                start_date=current_year.start,
                end_date=current_year.end,
            ),
            [organisations.programmes[HUISWERK]],
            {},
        )
    )
    # Stichting Lina: 30% Dordrecht, 70% Gelijke Kansen Alliantie, two school years.
    two_years_start = clock.period(previous).start
    two_years_end = current_year.end
    for funder, amount, targets in (
        (
            GEMEENTE_DORDRECHT,
            19_500,
            {TI.PUPILS_REACHED: 30, TI.GOALS_ACHIEVED_PCT: 60},
        ),
        (
            GKA,
            45_500,
            {TI.PUPILS_REACHED: 30, TI.SCHOOLS_REFERRING: 5, TI.GOALS_ACHIEVED_PCT: 60},
        ),
    ):
        agreements.append(
            (
                FundingAgreement(
                    reference=f"{'DOR' if funder == GEMEENTE_DORDRECHT else 'GKA'}-{previous}-LINA",
                    funder=funders[funder],
                    municipality=dordrecht,
                    initiative=lina,
                    amount=Decimal(amount),
                    period_kind=FundingAgreement.PeriodKind.SCHOOL_YEAR,
                    start_date=two_years_start,
                    end_date=two_years_end,
                ),
                [organisations.programmes[LINA]],
                targets,
            )
        )

    created = []
    for agreement, programmes, targets in agreements:
        agreement.save()
        agreement.programmes.set(programmes)
        Target.objects.bulk_create(
            Target(agreement=agreement, indicator=indicator, value=value)
            for indicator, value in targets.items()
        )
        created.append(agreement)
    return created
