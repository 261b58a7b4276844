"""Benchmark of the batch proposal: 2,000 waiting pupils and 1,000 volunteers.

    .venv/bin/python -m benchmarks.matching            # the pure part, no database
    .venv/bin/python -m benchmarks.matching --db       # also propose() end to end
    .venv/bin/python -m benchmarks.matching --pupils 500 --volunteers 200

The default mode generates realistic profiles (seeded, so every run is the
same) and times (a) the score matrix with the pure, vectorised scoring and
(b) the optimal assignment. ``--db`` writes the same kind of data to the
database of ``config.settings.local`` (``DATABASE_URL``; migrated) inside one
transaction, calls ``propose()``, the review page's ``alternatives()`` and
the confirmation of every proposed match (``match_confirm_proposal``), and
rolls everything back, printing the times and the numbers of queries. Times
are shown as wall clock and CPU: on a busy machine the CPU time tells what
the work itself costs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from contextlib import contextmanager

import numpy as np

PUPILS = 2_000
VOLUNTEERS = 1_000
SEED = 20_240_904

# What the demo data and the forms store (core/demo): Dutch names.
FAMILY_LANGUAGES = [
    (["Nederlands"], 40),
    (["Nederlands", "Arabisch"], 10),
    (["Arabisch"], 6),
    (["Tamazight", "Arabisch"], 6),
    (["Turks"], 8),
    (["Nederlands", "Turks"], 6),
    (["Sranantongo"], 3),
    (["Papiaments"], 2),
    (["Tigrinya"], 4),
    (["Somalisch"], 2),
    (["Dari"], 3),
    (["Pools"], 3),
    (["Bulgaars"], 2),
    (["Oekraïens", "Russisch"], 5),
]
VOLUNTEER_EXTRA_LANGUAGES = [
    "Engels", "Engels", "Engels", "Arabisch", "Turks", "Tamazight", "Duits", "Frans",
    "Spaans", "Tigrinya", "Pools", "Russisch",
]  # fmt: skip
SUBJECTS = [
    "Nederlands", "Begrijpend lezen", "Rekenen", "Wiskunde", "Engels", "Aardrijkskunde",
    "Geschiedenis", "Biologie", "Plannen en leren",
]  # fmt: skip
SLOTS = [(900, 1020), (930, 1050), (1110, 1230), (780, 1020), (600, 720)]  # as core/demo
NEIGHBOURHOODS = 40  # wijken of a large city, each with two to four postcode areas


def _weighted(rng: random.Random, options):
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _slots(rng: random.Random, days: int) -> list[tuple[int, int, int]]:
    slots = []
    for weekday in sorted(rng.sample([1, 2, 3, 4, 5, 6], k=days)):
        if weekday == 3:
            start, end = SLOTS[3]
        elif weekday == 6:
            start, end = SLOTS[4]
        else:
            start, end = rng.choice(SLOTS[:3])
        slots.append((weekday, start, end))
    return slots


def neighbourhood_areas(rng: random.Random) -> dict[int, list[str]]:
    areas: dict[int, list[str]] = {}
    code = 3500
    for n in range(1, NEIGHBOURHOODS + 1):
        count = rng.randint(2, 4)
        areas[n] = [str(code + k) for k in range(count)]
        code += count
    return areas


def generate(rng: random.Random, *, pupils: int = PUPILS, volunteers: int = VOLUNTEERS):
    """Plain profiles, waiting days and priorities, as the pure part takes them."""
    from referrals.matching.scoring import (
        ANY_SUBJECT,
        SUPPORT_SUBJECTS,
        PupilProfile,
        VolunteerProfile,
        level_of_grade,
        merge_slots,
        normalise_language,
        normalise_subject,
    )

    areas = neighbourhood_areas(rng)
    wanted = SUPPORT_SUBJECTS["language"]
    pupil_profiles = []
    for i in range(pupils):
        hood = rng.randint(1, NEIGHBOURHOODS)
        places = {("n", hood), ("pc", rng.choice(areas[hood]))} if rng.random() < 0.9 else set()
        languages = _weighted(rng, FAMILY_LANGUAGES)
        keys = {normalise_language(lang): lang for lang in languages}
        interpreter = {
            k for k in keys if k != "nl" and "Nederlands" not in languages and rng.random() < 0.4
        }
        grade = rng.randint(3, 12)
        pupil_profiles.append(
            PupilProfile(
                key=i,
                slots=merge_slots(_slots(rng, rng.randint(1, 3))) if rng.random() < 0.85 else (),
                places=frozenset(places),
                place_labels={("n", hood): f"Wijk {hood}"},
                languages=frozenset(keys),
                interpreter_languages=frozenset(interpreter),
                language_labels=keys,
                level=level_of_grade(grade),
                grade_label=str(grade),
                wanted_subjects=wanted,
                support_label="Taal",
                online=False,
                minutes_needed=90,
            )
        )
    volunteer_profiles = []
    for j in range(volunteers):
        home = rng.randint(1, NEIGHBOURHOODS)
        others = rng.sample([n for n in areas if n != home], k=rng.randint(0, 2))
        reach = {("n", n) for n in [home, *others]}
        reach |= {("pc", a) for n in [home, *others] for a in areas[n]}
        languages = ["Nederlands"]
        if rng.random() < 0.6:
            languages.append(rng.choice(VOLUNTEER_EXTRA_LANGUAGES))
        subjects = rng.sample(SUBJECTS, k=rng.randint(2, 4))
        keys = {normalise_subject(s) for s in subjects} | {ANY_SUBJECT}
        volunteer_profiles.append(
            VolunteerProfile(
                key=j,
                slots=merge_slots(_slots(rng, rng.randint(1, 3))),
                reach=frozenset(reach),
                online_possible=rng.random() < 0.3,
                languages=frozenset(normalise_language(lang) for lang in languages),
                subjects=frozenset(keys),
                subject_labels=tuple(subjects),
                school_levels=frozenset(rng.choice([["PO"], ["VO"], ["PO", "VO"]])),
                free_capacity=rng.choices([1, 2, 3], weights=[55, 35, 10])[0],
            )
        )
    waiting_days = [rng.randint(0, 400) for _ in range(pupils)]
    priorities = [
        rng.choices([1, 2, 3, 4, 5], weights=[5, 15, 60, 15, 5])[0] for _ in range(pupils)
    ]
    return pupil_profiles, volunteer_profiles, waiting_days, priorities


@contextmanager
def timed(into: dict, key: str):
    """Wall-clock and CPU seconds (CPU shows the work when the machine is busy)."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into[key] = (time.perf_counter() - wall, time.process_time() - cpu)


def fmt(seconds: tuple[float, float]) -> str:
    return f"{seconds[0]:.2f} s wall, {seconds[1]:.2f} s CPU"


def greedy(scores, feasible, capacities, order) -> list[tuple[int, int]]:
    """For comparison: each pupil in waitlist order takes the best free volunteer."""
    free = np.asarray(capacities, dtype=np.int64).copy()
    pairs = []
    for i in order:
        options = np.where(feasible[i] & (free > 0), scores[i], -1.0)
        j = int(options.argmax())
        if options[j] >= 0:
            free[j] -= 1
            pairs.append((int(i), j))
    return pairs


def run_pure(*, pupils: int, volunteers: int) -> dict:
    from referrals.matching.proposal import assign, pair_feasible, urgency_bonus
    from referrals.matching.scoring import score_components

    rng = random.Random(SEED)
    took: dict[str, tuple[float, float]] = {}
    with timed(took, "generate"):
        pupil_profiles, volunteer_profiles, waiting, priorities = generate(
            rng, pupils=pupils, volunteers=volunteers
        )
    with timed(took, "score"):
        components = score_components(pupil_profiles, volunteer_profiles)
        scores = sum(components.values())
        feasible = pair_feasible(components)
    capacities = [v.free_capacity for v in volunteer_profiles]
    with timed(took, "assign"):
        pairs = assign(scores, waiting, capacities, priorities=priorities, feasible=feasible)

    total = sum(scores[i, j] for i, j in pairs)
    slots = sum(capacities)
    placed_priority = [priorities[i] for i, _j in pairs]
    order = np.argsort(-urgency_bonus(waiting, priorities), kind="stable")
    simple = greedy(scores, feasible, capacities, order)
    simple_total = sum(scores[i, j] for i, j in simple)
    both = (took["score"][0] + took["assign"][0], took["score"][1] + took["assign"][1])
    print(f"pupils x volunteers:  {pupils} x {volunteers} ({slots} free places)")
    print(f"generate profiles:    {fmt(took['generate'])} (not part of the work measured)")
    print(f"(a) score matrix:     {fmt(took['score'])}; {scores.size:,} pairs, "
          f"{int(feasible.sum()):,} feasible")  # fmt: skip
    print(f"(b) assignment:       {fmt(took['assign'])}; cost matrix {pupils} x "
          f"{slots + pupils} (places + one 'not placed' column per pupil)")  # fmt: skip
    print(f"(a) + (b):            {fmt(both)}")
    print(f"matched:              {len(pairs)} of {pupils} pupils")
    print(f"total score:          {total:,.1f} (mean {total / max(len(pairs), 1):.1f})")
    print(f"greedy, for contrast: {len(simple)} matched, total score {simple_total:,.1f}")
    print(
        "placed by priority:   "
        + ", ".join(f"{p}: {placed_priority.count(p)}/{priorities.count(p)}" for p in range(1, 6))
    )
    return {
        "pupils": pupils,
        "volunteers": volunteers,
        "free_places": slots,
        "score_s": round(took["score"][0], 3),
        "assign_s": round(took["assign"][0], 3),
        "both_s": round(both[0], 3),
        "both_cpu_s": round(both[1], 3),
        "pairs": int(scores.size),
        "feasible": int(feasible.sum()),
        "matched": len(pairs),
        "total_score": round(float(total), 1),
        "greedy_total_score": round(float(simple_total), 1),
    }


def run_db(*, pupils: int, volunteers: int) -> dict:
    """Create the data in the configured database, propose(), roll back."""
    import datetime as dt

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Membership, Role, User
    from initiatives.models import VOG, Availability, Initiative, Programme, Volunteer
    from municipality.models import Municipality, Neighbourhood
    from referrals.matching.proposal import alternatives, propose
    from referrals.models import Guardian, Pupil, PupilAvailability, Referral
    from referrals.services import match_confirm_proposal

    class Rollback(Exception):
        pass

    rng = random.Random(SEED)
    areas = neighbourhood_areas(rng)
    today = timezone.localdate()
    now = timezone.now()

    def t(minutes: int) -> dt.time:
        return dt.time(minutes // 60, minutes % 60)

    try:
        with transaction.atomic():
            took: dict[str, tuple[float, float]] = {}
            started = time.perf_counter()
            municipality, _created = Municipality.objects.get_or_create(
                cbs_code="GM9999", defaults={"name": "Benchmarkstad", "province": "Utrecht"}
            )
            initiative = Initiative.objects.create(
                name=f"Benchmark Taalmaatjes {int(now.timestamp())}"
            )
            programme = Programme.objects.create(
                initiative=initiative,
                name="Taalmentoraat benchmark",
                support_type=Programme.SupportType.LANGUAGE,
                format=Programme.Format.ONE_TO_ONE,
            )
            checker = User.objects.create(email="benchmark-checker@example.org")
            hoods = Neighbourhood.objects.bulk_create(
                Neighbourhood(
                    municipality=municipality, name=f"Wijk {n}", code=f"WK{n:04d}", postcodes=pcs
                )
                for n, pcs in areas.items()
            )
            vols = Volunteer.objects.bulk_create(
                Volunteer(
                    initiative=initiative,
                    first_name=f"Vrijwilliger{j}",
                    last_name="Benchmark",
                    status=Volunteer.Status.ACTIVE,
                    start_date=today - dt.timedelta(days=100),
                    online_possible=rng.random() < 0.3,
                    languages=["Nederlands"]
                    + ([rng.choice(VOLUNTEER_EXTRA_LANGUAGES)] if rng.random() < 0.6 else []),
                    subjects=rng.sample(SUBJECTS, k=rng.randint(2, 4)),
                    school_levels=rng.choice([["PO"], ["VO"], ["PO", "VO"]]),
                    capacity=rng.choices([1, 2, 3], weights=[55, 35, 10])[0],
                )
                for j in range(volunteers)
            )
            VOG.objects.bulk_create(
                VOG(
                    volunteer=v,
                    issued_on=today - dt.timedelta(days=200),
                    checked_by=checker,
                    checked_on=today - dt.timedelta(days=190),
                )
                for v in vols
            )
            Availability.objects.bulk_create(
                Availability(volunteer=v, weekday=d, start_time=t(s), end_time=t(e))
                for v in vols
                for d, s, e in _slots(rng, rng.randint(1, 3))
            )
            through = Volunteer.neighbourhoods.through
            through.objects.bulk_create(
                through(volunteer_id=v.pk, neighbourhood_id=h.pk)
                for v in vols
                for h in rng.sample(hoods, k=rng.randint(1, 3))
            )
            kids = Pupil.objects.bulk_create(
                Pupil(
                    initiative=initiative,
                    first_name=f"Leerling{i}",
                    last_name="Benchmark",
                    date_of_birth=today - dt.timedelta(days=3650),
                    school=None,
                    grade=rng.randint(3, 12),
                    neighbourhood=(hood := rng.choice(hoods)),
                    postcode=f"{rng.choice(hood.postcodes)} AB",
                    home_languages=_weighted(rng, FAMILY_LANGUAGES),
                )
                for i in range(pupils)
            )
            Guardian.objects.bulk_create(
                Guardian(
                    pupil=p,
                    name=f"Ouder van {p.first_name}",
                    language=p.home_languages[-1],
                    interpreter_needed="Nederlands" not in p.home_languages and rng.random() < 0.4,
                )
                for p in kids
            )
            PupilAvailability.objects.bulk_create(
                PupilAvailability(pupil=p, weekday=d, start_time=t(s), end_time=t(e))
                for p in kids
                if rng.random() < 0.85
                for d, s, e in _slots(rng, rng.randint(1, 3))
            )
            Referral.objects.bulk_create(
                Referral(
                    pupil=p,
                    programme=programme,
                    source=Referral.Source.PARENT,
                    school_year=today.year,
                    consent_given_by="Ouder",
                    consent_date=today - dt.timedelta(days=500),
                    consent_method=Referral.ConsentMethod.IN_WRITING,
                    status=Referral.Status.WAITING,
                    submitted_at=(since := now - dt.timedelta(days=rng.randint(0, 400))),
                    waiting_since=since,
                    priority=rng.choices([1, 2, 3, 4, 5], weights=[5, 15, 60, 15, 5])[0],
                )
                for p in kids
            )
            created = time.perf_counter() - started

            with timed(took, "propose"), CaptureQueriesContext(connection) as queries:
                proposal = propose(programme, on=today)
            total = sum(m.score for m in proposal.matches)
            print(f"database:             {connection.vendor}")
            print(f"created test data:    {created:.2f} s (rolled back afterwards)")
            print(f"propose() end to end: {fmt(took['propose'])}, {len(queries)} queries")
            print(f"matched:              {len(proposal.matches)} of {pupils} pupils, "
                  f"{len(proposal.unmatched)} unmatched")  # fmt: skip
            print(f"total score:          {total:,.1f}")

            # The review page also offers alternatives for every pupil on it;
            # confirming writes every match with its referral's transition.
            leader = User.objects.create(email="benchmark-leader@example.org")
            Membership.objects.create(user=leader, role=Role.PROJECT_LEADER, initiative=initiative)
            waiting = [m.referral for m in proposal.matches] + list(proposal.unmatched)
            with timed(took, "alternatives"), CaptureQueriesContext(connection) as alt_queries:
                alternatives(waiting, programme, on=today, limit=6)
            print(f"alternatives():       {fmt(took['alternatives'])}, "
                  f"{len(alt_queries)} queries")  # fmt: skip
            pairs = [(m.referral, m.volunteer) for m in proposal.matches]
            with timed(took, "confirm"), CaptureQueriesContext(connection) as confirm_queries:
                confirmed = match_confirm_proposal(
                    user=leader, programme=programme, pairs=pairs, start_date=today
                )
            print(f"confirm ({len(confirmed):,} matches): {fmt(took['confirm'])}, "
                  f"{len(confirm_queries):,} queries")  # fmt: skip
            result = {
                "database": connection.vendor,
                "propose_s": round(took["propose"][0], 3),
                "propose_cpu_s": round(took["propose"][1], 3),
                "queries": len(queries),
                "matched": len(proposal.matches),
                "alternatives_s": round(took["alternatives"][0], 3),
                "confirm_s": round(took["confirm"][0], 3),
                "confirm_queries": len(confirm_queries),
            }
            raise Rollback
    except Rollback:
        pass
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=PUPILS)
    parser.add_argument("--volunteers", type=int, default=VOLUNTEERS)
    parser.add_argument(
        "--db", action="store_true", help="also run propose() against the configured database"
    )
    parser.add_argument(
        "--json", action="store_true", help="end with the figures as one line of JSON"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()  # the scoring module imports models (for its constants)

    figures = {"pure": run_pure(pupils=args.pupils, volunteers=args.volunteers)}
    if args.db:
        print()
        figures["db"] = run_db(pupils=args.pupils, volunteers=args.volunteers)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
