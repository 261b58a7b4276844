import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Invitation, Membership, Role, User
from accounts.services import invite_user

URL = reverse("accounts_invite")


def form_data(initiative, **overrides):
    return {
        "email": "nieuwe.vrijwilliger@example.nl",
        "first_name": "Sanne",
        "last_name": "Jansen",
        "role": Role.VOLUNTEER.value,
        "initiative": initiative.pk,
    } | overrides


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get(URL)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    @pytest.mark.parametrize("persona", ["school_referrer", "volunteer_user", "municipal_official"])
    def test_forbidden_for_other_roles(self, world, client_for, persona):
        response = client_for(getattr(world.a, persona)).get(URL)

        assert response.status_code == 403

    def test_forbidden_for_user_without_memberships(self, world, client_for):
        assert client_for(world.outsider).get(URL).status_code == 403

    def test_superuser_sees_every_initiative(self, world, client_for):
        response = client_for(world.superuser).get(URL)

        assert response.status_code == 200
        choices = set(response.context["form"].fields["initiative"].queryset)
        assert choices == {world.a.initiative, world.b.initiative}


class TestProjectLeaderInvitePage:
    def test_offers_only_the_initiatives_they_lead(self, world, client_for):
        response = client_for(world.a.project_leader).get(URL)

        assert response.status_code == 200
        content = response.content.decode()
        assert world.a.initiative.name in content
        assert world.b.initiative.name not in content

    def test_offers_only_project_leader_and_volunteer_roles(self, world, client_for):
        response = client_for(world.a.project_leader).get(URL)

        roles = {value for value, _ in response.context["form"].fields["role"].choices}
        assert roles == {Role.PROJECT_LEADER, Role.VOLUNTEER}

    def test_invites_and_redirects_with_a_success_message(
        self, world, client_for, django_capture_on_commit_callbacks
    ):
        client = client_for(world.a.project_leader)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, form_data(world.a.initiative))

        assert response.status_code == 302
        assert response["Location"] == URL
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("nieuwe.vrijwilliger@example.nl" in m for m in messages)
        user = User.objects.get(email="nieuwe.vrijwilliger@example.nl")
        assert user.get_full_name() == "Sanne Jansen"
        assert Membership.objects.filter(
            user=user, role=Role.VOLUNTEER, initiative=world.a.initiative
        ).exists()
        assert len(mail.outbox) == 1

    def test_lists_the_invitations_they_sent_with_status(self, world, client_for):
        invite_user(
            email="eerder.uitgenodigd@example.nl",
            role=Role.VOLUNTEER,
            organisation=world.a.initiative,
            invited_by=world.a.project_leader,
        )
        invite_user(
            email="door.beheerder@example.nl",
            role=Role.VOLUNTEER,
            organisation=world.a.initiative,
            invited_by=world.superuser,
        )

        response = client_for(world.a.project_leader).get(URL)

        content = response.content.decode()
        assert "eerder.uitgenodigd@example.nl" in content
        assert "door.beheerder@example.nl" not in content
        [row] = response.context["invitations"]
        assert row.status == "pending"
        assert str(row.status_label) in content

    def test_tampered_initiative_is_refused_and_nothing_is_created(
        self, world, client_for, django_capture_on_commit_callbacks
    ):
        client = client_for(world.a.project_leader)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, form_data(world.b.initiative))

        assert response.status_code == 200
        assert response.context["form"].errors["initiative"]
        assert not User.objects.filter(email="nieuwe.vrijwilliger@example.nl").exists()
        assert mail.outbox == []

    def test_school_role_cannot_be_posted(self, world, client_for):
        client = client_for(world.a.project_leader)

        response = client.post(URL, form_data(world.a.initiative, role=Role.SCHOOL_REFERRER.value))

        assert response.status_code == 200
        assert response.context["form"].errors["role"]
        assert not Invitation.objects.exists()

    def test_existing_member_shows_an_error(self, world, client_for):
        client = client_for(world.a.project_leader)

        response = client.post(
            URL, form_data(world.a.initiative, email=world.a.volunteer_user.email)
        )

        assert response.status_code == 200
        errors = response.context["form"].non_field_errors()
        assert errors
        assert errors[0] in response.content.decode()

    def test_list_query_count_does_not_grow_with_invitations(self, world, client_for):
        client = client_for(world.a.project_leader)

        def invite_and_count(n: int) -> int:
            invite_user(
                email=f"vrijwilliger{n}@voorbeeld.nl",
                role=Role.VOLUNTEER,
                organisation=world.a.initiative,
                invited_by=world.a.project_leader,
            )
            with CaptureQueriesContext(connection) as queries:
                response = client.get(URL)
            assert len(response.context["invitations"]) == n + 1
            return len(queries)

        with_one = invite_and_count(0)
        for n in range(1, 4):
            invite_and_count(n)
        assert invite_and_count(4) == with_one
