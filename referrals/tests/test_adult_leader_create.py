"""Adult language coaching: the project leader registers an adult directly.

The page "Register an adult" (``referrals:leader_adult_create``) and the
leader's API registration with ``learner``; the pupil form and API refuse
programmes for adults, and nobody but a klantmanager makes a klantmanager's
referral.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from initiatives.models import Programme
from initiatives.tests.factories import ProgrammeFactory
from municipality.tests.factories import MunicipalityFactory
from referrals.models import Guardian, LearnerProfile, Pupil, Referral
from referrals.services import referral_create_by_project_leader
from referrals.services.adults import LearnerData, adult_referral_create_by_project_leader
from referrals.services.lifecycle import GuardianData, PupilData

S = Referral.Status
URL = "/intake/volwassene/nieuw/"
REGISTRATIONS = "/api/v1/referrals/registrations/"
pytestmark = pytest.mark.django_db


def adult_programme(side, *, municipalities=None, **kwargs) -> Programme:
    kwargs.setdefault("name", "Taalcoaching Inburgering")
    kwargs.setdefault("min_age", 18)
    kwargs.setdefault("max_age", 99)
    return ProgrammeFactory(
        initiative=side.initiative,
        adult=True,
        municipalities=municipalities or [side.municipality],
        **kwargs,
    )


def form_data(programme, **overrides) -> dict:
    data = {
        "programme": programme.pk,
        "source": Referral.Source.SELF,
        "source_detail": "Kwam langs op het spreekuur",
        "first_name": "Tesfay",
        "last_name": "Woldemichael",
        "date_of_birth": "1988-09-14",
        "phone": "0612345678",
        "email": "",
        "languages": "Tigrinya, Engels",
        "postcode": "3531 AB",
        "learning_route": LearnerProfile.LearningRoute.EDUCATION,
        "level_goal": "B2",
        "language_school": "Taalschool Utrecht",
        "has_coach": "on",
        "support_what": "Solliciteren in het Nederlands",
        "consent_given_by": "Tesfay Woldemichael",
        "consent_date": timezone.localdate().isoformat(),
        "consent_method": Referral.ConsentMethod.VERBAL,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def text(response) -> str:
    return response.content.decode()


def row_counts() -> tuple[int, ...]:
    return (
        Pupil.objects.count(),
        Guardian.objects.count(),
        LearnerProfile.objects.count(),
        Referral.objects.count(),
    )


def adult_pupil_data(**overrides) -> PupilData:
    values = {
        "first_name": "Tesfay",
        "last_name": "Woldemichael",
        "date_of_birth": dt.date(1988, 9, 14),
        "postcode": "3531 AB",
    }
    values.update(overrides)
    return PupilData(**values)


def service_kwargs(side, programme, **overrides) -> dict:
    kwargs = {
        "user": side.project_leader,
        "programme": programme,
        "municipality": side.municipality,
        "source": Referral.Source.SELF,
        "pupil": adult_pupil_data(),
        "learner": LearnerData(learning_route="b1", phone="0612345678"),
        "support_what": "Brieven lezen",
        "consent_given_by": "Tesfay Woldemichael",
        "consent_date": timezone.localdate(),
        "consent_method": Referral.ConsentMethod.VERBAL,
    }
    kwargs.update(overrides)
    return kwargs


# --- the page -------------------------------------------------------------------


def test_a_leader_registers_an_adult_who_then_waits_in_the_inbox(world, client_for):
    programme = adult_programme(world.a)
    client = client_for(world.a.project_leader)
    inbox = text(client.get(reverse("referrals:inbox")))
    assert reverse("referrals:leader_adult_create") == URL
    assert f'href="{URL}"' in inbox
    page = client.get(URL)
    assert page.status_code == 200
    assert "Taalcoaching Inburgering" in text(page)

    response = client.post(URL, form_data(programme), follow=True)

    referral = Referral.objects.get(pupil__last_name="Woldemichael")
    assert response.redirect_chain == [
        (reverse("referrals:leader_detail", kwargs={"pk": referral.pk}), 302)
    ]
    assert "Tesfay Woldemichael is ingeschreven." in text(response)
    assert referral.status == S.SUBMITTED
    assert referral.submitted_at is not None
    assert referral.programme == programme
    assert referral.source == Referral.Source.SELF
    assert referral.source_detail == "Kwam langs op het spreekuur"
    assert referral.referred_by == world.a.project_leader
    assert referral.referring_school is None
    assert referral.consent_given_by == "Tesfay Woldemichael"
    pupil = referral.pupil
    assert (pupil.school, pupil.grade, pupil.initiative) == (None, None, world.a.initiative)
    assert pupil.home_languages == ["Tigrinya", "Engels"]
    assert not pupil.guardians.exists()
    profile = pupil.learner_profile
    assert profile.municipality == world.a.municipality  # the programme's only one
    assert (profile.learning_route, profile.level_goal) == ("education", "B2")
    assert (profile.language_school, profile.has_coach) == ("Taalschool Utrecht", True)
    assert profile.phone == "0612345678"
    assert referral.status_changes.get().to_status == S.SUBMITTED
    assert "Tesfay Woldemichael" in text(client.get(reverse("referrals:inbox")))


def test_the_inbox_offers_the_form_for_adults_only_with_a_programme_for_adults(world, client_for):
    client = client_for(world.a.project_leader)
    assert URL not in text(client.get(reverse("referrals:inbox")))
    assert "Je initiatief heeft geen actief project voor volwassenen." in text(client.get(URL))

    adult_programme(world.a, is_active=False)
    assert URL not in text(client.get(reverse("referrals:inbox")))
    adult_programme(world.b)  # another initiative's
    assert URL not in text(client.get(reverse("referrals:inbox")))

    adult_programme(world.a, name="Taalmaatje Volwassenen")
    assert URL in text(client.get(reverse("referrals:inbox")))


def test_a_pupil_programme_is_not_offered_on_the_form_for_adults(world, client_for):
    adult_programme(world.a)
    client = client_for(world.a.project_leader)
    page = text(client.get(URL))
    assert "Taalcoaching Inburgering" in page
    assert world.a.programme.name not in page
    before = row_counts()

    response = client.post(URL, form_data(world.a.programme))

    assert response.status_code == 200
    assert "programme" in response.context["form"].errors
    assert row_counts() == before


def test_a_leader_of_another_initiative_cannot_choose_the_programme(world, client_for):
    programme = adult_programme(world.a)
    adult_programme(world.b, name="Taalcoaching Dordrecht")
    client = client_for(world.b.project_leader)
    assert "Taalcoaching Inburgering" not in text(client.get(URL))
    before = row_counts()

    response = client.post(URL, form_data(programme))

    assert response.status_code == 200
    assert "programme" in response.context["form"].errors
    assert row_counts() == before
    with pytest.raises(PermissionDenied):
        adult_referral_create_by_project_leader(
            **service_kwargs(world.a, programme, user=world.b.project_leader)
        )
    assert row_counts() == before


@pytest.mark.parametrize(
    "who", ["school_referrer", "volunteer_user", "municipal_official", "client_manager", "outsider"]
)
def test_only_project_leaders_open_the_form_for_adults(world, client_for, who):
    programme = adult_programme(world.a)
    user = {
        "school_referrer": world.a.school_referrer,
        "volunteer_user": world.a.volunteer_user,
        "municipal_official": world.a.municipal_official,
        "client_manager": client_manager_of(world.a.municipality),
        "outsider": world.outsider,
    }[who]
    client = client_for(user)
    before = row_counts()

    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(programme)).status_code == 403
    assert row_counts() == before


def test_the_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"learning_route": ""}, "learning_route", "Dit veld is vereist."),
        ({"learning_route": "a2"}, "learning_route", "Selecteer een geldige keuze."),
        ({"phone": ""}, "phone", "Vul een telefoonnummer of een e-mailadres in."),
        ({"postcode": ""}, "postcode", "Vul de wijk of de postcode in."),
        ({"source": Referral.Source.CLIENT_MANAGER}, "source", "Selecteer een geldige keuze."),
        ({"source": Referral.Source.SCHOOL}, "source", "Selecteer een geldige keuze."),
        ({"date_of_birth": "2015-01-01"}, "programme", "Dit project is voor"),
        (
            {"consent_given_by": ""},
            "consent_given_by",
            "De toestemming van de persoon zelf is nodig",
        ),
        ({"consent_date": "2999-01-01"}, "consent_date", "De datum van toestemming kan niet"),
    ],
)
def test_bad_input_gives_dutch_errors_and_saves_nothing(
    world, client_for, overrides, field, message
):
    programme = adult_programme(world.a)
    client = client_for(world.a.project_leader)
    before = row_counts()

    response = client.post(URL, form_data(programme, **overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors[field]
    assert "De inschrijving is niet opgeslagen." in text(response)
    assert row_counts() == before


def test_the_municipality_is_one_the_programme_serves(world, client_for):
    utrecht, dordrecht = world.a.municipality, world.b.municipality
    both = adult_programme(world.a, municipalities=[utrecht, dordrecht])
    only_utrecht = adult_programme(world.a, name="Taalcoaching Utrecht")
    client = client_for(world.a.project_leader)
    before = row_counts()

    unchosen = client.post(URL, form_data(both))
    elsewhere = client.post(URL, form_data(only_utrecht, municipality=dordrecht.pk))

    assert "Dit project werkt in meer gemeenten" in " ".join(
        unchosen.context["form"].errors["municipality"]
    )
    assert elsewhere.context["form"].errors["municipality"] == [
        "Dit project werkt niet in deze gemeente."
    ]
    assert row_counts() == before
    with pytest.raises(ValidationError) as refused:
        adult_referral_create_by_project_leader(
            **service_kwargs(world.a, only_utrecht, municipality=dordrecht)
        )
    assert "municipality" in refused.value.error_dict
    assert row_counts() == before

    implied = client.post(URL, form_data(only_utrecht))
    chosen = client.post(
        URL, form_data(both, municipality=dordrecht.pk, first_name="Hagos", postcode="3311 AB")
    )
    assert implied.status_code == chosen.status_code == 302
    profiles = dict(LearnerProfile.objects.values_list("pupil__first_name", "municipality__name"))
    assert profiles == {"Tesfay": utrecht.name, "Hagos": dordrecht.name}


def test_a_known_person_is_shown_before_saving_again(world, client_for):
    programme = adult_programme(world.a)
    client = client_for(world.a.project_leader)
    assert client.post(URL, form_data(programme)).status_code == 302
    before = row_counts()

    again = client.post(URL, form_data(programme))

    assert again.status_code == 200
    assert "er is al een persoon bekend met dezelfde naam en geboortedatum" in text(again)
    assert "save_anyway" in again.context["form"].errors
    assert row_counts() == before
    assert client.post(URL, form_data(programme, save_anyway="on")).status_code == 302
    assert Referral.objects.filter(pupil__last_name="Woldemichael").count() == 2


def test_the_service_writes_nothing_when_a_later_step_fails(world):
    programme = adult_programme(world.a)
    before = row_counts()

    with pytest.raises(ValidationError):
        # the pupil is written before the learner details are refused
        adult_referral_create_by_project_leader(
            **service_kwargs(world.a, programme, learner=LearnerData(learning_route="x"))
        )

    assert row_counts() == before


def test_the_service_takes_no_pupil_programme_and_no_klantmanager_source(world):
    before = row_counts()
    with pytest.raises(ValidationError) as pupil_programme:
        adult_referral_create_by_project_leader(**service_kwargs(world.a, world.a.programme))
    with pytest.raises(ValidationError) as client_manager_source:
        adult_referral_create_by_project_leader(
            **service_kwargs(
                world.a, adult_programme(world.a), source=Referral.Source.CLIENT_MANAGER
            )
        )
    assert "programme" in pupil_programme.value.error_dict
    assert "source" in client_manager_source.value.error_dict
    assert row_counts() == before


# --- the pupil form refuses programmes for adults ------------------------------------


def pupil_form_data(programme, **overrides) -> dict:
    data = {
        "programme": programme.pk,
        "source": "parent",
        "first_name": "Noor",
        "last_name": "Bakker",
        "date_of_birth": "1990-01-01",
        "support_what": "Hulp bij lezen.",
        "consent_given_by": "Fatima Bakker",
        "consent_date": timezone.localdate().isoformat(),
        "consent_method": "verbal",
        "guardians-TOTAL_FORMS": "2",
        "guardians-INITIAL_FORMS": "0",
        "guardians-0-name": "Fatima Bakker",
    }
    data.update(overrides)
    return data


def test_the_pupil_form_refuses_a_programme_for_adults(world, client_for):
    programme = adult_programme(world.a)
    client = client_for(world.a.project_leader)
    assert "Taalcoaching Inburgering" not in text(client.get(reverse("referrals:leader_create")))
    before = row_counts()

    response = client.post(reverse("referrals:leader_create"), pupil_form_data(programme))

    assert response.status_code == 200
    assert "programme" in response.context["form"].errors
    assert row_counts() == before


def test_the_pupil_service_refuses_a_programme_for_adults_and_points_to_the_adult_form(world):
    programme = adult_programme(world.a)
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        referral_create_by_project_leader(
            user=world.a.project_leader,
            programme=programme,
            source=Referral.Source.PARENT,
            pupil=adult_pupil_data(),
            guardians=[GuardianData(name="Fatima Bakker")],
            consent_given_by="Fatima Bakker",
            consent_date=timezone.localdate(),
            consent_method=Referral.ConsentMethod.VERBAL,
        )

    assert refused.value.message_dict["programme"] == [
        "Dit project is voor volwassenen. Schrijf de persoon in met het formulier voor "
        "volwassenen (“Volwassene inschrijven”)."
    ]
    assert row_counts() == before


def test_the_pupil_service_makes_no_klantmanager_referral(world):
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        referral_create_by_project_leader(
            user=world.a.project_leader,
            programme=world.a.programme,
            source=Referral.Source.CLIENT_MANAGER,
            pupil=PupilData(
                first_name="Noor", last_name="Bakker", date_of_birth=dt.date(2015, 3, 1)
            ),
            guardians=[],
            consent_given_by="Fatima Bakker",
            consent_date=timezone.localdate(),
            consent_method=Referral.ConsentMethod.VERBAL,
        )

    assert "source" in refused.value.error_dict
    assert row_counts() == before


def test_the_leaders_detail_page_shows_the_learner_details(world, client_for):
    programme = adult_programme(world.a)
    client = client_for(world.a.project_leader)
    client.post(URL, form_data(programme))
    referral = Referral.objects.get(pupil__last_name="Woldemichael")

    page = text(client.get(reverse("referrals:leader_detail", kwargs={"pk": referral.pk})))
    pupil_page = text(
        client.get(reverse("referrals:leader_detail", kwargs={"pk": world.a.referral.pk}))
    )

    assert "data-learner-profile" in page
    assert "Taalschool Utrecht" in page and "0612345678" in page
    assert "data-learner-profile" not in pupil_page  # a pupil has no learner details


def test_the_school_form_does_not_offer_a_programme_for_adults(world, client_for):
    adult_programme(world.a, min_age=8)

    page = text(client_for(world.a.school_referrer).get(reverse("referrals:school_create")))

    assert world.a.programme.name in page
    assert "Taalcoaching Inburgering" not in page


def test_a_school_cannot_refer_a_pupil_to_a_programme_for_adults(world):
    from referrals.services import referral_save_draft

    programme = adult_programme(world.a, min_age=8)
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        referral_save_draft(
            user=world.a.school_referrer,
            school=world.a.school,
            programme=programme,
            pupil=PupilData(
                first_name="Noor", last_name="Bakker", date_of_birth=dt.date(2015, 3, 1), grade=6
            ),
            guardians=[GuardianData(name="Fatima Bakker", phone="0612345678")],
        )

    assert refused.value.message_dict["programme"] == [
        "Dit project is voor volwassenen, niet voor leerlingen."
    ]
    assert row_counts() == before


# --- the API ---------------------------------------------------------------------------


def pupil_payload(programme, **overrides) -> dict:
    data = {
        "programme": programme.pk,
        "source": Referral.Source.PARENT,
        "first_name": "Daan",
        "last_name": "Oosterhuis-Vermeulen",
        "date_of_birth": "1990-05-05",
        "postcode": "3532 CD",
        "guardians": [{"name": "Agnieszka Oosterhuis", "phone": "0612345678"}],
        "support_what": "Hulp bij lezen.",
        "consent_given_by": "Agnieszka Oosterhuis",
        "consent_date": timezone.localdate().isoformat(),
        "consent_method": Referral.ConsentMethod.VERBAL,
    }
    data.update(overrides)
    return data


def adult_payload(programme, **overrides) -> dict:
    data = {
        "programme": programme.pk,
        "source": Referral.Source.SELF,
        "first_name": "Tesfay",
        "last_name": "Woldemichael",
        "date_of_birth": "1988-09-14",
        "postcode": "3531 AB",
        "home_languages": ["Tigrinya"],
        "support_what": "Solliciteren in het Nederlands",
        "consent_given_by": "Tesfay Woldemichael",
        "consent_date": timezone.localdate().isoformat(),
        "consent_method": Referral.ConsentMethod.VERBAL,
        "learner": {"learning_route": "z", "level_goal": "A2", "email": "tesfay@example.nl"},
    }
    data.update(overrides)
    return data


def invalid_params(response) -> dict[str, str]:
    assert response["Content-Type"].startswith("application/problem+json")
    return {param["name"]: param["reason"] for param in response.json()["invalid_params"]}


def test_the_api_refuses_a_programme_for_adults_for_a_pupil(api_for, world):
    programme = adult_programme(world.a)
    before = row_counts()

    response = api_for(world.a.project_leader).post(
        REGISTRATIONS, pupil_payload(programme), format="json"
    )

    assert response.status_code == 400, response.json()
    assert set(invalid_params(response)) == {"programme"}
    assert "Dit project is voor volwassenen" in invalid_params(response)["programme"]
    assert row_counts() == before


def test_the_api_refuses_the_klantmanager_source(api_for, world):
    source = Referral.Source.CLIENT_MANAGER
    before = row_counts()
    client = api_for(world.a.project_leader)

    pupil = client.post(
        REGISTRATIONS,
        pupil_payload(world.a.programme, source=source, date_of_birth="2015-03-01"),
        format="json",
    )
    adult = client.post(
        REGISTRATIONS, adult_payload(adult_programme(world.a), source=source), format="json"
    )

    assert pupil.status_code == adult.status_code == 400
    assert "source" in invalid_params(pupil)
    assert "source" in invalid_params(adult)
    assert row_counts() == before


def test_the_api_registers_an_adult_with_learner_details(api_for, world):
    programme = adult_programme(world.a)

    response = api_for(world.a.project_leader).post(
        REGISTRATIONS, adult_payload(programme), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["source"], body["referring_school"]) == (
        S.SUBMITTED,
        Referral.Source.SELF,
        None,
    )
    referral = Referral.objects.get(pk=body["id"])
    assert referral.referred_by == world.a.project_leader
    assert not referral.pupil.guardians.exists()
    assert referral.pupil.school is None
    profile = referral.pupil.learner_profile
    assert (profile.learning_route, profile.level_goal, profile.email) == (
        "z",
        "A2",
        "tesfay@example.nl",
    )
    assert profile.municipality == world.a.municipality


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"guardians": [{"name": "Agnieszka Oosterhuis"}]}, "guardians"),
        ({"grade": 6}, "grade"),
        ({"source": Referral.Source.PARENT}, "source"),
        ({"support_why": "Omdat"}, "support_why"),
        ({"learner": {"learning_route": "b1"}}, "learner.phone"),
        ({"learner": {"learning_route": "c3", "phone": "0612345678"}}, "learner.learning_route"),
        ({"postcode": ""}, "postcode"),
        ({"consent_given_by": ""}, "consent_given_by"),
    ],
)
def test_an_invalid_adult_registration_is_400_and_saves_nothing(api_for, world, overrides, field):
    programme = adult_programme(world.a)
    before = row_counts()

    response = api_for(world.a.project_leader).post(
        REGISTRATIONS, adult_payload(programme, **overrides), format="json"
    )

    assert response.status_code == 400, response.json()
    assert field in invalid_params(response)
    assert row_counts() == before


def test_the_api_takes_learner_details_only_for_a_programme_for_adults(api_for, world):
    before = row_counts()

    response = api_for(world.a.project_leader).post(
        REGISTRATIONS,
        pupil_payload(
            world.a.programme,
            date_of_birth="2015-03-01",
            learner={"learning_route": "b1", "phone": "0612345678"},
        ),
        format="json",
    )

    assert response.status_code == 400
    assert set(invalid_params(response)) == {"learner"}
    assert row_counts() == before


def test_the_api_checks_the_adults_municipality(api_for, world):
    utrecht, dordrecht = world.a.municipality, world.b.municipality
    both = adult_programme(world.a, municipalities=[utrecht, dordrecht])
    elsewhere = MunicipalityFactory()
    client = api_for(world.a.project_leader)
    before = row_counts()

    unchosen = client.post(REGISTRATIONS, adult_payload(both), format="json")
    unserved = client.post(
        REGISTRATIONS,
        adult_payload(
            both,
            learner={"learning_route": "b1", "phone": "0612345678", "municipality": elsewhere.pk},
        ),
        format="json",
    )

    assert unchosen.status_code == unserved.status_code == 400
    assert set(invalid_params(unchosen)) == {"learner.municipality"}
    assert invalid_params(unserved) == {
        "learner.municipality": "Dit project werkt niet in deze gemeente."
    }
    assert row_counts() == before

    chosen = client.post(
        REGISTRATIONS,
        adult_payload(
            both,
            learner={"learning_route": "b1", "phone": "0612345678", "municipality": dordrecht.pk},
        ),
        format="json",
    )
    assert chosen.status_code == 201, chosen.json()
    profile = Referral.objects.get(pk=chosen.json()["id"]).pupil.learner_profile
    assert profile.municipality == dordrecht


def test_another_initiatives_programme_for_adults_is_not_found_in_the_api(api_for, world):
    programme = adult_programme(world.b)
    before = row_counts()

    response = api_for(world.a.project_leader).post(
        REGISTRATIONS, adult_payload(programme), format="json"
    )

    assert response.status_code == 400
    assert "programme" in invalid_params(response)
    assert row_counts() == before
