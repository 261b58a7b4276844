"""The journeys of the demo world: from referral to match to evaluation.

Every referral follows a path through the statuses that ends in the status
it was given (a *story*), with dates inside its school year and never after
yesterday. Matches, contact moments and evaluations follow from the story,
so the status history, the match and the dates always agree.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import User
from initiatives.models import Volunteer
from referrals.models import (
    ActionPlan,
    ContactMoment,
    Evaluation,
    Goal,
    GoalEvaluation,
    ImpactMeasurement,
    ImpactQuestion,
    ImpactScore,
    Match,
    MatchParticipant,
    PriorityChange,
    Referral,
    TripartiteMeeting,
)
from schools.models import SchoolLocation

from . import names, texts
from .common import BulkWriter, Clock, bulk, is_school_holiday, lerp, weighted
from .organisations import (
    HUISWERK,
    LINA,
    PROGRAMME_SPECS,
    SCHOOLS_COOL,
    STADSNETWERK,
    STICHTING_LINA,
    TAAL_DOET_MEER,
    TM_PO,
    TM_VO,
    Organisations,
)
from .people import Family, VolunteerPlan, birth_date, plan_family, postcode, sector_of
from .reference import DORDRECHT, NEIGHBOURHOOD_WEIGHTS, UTRECHT, ReferenceData

RS = Referral.Status

# Referrals per unit of scale: programme -> (previous school year, current school year),
# each a status -> count. Every status occurs, as in a real year's administration.
PLAN: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    TM_PO: (
        {RS.COMPLETED: 7, RS.STOPPED_EARLY: 2, RS.DECLINED: 1, RS.WITHDRAWN: 1},
        {RS.MATCHED: 5, RS.WAITING: 3, RS.SUBMITTED: 1, RS.INTAKE: 1, RS.DRAFT: 2,
         RS.DECLINED: 1, RS.WITHDRAWN: 1},
    ),
    TM_VO: (
        {RS.COMPLETED: 5, RS.STOPPED_EARLY: 2, RS.DECLINED: 1},
        {RS.MATCHED: 3, RS.WAITING: 2, RS.INTAKE: 1, RS.SUBMITTED: 1, RS.STOPPED_EARLY: 1},
    ),
    HUISWERK: (
        {RS.COMPLETED: 5, RS.STOPPED_EARLY: 2, RS.WITHDRAWN: 1},
        {RS.MATCHED: 5, RS.WAITING: 4, RS.SUBMITTED: 1, RS.DRAFT: 1, RS.WITHDRAWN: 1},
    ),
    STADSNETWERK: (
        {RS.COMPLETED: 5, RS.STOPPED_EARLY: 1, RS.DECLINED: 1},
        {RS.COMPLETED: 1, RS.MATCHED: 3, RS.WAITING: 2, RS.INTAKE: 1},
    ),
    SCHOOLS_COOL: (
        {RS.MATCHED: 4, RS.STOPPED_EARLY: 2},
        {RS.MATCHED: 4, RS.WAITING: 2, RS.SUBMITTED: 1, RS.DECLINED: 1},
    ),
    LINA: (
        {RS.COMPLETED: 9, RS.STOPPED_EARLY: 4, RS.DECLINED: 2, RS.WITHDRAWN: 1},
        {RS.MATCHED: 6, RS.WAITING: 4, RS.INTAKE: 1, RS.SUBMITTED: 1},
    ),
}  # fmt: skip
# Per unit: pupils who finished Taalmentoraat PO in groep 8 last year and were
# referred again by their secondary school this year.
CONTINUING_STATUSES = (RS.MATCHED, RS.MATCHED, RS.WAITING)

# Where in its school year a referral with this final status was submitted (fractions).
SUBMITTED_WHEN = {
    "previous": {
        RS.COMPLETED: (0.0, 0.3), RS.STOPPED_EARLY: (0.0, 0.45), RS.DECLINED: (0.0, 0.8),
        RS.WITHDRAWN: (0.0, 0.7), RS.MATCHED: (0.05, 0.45),
    },
    "current": {
        RS.DRAFT: (0.9, 1.0), RS.SUBMITTED: (0.85, 1.0), RS.INTAKE: (0.7, 0.95),
        RS.WAITING: (0.15, 0.85), RS.MATCHED: (0.0, 0.6), RS.COMPLETED: (0.0, 0.05),
        RS.DECLINED: (0.0, 0.8), RS.WITHDRAWN: (0.1, 0.8), RS.STOPPED_EARLY: (0.0, 0.3),
    },
}  # fmt: skip

STOP_END_REASONS = (
    Match.EndReason.PUPIL_STOPPED,
    Match.EndReason.MOVED,
    Match.EndReason.PUPIL_STOPPED,
    Match.EndReason.OTHER,
    Match.EndReason.OTHER,
)
RELATIONSHIP_NL = {"mother": "moeder", "father": "vader", "carer": "verzorger", "other": "ouder"}
LINA_GROUP_SIZE = 5


@dataclass
class Story:
    key: str
    year: int
    status: str
    family: Family
    school: SchoolLocation | None  # referring school
    referral: Referral
    continuing: bool = False
    changes: list[tuple[str, str, dt.date, str, User | None]] = field(default_factory=list)
    submitted_on: dt.date | None = None
    intake_on: dt.date | None = None
    waiting_on: dt.date | None = None
    matched_on: dt.date | None = None
    ended_on: dt.date | None = None
    stop_index: int = 0
    meeting: TripartiteMeeting | None = None
    plan: ActionPlan | None = None
    goals: list[Goal] = field(default_factory=list)
    priority_change: PriorityChange | None = None
    participant: MatchParticipant | None = None

    @property
    def lina(self) -> bool:
        return self.key == LINA


@dataclass
class MatchPlan:
    match: Match
    key: str
    members: list[Story]
    volunteer: VolunteerPlan | None = None
    weekdays: list[int] = field(default_factory=list)


class JourneyPlanner:
    def __init__(
        self,
        *,
        stream,
        clock: Clock,
        organisations: Organisations,
        reference: ReferenceData,
        leaders: dict[str, User],
        referrer: User,
        focus_school: SchoolLocation,
        partner_schools: list[SchoolLocation],
    ) -> None:
        self.stream = stream
        self.clock = clock
        self.organisations = organisations
        self.reference = reference
        self.leaders = leaders
        self.referrer = referrer
        self.focus_school = focus_school
        self.partner_schools = partner_schools
        self._school_weights = {
            (code, sector): [
                NEIGHBOURHOOD_WEIGHTS[code].get(s.neighbourhood.name, 1) if s.neighbourhood else 1
                for s in schools
            ]
            for code in (UTRECHT, DORDRECHT)
            for sector, schools in (
                ("PO", reference.po_schools[code]),
                ("VO", reference.vo_schools[code]),
            )
        }

    # --- stories -----------------------------------------------------------
    def plan_stories(self, units: int) -> list[Story]:
        people = self.stream("people")
        timing = self.stream("timing")
        stories: list[Story] = []
        for _unit in range(units):
            for key, (previous, current) in PLAN.items():
                index = 0
                for year, statuses in (
                    (self.clock.previous, previous),
                    (self.clock.current, current),
                ):
                    for status, count in statuses.items():
                        for _n in range(count):
                            stories.append(self._story(people, key, year, status, index=index))
                            index += 1
            # Continuing pupils: groep 8 last year, klas 1 now.
            for status in CONTINUING_STATUSES:
                first = self._story(
                    people, TM_PO, self.clock.previous, RS.COMPLETED, index=1, grade=8
                )
                stories.append(first)
                stories.append(self._follow_up(people, first, TM_VO, status))
        for story in stories:
            self._timeline(timing, story)
        self._mark_beyond_places(stories)
        return stories

    def _pick_school(self, rng: random.Random, code: str, sector: str) -> SchoolLocation:
        schools = (self.reference.po_schools if sector == "PO" else self.reference.vo_schools)[code]
        return rng.choices(schools, weights=self._school_weights[(code, sector)])[0]

    def _story(
        self,
        rng: random.Random,
        key: str,
        year: int,
        status: str,
        *,
        index: int,
        grade: int | None = None,
    ) -> Story:
        spec = PROGRAMME_SPECS[key]
        code = UTRECHT if spec.initiative == TAAL_DOET_MEER else DORDRECHT
        initiative = self.organisations.initiatives[spec.initiative]
        if grade is None:
            if key == SCHOOLS_COOL:
                grade = 8 if rng.random() < 0.8 else 9
            else:
                # Last year's pupils moved up one school year; keep them within school age.
                top = spec.max_grade - (1 if year < self.clock.current else 0)
                grade = rng.randint(spec.min_grade, max(spec.min_grade, top))
        sector = sector_of(grade)
        forced = key == TM_PO and (index % 3 == 0 or status == RS.DRAFT)
        if forced:
            school = self.focus_school
        elif key == LINA and (year == self.clock.previous or rng.random() < 0.7):
            candidates = [s for s in self.partner_schools if s.sector == sector]
            school = rng.choice(candidates) if candidates else self._pick_school(rng, code, sector)
        else:
            school = self._pick_school(rng, code, sector)

        family = plan_family(
            rng,
            initiative=initiative,
            municipality_code=code,
            date_of_birth=birth_date(rng, grade=grade, school_year=year),
        )
        pupil = family.pupil
        pupil.grade = grade + (self.clock.current - year)
        if sector_of(pupil.grade) == sector:
            pupil.school = school
        else:
            pupil.school = self._pick_school(rng, code, "VO")
        wijken = self.reference.neighbourhoods[code]
        if school.neighbourhood and rng.random() < 0.75:
            pupil.neighbourhood = school.neighbourhood
        else:
            pupil.neighbourhood = rng.choices(
                wijken, weights=[NEIGHBOURHOOD_WEIGHTS[code][w.name] for w in wijken]
            )[0]
        pupil.postcode = postcode(rng, pupil.neighbourhood)

        if forced:
            source = Referral.Source.SCHOOL
        elif key == LINA:
            source = weighted(rng, {"school": 9, "wijkteam": 1})
        else:
            source = weighted(
                rng, {"school": 70, "parent": 15, "wijkteam": 12, "self": 3 if grade >= 11 else 0}
            )
        referral = Referral(
            pupil=pupil,
            programme=self.organisations.programmes[key],
            source=source,
            school_year=year,
            support_what=rng.choice(
                texts.SUPPORT_WHAT.get(spec.support_type, texts.SUPPORT_WHAT["language"])
            ),
            support_why=rng.choice(texts.SUPPORT_WHY),
            priority=int(weighted(rng, {"1": 1, "2": 3, "3": 10, "4": 3, "5": 1})),
        )
        if source == Referral.Source.SCHOOL:
            referral.referring_school = school
            referral.support_tried = rng.choice(texts.SUPPORT_TRIED)
            referral.source_detail = f"IB'er: {rng.choice(names.TEACHER_NAMES)}"
            if school == self.focus_school:
                referral.referred_by = self.referrer
                referral.source_detail = ""
        else:
            referral.referred_by = self.leaders[spec.initiative]
        if source == Referral.Source.WIJKTEAM:
            referral.source_detail = rng.choice(texts.WIJKTEAMS[code])
        elif source == Referral.Source.PARENT:
            referral.source_detail = rng.choice(
                ["Moeder belde na een flyer in de bibliotheek.", "Via een andere ouder.", ""]
            )
        return Story(
            key=key,
            year=year,
            status=status,
            family=family,
            school=referral.referring_school,
            referral=referral,
            stop_index=rng.randrange(len(texts.STOP_REASONS)),
        )

    def _follow_up(self, rng: random.Random, first: Story, key: str, status: str) -> Story:
        """A second referral of the same pupil, by their secondary school, this year."""
        pupil = first.family.pupil
        referral = Referral(
            pupil=pupil,
            programme=self.organisations.programmes[key],
            source=Referral.Source.SCHOOL,
            referring_school=pupil.school,
            source_detail=f"Mentor: {rng.choice(names.TEACHER_NAMES)}",
            school_year=self.clock.current,
            support_what=rng.choice(texts.SUPPORT_WHAT["language"]),
            support_why="Vorig jaar Taalmentoraat PO afgerond; de overstap naar de brugklas is "
            "zwaar voor taal.",
            support_tried=rng.choice(texts.SUPPORT_TRIED),
            priority=2,
        )
        return Story(
            key=key,
            year=self.clock.current,
            status=status,
            family=first.family,
            school=pupil.school,
            referral=referral,
            continuing=True,
        )

    def _timeline(self, rng: random.Random, story: Story) -> None:
        clock = self.clock
        spec = PROGRAMME_SPECS[story.key]
        leader = self.leaders[spec.initiative]
        # Who submitted: the IB'er (the only school referrer with a login), or the
        # project leader who entered a referral that came in by phone or mail.
        referrer = story.referral.referred_by
        phase = "previous" if story.year < clock.current else "current"
        opens, closes = clock.window(story.year)
        low, high = SUBMITTED_WHEN[phase][story.status]
        day = lerp(opens, closes, rng.uniform(low, high))
        if story.continuing:
            day = max(day, opens + dt.timedelta(days=21))
            day = min(day, clock.latest)
        status = story.status
        changes = story.changes

        def step(after: dt.date, low: int, high: int) -> dt.date:
            return min(after + dt.timedelta(days=rng.randint(low, high)), clock.latest)

        self._consent(rng, story, day)
        if status == RS.DRAFT:
            return
        story.submitted_on = day
        changes.append((RS.DRAFT, RS.SUBMITTED, day, "", referrer))
        if status == RS.SUBMITTED:
            return
        if status == RS.DECLINED and not story.lina and rng.random() < 0.5:
            reason = rng.choice(texts.DECLINE_REASONS)
            changes.append((RS.SUBMITTED, RS.DECLINED, step(day, 2, 10), reason, leader))
            return
        if status == RS.WITHDRAWN and rng.random() < 0.3:
            reason = rng.choice(texts.WITHDRAW_REASONS)
            changes.append((RS.SUBMITTED, RS.WITHDRAWN, step(day, 3, 20), reason, leader))
            return
        intake = step(day, 3, 14)
        story.intake_on = intake
        changes.append((RS.SUBMITTED, RS.INTAKE, intake, "", leader))
        last = intake
        if story.lina:
            if status == RS.INTAKE:
                planned = clock.latest + dt.timedelta(days=rng.randint(3, 14))
                self._meeting(rng, story, planned, held=False, accepted=False)
                return
            held = step(intake, 7, 21)
            self._meeting(rng, story, held, held=True, accepted=status != RS.DECLINED)
            last = held
            if status == RS.DECLINED:
                changes.append(
                    (RS.INTAKE, RS.DECLINED, step(held, 1, 5), texts.LINA_DECLINE_REASON, leader)
                )
                return
        else:
            if status == RS.INTAKE:
                return
            if status == RS.DECLINED:
                reason = rng.choice(texts.DECLINE_REASONS)
                changes.append((RS.INTAKE, RS.DECLINED, step(intake, 3, 14), reason, leader))
                return
        # Every match is made from the waitlist, if only for a few days.
        last = step(last, 1, 10)
        changes.append((RS.INTAKE, RS.WAITING, last, "", leader))
        story.waiting_on = last
        if status == RS.WAITING:
            if rng.random() < 0.2:
                story.priority_change = PriorityChange(
                    referral=story.referral,
                    from_priority=3,
                    to_priority=2,
                    reason=rng.choice(texts.PRIORITY_REASONS),
                    changed_by=leader,
                    changed_at=clock.at(step(last, 7, 40), 14),
                )
                story.referral.priority = 2
            return
        if status == RS.WITHDRAWN:
            reason = rng.choice(texts.WITHDRAW_REASONS)
            changes.append((RS.WAITING, RS.WITHDRAWN, step(last, 7, 40), reason, leader))
            return
        if not story.lina and rng.random() < 0.25:  # a volunteer was ready at once
            wait = (2, 10)
        else:
            wait = (14, 90 if story.key == SCHOOLS_COOL else 75)
        matched = step(last, *wait)
        story.matched_on = matched
        changes.append((RS.WAITING, RS.MATCHED, matched, "", leader))
        if status == RS.MATCHED:
            return
        limit = dt.date(story.year + 1, 7, 8) if story.year < clock.current else clock.latest
        if story.lina:
            limit = min(dt.date(story.year + 1, 7, 3), clock.latest)
        planned_end = matched + dt.timedelta(weeks=spec.weeks)
        if status == RS.COMPLETED:
            end = limit if story.lina else min(planned_end, limit)
            reason = "Traject afgerond."
        else:
            end = lerp(matched, min(planned_end, limit), rng.uniform(0.15, 0.7))
            reason = texts.STOP_REASONS[story.stop_index]
        end = min(max(end, matched), clock.latest)
        story.ended_on = end
        changes.append((RS.MATCHED, status, end, reason, leader))

    def _consent(self, rng: random.Random, story: Story, day: dt.date) -> None:
        if story.status == RS.DRAFT and rng.random() < 0.5:
            return
        guardian = story.family.guardians[0]
        referral = story.referral
        referral.consent_given_by = (
            f"{guardian.name} ({RELATIONSHIP_NL.get(guardian.relationship, 'ouder')})"
        )
        referral.consent_date = day - dt.timedelta(days=rng.randint(0, 10))
        referral.consent_method = weighted(rng, {"written": 50, "digital": 35, "verbal": 15})

    def _meeting(
        self, rng: random.Random, story: Story, day: dt.date, *, held: bool, accepted: bool
    ) -> None:
        leader = self.leaders[STICHTING_LINA]
        attendees = ["parent", "teacher", "initiative"]
        if rng.random() < 0.85:
            attendees.insert(1, "pupil")
        story.meeting = TripartiteMeeting(
            referral=story.referral,
            planned_at=self.clock.at(day, rng.choice([8, 13, 15]), 30),
            held_on=day if held else None,
            attendees=attendees if held else [],
            agreements=" ".join(rng.sample(texts.AGREEMENTS, k=2)) if held else "",
            parent_conditions=" ".join(rng.sample(texts.PARENT_CONDITIONS, k=2)),
            conditions_accepted=accepted,
            recorded_by=leader,
        )
        if held:
            story.plan = ActionPlan(referral=story.referral, meeting=story.meeting)
            for description, responsible in rng.sample(texts.GOALS, k=rng.randint(2, 3)):
                story.goals.append(
                    Goal(
                        plan=story.plan,
                        description=description,
                        responsible=responsible,
                        review_date=day + dt.timedelta(weeks=rng.randint(6, 12)),
                    )
                )

    def _mark_beyond_places(self, stories: list[Story]) -> None:
        taken: dict[tuple[str, int, int], int] = {}
        places = self.organisations.places
        for story in sorted(
            (s for s in stories if s.submitted_on and s.school), key=lambda s: s.submitted_on
        ):
            slot = (story.key, story.school.pk, story.year)
            if slot not in places:
                continue
            taken[slot] = taken.get(slot, 0) + 1
            story.referral.beyond_places = taken[slot] > places[slot]

    # --- matches -----------------------------------------------------------
    def plan_matches(
        self, stories: list[Story], volunteers: list[VolunteerPlan], demo_volunteer: VolunteerPlan
    ) -> list[MatchPlan]:
        rng = self.stream("matches")
        plans: list[MatchPlan] = []
        for story in stories:
            if story.matched_on is None or story.lina:
                continue
            plans.append(self._one_to_one(rng, story))
        for year in self.clock.school_years:
            members = sorted(
                (s for s in stories if s.lina and s.matched_on and s.year == year),
                key=lambda s: (s.matched_on, s.family.pupil.last_name),
            )
            if not members:
                continue
            count = -(-len(members) // LINA_GROUP_SIZE)
            for number in range(count):
                plans.append(self._group(rng, members[number::count]))
        plans.sort(key=lambda p: (p.match.start_date, p.key))
        self._assign_volunteers(rng, plans, volunteers, demo_volunteer)
        return plans

    def _location(self, rng: random.Random, key: str) -> str:
        return weighted(rng, dict(PROGRAMME_SPECS[key].locations))

    def _one_to_one(self, rng: random.Random, story: Story) -> MatchPlan:
        spec = PROGRAMME_SPECS[story.key]
        start = story.matched_on
        end = story.ended_on
        if story.status == RS.COMPLETED:
            reason, note = Match.EndReason.COMPLETED, rng.choice(texts.MATCH_END_NOTES["completed"])
        elif story.status == RS.STOPPED_EARLY:
            reason = STOP_END_REASONS[story.stop_index]
            note = texts.STOP_REASONS[story.stop_index]
        else:
            reason = note = ""
        match = Match(
            programme=self.organisations.programmes[story.key],
            kind=Match.Kind.ONE_TO_ONE,
            location_type=self._location(rng, story.key),
            frequency=spec.frequency,
            session_minutes=spec.minutes,
            start_date=start,
            planned_end_date=start + dt.timedelta(weeks=spec.weeks),
            end_date=end,
            end_reason=reason,
            end_note=note,
            created_by=self.leaders[spec.initiative],
        )
        story.participant = MatchParticipant(
            match=match,
            pupil=story.family.pupil,
            referral=story.referral,
            programme=match.programme,
            joined_on=start,
            left_on=end,
        )
        return MatchPlan(match=match, key=story.key, members=[story])

    def _group(self, rng: random.Random, members: list[Story]) -> MatchPlan:
        spec = PROGRAMME_SPECS[LINA]
        start = members[0].matched_on
        ends = [m.ended_on for m in members]
        end = max(ends) if all(ends) else None
        reason = ""
        if end is not None:
            completed = any(m.status == RS.COMPLETED for m in members)
            reason = Match.EndReason.COMPLETED if completed else Match.EndReason.PUPIL_STOPPED
        match = Match(
            programme=self.organisations.programmes[LINA],
            kind=Match.Kind.GROUP,
            location_type=self._location(rng, LINA),
            frequency=spec.frequency,
            session_minutes=spec.minutes,
            start_date=start,
            planned_end_date=start + dt.timedelta(weeks=spec.weeks),
            end_date=end,
            end_reason=reason,
            end_note="Groep afgesloten met een presentatie voor ouders." if end else "",
            created_by=self.leaders[STICHTING_LINA],
        )
        for member in members:
            member.participant = MatchParticipant(
                match=match,
                pupil=member.family.pupil,
                referral=member.referral,
                programme=match.programme,
                joined_on=member.matched_on,
                left_on=member.ended_on,
            )
        return MatchPlan(match=match, key=LINA, members=members)

    def _assign_volunteers(
        self,
        rng: random.Random,
        plans: list[MatchPlan],
        volunteers: list[VolunteerPlan],
        demo_volunteer: VolunteerPlan,
    ) -> None:
        pools: dict[int, list[VolunteerPlan]] = {}
        for volunteer in volunteers:
            if volunteer.can_match:
                pools.setdefault(id(volunteer.initiative), []).append(volunteer)
        for plan in plans:
            match = plan.match
            initiative = self.organisations.initiative_of(plan.key)
            pool = pools[id(initiative)]
            start, end = match.start_date, match.end_date
            online = match.location_type == Match.LocationType.ONLINE

            def eligible(v: VolunteerPlan, strict: bool, start=start, end=end, online=online):
                if v.available_from > start:
                    return False
                if end is None:
                    if v.volunteer.status != Volunteer.Status.ACTIVE:
                        return False
                elif v.available_until is not None and v.available_until < end:
                    return False
                if strict:
                    if v.load(start, end) >= v.volunteer.capacity:
                        return False
                    if online and not v.volunteer.online_possible:
                        return False
                return True

            chosen = None
            if (
                demo_volunteer.initiative is initiative
                and end is None
                and demo_volunteer.load(start, None) < 2
                and eligible(demo_volunteer, strict=False)
            ):
                chosen = demo_volunteer
            offset = rng.randrange(len(pool))
            ordered = pool[offset:] + pool[:offset]
            for strict in (True, False):
                if chosen is None:
                    chosen = next((v for v in ordered if eligible(v, strict)), None)
            if chosen is None:  # nobody fits the dates: the longest-serving active volunteer
                chosen = min(
                    (v for v in pool if v.volunteer.status == Volunteer.Status.ACTIVE),
                    key=lambda v: v.available_from,
                )
            plan.volunteer = chosen
            match.volunteer = chosen.volunteer
            chosen.intervals.append((start, end))
            chosen.programme_starts.setdefault(plan.key, start)
            if online:
                chosen.volunteer.online_possible = True
            for member in plan.members:
                level = sector_of(member.family.pupil.grade or 1)
                if level not in chosen.volunteer.school_levels:
                    chosen.volunteer.school_levels = [*chosen.volunteer.school_levels, level]
            days = [d for d in chosen.weekdays if d <= 5] or [rng.randint(1, 5)]
            if match.frequency == "twice_weekly" and len(days) < 2:
                days = sorted({days[0], (days[0] + 1) % 5 + 1})
            plan.weekdays = days[:2] if match.frequency == "twice_weekly" else days[:1]


# --- writing what follows from the matches ------------------------------------


class FollowUpWriter:
    """Contact moments, evaluations and impact measurements, written in batches."""

    def __init__(self, *, stream, clock: Clock, leaders: dict[str, User], volunteer_user: User):
        self.rng = stream("follow-up")
        self.clock = clock
        self.leaders = leaders
        self.volunteer_user = volunteer_user
        self.moments = BulkWriter(ContactMoment)

    def contact_moments(self, stories: list[Story], matches: list[MatchPlan]) -> int:
        for plan in matches:
            self._sessions(plan)
            for member in plan.members:
                self._contacts(plan, member)
        for story in stories:
            self._intake_moments(story)
        self.moments.flush()
        return self.moments.count

    def _logger(self, plan: MatchPlan) -> User:
        if plan.volunteer and plan.volunteer.volunteer.user_id == self.volunteer_user.pk:
            return self.volunteer_user
        return self.leaders[PROGRAMME_SPECS[plan.key].initiative]

    def _sessions(self, plan: MatchPlan) -> None:
        rng = self.rng
        match = plan.match
        last = min(match.end_date or self.clock.latest, self.clock.latest)
        step = 14 if match.frequency == "fortnightly" else 7
        ended_early = bool(match.end_reason) and match.end_reason != Match.EndReason.COMPLETED
        restless_from = last - dt.timedelta(weeks=6)
        one_pupil = plan.members[0].family.pupil if match.kind == Match.Kind.ONE_TO_ONE else None
        logger = self._logger(plan)
        for weekday in plan.weekdays:
            day = match.start_date + dt.timedelta(
                days=(weekday - 1 - match.start_date.weekday()) % 7
            )
            while day <= last:
                if not is_school_holiday(day):
                    absent = 0.3 if ended_early and day >= restless_from else 0.08
                    roll = rng.random()
                    if roll < absent:
                        attendance = ContactMoment.Attendance.PUPIL_ABSENT
                        participants, minutes = ["volunteer"], 0
                        note = rng.choice(texts.ABSENT_NOTES)
                    elif roll < absent + 0.05:
                        attendance = ContactMoment.Attendance.VOLUNTEER_CANCELLED
                        participants, minutes = [], 0
                        note = rng.choice(texts.CANCEL_NOTES)
                    else:
                        attendance = ContactMoment.Attendance.HELD
                        participants = ["volunteer", "pupil"]
                        minutes = match.session_minutes + (15 if rng.random() < 0.1 else 0)
                        note = rng.choice(texts.SESSION_NOTES) if rng.random() < 0.35 else ""
                    self.moments.add(
                        ContactMoment(
                            match=match,
                            pupil=one_pupil,
                            kind=ContactMoment.Kind.SESSION,
                            date=day,
                            duration_minutes=minutes,
                            attendance=attendance,
                            participants=participants,
                            note=note,
                            logged_by=logger,
                        )
                    )
                day += dt.timedelta(days=step)

    def _contacts(self, plan: MatchPlan, story: Story) -> None:
        """Contacts with the teacher (start, mid, end) and with the parents."""
        rng = self.rng
        participant = story.participant
        joined, left = participant.joined_on, participant.left_on
        limit = min(left or self.clock.latest, self.clock.latest)
        planned_end = plan.match.planned_end_date
        middle = joined + (planned_end - joined) / 2
        pupil = story.family.pupil
        logger = self._logger(plan)
        who = "volunteer" if plan.key != LINA else "initiative"

        def add(kind, phase, day, minutes, participants, note):
            if joined <= day <= limit:
                self.moments.add(
                    ContactMoment(
                        match=plan.match,
                        pupil=pupil,
                        kind=kind,
                        phase=phase,
                        date=day,
                        duration_minutes=minutes,
                        participants=participants,
                        note=note,
                        logged_by=logger,
                    )
                )

        teacher = ContactMoment.Kind.TEACHER
        if rng.random() < 0.9:
            add(teacher, "start", joined + dt.timedelta(days=rng.randint(7, 21)), 20,
                [who, "teacher"], rng.choice(texts.TEACHER_NOTES["start"]))  # fmt: skip
        if rng.random() < 0.5:
            add(teacher, "mid", middle + dt.timedelta(days=rng.randint(-7, 7)), 15,
                [who, "teacher"], rng.choice(texts.TEACHER_NOTES["mid"]))  # fmt: skip
        if left and rng.random() < (0.65 if story.status == RS.COMPLETED else 0.25):
            add(teacher, "end", left, 20, [who, "teacher"], rng.choice(texts.TEACHER_NOTES["end"]))
        add(ContactMoment.Kind.PARENT, "start", joined, 45, [who, "parent", "pupil"],
            "Kennismaking bij het gezin thuis.")  # fmt: skip
        for _n in range(rng.randint(0, 3)):
            day = lerp(joined, limit, rng.random())
            add(ContactMoment.Kind.PARENT, "", day, rng.choice([10, 15, 30]), [who, "parent"],
                rng.choice(texts.PARENT_NOTES))  # fmt: skip

    def _intake_moments(self, story: Story) -> None:
        """The intake talk with the family, or the driehoeksgesprek for Lina."""
        pupil = story.family.pupil
        meeting = story.meeting
        if meeting is not None and meeting.held_on:
            self.moments.add(
                ContactMoment(
                    pupil=pupil,
                    kind=ContactMoment.Kind.TRIPARTITE,
                    date=meeting.held_on,
                    duration_minutes=60,
                    participants=list(meeting.attendees),
                    note="Driehoeksgesprek gehouden; plan van aanpak opgesteld."
                    if meeting.conditions_accepted
                    else "Driehoeksgesprek gehouden; ouders gaan niet akkoord met de afspraken.",
                    logged_by=self.leaders[STICHTING_LINA],
                )
            )
        elif story.intake_on and not story.lina:
            self.moments.add(
                ContactMoment(
                    pupil=pupil,
                    kind=ContactMoment.Kind.PARENT,
                    phase=ContactMoment.Phase.START,
                    date=story.intake_on,
                    duration_minutes=45,
                    participants=["initiative", "parent", "pupil"],
                    note="Intakegesprek met ouder en kind.",
                    logged_by=self.leaders[TAAL_DOET_MEER],
                )
            )

    # --- evaluations and impact ----------------------------------------------
    def evaluations(self, matches: list[MatchPlan]) -> dict[str, int]:
        rng = self.rng
        evaluations: list[Evaluation] = []
        goal_results: list[GoalEvaluation] = []
        measurements: list[ImpactMeasurement] = []
        scores: list[ImpactScore] = []
        questions_of = {
            programme_id: list(ImpactQuestion.objects.filter(programme_id=programme_id))
            for programme_id in {plan.match.programme_id for plan in matches}
        }
        for plan in matches:
            leader = self.leaders[PROGRAMME_SPECS[plan.key].initiative]
            questions = questions_of[plan.match.programme_id]
            for story in plan.members:
                participant = story.participant
                joined, left = participant.joined_on, participant.left_on
                limit = min(left or self.clock.latest, self.clock.latest)
                middle = joined + (plan.match.planned_end_date - joined) / 2
                completed = story.status == RS.COMPLETED
                moments: list[tuple[str, dt.date]] = [
                    ("start", min(joined + dt.timedelta(days=rng.randint(0, 7)), limit))
                ]
                if middle <= limit:
                    moments.append(
                        ("mid", min(middle + dt.timedelta(days=rng.randint(0, 10)), limit))
                    )
                if left and (completed or rng.random() < 0.4):
                    moments.append(
                        (
                            "end",
                            min(left + dt.timedelta(days=rng.randint(0, 10)), self.clock.latest),
                        )
                    )
                base = {q: rng.randint(1, 3) for q in questions}
                for question in questions:
                    if question.text == "Tevredenheid":
                        base[question] = rng.randint(3, 4)
                for moment, day in moments:
                    measurement = ImpactMeasurement(
                        referral=story.referral, moment=moment, measured_on=day, recorded_by=leader
                    )
                    measurements.append(measurement)
                    for question in questions:
                        growth = {"start": 0, "mid": rng.randint(0, 1)}.get(
                            moment, rng.randint(0, 2) if completed else rng.randint(-1, 1)
                        )
                        scores.append(
                            ImpactScore(
                                measurement=measurement,
                                question=question,
                                score=max(1, min(5, base[question] + growth)),
                            )
                        )
                    if moment == "start":
                        continue
                    evaluation = Evaluation(
                        referral=story.referral,
                        moment=moment,
                        held_on=day,
                        summary=rng.choice(texts.EVALUATION_SUMMARIES[moment]),
                        recorded_by=leader,
                    )
                    evaluations.append(evaluation)
                    for goal in story.goals:
                        if moment == "mid":
                            weights = {"achieved": 30, "partly": 50, "not_achieved": 20}
                        elif completed:
                            weights = {"achieved": 60, "partly": 30, "not_achieved": 10}
                        else:
                            weights = {"achieved": 10, "partly": 40, "not_achieved": 50}
                        result = weighted(rng, weights)
                        goal_results.append(
                            GoalEvaluation(
                                evaluation=evaluation,
                                goal=goal,
                                result=result,
                                note=rng.choice(texts.GOAL_NOTES[result]),
                            )
                        )
        bulk(ImpactMeasurement, measurements)
        bulk(ImpactScore, scores)
        bulk(Evaluation, evaluations)
        bulk(GoalEvaluation, goal_results)
        return {
            _("impact measurements"): len(measurements),
            _("impact scores"): len(scores),
            _("evaluations"): len(evaluations),
            _("goal evaluations"): len(goal_results),
        }
