import datetime as dt
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from accounts.selectors import invitations_sent_by
from accounts.services import invite_user, send_invitation
from accounts.tests.factories import TEST_PASSWORD, UserFactory
from initiatives.tests.factories import InitiativeFactory

NEW_PASSWORD = "een-nieuw-wachtwoord-2024"


def set_password_path(body: str) -> str:
    """The set-password link in an email body, as a path for the test client."""
    found = re.search(re.escape(settings.SITE_URL) + r"(/accounts/password/reset/key/\S+/)", body)
    assert found, body
    return found.group(1)


def choose_password(client: Client, path: str, password: str = NEW_PASSWORD):
    """Open the link as a user would and submit the new password."""
    response = client.get(path, follow=True)
    assert not response.context.get("token_fail")
    form_url = response.redirect_chain[-1][0]
    return client.post(form_url, {"password1": password, "password2": password})


def invite(**kwargs):
    defaults = {"first_name": "Ilse", "last_name": "de Boer"}
    return invite_user(**(defaults | kwargs))


class TestSuperuserInvitesSchoolReferrer:
    def test_sends_one_email_with_a_set_password_link(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(
                email="IB.Nieuw@Example.nl",
                role=Role.SCHOOL_REFERRER,
                organisation=world.a.school,
                invited_by=world.superuser,
            )

        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["ib.nieuw@example.nl"]
        assert set_password_path(message.body)
        assert world.a.school.name in message.body
        user = invitation.user
        assert user.email == "ib.nieuw@example.nl"
        assert not user.has_usable_password()
        assert Membership.objects.filter(
            user=user, role=Role.SCHOOL_REFERRER, school=world.a.school
        ).exists()
        assert EmailAddress.objects.filter(
            user=user, email="ib.nieuw@example.nl", verified=True, primary=True
        ).exists()

    def test_following_the_link_sets_the_password_and_logs_in(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(
                email="ib.nieuw@example.nl",
                role=Role.SCHOOL_REFERRER,
                organisation=world.a.school,
                invited_by=world.superuser,
            )
        client = Client()

        response = choose_password(client, set_password_path(mail.outbox[0].body))

        assert response.status_code == 302
        assert client.session.get("_auth_user_id") == str(invitation.user_id)
        invitation.refresh_from_db()
        assert invitation.accepted_at is not None
        # ...and the password works for a later login.
        fresh = Client()
        response = fresh.post(
            reverse("account_login"), {"login": "ib.nieuw@example.nl", "password": NEW_PASSWORD}
        )
        assert response.status_code == 302
        assert fresh.session.get("_auth_user_id") == str(invitation.user_id)

    def test_link_no_longer_works_after_use(self, world, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            invite(
                email="ib.nieuw@example.nl",
                role=Role.SCHOOL_REFERRER,
                organisation=world.a.school,
                invited_by=world.superuser,
            )
        path = set_password_path(mail.outbox[0].body)
        choose_password(Client(), path)

        response = Client().get(path, follow=True)

        assert response.context["token_fail"] is True


class TestProjectLeaderInvites:
    def test_can_invite_a_volunteer_into_own_initiative(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(
                email="nieuwe.vrijwilliger@example.nl",
                role=Role.VOLUNTEER,
                organisation=world.a.initiative,
                invited_by=world.a.project_leader,
            )

        assert invitation.invited_by == world.a.project_leader
        assert invitation.membership.role == Role.VOLUNTEER
        assert invitation.membership.initiative == world.a.initiative
        assert len(mail.outbox) == 1

    def test_is_refused_for_another_initiative_and_nothing_is_created(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
            invite(
                email="nieuwe.vrijwilliger@example.nl",
                role=Role.VOLUNTEER,
                organisation=world.b.initiative,
                invited_by=world.a.project_leader,
            )

        assert not User.objects.filter(email="nieuwe.vrijwilliger@example.nl").exists()
        assert not Invitation.objects.exists()
        assert mail.outbox == []

    @pytest.mark.parametrize(
        ("role", "organisation"),
        [(Role.SCHOOL_REFERRER, "school"), (Role.MUNICIPAL_OFFICIAL, "municipality")],
    )
    def test_is_refused_for_school_and_municipal_roles(
        self, world, role, organisation, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
            invite(
                email="iemand@example.nl",
                role=role,
                organisation=getattr(world.a, organisation),
                invited_by=world.a.project_leader,
            )

        assert not User.objects.filter(email="iemand@example.nl").exists()
        assert not Membership.objects.filter(role=role, user__email="iemand@example.nl").exists()
        assert mail.outbox == []

    def test_volunteer_cannot_invite(self, world):
        with pytest.raises(PermissionDenied):
            invite(
                email="iemand@example.nl",
                role=Role.VOLUNTEER,
                organisation=world.a.initiative,
                invited_by=world.a.volunteer_user,
            )
        assert not User.objects.filter(email="iemand@example.nl").exists()

    def test_project_leader_of_two_initiatives_can_invite_into_both(self, world):
        second = InitiativeFactory()
        Membership.objects.create(
            user=world.a.project_leader, role=Role.PROJECT_LEADER, initiative=second
        )

        invitation = invite(
            email="iemand@example.nl",
            role=Role.PROJECT_LEADER,
            organisation=second,
            invited_by=world.a.project_leader,
        )

        assert invitation.membership.initiative == second


class TestWhenTheEmailIsSent:
    def test_only_after_commit(self, world, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            invite(
                email="iemand@example.nl",
                role=Role.VOLUNTEER,
                organisation=world.a.initiative,
                invited_by=world.a.project_leader,
            )
            assert mail.outbox == []

        assert len(callbacks) == 1
        callbacks[0]()
        assert len(mail.outbox) == 1

    def test_not_when_the_transaction_rolls_back(self, world, django_capture_on_commit_callbacks):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            invite(
                email="iemand@example.nl",
                role=Role.VOLUNTEER,
                organisation=world.a.initiative,
                invited_by=world.a.project_leader,
            )
            raise RuntimeError("something later in the same transaction failed")

        assert callbacks == []
        assert mail.outbox == []
        assert not User.objects.filter(email="iemand@example.nl").exists()


class TestInvitingAnExistingUser:
    def test_adds_the_membership_and_sends_a_notice_without_link(
        self, world, django_capture_on_commit_callbacks
    ):
        referrer = world.a.school_referrer
        with django_capture_on_commit_callbacks(execute=True):
            invite(
                email=referrer.email.upper(),
                role=Role.SCHOOL_REFERRER,
                organisation=world.b.school,
                invited_by=world.superuser,
            )

        assert referrer.memberships.filter(school=world.b.school).exists()
        assert User.objects.filter(email__iexact=referrer.email).count() == 1
        body = mail.outbox[0].body
        assert "/accounts/password/reset/key/" not in body
        assert settings.SITE_URL + reverse("account_login") in body
        referrer.refresh_from_db()
        assert referrer.check_password(TEST_PASSWORD)

    def test_with_the_same_membership_is_refused(self, world):
        with pytest.raises(ValidationError):
            invite(
                email=world.a.school_referrer.email,
                role=Role.SCHOOL_REFERRER,
                organisation=world.a.school,
                invited_by=world.superuser,
            )
        assert not Invitation.objects.exists()

    def test_who_never_set_a_password_gets_a_new_link(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(2):
                invite(
                    email="iemand@example.nl",
                    role=Role.VOLUNTEER,
                    organisation=world.a.initiative,
                    invited_by=world.a.project_leader,
                )

        assert Invitation.objects.filter(user__email="iemand@example.nl").count() == 2
        assert Membership.objects.filter(user__email="iemand@example.nl").count() == 1
        assert len(mail.outbox) == 2
        assert set_password_path(mail.outbox[1].body)


class TestBadInput:
    def test_organisation_must_fit_the_role(self, world):
        with pytest.raises(ValidationError):
            invite(
                email="iemand@example.nl",
                role=Role.SCHOOL_REFERRER,
                organisation=world.a.initiative,
                invited_by=world.superuser,
            )
        assert not User.objects.filter(email="iemand@example.nl").exists()

    def test_invalid_email_is_refused(self, world):
        with pytest.raises(ValidationError):
            invite(
                email="geen-adres",
                role=Role.VOLUNTEER,
                organisation=world.a.initiative,
                invited_by=world.superuser,
            )
        assert not User.objects.filter(email="geen-adres").exists()


class TestAdministratorResends:
    def test_send_invitation_to_user_created_in_admin(
        self, world, django_capture_on_commit_callbacks
    ):
        user = User.objects.create_user(email="handmatig@example.nl")
        with django_capture_on_commit_callbacks(execute=True):
            send_invitation(user=user, invited_by=world.superuser)

        assert set_password_path(mail.outbox[0].body)

    def test_project_leader_cannot_use_it(self, world):
        user = UserFactory(email="iemand@example.nl")
        with pytest.raises(PermissionDenied):
            send_invitation(user=user, invited_by=world.a.project_leader)
        assert not Invitation.objects.exists()


class TestExpiry:
    def test_link_and_status_expire_after_the_valid_days(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(
                email="te.laat@example.nl",
                role=Role.VOLUNTEER,
                organisation=world.a.initiative,
                invited_by=world.a.project_leader,
            )
        path = set_password_path(mail.outbox[0].body)
        later = (
            timezone.now()
            + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
            + dt.timedelta(days=1)
        )

        with time_machine.travel(later, tick=False):
            response = Client().get(path, follow=True)
            [row] = invitations_sent_by(user=world.a.project_leader)

        assert response.context["token_fail"] is True
        assert row.pk == invitation.pk
        assert row.status == "expired"


def test_running_the_invitation_task_twice_sends_one_email(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.models import Invitation, Role
    from accounts.services import invite_user
    from accounts.tasks import send_invitation_email

    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite_user(
            email="nieuw@example.nl",
            role=Role.VOLUNTEER,
            organisation=world.a.initiative,
            invited_by=world.a.project_leader,
        )
    assert len(mailoutbox) == 1
    send_invitation_email(invitation.pk)
    assert len(mailoutbox) == 1
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is not None


def test_no_invitation_email_for_a_membership_that_ended_before_it_was_sent(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.tasks import send_invitation_email

    with django_capture_on_commit_callbacks(execute=False):
        invitation = invite(
            email="nieuw@example.nl",
            role=Role.VOLUNTEER,
            organisation=world.a.initiative,
            invited_by=world.a.project_leader,
        )
    # Ended before the queued email went out (e.g. invited by mistake).
    Membership.objects.filter(pk=invitation.membership_id).update(
        ended_at=timezone.now() - dt.timedelta(minutes=1)
    )

    send_invitation_email(invitation.pk)

    assert mailoutbox == []
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is None
