"""Every factory builds a row that passes the model's own validation."""

import pytest

from accounts.tests import factories as accounts
from initiatives.tests import factories as initiatives
from municipality.tests import factories as municipality
from referrals.tests import factories as referrals
from schools.tests import factories as schools

pytestmark = pytest.mark.django_db

# Set by services, never by a form; the models declare them null=True without
# blank=True, so full_clean() would demand them.
AUDIT_FIELDS = ["created_by", "logged_by", "recorded_by", "status_changed_at"]

FACTORIES = [
    (accounts.UserFactory, {}),
    (accounts.UserFactory, {"superuser": True}),
    (accounts.MembershipFactory, {"project_leader": True}),
    (accounts.MembershipFactory, {"volunteer": True}),
    (accounts.MembershipFactory, {"school_referrer": True}),
    (accounts.MembershipFactory, {"municipal_official": True}),
    (municipality.MunicipalityFactory, {}),
    (municipality.NeighbourhoodFactory, {}),
    (municipality.FunderFactory, {}),
    (municipality.FunderFactory, {"municipal": True}),
    (municipality.FundingAgreementFactory, {}),
    (municipality.TargetFactory, {}),
    (schools.SchoolBoardFactory, {}),
    (schools.SchoolLocationFactory, {}),
    (schools.SchoolLocationFactory, {"vo": True}),
    (initiatives.InitiativeFactory, {}),
    (initiatives.ProgrammeFactory, {}),
    (initiatives.ProgrammeFactory, {"group": True}),
    (initiatives.TrainingFactory, {}),
    (initiatives.VolunteerFactory, {}),
    (initiatives.VolunteerFactory, {"active": True, "with_account": True}),
    (initiatives.VolunteerFactory, {"stopped": True}),
    (initiatives.VOGFactory, {}),
    (initiatives.AvailabilityFactory, {}),
    (initiatives.TrainingCompletionFactory, {}),
    (referrals.PupilFactory, {}),
    (referrals.GuardianFactory, {}),
    *(
        (referrals.ReferralFactory, {trait: True})
        for trait in (
            "draft",
            "submitted",
            "intake",
            "waiting",
            "matched",
            "completed",
            "declined",
            "withdrawn",
            "stopped_early",
            "from_parent",
        )
    ),
    (referrals.MatchFactory, {}),
    (referrals.MatchFactory, {"ended": True}),
    (referrals.MatchParticipantFactory, {}),
    (referrals.ContactMomentFactory, {}),
    (referrals.TripartiteMeetingFactory, {}),
    (referrals.ActionPlanFactory, {}),
    (referrals.GoalFactory, {}),
    (referrals.EvaluationFactory, {}),
    (referrals.GoalEvaluationFactory, {}),
    (referrals.ImpactMeasurementFactory, {}),
    (referrals.ImpactScoreFactory, {}),
]


@pytest.mark.parametrize(
    ("factory_class", "traits"),
    FACTORIES,
    ids=[f"{f.__name__}-{'-'.join(t) or 'default'}" for f, t in FACTORIES],
)
def test_factory_builds_a_valid_row(factory_class, traits):
    obj = factory_class(**traits)

    obj.full_clean(exclude=AUDIT_FIELDS)
    assert type(obj)._default_manager.filter(pk=obj.pk).exists()


def test_referral_factory_keeps_pupil_in_the_programmes_initiative():
    referral = referrals.ReferralFactory()

    assert referral.pupil.initiative == referral.programme.initiative
    assert referral.referring_school == referral.pupil.school


def test_parent_referral_has_no_referring_school():
    assert referrals.ReferralFactory(from_parent=True).referring_school is None


def test_match_participant_factory_keeps_programme_consistent_with_match():
    participant = referrals.MatchParticipantFactory()

    assert participant.programme == participant.match.programme
    assert participant.referral.programme == participant.match.programme
    assert participant.pupil == participant.referral.pupil


def test_volunteer_with_account_gets_a_volunteer_membership():
    volunteer = initiatives.VolunteerFactory(with_account=True)

    membership = volunteer.user.memberships.get()
    assert (membership.role, membership.initiative) == ("volunteer", volunteer.initiative)


def test_user_factory_password_logs_in(client):
    user = accounts.UserFactory()

    assert client.login(email=user.email, password=accounts.TEST_PASSWORD)
