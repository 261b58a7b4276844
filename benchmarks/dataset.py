"""The benchmark data sets: a city and the whole country, built in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/al_bench_city \\
      DJANGO_SETTINGS_MODULE=benchmarks.settings \\
      .venv/bin/python -m benchmarks.dataset city [--rebuild]

(``make bench`` and ``python -m benchmarks`` call this for you.)

Each data set lives in its own database (``al_bench_city``,
``al_bench_national``), is generated from a fixed seed (the same rows every
build; only the dates follow today) and is written with COPY
(``benchmarks.bulkcopy``): migrations first, then every table in one go with
its plain indexes dropped during the load and built again afterwards, then
``VACUUM ANALYZE``. Foreign keys are not checked row by row during the load
(``session_replication_role = replica``; the generator assigns the keys
itself); every CHECK and UNIQUE constraint of the models is enforced as
usual.

A finished build writes a marker row (table ``bench_dataset``) with the
generator version, the parameters and the row counts. The next run reuses the
database when its marker matches, and only applies new migrations;
``--rebuild`` drops and builds it again.

The shape follows the demo world (core/demo): school referrals that go
through intake, the driehoeksgesprek with an action plan, the waitlist, one
to one and group matches with weekly sessions, teacher and parent contacts,
evaluations and impact measurements, funding agreements with targets and
generated reports, over three school years (the current one up to
yesterday). Municipalities and initiatives have Zipf-like sizes, so the
largest municipality and initiative are much bigger than the median.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

GENERATOR_VERSION = 1
SEED = 20_261_202
PASSWORD = "Bench-2026-aanvullend"
TZ = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Scale:
    name: str
    database: str
    municipalities: int
    schools: int
    initiatives: int
    pupils: int
    volunteers: int
    contact_moments: int
    officials_in_largest: int = 10
    school_years: int = 3


SCALES = {
    "city": Scale(
        name="city",
        database="al_bench_city",
        municipalities=1,
        schools=200,
        initiatives=50,
        pupils=10_000,
        volunteers=3_000,
        contact_moments=300_000,
    ),
    "national": Scale(
        name="national",
        database="al_bench_national",
        municipalities=342,
        schools=6_000,
        initiatives=600,
        pupils=100_000,
        volunteers=30_000,
        contact_moments=5_000_000,
    ),
}

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def database_url(scale: Scale) -> str:
    return f"{PG_SERVER}/{scale.database}"


# --- the marker ---------------------------------------------------------------------


def read_marker(scale: Scale) -> dict | None:
    """The marker of a finished build of this scale, or None (no database, unfinished)."""
    import psycopg

    try:
        with psycopg.connect(database_url(scale), connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT info FROM bench_dataset WHERE name = %s", [scale.name]
            ).fetchone()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None
    return row[0] if row else None


def marker_matches(marker: dict | None, scale: Scale) -> bool:
    return bool(
        marker
        and marker.get("generator_version") == GENERATOR_VERSION
        and marker.get("seed") == SEED
        and marker.get("scale") == asdict(scale)
    )


def _write_marker(cursor, scale: Scale, info: dict) -> None:
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_dataset (name text PRIMARY KEY, info jsonb NOT NULL)"
    )
    cursor.execute(
        "INSERT INTO bench_dataset (name, info) VALUES (%s, %s) "
        "ON CONFLICT (name) DO UPDATE SET info = EXCLUDED.info",
        [scale.name, json.dumps(info)],
    )


def _recreate_database(scale: Scale) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scale.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scale.database}"')


# --- helpers --------------------------------------------------------------------------


def zipf_weights(n: int, s: float) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def allocate(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """``total`` split by ``weights`` (largest remainder), each at least ``minimum``."""
    rest = total - minimum * len(weights)
    whole = sum(weights)
    exact = [rest * w / whole for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: rest - sum(counts)]:
        counts[i] += 1
    return [c + minimum for c in counts]


def base36(n: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out.rjust(width, "0")


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def school_year_start(day: dt.date) -> int:
    return day.year if day.month >= 8 else day.year - 1


class Picker:
    """Weighted choice from a fixed list, fast for many draws."""

    def __init__(self, items, weights):
        import itertools

        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random):
        import bisect

        return self.items[bisect.bisect_left(self.cum, rng.random() * self.cum[-1])]


PROVINCES = (
    "Groningen", "Friesland", "Drenthe", "Overijssel", "Flevoland", "Gelderland", "Utrecht",
    "Noord-Holland", "Zuid-Holland", "Zeeland", "Noord-Brabant", "Limburg",
)  # fmt: skip
SCHOOL_WORDS = (
    "Regenboog", "Wilgenhof", "Zonnewijzer", "Kameleon", "Vlinderboom", "Klimop", "Horizon",
    "Bolster", "Meander", "Springplank", "Toermalijn", "Wereldwijs", "Kompas", "Tamarinde",
    "Boomgaard", "Sterrenwacht", "Duizendpoot", "Notenkraker", "Fontein", "Ark",
)  # fmt: skip
SUBJECTS = ("Nederlands", "Begrijpend lezen", "Rekenen", "Wiskunde", "Engels", "Plannen en leren")
SLOTS = (
    (dt.time(15, 0), dt.time(17, 0)),
    (dt.time(15, 30), dt.time(17, 30)),
    (dt.time(18, 30), dt.time(20, 30)),
    (dt.time(13, 0), dt.time(17, 0)),
    (dt.time(10, 0), dt.time(12, 0)),
)
PROGRAMMES = (
    # name, support type, format, grades, group size, weeks, frequency, minutes, share
    ("Taalmaatjes PO", "language", "one_to_one", (3, 8), 1, 30, "weekly", 60, 0.6),
    ("Huiswerkbegeleiding VO", "homework", "one_to_one", (9, 12), 1, 32, "weekly", 90, 0.28),
    ("Leesclub", "reading", "group", (4, 8), 4, 24, "weekly", 60, 0.12),
)
IMPACT_QUESTIONS = (
    "Ik durf in de klas een vraag te stellen.",
    "Ik vind lezen leuk.",
    "Ik weet hoe ik mijn huiswerk plan.",
)


# --- the generator ----------------------------------------------------------------------


class World:
    """Generates every row of one data set into TableWriters (in memory), then loads them."""

    def __init__(self, scale: Scale, *, today: dt.date, log=print) -> None:
        from django.contrib.auth.hashers import make_password

        from core.demo import names, texts

        self.scale = scale
        self.log = log
        self.names = names
        self.texts = texts
        self.today = today
        self.latest = today - dt.timedelta(days=1)
        self.current = school_year_start(self.latest)
        self.years = list(range(self.current - scale.school_years + 1, self.current + 1))
        self.now = dt.datetime.now(TZ)
        self.rng = random.Random(f"{SEED}:{scale.name}")
        self.password = make_password(PASSWORD)
        self.writers: dict = {}
        self.order: list = []
        self.questions: dict[int, list[int]] = {}

    def w(self, model):
        """The writer of a model (or through table), created on first use."""
        from .bulkcopy import TableWriter

        writer = self.writers.get(model)
        if writer is None:
            writer = self.writers[model] = TableWriter(model, now=self.now)
            self.order.append(model)
        return writer

    # -- time -----------------------------------------------------------------------
    def window(self, year: int) -> tuple[dt.date, dt.date]:
        if year < self.current:
            return dt.date(year, 9, 1), dt.date(year + 1, 7, 10)
        first = dt.date(year, 8, 20)
        if (self.latest - first).days < 21:
            first = dt.date(year, 8, 1)
        return first, self.latest

    def day_in(self, start: dt.date, end: dt.date, upto: float = 1.0) -> dt.date:
        span = max(0, int((end - start).days * upto))
        return start + dt.timedelta(days=self.rng.randint(0, span))

    # -- build ------------------------------------------------------------------------
    def generate(self) -> None:
        steps = (
            ("municipalities and schools", self._places),
            ("initiatives, programmes and logins", self._organisations),
            ("volunteers", self._volunteers),
            ("pupils, referrals and matches", self._pupils),
            ("contact moments", self._contact_moments),
            ("evaluations and impact", self._evaluations),
            ("funding and reports", self._funding),
        )
        for label, step in steps:
            started = time.perf_counter()
            step()
            self.log(f"  generated {label} ({time.perf_counter() - started:.1f} s)")

    def _places(self) -> None:
        from municipality.models import Municipality, Neighbourhood
        from schools.models import SchoolBoard, SchoolLocation, SchoolYearFigure

        rng, scale = self.rng, self.scale
        self.mun_weights = zipf_weights(scale.municipalities, 0.9)
        self.municipalities = []
        for i in range(scale.municipalities):
            name = "Benchstad" if scale.municipalities == 1 else f"Benchgemeente {i + 1:03d}"
            pk = self.w(Municipality).add(
                cbs_code=f"GM{i + 1:04d}", name=name, province=PROVINCES[i % len(PROVINCES)]
            )
            self.municipalities.append((pk, name))
        school_counts = allocate(scale.schools, self.mun_weights, minimum=1)
        self.hoods: dict[int, list[tuple[int, list[str]]]] = {}
        postcode = 1000
        for (mun, _name), count in zip(self.municipalities, school_counts, strict=True):
            hoods = []
            for n in range(max(3, min(40, count // 4))):
                codes = [str(1000 + (postcode + k) % 9000) for k in range(rng.randint(2, 4))]
                postcode += len(codes)
                pk = self.w(Neighbourhood).add(
                    municipality_id=mun,
                    name=f"Wijk {n + 1}",
                    code=f"WK{mun:04d}{n + 1:02d}",
                    postcodes=codes,
                )
                hoods.append((pk, codes))
            self.hoods[mun] = hoods

        boards = []
        for b in range(max(1, scale.schools // 8)):
            boards.append(
                self.w(SchoolBoard).add(number=f"{40000 + b}", name=f"Stichting Bench {b + 1}")
            )
        # Schools per municipality and sector, with a weight for how many pupils they refer.
        self.schools: dict[tuple[int, str], Picker] = {}
        self.school_hood: dict[int, int] = {}
        by_mun: dict[tuple[int, str], list] = {}
        number = 0
        for (mun, mun_name), count in zip(self.municipalities, school_counts, strict=True):
            for _k in range(count):
                number += 1
                sector = "PO" if rng.random() < 0.8 else "VO"
                hood, codes = rng.choice(self.hoods[mun])
                word = rng.choice(SCHOOL_WORDS)
                name = f"Basisschool De {word}" if sector == "PO" else f"{word} College"
                pk = self.w(SchoolLocation).add(
                    location_code=f"{base36(number, 4)}00",
                    brin=base36(number, 4),
                    name=f"{name} {number}",
                    board_id=rng.choice(boards),
                    municipality_id=mun,
                    neighbourhood_id=hood,
                    sector=sector,
                    denomination=rng.choice(
                        ["Openbaar", "Rooms-Katholiek", "Protestants-Christelijk"]
                    ),
                    street="Schoolstraat",
                    house_number=str(rng.randint(1, 200)),
                    postcode=f"{rng.choice(codes)} AB",
                    city=mun_name.upper(),
                    education_structure="" if sector == "PO" else "VMBO/HAVO/VWO",
                )
                self.school_hood[pk] = hood
                by_mun.setdefault((mun, sector), []).append((pk, rng.lognormvariate(0, 0.8)))
                for year in self.years:
                    self.w(SchoolYearFigure).add(
                        school_id=pk,
                        school_year=year,
                        pupil_count=rng.randint(120, 900)
                        if sector == "PO"
                        else rng.randint(400, 2000),
                        weighting=f"{rng.uniform(26, 36):.2f}" if sector == "PO" else None,
                    )
        for key, schools in by_mun.items():
            self.schools[key] = Picker([pk for pk, _w in schools], [w for _pk, w in schools])
        self.referrer_of: dict[int, int] = {}

    def _organisations(self) -> None:
        from accounts.models import Membership, Role, User
        from initiatives.models import Initiative, Programme, Training
        from referrals.models import ImpactQuestion

        rng, scale = self.rng, self.scale
        users, members = self.w(User), self.w(Membership)

        def user(email: str, first: str, last: str) -> int:
            return users.add(
                email=email,
                password=self.password,
                first_name=first,
                last_name=last,
                date_joined=self.now - dt.timedelta(days=800),
            )

        mun_ids = [pk for pk, _name in self.municipalities]
        mun_pick = Picker(mun_ids, self.mun_weights)
        homes = [
            mun_ids[i] if i < len(mun_ids) else mun_pick(rng) for i in range(scale.initiatives)
        ]
        per_home = {m: homes.count(m) for m in mun_ids}
        mun_weight = dict(zip(mun_ids, self.mun_weights, strict=True))
        if scale.municipalities == 1:
            weights = zipf_weights(scale.initiatives, 0.8)
        else:
            weights = [mun_weight[h] / per_home[h] * rng.uniform(0.5, 1.5) for h in homes]
        self.initiatives = []
        for i, (home, weight) in enumerate(zip(homes, weights, strict=True)):
            pk = self.w(Initiative).add(
                name=f"Bench Initiatief {i + 1:03d}",
                email=f"info@initiatief-{i + 1:03d}.bench",
            )
            muns = [home]
            if scale.municipalities > 1 and rng.random() < 0.3:
                other = mun_pick(rng)
                if other != home:
                    muns.append(other)
            for m in muns:
                self.w(Initiative.municipalities.through).add(initiative_id=pk, municipality_id=m)
            programmes = []
            for p, spec in enumerate(PROGRAMMES):
                if (p == 1 and rng.random() > 0.6) or (p == 2 and rng.random() > 0.3):
                    continue
                name, support, fmt, (lo, hi), size, weeks, freq, minutes, share = spec
                prog = self.w(Programme).add(
                    initiative_id=pk,
                    name=name,
                    description="",
                    support_type=support,
                    format=fmt,
                    min_age=lo + 3,
                    max_age=hi + 5,
                    min_grade=lo,
                    max_grade=hi,
                    usual_duration_weeks=weeks,
                    session_frequency=freq,
                    session_minutes=minutes,
                    group_size_max=size,
                )
                for m in muns:
                    self.w(Programme.municipalities.through).add(
                        programme_id=prog, municipality_id=m
                    )
                for order, text in enumerate(IMPACT_QUESTIONS, start=1):
                    q = self.w(ImpactQuestion).add(programme_id=prog, text=text, order=order)
                    self.questions.setdefault(prog, []).append(q)
                programmes.append(
                    {"id": prog, "group": fmt == "group", "grades": (lo, hi), "weeks": weeks,
                     "frequency": freq, "minutes": minutes, "share": share,
                     "sector": "VO" if lo >= 9 else "PO"}
                )  # fmt: skip
            training = self.w(Training).add(initiative_id=pk, name="Basistraining", required=True)
            self.w(Training).add(initiative_id=pk, name="Omgaan met meertaligheid")
            leaders = []
            for k in (1, 2):
                u = user(f"leider{k}@initiatief-{i + 1:03d}.bench", "Projectleider", f"{k} {i + 1}")
                members.add(user_id=u, role=Role.PROJECT_LEADER, initiative_id=pk)
                leaders.append(u)
            self.initiatives.append(
                {"id": pk, "weight": weight, "municipalities": muns, "programmes": programmes,
                 "training": training, "leaders": leaders, "volunteers": [], "active": []}
            )  # fmt: skip
        for s_key in list(self.schools):
            for school in self.schools[s_key].items:
                email = f"ib@school-{school}.bench"
                u = user(email, "Intern", f"Begeleider {school}")
                members.add(user_id=u, role=Role.SCHOOL_REFERRER, school_id=school)
                self.referrer_of[school] = u
        self.officials: dict[int, list[int]] = {}
        for rank, (mun, _name) in enumerate(self.municipalities):
            count = scale.officials_in_largest if rank == 0 else 2
            for k in range(1, count + 1):
                u = user(f"beleid{k}@gemeente-{mun:03d}.bench", "Beleidsmedewerker", f"{k}")
                members.add(user_id=u, role=Role.MUNICIPAL_OFFICIAL, municipality_id=mun)
                self.officials.setdefault(mun, []).append(u)

    def _volunteers(self) -> None:
        from initiatives.models import (
            VOG,
            Availability,
            TrainingCompletion,
            Volunteer,
            VolunteerStatusChange,
        )

        rng, names, latest = self.rng, self.names, self.latest
        counts = allocate(self.scale.volunteers, [i["weight"] for i in self.initiatives], minimum=3)
        statuses = Picker(
            ["active", "paused", "stopped", "screening", "applicant"], [65, 7, 20, 4, 4]
        )
        groups = Picker(list(names.VOLUNTEER_WEIGHTS), list(names.VOLUNTEER_WEIGHTS.values()))
        for initiative, count in zip(self.initiatives, counts, strict=True):
            hoods = [h for m in initiative["municipalities"] for h, _codes in self.hoods[m]]
            leader = initiative["leaders"][0]
            for _n in range(count):
                group = names.GROUPS[groups(rng)]
                woman = rng.random() < 0.65
                first = rng.choice(group.women if woman else group.men)
                status = statuses(rng)
                start = end = intake = None
                stop_reason = ""
                if status in ("active", "paused", "stopped"):
                    start = latest - dt.timedelta(days=rng.randint(60, 1500))
                    intake = start - dt.timedelta(days=rng.randint(14, 40))
                    if status == "stopped":
                        end = min(latest, start + dt.timedelta(days=rng.randint(90, 900)))
                        stop_reason = rng.choice(self.texts.VOLUNTEER_STOP_REASONS)
                elif status == "screening":
                    intake = latest - dt.timedelta(days=rng.randint(3, 30))
                languages = ["Nederlands", *group.languages[:1]]
                if rng.random() < 0.5:
                    languages.append(rng.choice(names.VOLUNTEER_EXTRA_LANGUAGES))
                pk = self.w(Volunteer).add(
                    initiative_id=initiative["id"],
                    first_name=first,
                    last_name=rng.choice(group.surnames),
                    email=f"vrijwilliger{self.w(Volunteer).next_id}@bench.example",
                    phone=f"06-{rng.randint(10_000_000, 99_999_999)}",
                    postcode=f"{rng.randint(1000, 9999)} CD",
                    date_of_birth=dt.date(
                        rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)
                    ),
                    status=status,
                    online_possible=rng.random() < 0.3,
                    languages=sorted(set(languages)),
                    subjects=rng.sample(SUBJECTS, k=rng.randint(1, 3)),
                    school_levels=rng.choice([["PO"], ["VO"], ["PO", "VO"]]),
                    education_level=rng.choice(["mbo", "hbo", "wo", "secondary"]),
                    capacity=rng.choices([1, 2, 3], weights=[55, 35, 10])[0],
                    intake_date=intake,
                    intake_notes=rng.choice(self.texts.VOLUNTEER_INTAKE_NOTES) if intake else "",
                    start_date=start,
                    end_date=end,
                    stop_reason=stop_reason,
                    created_at=at(intake or latest),
                )
                changes = [("", "applicant", (intake or latest) - dt.timedelta(days=10))]
                if intake:
                    changes.append(("applicant", "screening", intake))
                if start:
                    changes.append(("screening", "active", start))
                    vog_day = start - dt.timedelta(days=rng.randint(5, 20))
                    if status != "stopped" and (latest - vog_day).days > 900:
                        vog_day = latest - dt.timedelta(days=rng.randint(30, 800))  # renewed
                    self.w(VOG).add(
                        volunteer_id=pk,
                        issued_on=vog_day,
                        checked_by_id=leader,
                        checked_on=min(latest, vog_day + dt.timedelta(days=3)),
                    )
                    self.w(TrainingCompletion).add(
                        volunteer_id=pk,
                        training_id=initiative["training"],
                        completed_on=start - dt.timedelta(days=3),
                    )
                    initiative["volunteers"].append(pk)
                    if status == "active":
                        initiative["active"].append(pk)
                if status == "paused":
                    changes.append(
                        ("active", "paused", latest - dt.timedelta(days=rng.randint(5, 50)))
                    )
                if end:
                    changes.append(("active", "stopped", end))
                for from_status, to_status, day in changes:
                    self.w(VolunteerStatusChange).add(
                        volunteer_id=pk,
                        from_status=from_status,
                        to_status=to_status,
                        date=day,
                        reason=stop_reason if to_status == "stopped" else "",
                        changed_by_id=leader,
                    )
                for weekday in rng.sample(range(1, 7), k=rng.randint(1, 3)):
                    slot = (
                        SLOTS[3]
                        if weekday == 3
                        else SLOTS[4]
                        if weekday == 6
                        else rng.choice(SLOTS[:3])
                    )
                    self.w(Availability).add(
                        volunteer_id=pk, weekday=weekday, start_time=slot[0], end_time=slot[1]
                    )
                for hood in rng.sample(hoods, k=min(len(hoods), rng.randint(1, 3))):
                    self.w(Volunteer.neighbourhoods.through).add(
                        volunteer_id=pk, neighbourhood_id=hood
                    )
            if not initiative["active"]:  # every initiative can match someone
                initiative["active"] = initiative["volunteers"][:1] or []

    # -- pupils and their referrals -------------------------------------------------
    def _path(self, year: int, submitted: dt.date, programme: dict, *, continuing: bool):
        """The referral's status changes as (from, to, day, reason), up to yesterday at most."""
        rng, texts = self.rng, self.texts
        latest = self.latest
        changes = [("", "submitted", submitted, "")]
        day = submitted
        end_of_year = dt.date(year + 1, 7, 10)

        def step(to: str, gap: tuple[int, int], reason: str = "") -> bool:
            nonlocal day
            nxt = day + dt.timedelta(days=rng.randint(*gap))
            if nxt > latest:
                return False
            day = nxt
            changes.append((changes[-1][1], to, day, reason))
            return True

        match = None
        r = rng.random()
        if not continuing and r < 0.07:
            step("declined", (2, 10), rng.choice(texts.DECLINE_REASONS))
            return changes, match
        if not continuing and r < 0.09:
            step("withdrawn", (2, 20), rng.choice(texts.WITHDRAW_REASONS))
            return changes, match
        if not step("intake", (2, 10)):
            return changes, match
        r = rng.random()
        if r < 0.03:
            step("withdrawn", (5, 20), rng.choice(texts.WITHDRAW_REASONS))
            return changes, match
        if r < 0.05:
            step("declined", (7, 20), rng.choice(texts.DECLINE_REASONS))
            return changes, match
        if not step("waiting", (7, 25)):
            return changes, match
        if rng.random() < 0.04:
            step("withdrawn", (10, 60), rng.choice(texts.WITHDRAW_REASONS))
            return changes, match
        if not step("matched", (5, 70)):
            return changes, match
        start = day
        weeks = programme["weeks"] + rng.randint(-4, 4)
        match = {"start": start, "planned_end": start + dt.timedelta(weeks=weeks)}
        if rng.random() < 0.12:
            if step("stopped_early", (28, 98), rng.choice(texts.STOP_REASONS)):
                match["end"], match["reason"] = (
                    day,
                    rng.choice(["pupil_stopped", "volunteer_stopped", "moved", "other"]),
                )
            return changes, match
        end = min(match["planned_end"], end_of_year)
        if year == self.current - 1 and rng.random() < 0.08:
            end = match["planned_end"] + dt.timedelta(weeks=30)  # continues this school year
        if end <= latest and end > day:
            day = end
            changes.append(("matched", "completed", day, "Begeleiding afgerond."))
            match["end"], match["reason"] = day, "completed"
        return changes, match

    def _pupils(self) -> None:
        from referrals.models import (
            ActionPlan,
            Goal,
            Guardian,
            PriorityChange,
            Pupil,
            PupilAvailability,
            Referral,
            ReferralStatusChange,
            TripartiteMeeting,
        )

        rng, names, texts = self.rng, self.names, self.texts
        counts = allocate(self.scale.pupils, [i["weight"] for i in self.initiatives])
        family = Picker(
            list(names.FAMILY_WEIGHTS["GM0344"]), list(names.FAMILY_WEIGHTS["GM0344"].values())
        )
        first_year = Picker(self.years, [0.36, 0.36, 0.28][-len(self.years) :])
        priorities = Picker([1, 2, 3, 4, 5], [5, 15, 60, 15, 5])
        self.matches: list[dict] = []
        self.referral_plans: list[dict] = []
        group_pool: dict[tuple[int, int], list[dict]] = {}
        for initiative, count in zip(self.initiatives, counts, strict=True):
            progs = initiative["programmes"]
            prog_pick = Picker(progs, [p["share"] for p in progs])
            leader = initiative["leaders"][0]
            muns = initiative["municipalities"]
            for _n in range(count):
                programme = prog_pick(rng)
                mun = muns[0] if len(muns) == 1 or rng.random() < 0.8 else rng.choice(muns[1:])
                sector = programme["sector"]
                picker = self.schools.get((mun, sector)) or self.schools.get(
                    (mun, "VO" if sector == "PO" else "PO")
                )
                school = picker(rng) if picker and rng.random() < 0.95 else None
                if school is not None and rng.random() < 0.8:
                    hood = self.school_hood[school]
                    codes = next(c for h, c in self.hoods[mun] if h == hood)
                else:
                    hood, codes = rng.choice(self.hoods[mun])
                year = first_year(rng)
                lo, hi = programme["grades"]
                grade = rng.randint(lo, hi)
                group = names.GROUPS[family(rng)]
                girl = rng.random() < 0.5
                surname = rng.choice(group.surnames)
                birth_year = year - (grade + 4)
                languages = list(group.languages[:2]) or ["Nederlands"]
                pupil = self.w(Pupil).add(
                    initiative_id=initiative["id"],
                    first_name=rng.choice(group.girls if girl else group.boys),
                    last_name=surname,
                    date_of_birth=dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
                    if birth_year < self.current
                    else dt.date(self.current - 6, 1, 1),
                    school_id=school,
                    grade=grade,
                    neighbourhood_id=hood,
                    postcode=f"{rng.choice(codes)} {rng.choice(['AB', 'CK', 'TR', 'XZ'])}",
                    home_languages=languages,
                    needs=rng.choice(texts.NEEDS),
                )
                guardian_language = languages[-1]
                for g in range(1 if rng.random() < 0.6 else 2):
                    self.w(Guardian).add(
                        pupil_id=pupil,
                        name=f"{rng.choice(group.women if g == 0 else group.men)} {surname}",
                        relationship="mother" if g == 0 else "father",
                        phone=f"06-{rng.randint(10_000_000, 99_999_999)}",
                        language=guardian_language,
                        interpreter_needed=rng.random() < group.interpreter_chance,
                    )
                if rng.random() < 0.85:
                    for weekday in rng.sample(range(1, 6), k=rng.randint(1, 2)):
                        slot = rng.choice(SLOTS[:3])
                        self.w(PupilAvailability).add(
                            pupil_id=pupil, weekday=weekday, start_time=slot[0], end_time=slot[1]
                        )
                continuing = False
                while year <= self.current:
                    first, last = self.window(year)
                    if continuing:
                        submitted = self.day_in(first, min(last, first + dt.timedelta(days=45)))
                    else:
                        submitted = self.day_in(first, last, 0.7 if year < self.current else 1.0)
                    if submitted > self.latest:
                        break
                    plan = {
                        "pupil": pupil, "initiative": initiative, "programme": programme,
                        "school": school, "year": year, "submitted": submitted, "mun": mun,
                    }  # fmt: skip
                    if rng.random() < 0.02 and not continuing and year == self.current:
                        plan["changes"], plan["match"] = [], None  # a draft
                    else:
                        plan["changes"], plan["match"] = self._path(
                            year, submitted, programme, continuing=continuing
                        )
                    self.referral_plans.append(plan)
                    final = plan["changes"][-1][1] if plan["changes"] else "draft"
                    if plan["match"] is not None and programme["group"]:
                        group_pool.setdefault((programme["id"], year), []).append(plan)
                    if final == "completed" and rng.random() < 0.3:
                        year += 1
                        continuing = True
                        grade = min(grade + 1, hi)
                        continue
                    break

        # referrals, their history, the driehoeksgesprek and plan
        for plan in self.referral_plans:
            initiative, school, changes = plan["initiative"], plan["school"], plan["changes"]
            leader = initiative["leaders"][rng.randint(0, 1)]
            referrer = self.referrer_of.get(school) if school else None
            status = changes[-1][1] if changes else "draft"
            submitted_at = at(plan["submitted"], 9) if changes else None
            waiting = next((c for c in changes if c[1] == "waiting"), None)
            source = "school" if school else rng.choice(["parent", "wijkteam"])
            ref = self.w(Referral).add(
                pupil_id=plan["pupil"],
                programme_id=plan["programme"]["id"],
                source=source,
                source_detail="" if school else "Buurtteam",
                referring_school_id=school,
                referred_by_id=referrer if source == "school" else None,
                school_year=plan["year"],
                support_what="Woordenschat en begrijpend lezen.",
                support_why="Loopt achter op taal; thuis wordt weinig Nederlands gesproken.",
                support_tried="Extra instructie in de klas.",
                consent_given_by="Moeder",
                consent_date=plan["submitted"] - dt.timedelta(days=3),
                consent_method="written",
                status=status,
                status_changed_at=at(changes[-1][2], 10 + len(changes)) if changes else None,
                submitted_at=submitted_at,
                waiting_since=at(waiting[2], 12) if waiting else None,
                priority=priorities(rng),
                outcome_reason=changes[-1][3]
                if status in ("declined", "withdrawn", "stopped_early", "completed")
                else "",
                version=1 + len(changes),
                created_at=submitted_at or at(plan["submitted"], 9),
            )
            plan["referral"] = ref
            plan["leader"] = leader
            for n, (from_status, to_status, day, reason) in enumerate(changes):
                self.w(ReferralStatusChange).add(
                    referral_id=ref,
                    from_status=from_status,
                    to_status=to_status,
                    reason=reason,
                    changed_by_id=referrer if to_status == "submitted" else leader,
                    changed_at=at(day, 10 + n),
                    referrer_notified_at=at(day, 10 + n),
                )
            if status == "waiting" and rng.random() < 0.05:
                self.w(PriorityChange).add(
                    referral_id=ref,
                    from_priority=3,
                    to_priority=2,
                    reason=rng.choice(texts.PRIORITY_REASONS),
                    changed_by_id=leader,
                    changed_at=at(waiting[2], 15),
                )
            intake = next((c for c in changes if c[1] == "intake"), None)
            if waiting is not None:
                meeting = self.w(TripartiteMeeting).add(
                    referral_id=ref,
                    planned_at=at(waiting[2], 14),
                    held_on=waiting[2],
                    attendees=["parent", "pupil", "teacher", "initiative"],
                    agreements=rng.choice(texts.AGREEMENTS),
                    parent_conditions=rng.choice(texts.PARENT_CONDITIONS),
                    conditions_accepted=True,
                    recorded_by_id=leader,
                )
                action_plan = self.w(ActionPlan).add(referral_id=ref, meeting_id=meeting)
                plan["goals"] = []
                for description, who in rng.sample(texts.GOALS, k=2):
                    plan["goals"].append(
                        self.w(Goal).add(
                            plan_id=action_plan,
                            description=description,
                            responsible=who,
                            review_date=waiting[2] + dt.timedelta(days=120),
                        )
                    )
                plan["meeting_day"] = waiting[2]
            elif intake is not None and status == "intake" and rng.random() < 0.5:
                self.w(TripartiteMeeting).add(
                    referral_id=ref,
                    planned_at=at(intake[2] + dt.timedelta(days=10), 14),
                    recorded_by_id=leader,
                )
            plan["intake_day"] = intake[2] if intake else None

        # matches: one per one-to-one referral, groups of up to four in group programmes
        grouped = set()
        for (_prog, _year), plans in group_pool.items():
            plans.sort(key=lambda p: p["match"]["start"])
            for k in range(0, len(plans), 4):
                members = plans[k : k + 4]
                self._match(members)
                grouped.update(id(p) for p in members)
        for plan in self.referral_plans:
            if plan["match"] is not None and id(plan) not in grouped:
                self._match([plan])

    def _match(self, members: list[dict]) -> None:
        from referrals.models import Match, MatchParticipant

        rng = self.rng
        first = members[0]
        initiative, programme = first["initiative"], first["programme"]
        ended = [p["match"].get("end") for p in members]
        active = any(e is None for e in ended)
        pool = initiative["active"] if active else initiative["volunteers"]
        pool = pool or initiative["volunteers"] or initiative["active"]
        start = min(p["match"]["start"] for p in members)
        end = None if active else max(ended)
        reasons = {p["match"].get("reason") for p in members}
        end_reason = "" if active else ("completed" if "completed" in reasons else reasons.pop())
        key = initiative.setdefault("_next", 0)
        initiative["_next"] = key + 1
        volunteer = pool[key % len(pool)]
        match = self.w(Match).add(
            programme_id=programme["id"],
            volunteer_id=volunteer,
            kind="group" if programme["group"] else "one_to_one",
            location_type=rng.choice(["school", "school", "library", "home", "community_centre"]),
            frequency=programme["frequency"],
            session_minutes=programme["minutes"],
            start_date=start,
            planned_end_date=max(p["match"]["planned_end"] for p in members),
            end_date=end,
            end_reason=end_reason,
            created_by_id=first["leader"],
            created_at=at(start, 9),
        )
        participants = []
        for plan in members:
            left = plan["match"].get("end")
            MP = self.w(MatchParticipant)
            MP.add(
                match_id=match,
                pupil_id=plan["pupil"],
                referral_id=plan["referral"],
                programme_id=programme["id"],
                joined_on=plan["match"]["start"],
                left_on=left,
            )
            participants.append((plan["pupil"], plan["match"]["start"], left, plan))
        self.matches.append(
            {"id": match, "start": start, "end": end, "group": programme["group"],
             "minutes": programme["minutes"], "participants": participants,
             "leader": first["leader"], "programme": programme["id"]}
        )  # fmt: skip

    # -- contact moments ------------------------------------------------------------
    def _contact_moments(self) -> None:
        from referrals.models import ContactMoment

        rng, texts, latest = self.rng, self.texts, self.latest
        CM = self.w(ContactMoment)
        absent = self.w(ContactMoment.absent_pupils.through)
        spans = [max(1, ((m["end"] or latest) - m["start"]).days // 7) for m in self.matches]

        def add(
            match,
            pupil,
            kind,
            day,
            minutes,
            participants,
            note="",
            phase="",
            attendance="held",
            logged=None,
        ):
            return CM.add(
                match_id=match, pupil_id=pupil, kind=kind, phase=phase, date=day,
                duration_minutes=minutes, attendance=attendance, participants=participants,
                note=note, logged_by_id=logged, created_at=at(day, 18),
            )  # fmt: skip

        # Teacher and parent contacts first, so the sessions fill the rest of the budget.
        for m, weeks in zip(self.matches, spans, strict=True):
            days = max(1, ((m["end"] or latest) - m["start"]).days)
            if not m["group"]:
                pupil, joined, left, _plan = m["participants"][0]
                limit = min(left or latest, latest)
                if rng.random() < 0.9:
                    day = min(limit, joined + dt.timedelta(days=rng.randint(7, 21)))
                    add(m["id"], pupil, "teacher", day, 20, ["volunteer", "teacher"],
                        note=rng.choice(texts.TEACHER_NOTES["start"]), phase="start")  # fmt: skip
                if weeks > 10 and rng.random() < 0.5:
                    day = min(limit, joined + dt.timedelta(days=days // 2))
                    add(m["id"], pupil, "teacher", day, 15, ["volunteer", "teacher"],
                        note=rng.choice(texts.TEACHER_NOTES["mid"]), phase="mid")  # fmt: skip
                add(m["id"], pupil, "parent", joined, 45, ["volunteer", "parent", "pupil"],
                    note="Kennismaking bij het gezin thuis.", phase="start")  # fmt: skip
        for plan in self.referral_plans:
            if plan.get("intake_day"):
                add(None, plan["pupil"], "parent", plan["intake_day"], 45,
                    ["initiative", "parent", "pupil"], note="Intakegesprek met ouder en kind.",
                    phase="start", logged=plan["leader"])  # fmt: skip
            if plan.get("meeting_day") and rng.random() < 0.5:
                add(None, plan["pupil"], "tripartite", plan["meeting_day"], 60,
                    ["parent", "pupil", "teacher", "initiative"],
                    note="Driehoeksgesprek gehouden; plan van aanpak opgesteld.",
                    logged=plan["leader"])  # fmt: skip

        budget = max(len(self.matches), self.scale.contact_moments - CM.count)
        factor = budget / max(1, sum(spans))
        for m, weeks in zip(self.matches, spans, strict=True):
            exact = weeks * factor
            n = max(1, int(exact) + (rng.random() < exact - int(exact)))
            span_end = m["end"] or latest
            days = max(1, (span_end - m["start"]).days)
            one_pupil = None if m["group"] else m["participants"][0][0]
            for k in range(n):
                day = m["start"] + dt.timedelta(days=min(days, int((k + 0.5) * days / n)))
                r = rng.random()
                if r < 0.86:
                    attendance, minutes, who = "held", m["minutes"], ["volunteer", "pupil"]
                elif r < 0.95 and not m["group"]:
                    attendance, minutes, who = "pupil_absent", 0, ["volunteer"]
                else:
                    attendance, minutes, who = "volunteer_cancelled", 0, []
                moment = add(
                    m["id"], one_pupil, "session", day, minutes, who,
                    note=rng.choice(texts.SESSION_NOTES) if rng.random() < 0.1 else "",
                    attendance=attendance, logged=m["leader"] if rng.random() < 0.2 else None,
                )  # fmt: skip
                if m["group"] and attendance == "held" and rng.random() < 0.15:
                    present = [p for p, joined, left, _plan in m["participants"]
                               if joined <= day and (left is None or left >= day)]  # fmt: skip
                    if present:
                        absent.add(contactmoment_id=moment, pupil_id=rng.choice(present))

    def _evaluations(self) -> None:
        from referrals.models import (
            Evaluation,
            GoalEvaluation,
            ImpactMeasurement,
            ImpactScore,
        )

        rng, latest, texts = self.rng, self.latest, self.texts
        results = Picker(["achieved", "partly", "not_achieved"], [55, 30, 15])
        for m in self.matches:
            for _pupil, joined, left, plan in m["participants"]:
                ref, leader = plan["referral"], plan["leader"]
                final = plan["changes"][-1][1]
                goals = plan.get("goals", [])
                until = left or latest
                moments = []
                if (until - joined).days > 16 * 7 or final == "completed":
                    moments.append(("mid", joined + (until - joined) / 2))
                if final == "completed" or (final == "stopped_early" and rng.random() < 0.5):
                    moments.append(("end", left))
                for moment, day in moments:
                    day = min(day, latest)
                    evaluation = self.w(Evaluation).add(
                        referral_id=ref,
                        moment=moment,
                        held_on=day,
                        summary="Evaluatie met ouders, school en begeleider.",
                        pupil_satisfaction=rng.randint(3, 5),
                        parent_satisfaction=rng.randint(3, 5),
                        recorded_by_id=leader,
                    )
                    for goal in goals:
                        result = results(rng)
                        self.w(GoalEvaluation).add(
                            evaluation_id=evaluation,
                            goal_id=goal,
                            result=result,
                            note=rng.choice(texts.GOAL_NOTES[result]),
                        )
                impact = [("start", joined)] + [(mo, d) for mo, d in moments]
                for moment, day in impact:
                    measurement = self.w(ImpactMeasurement).add(
                        referral_id=ref,
                        moment=moment,
                        measured_on=min(day, latest),
                        recorded_by_id=leader,
                    )
                    base = {"start": 2, "mid": 3, "end": 3}[moment]
                    for question in self.questions[m["programme"]]:
                        self.w(ImpactScore).add(
                            measurement_id=measurement,
                            question_id=question,
                            score=min(5, base + rng.randint(0, 2)),
                        )

    def _funding(self) -> None:
        from municipality.models import (
            AccountabilityText,
            Funder,
            FundingAgreement,
            Target,
        )
        from reports.models import Report

        rng = self.rng
        funders = {}
        for mun, name in self.municipalities:
            funders[mun] = self.w(Funder).add(
                name=f"Gemeente {name}", kind="municipality", municipality_id=mun
            )
        pupils_of = {}
        for plan in self.referral_plans:
            key = (plan["initiative"]["id"], plan["mun"], plan["year"])
            pupils_of[key] = pupils_of.get(key, 0) + 1
        number = 0
        for initiative in self.initiatives:
            for mun in initiative["municipalities"]:
                for year in self.years:
                    number += 1
                    expected = pupils_of.get((initiative["id"], mun, year), 0)
                    start, end = dt.date(year, 8, 1), dt.date(year + 1, 7, 31)
                    agreement = self.w(FundingAgreement).add(
                        reference=f"BENCH-{year}-{number:05d}",
                        funder_id=funders[mun],
                        municipality_id=mun,
                        initiative_id=initiative["id"],
                        amount=f"{max(5000, expected * 650)}.00",
                        period_kind="school",
                        start_date=start,
                        end_date=end,
                    )
                    for programme in initiative["programmes"]:
                        self.w(FundingAgreement.programmes.through).add(
                            fundingagreement_id=agreement, programme_id=programme["id"]
                        )
                    for indicator, value in (
                        ("pupils_reached", int(expected * 0.8)),
                        ("matches_started", int(expected * 0.7)),
                        ("contact_hours", int(expected * 20)),
                        ("volunteers_active", max(1, int(expected * 0.3))),
                    ):
                        self.w(Target).add(agreement_id=agreement, indicator=indicator, value=value)
                    if year < self.current:
                        self.w(AccountabilityText).add(
                            agreement_id=agreement,
                            period_start=start,
                            period_end=end,
                            went_well="Veel nieuwe vrijwilligers geworven.",
                            went_less_well="De wachtlijst bleef lang in het voorjaar.",
                            story="Een leerling uit groep 6 leest nu zelf voor in de klas.",
                            written_by_id=initiative["leaders"][0],
                        )
                        finished = at(min(self.latest, end + dt.timedelta(days=1)), 2, 45)
                        self.w(Report).add(
                            kind="agreement",
                            municipality_id=mun,
                            funding_agreement_id=agreement,
                            period_start=start,
                            period_end=end,
                            status="done",
                            automatic=True,
                            progress=100,
                            file=f"reports/bench/verantwoording-{agreement}-v1.pdf",
                            requested_at=finished,
                            started_at=finished,
                            finished_at=finished,
                            attempt=1,
                        )
        for mun, _name in self.municipalities:
            for year in self.years[:-1]:
                finished = at(dt.date(year + 1, 9, 15), 11)
                self.w(Report).add(
                    kind="overview",
                    municipality_id=mun,
                    period_start=dt.date(year, 8, 1),
                    period_end=dt.date(year + 1, 7, 31),
                    status="done",
                    progress=100,
                    file=f"reports/bench/overzicht-{mun}-{year}-v1.pdf",
                    requested_by_id=self.officials[mun][0],
                    requested_at=finished,
                    started_at=finished,
                    finished_at=finished,
                    attempt=1,
                )
        del rng

    # -- load -------------------------------------------------------------------------
    def load(self, connection) -> dict[str, int]:
        """Write every table (plain indexes dropped meanwhile), then reset the sequences."""
        from .bulkcopy import drop_indexes, reset_sequences

        counts = {}
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for model in self.order:
                writer = self.writers[model]
                started = time.perf_counter()
                indexes = drop_indexes(cursor, writer.table)
                writer.flush(cursor)
                for definition in indexes:
                    cursor.execute(definition)
                counts[writer.table] = writer.count
                took = time.perf_counter() - started
                if took > 2:
                    self.log(f"  loaded {writer.table}: {writer.count:,} rows ({took:.1f} s)")
            reset_sequences(cursor, [self.writers[m].table for m in self.order])
            cursor.execute("SET session_replication_role = origin")
        return counts


def check_references(connection) -> list[str]:
    """Foreign keys that point nowhere (there should be none): one query per key."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1
            """
        )
        for table, column, target, target_column in cursor.fetchall():
            # The names come from the catalogue, not from input.
            missing_rows = "SELECT count(*) FROM {} t WHERE t.{} IS NOT NULL AND NOT EXISTS "
            missing_rows += "(SELECT 1 FROM {} r WHERE r.{} = t.{})"
            sql = missing_rows.format(table, column, target, target_column, column)
            cursor.execute(sql)
            missing = cursor.fetchone()[0]
            if missing:
                problems.append(f"{table}.{column}: {missing} rows point nowhere")
    return problems


def build(scale: Scale, *, rebuild: bool, log=print) -> dict:
    """Build (or reuse) the data set; runs with DATABASE_URL pointing at it."""
    marker = read_marker(scale)
    from django.core.management import call_command

    if not rebuild and marker_matches(marker, scale):
        log(f"{scale.name}: reusing {scale.database} (built {marker['built_at']}); migrating")
        call_command("migrate", verbosity=0, interactive=False)
        return marker

    from django.db import connection, transaction
    from django.utils import timezone

    started = time.perf_counter()
    log(f"{scale.name}: building {scale.database} from scratch")
    connection.close()
    _recreate_database(scale)
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    log(f"  migrated ({migrated - started:.1f} s)")
    world = World(scale, today=timezone.localdate(), log=log)
    world.generate()
    generated = time.perf_counter()
    with transaction.atomic():
        counts = world.load(connection)
    loaded = time.perf_counter()
    log(f"  loaded ({loaded - generated:.1f} s)")
    problems = check_references(connection)
    if problems:
        raise SystemExit("The generated data break foreign keys:\n" + "\n".join(problems))
    connection.cursor().execute("VACUUM ANALYZE")
    finished = time.perf_counter()
    info = {
        "scale": asdict(scale),
        "seed": SEED,
        "generator_version": GENERATOR_VERSION,
        "built_at": dt.datetime.now(TZ).isoformat(timespec="seconds"),
        "built_for": str(world.today),
        "seconds": {
            "migrate": round(migrated - started, 1),
            "generate": round(generated - migrated, 1),
            "load": round(loaded - generated, 1),
            "check_and_vacuum": round(finished - loaded, 1),
            "total": round(finished - started, 1),
        },
        "rows": counts,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        _write_marker(cursor, scale, info)
    log(f"{scale.name}: built in {finished - started:.0f} s")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--rebuild", action="store_true", help="drop and build it again")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    os.environ.setdefault("DATABASE_URL", database_url(scale))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    info = build(scale, rebuild=args.rebuild, log=lambda line: print(line, flush=True))
    print(json.dumps({"marker": info}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
