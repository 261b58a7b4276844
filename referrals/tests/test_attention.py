"""The 'needs attention' rules, the weekly digest, its schedule and the page.

Time is frozen on Wednesday 11 March 2026; each rule is checked on the day
its threshold is reached and on the day before, with the same data.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.tests.factories import project_leader_of
from initiatives.models import Programme, Volunteer
from initiatives.tests.factories import (
    InitiativeFactory,
    ProgrammeFactory,
    VOGFactory,
    VolunteerFactory,
)
from referrals import tasks
from referrals.attention import (
    attention_summary,
    items_for_initiative,
    midpoint,
    needs_attention,
)
from referrals.matching.rules import add_years
from referrals.models import AttentionSignal, ContactMoment
from referrals.services import attention as digest
from referrals.services.attention import claim_signals, send_attention_digests
from referrals.services.match_changes import match_replace_volunteer
from referrals.tests.factories import (
    ContactMomentFactory,
    EvaluationFactory,
    MatchFactory,
    MatchParticipantFactory,
    ReferralFactory,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 3, 11, 10, 0, tzinfo=AMSTERDAM)
TODAY = NOW.date()
Rule = AttentionSignal.Rule
Kind = ContactMoment.Kind
Phase = ContactMoment.Phase


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def on(day: dt.date):
    """Travel to 10:00 on ``day``."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=AMSTERDAM), tick=False)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def found(initiative, rule, obj):
    """The item of ``rule`` about ``obj`` (a match or volunteer), or None."""
    prefix = "volunteer" if isinstance(obj, Volunteer) else "match"
    subject = f"{prefix}:{obj.pk}"
    matching = [
        item
        for item in items_for_initiative(initiative)
        if item.rule == rule and item.subject == subject
    ]
    assert len(matching) <= 1
    return matching[0] if matching else None


def match_in(side, *, start: dt.date, weeks: int | None = 40, pupils: int = 1, **kwargs):
    programme = kwargs.pop("programme", side.programme)
    match = MatchFactory(
        programme=programme,
        start_date=start,
        planned_end_date=start + dt.timedelta(weeks=weeks) if weeks else None,
        **kwargs,
    )
    for _ in range(pupils):
        MatchParticipantFactory(
            match=match, referral=ReferralFactory(programme=programme, matched=True)
        )
    return match


def held_session(match, day: dt.date, **kwargs):
    return ContactMomentFactory(match=match, kind=Kind.SESSION, date=day, **kwargs)


def teacher_contact(match, phase: str, day: dt.date, **kwargs):
    return ContactMomentFactory(
        match=match, kind=Kind.TEACHER, phase=phase, date=day, participants=["teacher"], **kwargs
    )


def vog_until(volunteer, valid_until: dt.date):
    """A VOG of ``volunteer`` that stops being valid on ``valid_until``."""
    years = volunteer.initiative.vog_max_age_years
    return VOGFactory(volunteer=volunteer, issued_on=add_years(valid_until, -years))


def nl(message) -> str:
    with translation.override("nl"):
        return gettext(message) if isinstance(message, str) else str(message)


# --- no held session for N weeks ------------------------------------------------------


def test_no_session_fires_when_the_last_held_session_is_the_initiatives_weeks_ago(world):
    match = match_in(world.a, start=TODAY - days(70))
    last = held_session(match, TODAY - days(21))
    # Sessions that did not take place do not count.
    held_session(match, TODAY - days(7), attendance=ContactMoment.Attendance.PUPIL_ABSENT)
    held_session(match, TODAY - days(3), attendance=ContactMoment.Attendance.VOLUNTEER_CANCELLED)

    item = found(world.a.initiative, Rule.NO_SESSION, match)
    with on(TODAY - days(1)):
        day_before = found(world.a.initiative, Rule.NO_SESSION, match)

    assert item is not None
    assert item.date == last.date
    assert item.anchor == last.date.isoformat()
    assert item.match == match
    assert day_before is None


def test_no_session_uses_the_number_of_weeks_the_initiative_sets(world):
    world.a.initiative.attention_no_session_weeks = 5
    world.a.initiative.save()
    match = match_in(world.a, start=TODAY - days(70))
    held_session(match, TODAY - days(35))

    with on(TODAY - days(1)):
        assert found(world.a.initiative, Rule.NO_SESSION, match) is None
    assert found(world.a.initiative, Rule.NO_SESSION, match) is not None


def test_no_session_counts_from_the_start_when_no_session_was_held(world):
    match = match_in(world.a, start=TODAY - days(21))

    item = found(world.a.initiative, Rule.NO_SESSION, match)
    with on(TODAY - days(1)):
        day_before = found(world.a.initiative, Rule.NO_SESSION, match)

    assert item.anchor == "start"
    assert item.date == match.start_date
    assert day_before is None


def test_a_recent_held_session_or_an_ended_match_needs_no_attention(world):
    recent = match_in(world.a, start=TODAY - days(70))
    held_session(recent, TODAY - days(20))
    ended = match_in(world.a, start=TODAY - days(70))
    ended.end_date, ended.end_reason = TODAY - days(1), "completed"
    ended.save()

    items = items_for_initiative(world.a.initiative)

    assert found(world.a.initiative, Rule.NO_SESSION, recent) is None
    assert not [item for item in items if item.match == ended]


# --- teacher contact at the start and at mid-term ----------------------------------------


def test_teacher_contact_at_start_is_missing_from_four_weeks_after_the_start(world):
    match = match_in(world.a, start=TODAY - days(28))
    held_session(match, TODAY - days(2))
    teacher_contact(match, Phase.MID, TODAY - days(1))  # the wrong phase does not count

    item = found(world.a.initiative, Rule.TEACHER_START, match)
    with on(TODAY - days(1)):
        day_before = found(world.a.initiative, Rule.TEACHER_START, match)

    assert item is not None
    assert item.anchor == "start"
    assert day_before is None


@pytest.mark.parametrize("on_pupil", [False, True], ids=["on the match", "on the pupil"])
def test_a_teacher_contact_at_start_silences_the_rule(world, on_pupil):
    match = match_in(world.a, start=TODAY - days(60))
    if on_pupil:
        ContactMomentFactory(
            match=None,
            pupil=match.participants.get().pupil,
            kind=Kind.TEACHER,
            phase=Phase.START,
            date=match.start_date + days(3),
        )
    else:
        teacher_contact(match, Phase.START, match.start_date + days(3))

    assert found(world.a.initiative, Rule.TEACHER_START, match) is None


def test_a_teacher_contact_that_did_not_take_place_does_not_count(world):
    match = match_in(world.a, start=TODAY - days(60))
    teacher_contact(
        match,
        Phase.START,
        match.start_date + days(3),
        attendance=ContactMoment.Attendance.VOLUNTEER_CANCELLED,
    )

    assert found(world.a.initiative, Rule.TEACHER_START, match) is not None


def test_teacher_contact_at_mid_term_is_missing_from_the_midpoint(world):
    match = match_in(world.a, start=TODAY - days(140), weeks=40)  # midpoint: today
    teacher_contact(match, Phase.START, match.start_date + days(7))

    item = found(world.a.initiative, Rule.TEACHER_MID, match)
    with on(TODAY - days(1)):
        day_before = found(world.a.initiative, Rule.TEACHER_MID, match)

    assert midpoint(match) == TODAY
    assert item is not None
    assert item.date == TODAY
    assert day_before is None
    assert found(world.a.initiative, Rule.TEACHER_START, match) is None


def test_a_teacher_contact_at_mid_term_silences_the_rule(world):
    match = match_in(world.a, start=TODAY - days(200), weeks=40)
    teacher_contact(match, Phase.MID, TODAY - days(30))

    assert found(world.a.initiative, Rule.TEACHER_MID, match) is None


def test_a_match_without_planned_end_has_no_mid_term_rules(world):
    match = match_in(world.a, start=TODAY - days(400), weeks=None)

    assert found(world.a.initiative, Rule.TEACHER_MID, match) is None
    assert found(world.a.initiative, Rule.MID_EVALUATION, match) is None
    assert found(world.a.initiative, Rule.TEACHER_START, match) is not None


def replace_volunteer(side, match, on_day: dt.date):
    newcomer = VolunteerFactory(initiative=side.initiative, active=True)
    VOGFactory(volunteer=newcomer)
    return match_replace_volunteer(
        user=side.project_leader, match=match, volunteer=newcomer, date=on_day
    )


def test_after_a_replaced_volunteer_the_earlier_teacher_contacts_still_count(world):
    first = match_in(world.a, start=TODAY - days(200), weeks=40)  # midpoint: 60 days ago
    teacher_contact(first, Phase.START, first.start_date + days(7))
    teacher_contact(first, Phase.MID, TODAY - days(58))

    second = replace_volunteer(world.a, first, TODAY - days(35))

    assert second.pk != first.pk
    assert found(world.a.initiative, Rule.TEACHER_START, second) is None
    assert found(world.a.initiative, Rule.TEACHER_MID, second) is None


def test_after_a_replaced_volunteer_the_rules_count_from_the_guidances_start(world):
    first = match_in(world.a, start=TODAY - days(200), weeks=40)
    guidance_midpoint = midpoint(first)

    second = replace_volunteer(world.a, first, TODAY - days(10))

    start = found(world.a.initiative, Rule.TEACHER_START, second)
    mid = found(world.a.initiative, Rule.TEACHER_MID, second)
    assert guidance_midpoint == TODAY - days(60)
    assert start is not None and start.date == first.start_date
    assert mid is not None and mid.date == guidance_midpoint


def test_an_adults_coaching_track_gets_no_teacher_contact_reminders(world):
    coaching = ProgrammeFactory(initiative=world.a.initiative, audience=Programme.Audience.ADULTS)
    adults = match_in(world.a, start=TODAY - days(200), weeks=40, programme=coaching)
    pupils = match_in(world.a, start=TODAY - days(200), weeks=40)

    assert found(world.a.initiative, Rule.TEACHER_START, adults) is None
    assert found(world.a.initiative, Rule.TEACHER_MID, adults) is None
    assert found(world.a.initiative, Rule.MID_EVALUATION, adults) is not None
    assert found(world.a.initiative, Rule.TEACHER_START, pupils) is not None
    assert found(world.a.initiative, Rule.TEACHER_MID, pupils) is not None


# --- mid-term evaluation ----------------------------------------------------------------


def test_mid_term_evaluation_is_due_from_two_weeks_before_the_midpoint(world):
    match = match_in(world.a, start=TODAY - days(126), weeks=40)  # midpoint in 14 days

    item = found(world.a.initiative, Rule.MID_EVALUATION, match)
    with on(TODAY - days(1)):
        day_before = found(world.a.initiative, Rule.MID_EVALUATION, match)

    assert midpoint(match) == TODAY + days(14)
    assert item is not None
    assert item.date == midpoint(match)
    assert item.anchor == "mid"
    assert day_before is None


def test_a_recorded_mid_term_evaluation_silences_the_rule(world):
    match = match_in(world.a, start=TODAY - days(200), weeks=40)
    EvaluationFactory(referral=match.participants.get().referral, moment="mid")

    assert found(world.a.initiative, Rule.MID_EVALUATION, match) is None


def test_only_an_end_evaluation_does_not_count_as_mid_term(world):
    match = match_in(world.a, start=TODAY - days(200), weeks=40)
    EvaluationFactory(referral=match.participants.get().referral, moment="end")

    assert found(world.a.initiative, Rule.MID_EVALUATION, match) is not None


def test_a_group_match_is_due_while_one_of_its_pupils_lacks_the_evaluation(world):
    programme = ProgrammeFactory(initiative=world.a.initiative, group=True)
    match = match_in(world.a, start=TODAY - days(200), pupils=3, programme=programme)
    first, second, third = match.participants.order_by("pk")
    EvaluationFactory(referral=first.referral, moment="mid")
    EvaluationFactory(referral=second.referral, moment="mid")
    third.left_on = TODAY - days(10)  # left the group: no longer counts
    third.save()

    assert found(world.a.initiative, Rule.MID_EVALUATION, match) is None

    fourth = MatchParticipantFactory(
        match=match, referral=ReferralFactory(programme=programme, matched=True)
    )
    assert found(world.a.initiative, Rule.MID_EVALUATION, match) is not None
    assert fourth.pupil.full_name in found(world.a.initiative, Rule.MID_EVALUATION, match).title


# --- VOG expiring -------------------------------------------------------------------------


def test_vog_expiring_fires_sixty_days_before_the_vog_stops_being_valid(world):
    volunteer = world.a.volunteer
    vog = vog_until(volunteer, TODAY + days(60))

    item = found(world.a.initiative, Rule.VOG_EXPIRING, volunteer)
    with on(TODAY - days(1)):
        day_before = found(world.a.initiative, Rule.VOG_EXPIRING, volunteer)

    assert item is not None
    assert item.date == TODAY + days(60)
    assert item.anchor == vog.issued_on.isoformat()
    assert item.volunteer == volunteer
    assert day_before is None


def test_an_expired_vog_of_an_active_or_paused_volunteer_is_listed(world):
    active = world.a.volunteer
    vog_until(active, TODAY - days(10))
    paused = VolunteerFactory(initiative=world.a.initiative, status=Volunteer.Status.PAUSED)
    vog_until(paused, TODAY + days(30))

    assert found(world.a.initiative, Rule.VOG_EXPIRING, active).date == TODAY - days(10)
    assert found(world.a.initiative, Rule.VOG_EXPIRING, paused) is not None


@pytest.mark.parametrize("status", ["stopped", "applicant", "screening"])
def test_a_volunteer_who_is_not_active_or_paused_is_not_listed(world, status):
    volunteer = VolunteerFactory(initiative=world.a.initiative, stopped=True)
    Volunteer.objects.filter(pk=volunteer.pk).update(status=status)
    vog_until(volunteer, TODAY + days(10))

    assert found(world.a.initiative, Rule.VOG_EXPIRING, volunteer) is None


def test_only_the_newest_vog_counts(world):
    volunteer = world.a.volunteer
    vog_until(volunteer, TODAY + days(10))
    VOGFactory(volunteer=volunteer, issued_on=TODAY - days(20))

    assert found(world.a.initiative, Rule.VOG_EXPIRING, volunteer) is None


def test_the_vog_age_is_the_initiatives(world):
    world.a.initiative.vog_max_age_years = 5
    world.a.initiative.save()
    volunteer = world.a.volunteer
    # Three years old in a month: fine for an initiative that accepts five.
    vog = VOGFactory(volunteer=volunteer, issued_on=add_years(TODAY + days(30), -3))
    valid_until = add_years(vog.issued_on, 5)

    assert found(world.a.initiative, Rule.VOG_EXPIRING, volunteer) is None
    with on(valid_until - days(61)):
        assert found(world.a.initiative, Rule.VOG_EXPIRING, volunteer) is None
    with on(valid_until - days(60)):
        assert found(world.a.initiative, Rule.VOG_EXPIRING, volunteer) is not None


# --- whose items -------------------------------------------------------------------------


def test_a_project_leader_sees_only_the_items_of_their_own_initiatives(world):
    vog_until(world.a.volunteer, TODAY + days(5))
    vog_until(world.b.volunteer, TODAY + days(5))

    items_a = needs_attention(user=world.a.project_leader)
    items_b = needs_attention(user=world.b.project_leader)

    assert items_a
    assert items_b
    assert {item.initiative for item in items_a} == {world.a.initiative}
    assert {item.initiative for item in items_b} == {world.b.initiative}
    assert world.a.volunteer not in [item.volunteer for item in items_b]
    assert world.a.match not in [item.match for item in items_b]


@pytest.mark.parametrize("who", ["outsider", "volunteer_user", "school_referrer"])
def test_someone_who_leads_nothing_gets_no_items(world, who):
    vog_until(world.a.volunteer, TODAY + days(5))
    user = world.outsider if who == "outsider" else getattr(world.a, who)

    assert needs_attention(user=user) == []
    assert attention_summary(user) is None


def test_needs_attention_takes_a_fixed_number_of_queries(world, django_assert_num_queries):
    leader = world.a.project_leader
    needs_attention(user=leader)  # the scope is cached on the user from here on
    with django_assert_num_queries(4):
        few = needs_attention(user=leader)
    for n in range(12):
        match = match_in(world.a, start=TODAY - days(130 + n), pupils=1)
        held_session(match, TODAY - days(30))
        vog_until(match.volunteer, TODAY + days(n))

    with django_assert_num_queries(4):
        many = needs_attention(user=leader)

    assert len(many) > len(few) + 30


# --- the weekly digest ------------------------------------------------------------------


def run_digest(capture, **kwargs) -> int:
    with capture(execute=True):
        return send_attention_digests(**kwargs)


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def test_the_digest_emails_each_project_leader_once_and_nothing_the_second_time(
    world, django_capture_on_commit_callbacks
):
    # The world's matches started 30 days ago without teacher contact.
    first = run_digest(django_capture_on_commit_callbacks)
    emails_after_first_run = len(mail.outbox)
    second = run_digest(django_capture_on_commit_callbacks)

    assert first == 2
    assert emails_after_first_run == 2
    assert len(sent_to(world.a.project_leader.email)) == 1
    assert len(sent_to(world.b.project_leader.email)) == 1
    assert second == 0
    assert len(mail.outbox) == 2
    assert not AttentionSignal.objects.filter(notified_at__isnull=True).exists()


def test_the_digest_never_reaches_a_former_project_leader(
    world, django_capture_on_commit_callbacks
):
    former = project_leader_of(world.a.initiative, email="oud@example.nl")
    former.memberships.update(ended_at=timezone.now() - dt.timedelta(days=30))

    run_digest(django_capture_on_commit_callbacks)

    assert sent_to(former.email) == []
    assert len(sent_to(world.a.project_leader.email)) == 1


def _no_session(side):
    return match_in(side, start=TODAY - days(70))


def _teacher_start(side):
    return match_in(side, start=TODAY - days(40))


def _teacher_mid(side):
    match = match_in(side, start=TODAY - days(200), weeks=40)
    teacher_contact(match, Phase.START, match.start_date + days(3))
    return match


def _mid_evaluation(side):
    return match_in(side, start=TODAY - days(130), weeks=40)


def _vog_expiring(side):
    volunteer = VolunteerFactory(initiative=side.initiative, active=True)
    vog_until(volunteer, TODAY + days(30))
    return volunteer


def _no_check_in(side):
    coaching = ProgrammeFactory(initiative=side.initiative, audience=Programme.Audience.ADULTS)
    return match_in(side, start=TODAY - days(70), programme=coaching)


@pytest.mark.parametrize(
    ("rule", "make"),
    [
        (Rule.NO_SESSION, _no_session),
        (Rule.TEACHER_START, _teacher_start),
        (Rule.TEACHER_MID, _teacher_mid),
        (Rule.MID_EVALUATION, _mid_evaluation),
        (Rule.VOG_EXPIRING, _vog_expiring),
        (Rule.NO_CHECK_IN, _no_check_in),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_each_rule_is_reported_once_however_often_the_digest_runs(
    world, django_capture_on_commit_callbacks, rule, make
):
    subject = make(world.a)
    assert found(world.a.initiative, rule, subject) is not None
    prefix = "volunteer" if isinstance(subject, Volunteer) else "match"
    signals = AttentionSignal.objects.filter(rule=rule, subject=f"{prefix}:{subject.pk}")

    run_digest(django_capture_on_commit_callbacks)
    [first] = sent_to(world.a.project_leader.email)
    second = run_digest(django_capture_on_commit_callbacks)
    third = run_digest(django_capture_on_commit_callbacks)

    assert nl(rule.label) in first.body
    assert signals.count() == 1
    assert signals.get().notified_at is not None
    assert (second, third) == (0, 0)
    assert len(sent_to(world.a.project_leader.email)) == 1
    # The page still lists it: once reported is not once shown.
    assert found(world.a.initiative, rule, subject) is not None


def test_the_digest_is_in_dutch_and_links_to_the_items_and_the_page(
    world, django_capture_on_commit_callbacks
):
    vog_until(world.a.volunteer, TODAY + days(20))
    run_digest(django_capture_on_commit_callbacks)

    [message] = sent_to(world.a.project_leader.email)
    html = message.alternatives[0][0] if message.alternatives else ""
    pupil, volunteer = world.a.pupil, world.a.volunteer

    assert world.a.initiative.name in message.subject
    assert nl(Rule.TEACHER_START.label) in message.body
    assert nl(Rule.VOG_EXPIRING.label) in message.body
    assert f"{pupil.first_name} {pupil.last_name[:1]}." in message.body
    assert pupil.full_name not in message.body  # only the initial goes by email
    assert f"{volunteer.first_name} {volunteer.last_name[:1]}." in message.body
    assert settings.SITE_URL + reverse("referrals:attention") in message.body
    assert "text/html" in message.alternatives[0][1]
    assert escape(nl(Rule.TEACHER_START.label)) in html
    assert world.b.pupil.full_name not in message.body
    assert world.b.initiative.name not in message.body


def test_the_digest_leaves_only_after_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_attention_digests()

    assert mail.outbox == []
    assert len(callbacks) == 2  # one per initiative
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 2


def test_the_digest_lists_only_what_was_not_reported_before(
    world, django_capture_on_commit_callbacks
):
    run_digest(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    vog_until(world.a.volunteer, TODAY + days(20))

    run_digest(django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.to == [world.a.project_leader.email]
    assert nl(Rule.VOG_EXPIRING.label) in message.body
    assert nl(Rule.TEACHER_START.label) not in message.body


def test_a_new_anchor_is_reported_again(world, django_capture_on_commit_callbacks):
    match = match_in(world.a, start=TODAY - days(100))
    held_session(match, TODAY - days(30))
    run_digest(django_capture_on_commit_callbacks)
    held_session(match, TODAY)  # the gap is closed ...
    mail.outbox.clear()

    run_digest(django_capture_on_commit_callbacks)
    assert mail.outbox == []

    with on(TODAY + days(21)):  # ... and a new gap opens
        run_digest(django_capture_on_commit_callbacks)

    signals = AttentionSignal.objects.filter(rule=Rule.NO_SESSION, match=match)
    assert sorted(signals.values_list("anchor", flat=True)) == [
        (TODAY - days(30)).isoformat(),
        TODAY.isoformat(),
    ]
    assert all(signal.notified_at for signal in signals)
    assert len(sent_to(world.a.project_leader.email)) == 1


def test_no_email_when_nothing_needs_attention(db, django_capture_on_commit_callbacks):
    initiative = InitiativeFactory()
    project_leader_of(initiative)
    programme = ProgrammeFactory(initiative=initiative)
    match = MatchFactory(programme=programme, start_date=TODAY - days(7))
    held_session(match, TODAY - days(1))

    assert run_digest(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    assert not AttentionSignal.objects.exists()


def test_every_active_project_leader_gets_their_own_message(
    world, django_capture_on_commit_callbacks
):
    colleague = project_leader_of(world.a.initiative)
    gone = project_leader_of(world.a.initiative)
    gone.is_active = False
    gone.save()

    run_digest(django_capture_on_commit_callbacks)

    assert len(sent_to(world.a.project_leader.email)) == 1
    assert len(sent_to(colleague.email)) == 1
    assert sent_to(gone.email) == []


def test_a_signal_is_claimed_once(world):
    signal = AttentionSignal.objects.create(
        initiative=world.a.initiative,
        rule=Rule.TEACHER_START,
        subject=f"match:{world.a.match.pk}",
        anchor="start",
        match=world.a.match,
    )

    assert claim_signals([signal.pk], now=NOW) == [signal.pk]
    assert claim_signals([signal.pk], now=NOW) == []


def test_two_workers_at_once_send_each_digest_once(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    # A second worker runs the whole job after the first has read the pending
    # signals and before it claims them: the first may then claim nothing.
    claim = digest.claim_signals
    interleaved = []

    def claim_after_another_worker(signal_ids, *, now):
        if not interleaved:
            interleaved.append("running")
            interleaved[0] = send_attention_digests()  # the other worker
        return claim(signal_ids, now=now)

    monkeypatch.setattr(digest, "claim_signals", claim_after_another_worker)

    first = run_digest(django_capture_on_commit_callbacks)

    assert interleaved == [2]
    assert first == 0
    assert len(sent_to(world.a.project_leader.email)) == 1
    assert len(sent_to(world.b.project_leader.email)) == 1


def test_a_digest_that_could_not_be_sent_is_sent_by_the_next_run(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", refuse)
        run_digest(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not AttentionSignal.objects.filter(notified_at__isnull=False).exists()

    run_digest(django_capture_on_commit_callbacks)

    assert len(sent_to(world.a.project_leader.email)) == 1


# --- the task and its schedule ----------------------------------------------------------


def test_the_weekly_beat_entry_runs_the_digest_task_on_monday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["attention-digests"]

    assert entry["task"] == tasks.send_attention_digests.name
    assert entry["task"] == "referrals.tasks.send_attention_digests"
    assert entry["schedule"] == crontab(minute=0, hour=7, day_of_week="mon")
    assert entry["schedule"].day_of_week == {1}
    assert entry["schedule"].hour == {7}
    assert settings.CELERY_TIMEZONE == "Europe/Amsterdam"
    assert "waitlist-reminders" in settings.CELERY_BEAT_SCHEDULE


def test_the_task_sends_the_digest(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.send_attention_digests.delay()

    assert result.get() == 2
    assert len(mail.outbox) == 2


# --- the page and the home panel --------------------------------------------------------


def page_text(response) -> str:
    return response.content.decode()


def test_the_page_lists_the_items_grouped_by_rule(world, client_for):
    vog_until(world.a.volunteer, TODAY + days(20))
    quiet = match_in(world.a, start=TODAY - days(140))
    held_session(quiet, TODAY - days(30))

    response = client_for(world.a.project_leader).get(reverse("referrals:attention"))
    content = page_text(response)

    assert response.status_code == 200
    assert escape(nl("Needs attention")) in content
    headings = [nl(Rule.NO_SESSION.label), nl(Rule.TEACHER_START.label)]
    headings.append(nl(Rule.VOG_EXPIRING.label))
    positions = [content.index(f">{escape(heading)} (") for heading in headings]
    assert positions == sorted(positions)
    assert f'data-attention="teacher_start match:{world.a.match.pk}"' in content
    assert f'data-attention="no_session match:{quiet.pk}"' in content
    assert f'data-attention="vog_expiring volunteer:{world.a.volunteer.pk}"' in content
    assert world.a.pupil.full_name in content


def test_the_page_says_when_nothing_needs_attention(db, client_for):
    leader = project_leader_of(InitiativeFactory())

    response = client_for(leader).get(reverse("referrals:attention"))

    assert response.status_code == 200
    assert escape(nl("Nothing needs your attention right now.")) in page_text(response)


def test_the_other_initiatives_project_leader_sees_none_of_its_items(world, client_for):
    vog_until(world.a.volunteer, TODAY + days(20))

    response = client_for(world.b.project_leader).get(reverse("referrals:attention"))
    content = page_text(response)

    assert response.status_code == 200
    assert f"match:{world.b.match.pk}" in content
    assert f"match:{world.a.match.pk}" not in content
    assert f"volunteer:{world.a.volunteer.pk}" not in content
    assert world.a.pupil.full_name not in content
    assert world.a.volunteer.full_name not in content


@pytest.mark.parametrize(
    "who", ["outsider", "volunteer_user", "school_referrer", "municipal_official"]
)
def test_only_project_leaders_may_open_the_page(world, client_for, who):
    user = world.outsider if who == "outsider" else getattr(world.a, who)

    response = client_for(user).get(reverse("referrals:attention"))

    assert response.status_code == 403
    assert world.a.pupil.full_name not in page_text(response)


def test_signed_out_visitors_are_sent_to_the_login_page(world, client):
    response = client.get(reverse("referrals:attention"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_page_query_count_does_not_grow_with_rows(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.a.project_leader)
    url = reverse("referrals:attention")

    def count() -> int:
        with django_assert_max_num_queries(30) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries)

    few = count()
    for n in range(15):
        match = match_in(world.a, start=TODAY - days(130 + n), pupils=2 if n % 3 else 1)
        vog_until(match.volunteer, TODAY + days(n))
    many = count()

    assert many == few
    assert page_text(client.get(url)).count("data-attention=") > 45


def test_the_panel_counts_per_rule_and_links_to_the_page(world):
    vog_until(world.a.volunteer, TODAY + days(20))
    other = VolunteerFactory(initiative=world.a.initiative, active=True)
    vog_until(other, TODAY - days(1))

    summary = attention_summary(world.a.project_leader)
    with translation.override("nl"):
        html = render_to_string("referrals/attention/_panel.html", {"summary": summary})

    counts = {row.rule: row.count for row in summary.counts}
    assert counts == {Rule.TEACHER_START: 1, Rule.VOG_EXPIRING: 2}
    assert summary.total == 3
    assert summary.url == reverse("referrals:attention")
    assert f'href="{summary.url}"' in html
    assert f"{escape(nl(Rule.VOG_EXPIRING.label))}: 2" in html


def test_the_superuser_sees_every_initiative(world):
    items = needs_attention(user=world.superuser)

    assert {item.initiative for item in items} == {world.a.initiative, world.b.initiative}


def test_an_inactive_project_leader_sees_nothing(world):
    leader = world.a.project_leader
    leader.is_active = False
    leader.save()

    assert needs_attention(user=leader) == []
