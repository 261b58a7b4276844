"""The referral journey's services: life cycle, intake, waitlist, emails, reminders."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone

from accounts.models import Membership, Role
from accounts.tests.factories import project_leader_of, school_referrer_of
from config import urls as config_urls
from referrals import selectors, services
from referrals.models import (
    ActionPlan,
    PriorityChange,
    Referral,
    ReferralStatusChange,
    TripartiteMeeting,
)
from referrals.services import (
    ConcurrentChangeError,
    InvalidTransitionError,
)
from referrals.services.intake import GoalData
from referrals.services.lifecycle import TRANSITIONS, GuardianData, PupilData
from referrals.tests.factories import (
    GoalFactory,
    PupilFactory,
    ReferralFactory,
    TripartiteMeetingFactory,
    days_ago,
    moment_ago,
)

S = Referral.Status

# The email links to the referral pages; until config/urls.py includes
# referrals.urls these tests use this module as the URLconf.
urlpatterns = [path("", include("referrals.urls")), *config_urls.urlpatterns]


@pytest.fixture(autouse=True)
def _referral_urls(settings):
    try:
        reverse("referrals:inbox")
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


def school_referral(side, status=S.SUBMITTED, **kwargs) -> Referral:
    """A referral from ``side``'s school, submitted by its school referrer."""
    pupil = PupilFactory(initiative=side.initiative, school=side.school)
    fields = {"status": status, "referred_by": side.school_referrer}
    if status in (S.DECLINED, S.WITHDRAWN, S.STOPPED_EARLY):
        fields["outcome_reason"] = "Eerder gesloten."
    if status in (S.WAITING, S.MATCHED):
        fields["waiting_since"] = moment_ago(5)
    if status == S.DRAFT:
        fields.update(
            consent_given_by="",
            consent_date=None,
            consent_method="",
            submitted_at=None,
            status_changed_at=None,
        )
    fields.update(kwargs)
    return ReferralFactory(pupil=pupil, programme=side.programme, **fields)


def with_action_plan(referral: Referral, **meeting_fields) -> Referral:
    meeting = TripartiteMeetingFactory(referral=referral, **meeting_fields)
    plan = ActionPlan.objects.create(referral=referral, meeting=meeting)
    GoalFactory(plan=plan)
    return referral


GOAL = GoalData(
    description="Maakt de stof voor de rekentoets af in zes weken.",
    responsible="Leerling en vrijwilliger",
    review_date=days_ago(-42),
)

# --- status transitions -----------------------------------------------------

INVALID_TRANSITIONS = [
    (from_status, to_status)
    for from_status, to_status in itertools.product(S.values, S.values)
    if to_status not in TRANSITIONS.get(from_status, frozenset())
]


@pytest.mark.parametrize(("from_status", "to_status"), INVALID_TRANSITIONS)
def test_every_transition_outside_the_table_is_refused(world, from_status, to_status):
    referral = school_referral(world.a, status=from_status)

    with pytest.raises(InvalidTransitionError):
        services.referral_transition(
            referral=referral,
            to_status=to_status,
            user=world.a.project_leader,
            reason="Een reden.",
        )

    referral.refresh_from_db()
    assert referral.status == from_status
    assert referral.version == 1
    assert not ReferralStatusChange.objects.filter(referral=referral).exists()


def test_accepting_records_who_when_and_bumps_the_version(world):
    referral = school_referral(world.a)

    services.referral_accept(referral=referral, user=world.a.project_leader, expected_version=1)

    referral.refresh_from_db()
    assert referral.status == S.INTAKE
    assert referral.version == 2
    change = ReferralStatusChange.objects.get(referral=referral)
    assert (change.from_status, change.to_status) == (S.SUBMITTED, S.INTAKE)
    assert change.changed_by == world.a.project_leader


@pytest.mark.parametrize("reason", ["", "   "])
def test_declining_without_a_reason_is_refused(world, reason):
    referral = school_referral(world.a)

    with pytest.raises(ValidationError) as excinfo:
        services.referral_decline(referral=referral, user=world.a.project_leader, reason=reason)

    assert "reason" in excinfo.value.message_dict
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED


def test_declining_stores_the_reason_for_the_referrer(world):
    referral = school_referral(world.a)

    services.referral_decline(
        referral=referral, user=world.a.project_leader, reason="  Buiten de doelgroep.  "
    )

    referral.refresh_from_db()
    assert referral.outcome_reason == "Buiten de doelgroep."
    assert referral.status_changes.get().reason == "Buiten de doelgroep."


def test_a_school_referrer_may_not_accept(world):
    referral = school_referral(world.a)

    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, user=world.a.school_referrer)


def test_a_leader_of_another_initiative_may_not_accept(world):
    referral = school_referral(world.a)

    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, user=world.b.project_leader)
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED


def test_two_people_acting_on_the_same_version_first_wins(world):
    referral = school_referral(world.a)
    other_leader = project_leader_of(world.a.initiative)
    first_copy = Referral.objects.get(pk=referral.pk)
    second_copy = Referral.objects.get(pk=referral.pk)

    services.referral_accept(referral=first_copy, user=world.a.project_leader, expected_version=1)
    with pytest.raises(ConcurrentChangeError):
        services.referral_decline(
            referral=second_copy, user=other_leader, reason="Geen plek.", expected_version=1
        )

    referral.refresh_from_db()
    assert referral.status == S.INTAKE
    assert referral.status_changes.count() == 1


def test_a_stale_version_is_reported_as_a_concurrent_change_not_an_invalid_one(world):
    referral = school_referral(world.a)
    services.referral_accept(referral=referral, user=world.a.project_leader, expected_version=1)
    fresh = Referral.objects.get(pk=referral.pk)

    # The second person saw "submitted" and also pressed accept.
    with pytest.raises(ConcurrentChangeError):
        services.referral_accept(referral=fresh, user=world.a.project_leader, expected_version=1)
    assert fresh.status_changes.count() == 1


def _save_draft(side, draft: Referral, *, support_what: str, **kwargs) -> Referral:
    pupil = draft.pupil
    return services.referral_save_draft(
        user=side.school_referrer,
        school=side.school,
        programme=side.programme,
        pupil=PupilData(
            first_name=pupil.first_name,
            last_name=pupil.last_name,
            date_of_birth=pupil.date_of_birth,
            grade=pupil.grade,
        ),
        guardians=[GuardianData(name="Fatima Bakker")],
        support_what=support_what,
        referral=draft,
        **kwargs,
    )


def test_saving_a_draft_bumps_the_version_and_a_stale_save_is_refused(world):
    draft = school_referral(world.a, status=S.DRAFT)
    first_copy = Referral.objects.get(pk=draft.pk)
    second_copy = Referral.objects.get(pk=draft.pk)

    saved = _save_draft(world.a, first_copy, support_what="Versie A", expected_version=1)
    assert saved.version == 2
    with pytest.raises(ConcurrentChangeError):
        _save_draft(world.a, second_copy, support_what="Versie B", expected_version=1)
    # Without a version the copy's own (stale) one is claimed: refused as well.
    with pytest.raises(ConcurrentChangeError):
        _save_draft(
            world.a, Referral.objects.get(pk=draft.pk), support_what="B", expected_version=1
        )
    with pytest.raises(ConcurrentChangeError):
        _save_draft(world.a, second_copy, support_what="Versie B")

    draft.refresh_from_db()
    assert (draft.support_what, draft.version) == ("Versie A", 2)


def test_a_submit_from_before_a_draft_save_is_refused(world):
    consent = {
        "consent_given_by": "Fatima Bakker",
        "consent_date": days_ago(1),
        "consent_method": Referral.ConsentMethod.VERBAL,
    }
    draft = school_referral(world.a, status=S.DRAFT, **consent)
    _save_draft(
        world.a,
        Referral.objects.get(pk=draft.pk),
        support_what="Nieuw",
        expected_version=1,
        **consent,
    )

    with pytest.raises(ConcurrentChangeError):
        services.referral_submit(
            referral=Referral.objects.get(pk=draft.pk),
            user=world.a.school_referrer,
            expected_version=1,
        )
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


# --- intake: driehoeksgesprek and action plan --------------------------------


def test_a_meeting_is_planned_only_during_intake(world):
    referral = school_referral(world.a, status=S.SUBMITTED)

    with pytest.raises(ValidationError):
        services.tripartite_meeting_plan(
            referral=referral,
            user=world.a.project_leader,
            planned_at=timezone.now() + dt.timedelta(days=3),
            attendees=["parent", "teacher"],
        )
    assert not TripartiteMeeting.objects.filter(referral=referral).exists()


def test_planning_a_meeting_with_a_stale_version_is_refused(world):
    referral = school_referral(world.a, status=S.INTAKE, version=3)

    with pytest.raises(ConcurrentChangeError):
        services.tripartite_meeting_plan(
            referral=referral,
            user=world.a.project_leader,
            planned_at=timezone.now() + dt.timedelta(days=3),
            attendees=["parent"],
            expected_version=2,
        )
    assert not TripartiteMeeting.objects.filter(referral=referral).exists()


def test_recording_the_outcome_needs_at_least_one_goal(world):
    referral = school_referral(world.a, status=S.INTAKE)
    meeting = TripartiteMeetingFactory(referral=referral, held_on=None)

    with pytest.raises(ValidationError) as excinfo:
        services.tripartite_meeting_record_outcome(
            meeting=meeting,
            user=world.a.project_leader,
            held_on=days_ago(1),
            attendees=["parent", "teacher"],
            agreements="Wekelijks lezen.",
            goals=[GoalData(description=" ", responsible="", review_date=days_ago(-7))],
        )
    assert "goals" in excinfo.value.message_dict
    assert not ActionPlan.objects.filter(referral=referral).exists()


def test_recording_the_outcome_writes_the_action_plan(world):
    referral = school_referral(world.a, status=S.INTAKE)
    meeting = TripartiteMeetingFactory(referral=referral, held_on=None)

    plan = services.tripartite_meeting_record_outcome(
        meeting=meeting,
        user=world.a.project_leader,
        held_on=days_ago(1),
        attendees=["parent", "teacher", "initiative"],
        agreements="Wekelijks lezen.",
        parent_conditions="Op tijd aanwezig.",
        conditions_accepted=True,
        goals=[GOAL],
        expected_version=referral.version,
    )

    meeting.refresh_from_db()
    assert meeting.held_on == days_ago(1)
    assert plan.meeting == meeting
    assert [g.description for g in plan.goals.all()] == [GOAL.description]


def test_waitlist_before_an_action_plan_is_refused(world):
    referral = school_referral(world.a, status=S.INTAKE)

    with pytest.raises(ValidationError) as excinfo:
        services.referral_place_on_waitlist(referral=referral, user=world.a.project_leader)

    assert excinfo.value.code == "action_plan_required"
    referral.refresh_from_db()
    assert referral.status == S.INTAKE


def test_waitlist_refused_while_parents_have_not_accepted_the_conditions(world):
    referral = with_action_plan(
        school_referral(world.a, status=S.INTAKE), conditions_accepted=False
    )

    with pytest.raises(ValidationError) as excinfo:
        services.referral_place_on_waitlist(referral=referral, user=world.a.project_leader)

    assert excinfo.value.code == "conditions_not_accepted"


def test_waitlist_after_the_action_plan_sets_waiting_since(world):
    referral = with_action_plan(school_referral(world.a, status=S.INTAKE))

    services.referral_place_on_waitlist(referral=referral, user=world.a.project_leader)

    referral.refresh_from_db()
    assert referral.status == S.WAITING
    assert referral.waiting_since is not None


# --- priority ----------------------------------------------------------------


def test_changing_the_priority_records_the_reason(world):
    referral = school_referral(world.a, status=S.WAITING)

    services.referral_change_priority(
        referral=referral,
        user=world.a.project_leader,
        priority=1,
        reason="Dreigt te blijven zitten.",
    )

    referral.refresh_from_db()
    assert referral.priority == 1
    change = PriorityChange.objects.get(referral=referral)
    assert (change.from_priority, change.to_priority) == (3, 1)
    assert change.reason == "Dreigt te blijven zitten."
    assert change.changed_by == world.a.project_leader


def test_changing_the_priority_without_a_reason_is_refused(world):
    referral = school_referral(world.a, status=S.WAITING)

    with pytest.raises(ValidationError):
        services.referral_change_priority(
            referral=referral, user=world.a.project_leader, priority=1, reason=""
        )
    assert not PriorityChange.objects.exists()


def test_a_school_referrer_cannot_change_the_priority(world):
    referral = school_referral(world.a, status=S.WAITING)

    with pytest.raises(PermissionDenied):
        services.referral_change_priority(
            referral=referral, user=world.a.school_referrer, priority=1, reason="Graag snel."
        )


def test_two_priority_changes_from_the_same_page_first_wins(world):
    referral = school_referral(world.a, status=S.WAITING)

    services.referral_change_priority(
        referral=referral,
        user=world.a.project_leader,
        priority=1,
        reason="Urgent.",
        expected_version=1,
    )
    with pytest.raises(ConcurrentChangeError):
        services.referral_change_priority(
            referral=referral,
            user=world.a.project_leader,
            priority=5,
            reason="Kan wachten.",
            expected_version=1,
        )
    referral.refresh_from_db()
    assert referral.priority == 1
    assert PriorityChange.objects.filter(referral=referral).count() == 1


# --- entering a referral by phone or mail ------------------------------------


def _pupil_data(**kwargs) -> PupilData:
    fields = {
        "first_name": "Noor",
        "last_name": "Bakker",
        "date_of_birth": days_ago(10 * 365 + 40),
        "grade": 6,
    }
    fields.update(kwargs)
    return PupilData(**fields)


def test_a_leader_enters_a_parent_referral_as_submitted(world):
    referral = services.referral_create_by_project_leader(
        user=world.a.project_leader,
        programme=world.a.programme,
        source=Referral.Source.PARENT,
        source_detail="Moeder belde",
        pupil=_pupil_data(),
        guardians=[GuardianData(name="Fatima Bakker", language="Arabisch")],
        support_what="Lezen",
        consent_given_by="Fatima Bakker",
        consent_date=days_ago(1),
        consent_method=Referral.ConsentMethod.VERBAL,
    )

    assert referral.status == S.SUBMITTED
    assert referral.referring_school is None
    assert list(referral.pupil.guardians.values_list("name", flat=True)) == ["Fatima Bakker"]
    assert referral in selectors.inbox(user=world.a.project_leader)


def test_entering_a_referral_needs_consent(world):
    with pytest.raises(ValidationError):
        services.referral_create_by_project_leader(
            user=world.a.project_leader,
            programme=world.a.programme,
            source=Referral.Source.PARENT,
            pupil=_pupil_data(),
            guardians=[],
        )
    assert not Referral.objects.filter(pupil__first_name="Noor").exists()


def test_a_leader_cannot_enter_a_referral_for_another_initiative(world):
    with pytest.raises(PermissionDenied):
        services.referral_create_by_project_leader(
            user=world.a.project_leader,
            programme=world.b.programme,
            source=Referral.Source.PARENT,
            pupil=_pupil_data(),
            guardians=[],
            consent_given_by="Ouder",
            consent_date=days_ago(1),
            consent_method=Referral.ConsentMethod.VERBAL,
        )


def test_possible_duplicates_flag_active_referrals_and_stay_inside_the_initiative(world):
    pupil_a = world.a.pupil  # matched: an open referral
    twin_in_b = PupilFactory(
        initiative=world.b.initiative,
        first_name=pupil_a.first_name,
        last_name=pupil_a.last_name,
        date_of_birth=pupil_a.date_of_birth,
    )
    ReferralFactory(pupil=twin_in_b, programme=world.b.programme)

    found_by_a = list(
        selectors.possible_duplicates(
            user=world.a.project_leader,
            initiative=world.a.initiative,
            first_name=pupil_a.first_name.upper(),
            last_name=pupil_a.last_name,
            date_of_birth=pupil_a.date_of_birth,
        )
    )
    found_by_b_in_a = selectors.possible_duplicates(
        user=world.b.project_leader,
        initiative=world.a.initiative,
        first_name=pupil_a.first_name,
        last_name=pupil_a.last_name,
        date_of_birth=pupil_a.date_of_birth,
    )

    assert found_by_a == [pupil_a]
    assert found_by_a[0].open_referrals == 1
    assert not found_by_b_in_a.exists()


# --- email to the school referrer --------------------------------------------


def test_a_status_change_emails_the_submitting_referrer_once_after_commit(
    world, django_capture_on_commit_callbacks
):
    referral = school_referral(world.a)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.referral_accept(referral=referral, user=world.a.project_leader)
        assert mail.outbox == []  # nothing before the commit

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.a.school_referrer.email]
    assert reverse("referrals:school_detail", kwargs={"pk": referral.pk}) in mail.outbox[0].body
    assert referral.status_changes.get().referrer_notified_at is not None


def test_the_decline_reason_is_in_the_email(world, django_capture_on_commit_callbacks):
    referral = school_referral(world.a)

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(
            referral=referral, user=world.a.project_leader, reason="Buiten de doelgroep."
        )

    assert len(mail.outbox) == 1
    assert "Buiten de doelgroep." in mail.outbox[0].body


def test_no_email_when_the_transaction_rolls_back(world, django_capture_on_commit_callbacks):
    referral = school_referral(world.a)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.referral_accept(referral=referral, user=world.a.project_leader)
        raise RuntimeError("something later in the same request failed")

    assert callbacks == []
    assert mail.outbox == []
    referral.refresh_from_db()
    assert referral.status == S.SUBMITTED
    assert not referral.status_changes.exists()


def test_the_email_never_goes_to_another_schools_referrer(
    world, django_capture_on_commit_callbacks
):
    colleague_at_same_school = school_referrer_of(world.a.school)
    referral = school_referral(world.a)

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_accept(referral=referral, user=world.a.project_leader)

    recipients = [address for message in mail.outbox for address in message.to]
    assert recipients == [world.a.school_referrer.email]
    assert world.b.school_referrer.email not in recipients
    assert colleague_at_same_school.email not in recipients


def test_no_email_when_the_submitter_no_longer_works_at_the_referring_school(
    world, django_capture_on_commit_callbacks
):
    # The referrer moved to school b: the news about a's pupil stays at school a.
    referral = school_referral(world.a, referred_by=world.b.school_referrer)

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_accept(referral=referral, user=world.a.project_leader)

    assert mail.outbox == []


def test_no_email_for_a_referral_the_leader_entered(world, django_capture_on_commit_callbacks):
    referral = world.a.unmatched_referral  # from a parent, no school

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_withdraw(
            referral=referral, user=world.a.project_leader, reason="Verhuisd."
        )

    assert mail.outbox == []


def test_sending_the_status_email_twice_sends_it_once(world, django_capture_on_commit_callbacks):
    from referrals.tasks import send_referral_status_email

    referral = school_referral(world.a)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_accept(referral=referral, user=world.a.project_leader)

    assert send_referral_status_email(referral.status_changes.get().pk) is False
    assert len(mail.outbox) == 1


def _unsent_change(side, *, minutes_ago: int) -> ReferralStatusChange:
    """A status change whose email never reached a worker.

    Inside the test's transaction the after-commit callback never runs: as
    when the queue was down at the commit.
    """
    referral = school_referral(side)
    services.referral_accept(referral=referral, user=side.project_leader)
    change = referral.status_changes.get()
    ReferralStatusChange.objects.filter(pk=change.pk).update(
        changed_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return change


def test_the_sweep_sends_each_unsent_status_email_once(world, settings):
    from referrals.services.notifications import resend_unsent_status_emails

    settings.STATUS_EMAIL_RESEND_MINUTES = 10
    due = _unsent_change(world.a, minutes_ago=11)
    recent = _unsent_change(world.a, minutes_ago=2)  # its own task may still be on the way
    stale = _unsent_change(world.a, minutes_ago=8 * 24 * 60)  # too old to be news
    sent = _unsent_change(world.a, minutes_ago=30)
    ReferralStatusChange.objects.filter(pk=sent.pk).update(referrer_notified_at=timezone.now())

    assert resend_unsent_status_emails() == 1
    assert resend_unsent_status_emails() == 0

    assert len(mail.outbox) == 1
    assert reverse("referrals:school_detail", kwargs={"pk": due.referral_id}) in mail.outbox[0].body
    for change, notified in ((due, True), (recent, False), (stale, False)):
        change.refresh_from_db()
        assert (change.referrer_notified_at is not None) is notified


@pytest.fixture
def eager_retries():
    """Tasks run in-process in the tests; let a retry run again there, as a worker would."""
    from config.celery_app import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def _mail_server_failing(monkeypatch, times: int) -> list:
    from smtplib import SMTPServerDisconnected

    from referrals import tasks

    real_send_mail, attempts = tasks.send_mail, []

    def flaky_send_mail(*args, **kwargs):
        attempts.append(1)
        if len(attempts) <= times:
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", flaky_send_mail)
    return attempts


def test_the_status_email_is_retried_when_the_mail_server_fails(world, monkeypatch, eager_retries):
    from referrals import tasks

    change = _unsent_change(world.a, minutes_ago=1)
    attempts = _mail_server_failing(monkeypatch, times=2)

    assert tasks.send_referral_status_email.delay(change.pk).get() is True

    assert len(attempts) == 3
    assert len(mail.outbox) == 1
    change.refresh_from_db()
    assert change.referrer_notified_at is not None


def test_a_status_email_that_keeps_failing_is_left_to_the_sweep(
    world, monkeypatch, eager_retries, settings
):
    from referrals import tasks
    from referrals.services.notifications import resend_unsent_status_emails

    change = _unsent_change(world.a, minutes_ago=1)
    attempts = _mail_server_failing(monkeypatch, times=6)

    result = tasks.send_referral_status_email.delay(change.pk)

    assert result.failed()
    assert len(attempts) == 6  # the first try and five retries
    change.refresh_from_db()
    assert change.referrer_notified_at is None  # a failed send marks nothing
    assert mail.outbox == []

    # The mail server is back: the sweep sends it.
    later = timezone.now() + dt.timedelta(minutes=settings.STATUS_EMAIL_RESEND_MINUTES)
    assert resend_unsent_status_emails(now=later) == 1
    assert len(mail.outbox) == 1


# --- reminders about long waits ----------------------------------------------


def _waiting_since(side, when: dt.datetime, **kwargs) -> Referral:
    return school_referral(side, status=S.WAITING, waiting_since=when, **kwargs)


def _run_reminders(capture, now):
    with capture(execute=True):
        return services.send_due_waitlist_reminders(now=now)


def test_the_long_wait_reminder_follows_the_default_interval(
    world, django_capture_on_commit_callbacks, settings
):
    settings.WAITLIST_REMINDER_WEEKS = 8
    start = timezone.now() - dt.timedelta(days=1)
    world.a.unmatched_referral.delete()  # only the referral of this test waits
    referral = _waiting_since(world.a, start)

    before = _run_reminders(
        django_capture_on_commit_callbacks, start + dt.timedelta(weeks=8) - dt.timedelta(hours=1)
    )
    assert before == 0
    assert mail.outbox == []

    at = start + dt.timedelta(weeks=8)
    assert _run_reminders(django_capture_on_commit_callbacks, at) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.a.project_leader.email]
    assert referral.pupil.full_name in mail.outbox[0].body

    # Within the same interval: no second reminder, however often it runs.
    assert _run_reminders(django_capture_on_commit_callbacks, at + dt.timedelta(days=1)) == 0
    assert _run_reminders(django_capture_on_commit_callbacks, at + dt.timedelta(weeks=7)) == 0
    assert len(mail.outbox) == 1

    # After another interval: again.
    assert _run_reminders(django_capture_on_commit_callbacks, at + dt.timedelta(weeks=8)) == 1
    assert len(mail.outbox) == 2


def test_the_reminder_interval_is_configurable_per_programme(
    world, django_capture_on_commit_callbacks
):
    world.a.programme.waitlist_reminder_weeks = 2
    world.a.programme.save()
    start = timezone.now() - dt.timedelta(days=1)
    world.a.unmatched_referral.delete()
    _waiting_since(world.a, start)

    assert _run_reminders(django_capture_on_commit_callbacks, start + dt.timedelta(weeks=2)) == 1
    assert len(mail.outbox) == 1


def test_the_reminder_goes_only_to_the_initiatives_own_leaders(
    world, django_capture_on_commit_callbacks
):
    second_leader = project_leader_of(world.a.initiative)
    start = timezone.now() - dt.timedelta(weeks=9)
    world.a.unmatched_referral.delete()
    _waiting_since(world.a, start)

    _run_reminders(django_capture_on_commit_callbacks, timezone.now())

    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([world.a.project_leader.email, second_leader.email])
    assert world.b.project_leader.email not in mail.outbox[0].to


def test_the_reminder_never_reaches_a_former_project_leader(
    world, django_capture_on_commit_callbacks
):
    former = project_leader_of(world.a.initiative, email="oud@example.nl")
    leaving = project_leader_of(world.a.initiative, email="vertrekt@example.nl")
    Membership.objects.filter(user=former, role=Role.PROJECT_LEADER).update(
        ended_at=timezone.now() - dt.timedelta(days=30)
    )
    Membership.objects.filter(user=leaving, role=Role.PROJECT_LEADER).update(
        ended_at=timezone.now() + dt.timedelta(days=7)  # still leads this week
    )
    world.a.unmatched_referral.delete()
    _waiting_since(world.a, timezone.now() - dt.timedelta(weeks=9))

    _run_reminders(django_capture_on_commit_callbacks, timezone.now())

    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([world.a.project_leader.email, leaving.email])


def test_no_reminder_for_pupils_no_longer_waiting(world, django_capture_on_commit_callbacks):
    # world.a.referral is matched and has waited long before it was matched.
    Referral.objects.filter(pk=world.a.referral.pk).update(waiting_since=moment_ago(100))
    world.a.unmatched_referral.delete()

    assert _run_reminders(django_capture_on_commit_callbacks, timezone.now()) == 0
    assert mail.outbox == []


def test_the_reminder_does_not_fire_again_when_the_pupil_returns_to_the_waitlist(
    world, django_capture_on_commit_callbacks
):
    """Rejoining the waitlist restarts the clock."""
    world.a.unmatched_referral.delete()
    referral = _waiting_since(world.a, moment_ago(60))
    _run_reminders(django_capture_on_commit_callbacks, timezone.now())
    assert len(mail.outbox) == 1

    Referral.objects.filter(pk=referral.pk).update(status=S.MATCHED)
    referral.refresh_from_db()
    services.referral_transition(
        referral=referral, to_status=S.WAITING, user=world.a.project_leader
    )
    mail.outbox.clear()

    later = timezone.now() + dt.timedelta(weeks=1)
    assert _run_reminders(django_capture_on_commit_callbacks, later) == 0
    assert mail.outbox == []
