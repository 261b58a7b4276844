"""The Django admin: every model's pages load, changelists without N+1 queries."""

import datetime as dt
import itertools

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import invite_user
from accounts.tokens import api_token_create
from initiatives.models import ProgrammePlaces, VolunteerStatusChange
from initiatives.tests.factories import (
    AvailabilityFactory,
    InitiativeFactory,
    ProgrammeFactory,
    TrainingCompletionFactory,
    TrainingFactory,
    VOGFactory,
    VolunteerFactory,
)
from municipality.tests.factories import (
    AccountabilityTextFactory,
    FunderFactory,
    FundingAgreementFactory,
    MunicipalityFactory,
    NeighbourhoodFactory,
    TargetFactory,
)
from referrals.models import AttentionSignal, PriorityChange, ReferralStatusChange
from referrals.tests.factories import (
    ContactMomentFactory,
    EvaluationFactory,
    GoalEvaluationFactory,
    GuardianFactory,
    ImpactMeasurementFactory,
    ImpactScoreFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilAvailabilityFactory,
    PupilFactory,
    ReferralFactory,
)
from reports.models import Report
from schools.models import SchoolYearFigure
from schools.tests.factories import SchoolLocationFactory

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
_counter = itertools.count()


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def add_one_of_each(side, *, by) -> None:
    """One more row of every registered model, around one world ``side``."""
    n = next(_counter)
    today = timezone.localdate()
    MunicipalityFactory()
    NeighbourhoodFactory(municipality=side.municipality)
    school = SchoolLocationFactory(municipality=side.municipality)
    SchoolYearFigure.objects.create(school=school, school_year=2024 + n, pupil_count=250)
    InitiativeFactory(municipalities=[side.municipality])
    api_token_create(user=side.project_leader, name=f"Token {n}")
    programme = ProgrammeFactory(initiative=side.initiative, municipalities=[side.municipality])
    ProgrammePlaces.objects.create(programme=programme, school=school, school_year=2024, places=4)
    agreement = FundingAgreementFactory(
        municipality=side.municipality,
        initiative=side.initiative,
        funder=FunderFactory(municipal=True, municipality=side.municipality),
        programmes=[programme],
    )
    TargetFactory(agreement=agreement)
    AccountabilityTextFactory(agreement=agreement)
    Report.objects.create(
        municipality=side.municipality,
        funding_agreement=agreement,
        period_start=dt.date(today.year, 1, 1),
        period_end=dt.date(today.year, 12, 31),
        requested_by=by,
    )

    volunteer = VolunteerFactory(initiative=side.initiative, active=True, with_account=True)
    VolunteerStatusChange.objects.create(
        volunteer=volunteer, from_status="screening", to_status="active", date=today, changed_by=by
    )
    AvailabilityFactory(volunteer=volunteer)
    VOGFactory(volunteer=volunteer, checked_by=by)
    TrainingCompletionFactory(
        volunteer=volunteer, training=TrainingFactory(initiative=side.initiative)
    )

    pupil = PupilFactory(initiative=side.initiative, school=school)
    GuardianFactory(pupil=pupil)
    referral = ReferralFactory(pupil=pupil, programme=programme, matched=True)
    ReferralStatusChange.objects.create(
        referral=referral, from_status="waiting", to_status="matched", changed_at=timezone.now()
    )
    PriorityChange.objects.create(
        referral=referral,
        from_priority=3,
        to_priority=1,
        reason="Dringend",
        changed_by=by,
        changed_at=timezone.now(),
    )
    match = MatchFactory(programme=programme, volunteer=volunteer)
    MatchParticipantFactory(match=match, referral=referral)
    ContactMomentFactory(match=match)
    # Also creates the tripartite meeting, action plan and goal.
    GoalEvaluationFactory(evaluation=EvaluationFactory(referral=referral))
    ImpactScoreFactory(measurement=ImpactMeasurementFactory(referral=referral))
    PupilAvailabilityFactory(pupil=referral.pupil)
    AttentionSignal.objects.create(
        initiative=side.initiative,
        rule=AttentionSignal.Rule.NO_SESSION,
        subject=f"match:{match.pk}",
        anchor="start",
        match=match,
    )

    from initiatives.models import DropInSession
    from referrals.models import CoachCheckIn, DropOutSignal, LearnerProfile

    DropInSession.objects.create(programme=programme, date=today, headcount=12)
    LearnerProfile.objects.create(
        pupil=PupilFactory(initiative=side.initiative, school=None, grade=None),
        municipality=side.municipality,
        learning_route="b1",
    )
    DropOutSignal.objects.create(
        referral=referral, match=match, signalled_on=today, reason="Komt niet meer", recorded_by=by
    )
    CoachCheckIn.objects.create(match=match, held_on=today, recorded_by=by)

    Group.objects.create(name=f"Groep {n}")
    # A new user, membership and invitation.
    invite_user(
        email=f"uitgenodigd{n}@example.nl",
        role=Role.VOLUNTEER,
        organisation=side.initiative,
        invited_by=by,
    )


def changelist_queries(client, model) -> tuple[int, int, int]:
    """(status code, number of queries, rows shown) for the model's changelist."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    rows = response.context["cl"].result_count if response.status_code == 200 else 0
    return response.status_code, len(queries), rows


@pytest.fixture
def admin_client_(world, client_for):
    return client_for(world.superuser)


def test_every_project_model_is_registered():
    registered = {m._meta.label for m in MODELS}
    from django.apps import apps

    project_apps = ("accounts", "municipality", "schools", "initiatives", "referrals", "reports")
    missing = {
        m._meta.label
        for app in project_apps
        for m in apps.get_app_config(app).get_models()
        if m._meta.label not in registered
    }
    assert missing == set()


def test_changelists_load_without_queries_per_row(world, admin_client_):
    add_one_of_each(world.a, by=world.superuser)
    before = {model: changelist_queries(admin_client_, model) for model in MODELS}
    add_one_of_each(world.b, by=world.superuser)
    after = {model: changelist_queries(admin_client_, model) for model in MODELS}

    problems = {}
    for model in MODELS:
        (status_1, queries_1, rows_1), (status_2, queries_2, rows_2) = before[model], after[model]
        if status_1 != 200 or status_2 != 200:
            problems[model._meta.label] = f"status {status_1}/{status_2}"
        elif rows_2 <= rows_1:
            problems[model._meta.label] = f"no extra rows ({rows_1} -> {rows_2})"
        elif queries_2 != queries_1 or queries_2 > 20:
            problems[model._meta.label] = f"{queries_1} -> {queries_2} queries"
    assert problems == {}


def test_change_and_add_pages_load(world, admin_client_):
    add_one_of_each(world.a, by=world.superuser)

    problems = {}
    for model in MODELS:
        obj = model._default_manager.order_by("pk").first()
        change = admin_client_.get(admin_url(model, "change", obj.pk))
        add = admin_client_.get(admin_url(model, "add"))
        if change.status_code != 200 or add.status_code not in (200, 403):
            problems[model._meta.label] = (change.status_code, add.status_code)
    assert problems == {}


def test_admin_is_closed_to_project_leaders(world, client_for):
    response = client_for(world.a.project_leader).get(admin_url(User, "changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


class TestUserAdmin:
    def test_add_user_without_password(self, world, admin_client_):
        response = admin_client_.post(
            admin_url(User, "add"),
            {"email": "Nieuw@Example.nl", "first_name": "Noor", "last_name": "Bakker"},
        )

        user = User.objects.get(email="nieuw@example.nl")
        assert response.status_code == 302
        assert response["Location"] == admin_url(User, "change", user.pk)
        assert not user.has_usable_password()

    def test_add_user_refuses_existing_email(self, world, admin_client_):
        response = admin_client_.post(
            admin_url(User, "add"), {"email": world.a.project_leader.email.upper()}
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["email"]

    def test_change_user_with_membership_inline(self, world, admin_client_):
        leader = world.a.project_leader
        membership = leader.memberships.get()
        response = admin_client_.post(
            admin_url(User, "change", leader.pk),
            {
                "email": leader.email,
                "first_name": "Anders",
                "last_name": leader.last_name,
                "is_active": "on",
                "memberships-TOTAL_FORMS": "2",
                "memberships-INITIAL_FORMS": "1",
                "memberships-0-id": membership.pk,
                "memberships-0-user": leader.pk,
                "memberships-0-role": Role.PROJECT_LEADER,
                "memberships-0-initiative": world.a.initiative.pk,
                "memberships-1-user": leader.pk,
                "memberships-1-role": Role.MUNICIPAL_OFFICIAL,
                "memberships-1-municipality": world.a.municipality.pk,
                "invitations-TOTAL_FORMS": "0",
                "invitations-INITIAL_FORMS": "0",
            },
        )

        assert response.status_code == 302, response.context["adminform"].form.errors
        leader.refresh_from_db()
        assert leader.first_name == "Anders"
        assert set(leader.memberships.values_list("role", flat=True)) == {
            Role.PROJECT_LEADER,
            Role.MUNICIPAL_OFFICIAL,
        }

    def test_send_invitation_action_emails_users_without_password(
        self, world, admin_client_, django_capture_on_commit_callbacks
    ):
        new_user = User.objects.create_user(email="handmatig@example.nl")
        new_user.memberships.create(role=Role.SCHOOL_REFERRER, school=world.a.school)

        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client_.post(
                admin_url(User, "changelist"),
                {
                    "action": "send_invitation",
                    "_selected_action": [new_user.pk, world.a.project_leader.pk],
                },
            )

        assert response.status_code == 302
        assert [m.to for m in mail.outbox] == [["handmatig@example.nl"]]
        assert "/accounts/password/reset/key/" in mail.outbox[0].body
        assert world.a.school.name in mail.outbox[0].body
        invitation = Invitation.objects.get(user=new_user)
        assert invitation.invited_by == world.superuser
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any(world.a.project_leader.email in m for m in messages)
