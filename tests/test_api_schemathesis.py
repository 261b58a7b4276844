"""Schemathesis against the committed OpenAPI document, once per role.

Every operation is called with generated input (valid and invalid by the
schema) as each role, with all of Schemathesis' checks: no server errors,
status codes, content types, headers and bodies as documented, invalid input
rejected, valid input not refused for a schema reason, and requests without
credentials refused. Path identifiers are drawn partly from real objects of
the world (both municipalities' data), so the checks also reach objects the
role may see, and objects of the other organisation (which must be 404).
Only Hypothesis' generate phase runs (SCHEMATHESIS_EXAMPLES examples per
operation and role, default 8), which keeps the suite to a few minutes.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from accounts.tests.authenticators import give_authenticator_app
from accounts.tokens import api_token_create

# Examples per operation and role; raise locally with SCHEMATHESIS_EXAMPLES=200.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))

RAW_SCHEMA = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text("utf-8"))


def _real_ids(world) -> list[int]:
    ids = set()
    for side in (world.a, world.b):
        for name in (
            "school",
            "programme",
            "volunteer",
            "pupil",
            "referral",
            "match",
            "contact_moment",
        ):
            ids.add(getattr(side, name).pk)
    return sorted(ids)


# Valid-by-schema input may still break a business rule the schema cannot
# express (an id that does not exist or is not yours, a date in the future,
# a status change the current status does not allow): those answers are 400
# (with the reason), 404 or 409, never a server error. Everything else is
# Schemathesis' defaults.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
            }
        }
    }
)
schema = schemathesis.openapi.from_dict(RAW_SCHEMA, config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the WSGI handler, which closes the database connection after
    each one; inside a test's transaction (PostgreSQL) that would end the test. Django's
    own test client disconnects the same signal handlers."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def more_roles(world):
    """World a's privacy officer and klantmanager, with an adult the klantmanager referred."""
    from accounts.tests.factories import client_manager_of, privacy_officer_of
    from referrals.tests.test_adult_scoping import adult_referral

    client_manager = client_manager_of(world.a.municipality, email="klantmanager-a@example.nl")
    return SimpleNamespace(
        privacy_officer=privacy_officer_of(world.a.initiative, email="privacy-a@example.nl"),
        client_manager=client_manager,
        adult_referral=adult_referral(world.a, client_manager),
    )


@pytest.fixture
def token_for(world, more_roles):
    secrets: dict[str, str] = {}

    def make(role: str) -> str:
        if role not in secrets:
            if role == "outsider":
                user = world.outsider
            elif hasattr(more_roles, role):
                user = getattr(more_roles, role)
            else:
                user = getattr(world.a, role)
            give_authenticator_app(user)
            _token, secrets[role] = api_token_create(user=user, name=f"schemathesis {role}")
        return secrets[role]

    return make


def _conformance_test_as(role: str):
    @pytest.mark.django_db
    @schema.parametrize()
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def test(case, token_for, world, more_roles):
        ids = sorted({*_real_ids(world), more_roles.adult_referral.pk})
        meta = getattr(case, "meta", None)
        positive = meta is None or meta.generation.mode.is_positive
        if positive and case.path_parameters and "id" in case.path_parameters:
            # half the time a real object's id (of either world), else the generated one
            seed = abs(hash((case.method, case.path, str(case.path_parameters)))) % (2 * len(ids))
            if seed < len(ids):
                case.path_parameters["id"] = ids[seed]
        case.call_and_validate(headers={"Authorization": f"Bearer {token_for(role)}"})

    test.__doc__ = f"Every operation conforms to the schema for a {role}."
    return test


test_api_conforms_as_project_leader = _conformance_test_as("project_leader")
test_api_conforms_as_volunteer = _conformance_test_as("volunteer_user")
test_api_conforms_as_school_referrer = _conformance_test_as("school_referrer")
test_api_conforms_as_municipal_official = _conformance_test_as("municipal_official")
test_api_conforms_as_privacy_officer = _conformance_test_as("privacy_officer")
test_api_conforms_as_client_manager = _conformance_test_as("client_manager")
test_api_conforms_as_outsider = _conformance_test_as("outsider")
