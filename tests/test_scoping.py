"""Who sees what: every ``visible_to(user)`` rule, tested with the shared personas.

Expectations are written as paths into the ``world`` fixture ("a.pupil",
"b.match"); a test compares the whole visible set with the expected set, so
seeing too much fails as surely as seeing too little.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from accounts.scope import forget_scope
from initiatives.models import Programme, Volunteer
from initiatives.tests.factories import VolunteerFactory
from municipality.models import FundingAgreement
from municipality.tests.factories import FundingAgreementFactory
from referrals.models import ContactMoment, Match, MatchParticipant, Pupil, Referral
from referrals.tests.factories import (
    ContactMomentFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilFactory,
    ReferralFactory,
)
from schools.models import SchoolLocation

pytestmark = pytest.mark.django_db

PERSONAL_DATA_MODELS = [Pupil, Referral, Match, ContactMoment, Volunteer]


def resolve(world, path: str):
    """``"a.pupil"`` -> ``world.a.pupil``."""
    obj = world
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def visible(model, user) -> set:
    return set(model.objects.visible_to(user))


def expected(world, paths) -> set:
    return {resolve(world, path) for path in paths}


def reload(user):
    """A fresh instance, without a cached scope."""
    return User.objects.get(pk=user.pk)


# --- Who sees which rows ----------------------------------------------------

EVERYONE = [
    "a.project_leader",
    "a.volunteer_user",
    "a.school_referrer",
    "a.municipal_official",
    "b.project_leader",
    "b.volunteer_user",
    "b.school_referrer",
    "b.municipal_official",
    "outsider",
]

VISIBLE = {
    Pupil: {
        "a.project_leader": {"a.pupil", "a.unmatched_pupil"},
        "a.volunteer_user": {"a.pupil"},
        "a.school_referrer": {"a.pupil"},
        "b.project_leader": {"b.pupil"},
        "b.volunteer_user": {"b.pupil"},
        "b.school_referrer": {"b.pupil"},
        "superuser": {"a.pupil", "a.unmatched_pupil", "b.pupil"},
    },
    Referral: {
        "a.project_leader": {"a.referral", "a.unmatched_referral"},
        "a.volunteer_user": {"a.referral"},
        "a.school_referrer": {"a.referral"},
        "b.project_leader": {"b.referral"},
        "b.volunteer_user": {"b.referral"},
        "b.school_referrer": {"b.referral"},
        "superuser": {"a.referral", "a.unmatched_referral", "b.referral"},
    },
    Match: {
        "a.project_leader": {"a.match"},
        "a.volunteer_user": {"a.match"},
        "a.school_referrer": {"a.match"},
        "b.project_leader": {"b.match"},
        "b.volunteer_user": {"b.match"},
        "b.school_referrer": {"b.match"},
        "superuser": {"a.match", "b.match"},
    },
    ContactMoment: {
        "a.project_leader": {"a.contact_moment"},
        "a.volunteer_user": {"a.contact_moment"},
        "b.project_leader": {"b.contact_moment"},
        "b.volunteer_user": {"b.contact_moment"},
        "superuser": {"a.contact_moment", "b.contact_moment"},
    },
    Volunteer: {
        "a.project_leader": {"a.volunteer"},
        "a.volunteer_user": {"a.volunteer"},
        "b.project_leader": {"b.volunteer"},
        "b.volunteer_user": {"b.volunteer"},
        "superuser": {"a.volunteer", "b.volunteer"},
    },
}

CASES = [
    pytest.param(model, persona, rows.get(persona, set()), id=f"{model.__name__}-{persona}")
    for model, rows in VISIBLE.items()
    for persona in [*EVERYONE, "superuser"]
]


@pytest.mark.parametrize(("model", "persona", "paths"), CASES)
def test_persona_sees_exactly_their_rows(world, model, persona, paths):
    assert visible(model, resolve(world, persona)) == expected(world, paths)


@pytest.mark.parametrize("model", PERSONAL_DATA_MODELS, ids=lambda m: m.__name__)
def test_anonymous_visitor_sees_no_personal_data(world, model):
    assert model.objects.exists()
    assert visible(model, AnonymousUser()) == set()
    assert visible(model, None) == set()


@pytest.mark.parametrize("model", PERSONAL_DATA_MODELS, ids=lambda m: m.__name__)
def test_deactivated_project_leader_sees_nothing(world, model):
    leader = world.a.project_leader
    User.objects.filter(pk=leader.pk).update(is_active=False)

    assert visible(model, reload(leader)) == set()


def test_superuser_sees_every_row(world):
    for model in [*PERSONAL_DATA_MODELS, FundingAgreement, SchoolLocation, Programme]:
        assert visible(model, world.superuser) == set(model.objects.all())


# --- Project leaders --------------------------------------------------------


def test_project_leader_does_not_see_draft_referrals_but_the_school_does(world):
    draft = ReferralFactory(programme=world.a.programme, pupil=world.a.pupil, draft=True)

    assert draft not in visible(Referral, world.a.project_leader)
    assert draft in visible(Referral, world.a.school_referrer)


def test_project_leader_does_not_see_a_child_whose_only_referral_is_a_draft(world):
    child = PupilFactory(initiative=world.a.initiative, school=world.a.school)
    ReferralFactory(programme=world.a.programme, pupil=child, draft=True)

    assert child not in visible(Pupil, world.a.project_leader)
    assert child in visible(Pupil, world.a.school_referrer)


def test_project_leader_sees_the_child_once_the_referral_is_submitted(world):
    child = PupilFactory(initiative=world.a.initiative, school=world.a.school)
    draft = ReferralFactory(programme=world.a.programme, pupil=child, draft=True)
    submitted = ReferralFactory.build(submitted=True)
    Referral.objects.filter(pk=draft.pk).update(
        status=Referral.Status.SUBMITTED,
        consent_given_by=submitted.consent_given_by,
        consent_date=submitted.consent_date,
        consent_method=submitted.consent_method,
        submitted_at=submitted.submitted_at,
    )

    assert child in visible(Pupil, world.a.project_leader)


def test_project_leader_sees_a_pupil_entered_without_referral(world):
    child = PupilFactory(initiative=world.a.initiative, school=None)

    assert child in visible(Pupil, world.a.project_leader)


def test_project_leader_sees_contact_moment_about_own_pupil_without_match(world):
    call = ContactMomentFactory(kind=ContactMoment.Kind.PARENT, match=None, pupil=world.a.pupil)

    assert call in visible(ContactMoment, world.a.project_leader)
    assert call not in visible(ContactMoment, world.b.project_leader)
    assert call not in visible(ContactMoment, world.a.volunteer_user)


# --- Volunteers -------------------------------------------------------------


def end_match(match):
    Match.objects.filter(pk=match.pk).update(
        end_date=timezone.localdate(), end_reason=Match.EndReason.COMPLETED
    )
    MatchParticipant.objects.filter(match=match).update(left_on=timezone.localdate())


def test_volunteer_no_longer_sees_pupil_after_the_match_ended(world):
    end_match(world.a.match)

    volunteer = world.a.volunteer_user
    assert visible(Pupil, volunteer) == set()
    assert visible(Referral, volunteer) == set()
    assert visible(ContactMoment, volunteer) == set()


def test_volunteer_no_longer_sees_pupil_who_left_a_running_group_match(world):
    MatchParticipant.objects.filter(pk=world.a.participant.pk).update(left_on=timezone.localdate())

    assert visible(Pupil, world.a.volunteer_user) == set()
    assert visible(Referral, world.a.volunteer_user) == set()


def test_volunteer_does_not_see_a_colleagues_pupil(world):
    colleague = VolunteerFactory(initiative=world.a.initiative, active=True, with_account=True)
    match = MatchFactory(programme=world.a.programme, volunteer=colleague)
    MatchParticipantFactory(match=match, referral=world.a.unmatched_referral)

    assert visible(Pupil, world.a.volunteer_user) == {world.a.pupil}
    assert visible(Pupil, colleague.user) == {world.a.unmatched_pupil}
    assert visible(Match, world.a.volunteer_user) == {world.a.match}


def test_volunteer_sees_own_record_but_not_colleagues(world):
    colleague = VolunteerFactory(initiative=world.a.initiative, active=True)

    assert visible(Volunteer, world.a.volunteer_user) == {world.a.volunteer}
    assert visible(Volunteer, world.a.project_leader) == {world.a.volunteer, colleague}


def test_volunteer_without_volunteer_membership_sees_nothing(world):
    user = world.a.volunteer_user
    user.memberships.all().delete()
    forget_scope(user)

    for model in PERSONAL_DATA_MODELS:
        assert visible(model, user) == set(), model.__name__


# --- School referrers -------------------------------------------------------


def test_school_referrer_sees_pupil_referred_from_their_school_after_it_ended(world):
    end_match(world.a.match)

    assert visible(Pupil, world.a.school_referrer) == {world.a.pupil}
    assert visible(Match, world.a.school_referrer) == {world.a.match}


def test_school_referrer_does_not_see_pupil_of_their_school_referred_by_a_parent(world):
    child = PupilFactory(initiative=world.a.initiative, school=world.a.school)
    ReferralFactory(programme=world.a.programme, pupil=child, from_parent=True)

    assert child not in visible(Pupil, world.a.school_referrer)


def test_school_referrer_never_sees_contact_moments_even_about_their_pupil(world):
    ContactMomentFactory(kind=ContactMoment.Kind.TEACHER, match=world.a.match)
    ContactMomentFactory(kind=ContactMoment.Kind.PARENT, match=None, pupil=world.a.pupil)

    assert visible(ContactMoment, world.a.school_referrer) == set()


# --- Municipal officials ----------------------------------------------------


@pytest.mark.parametrize("side", ["a", "b"])
def test_municipal_official_sees_no_personal_data_at_all(world, side):
    official = resolve(world, f"{side}.municipal_official")
    pupil = resolve(world, f"{side}.pupil")
    assert pupil.guardians.exists()

    for model in PERSONAL_DATA_MODELS:
        assert visible(model, official) == set(), model.__name__


# --- Funding agreements -----------------------------------------------------


@pytest.fixture
def agreements(world):
    return {
        "a": FundingAgreementFactory(
            municipality=world.a.municipality, initiative=world.a.initiative
        ),
        "b": FundingAgreementFactory(
            municipality=world.b.municipality, initiative=world.b.initiative
        ),
        # initiative b funded for work in municipality a
        "b_in_a": FundingAgreementFactory(
            municipality=world.a.municipality, initiative=world.b.initiative
        ),
    }


@pytest.mark.parametrize(
    ("persona", "keys"),
    [
        ("a.project_leader", {"a"}),
        ("a.municipal_official", {"a", "b_in_a"}),
        ("b.project_leader", {"b", "b_in_a"}),
        ("b.municipal_official", {"b"}),
        ("a.volunteer_user", set()),
        ("a.school_referrer", set()),
        ("outsider", set()),
        ("superuser", {"a", "b", "b_in_a"}),
    ],
)
def test_funding_agreements_are_visible_to_their_initiative_and_municipality(
    world, agreements, persona, keys
):
    assert visible(FundingAgreement, resolve(world, persona)) == {agreements[k] for k in keys}


def test_anonymous_visitor_sees_no_funding_agreement(agreements):
    assert visible(FundingAgreement, AnonymousUser()) == set()


# --- Public reference data --------------------------------------------------


@pytest.mark.parametrize("persona", [*EVERYONE, "superuser"])
@pytest.mark.parametrize("model", [SchoolLocation, Programme], ids=lambda m: m.__name__)
def test_schools_and_programmes_are_visible_to_every_signed_in_user(world, model, persona):
    assert visible(model, resolve(world, persona)) == set(model.objects.all())
    assert len(model.objects.all()) == 2


@pytest.mark.parametrize("model", [SchoolLocation, Programme], ids=lambda m: m.__name__)
def test_schools_and_programmes_are_not_visible_to_anonymous_visitors(world, model):
    assert visible(model, AnonymousUser()) == set()


# --- Query counts -----------------------------------------------------------

ALL_SCOPED_MODELS = [*PERSONAL_DATA_MODELS, FundingAgreement, SchoolLocation, Programme]


def add_matched_pupils(side, count: int) -> None:
    for _ in range(count):
        volunteer = VolunteerFactory(initiative=side.initiative, active=True)
        match = MatchFactory(programme=side.programme, volunteer=volunteer)
        referral = ReferralFactory(programme=side.programme, pupil__school=side.school)
        participant = MatchParticipantFactory(match=match, referral=referral)
        ContactMomentFactory(match=match, pupil=participant.pupil)


@pytest.mark.parametrize(
    "persona", ["a.project_leader", "a.volunteer_user", "a.school_referrer", "superuser"]
)
@pytest.mark.parametrize("model", ALL_SCOPED_MODELS, ids=lambda m: m.__name__)
def test_visible_to_takes_two_queries_however_many_rows(
    world, django_assert_max_num_queries, model, persona
):
    add_matched_pupils(world.a, 5)
    user = reload(resolve(world, persona))

    # one query for the memberships, one for the rows
    with django_assert_max_num_queries(2):
        list(model.objects.visible_to(user))


def test_scope_is_read_once_per_user_object(world, django_assert_num_queries):
    user = reload(world.a.project_leader)

    with django_assert_num_queries(1 + len(ALL_SCOPED_MODELS)):
        for model in ALL_SCOPED_MODELS:
            list(model.objects.visible_to(user))


def test_volunteer_still_sees_pupil_when_the_planned_end_has_passed(world):
    # Only an actual end date ends a match; a planned end in the past does not.
    Match.objects.filter(pk=world.a.match.pk).update(
        start_date=timezone.localdate() - dt.timedelta(days=400),
        planned_end_date=timezone.localdate() - dt.timedelta(days=30),
    )

    assert visible(Pupil, world.a.volunteer_user) == {world.a.pupil}
