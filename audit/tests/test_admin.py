"""The Django admin's reads and changes of personal data are in the processing log."""

import pytest
from django.urls import reverse

from audit.models import ProcessingLogEntry
from referrals.models import Guardian

pytestmark = pytest.mark.django_db


def admin_url(model: str, view: str, *args) -> str:
    return reverse(f"admin:{model}_{view}", args=args)


def logged(user, action: str) -> set[tuple[str, int]]:
    return set(
        ProcessingLogEntry.objects.filter(
            actor_id=user.pk, action=action, result="allowed", channel="page"
        ).values_list("record_type", "record_id")
    )


@pytest.fixture
def admin_client(world, client_for):
    return client_for(world.superuser)


def guardian_post(pupil, **overrides) -> dict:
    data = {"pupil": pupil.pk, "name": "Ahmed Bakker", "relationship": "father"}
    data.update(overrides)
    return data


def test_a_pupils_page_logs_the_pupil_and_guardians_as_viewed(world, admin_client):
    response = admin_client.get(admin_url("referrals_pupil", "change", world.a.pupil.pk))

    assert response.status_code == 200
    assert logged(world.superuser, "view") == {
        ("pupil", world.a.pupil.pk),
        ("guardian", world.a.guardian.pk),
    }


@pytest.mark.parametrize(
    ("model", "record"),
    [
        ("referrals_referral", "referral"),
        ("referrals_match", "match"),
        ("referrals_contactmoment", "contact_moment"),
        ("referrals_guardian", "guardian"),
        ("initiatives_volunteer", "volunteer"),
    ],
)
def test_each_record_page_logs_whose_data_it_shows(world, admin_client, model, record):
    expected = {
        "referral": {("pupil", world.a.pupil.pk), ("guardian", world.a.guardian.pk)},
        "match": {("pupil", world.a.pupil.pk), ("volunteer", world.a.volunteer.pk)},
        "contact_moment": {("pupil", world.a.pupil.pk), ("volunteer", world.a.volunteer.pk)},
        "guardian": {("guardian", world.a.guardian.pk)},
        "volunteer": {("volunteer", world.a.volunteer.pk)},
    }[record]

    response = admin_client.get(admin_url(model, "change", getattr(world.a, record).pk))

    assert response.status_code == 200
    assert logged(world.superuser, "view") == expected


@pytest.mark.parametrize(
    ("model", "record_type"),
    [
        ("referrals_pupil", "pupil"),
        ("referrals_guardian", "guardian"),
        ("referrals_referral", "pupil"),
        ("referrals_match", "volunteer"),
        ("initiatives_volunteer", "volunteer"),
    ],
)
def test_the_lists_log_every_record_they_show(world, admin_client, model, record_type):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    record = {"pupil": world.a.pupil, "guardian": world.a.guardian}.get(
        record_type, world.a.volunteer
    )
    other = {"pupil": world.b.pupil, "guardian": world.b.guardian}.get(
        record_type, world.b.volunteer
    )
    shown = logged(world.superuser, "list")
    assert {(record_type, record.pk), (record_type, other.pk)} <= shown


def test_adding_changing_and_deleting_in_the_admin_is_logged(world, admin_client):
    user = world.superuser
    added = admin_client.post(admin_url("referrals_guardian", "add"), guardian_post(world.a.pupil))
    assert added.status_code == 302
    guardian = Guardian.objects.get(name="Ahmed Bakker")
    assert logged(user, "create") == {("guardian", guardian.pk)}

    changed = admin_client.post(
        admin_url("referrals_guardian", "change", guardian.pk),
        guardian_post(world.a.pupil, phone="06-10203040"),
    )
    assert changed.status_code == 302
    assert logged(user, "update") == {("guardian", guardian.pk)}

    confirm = admin_client.get(admin_url("referrals_guardian", "delete", guardian.pk))
    assert confirm.status_code == 200
    assert ("guardian", guardian.pk) in logged(user, "view")
    deleted = admin_client.post(
        admin_url("referrals_guardian", "delete", guardian.pk), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not Guardian.objects.filter(pk=guardian.pk).exists()
    assert logged(user, "delete") == {("guardian", guardian.pk)}


def test_the_delete_action_of_the_list_logs_each_record(world, admin_client):
    extra = Guardian.objects.create(pupil=world.a.pupil, name="Oom Karim")

    response = admin_client.post(
        admin_url("referrals_guardian", "changelist"),
        {"action": "delete_selected", "_selected_action": [extra.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Guardian.objects.filter(pk=extra.pk).exists()
    assert logged(world.superuser, "delete") == {("guardian", extra.pk)}


def test_an_unknown_id_in_the_admin_logs_nothing(world, admin_client):
    response = admin_client.get(admin_url("referrals_pupil", "change", 987654))

    assert response.status_code == 302  # the admin sends one back to its index
    assert ProcessingLogEntry.objects.count() == 0


def test_a_staff_member_without_permission_is_logged_as_refused(world, client_for):
    from accounts.tests.factories import UserFactory

    staff = UserFactory(email="medewerker@example.nl", is_staff=True)

    response = client_for(staff).get(admin_url("referrals_pupil", "change", world.a.pupil.pk))

    assert response.status_code == 403
    assert set(
        ProcessingLogEntry.objects.filter(actor_id=staff.pk).values_list(
            "record_type", "record_id", "action", "result"
        )
    ) == {
        ("pupil", world.a.pupil.pk, "view", "refused"),
        ("guardian", world.a.guardian.pk, "view", "refused"),
    }


def test_a_contact_moment_without_a_match_logs_its_pupil(world, admin_client):
    from referrals.models import ContactMoment
    from referrals.tests.factories import ContactMomentFactory

    moment = ContactMomentFactory(
        match=None,
        pupil=world.a.unmatched_pupil,
        kind=ContactMoment.Kind.PARENT,
        note="Moeder gebeld.",
    )

    page = admin_client.get(admin_url("referrals_contactmoment", "change", moment.pk))
    listing = admin_client.get(admin_url("referrals_contactmoment", "changelist"))

    assert (page.status_code, listing.status_code) == (200, 200)
    assert ("pupil", world.a.unmatched_pupil.pk) in logged(world.superuser, "view")
    assert ("pupil", world.a.unmatched_pupil.pk) in logged(world.superuser, "list")
