"""The 'needs attention' list of a project leader (reads only).

Each rule uses the values its initiative sets (``Initiative``). A match
counts when it is active (no end date) and has started (start date today or
earlier); its pupils are its current participants (not left).

``no_session``
    No held tutoring session (``ContactMoment`` of kind session, attendance
    held) for ``Initiative.attention_no_session_weeks`` weeks (default 3):
    the last held session, or the start date when there was none, lies that
    many weeks ago or longer, and the match started at least that long ago.
    Anchor: the date of the last held session, or ``start``; a session held
    later and then a new gap is a new occasion.
``teacher_start``
    Started four weeks ago or longer and no contact with the teacher or
    mentor (kind teacher, phase start, held) for the match. Anchor ``start``.
    Not for programmes for adults: they have no teacher or mentor.
``teacher_mid``
    On or past the midpoint between start date and planned end, and no
    teacher contact with phase mid. Anchor ``mid``. Not for adults either.
``mid_evaluation``
    From two weeks before the midpoint on (time to plan the evaluation with
    parents and school), while a current participant's referral has no
    ``Evaluation`` with moment mid. Anchor ``mid``.
``no_check_in``
    A match of a programme for adults (language coaching) without a
    ``CoachCheckIn`` for ``settings.ATTENTION_NO_CHECK_IN_WEEKS`` weeks: the
    last check-in, or the start date when there was none, lies that many
    weeks ago or longer. Anchor: the date of the last check-in, or ``start``.
``vog_expiring``
    An active or paused volunteer whose newest VOG stops being valid
    (issue date + ``Initiative.vog_max_age_years``, the rule matching uses)
    within 60 days, or has already stopped being valid. Anchor: the VOG's
    issue date, so a new VOG that in turn expires is reported again. A
    volunteer without any VOG is not listed here: matching refuses them.

A match belongs to a guidance: the matches that share its current pupils'
referrals, so a match that replaced a volunteer continues the one it
replaced. A teacher contact counts when recorded on any match of the
guidance, or on one of its pupils without a match, dated on or after the
guidance's start. The start and mid-term rules count from the guidance's
start, so replacing a volunteer neither repeats nor moves them. Matches
without a planned end have no midpoint: the two mid-term rules skip them.

``needs_attention`` reads a fixed number of queries, however many matches
and volunteers there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Prefetch, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.scope import scope_for
from initiatives.models import Initiative, Programme, Volunteer

from .matching.rules import add_years
from .models import (
    AttentionSignal,
    CoachCheckIn,
    ContactMoment,
    Evaluation,
    Match,
    MatchParticipant,
)

Rule = AttentionSignal.Rule
Kind = ContactMoment.Kind
Phase = ContactMoment.Phase
Held = ContactMoment.Attendance.HELD

TEACHER_START_AFTER = dt.timedelta(weeks=4)
MID_EVALUATION_LEAD = dt.timedelta(weeks=2)
VOG_WARNING = dt.timedelta(days=60)

# The order of the rules on the page, in the digest and in the summary.
RULE_ORDER: tuple[str, ...] = tuple(Rule.values)

# What the date of an item means, per rule (column heading on the page).
DATE_HEADINGS: dict[str, Promise] = {
    Rule.NO_SESSION: gettext_lazy("Last held session or start"),
    Rule.TEACHER_START: gettext_lazy("Start date"),
    Rule.TEACHER_MID: gettext_lazy("Midpoint"),
    Rule.MID_EVALUATION: gettext_lazy("Midpoint"),
    Rule.VOG_EXPIRING: gettext_lazy("VOG valid until"),
    Rule.NO_CHECK_IN: gettext_lazy("Last check-in or start"),
}


@dataclass(frozen=True)
class AttentionItem:
    """One thing a project leader should look at.

    ``date`` is the date the rule starts from: the last held session (or the
    start), the start date, the midpoint, or the end of the VOG's validity.
    ``title`` names the match or volunteer in full (for the page),
    ``short_title`` with last initials only (for email). ``url`` is the
    path of the match or volunteer page, or "" while that page does not exist.
    """

    rule: str
    label: str | Promise
    explanation: str
    initiative: Initiative
    date: dt.date
    anchor: str
    title: str
    short_title: str
    url: str
    match: Match | None = None
    volunteer: Volunteer | None = None

    @property
    def subject(self) -> str:
        if self.match is not None:
            return f"match:{self.match.pk}"
        return f"volunteer:{self.volunteer.pk}"

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes this occasion unique (as in ``AttentionSignal``)."""
        return (self.rule, self.subject, self.anchor)


@dataclass(frozen=True)
class AttentionGroup:
    rule: str
    label: str | Promise
    date_heading: str | Promise
    items: tuple[AttentionItem, ...]


@dataclass(frozen=True)
class RuleCount:
    rule: str
    label: str | Promise
    count: int


@dataclass(frozen=True)
class AttentionSummary:
    """For the panel on the project leader's home page."""

    counts: tuple[RuleCount, ...]  # rules with at least one item, in rule order
    total: int
    url: str


# --- public reads -------------------------------------------------------------


def needs_attention(*, user, today: dt.date | None = None) -> list[AttentionItem]:
    """Everything that needs attention in the initiatives the user leads."""
    return items_for_initiatives(_led_initiatives(user), today=today)


def items_for_initiative(initiative: Initiative, *, today: dt.date | None = None):
    """The items of one initiative (the weekly digest's view of it)."""
    return items_for_initiatives([initiative], today=today)


def group_by_rule(items: Iterable[AttentionItem]) -> list[AttentionGroup]:
    """Items per rule, in rule order, leaving out rules without items."""
    by_rule: dict[str, list[AttentionItem]] = {rule: [] for rule in RULE_ORDER}
    for item in items:
        by_rule[item.rule].append(item)
    return [
        AttentionGroup(
            rule=rule,
            label=Rule(rule).label,
            date_heading=DATE_HEADINGS[rule],
            items=tuple(rule_items),
        )
        for rule, rule_items in by_rule.items()
        if rule_items
    ]


def attention_summary(user, *, today: dt.date | None = None) -> AttentionSummary | None:
    """Counts per rule and the link to the list; None for someone who leads nothing."""
    scope = scope_for(user)
    if not (scope.is_superuser or scope.led_initiative_ids):
        return None
    groups = group_by_rule(needs_attention(user=user, today=today))
    counts = tuple(RuleCount(g.rule, g.label, len(g.items)) for g in groups)
    return AttentionSummary(
        counts=counts,
        total=sum(c.count for c in counts),
        url=_path("referrals:attention"),
    )


def items_for_initiatives(
    initiatives: Iterable[Initiative], *, today: dt.date | None = None
) -> list[AttentionItem]:
    """The items of these initiatives, in rule order, oldest date first.

    Four queries, whatever the number of initiatives, matches and volunteers.
    """
    today = today or timezone.localdate()
    by_id = {initiative.pk: initiative for initiative in initiatives}
    if not by_id:
        return []
    items = _match_items(by_id, today) + _vog_items(by_id, today)
    rank = {rule: i for i, rule in enumerate(RULE_ORDER)}
    items.sort(key=lambda item: (rank[item.rule], item.date, item.title, item.subject))
    return items


# --- the rules ------------------------------------------------------------------


def _led_initiatives(user) -> list[Initiative]:
    scope = scope_for(user)
    initiatives = Initiative.objects.order_by("name")
    if not scope.is_superuser:
        if not scope.led_initiative_ids:
            return []
        initiatives = initiatives.filter(pk__in=scope.led_initiative_ids)
    return list(initiatives)


def _same_guidance(prefix: str = "") -> dict:
    """Filter on matches that share a current pupil's referral with the outer match.

    A replaced volunteer ends one match and starts another with the same
    referrals: both belong to the same guidance, and so do their contacts.
    """
    return {
        f"{prefix}participants__referral__match_participations__match_id": OuterRef("pk"),
        f"{prefix}participants__referral__match_participations__left_on__isnull": True,
    }


def _guidance_start():
    """The start of the earliest match of the outer match's guidance."""
    return Subquery(
        Match.objects.filter(**_same_guidance()).order_by("start_date").values("start_date")[:1]
    )


def _teacher_contact(phase: str):
    """Whether the outer match's guidance has a held teacher contact of this phase."""
    contacts = ContactMoment.objects.filter(kind=Kind.TEACHER, phase=phase, attendance=Held)
    on_match = Exists(contacts.filter(**_same_guidance("match__")))
    on_pupil = Exists(
        contacts.filter(
            match__isnull=True,
            date__gte=OuterRef("guidance_start"),
            pupil__match_participations__match_id=OuterRef("pk"),
            pupil__match_participations__left_on__isnull=True,
        )
    )
    return on_match, on_pupil


def _active_matches(initiative_ids, today: dt.date) -> list[Match]:
    last_held = Subquery(
        ContactMoment.objects.filter(
            match_id=OuterRef("pk"), kind=Kind.SESSION, attendance=Held, date__lte=today
        )
        .order_by("-date")
        .values("date")[:1]
    )
    start_on_match, start_on_pupil = _teacher_contact(Phase.START)
    mid_on_match, mid_on_pupil = _teacher_contact(Phase.MID)
    participants = (
        MatchParticipant.objects.filter(left_on__isnull=True)
        .select_related("pupil")
        .annotate(
            has_mid_evaluation=Exists(
                Evaluation.objects.filter(
                    referral_id=OuterRef("referral_id"), moment=Evaluation.Moment.MID
                )
            )
        )
        .order_by("pupil__first_name", "pupil__last_name", "pk")
    )
    return list(
        Match.objects.active()
        .filter(programme__initiative_id__in=initiative_ids, start_date__lte=today)
        .select_related("programme", "volunteer")
        .annotate(guidance_start=_guidance_start())
        .annotate(
            last_held=last_held,
            last_check_in=Subquery(
                CoachCheckIn.objects.filter(match_id=OuterRef("pk"), held_on__lte=today)
                .order_by("-held_on")
                .values("held_on")[:1]
            ),
            teacher_start_on_match=start_on_match,
            teacher_start_on_pupil=start_on_pupil,
            teacher_mid_on_match=mid_on_match,
            teacher_mid_on_pupil=mid_on_pupil,
        )
        .prefetch_related(
            Prefetch("participants", queryset=participants, to_attr="current_participants")
        )
        .order_by("pk")
    )


def guidance_start(match: Match) -> dt.date:
    """When the guidance began: the first match of its referrals, before any replacement."""
    started = getattr(match, "guidance_start", None)
    return min(started, match.start_date) if started else match.start_date


def midpoint(match: Match) -> dt.date | None:
    """Halfway between the guidance's start and the planned end (rounded down).

    None without a planned end. After a replaced volunteer the midpoint stays
    where it was: the new match keeps the planned end and the guidance its start.
    """
    if match.planned_end_date is None:
        return None
    start = guidance_start(match)
    half = (match.planned_end_date - start).days // 2
    return start + dt.timedelta(days=half)


def _match_items(initiatives: dict[int, Initiative], today: dt.date) -> list[AttentionItem]:
    items: list[AttentionItem] = []
    for match in _active_matches(list(initiatives), today):
        initiative = initiatives[match.programme.initiative_id]

        def item(rule, *, date, anchor, explanation, match=match, initiative=initiative):
            return AttentionItem(
                rule=rule,
                label=Rule(rule).label,
                explanation=explanation,
                initiative=initiative,
                date=date,
                anchor=anchor,
                title=_match_title(match, short=False),
                short_title=_match_title(match, short=True),
                url=_path("referrals:match_detail", match.pk),
                match=match,
            )

        weeks = initiative.attention_no_session_weeks
        gap = dt.timedelta(weeks=weeks)
        since = match.last_held or match.start_date
        if today - since >= gap and today - match.start_date >= gap:
            if match.last_held:
                text = ngettext(
                    "No session held since %(date)s: %(weeks)s week or more.",
                    "No session held since %(date)s: %(weeks)s weeks or more.",
                    weeks,
                )
            else:
                text = ngettext(
                    "No session held since the start on %(date)s: %(weeks)s week or more.",
                    "No session held since the start on %(date)s: %(weeks)s weeks or more.",
                    weeks,
                )
            items.append(
                item(
                    Rule.NO_SESSION,
                    date=since,
                    anchor=match.last_held.isoformat() if match.last_held else "start",
                    explanation=text % {"date": _day(since), "weeks": weeks},
                )
            )

        if match.programme.audience == Programme.Audience.ADULTS:
            check_in_weeks = settings.ATTENTION_NO_CHECK_IN_WEEKS
            check_in_since = match.last_check_in or match.start_date
            if today - check_in_since >= dt.timedelta(weeks=check_in_weeks):
                items.append(
                    item(
                        Rule.NO_CHECK_IN,
                        date=check_in_since,
                        anchor=match.last_check_in.isoformat() if match.last_check_in else "start",
                        explanation=ngettext(
                            "No check-in with the coach since %(date)s: %(weeks)s week or more.",
                            "No check-in with the coach since %(date)s: %(weeks)s weeks or more.",
                            check_in_weeks,
                        )
                        % {"date": _day(check_in_since), "weeks": check_in_weeks},
                    )
                )

        # Adults (language coaching) have no teacher or mentor to keep in touch with.
        for_pupils = match.programme.audience != Programme.Audience.ADULTS
        started = guidance_start(match)
        if (
            for_pupils
            and today - started >= TEACHER_START_AFTER
            and not (match.teacher_start_on_match or match.teacher_start_on_pupil)
        ):
            items.append(
                item(
                    Rule.TEACHER_START,
                    date=started,
                    anchor="start",
                    explanation=_(
                        "Started on %(date)s; no contact with the teacher or mentor "
                        "at the start has been recorded."
                    )
                    % {"date": _day(started)},
                )
            )

        mid = midpoint(match)
        if mid is None:
            continue
        if (
            for_pupils
            and today >= mid
            and not (match.teacher_mid_on_match or match.teacher_mid_on_pupil)
        ):
            items.append(
                item(
                    Rule.TEACHER_MID,
                    date=mid,
                    anchor="mid",
                    explanation=_(
                        "Halfway on %(date)s; no contact with the teacher or mentor "
                        "at mid-term has been recorded."
                    )
                    % {"date": _day(mid)},
                )
            )

        missing = [p for p in match.current_participants if not p.has_mid_evaluation]
        if today >= mid - MID_EVALUATION_LEAD and missing:
            if len(match.current_participants) == 1:
                text = _("Halfway on %(date)s; the mid-term evaluation has not been recorded.")
            else:
                text = ngettext(
                    "Halfway on %(date)s; the mid-term evaluation of %(count)s pupil "
                    "has not been recorded.",
                    "Halfway on %(date)s; the mid-term evaluation of %(count)s pupils "
                    "has not been recorded.",
                    len(missing),
                )
            items.append(
                item(
                    Rule.MID_EVALUATION,
                    date=mid,
                    anchor="mid",
                    explanation=text % {"date": _day(mid), "count": len(missing)},
                )
            )
    return items


def _vog_items(initiatives: dict[int, Initiative], today: dt.date) -> list[AttentionItem]:
    volunteers = (
        Volunteer.objects.filter(
            initiative_id__in=list(initiatives),
            status__in=[Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED],
        )
        .annotate(newest_vog=Max("vogs__issued_on"))
        .filter(newest_vog__isnull=False)
        .order_by("pk")
    )
    items = []
    for volunteer in volunteers:
        initiative = initiatives[volunteer.initiative_id]
        valid_until = add_years(volunteer.newest_vog, initiative.vog_max_age_years)
        if valid_until - today > VOG_WARNING:
            continue
        if valid_until <= today:
            text = _("The VOG issued on %(issued)s is no longer valid since %(until)s.")
        else:
            text = _("The VOG issued on %(issued)s is valid until %(until)s.")
        items.append(
            AttentionItem(
                rule=Rule.VOG_EXPIRING,
                label=Rule.VOG_EXPIRING.label,
                explanation=text
                % {"issued": _day(volunteer.newest_vog), "until": _day(valid_until)},
                initiative=initiative,
                date=valid_until,
                anchor=volunteer.newest_vog.isoformat(),
                title=volunteer.full_name,
                short_title=short_name(volunteer),
                url=_path("initiatives:volunteer_detail", volunteer.pk),
                volunteer=volunteer,
            )
        )
    return items


# --- helpers ---------------------------------------------------------------------


def _day(day: dt.date) -> str:
    return formats.date_format(day, "j F Y")


def short_name(person) -> str:
    """First name and last initial: enough for an email, less personal data."""
    initial = f" {person.last_name[:1]}." if person.last_name else ""
    return f"{person.first_name}{initial}"


def _match_title(match: Match, *, short: bool) -> str:
    name = short_name if short else (lambda person: person.full_name)
    pupils = ", ".join(name(p.pupil) for p in match.current_participants)
    context = {
        "pupils": pupils,
        "volunteer": name(match.volunteer),
        "programme": match.programme.name,
    }
    if not pupils:
        return _("Group of %(volunteer)s (%(programme)s)") % context
    return _("%(pupils)s with %(volunteer)s (%(programme)s)") % context


def _path(url_name: str, *args) -> str:
    """The page's path, or "" while the page does not exist yet."""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""
