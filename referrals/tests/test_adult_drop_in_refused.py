"""Adult language coaching: nobody is referred, registered or matched by name in a taalcafé.

A drop-in language café records only headcounts per session. The
klantmanager's form and the leader's form for adults do not offer it, and the
services (so the pages and the API alike) refuse it with a Dutch message on
the programme; ``match_create`` refuses a referral that reached one anyway.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from initiatives.models import Programme
from initiatives.tests.factories import ProgrammeFactory, VOGFactory, VolunteerFactory
from referrals.models import LearnerProfile, Match, Pupil, Referral
from referrals.services import match_create
from referrals.services.adults import (
    LearnerData,
    adult_programmes,
    adult_referral_create_by_project_leader,
    adult_referral_save,
    led_adult_programmes,
)
from referrals.services.lifecycle import PupilData

from .factories import ReferralFactory
from .test_adult_journey import form_data as client_manager_form
from .test_adult_leader_create import REGISTRATIONS, adult_payload, invalid_params
from .test_adult_leader_create import URL as LEADER_ADULT_FORM
from .test_adult_leader_create import form_data as leader_form

pytestmark = pytest.mark.django_db
REFUSED = "Een taalcafé (vrije inloop) telt alleen het aantal bezoekers per bijeenkomst"


def cafe(side) -> Programme:
    return ProgrammeFactory(
        initiative=side.initiative,
        drop_in=True,
        name="Taalcafé De Inloop",
        min_age=18,
        max_age=99,
        municipalities=[side.municipality],
    )


def coaching(side) -> Programme:
    return ProgrammeFactory(
        initiative=side.initiative,
        adult=True,
        name="Taalcoaching Een-op-een",
        min_age=18,
        max_age=99,
        municipalities=[side.municipality],
    )


def counts() -> tuple[int, int, int]:
    return Pupil.objects.count(), LearnerProfile.objects.count(), Referral.objects.count()


def person() -> PupilData:
    return PupilData(
        first_name="Meron",
        last_name="Tekle-Haimanot",
        date_of_birth=timezone.localdate().replace(year=1985),
        postcode="3531AB",
    )


# --- the choices ----------------------------------------------------------------------


def test_the_programme_lists_for_a_referral_leave_out_the_language_cafe(world):
    drop_in, one_to_one = cafe(world.a), coaching(world.a)
    offered = adult_programmes(municipality_ids=[world.a.municipality.pk])
    led = led_adult_programmes(user=world.a.project_leader)
    assert list(offered) == [one_to_one]
    assert list(led) == [one_to_one]
    assert drop_in not in offered


def test_the_klantmanagers_form_does_not_offer_the_cafe_and_refuses_it(world, client_for):
    drop_in = cafe(world.a)
    coaching(world.a)
    km = client_for(client_manager_of(world.a.municipality))
    url = reverse("referrals:client_manager_create")
    page = km.get(url).content.decode()
    assert "Taalcoaching Een-op-een" in page
    assert "Taalcafé De Inloop" not in page
    before = counts()

    response = km.post(url, client_manager_form(drop_in))

    assert response.status_code == 200
    assert "Selecteer een geldige keuze." in response.content.decode()
    assert counts() == before


def test_the_leaders_form_for_adults_does_not_offer_the_cafe_and_refuses_it(world, client_for):
    drop_in = cafe(world.a)
    coaching(world.a)
    leader = client_for(world.a.project_leader)
    page = leader.get(LEADER_ADULT_FORM).content.decode()
    assert "Taalcoaching Een-op-een" in page
    assert "Taalcafé De Inloop" not in page
    before = counts()

    response = leader.post(LEADER_ADULT_FORM, leader_form(drop_in))

    assert response.status_code == 200
    assert "Selecteer een geldige keuze." in response.content.decode()
    assert counts() == before


def test_the_inbox_offers_no_form_for_adults_with_only_a_cafe(world, client_for):
    cafe(world.a)
    inbox = client_for(world.a.project_leader).get(reverse("referrals:inbox")).content.decode()
    assert LEADER_ADULT_FORM not in inbox


# --- the services ---------------------------------------------------------------------


def test_the_klantmanagers_service_refuses_the_cafe_on_the_programme(world):
    manager = client_manager_of(world.a.municipality)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        adult_referral_save(
            user=manager,
            municipality=world.a.municipality,
            programme=cafe(world.a),
            pupil=person(),
            learner=LearnerData(learning_route="b1", phone="0611111111"),
            support_what="Spreken oefenen",
            consent_given_by="Meron",
            consent_date=timezone.localdate(),
            consent_method=Referral.ConsentMethod.VERBAL,
            submit=True,
        )
    assert list(refused.value.error_dict) == ["programme"]
    assert refused.value.message_dict["programme"][0].startswith(REFUSED)
    assert counts() == before


def test_the_leaders_service_refuses_the_cafe_on_the_programme(world):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        adult_referral_create_by_project_leader(
            user=world.a.project_leader,
            programme=cafe(world.a),
            municipality=world.a.municipality,
            source=Referral.Source.SELF,
            pupil=person(),
            learner=LearnerData(learning_route="b1", phone="0611111111"),
            support_what="Spreken oefenen",
            consent_given_by="Meron",
            consent_date=timezone.localdate(),
            consent_method=Referral.ConsentMethod.VERBAL,
        )
    assert list(refused.value.error_dict) == ["programme"]
    assert refused.value.message_dict["programme"][0].startswith(REFUSED)
    assert counts() == before


# --- the API ------------------------------------------------------------------------


def test_the_api_refuses_to_register_an_adult_for_the_cafe(api_for, world):
    before = counts()

    response = api_for(world.a.project_leader).post(
        REGISTRATIONS, adult_payload(cafe(world.a)), format="json"
    )

    assert response.status_code == 400, response.json()
    reasons = invalid_params(response)
    assert set(reasons) == {"programme"}
    assert reasons["programme"].startswith(REFUSED)
    assert counts() == before


# --- matching -----------------------------------------------------------------------


def test_match_create_refuses_a_referral_in_a_cafe(world):
    # A referral that reached a café before the refusal at intake existed.
    drop_in = cafe(world.a)
    referral = ReferralFactory(
        programme=drop_in,
        pupil__school=None,
        source=Referral.Source.SELF,
        status=Referral.Status.WAITING,
    )
    volunteer = VolunteerFactory(initiative=world.a.initiative, active=True)
    VOGFactory(volunteer=volunteer)

    with pytest.raises(ValidationError) as refused:
        match_create(
            user=world.a.project_leader,
            referrals=[referral],
            volunteer=volunteer,
            location_type=Match.LocationType.LIBRARY,
            start_date=timezone.localdate(),
        )

    assert list(refused.value.error_dict) == ["referrals"]
    assert refused.value.message_dict["referrals"][0].startswith(REFUSED)
    assert not Match.objects.filter(programme=drop_in).exists()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WAITING
