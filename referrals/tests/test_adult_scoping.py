"""Adult language coaching: who sees the klantmanager's referrals, and no BSN."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from initiatives.tests.factories import ProgrammeFactory
from referrals.models import Pupil, Referral
from referrals.services.adults import LearnerData, adult_referral_save
from referrals.services.lifecycle import PupilData

pytestmark = pytest.mark.django_db


def adult_referral(side, manager, *, last_name="Haile-Selassie", submit=True) -> Referral:
    programme = ProgrammeFactory(
        initiative=side.initiative,
        adult=True,
        min_age=18,
        max_age=99,
        municipalities=[side.municipality],
    )
    return adult_referral_save(
        user=manager,
        municipality=side.municipality,
        programme=programme,
        pupil=PupilData(
            first_name="Meron",
            last_name=last_name,
            date_of_birth=timezone.localdate().replace(year=1985),
            postcode="3531AB",
        ),
        learner=LearnerData(learning_route="z", phone="0611111111"),
        support_what="Brieven lezen",
        consent_given_by="Meron",
        consent_date=timezone.localdate(),
        consent_method=Referral.ConsentMethod.VERBAL,
        submit=submit,
    )


def test_no_model_field_is_named_like_a_bsn():
    pattern = re.compile(r"bsn|burgerservice|citizen_?service", re.I)
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if pattern.search(field.name)
    ]
    assert offenders == []


def test_the_klantmanager_sees_only_their_own_referrals(world, client_for):
    manager = client_manager_of(world.a.municipality)
    referral = adult_referral(world.a, manager)
    assert list(Referral.objects.visible_to(manager)) == [referral]
    assert list(Pupil.objects.visible_to(manager)) == [referral.pupil]
    assert (
        client_for(manager)
        .get(reverse("referrals:client_manager_detail", kwargs={"pk": referral.pk}))
        .status_code
        == 200
    )
    # Not the pupils of the world, even in the same municipality.
    listing = client_for(manager).get(reverse("referrals:client_manager_list")).content.decode()
    assert "Haile-Selassie" in listing
    assert world.a.pupil.last_name not in listing
    page = client_for(manager).get(
        reverse("referrals:client_manager_detail", kwargs={"pk": world.a.referral.pk})
    )
    assert page.status_code == 404


@pytest.mark.parametrize(
    "who",
    ["same_municipality", "other_municipality", "school_referrer", "municipal_official"],
)
def test_outsiders_do_not_see_a_klantmanagers_referral(world, client_for, who):
    manager = client_manager_of(world.a.municipality)
    referral = adult_referral(world.a, manager)
    user = {
        "same_municipality": lambda: client_manager_of(world.a.municipality),
        "other_municipality": lambda: client_manager_of(world.b.municipality),
        "school_referrer": lambda: world.a.school_referrer,
        "municipal_official": lambda: world.a.municipal_official,
    }[who]()
    assert not Referral.objects.visible_to(user).filter(pk=referral.pk).exists()
    assert not Pupil.objects.visible_to(user).filter(pk=referral.pupil_id).exists()
    client = client_for(user)
    response = client.get(reverse("referrals:client_manager_detail", kwargs={"pk": referral.pk}))
    assert response.status_code in (403, 404)
    if who in ("same_municipality", "other_municipality"):
        assert response.status_code == 404
        listing = client.get(reverse("referrals:client_manager_list")).content.decode()
        assert "Haile-Selassie" not in listing


def test_a_klantmanager_who_left_the_municipality_no_longer_sees_the_referral(world):
    manager = client_manager_of(world.a.municipality)
    referral = adult_referral(world.a, manager)
    manager.memberships.update(ended_at=timezone.now())
    manager = type(manager).objects.get(pk=manager.pk)
    assert not Referral.objects.visible_to(manager).filter(pk=referral.pk).exists()


def test_the_pages_need_a_klantmanager_membership(world, client_for):
    for user in (world.a.project_leader, world.a.school_referrer, world.outsider):
        response = client_for(user).get(reverse("referrals:client_manager_list"))
        assert response.status_code == 403
    response = Client().get(reverse("referrals:client_manager_list"))
    assert response.status_code == 302


def test_the_list_does_not_query_more_for_more_rows(
    world, client_for, django_assert_max_num_queries
):
    manager = client_manager_of(world.a.municipality)
    adult_referral(world.a, manager, last_name="Eerste")
    client = client_for(manager)
    url = reverse("referrals:client_manager_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for name in ("Tweede", "Derde", "Vierde"):
        adult_referral(world.a, manager, last_name=name)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert "Vierde" in response.content.decode()


def test_the_klantmanager_has_a_menu_item_and_a_home_section(world, client_for):
    manager = client_manager_of(world.a.municipality)
    adult_referral(world.a, manager)
    page = client_for(manager).get(reverse("home")).content.decode()
    assert reverse("referrals:client_manager_list") in page
    assert 'id="home-client-manager"' in page
    assert 'data-open="1"' in page
    other = client_for(world.a.school_referrer).get(reverse("home")).content.decode()
    assert 'id="home-client-manager"' not in other
    assert reverse("referrals:client_manager_list") not in other


@pytest.mark.parametrize("left", [False, True], ids=["current", "left"])
def test_the_klantmanager_emails_reach_only_a_current_klantmanager(
    world, left, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.core import mail

    from referrals.services import referral_transition
    from referrals.services.adults import drop_out_signal_record

    manager = client_manager_of(world.a.municipality)
    referral = adult_referral(world.a, manager)
    if left:
        manager.memberships.update(ended_at=timezone.now() - dt.timedelta(days=30))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.WAITING)
        referral.refresh_from_db()
        referral_transition(
            referral=referral, to_status=Referral.Status.MATCHED, user=world.a.project_leader
        )
        drop_out_signal_record(
            user=world.a.project_leader,
            referral=referral,
            reason="Komt niet meer",
            signalled_on=timezone.localdate(),
        )

    recipients = [address for message in mail.outbox for address in message.to]
    assert recipients == ([] if left else [manager.email, manager.email])
