"""Build (or reset) the demo world in one transaction.

The world is deterministic for a seed: the same seed gives the same people,
schools and stories; only how far the current school year has got depends
on today's date. The bulk of it (volunteers, pupils, referrals, matches,
contact moments, evaluations) is written with ``bulk_create`` so that
``--scale 50`` stays a matter of minutes on SQLite.
"""

from __future__ import annotations

import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from initiatives.models import (
    VOG,
    Availability,
    Initiative,
    Programme,
    TrainingCompletion,
    Volunteer,
    VolunteerStatusChange,
)
from municipality.models import Funder, FundingAgreement
from referrals.models import (
    ActionPlan,
    ContactMoment,
    Goal,
    Guardian,
    Match,
    MatchParticipant,
    PriorityChange,
    Pupil,
    PupilAvailability,
    Referral,
    ReferralStatusChange,
    TripartiteMeeting,
)
from reports.models import Report
from schools.models import SchoolLocation

from .common import Clock, bulk, streams
from .journeys import FollowUpWriter, JourneyPlanner, MatchPlan, Story
from .organisations import (
    DEMO_FUNDERS,
    DEMO_INITIATIVES,
    LINA,
    STICHTING_LINA,
    TAAL_DOET_MEER,
    TM_PO,
    create_funding,
    create_organisations,
    create_places,
)
from .people import VolunteerPlan, plan_volunteers, pupil_availability, volunteer_rows
from .reference import DORDRECHT, NEIGHBOURHOOD_WEIGHTS, UTRECHT, ensure_reference_data

DEFAULT_SEED = 2026
DEMO_PASSWORD = "Demo-2026-aanvullend"

PROJECT_LEADER_TDM = "projectleider@taaldoetmeer.demo"
PROJECT_LEADER_LINA = "projectleider@lina.demo"
VOLUNTEER = "vrijwilliger@taaldoetmeer.demo"
OFFICIAL_UTRECHT = "beleid@utrecht.demo"
PRIVACY_OFFICER_TDM = "privacy@taaldoetmeer.demo"
CLIENT_MANAGER_UTRECHT = "klantmanager@utrecht.demo"
ADMINISTRATOR = "beheer@aanvullendleren.demo"
FIXED_LOGINS = (
    PROJECT_LEADER_TDM,
    PROJECT_LEADER_LINA,
    VOLUNTEER,
    OFFICIAL_UTRECHT,
    CLIENT_MANAGER_UTRECHT,
    PRIVACY_OFFICER_TDM,
    ADMINISTRATOR,
)
# The school referrer's address is ib@<school name>.demo, for a real Utrecht school.
PREFERRED_FOCUS_SCHOOL = "16NM00"  # Openbare Basisschool Overvecht


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    organisation: str


def demo_world_exists() -> bool:
    return (
        Initiative.objects.filter(name__in=DEMO_INITIATIVES).exists()
        or User.objects.filter(email__in=FIXED_LOGINS).exists()
    )


def _demo_users():
    return User.objects.filter(
        Q(email__in=FIXED_LOGINS) | Q(email__startswith="ib@", email__endswith=".demo")
    )


def demo_logins() -> list[Login]:
    """The demo logins that exist, one per role, in a fixed order."""
    logins = []
    users = {u.email: u for u in _demo_users().prefetch_related("memberships")}
    order = [PROJECT_LEADER_TDM, PROJECT_LEADER_LINA, VOLUNTEER]
    order += sorted(e for e in users if e.startswith("ib@"))
    order += [OFFICIAL_UTRECHT, CLIENT_MANAGER_UTRECHT, PRIVACY_OFFICER_TDM, ADMINISTRATOR]
    for email in order:
        user = users.get(email)
        if user is None:
            continue
        membership = next(iter(user.memberships.all()), None)
        if membership is not None:
            logins.append(Login(membership.get_role_display(), email, str(membership.organisation)))
        elif user.is_superuser:
            logins.append(Login(str(_("Administrator")), email, "-"))
    return logins


@transaction.atomic
def delete_demo_world() -> None:
    """Delete what the demo created; reference data (municipalities, schools, wijken) stays."""
    initiatives = Initiative.objects.filter(name__in=DEMO_INITIATIVES)
    programmes = Programme.objects.filter(initiative__in=initiatives)
    agreements = FundingAgreement.objects.filter(initiative__in=initiatives)
    Report.objects.filter(funding_agreement__in=agreements).delete()
    ContactMoment.objects.filter(
        Q(match__programme__in=programmes) | Q(pupil__initiative__in=initiatives)
    ).delete()
    MatchParticipant.objects.filter(
        Q(programme__in=programmes) | Q(pupil__initiative__in=initiatives)
    ).delete()
    Match.objects.filter(programme__in=programmes).delete()
    Referral.objects.filter(
        Q(programme__in=programmes) | Q(pupil__initiative__in=initiatives)
    ).delete()
    Pupil.objects.filter(initiative__in=initiatives).delete()
    agreements.delete()
    Volunteer.objects.filter(initiative__in=initiatives).delete()
    initiatives.delete()
    Funder.objects.filter(name__in=DEMO_FUNDERS, agreements__isnull=True).delete()
    _demo_users().delete()


class DemoWorldBuilder:
    def __init__(
        self,
        *,
        data_dir: pathlib.Path,
        seed: int = DEFAULT_SEED,
        scale: int = 1,
        clock: Clock | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        if scale < 1:
            raise ValueError("scale must be at least 1")
        self.data_dir = data_dir
        self.seed = seed
        self.scale = scale
        self.clock = clock or Clock()
        self.log = log
        self.stream = streams(seed)
        self.timings: list[tuple[str, float]] = []
        self.counts: dict[str, int] = {}
        self._started = time.perf_counter()

    def _lap(self, label: str) -> None:
        now = time.perf_counter()
        self.timings.append((label, now - self._started))
        self._started = now

    @transaction.atomic
    def build(self) -> dict[str, int]:
        clock = self.clock
        reference = ensure_reference_data(data_dir=self.data_dir)
        for line in reference.log:
            self.log(line)
        self._lap(_("reference data"))

        organisations = create_organisations(reference.municipalities)
        focus = self._focus_school(reference.po_schools[UTRECHT])
        others = [s for s in self._by_weight(reference.po_schools[UTRECHT], UTRECHT) if s != focus]
        tdm_partners = [focus, *others[:4]]
        lina_partners = (
            self._by_weight(reference.po_schools[DORDRECHT], DORDRECHT)[:4]
            + self._by_weight(reference.vo_schools[DORDRECHT], DORDRECHT)[:1]
        )
        self.counts[_("programme places")] = create_places(
            organisations,
            allocations={
                TM_PO: [(s, 5 if s == focus else 4) for s in tdm_partners],
                LINA: [(s, 3) for s in lina_partners],
            },
            school_years=clock.school_years,
        )
        users = self._users(organisations, reference.municipalities[UTRECHT], focus)
        leaders = {
            TAAL_DOET_MEER: users[PROJECT_LEADER_TDM],
            STICHTING_LINA: users[PROJECT_LEADER_LINA],
        }
        self._lap(_("organisations and logins"))

        volunteers = plan_volunteers(
            rng=self.stream("volunteers"),
            units=self.scale,
            organisations=organisations,
            neighbourhoods=reference.neighbourhoods,
            clock=clock,
        )
        demo_volunteer = self._demo_volunteer(volunteers, users[VOLUNTEER])
        planner = JourneyPlanner(
            stream=self.stream,
            clock=clock,
            organisations=organisations,
            reference=reference,
            leaders=leaders,
            referrer=users["referrer"],
            focus_school=focus,
            partner_schools=lina_partners,
        )
        stories = planner.plan_stories(self.scale)
        matches = planner.plan_matches(stories, volunteers, demo_volunteer)
        self._lap(_("planning"))

        self._write_volunteers(volunteers, organisations, leaders)
        self._lap(_("volunteers"))
        self._write_referrals(stories)
        self._lap(_("pupils and referrals"))
        self._write_matches(matches)
        self._lap(_("matches"))

        writer = FollowUpWriter(
            stream=self.stream, clock=clock, leaders=leaders, volunteer_user=users[VOLUNTEER]
        )
        self.counts[_("contact moments")] = writer.contact_moments(stories, matches)
        self._lap(_("contact moments"))
        self.counts.update(writer.evaluations(matches))
        self._lap(_("evaluations and impact"))

        agreements = create_funding(organisations, reference.municipalities, clock)
        self.counts[_("funding agreements")] = len(agreements)
        self._lap(_("funding"))
        return self.counts

    # --- selection -------------------------------------------------------------
    @staticmethod
    def _by_weight(schools: list[SchoolLocation], code: str) -> list[SchoolLocation]:
        weights = NEIGHBOURHOOD_WEIGHTS[code]

        def weight(school: SchoolLocation) -> int:
            return weights.get(school.neighbourhood.name, 0) if school.neighbourhood else 0

        return sorted(schools, key=lambda s: (-weight(s), s.location_code))

    def _focus_school(self, schools: list[SchoolLocation]) -> SchoolLocation:
        preferred = [s for s in schools if s.location_code == PREFERRED_FOCUS_SCHOOL]
        return (preferred or self._by_weight(schools, UTRECHT))[0]

    @staticmethod
    def _demo_volunteer(volunteers: list[VolunteerPlan], user: User) -> VolunteerPlan:
        """The longest-serving active Taal Doet Meer volunteer becomes the demo login."""
        candidates = [
            v
            for v in volunteers
            if v.initiative.name == TAAL_DOET_MEER and v.volunteer.status == Volunteer.Status.ACTIVE
        ]
        plan = min(candidates, key=lambda v: v.available_from)
        volunteer = plan.volunteer
        volunteer.first_name, volunteer.last_name = user.first_name, user.last_name
        volunteer.email = user.email
        volunteer.capacity = 3
        volunteer.online_possible = True
        volunteer.user = user
        return plan

    # --- writing ---------------------------------------------------------------
    def _users(self, organisations, utrecht, focus: SchoolLocation) -> dict[str, User]:
        tdm = organisations.initiatives[TAAL_DOET_MEER]
        lina = organisations.initiatives[STICHTING_LINA]
        referrer_email = f"ib@{slugify(focus.name)[:60]}.demo"
        people = (
            (PROJECT_LEADER_TDM, "Marieke", "van Dam", Role.PROJECT_LEADER, {"initiative": tdm}),
            (PROJECT_LEADER_LINA, "Samira", "Bouzid", Role.PROJECT_LEADER, {"initiative": lina}),
            (VOLUNTEER, "Sanne", "de Wit", Role.VOLUNTEER, {"initiative": tdm}),
            (referrer_email, "Esra", "Yildiz", Role.SCHOOL_REFERRER, {"school": focus}),
            (OFFICIAL_UTRECHT, "Jeroen", "Smit", Role.MUNICIPAL_OFFICIAL,
             {"municipality": utrecht}),
            (CLIENT_MANAGER_UTRECHT, "Karim", "Bakker", Role.CLIENT_MANAGER,
             {"municipality": utrecht}),
            (PRIVACY_OFFICER_TDM, "Noor", "Hendriks", Role.PRIVACY_OFFICER, {"initiative": tdm}),
            (ADMINISTRATOR, "Beheer", "Demo", None, {}),
        )  # fmt: skip
        users: dict[str, User] = {}
        # One hash for all demo logins: hashing is deliberately slow.
        password = make_password(DEMO_PASSWORD)
        for email, first, last, role, organisation in people:
            user = User(email=email, first_name=first, last_name=last, password=password)
            if role is None:
                user.is_staff = user.is_superuser = True
            user.save()
            if role is not None:
                Membership.objects.create(user=user, role=role, **organisation)
            users[email] = user
        users["referrer"] = users[referrer_email]
        return users

    def _write_volunteers(self, volunteers: list[VolunteerPlan], organisations, leaders) -> None:
        bulk(Volunteer, (v.volunteer for v in volunteers))
        rows = volunteer_rows(
            volunteers,
            organisations=organisations,
            leaders=leaders,
            clock=self.clock,
            rng=self.stream("volunteer-rows"),
        )
        bulk(VolunteerStatusChange, rows["changes"])
        bulk(VOG, rows["vogs"])
        bulk(Availability, rows["slots"])
        bulk(TrainingCompletion, rows["trainings"])
        bulk(Volunteer.neighbourhoods.through, rows["wijken"])
        self.counts[_("volunteers")] = len(volunteers)
        self.counts[_("VOGs")] = len(rows["vogs"])

    def _write_referrals(self, stories: list[Story]) -> None:
        pupils = {id(s.family.pupil): s.family for s in stories}
        bulk(Pupil, (f.pupil for f in pupils.values()))
        bulk(Guardian, (g for f in pupils.values() for g in f.guardians))
        bulk(PupilAvailability, pupil_availability(
            (f.pupil for f in pupils.values()), rng=self.stream("pupil-availability")
        ))  # fmt: skip
        clock = self.clock
        for story in stories:
            referral = story.referral
            referral.status = story.status
            # The nth change of a story happens at 10+n o'clock on its day.
            moments = [clock.at(change[2], 10 + n) for n, change in enumerate(story.changes)]
            for moment, change in zip(moments, story.changes, strict=True):
                to_status = change[1]
                if to_status == Referral.Status.SUBMITTED:
                    referral.submitted_at = moment
                elif to_status == Referral.Status.WAITING:
                    referral.waiting_since = moment  # the services keep it after the match
            if moments:
                referral.status_changed_at = moments[-1]
                referral.version = 1 + len(moments)
            if story.status in Referral.CLOSED_STATUSES:
                referral.outcome_reason = story.changes[-1][3]
        bulk(Referral, (s.referral for s in stories))
        bulk(
            ReferralStatusChange,
            (
                ReferralStatusChange(
                    referral=story.referral,
                    from_status=from_status,
                    to_status=to_status,
                    reason=reason,
                    changed_by=by,
                    changed_at=clock.at(day, 10 + number),
                    # history: the referrer heard at the time, nothing is left to send
                    referrer_notified_at=clock.at(day, 10 + number),
                )
                for story in stories
                for number, (from_status, to_status, day, reason, by) in enumerate(story.changes)
            ),
        )
        bulk(PriorityChange, (s.priority_change for s in stories if s.priority_change))
        bulk(TripartiteMeeting, (s.meeting for s in stories if s.meeting))
        bulk(ActionPlan, (s.plan for s in stories if s.plan))
        bulk(Goal, (g for s in stories for g in s.goals))
        self.counts[_("pupils")] = len(pupils)
        self.counts[_("referrals")] = len(stories)

    def _write_matches(self, matches: list[MatchPlan]) -> None:
        bulk(Match, (m.match for m in matches))
        bulk(MatchParticipant, (s.participant for m in matches for s in m.members))
        self.counts[_("matches")] = len(matches)
