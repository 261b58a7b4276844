"""The referrals API for the klantmanager (client manager) and changing drafts.

A klantmanager reads, refers, changes, submits and withdraws only the adults
they referred themselves, with the same services as their pages
(``referrals.views.client_manager``); they see the signals of imminent
drop-out and the start and stop of the coaching track, never the meetings.
A school referrer changes its own draft with PATCH, as its edit page does.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import client_manager_of
from initiatives.tests.factories import ProgrammeFactory
from referrals.models import Referral
from referrals.services.adults import drop_out_signal_record
from referrals.tests.factories import MatchFactory, MatchParticipantFactory
from referrals.tests.test_adult_scoping import adult_referral
from referrals.tests.test_api_intake import (
    REFERRALS,
    assert_constant_queries,
    names_field,
    referral_ids,
    referral_url,
    school_payload,
)

pytestmark = pytest.mark.django_db

S = Referral.Status
ADULTS = "/api/v1/referrals/adults/"


@pytest.fixture
def manager(world):
    return client_manager_of(world.a.municipality, email="klantmanager-a@example.nl")


@pytest.fixture
def adult_programme(world):
    return ProgrammeFactory(
        initiative=world.a.initiative,
        adult=True,
        min_age=18,
        max_age=99,
        municipalities=[world.a.municipality],
    )


def adult_payload(programme, **overrides) -> dict:
    data = {
        "programme": programme.pk,
        "first_name": "Meron",
        "last_name": "Tesfamariam-Okbay",
        "date_of_birth": "1985-04-02",
        "home_languages": ["Tigrinya"],
        "postcode": "3531ab",
        "learner": {"learning_route": "z", "phone": "0611111111"},
        "support_what": "Brieven van de gemeente lezen.",
        "consent_given_by": "Meron",
        "consent_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "consent_method": Referral.ConsentMethod.VERBAL,
        "submit": True,
    }
    data.update(overrides)
    return data


# --- reading --------------------------------------------------------------------------


def test_client_manager_lists_and_reads_only_the_adults_they_referred(api_for, world, manager):
    mine = adult_referral(world.a, manager)
    colleague = client_manager_of(world.a.municipality, email="collega@example.nl")
    theirs = adult_referral(world.a, colleague, last_name="Gebremedhin")
    client = api_for(manager)

    listing = client.get(REFERRALS)
    assert listing.status_code == 200
    assert referral_ids(listing) == {mine.pk}
    assert listing.json()["results"][0]["sessions_held"] is None
    assert client.get(referral_url(mine)).status_code == 200
    for other in (theirs, world.a.referral, world.a.unmatched_referral, world.b.referral):
        assert client.get(referral_url(other)).status_code == 404


def test_outsiders_get_none_of_the_client_managers_referrals(api_for, world, manager):
    mine = adult_referral(world.a, manager)
    for user in (
        world.outsider,
        world.a.municipal_official,
        world.a.school_referrer,
        world.b.project_leader,
        client_manager_of(world.b.municipality),
    ):
        client = api_for(user)
        assert mine.pk not in referral_ids(client.get(REFERRALS)), user
        assert client.get(referral_url(mine)).status_code == 404, user
        assert (
            client.post(referral_url(mine, "withdraw"), {"reason": "Weg"}, format="json")
        ).status_code == 404
        assert client.patch(referral_url(mine), {}, format="json").status_code == 404


def test_detail_shows_drop_out_signals_and_the_track_but_not_the_meetings(api_for, world, manager):
    referral = adult_referral(world.a, manager)
    Referral.objects.filter(pk=referral.pk).update(status=S.MATCHED)
    match = MatchFactory(
        programme=referral.programme,
        volunteer=world.a.volunteer,
        start_date=dt.date(2026, 1, 5),
    )
    MatchParticipantFactory(match=match, referral=referral)
    drop_out_signal_record(
        user=world.a.project_leader,
        referral=referral,
        reason="Komt al drie weken niet.",
        signalled_on=timezone.localdate(),
    )

    body = api_for(manager).get(referral_url(referral)).json()

    assert body["drop_out_signals"] == [
        {"signalled_on": timezone.localdate().isoformat(), "reason": "Komt al drie weken niet."}
    ]
    assert body["coaching_tracks"] == [
        {"start_date": "2026-01-05", "end_date": None, "end_reason": ""}
    ]
    assert body["sessions_held"] is None
    assert body["goals"] is None
    assert body["tripartite_meetings"] is None
    leader = api_for(world.a.project_leader).get(referral_url(referral)).json()
    assert len(leader["drop_out_signals"]) == 1
    assert leader["sessions_held"] == 0
    school = api_for(world.a.school_referrer).get(referral_url(world.a.referral)).json()
    assert school["drop_out_signals"] is None and school["coaching_tracks"] is None


def test_client_manager_referral_list_queries_do_not_grow_with_rows(api_for, world, manager):
    adult_referral(world.a, manager)

    def more_referrals():
        for i in range(5):
            adult_referral(world.a, manager, last_name=f"Achternaam{i}q")

    assert_constant_queries(api_for(manager), REFERRALS, more_referrals, expected_growth=5)


# --- referring, changing, submitting, withdrawing ------------------------------------------


def test_client_manager_refers_an_adult_and_submits(api_for, world, manager, adult_programme):
    response = api_for(manager).post(ADULTS, adult_payload(adult_programme), format="json")

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get(pk=response.json()["id"])
    assert referral.status == S.SUBMITTED
    assert referral.source == Referral.Source.CLIENT_MANAGER
    assert referral.referred_by == manager
    assert referral.pupil.learner_profile.municipality == world.a.municipality
    assert referral.pupil.home_languages == ["Tigrinya"]


def test_client_manager_saves_changes_and_submits_a_draft(api_for, world, manager, adult_programme):
    client = api_for(manager)
    draft = client.post(
        ADULTS, adult_payload(adult_programme, submit=False, consent_date=None), format="json"
    ).json()
    assert draft["status"] == S.DRAFT
    url = f"{REFERRALS}{draft['id']}/"

    # without consent it cannot be submitted: the person's own consent is asked for
    refused = client.post(f"{url}submit/", {}, format="json")
    assert refused.status_code == 400
    assert names_field(refused, "consent_date")

    changed = client.patch(
        url,
        {"support_what": "Solliciteren.", "learner": {"language_school": "Taalhuis"}},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    referral = Referral.objects.get(pk=draft["id"])
    assert referral.support_what == "Solliciteren."
    assert referral.pupil.learner_profile.language_school == "Taalhuis"
    assert referral.pupil.learner_profile.phone == "0611111111"  # kept
    assert referral.status == S.DRAFT

    client.patch(url, {"consent_date": timezone.localdate().isoformat()}, format="json")
    submitted = client.post(f"{url}submit/", {}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == S.SUBMITTED
    assert client.patch(url, {"support_what": "Later."}, format="json").status_code == 409


def test_a_field_of_the_other_form_is_a_400(api_for, world, manager, adult_programme):
    client = api_for(manager)
    draft = client.post(ADULTS, adult_payload(adult_programme, submit=False), format="json")
    response = client.patch(
        f"{REFERRALS}{draft.json()['id']}/", {"grade": 6, "guardians": []}, format="json"
    )
    assert response.status_code == 400
    assert names_field(response, "grade") and names_field(response, "guardians")


def test_client_manager_withdraws_their_referral(api_for, world, manager):
    referral = adult_referral(world.a, manager)
    response = api_for(manager).post(
        referral_url(referral, "withdraw"), {"reason": "Verhuisd."}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == S.WITHDRAWN


def test_client_manager_cannot_accept_or_refer_for_another_municipality(
    api_for, world, manager, adult_programme
):
    referral = adult_referral(world.a, manager)
    client = api_for(manager)
    assert client.post(referral_url(referral, "accept"), {}, format="json").status_code == 403
    elsewhere = ProgrammeFactory(
        initiative=world.b.initiative, adult=True, municipalities=[world.b.municipality]
    )
    response = client.post(ADULTS, adult_payload(elsewhere), format="json")
    assert response.status_code == 400
    assert names_field(response, "programme")


@pytest.mark.parametrize("who", ["school_referrer", "project_leader", "municipal_official"])
def test_only_client_managers_refer_adults(api_for, world, adult_programme, who):
    response = api_for(getattr(world.a, who)).post(
        ADULTS, adult_payload(adult_programme), format="json"
    )
    assert response.status_code == 403


def test_outsider_cannot_refer_adults(api_for, world, adult_programme):
    body = adult_payload(adult_programme)
    assert api_for(world.outsider).post(ADULTS, body, format="json").status_code == 403
    assert api_for(None).post(ADULTS, body, format="json").status_code == 401


# --- a school's draft changed -----------------------------------------------------------


def test_school_referrer_changes_a_draft_and_submits_it(api_for, world):
    client = api_for(world.a.school_referrer)
    draft = client.post(
        REFERRALS, school_payload(world.a.programme, submit=False), format="json"
    ).json()
    url = f"{REFERRALS}{draft['id']}/"

    changed = client.patch(url, {"support_what": "Begrijpend lezen."}, format="json")

    assert changed.status_code == 200, changed.json()
    referral = Referral.objects.get(pk=draft["id"])
    assert referral.support_what == "Begrijpend lezen."
    assert referral.status == S.DRAFT
    assert [g.name for g in referral.pupil.guardians.all()] == ["Samira Bakkerswaard"]  # kept
    assert client.patch(url, {"grade": 99}, format="json").status_code == 400
    submitted = client.patch(url, {"submit": True}, format="json")
    assert submitted.json()["status"] == S.SUBMITTED
    conflict = client.patch(url, {"support_what": "Te laat."}, format="json")
    assert conflict.status_code == 409
    assert Referral.objects.get(pk=draft["id"]).support_what == "Begrijpend lezen."


@pytest.mark.parametrize("who", ["school", "client manager"])
def test_a_draft_changed_from_a_stale_version_is_a_409_and_changes_nothing(
    api_for, world, manager, adult_programme, who
):
    if who == "school":
        client = api_for(world.a.school_referrer)
        draft = client.post(
            REFERRALS, school_payload(world.a.programme, submit=False), format="json"
        ).json()
    else:
        client = api_for(manager)
        draft = client.post(
            ADULTS, adult_payload(adult_programme, submit=False, consent_date=None), format="json"
        ).json()
    url = f"{REFERRALS}{draft['id']}/"
    read = draft["version"]

    first = client.patch(url, {"support_what": "Eerste.", "version": read}, format="json")
    second = client.patch(url, {"support_what": "Tweede.", "version": read}, format="json")

    assert first.status_code == 200, first.json()
    assert first.json()["version"] > read
    assert second.status_code == 409
    assert Referral.objects.get(pk=draft["id"]).support_what == "Eerste."
    bad = client.patch(url, {"version": "twee"}, format="json")
    assert bad.status_code == 400


def test_only_the_referring_school_changes_its_draft(api_for, world):
    draft = (
        api_for(world.a.school_referrer)
        .post(REFERRALS, school_payload(world.a.programme, submit=False), format="json")
        .json()
    )
    url = f"{REFERRALS}{draft['id']}/"
    for user in (world.b.school_referrer, world.a.project_leader, world.outsider):
        assert api_for(user).patch(url, {"support_what": "X"}, format="json").status_code == 404
    assert Referral.objects.get(pk=draft["id"]).support_what == "Woordenschat uitbreiden."


def test_project_leader_cannot_patch_a_submitted_referral(api_for, world):
    response = api_for(world.a.project_leader).patch(
        referral_url(world.a.unmatched_referral), {"support_what": "X"}, format="json"
    )
    assert response.status_code == 403
