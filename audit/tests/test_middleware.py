"""Pages and endpoints that show personal data leave entries in the processing log."""

import pytest

from audit.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db


def _entries(**filters):
    return list(
        ProcessingLogEntry.objects.filter(**filters).values_list(
            "record_type", "record_id", "action", "result", "channel"
        )
    )


def test_project_leader_viewing_a_referral_logs_the_pupil_and_guardian(client_for, world):
    referral = world.a.referral
    response = client_for(world.a.project_leader).get(f"/intake/{referral.pk}/")
    assert response.status_code == 200
    entries = _entries(actor_id=world.a.project_leader.pk)
    assert ("pupil", world.a.pupil.pk, "view", "allowed", "page") in entries
    assert ("guardian", world.a.guardian.pk, "view", "allowed", "page") in entries
    entry = ProcessingLogEntry.objects.filter(record_type="pupil").get()
    assert entry.request_id == response["X-Request-ID"]
    assert entry.purpose.startswith("guidance")


def test_a_refused_attempt_is_logged_as_refused(client_for, world):
    response = client_for(world.b.project_leader).get(f"/intake/{world.a.referral.pk}/")
    assert response.status_code == 404
    assert ("pupil", world.a.pupil.pk, "view", "refused", "page") in _entries(
        actor_id=world.b.project_leader.pk
    )


def test_a_change_is_logged_as_a_change(client_for, world):
    client_for(world.a.project_leader).post(f"/vrijwilligers/{world.a.volunteer.pk}/status/", {})
    assert ("volunteer", world.a.volunteer.pk, "update", "allowed", "page") in _entries(
        actor_id=world.a.project_leader.pk
    )


def test_api_reads_are_logged_with_the_token_user(api_for, world):
    response = api_for(world.a.project_leader).get(f"/api/v1/pupils/{world.a.pupil.pk}/")
    assert response.status_code == 200
    assert ("pupil", world.a.pupil.pk, "view", "allowed", "api") in _entries(
        actor_id=world.a.project_leader.pk
    )


def test_pages_without_personal_data_log_nothing(client_for, world):
    client_for(world.a.municipal_official).get("/dashboard/")
    assert ProcessingLogEntry.objects.count() == 0


# Addresses with a record id that show no personal data of pupils, guardians or volunteers.
NOT_PERSONAL = {
    "api:school-detail",
    "api:programme-detail",
    "api:funding-agreement-detail",
    "api:funder-detail",
    "api:report-detail",
    "api:report-csv",
    "api:report-download",
    "api:report-retry",
    "api:report-xlsx",
    "accounts_api_token_revoke",
    "accounts_membership_end",  # a staff member's membership, not a pupil's or volunteer's
    "initiatives:initiative_settings",
    "initiatives:programme_questions",
    "initiatives:drop_in_sessions",  # headcounts only, no names
    "initiatives:programme_question_edit",
    "initiatives:programme_question_move",
    "initiatives:programme_question_switch",
    "initiatives:programme_question_delete",
    "municipality:agreement_detail",
    "municipality:agreement_edit",
    "municipality:accountability_text",
    "municipality:initiative_dashboard",
    "reports:report_detail",
    "reports:report_download",
    "reports:report_retry",
    "reports:report_export",
}
# Addresses whose record id names no person (a programme) and that note the
# pupils and volunteers they show or change (``audit.services.note``).
NOTED_BY_THE_VIEW = {
    "referrals:match_batch",  # audit/tests/test_matching_pages.py
}


def test_every_address_with_a_record_id_is_in_the_registry_or_known_impersonal():
    from django.urls import URLPattern, URLResolver, get_resolver

    from audit.registry import BY_URL_NAME

    def names(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                if pattern.app_name == "admin":
                    continue
                yield from names(pattern.url_patterns, inner)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and "pk" in pattern.pattern.regex.groupindex
            ):
                yield f"{namespace}{pattern.name}"

    unknown = (
        {name for name in names(get_resolver().url_patterns) if name not in BY_URL_NAME}
        - NOT_PERSONAL
        - NOTED_BY_THE_VIEW
    )
    assert unknown == set()
    assert not (set(BY_URL_NAME) & NOT_PERSONAL)


@pytest.mark.parametrize(
    ("who", "url", "record_type", "record"),
    [
        ("school_referrer", "/aanmeldingen/", "pupil", "pupil"),
        ("project_leader", "/wachtlijst/", "pupil", "unmatched_pupil"),
        ("project_leader", "/koppelingen/", "pupil", "pupil"),
        ("project_leader", "/koppelingen/", "volunteer", "volunteer"),
        ("project_leader", "/vrijwilligers/", "volunteer", "volunteer"),
    ],
)
def test_lists_log_each_record_they_show(client_for, world, who, url, record_type, record):
    response = client_for(getattr(world.a, who)).get(url)
    assert response.status_code == 200
    shown = getattr(world.a, record).pk
    assert (record_type, shown, "list", "allowed", "page") in _entries(
        actor_id=getattr(world.a, who).pk
    )
    # nothing of the other world is logged as shown
    assert (record_type, getattr(world.b, record.replace("unmatched_", "")).pk, "list") not in [
        entry[:3] for entry in _entries()
    ]


def test_an_id_beyond_any_record_is_a_plain_404(api_for, client_for, world):
    huge = 2**70
    assert api_for(world.a.project_leader).get(f"/api/v1/pupils/{huge}/").status_code == 404
    assert client_for(world.a.project_leader).get(f"/intake/{huge}/").status_code == 404


@pytest.mark.parametrize(
    ("url", "record_type", "record"),
    [
        ("/api/v1/pupils/", "pupil", "pupil"),
        ("/api/v1/referrals/", "pupil", "pupil"),
        ("/api/v1/matches/", "volunteer", "volunteer"),
        ("/api/v1/matches/", "pupil", "pupil"),
        ("/api/v1/contact-moments/", "pupil", "pupil"),
        ("/api/v1/volunteers/", "volunteer", "volunteer"),
    ],
)
def test_api_lists_log_each_record_on_the_page(api_for, world, url, record_type, record):
    response = api_for(world.a.project_leader).get(url)
    assert response.status_code == 200
    assert (record_type, getattr(world.a, record).pk, "list", "allowed", "api") in _entries(
        actor_id=world.a.project_leader.pk
    )
    assert getattr(world.b, record).pk not in [
        entry[1] for entry in _entries(record_type=record_type)
    ]


def test_exports_and_erasures_are_in_the_processing_log(client_for, world):
    client = client_for(world.a.project_leader)
    assert client.get(f"/leerlingen/{world.a.unmatched_pupil.pk}/gegevens/json/").status_code == 200
    assert ("pupil", world.a.unmatched_pupil.pk, "export", "allowed", "export") in _entries(
        actor_id=world.a.project_leader.pk
    )


def test_a_list_logs_every_kind_of_record_in_one_statement(client_for, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.a.project_leader)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/koppelingen/").status_code == 200

    entries = _entries(actor_id=world.a.project_leader.pk)
    assert ("pupil", world.a.pupil.pk, "list", "allowed", "page") in entries
    assert ("volunteer", world.a.volunteer.pk, "list", "allowed", "page") in entries
    inserts = [q for q in queries if "audit_processinglogentry" in q["sql"].split("(")[0]]
    assert len(inserts) == 1


def _allowed():
    return list(ProcessingLogEntry.objects.filter(result="allowed"))


def test_an_anonymous_visit_of_a_personal_data_page_is_logged_as_refused(world):
    from django.test import Client

    response = Client().get(f"/intake/{world.a.referral.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    entries = _entries(actor_id=None)
    assert ("pupil", world.a.pupil.pk, "view", "refused", "page") in entries
    assert ("guardian", world.a.guardian.pk, "view", "refused", "page") in entries
    assert _allowed() == []


def test_a_deactivated_users_visit_is_logged_as_refused_without_a_user(world):
    from django.test import Client

    from accounts.tests.authenticators import give_authenticator_app

    leader = world.a.project_leader
    give_authenticator_app(leader)
    client = Client()
    client.force_login(leader)
    leader.is_active = False
    leader.save(update_fields=["is_active"])

    response = client.get(f"/intake/{world.a.referral.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert ("pupil", world.a.pupil.pk, "view", "refused", "page") in _entries(actor_id=None)
    assert _allowed() == []


def test_an_anonymous_change_is_logged_as_a_refused_change(world):
    from django.test import Client

    response = Client().post(f"/vrijwilligers/{world.a.volunteer.pk}/status/", {})

    assert response.status_code == 302
    assert ("volunteer", world.a.volunteer.pk, "update", "refused", "page") in _entries(
        actor_id=None
    )
    assert _allowed() == []


def test_an_api_read_without_credentials_is_logged_as_refused(api_for, world):
    response = api_for(None).get(f"/api/v1/pupils/{world.a.pupil.pk}/")

    assert response.status_code == 401
    assert ("pupil", world.a.pupil.pk, "view", "refused", "api") in _entries(actor_id=None)
    assert _allowed() == []
