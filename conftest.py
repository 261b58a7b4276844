"""Shared test personas (in the style of Healthchecks' alice and bob).

Fixtures
--------

``world``
    Two separate worlds, ``world.a`` (Utrecht, GM0344) and ``world.b``
    (Dordrecht, GM0505), plus people who belong to neither. Each world
    (a ``Side``) has:

    - ``municipality``, ``school`` (a school in that municipality),
      ``initiative`` and ``programme`` (serving that municipality);
    - ``project_leader``, ``school_referrer`` and ``municipal_official``:
      users with a membership of the initiative, school or municipality;
    - ``volunteer_user`` (the account, with a volunteer membership) and
      ``volunteer`` (their active ``Volunteer`` record);
    - ``pupil`` (with one ``guardian``), referred by the school to the
      programme (``referral``, status matched), in an active ``match`` with
      the world's volunteer (``participant``), and one ``contact_moment``
      (a session with a note).

    World a also has ``unmatched_pupil`` with ``unmatched_referral``: a
    parent referral (no school) to the same programme, on the waitlist, and
    not matched with anyone. In world b both are ``None``.

    ``world.outsider`` is a signed-in user without memberships and
    ``world.superuser`` an administrator. The ``outsider`` and ``superuser``
    fixtures return the same users.

``api_for``
    ``api_for(user)`` returns a DRF ``APIClient`` authenticated with a new
    personal API token of ``user`` (``api_for(None)``: anonymous).

``client_for``
    ``client_for(user)`` returns a Django test ``Client`` logged in as
    ``user`` (``force_login``, so no password is checked). The user gets an
    authenticator app first (``accounts.tests.authenticators``), as every
    role that sees personal data must have one (``accounts.mfa``); to test a
    user without one, use a plain ``Client`` with ``force_login``.

All users can also log in with ``accounts.tests.factories.TEST_PASSWORD``.
The world is built with about fifty inserts; build anything else a test
needs with the factories in ``<app>/tests/factories.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.tests.factories import (
    UserFactory,
    municipal_official_of,
    project_leader_of,
    school_referrer_of,
)
from initiatives.tests.factories import InitiativeFactory, ProgrammeFactory, VolunteerFactory
from municipality.tests.factories import MunicipalityFactory
from referrals.tests.factories import (
    ContactMomentFactory,
    GuardianFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilFactory,
    ReferralFactory,
)
from schools.tests.factories import SchoolBoardFactory, SchoolLocationFactory


@dataclass
class Side:
    """One world: a municipality with its school, initiative and people."""

    municipality: object
    school: object
    initiative: object
    programme: object
    project_leader: object
    volunteer_user: object
    volunteer: object
    school_referrer: object
    municipal_official: object
    pupil: object
    guardian: object
    referral: object
    match: object
    participant: object
    contact_moment: object
    unmatched_pupil: object = None
    unmatched_referral: object = None


@dataclass
class World:
    a: Side
    b: Side
    outsider: object
    superuser: object


def _build_side(
    *, key: str, cbs_code: str, city: str, brin: str, initiative_name: str, with_unmatched: bool
) -> Side:
    municipality = MunicipalityFactory(cbs_code=cbs_code, name=city)
    school = SchoolLocationFactory(
        brin=brin,
        name=f"Basisschool De Regenboog {city}",
        municipality=municipality,
        board=SchoolBoardFactory(),
    )
    initiative = InitiativeFactory(name=initiative_name, municipalities=[municipality])
    programme = ProgrammeFactory(
        initiative=initiative, name="Taalmentoraat PO", municipalities=[municipality]
    )

    project_leader = project_leader_of(initiative, email=f"projectleider-{key}@example.nl")
    school_referrer = school_referrer_of(school, email=f"ib-{key}@example.nl")
    municipal_official = municipal_official_of(municipality, email=f"beleid-{key}@example.nl")
    volunteer = VolunteerFactory(
        initiative=initiative,
        active=True,
        with_account=True,
        email=f"vrijwilliger-{key}@example.nl",
        first_name={"a": "Wilhelmina", "b": "Bartholomeus"}[key],
        last_name={"a": "Ouwerkerk", "b": "Tjeenk-Willink"}[key],
    )

    # Distinctive names, so "the page does not show this pupil" cannot pass or
    # fail by a random name that happens to match a user's name on the page.
    pupil = PupilFactory(
        initiative=initiative,
        school=school,
        first_name={"a": "Yasmina", "b": "Thijmen"}[key],
        last_name={"a": "Zwartewaal", "b": "Korteweg-Ankersmit"}[key],
    )
    guardian = GuardianFactory(
        pupil=pupil, name={"a": "Fatima Zwartewaal", "b": "Inge Korteweg"}[key]
    )
    referral = ReferralFactory(pupil=pupil, programme=programme, matched=True)
    match = MatchFactory(programme=programme, volunteer=volunteer)
    participant = MatchParticipantFactory(match=match, referral=referral)
    contact_moment = ContactMomentFactory(match=match, note=f"Goede sessie met {pupil.first_name}.")

    unmatched_pupil = unmatched_referral = None
    if with_unmatched:
        unmatched_pupil = PupilFactory(
            initiative=initiative,
            school=None,
            grade=None,
            first_name="Quirijntje",
            last_name="Wachtendonk",
        )
        unmatched_referral = ReferralFactory(
            pupil=unmatched_pupil, programme=programme, from_parent=True, waiting=True
        )

    return Side(
        municipality=municipality,
        school=school,
        initiative=initiative,
        programme=programme,
        project_leader=project_leader,
        volunteer_user=volunteer.user,
        volunteer=volunteer,
        school_referrer=school_referrer,
        municipal_official=municipal_official,
        pupil=pupil,
        guardian=guardian,
        referral=referral,
        match=match,
        participant=participant,
        contact_moment=contact_moment,
        unmatched_pupil=unmatched_pupil,
        unmatched_referral=unmatched_referral,
    )


@pytest.fixture
def world(db) -> World:
    return World(
        a=_build_side(
            key="a",
            cbs_code="GM0344",
            city="Utrecht",
            brin="99UT",
            initiative_name="Taal Doet Meer",
            with_unmatched=True,
        ),
        b=_build_side(
            key="b",
            cbs_code="GM0505",
            city="Dordrecht",
            brin="99DD",
            initiative_name="Stichting Lina",
            with_unmatched=False,
        ),
        outsider=UserFactory(email="buitenstaander@example.nl"),
        superuser=UserFactory(email="beheerder@example.nl", superuser=True),
    )


@pytest.fixture
def outsider(world):
    return world.outsider


@pytest.fixture
def superuser(world):
    return world.superuser


@pytest.fixture
def client_for(db):
    """``client_for(user)``: a test client logged in as ``user``."""

    from accounts.tests.authenticators import give_authenticator_app

    def make(user) -> Client:
        client = Client()
        give_authenticator_app(user)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for(db):
    """``api_for(user)``: a DRF ``APIClient`` that sends a fresh personal token of ``user``.

    ``api_for(user, membership=m, read_only=True)`` narrows the token as the
    token page does; ``api_for(None)`` is an anonymous client. Like
    ``client_for``, the user gets an authenticator app: a token of a user who
    must still set one up is refused (accounts/tests/test_mfa.py).
    """
    from rest_framework.test import APIClient

    from accounts.tests.authenticators import give_authenticator_app
    from accounts.tokens import api_token_create

    def make(user, **token_options) -> APIClient:
        client = APIClient()
        if user is not None:
            give_authenticator_app(user)
            _token, secret = api_token_create(user=user, name="test", **token_options)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


def _commits(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _empty_processing_log_before_flush(request, _django_db_helper):
    """Let the flush after a transactional test empty the append-only processing log.

    The database refuses to delete log entries (audit migration 0002). Tests
    that commit (``transactional_db``, ``live_server``) are cleaned by a flush,
    which would be refused once they wrote log entries: on PostgreSQL the
    session switch ``audit.allow_truncate`` lets the flush's TRUNCATE through,
    on SQLite the entries are removed with the trigger lifted for a moment.
    """
    yield
    if not _commits(request):
        return
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET audit.allow_truncate = 'on'")
        elif connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
            cursor.execute("DELETE FROM audit_processinglogentry")
            cursor.execute(
                "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_processinglogentry BEGIN "
                "SELECT RAISE(ABORT, 'The processing log is append-only: "
                "DELETE is not allowed'); END;"
            )
